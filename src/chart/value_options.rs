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
use crate::funcs::url::parse_url;
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

/// A values flag Helm would refuse. Each wrapper's message is Helm's prefix;
/// printed with its sources joined by ": " (`{:#}` through anyhow) it reads
/// as Helm's whole message.
#[derive(Debug, thiserror::Error)]
pub enum ValuesError {
    /// Go's `*PathError` text: `open values.yaml: no such file or directory`.
    #[error("{op} {path}: {message}")]
    Read {
        op: &'static str,
        path: String,
        message: String,
        /// What the reader reported; its text is already in the message.
        cause: io::Error,
    },
    /// Go's `*url.Error`: Helm parses every path as a URL first.
    #[error("{0}")]
    BadUrl(String),
    #[error(
        "{flag} {url}: values from a URL are not supported; download the file and pass its local path"
    )]
    Remote { flag: &'static str, url: String },
    #[error("failed to parse {path}")]
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
    #[error("failed parsing --set data")]
    Set(#[source] StrvalsError),
    #[error("failed parsing --set-string data")]
    SetString(#[source] StrvalsError),
    #[error("failed parsing --set-file data")]
    SetFile(#[source] StrvalsError),
    #[error("failed parsing --set-literal data")]
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
            strvals::parse_into(value, &mut base, Mode::Literal)
                .map_err(ValuesError::SetLiteral)?;
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
    if REMOTE_SCHEMES.contains(&url_scheme(path)?.as_str()) {
        return Err(ValuesError::Remote {
            flag,
            url: path.to_string(),
        });
    }
    read(Source::File(path)).map_err(|e| read_error(path, e))
}

/// Go's `os.ReadFile` failure text: the operation, the path, and the system's
/// message in lower case without Rust's `(os error N)`.
fn read_error(path: &str, cause: io::Error) -> ValuesError {
    let op = if cause.kind() == io::ErrorKind::IsADirectory {
        "read"
    } else {
        "open"
    };
    let text = cause.to_string();
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
        cause,
    }
}

/// The scheme Go's `url.Parse` finds in a path (lower-cased, empty when there
/// is none), or the error that stops Helm before it reads anything.
fn url_scheme(raw: &str) -> Result<String, ValuesError> {
    let url = parse_url(raw.as_bytes()).map_err(ValuesError::BadUrl)?;
    Ok(String::from_utf8_lossy(&url.scheme).into_owned())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::time::{Duration, Instant};

    use super::*;

    /// A reader over named in-memory files; standard input is `stdin`.
    fn files(list: &[(&str, &str)]) -> impl FnMut(Source<'_>) -> io::Result<Vec<u8>> {
        let files: HashMap<String, Vec<u8>> = list
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
            .collect();
        move |source| {
            let name = match source {
                Source::Stdin => "stdin",
                Source::File(path) => path,
            };
            files
                .get(name)
                .cloned()
                .ok_or_else(|| io::Error::from_raw_os_error(2))
        }
    }

    /// The message as the CLI prints it: the error and its sources.
    fn chain(e: &dyn std::error::Error) -> String {
        let mut text = e.to_string();
        let mut source = e.source();
        while let Some(s) = source {
            text = format!("{text}: {s}");
            source = s.source();
        }
        text
    }

    fn get<'a>(values: &'a Entries, key: &str) -> &'a Value {
        values.get(key).unwrap_or_else(|| panic!("no {key}"))
    }

    fn text(v: &Value) -> String {
        match v {
            Value::Str(s) => s.to_string(),
            other => format!("{}", other.type_name()),
        }
    }

    #[test]
    fn flags_apply_in_helms_order_whatever_order_they_were_given() {
        // Each flag sets `last` and its own key; the later flag in Helm's
        // order wins for `last`.
        let options = ValueOptions {
            literal_values: vec!["last=literal".into()],
            file_values: vec!["last=f.txt,file=f.txt".into()],
            string_values: vec!["last=string,string=1".into()],
            values: vec!["last=set,set=1".into()],
            json_values: vec!["last=\"json\",json=1".into()],
            value_files: vec!["a.yaml".into(), "b.yaml".into()],
        };
        let read = files(&[
            ("a.yaml", "last: a\nfromA: 1\nm: {x: 1}\n"),
            ("b.yaml", "last: b\nm: {y: 2}\n"),
            ("f.txt", "file"),
        ]);
        let values = options.merge_values(read).unwrap();
        assert_eq!(text(get(&values, "last")), "literal");
        assert_eq!(get(&values, "fromA").type_name(), "float64");
        assert_eq!(get(&values, "json").type_name(), "float64");
        assert_eq!(get(&values, "set").type_name(), "int64");
        assert_eq!(text(get(&values, "string")), "1");
        assert_eq!(text(get(&values, "file")), "file");
        match get(&values, "m") {
            Value::Map(m) => assert_eq!(m.keys().len(), 2),
            _ => panic!("m is not a map"),
        }

        let mut without_literal = options.clone();
        without_literal.literal_values.clear();
        let values = without_literal
            .merge_values(files(&[("a.yaml", ""), ("b.yaml", ""), ("f.txt", "file")]))
            .unwrap();
        assert_eq!(text(get(&values, "last")), "file");
    }

    #[test]
    fn set_json_takes_a_whole_object_or_key_value_lines() {
        let options = ValueOptions {
            json_values: vec![
                " {\"m\": {\"a\": 1}} ".into(),
                "{\"m\": {\"b\": [true]}}".into(),
            ],
            ..ValueOptions::default()
        };
        let values = options.merge_values(files(&[])).unwrap();
        match get(&values, "m") {
            Value::Map(m) => assert_eq!(m.keys().len(), 2),
            _ => panic!("m is not a map"),
        }
        let bad_object = ValueOptions {
            json_values: vec!["{\"a\": 1} x".into()],
            ..ValueOptions::default()
        };
        assert_eq!(
            bad_object.merge_values(files(&[])).unwrap_err().to_string(),
            "failed parsing --set-json data JSON: {\"a\": 1} x"
        );
        let bad_line = ValueOptions {
            json_values: vec!["a=tru".into()],
            ..ValueOptions::default()
        };
        assert_eq!(
            bad_line.merge_values(files(&[])).unwrap_err().to_string(),
            "failed parsing --set-json data a=tru"
        );
    }

    #[test]
    fn each_flag_names_itself_in_its_error() {
        let cases = [
            (
                ValueOptions {
                    values: vec!["a".into()],
                    ..ValueOptions::default()
                },
                "failed parsing --set data: key \"a\" has no value",
            ),
            (
                ValueOptions {
                    string_values: vec!["a[x]=1".into()],
                    ..ValueOptions::default()
                },
                "failed parsing --set-string data: error parsing index: strconv.Atoi: parsing \"x\": invalid syntax",
            ),
            (
                ValueOptions {
                    file_values: vec!["a=missing.txt".into()],
                    ..ValueOptions::default()
                },
                "failed parsing --set-file data: open missing.txt: no such file or directory",
            ),
            (
                ValueOptions {
                    literal_values: vec!["a.b".into()],
                    ..ValueOptions::default()
                },
                "failed parsing --set-literal data: key \"b\" has no value",
            ),
            (
                ValueOptions {
                    value_files: vec!["missing.yaml".into()],
                    ..ValueOptions::default()
                },
                "open missing.yaml: no such file or directory",
            ),
            (
                ValueOptions {
                    value_files: vec!["list.yaml".into()],
                    ..ValueOptions::default()
                },
                "failed to parse list.yaml: cannot unmarshal yaml document: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}",
            ),
        ];
        for (options, message) in cases {
            let err = options
                .merge_values(files(&[("list.yaml", "- 1\n")]))
                .unwrap_err();
            assert_eq!(chain(&err), message);
        }
    }

    #[test]
    fn a_dash_is_standard_input_for_values_files_and_set_file() {
        let options = ValueOptions {
            value_files: vec![" - ".into()],
            file_values: vec!["b=-".into()],
            ..ValueOptions::default()
        };
        let values = options.merge_values(files(&[("stdin", "a: 1\n")])).unwrap();
        assert_eq!(get(&values, "a").type_name(), "float64");
        assert_eq!(text(get(&values, "b")), "a: 1\n");
    }

    #[test]
    fn urls_are_refused_naming_the_flag_but_other_schemes_are_paths() {
        for (options, flag) in [
            (
                ValueOptions {
                    value_files: vec!["HTTPS://example.com/v.yaml".into()],
                    ..ValueOptions::default()
                },
                "--values HTTPS://example.com/v.yaml",
            ),
            (
                ValueOptions {
                    file_values: vec!["a=oci://registry/x".into()],
                    ..ValueOptions::default()
                },
                "--set-file oci://registry/x",
            ),
        ] {
            let err = chain(&options.merge_values(files(&[])).unwrap_err());
            assert!(err.contains(flag), "{err}");
            assert!(err.contains("not supported"), "{err}");
        }
        let options = ValueOptions {
            value_files: vec!["c:values.yaml".into()],
            ..ValueOptions::default()
        };
        let values = options.merge_values(files(&[("c:values.yaml", "a: 1\n")]));
        assert!(values.is_ok());
    }

    #[test]
    fn paths_go_cannot_parse_as_urls_are_refused_with_gos_message() {
        let cases = [
            (
                "a%zz.yaml",
                r#"parse "a%zz.yaml": invalid URL escape "%zz""#,
            ),
            ("a%4", r#"parse "a%4": invalid URL escape "%4""#),
            ("v.yaml#%", r#"parse "v.yaml#%": invalid URL escape "%""#),
            (":v.yaml", r#"parse ":v.yaml": missing protocol scheme"#),
            (
                "1:v.yaml",
                r#"parse "1:v.yaml": first path segment in URL cannot contain colon"#,
            ),
            (
                "v\tx.yaml",
                r#"parse "v\tx.yaml": net/url: invalid control character in URL"#,
            ),
        ];
        for (path, message) in cases {
            let options = ValueOptions {
                value_files: vec![path.to_string()],
                ..ValueOptions::default()
            };
            let err = options.merge_values(files(&[(path, "a: 1")])).unwrap_err();
            assert_eq!(chain(&err), message, "{path:?}");
        }
        for fine in [
            "a%41.yaml",
            "dir/1:v.yaml",
            "c:v.yaml",
            "v.yaml?%zz",
            "s3:%zz",
        ] {
            let options = ValueOptions {
                value_files: vec![fine.to_string()],
                ..ValueOptions::default()
            };
            assert!(
                options.merge_values(files(&[(fine, "a: 1")])).is_ok(),
                "{fine}"
            );
        }
    }

    #[test]
    fn read_errors_read_like_go() {
        let dir = io::Error::from(io::ErrorKind::IsADirectory);
        assert_eq!(chain(&read_error("vals", dir)), "read vals: is a directory");
        let denied = io::Error::from_raw_os_error(13);
        assert_eq!(
            chain(&read_error("v.yaml", denied)),
            "open v.yaml: permission denied"
        );
    }

    #[test]
    fn a_billion_laughs_values_file_fails_fast() {
        let mut doc = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        for (i, name) in ["b", "c", "d", "e", "f", "g", "h", "i"].iter().enumerate() {
            let prev = ["a", "b", "c", "d", "e", "f", "g", "h"][i];
            let refs = vec![format!("*{prev}"); 9].join(",");
            doc.push_str(&format!("{name}: &{name} [{refs}]\n"));
        }
        let options = ValueOptions {
            value_files: vec!["laughs.yaml".into()],
            ..ValueOptions::default()
        };
        let start = Instant::now();
        let err = options
            .merge_values(files(&[("laughs.yaml", &doc)]))
            .unwrap_err();
        assert!(
            chain(&err).contains("excessive aliasing"),
            "{}",
            chain(&err)
        );
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
    }
}
