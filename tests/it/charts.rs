//! `wheelhouse template` against Helm's own output for the golden chart cases.
//!
//! Each case under tests/golden/charts/ holds a chart (or several), the `template`
//! arguments and what real Helm printed for them (`scripts/golden-charts`): stdout,
//! and when Helm failed, its exit code and error. Warnings Helm logs on stderr
//! are not compared (they carry timestamps).

use std::path::Path;
use std::process::Command;

/// What a run printed, in the golden files' layout.
fn observed(dir: &Path) -> String {
    let args = std::fs::read_to_string(dir.join("args")).expect("args file");
    let out = Command::new(env!("CARGO_BIN_EXE_wheelhouse"))
        .arg("template")
        .args(args.split_whitespace())
        .current_dir(dir)
        .env_remove("HELM_NAMESPACE")
        .env_remove("HELM_DEBUG")
        .env_remove("HELM_DRIVER")
        .output()
        .expect("wheelhouse runs");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        let code = out.status.code().unwrap_or(-1);
        text.push_str(&format!("--- exit {code}\n"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        for line in stderr.lines().filter(|l| !is_log_line(l)) {
            text.push_str(line);
            text.push('\n');
        }
    }
    text
}

/// Cases where wheelhouse fails as Helm does but words the failure differently,
/// with the reason. Both must still fail: only the message may differ.
const WORDING_DIFFERS: &[(&str, &str)] = &[
    (
        "error-invalid-values-yaml",
        "go-yaml (libyaml) and saphyr report a broken flow sequence as different problems on different lines",
    ),
    (
        "error-rendered-invalid-yaml",
        "go-yaml prints a parser error's context line and drops libyaml's 'while parsing' context; saphyr keeps both",
    ),
];

/// Go's standard logger starts each line with `YYYY/MM/DD `.
fn is_log_line(line: &str) -> bool {
    let b = line.as_bytes();
    b.len() > 11 && b[4] == b'/' && b[7] == b'/' && b[..4].iter().all(u8::is_ascii_digit)
}

#[test]
fn every_golden_chart_renders_as_helm_does() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/charts");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .expect("golden charts directory")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.join("args").is_file())
        .collect();
    cases.sort();
    let mut failed = Vec::new();
    for dir in &cases {
        let expected = std::fs::read_to_string(dir.join("expected")).expect("expected file");
        let got = observed(dir);
        let name = dir.file_name().unwrap_or_default().to_string_lossy();
        if WORDING_DIFFERS.iter().any(|(case, _)| *case == name) {
            let failed_alike = |t: &str| t.starts_with("--- exit 1\nError: ");
            assert!(
                failed_alike(&expected) && failed_alike(&got),
                "{name}: expected a failure like Helm's, got\n{got}"
            );
            continue;
        }
        if got != expected {
            eprintln!("=== {name}: expected\n{expected}=== {name}: got\n{got}");
            failed.push(name.into_owned());
        }
    }
    assert!(failed.is_empty(), "cases differing from Helm: {failed:?}");
    // The bar: every feature of chart loading and rendering has a case.
    assert!(cases.len() >= 40, "only {} golden chart cases", cases.len());
}
