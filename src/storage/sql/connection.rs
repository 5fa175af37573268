//! `HELM_DRIVER_SQL_CONNECTION_STRING` read the way Helm's PostgreSQL client
//! (lib/pq) reads it: the URL form (`postgresql://user:pass@host:port/db?k=v`)
//! and the `key=value` form, over the `PG*` environment variables, with
//! lib/pq's defaults (`localhost:5432`, the current user, `sslmode=require`).
//! Parameters lib/pq does not know are sent to the server as run-time
//! settings, as lib/pq does.
//!
//! The password lives only in [`ConnectionSettings::password`]: nothing here
//! prints it, so errors and `Debug` output can name the server safely.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;

/// How long connecting may take when the string sets no `connect_timeout`.
/// lib/pq waits for the operating system; an interactive tool should not
/// hang that long on an unreachable database.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// lib/pq's `sslmode` values. lib/pq's default is `require` (TLS without
/// certificate checks), not libpq's `prefer`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Option<SslMode> {
        Some(match value {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }
}

/// Where and how to connect. `Debug` leaves the password out.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectionSettings {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: Option<String>,
    /// `None`: the server's default (a database named like the user).
    pub dbname: Option<String>,
    pub ssl_mode: SslMode,
    /// `sslrootcert`: a PEM file of trusted CAs, or `system`.
    pub ssl_root_cert: Option<PathBuf>,
    pub connect_timeout: Duration,
    pub application_name: Option<String>,
    /// Everything else: server run-time parameters (`search_path`, ...).
    pub runtime: BTreeMap<String, String>,
}

impl ConnectionSettings {
    /// Reads a connection string over the `PG*` variables `env` returns.
    pub fn parse(
        text: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<ConnectionSettings, ConnectionStringError> {
        let mut params = BTreeMap::new();
        for (variable, key) in ENVIRONMENT {
            if let Some(value) = env(variable).filter(|v| !v.is_empty()) {
                params.insert(key.to_owned(), value);
            }
        }
        let text = text.trim();
        let given = if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            parse_url(text)?
        } else if let Some((scheme, _)) = text.split_once("://") {
            return Err(ConnectionStringError::Scheme(scheme.to_owned()));
        } else {
            parse_key_values(text)?
        };
        params.extend(given);
        ConnectionSettings::from_params(params, env)
    }

    fn from_params(
        mut params: BTreeMap<String, String>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<ConnectionSettings, ConnectionStringError> {
        let mut take = |key: &str| params.remove(key).filter(|v| !v.is_empty());
        let host = take("host").unwrap_or_else(|| "localhost".to_owned());
        let port = match take("port") {
            None => 5432,
            Some(port) => port.parse().map_err(|_| ConnectionStringError::Value {
                key: "port",
                value: port,
            })?,
        };
        let user = match take("user") {
            Some(user) => user,
            None => env("USER")
                .or_else(|| env("LOGNAME"))
                .filter(|u| !u.is_empty())
                .ok_or(ConnectionStringError::NoUser)?,
        };
        let password = take("password");
        let dbname = take("dbname").or_else(|| take("database"));
        let ssl_mode = match take("sslmode") {
            None => SslMode::Require,
            Some(mode) => SslMode::parse(&mode).ok_or(ConnectionStringError::Value {
                key: "sslmode",
                value: mode,
            })?,
        };
        let ssl_root_cert = take("sslrootcert").map(PathBuf::from);
        // lib/pq: a certificate store of "system" means full verification.
        let ssl_mode = match (&ssl_root_cert, ssl_mode) {
            (Some(root), mode) if root.as_os_str() == "system" && mode != SslMode::VerifyFull => {
                return Err(ConnectionStringError::WeakSystemRoots);
            }
            _ => ssl_mode,
        };
        let connect_timeout = match take("connect_timeout") {
            None => DEFAULT_CONNECT_TIMEOUT,
            Some(seconds) => match seconds.parse::<u64>() {
                Ok(0) => DEFAULT_CONNECT_TIMEOUT,
                Ok(n) => Duration::from_secs(n),
                Err(_) => {
                    return Err(ConnectionStringError::Value {
                        key: "connect_timeout",
                        value: seconds,
                    });
                }
            },
        };
        let application_name =
            take("application_name").or_else(|| take("fallback_application_name"));
        if let Some(key) = ["sslcert", "sslkey", "sslinline"]
            .into_iter()
            .find(|key| take(key).is_some())
        {
            return Err(ConnectionStringError::Unsupported(key));
        }
        // Settings of lib/pq that change nothing here.
        for ignored in ["sslsni", "binary_parameters"] {
            take(ignored);
        }
        // A Unix socket needs no TLS (lib/pq turns it off there too).
        let ssl_mode = if host.starts_with('/') {
            SslMode::Disable
        } else {
            ssl_mode
        };
        Ok(ConnectionSettings {
            host,
            port,
            user,
            password,
            dbname,
            ssl_mode,
            ssl_root_cert,
            connect_timeout,
            application_name,
            runtime: params,
        })
    }

    /// tokio-postgres's settings (TLS is chosen separately, see `tls`).
    pub fn to_config(&self) -> tokio_postgres::Config {
        let mut config = tokio_postgres::Config::new();
        config
            .host(&self.host)
            .port(self.port)
            .user(&self.user)
            .connect_timeout(self.connect_timeout)
            .application_name(self.application_name.as_deref().unwrap_or("wheelhouse"));
        if let Some(password) = &self.password {
            config.password(password);
        }
        if let Some(dbname) = &self.dbname {
            config.dbname(dbname);
        }
        if !self.runtime.is_empty() {
            config.options(self.options());
        }
        config.ssl_mode(match self.ssl_mode {
            SslMode::Disable | SslMode::Allow => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                tokio_postgres::config::SslMode::Require
            }
        });
        config
    }

    /// Run-time parameters as the `options` startup setting (`-c k=v`), with
    /// spaces and backslashes escaped as the server expects.
    fn options(&self) -> String {
        let escape = |s: &str| s.replace('\\', "\\\\").replace(' ', "\\ ");
        self.runtime
            .iter()
            .map(|(k, v)| format!("-c {}={}", escape(k), escape(v)))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The server as a person would name it: `host:port`, database and user.
impl fmt::Display for ConnectionSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.starts_with('/') {
            write!(f, "socket {} port {}", self.host, self.port)?;
        } else if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)?;
        } else {
            write!(f, "{}:{}", self.host, self.port)?;
        }
        write!(
            f,
            " (database {:?}, user {:?})",
            self.dbname.as_deref().unwrap_or(&self.user),
            self.user
        )
    }
}

impl fmt::Debug for ConnectionSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("dbname", &self.dbname)
            .field("ssl_mode", &self.ssl_mode)
            .field("ssl_root_cert", &self.ssl_root_cert)
            .field("connect_timeout", &self.connect_timeout)
            .field("runtime", &self.runtime)
            .finish()
    }
}

/// The environment variables lib/pq reads, and the setting each stands for.
const ENVIRONMENT: [(&str, &str); 9] = [
    ("PGHOST", "host"),
    ("PGPORT", "port"),
    ("PGDATABASE", "dbname"),
    ("PGUSER", "user"),
    ("PGPASSWORD", "password"),
    ("PGSSLMODE", "sslmode"),
    ("PGSSLROOTCERT", "sslrootcert"),
    ("PGCONNECT_TIMEOUT", "connect_timeout"),
    ("PGAPPNAME", "application_name"),
];

/// What is wrong with a connection string. Never quotes the string itself,
/// which may hold a password.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConnectionStringError {
    #[error(
        "HELM_DRIVER_SQL_CONNECTION_STRING: unsupported scheme {0:?}; use postgresql://USER:PASSWORD@HOST:PORT/DATABASE or key=value pairs"
    )]
    Scheme(String),
    #[error("HELM_DRIVER_SQL_CONNECTION_STRING: {0}")]
    Syntax(&'static str),
    #[error("HELM_DRIVER_SQL_CONNECTION_STRING: {key}={value:?} is not a valid {key}")]
    Value { key: &'static str, value: String },
    #[error("HELM_DRIVER_SQL_CONNECTION_STRING: no user given and $USER is unset; add user=NAME")]
    NoUser,
    #[error(
        "HELM_DRIVER_SQL_CONNECTION_STRING: {0} (TLS client certificates) is not supported by wheelhouse; use password authentication"
    )]
    Unsupported(&'static str),
    #[error(
        "HELM_DRIVER_SQL_CONNECTION_STRING: sslrootcert=system needs sslmode=verify-full (or no sslmode)"
    )]
    WeakSystemRoots,
}

/// `postgresql://user:password@host:port/dbname?key=value&...`, percent-encoded.
fn parse_url(text: &str) -> Result<BTreeMap<String, String>, ConnectionStringError> {
    let (_, rest) = text
        .split_once("://")
        .ok_or(ConnectionStringError::Syntax("missing ://"))?;
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash + 1..]),
        None => (rest, ""),
    };
    let mut params = BTreeMap::new();
    let mut put = |key: &str, value: String| {
        if !value.is_empty() {
            params.insert(key.to_owned(), value);
        }
    };
    let host_port = match authority.rsplit_once('@') {
        Some((user_info, host_port)) => {
            let (user, password) = user_info.split_once(':').unwrap_or((user_info, ""));
            put("user", percent_decode(user, false)?);
            put("password", percent_decode(password, false)?);
            host_port
        }
        None => authority,
    };
    let (host, port) = split_host_port(host_port)?;
    put("host", percent_decode(host, false)?);
    put("port", port.to_owned());
    put("dbname", percent_decode(path, false)?);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        put(&percent_decode(key, true)?, percent_decode(value, true)?);
    }
    Ok(params)
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`.
fn split_host_port(text: &str) -> Result<(&str, &str), ConnectionStringError> {
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or(ConnectionStringError::Syntax(
            "an IPv6 host lacks its closing ]",
        ))?;
        return Ok((host, after.strip_prefix(':').unwrap_or(after)));
    }
    Ok(text.split_once(':').unwrap_or((text, "")))
}

fn percent_decode(text: &str, plus_is_space: bool) -> Result<String, ConnectionStringError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or(ConnectionStringError::Syntax(
                        "a % in the URL is not followed by two hex digits",
                    ))?;
                out.push(hex);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out)
        .map_err(|_| ConnectionStringError::Syntax("the URL decodes to text that is not UTF-8"))
}

/// `key=value key='quoted value'`, backslash escaping the next character.
fn parse_key_values(text: &str) -> Result<BTreeMap<String, String>, ConnectionStringError> {
    let mut params = BTreeMap::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Ok(params);
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            return Err(ConnectionStringError::Syntax(
                "expected key=value pairs separated by spaces",
            ));
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next() {
                    None => {
                        return Err(ConnectionStringError::Syntax(
                            "a quoted value is not closed with '",
                        ));
                    }
                    Some('\'') => break,
                    Some('\\') => value.extend(chars.next()),
                    Some(c) => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    value.extend(chars.next());
                } else {
                    value.push(c);
                }
            }
        }
        params.insert(key, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn parse(text: &str) -> ConnectionSettings {
        ConnectionSettings::parse(text, no_env).unwrap()
    }

    #[test]
    fn reads_the_url_form_with_percent_escapes_and_parameters() {
        let s = parse(
            "postgresql://helm:p%40ss%3Aword@db.example:6543/releases?sslmode=disable&search_path=helm+apps",
        );
        assert_eq!(s.host, "db.example");
        assert_eq!(s.port, 6543);
        assert_eq!(s.user, "helm");
        assert_eq!(s.password.as_deref(), Some("p@ss:word"));
        assert_eq!(s.dbname.as_deref(), Some("releases"));
        assert_eq!(s.ssl_mode, SslMode::Disable);
        assert_eq!(s.runtime["search_path"], "helm apps");
        assert_eq!(s.options(), "-c search_path=helm\\ apps");
        let v6 = parse("postgres://u@[::1]:5433");
        assert_eq!((v6.host.as_str(), v6.port, v6.dbname), ("::1", 5433, None));
    }

    #[test]
    fn reads_the_key_value_form_with_quotes_and_escapes() {
        let s = parse("host=127.0.0.1 port = 5433 user=helm password=secret application_name=ci");
        assert_eq!(s.host, "127.0.0.1");
        assert_eq!(s.port, 5433);
        assert_eq!(s.password.as_deref(), Some("secret"));
        assert_eq!(s.application_name.as_deref(), Some("ci"));
        assert!(s.runtime.is_empty());
        let s = parse(r"host=h user=helm password='it\'s a secret' dbname=a\ b");
        assert_eq!(s.password.as_deref(), Some("it's a secret"));
        assert_eq!(s.dbname.as_deref(), Some("a b"));
        let s = parse("host=h user=u sslmode=verify-full connect_timeout=3");
        assert_eq!(s.ssl_mode, SslMode::VerifyFull);
        assert_eq!(s.connect_timeout, Duration::from_secs(3));
    }

    #[test]
    fn applies_lib_pq_defaults_and_environment() {
        let env = |name: &str| match name {
            "USER" => Some("me".to_owned()),
            "PGPORT" => Some("6000".to_owned()),
            "PGPASSWORD" => Some("from-env".to_owned()),
            _ => None,
        };
        let s = ConnectionSettings::parse("dbname=helm", env).unwrap();
        assert_eq!((s.host.as_str(), s.port), ("localhost", 6000));
        assert_eq!(s.user, "me");
        assert_eq!(s.password.as_deref(), Some("from-env"));
        // lib/pq's default is require, not libpq's prefer.
        assert_eq!(s.ssl_mode, SslMode::Require);
        assert_eq!(s.connect_timeout, DEFAULT_CONNECT_TIMEOUT);
        // The string wins over the environment.
        let s = ConnectionSettings::parse("port=7000", env).unwrap();
        assert_eq!(s.port, 7000);
        // A socket directory needs no TLS.
        assert_eq!(
            parse("host=/run/postgresql user=u").ssl_mode,
            SslMode::Disable
        );
    }

    #[test]
    fn errors_name_the_setting_but_never_the_password() {
        let secret = "hunter2-secret";
        let cases = [
            format!("mysql://u:{secret}@h/db"),
            format!("postgresql://u:{secret}@h:notaport/db"),
            format!("postgresql://u:{secret}%zz@h/db"),
            format!("host=h password={secret} sslmode=sometimes"),
            format!("host=h password='{secret}"),
            format!("host=h password {secret}"),
        ];
        for case in &cases {
            let err = ConnectionSettings::parse(case, no_env)
                .unwrap_err()
                .to_string();
            assert!(!err.contains(secret), "{err}");
            assert!(err.contains("HELM_DRIVER_SQL_CONNECTION_STRING"), "{err}");
        }
        assert_eq!(
            ConnectionSettings::parse("host=h", no_env).unwrap_err(),
            ConnectionStringError::NoUser
        );
        assert_eq!(
            ConnectionSettings::parse("user=u sslrootcert=system sslmode=require", no_env)
                .unwrap_err(),
            ConnectionStringError::WeakSystemRoots
        );
        let s = parse(&format!("postgresql://u:{secret}@db:5432/helm"));
        assert_eq!(s.to_string(), "db:5432 (database \"helm\", user \"u\")");
        assert!(!format!("{s:?}").contains(secret));
    }
}
