//! The user's values from the command line, merged the way Helm's
//! `cli/values.Options.MergeValues` merges them.
//!
//! Owns the order (every `-f` file, then `--set-json`, `--set`,
//! `--set-string`, `--set-file`, `--set-literal`, each flag in the order
//! given), `-` meaning standard input, the two forms of `--set-json` (a JSON
//! object merged whole, or `key=JSON` lines), and Helm's messages naming the
//! flag that failed. Reading is the caller's: a closure gets each local path
//! or standard input, so nothing here touches the file system. URLs, which
//! Helm fetches through its getters, are refused with an error naming the flag.

use std::io;

use crate::chart::strvals::{self, Mode, StrvalsError};
use crate::chart::yaml::{YamlError, is_go_space, load_values, merge_maps};
use crate::gotmpl::{Entries, Value};

/// The values flags of `install`, `upgrade` and `template`, as given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValueOptions {
    /// `-f/--values`: YAML files (or `-` for standard input).
    pub value_files: Vec<String>,
    /// `--set-json`: a JSON object, or `key=JSON,...`.
    pub json_values: Vec<String>,
    /// `--set`.
    pub values: Vec<String>,
    /// `--set-string`.
    pub string_values: Vec<String>,
    /// `--set-file`: `key=path,...`, each file's text is the value.
    pub file_values: Vec<String>,
    /// `--set-literal`: `key=anything`.
    pub literal_values: Vec<String>,
}

/// What the reader closure is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source<'a> {
    Stdin,
    /// A local path, as the user wrote it.
    File(&'a str),
}

/// URL schemes Helm's getters fetch over the network (http, https, OCI
/// registries); any other "scheme" is a local path to Helm too.
const REMOTE_SCHEMES: [&str; 3] = ["http", "https", "oci"];

/// A values flag Helm would refuse, with Helm's message.
#[derive(Debug, thiserror::Error)]
pub enum ValuesError {
    /// Go's `*PathError` text: `open values.yaml: no such file or directory`.
    #[error("{op} {path}: {message}")]
    Read {
        op: &'static str,
        path: String,
        message: String,
        #[source]
        source: io::Error,
    },
    #[error(
        "{flag} {url}: values from a URL are not supported; download the file and pass its local path"
    )]
    Remote { flag: &'static str, url: String },
    #[error("failed to parse {path}: {source}")]
    ValuesFile {
        path: String,
        #[source]
        source: YamlError,
    },
    /// Helm doesn't say what is wrong with the JSON, only which value it was.
    #[error("failed parsing --set-json data JSON: {0}")]
    SetJsonObject(String),
    #[error("failed parsing --set-json data {0}")]
    SetJson(String),
    #[error("failed parsing --set data: {0}")]
    Set(#[source] StrvalsError),
    #[error("failed parsing --set-string data: {0}")]
    SetString(#[source] StrvalsError),
    #[error("failed parsing --set-file data: {0}")]
    SetFile(#[source] StrvalsError),
    #[error("failed parsing --set-literal data: {0}")]
    SetLiteral(#[source] StrvalsError),
}

impl ValueOptions {
    /// The merged values, over an empty map, as Helm builds them before
    /// coalescing with the chart's defaults.
    pub fn merge_values<R>(&self, mut read: R) -> Result<Entries, ValuesError>
    where
        R: FnMut(Source<'_>) -> io::Result<Vec<u8>>,
    {
        let mut base = Entries::new();

        for path in &self.value_files {
            let raw = read_input("--values", path, &mut read)?;
            let text = String::from_utf8_lossy(&raw);
            let values = load_values(&text).map_err(|source| ValuesError::ValuesFile {
                path: path.clone(),
                source,
            })?;
            merge_maps(&mut base, values);
        }

        for value in &self.json_values {
            let trimmed = value.trim_matches(is_go_space);
            if trimmed.starts_with('{') {
                match strvals::json_document(trimmed) {
                    Ok(Value::Map(map)) => merge_maps(&mut base, map.read().clone()),
                    _ => return Err(ValuesError::SetJsonObject(value.clone())),
                }
            } else {
                strvals::parse_into(value, &mut base, Mode::Json)
                    .map_err(|_| ValuesError::SetJson(value.clone()))?;
            }
        }

        for value in &self.values {
            strvals::parse_into(value, &mut base, Mode::Typed).map_err(ValuesError::Set)?;
        }

        for value in &self.string_values {
            strvals::parse_into(value, &mut base, Mode::String).map_err(ValuesError::SetString)?;
        }

        for value in &self.file_values {
            strvals::parse_into_file(value, &mut base, |path| {
                let raw = read_input("--set-file", path, &mut read)?;
                Ok(Value::from(String::from_utf8_lossy(&raw).into_owned()))
            })
            .map_err(ValuesError::SetFile)?;
        }

        for value in &self.literal_values {
            strvals::parse_into(value, &mut base, Mode::Literal).map_err(ValuesError::SetLiteral)?;
        }

        Ok(base)
    }
}

/// Helm's `readFile`: `-` (spaces around it allowed) is standard input, a
/// URL with a getter's scheme is fetched, anything else is a local path.
fn read_input<R>(flag: &'static str, path: &str, read: &mut R) -> Result<Vec<u8>, ValuesError>
where
    R: FnMut(Source<'_>) -> io::Result<Vec<u8>>,
{
    if path.trim_matches(is_go_space) == "-" {
        return read(Source::Stdin).map_err(|e| read_error("/dev/stdin", e));
    }
    if let Some(scheme) = url_scheme(path) {
        if REMOTE_SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()) {
            return Err(ValuesError::Remote {
                flag,
                url: path.to_string(),
            });
        }
    }
    read(Source::File(path)).map_err(|e| read_error(path, e))
}

/// Go's `os.ReadFile` failure text: the operation, the path, and the system's
/// message in lower case without Rust's `(os error N)`.
fn read_error(path: &str, source: io::Error) -> ValuesError {
    let op = if source.kind() == io::ErrorKind::IsADirectory {
        "read"
    } else {
        "open"
    };
    let text = source.to_string();
    let text = match text.rfind(" (os error ") {
        Some(i) => &text[..i],
        None => &text,
    };
    let mut chars = text.chars();
    let message = match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    };
    ValuesError::Read {
        op,
        path: path.to_string(),
        message,
        source,
    }
}

/// The scheme of a URL as Go's `url.Parse` finds it: a letter, then letters,
/// digits, `+`, `-` or `.`, then `:`.
fn url_scheme(text: &str) -> Option<&str> {
    let (scheme, _) = text.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some(scheme)
}
