//! `.Files`: a chart's other files as its templates see them (Helm's
//! `engine.files`, a `map[string][]byte` with methods).
//!
//! Owns the object and its methods with Helm's results: `Get`, `GetBytes`,
//! `Glob` (gobwas/glob patterns, see [`glob`]), `Lines`, `AsConfig`,
//! `AsSecrets`, and what Go lets a template do with a map besides: `index`,
//! `range` (sorted by name), `len`, `if` (an empty one is false) and key
//! access (`.Files.name`). File contents stay in the chart's shared list; the
//! objects here hold indexes into it, so `Glob` and `range` copy no data.
//!
//! Which files a chart offers is the loader's business (Helm: everything but
//! `Chart.yaml`, `Chart.lock`, `values.yaml`, `values.schema.json`,
//! `templates/` and `charts/`); this module takes the list as given.

pub mod glob;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use crate::chart::ChartFile;
use crate::gotmpl::{ElemType, Entries, Error, Func, List, Map, Object, Param, Value};

use glob::Glob;

/// Helm's Go type name for `.Files`.
pub const FILES_TYPE: &str = "engine.files";

/// `.Files` for a chart whose files are `files`.
pub fn files_value(files: Arc<Vec<ChartFile>>) -> Value {
    Value::Object(Arc::new(Files::new(files)))
}

/// Helm's `engine.files`: some of a chart's files, by name.
pub struct Files {
    source: Arc<Vec<ChartFile>>,
    /// Name → index into `source`. A later file of the same name wins, as
    /// when Helm fills its map. Shared, as every method call takes a handle.
    held: Arc<BTreeMap<Arc<str>, usize>>,
}

impl Files {
    pub fn new(source: Arc<Vec<ChartFile>>) -> Files {
        let held = source
            .iter()
            .enumerate()
            .map(|(i, f)| (Arc::from(f.name.as_str()), i))
            .collect();
        Files {
            source,
            held: Arc::new(held),
        }
    }

    fn data(&self, name: &str) -> Option<&[u8]> {
        self.held.get(name).map(|&i| self.source[i].data.as_slice())
    }

    fn bytes(&self, name: &str) -> Bytes {
        Bytes {
            source: self.source.clone(),
            at: self.held.get(name).copied(),
        }
    }

    /// Helm's `Get`: the file as a string, empty when there is no such file.
    /// Go strings hold any bytes; ours are UTF-8, so invalid sequences in a
    /// binary file become U+FFFD here (`AsSecrets` keeps the exact bytes).
    pub fn get(&self, name: &str) -> String {
        String::from_utf8_lossy(self.data(name).unwrap_or_default()).into_owned()
    }

    /// Helm's `Glob`: the files whose names match. A pattern gobwas/glob
    /// rejects matches everything, as Helm falls back to `**`.
    pub fn glob(&self, pattern: &str) -> Files {
        let held = match Glob::compile(pattern) {
            Ok(glob) => Arc::new(
                self.held
                    .iter()
                    .filter(|(name, _)| glob.is_match(name))
                    .map(|(name, &i)| (name.clone(), i))
                    .collect(),
            ),
            Err(_) => self.held.clone(),
        };
        Files {
            source: self.source.clone(),
            held,
        }
    }

    /// Helm's `Lines`: the file split at `\n`, without the empty piece a
    /// final newline would leave. No such file gives no lines; an empty file
    /// fails as Go's out-of-range index does.
    pub fn lines(&self, name: &str) -> Result<Vec<String>, Error> {
        let Some(data) = self.data(name) else {
            return Ok(Vec::new());
        };
        let text = String::from_utf8_lossy(data);
        if text.is_empty() {
            return Err(Error::msg("runtime error: index out of range [-1]"));
        }
        let text = text.strip_suffix('\n').unwrap_or(&text);
        Ok(text.split('\n').map(str::to_string).collect())
    }

    /// The map `AsConfig` and `AsSecrets` hand to `toYaml`: each file under
    /// its base name. Two files with one base name collide; Go keeps whichever
    /// its random map order visits last, this keeps the last by full name.
    fn by_base_name(&self, text: impl Fn(&[u8]) -> String) -> Value {
        let entries: Entries = self
            .held
            .iter()
            .map(|(name, &i)| {
                let base = name.rsplit('/').next().unwrap_or(name);
                (Arc::from(base), Value::from(text(&self.source[i].data)))
            })
            .collect();
        Value::Map(Map::typed(entries, ElemType::String, None))
    }

    fn as_map(&self) -> Map {
        let entries: Entries = self
            .held
            .keys()
            .map(|name| (name.clone(), Value::Object(Arc::new(self.bytes(name)))))
            .collect();
        Map::typed(entries, ElemType::Interface, Some(FILES_TYPE))
    }
}

/// Helm's `toYAML` (sigs.k8s.io/yaml without the final newline), borrowed from
/// the function library so both print alike.
static TO_YAML: LazyLock<Option<Func>> =
    LazyLock::new(|| crate::funcs::registry().remove("toYaml"));

/// A string method of `Files` taking one string.
fn string_method(
    files: Arc<Files>,
    body: impl Fn(&Files, &str) -> Result<Value, Error> + Send + Sync + 'static,
) -> Func {
    Func::pure(&[Param::String], None, move |args| {
        body(
            &files,
            args.first().and_then(Value::as_str).unwrap_or_default(),
        )
    })
}

impl Object for Files {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed(FILES_TYPE)
    }

    fn kind(&self) -> &'static str {
        "map"
    }

    /// A key that names no method reads the map: Go gives a missing key's
    /// zero value, an empty `[]byte`.
    fn field(&self, name: &str) -> Option<Value> {
        Some(Value::Object(Arc::new(self.bytes(name))))
    }

    fn method(&self, name: &str) -> Option<Func> {
        let files = Arc::new(Files {
            source: self.source.clone(),
            held: self.held.clone(),
        });
        Some(match name {
            "Get" => string_method(files, |f, n| Ok(Value::from(f.get(n)))),
            "GetBytes" => string_method(files, |f, n| {
                let mut bytes = f.bytes(n);
                // Helm returns `[]byte{}` for a missing file; it prints as nil does.
                bytes.at = bytes.at.filter(|_| f.held.contains_key(n));
                Ok(Value::Object(Arc::new(bytes)))
            }),
            "Glob" => string_method(files, |f, p| Ok(Value::Object(Arc::new(f.glob(p))))),
            "Lines" => string_method(files, |f, n| {
                let lines = f.lines(n)?.into_iter().map(Value::from).collect();
                Ok(Value::List(List::typed(lines, ElemType::String)))
            }),
            "AsConfig" | "AsSecrets" => {
                let secrets = name == "AsSecrets";
                Func::new(&[], None, move |ctx, _| {
                    let map = if secrets {
                        files.by_base_name(base64_std)
                    } else {
                        files.by_base_name(|data| String::from_utf8_lossy(data).into_owned())
                    };
                    match TO_YAML.as_ref() {
                        Some(to_yaml) => (to_yaml.body)(ctx, &[map]),
                        None => Err(Error::msg("toYaml is not a defined function")),
                    }
                })
            }
            _ => return None,
        })
    }

    /// Go's `%v` of a map of byte slices: `map[name:[104 105]]`.
    fn format_v(&self) -> String {
        let items: Vec<String> = self
            .held
            .iter()
            .map(|(name, &i)| format!("{name}:{}", bytes_v(&self.source[i].data)))
            .collect();
        format!("map[{}]", items.join(" "))
    }

    fn go_len(&self) -> Option<usize> {
        Some(self.held.len())
    }

    fn entries(&self) -> Option<Map> {
        Some(self.as_map())
    }
}

/// A Go `[]byte` holding one file's contents (or none: a missing file's
/// empty slice).
pub struct Bytes {
    source: Arc<Vec<ChartFile>>,
    at: Option<usize>,
}

impl Bytes {
    fn data(&self) -> &[u8] {
        self.at.map_or(&[], |i| self.source[i].data.as_slice())
    }
}

impl Object for Bytes {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed("[]uint8")
    }

    fn kind(&self) -> &'static str {
        "slice"
    }

    fn field(&self, _name: &str) -> Option<Value> {
        None
    }

    fn format_v(&self) -> String {
        bytes_v(self.data())
    }

    fn go_len(&self) -> Option<usize> {
        Some(self.data().len())
    }

    fn text(&self) -> Option<String> {
        Some(String::from_utf8_lossy(self.data()).into_owned())
    }
}

/// Go's `%v` of a byte slice: the numbers in brackets.
fn bytes_v(data: &[u8]) -> String {
    let numbers: Vec<String> = data.iter().map(u8::to_string).collect();
    format!("[{}]", numbers.join(" "))
}

/// Go's `base64.StdEncoding.EncodeToString`.
fn base64_std(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * k)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gotmpl::Template;

    fn chart_files(files: &[(&str, &[u8])]) -> Value {
        files_value(Arc::new(
            files
                .iter()
                .map(|(name, data)| ChartFile {
                    name: name.to_string(),
                    data: data.to_vec(),
                    modtime: None,
                })
                .collect(),
        ))
    }

    fn sample() -> Value {
        chart_files(&[
            ("README.md", b"read me\n"),
            ("files/a.txt", b"hello\nworld\n"),
            ("files/sub/b.cfg", b"x"),
            ("other/b.cfg", b"y"),
            ("empty.txt", b""),
            ("bin.dat", b"\xff\xfe\x00bin"),
        ])
    }

    fn render(source: &str, files: Value) -> Result<String, String> {
        let data = Value::from(Entries::from([(Arc::from("Files"), files)]));
        let mut set = Template::new("t").with_funcs(crate::funcs::registry());
        set.parse("t", source).map_err(|e| e.to_string())?;
        set.execute("t", &data).map_err(|e| e.to_string())
    }

    fn ok(source: &str) -> String {
        render(source, sample()).unwrap()
    }

    // Expected strings below are what Helm v4.2.3 printed for the same
    // templates and files (helm-ref render).
    #[test]
    fn get_and_bytes() {
        assert_eq!(ok(r#"{{ .Files.Get "files/a.txt" }}"#), "hello\nworld\n");
        assert_eq!(ok(r#"[{{ .Files.Get "nope" }}]"#), "[]");
        assert_eq!(ok(r#"{{ .Files.GetBytes "files/sub/b.cfg" }}"#), "[120]");
        assert_eq!(ok(r#"{{ .Files.GetBytes "nope" }}"#), "[]");
        assert_eq!(
            ok(r#"{{ printf "%T" (.Files.GetBytes "files/a.txt") }}"#),
            "[]uint8"
        );
        assert_eq!(
            ok(r#"{{ if .Files.GetBytes "nope" }}y{{ else }}n{{ end }}"#),
            "n"
        );
        assert_eq!(ok(r#"{{ len (.Files.GetBytes "files/a.txt") }}"#), "12");
        // Sprig's strval and Go's string verbs read a []byte as text.
        assert_eq!(
            ok(r#"{{ .Files.GetBytes "files/sub/b.cfg" | quote }}"#),
            "\"x\""
        );
        assert_eq!(
            ok(r#"{{ toString (index .Files "files/sub/b.cfg") }}"#),
            "x"
        );
        assert_eq!(
            ok(
                r#"{{ printf "%s %q %x %v" (.Files.GetBytes "files/sub/b.cfg") (.Files.GetBytes "files/sub/b.cfg") (.Files.GetBytes "files/sub/b.cfg") (.Files.GetBytes "files/sub/b.cfg") }}"#
            ),
            "x \"x\" 78 [120]"
        );
    }

    #[test]
    fn behaves_as_a_go_map() {
        assert_eq!(
            ok(r#"{{ range $k, $v := .Files }}{{ $k }} {{ end }}"#),
            "README.md bin.dat empty.txt files/a.txt files/sub/b.cfg other/b.cfg "
        );
        assert_eq!(
            ok(r#"{{ printf "%T" .Files }} {{ kindOf .Files }}"#),
            "engine.files map"
        );
        assert_eq!(ok("{{ len .Files }}"), "6");
        assert_eq!(ok(r#"{{ index .Files "files/sub/b.cfg" }}"#), "[120]");
        assert_eq!(ok("{{ .Files.nope }}"), "[]");
        assert_eq!(
            ok(r#"{{ printf "%v" (.Files.Glob "**.cfg") }}"#),
            "map[files/sub/b.cfg:[120] other/b.cfg:[121]]"
        );
        assert_eq!(
            ok(r#"{{ range .Files.Glob "files/sub/*" }}[{{ . }}]{{ end }}"#),
            "[[120]]"
        );
    }

    #[test]
    fn glob_selects_and_chains() {
        assert_eq!(
            ok(r#"{{ range $k, $_ := .Files.Glob "*.txt" }}{{ $k }} {{ end }}"#),
            "empty.txt "
        );
        assert_eq!(
            ok(r#"{{ range $k, $_ := (.Files.Glob "**").Glob "files/**" }}{{ $k }} {{ end }}"#),
            "files/a.txt files/sub/b.cfg "
        );
        assert_eq!(
            ok(r#"{{ if .Files.Glob "zzz" }}y{{ else }}n{{ end }}"#),
            "n"
        );
        // Sprig's `empty` asks a map or slice for its length.
        assert_eq!(
            ok(
                r#"{{ empty (.Files.Glob "zzz") }} {{ empty .Files }} {{ empty (.Files.GetBytes "nope") }} {{ empty (.Files.GetBytes "files/a.txt") }}"#
            ),
            "true false true false"
        );
        // A pattern gobwas/glob rejects selects every file.
        assert_eq!(ok(r#"{{ len (.Files.Glob "[a-zA-Z]") }}"#), "6");
    }

    #[test]
    fn lines() {
        assert_eq!(ok(r#"{{ .Files.Lines "files/a.txt" }}"#), "[hello world]");
        assert_eq!(
            ok(r#"{{ printf "%T" (.Files.Lines "nope") }} {{ .Files.Lines "nope" }}"#),
            "[]string []"
        );
        let err = render(r#"{{ .Files.Lines "empty.txt" }}"#, sample()).unwrap_err();
        assert!(
            err.ends_with("error calling Lines: runtime error: index out of range [-1]"),
            "{err}"
        );
    }

    #[test]
    fn as_config_and_as_secrets() {
        assert_eq!(
            ok(r#"{{ (.Files.Glob "files/**").AsConfig }}"#),
            "a.txt: |\n  hello\n  world\nb.cfg: x"
        );
        assert_eq!(ok(r#"{{ (.Files.Glob "zzz").AsConfig }}"#), "{}");
        assert_eq!(
            ok(r#"{{ (.Files.Glob "files/sub/*").AsSecrets }}"#),
            "b.cfg: eA=="
        );
        // Binary data: exact bytes for secrets, U+FFFD (as Go's JSON) for config.
        assert_eq!(
            ok(r#"{{ (.Files.Glob "bin.dat").AsSecrets }}"#),
            "bin.dat: //4AYmlu"
        );
        assert_eq!(
            ok(r#"{{ (.Files.Glob "bin.dat").AsConfig | b64enc }}"#),
            "YmluLmRhdDogIu+/ve+/vVwwYmluIg=="
        );
    }

    #[test]
    fn base64_matches_go() {
        assert_eq!(base64_std(b""), "");
        assert_eq!(base64_std(b"f"), "Zg==");
        assert_eq!(base64_std(b"fo"), "Zm8=");
        assert_eq!(base64_std(b"foo"), "Zm9v");
        assert_eq!(base64_std(b"foob"), "Zm9vYg==");
        assert_eq!(
            base64_std(&[0xff, 0xfe, 0x00, b'b', b'i', b'n']),
            "//4AYmlu"
        );
    }
}
