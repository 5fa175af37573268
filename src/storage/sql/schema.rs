//! The tables Helm's SQL driver keeps, created on first use exactly as Helm
//! creates them, with the bookkeeping of the migration tool Helm uses
//! (sql-migrate: a `gorp_migrations` table of applied ids), so Helm and
//! wheelhouse can share one database whichever of them came first.
//!
//! Helm writes its column names without quotes, so PostgreSQL folds them to
//! lower case: `createdAt` is the column `createdat`, `releaseKey` is
//! `releasekey`.

use tokio_postgres::Client;

use super::SqlError;

/// sql-migrate's table of applied migrations (its default name).
pub const MIGRATIONS_TABLE: &str = "gorp_migrations";

/// One of Helm's migrations: its id in `gorp_migrations` and its statements.
struct Migration {
    id: &'static str,
    up: &'static str,
}

/// Helm's migrations in the order sql-migrate applies them (sorted by id).
const MIGRATIONS: [Migration; 2] = [
    Migration {
        id: "custom_labels",
        up: "CREATE TABLE custom_labels_v1 (
                releaseKey VARCHAR(64),
                releaseNamespace VARCHAR(67),
                key VARCHAR(317),
                value VARCHAR(63)
            );
            CREATE INDEX ON custom_labels_v1 (releaseKey, releaseNamespace);
            GRANT ALL ON custom_labels_v1 TO PUBLIC;
            ALTER TABLE custom_labels_v1 ENABLE ROW LEVEL SECURITY;",
    },
    Migration {
        id: "init",
        up: "CREATE TABLE releases_v1 (
                key VARCHAR(90),
                type VARCHAR(64) NOT NULL,
                body TEXT NOT NULL,
                name VARCHAR(64) NOT NULL,
                namespace VARCHAR(64) NOT NULL,
                version INTEGER NOT NULL,
                status TEXT NOT NULL,
                owner TEXT NOT NULL,
                createdAt INTEGER NOT NULL,
                modifiedAt INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY(key, namespace)
            );
            CREATE INDEX ON releases_v1 (key, namespace);
            CREATE INDEX ON releases_v1 (version);
            CREATE INDEX ON releases_v1 (status);
            CREATE INDEX ON releases_v1 (owner);
            CREATE INDEX ON releases_v1 (createdAt);
            CREATE INDEX ON releases_v1 (modifiedAt);
            GRANT ALL ON releases_v1 TO PUBLIC;
            ALTER TABLE releases_v1 ENABLE ROW LEVEL SECURITY;",
    },
];

/// Serialises concurrent first uses (sql-migrate itself takes no lock).
const MIGRATION_LOCK: i64 = 0x6865_6c6d_7631; // "helmv1"

/// Applies whichever of Helm's migrations the database lacks.
pub async fn ensure(client: &mut Client) -> Result<(), SqlError> {
    if missing(client).await?.is_empty() {
        return Ok(());
    }
    client
        .batch_execute(&format!(
            "CREATE TABLE IF NOT EXISTS \"{MIGRATIONS_TABLE}\" (\"id\" text not null primary key, \"applied_at\" timestamp with time zone)"
        ))
        .await
        .map_err(|e| SqlError::query("creating the migrations table", e))?;
    for migration in &MIGRATIONS {
        let tx = client
            .transaction()
            .await
            .map_err(|e| SqlError::query("starting a migration", e))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(|e| SqlError::query("locking the migrations", e))?;
        let applied = tx
            .query_opt(
                &format!("SELECT 1 FROM \"{MIGRATIONS_TABLE}\" WHERE \"id\" = $1"),
                &[&migration.id],
            )
            .await
            .map_err(|e| SqlError::query("reading the migrations table", e))?;
        if applied.is_some() {
            continue;
        }
        tx.batch_execute(migration.up)
            .await
            .map_err(|e| SqlError::query(migration_context(migration.id), e))?;
        tx.execute(
            &format!(
                "INSERT INTO \"{MIGRATIONS_TABLE}\" (\"id\", \"applied_at\") VALUES ($1, now())"
            ),
            &[&migration.id],
        )
        .await
        .map_err(|e| SqlError::query("recording a migration", e))?;
        tx.commit()
            .await
            .map_err(|e| SqlError::query(migration_context(migration.id), e))?;
    }
    Ok(())
}

fn migration_context(id: &str) -> &'static str {
    match id {
        "init" => {
            "creating table releases_v1 (migration init; needs the right to create tables in the public schema)"
        }
        _ => {
            "creating table custom_labels_v1 (migration custom_labels; needs the right to create tables in the public schema)"
        }
    }
}

/// The ids not yet recorded. A role that may not read the bookkeeping table
/// (Helm's docs set up restricted roles with rights on the two tables only)
/// counts the migrations as done when both tables exist.
async fn missing(client: &Client) -> Result<Vec<&'static str>, SqlError> {
    let recorded = client
        .query(&format!("SELECT \"id\" FROM \"{MIGRATIONS_TABLE}\""), &[])
        .await;
    let ids: Vec<String> = match recorded {
        Ok(rows) => rows.iter().map(|row| row.get(0)).collect(),
        Err(_) => {
            let row = client
                .query_one(
                    "SELECT to_regclass('releases_v1') IS NOT NULL AND to_regclass('custom_labels_v1') IS NOT NULL",
                    &[],
                )
                .await
                .map_err(|e| SqlError::query("looking for Helm's tables", e))?;
            if row.get::<_, bool>(0) {
                return Ok(Vec::new());
            }
            Vec::new()
        }
    };
    Ok(MIGRATIONS
        .iter()
        .map(|m| m.id)
        .filter(|id| !ids.iter().any(|done| done == id))
        .collect())
}
