//! `wheelhouse show` on a chart directory, end to end.
//!
//! helm-ref has no `show`, so the expectations were worked out by hand from
//! Helm v4.2.3's `pkg/action/show.go` (the chart section's YAML was checked
//! against Helm's `toYaml` of the same fields).

use std::process::Command;

const CHART: &str = "tests/golden/files/basic/chart";

fn show(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_wheelhouse"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn stdout(args: &[&str]) -> String {
    let out = show(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn each_part_and_all() {
    let chart = "apiVersion: v2\nname: basic\nversion: 0.1.0\n\n";
    assert_eq!(stdout(&["show", "chart", CHART]), chart);
    assert_eq!(stdout(&["show", "values", CHART]), "file: files/a.txt\n\n");
    assert_eq!(stdout(&["show", "readme", CHART]), "readme\n\n");
    assert_eq!(stdout(&["show", "crds", CHART]), "---\nkind: CRD\n\n");
    assert_eq!(
        stdout(&["inspect", "all", CHART]),
        format!("{chart}---\nfile: files/a.txt\n\n---\nreadme\n\n---\nkind: CRD\n\n")
    );
}

#[test]
fn values_through_jsonpath() {
    assert_eq!(
        stdout(&["show", "values", CHART, "--jsonpath", "file={.file}"]),
        "file=files/a.txt"
    );
    assert_eq!(
        stdout(&["show", "values", CHART, "--jsonpath", "{.nope}"]),
        ""
    );
    let out = show(&["show", "values", CHART, "--jsonpath", "{.file"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "Error: error parsing jsonpath {.file: unclosed action\n"
    );
}

#[test]
fn a_missing_chart_is_named() {
    let out = show(&["show", "chart", "tests/golden/files/nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "Error: path \"tests/golden/files/nope\" not found\n"
    );
}
