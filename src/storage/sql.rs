//! The `sql` driver: release records in PostgreSQL, in the tables Helm's SQL
//! driver uses (`releases_v1`, one row per revision; `custom_labels_v1`,
//! one row per custom label), so Helm and wheelhouse read and write the same
//! rows. Connection strings are read as Helm's client reads them
//! (`connection`), TLS follows its `sslmode` rules (`tls`), and the tables
//! are created on first use with Helm's migration bookkeeping (`schema`).
//!
//! Beyond Helm: filters (namespace, name, status, `owner = 'helm'`) run in
//! SQL; the latest revision of each release is chosen by the database; a
//! row's custom labels come in the same query; and an update refuses to
//! overwrite a row changed since it was read (its `xmin`, PostgreSQL's row
//! version, is the record's [`Release::stored_as`]).
//!
//! Row-level security is Helm's: both tables have it enabled, so a role sees
//! and changes only the rows its policies allow; this driver adds no
//! filtering of its own that could hide or reveal more.

mod connection;
mod schema;
mod tls;

use std::collections::BTreeMap;

use async_trait::async_trait;
use futures_util::{TryStreamExt, pin_mut};
use thiserror::Error;
use tokio::sync::Mutex;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Row};

use crate::release::{GoTime, Release, Status, codec};

use super::{
    Driver, OWNER, Query, RECORD_TYPE, RecordHeader, StorageError, StoredRecord, custom_labels,
    record_key,
};

pub use connection::{ConnectionSettings, ConnectionStringError, DEFAULT_CONNECT_TIMEOUT, SslMode};
pub use schema::MIGRATIONS_TABLE;
pub use tls::TlsSetupError;

/// The environment variable Helm reads the connection string from.
pub const CONNECTION_STRING_VARIABLE: &str = "HELM_DRIVER_SQL_CONNECTION_STRING";

/// Where Helm's SQL driver stores a release without a namespace.
const DEFAULT_NAMESPACE: &str = "default";

/// The columns every record query selects, in [`record_from_row`]'s order.
/// The labels subquery returns a JSON object (or NULL), one round trip for
/// rows and labels together.
const RECORD_COLUMNS: &str = "r.key, r.namespace, r.name, r.version, r.status, r.createdat, \
     r.modifiedat, r.body, r.xmin::text, \
     (SELECT json_object_agg(l.key, coalesce(l.value, '')) FROM custom_labels_v1 l \
      WHERE l.releasekey = r.key AND l.releasenamespace = r.namespace AND l.key IS NOT NULL)::text";

#[derive(Debug, Error)]
pub enum SqlError {
    #[error(transparent)]
    ConnectionString(#[from] ConnectionStringError),
    #[error(
        "sql driver: cannot set up TLS for PostgreSQL at {server}: {source}; check sslmode and sslrootcert in {CONNECTION_STRING_VARIABLE}"
    )]
    Tls {
        server: String,
        #[source]
        source: TlsSetupError,
    },
    #[error("sql driver: cannot connect to PostgreSQL at {server}: {message}; {hint}")]
    Connect {
        server: String,
        message: String,
        hint: &'static str,
    },
    #[error("sql driver: {context}: {message}")]
    Query {
        context: &'static str,
        message: String,
    },
}

impl SqlError {
    fn query(context: &'static str, error: tokio_postgres::Error) -> SqlError {
        SqlError::Query {
            context,
            message: describe(&error),
        }
    }
}

impl From<SqlError> for StorageError {
    fn from(error: SqlError) -> StorageError {
        StorageError::Backend {
            driver: "SQL",
            message: error.to_string(),
        }
    }
}

/// A PostgreSQL error as the server worded it (tokio-postgres's own text for
/// a server error is only "db error").
fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => {
            let mut text = format!(
                "{}: {} (SQLSTATE {})",
                db.severity(),
                db.message(),
                db.code().code()
            );
            if let Some(hint) = db.hint() {
                text.push_str("; hint: ");
                text.push_str(hint);
            }
            text
        }
        None => {
            let mut text = error.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                let cause_text = cause.to_string();
                if !text.contains(&cause_text) {
                    text.push_str(": ");
                    text.push_str(&cause_text);
                }
                source = cause.source();
            }
            text
        }
    }
}

/// What to do about a failed connection.
fn connect_hint(error: &tokio_postgres::Error, ssl_mode: SslMode) -> &'static str {
    let code = error.code();
    if code == Some(&SqlState::INVALID_PASSWORD)
        || code == Some(&SqlState::INVALID_AUTHORIZATION_SPECIFICATION)
    {
        "check the user and password in HELM_DRIVER_SQL_CONNECTION_STRING"
    } else if describe(error).contains("does not support TLS") && ssl_mode == SslMode::Require {
        "the server offers no TLS, which Helm's client requires unless told otherwise: add sslmode=disable to HELM_DRIVER_SQL_CONNECTION_STRING"
    } else {
        "check HELM_DRIVER_SQL_CONNECTION_STRING and that the server is running"
    }
}

fn storage_error(context: &'static str, error: tokio_postgres::Error) -> StorageError {
    SqlError::query(context, error).into()
}

/// Helm's SQL storage driver on one PostgreSQL connection.
pub struct Sql {
    /// Transactions need the client exclusively; queries share the lock so
    /// one connection serves the whole process.
    client: Mutex<Client>,
}

impl Sql {
    /// Connects with a connection string in either of lib/pq's forms (over
    /// the `PG*` environment variables) and creates Helm's tables if needed.
    pub async fn open(connection_string: &str) -> Result<Sql, SqlError> {
        let settings =
            ConnectionSettings::parse(connection_string, |name| std::env::var(name).ok())?;
        Sql::connect(&settings).await
    }

    /// Connects, bounded by the settings' connect timeout as a whole (the
    /// TCP connection, TLS and sign-in: a server that accepts but never
    /// answers must not hang the caller), then creates Helm's tables if needed.
    pub async fn connect(settings: &ConnectionSettings) -> Result<Sql, SqlError> {
        let tls = tls::connector(settings).map_err(|source| SqlError::Tls {
            server: settings.to_string(),
            source,
        })?;
        let timeout = settings.connect_timeout;
        let connected = tokio::time::timeout(timeout, async {
            let config = settings.to_config();
            match tls {
                None => config.connect(NoTls).await.map(|(client, connection)| {
                    tokio::spawn(connection);
                    client
                }),
                Some(tls) => config.connect(tls).await.map(|(client, connection)| {
                    tokio::spawn(connection);
                    client
                }),
            }
        })
        .await;
        let mut client = match connected {
            Ok(Ok(client)) => client,
            Ok(Err(error)) => {
                return Err(SqlError::Connect {
                    server: settings.to_string(),
                    message: describe(&error),
                    hint: connect_hint(&error, settings.ssl_mode),
                });
            }
            Err(_) => {
                return Err(SqlError::Connect {
                    server: settings.to_string(),
                    message: format!("no answer within {} s", timeout.as_secs()),
                    hint: "check that the address is a PostgreSQL server, or raise connect_timeout in HELM_DRIVER_SQL_CONNECTION_STRING",
                });
            }
        };
        schema::ensure(&mut client).await?;
        Ok(Sql {
            client: Mutex::new(client),
        })
    }
}

/// The WHERE clause and parameters of a [`Query`], always limited to Helm's
/// records (`owner = 'helm'`) as Helm's List is.
fn where_clause(query: &Query) -> (String, Vec<Box<dyn ToSql + Sync + Send>>) {
    let mut conditions = vec!["r.owner = $1".to_owned()];
    let mut params: Vec<Box<dyn ToSql + Sync + Send>> = vec![Box::new(OWNER.to_owned())];
    let mut add = |column: &str, value: String| {
        params.push(Box::new(value));
        conditions.push(format!("r.{column} = ${}", params.len()));
    };
    if let Some(namespace) = &query.namespace {
        add("namespace", namespace.clone());
    }
    if let Some(name) = &query.name {
        add("name", name.clone());
    }
    if let Some(status) = &query.status {
        add("status", status.as_str().to_owned());
    }
    (format!("WHERE {}", conditions.join(" AND ")), params)
}

fn record_from_row(row: &Row) -> Result<StoredRecord, tokio_postgres::Error> {
    let status: String = row.try_get(4)?;
    let Ok(status) = status.parse::<Status>();
    let labels: Option<String> = row.try_get(9)?;
    // A label set that is not a JSON object of strings cannot come from the
    // query above; an empty set is the honest reading if it ever did.
    let labels: BTreeMap<String, String> = labels
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default();
    let modified_at: i32 = row.try_get(6)?;
    Ok(StoredRecord {
        header: RecordHeader {
            key: row.try_get(0)?,
            namespace: row.try_get(1)?,
            name: row.try_get(2)?,
            version: i64::from(row.try_get::<_, i32>(3)?),
            status,
            created_at: Some(i64::from(row.try_get::<_, i32>(5)?)),
            // Helm's column default: 0 until the first update.
            modified_at: (modified_at != 0).then_some(i64::from(modified_at)),
            labels: custom_labels(&labels),
        },
        body: row.try_get(7)?,
        stored_as: Some(row.try_get(8)?),
    })
}

/// The namespace Helm's SQL driver stores a release under.
fn namespace_of(release: &Release) -> &str {
    if release.namespace.is_empty() {
        DEFAULT_NAMESPACE
    } else {
        &release.namespace
    }
}

/// The columns a write sets from a release: key, body, version, status.
fn row_values(release: &Release) -> Result<(String, String, i32, String), StorageError> {
    if release.name.is_empty() {
        return Err(StorageError::InvalidRelease(
            "a release needs a name to be stored".into(),
        ));
    }
    let version = i32::try_from(release.version).map_err(|_| {
        StorageError::InvalidRelease(format!(
            "revision {} of {} does not fit the version column (INTEGER)",
            release.version, release.name
        ))
    })?;
    let body = codec::encode(release).map_err(|e| StorageError::Backend {
        driver: "SQL",
        message: e.to_string(),
    })?;
    Ok((
        record_key(&release.name, release.version),
        body,
        version,
        release.status().as_str().to_owned(),
    ))
}

/// Helm's timestamps are Unix seconds in INTEGER columns.
fn now_seconds() -> i32 {
    i32::try_from(GoTime::now().unix_seconds()).unwrap_or(i32::MAX)
}

#[async_trait]
impl Driver for Sql {
    fn name(&self) -> &'static str {
        "SQL"
    }

    async fn create(&self, release: &Release) -> Result<Option<String>, StorageError> {
        let (key, body, version, status) = row_values(release)?;
        let namespace = namespace_of(release);
        let labels = custom_labels(&release.labels);
        let (label_keys, label_values): (Vec<&str>, Vec<&str>) =
            labels.iter().map(|(k, v)| (k.as_str(), v.as_str())).unzip();
        let mut client = self.client.lock().await;
        let tx = client
            .transaction()
            .await
            .map_err(|e| storage_error("starting a transaction", e))?;
        let inserted = tx
            .query_one(
                "INSERT INTO releases_v1 (key, type, body, name, namespace, version, status, owner, createdat) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING xmin::text",
                &[
                    &key,
                    &RECORD_TYPE,
                    &body,
                    &release.name,
                    &namespace,
                    &version,
                    &status,
                    &OWNER,
                    &now_seconds(),
                ],
            )
            .await;
        let stored_as: String = match inserted {
            Ok(row) => row.get(0),
            Err(error) => {
                return Err(if error.code() == Some(&SqlState::UNIQUE_VIOLATION) {
                    StorageError::Exists { key }
                } else {
                    storage_error("storing a release", error)
                });
            }
        };
        if !labels.is_empty() {
            tx.execute(
                "INSERT INTO custom_labels_v1 (releasekey, releasenamespace, key, value) \
                 SELECT $1, $2, k, v FROM unnest($3::text[], $4::text[]) AS t(k, v)",
                &[&key, &namespace, &label_keys, &label_values],
            )
            .await
            .map_err(|e| storage_error("storing a release's labels", e))?;
        }
        tx.commit()
            .await
            .map_err(|e| storage_error("storing a release", e))?;
        Ok(Some(stored_as))
    }

    async fn update(&self, release: &Release) -> Result<Option<String>, StorageError> {
        let (key, body, version, status) = row_values(release)?;
        let namespace = namespace_of(release);
        let mut client = self.client.lock().await;
        let tx = client
            .transaction()
            .await
            .map_err(|e| storage_error("starting a transaction", e))?;
        let current = tx
            .query_opt(
                "SELECT xmin::text FROM releases_v1 WHERE key = $1 AND namespace = $2 FOR UPDATE",
                &[&key, &namespace],
            )
            .await
            .map_err(|e| storage_error("reading a release to update it", e))?;
        let Some(current) = current else {
            return Err(StorageError::NotFound { key });
        };
        if let Some(read) = &release.stored_as
            && *read != current.get::<_, String>(0)
        {
            return Err(StorageError::Conflict { key });
        }
        let updated = tx
            .query_one(
            "UPDATE releases_v1 SET body = $3, name = $4, version = $5, status = $6, owner = $7, modifiedat = $8 \
             WHERE key = $1 AND namespace = $2 RETURNING xmin::text",
            &[
                &key,
                &namespace,
                &body,
                &release.name,
                &version,
                &status,
                &OWNER,
                &now_seconds(),
            ],
        )
        .await
        .map_err(|e| storage_error("updating a release", e))?;
        tx.commit()
            .await
            .map_err(|e| storage_error("updating a release", e))?;
        Ok(Some(updated.get(0)))
    }

    async fn delete(
        &self,
        namespace: &str,
        name: &str,
        version: i64,
    ) -> Result<Release, StorageError> {
        let key = record_key(name, version);
        let mut client = self.client.lock().await;
        let tx = client
            .transaction()
            .await
            .map_err(|e| storage_error("starting a transaction", e))?;
        let row = tx
            .query_opt(
                &format!(
                    "DELETE FROM releases_v1 r WHERE r.key = $1 AND r.namespace = $2 RETURNING {RECORD_COLUMNS}"
                ),
                &[&key, &namespace],
            )
            .await
            .map_err(|e| storage_error("deleting a release", e))?;
        let Some(row) = row else {
            return Err(StorageError::NotFound { key });
        };
        let record = record_from_row(&row).map_err(|e| storage_error("deleting a release", e))?;
        // As Helm: a body that cannot be decoded stops the delete (rolled back).
        let release = record.decode()?;
        tx.execute(
            "DELETE FROM custom_labels_v1 WHERE releasekey = $1 AND releasenamespace = $2",
            &[&key, &namespace],
        )
        .await
        .map_err(|e| storage_error("deleting a release's labels", e))?;
        tx.commit()
            .await
            .map_err(|e| storage_error("deleting a release", e))?;
        Ok(release)
    }

    async fn get(
        &self,
        namespace: &str,
        name: &str,
        version: i64,
    ) -> Result<Release, StorageError> {
        let key = record_key(name, version);
        let client = self.client.lock().await;
        let row = client
            .query_opt(
                &format!(
                    "SELECT {RECORD_COLUMNS} FROM releases_v1 r WHERE r.key = $1 AND r.namespace = $2"
                ),
                &[&key, &namespace],
            )
            .await
            .map_err(|e| storage_error("reading a release", e))?;
        let Some(row) = row else {
            return Err(StorageError::NotFound { key });
        };
        record_from_row(&row)
            .map_err(|e| storage_error("reading a release", e))?
            .decode()
    }

    async fn scan(
        &self,
        query: &Query,
        visit: &mut (dyn FnMut(StoredRecord) + Send),
    ) -> Result<(), StorageError> {
        let (filter, params) = where_clause(query);
        let sql = format!("SELECT {RECORD_COLUMNS} FROM releases_v1 r {filter}");
        self.stream(&sql, &params, visit).await
    }

    async fn latest(&self, query: &Query) -> Result<Vec<StoredRecord>, StorageError> {
        let (filter, params) = where_clause(query);
        // Pick the rows by their small columns first, then read only those bodies.
        let sql = format!(
            "WITH latest AS (SELECT DISTINCT ON (r.namespace, r.name) r.key, r.namespace \
               FROM releases_v1 r {filter} ORDER BY r.namespace, r.name, r.version DESC) \
             SELECT {RECORD_COLUMNS} FROM releases_v1 r JOIN latest USING (key, namespace)"
        );
        let mut records = Vec::new();
        self.stream(&sql, &params, &mut |record| records.push(record))
            .await?;
        Ok(records)
    }
}

impl Sql {
    /// Runs a record query, handing rows over as they arrive.
    async fn stream(
        &self,
        sql: &str,
        params: &[Box<dyn ToSql + Sync + Send>],
        visit: &mut (dyn FnMut(StoredRecord) + Send),
    ) -> Result<(), StorageError> {
        let client = self.client.lock().await;
        let params = params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync));
        let rows = client
            .query_raw(sql, params)
            .await
            .map_err(|e| storage_error("listing releases", e))?;
        pin_mut!(rows);
        while let Some(row) = rows
            .try_next()
            .await
            .map_err(|e| storage_error("listing releases", e))?
        {
            visit(record_from_row(&row).map_err(|e| storage_error("listing releases", e))?);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_push_every_filter_into_sql() {
        let (sql, params) = where_clause(&Query {
            namespace: Some("apps".into()),
            name: Some("web".into()),
            status: Some(Status::Deployed),
        });
        assert_eq!(
            sql,
            "WHERE r.owner = $1 AND r.namespace = $2 AND r.name = $3 AND r.status = $4"
        );
        assert_eq!(params.len(), 4);
        let (sql, params) = where_clause(&Query::namespace(None));
        assert_eq!((sql.as_str(), params.len()), ("WHERE r.owner = $1", 1));
    }

    #[test]
    fn releases_without_namespace_go_to_default_as_in_helm() {
        let release = Release {
            name: "web".into(),
            version: 2,
            ..Release::default()
        };
        assert_eq!(namespace_of(&release), "default");
        let (key, _, version, status) = row_values(&release).unwrap();
        assert_eq!(
            (key.as_str(), version, status.as_str()),
            ("sh.helm.release.v1.web.v2", 2, "unknown")
        );
        let too_big = Release {
            version: i64::from(i32::MAX) + 1,
            ..release
        };
        assert!(matches!(
            row_values(&too_big),
            Err(StorageError::InvalidRelease(_))
        ));
    }
}
