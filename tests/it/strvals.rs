//! Helm's `--set` family, case by case against Helm's own answers
//! (`tests/golden/strvals/*.cases`, written by `scripts/golden-strvals`).

use std::path::{Path, PathBuf};

use wheelhouse::chart::strvals::{self, Mode};
use wheelhouse::chart::value_options::{Source, ValueOptions};
use wheelhouse::gotmpl::{IntType, Value};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/strvals")
}

struct Case {
    mode: String,
    input: String,
    expected: String,
}

fn cases(file: &str) -> Vec<Case> {
    let text = std::fs::read_to_string(golden_dir().join(file)).unwrap();
    text.split("=== ")
        .skip(1)
        .map(|block| {
            let mut lines = block.lines();
            let mode = lines.next().unwrap().to_string();
            let input = lines.next().unwrap().strip_prefix("in: ").unwrap();
            Case {
                mode,
                input: serde_json::from_str(input).unwrap(),
                expected: lines.next().unwrap().to_string(),
            }
        })
        .collect()
}

/// The case file's typed rendering of a value.
fn typed(v: &Value) -> String {
    match v {
        Value::Nil => "nil".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i, IntType::Int64) => format!("int64({i})"),
        Value::Float(f) => format!("float64({f})"),
        Value::Str(s) => serde_json::to_string(&**s).unwrap(),
        Value::List(l) => {
            let mut parts = Vec::new();
            let items = l.items();
            let mut i = 0;
            while i < items.len() {
                let run = items[i..]
                    .iter()
                    .take_while(|v| matches!(v, Value::Nil))
                    .count();
                if run > 1 {
                    parts.push(format!("nil*{run}"));
                    i += run;
                } else {
                    parts.push(typed(&items[i]));
                    i += 1;
                }
            }
            format!("[{}]", parts.join(", "))
        }
        Value::Map(m) => {
            assert_eq!(m.type_name(), "map[string]interface {}");
            let entries = m.read();
            let parts: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", serde_json::to_string(&**k).unwrap(), typed(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        other => format!("{}(?)", other.type_name()),
    }
}

fn outcome(result: Result<wheelhouse::gotmpl::Entries, String>) -> String {
    match result {
        Ok(entries) => format!(
            "out: {}",
            typed(&Value::Map(wheelhouse::gotmpl::Map::new(entries)))
        ),
        Err(e) => format!("err: {e}"),
    }
}

fn run(case: &Case) -> String {
    let mode = match case.mode.as_str() {
        "set" => Mode::Typed,
        "set-string" => Mode::String,
        "set-json" => Mode::Json,
        "set-literal" => Mode::Literal,
        "set-file" => return run_set_file(&case.input),
        other => panic!("unknown mode {other}"),
    };
    outcome(strvals::parse(&case.input, mode).map_err(|e| e.to_string()))
}

/// `--set-file` goes through the CLI's path, with files read from the
/// fixtures directory; Helm's bare parser error has no flag prefix.
fn run_set_file(line: &str) -> String {
    let options = ValueOptions {
        file_values: vec![line.to_string()],
        ..ValueOptions::default()
    };
    let dir = golden_dir().join("files");
    let result = options.merge_values(|source| match source {
        Source::File(path) => std::fs::read(dir.join(path)),
        Source::Stdin => panic!("no stdin in this test"),
    });
    outcome(result.map_err(|e| {
        assert_eq!(e.to_string(), "failed parsing --set-file data");
        let source = std::error::Error::source(&e).unwrap();
        assert!(source.source().is_none(), "{source} has a source");
        source.to_string()
    }))
}

fn check_file(file: &str) {
    let cases = cases(file);
    assert!(!cases.is_empty());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let got = run(case);
            (got != case.expected).then(|| {
                format!(
                    "{} {:?}\n  helm: {}\n  ours: {got}",
                    case.mode, case.input, case.expected
                )
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from Helm:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn set() {
    check_file("set.cases");
}

#[test]
fn set_string() {
    check_file("set_string.cases");
}

#[test]
fn set_json() {
    check_file("set_json.cases");
}

#[test]
fn set_literal() {
    check_file("set_literal.cases");
}

#[test]
fn set_file() {
    check_file("set_file.cases");
}

#[test]
fn there_are_enough_cases() {
    let total: usize = ["set", "set_string", "set_json", "set_literal", "set_file"]
        .iter()
        .map(|f| cases(&format!("{f}.cases")).len())
        .sum();
    assert!(total >= 150, "{total} cases");
}
