//! Template conformance: every case in `tests/golden/{gotmpl,funcs}/*.cases` is
//! rendered through wheelhouse's engine in Helm's mode and compared with what real
//! Helm/Go produced for it (`scripts/golden-gotmpl` fills the expectations).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use wheelhouse::chart::Capabilities;
use wheelhouse::gotmpl::{ElemType, Entries, Map, Value};
use wheelhouse::render::{self, Options, TemplateFile};

const CHART: &str = "conf";

/// Cases where wheelhouse deliberately differs from Go, with what it does instead:
/// complex constants are refused (no chart needs them), and strings are UTF-8, so
/// a byte that isn't becomes U+FFFD. Each entry is checked, so the list can't go
/// stale: an error must contain the text, an output must equal it.
const DEVIATIONS: &[(&str, &str, &str)] = &[
    (
        "literals.cases",
        "string-hex-escape-invalid-utf8-quoted",
        "\"\u{fffd}\"",
    ),
    (
        "literals.cases",
        "imaginary-literal",
        "is not supported by wheelhouse",
    ),
    (
        "literals.cases",
        "complex-literal",
        "is not supported by wheelhouse",
    ),
    (
        "literals.cases",
        "complex-literal-negative-imag",
        "is not supported by wheelhouse",
    ),
    (
        "compare.cases",
        "eq-complex",
        "is not supported by wheelhouse",
    ),
    (
        "compare.cases",
        "lt-complex-error",
        "is not supported by wheelhouse",
    ),
    (
        "if.cases",
        "if-truth-complex-zero",
        "is not supported by wheelhouse",
    ),
    (
        "logic.cases",
        "not-complex",
        "is not supported by wheelhouse",
    ),
    (
        "printf.cases",
        "printf-v-complex",
        "is not supported by wheelhouse",
    ),
];

#[derive(Debug, Default)]
struct Case {
    file: String,
    name: String,
    values: Option<String>,
    extra_files: Vec<(String, String)>,
    template: String,
    expected: Expected,
}

#[derive(Debug, Default)]
enum Expected {
    #[default]
    Missing,
    Output(String),
    Error(String),
}

/// The language cases, and the function library's cases in the same format.
fn case_files() -> Vec<PathBuf> {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut paths: Vec<PathBuf> = ["gotmpl", "funcs"]
        .iter()
        .filter_map(|dir| std::fs::read_dir(golden.join(dir)).ok())
        .flatten()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cases"))
        .collect();
    paths.sort();
    paths
}

/// Reads one `.cases` file: `=== name` starts a case, `--- section` a section; a
/// section's body runs to the next header, without its final newline.
fn parse_cases(path: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(path).unwrap();
    let file = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut cases = Vec::new();
    let mut current: Option<Case> = None;
    let mut section: Option<String> = None;
    let mut body: Vec<&str> = Vec::new();

    fn close(case: &mut Option<Case>, section: &mut Option<String>, body: &mut Vec<&str>) {
        let (Some(case), Some(name)) = (case.as_mut(), section.take()) else {
            body.clear();
            return;
        };
        let text = body.join("\n");
        body.clear();
        match name.as_str() {
            "values" => case.values = Some(text),
            "template" => case.template = text,
            "output" => case.expected = Expected::Output(text),
            "error" => case.expected = Expected::Error(text),
            other => {
                let file = other
                    .strip_prefix("file ")
                    .unwrap_or_else(|| panic!("case {}: unknown section {other:?}", case.name));
                case.extra_files.push((file.to_string(), text));
            }
        }
    }

    for line in text.split('\n') {
        if let Some(name) = line.strip_prefix("=== ") {
            close(&mut current, &mut section, &mut body);
            cases.extend(current.take());
            current = Some(Case {
                file: file.clone(),
                name: name.to_string(),
                ..Case::default()
            });
        } else if let Some(name) = line.strip_prefix("--- ") {
            close(&mut current, &mut section, &mut body);
            section = Some(name.to_string());
        } else if section.is_some() {
            body.push(line);
        }
    }
    // The file's own final newline ends the last body, like every other one.
    if body.last() == Some(&"") {
        body.pop();
    }
    close(&mut current, &mut section, &mut body);
    cases.extend(current.take());
    cases
}

fn entries(pairs: Vec<(&str, Value)>) -> Entries {
    pairs.into_iter().map(|(k, v)| (Arc::from(k), v)).collect()
}

/// Helm drops keys whose value is null when it coalesces a chart's values: in
/// maps nested in maps, not in anything inside a list.
fn drop_null_keys(json: &mut serde_json::Value) {
    if let serde_json::Value::Object(map) = json {
        map.retain(|_, v| !v.is_null());
        map.values_mut().for_each(drop_null_keys);
    }
}

/// The top-level object Helm hands a chart's templates, for what cases use.
fn top_data(values: Option<&str>) -> Value {
    let mut json: serde_json::Value = serde_json::from_str(values.unwrap_or("{}")).unwrap();
    drop_null_keys(&mut json);
    let values = match Value::from_json(&json) {
        Value::Map(m) => Map::typed(m.read().clone(), ElemType::Interface, Some("common.Values")),
        other => panic!("values must be an object, got {other:?}"),
    };
    let release = entries(vec![
        ("Name", Value::str("release-name")),
        ("Namespace", Value::str("default")),
        ("IsInstall", Value::Bool(true)),
        ("IsUpgrade", Value::Bool(false)),
        ("Revision", Value::int(1)),
        ("Service", Value::str("Helm")),
    ]);
    Value::Map(Map::typed(
        entries(vec![
            ("Values", Value::Map(values)),
            ("Release", Value::Map(Map::new(release))),
            (
                "Capabilities",
                Value::Object(Arc::new(Capabilities::client_only())),
            ),
        ]),
        ElemType::Interface,
        Some("common.Values"),
    ))
}

fn run(case: &Case) -> Result<String, String> {
    let data = top_data(case.values.as_deref());
    let base_path = format!("{CHART}/templates");
    let main = format!("{base_path}/main.txt");
    let mut files = vec![TemplateFile {
        name: main.clone(),
        source: case.template.clone(),
        data: data.clone(),
        base_path: base_path.clone(),
    }];
    for (name, source) in &case.extra_files {
        files.push(TemplateFile {
            name: format!("{base_path}/{name}"),
            source: source.clone(),
            data: data.clone(),
            base_path: base_path.clone(),
        });
    }
    let rendered: BTreeMap<String, String> =
        render::render(&files, &Options::default(), &render::Preparsed::default())
            .map_err(|e| e.to_string())?;
    Ok(rendered.get(&main).cloned().unwrap_or_default())
}

#[test]
fn gotmpl_matches_go() {
    let cases: Vec<Case> = case_files().iter().flat_map(|p| parse_cases(p)).collect();
    assert!(cases.len() >= 300, "only {} conformance cases", cases.len());

    let mut failures = Vec::new();
    for case in &cases {
        let got = run(case);
        let deviation = DEVIATIONS
            .iter()
            .find(|(file, name, _)| *file == case.file && *name == case.name);
        let ok = match (&case.expected, &got, deviation) {
            (_, Err(err), Some((_, _, text))) => err.contains(text),
            (_, Ok(out), Some((_, _, text))) => out == text,
            (Expected::Output(want), Ok(out), None) => want == out,
            (Expected::Error(want), Err(err), None) => want == err,
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "{}: {}\n  want: {:?}\n  got:  {:?}",
                case.file, case.name, case.expected, got
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from Go:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
