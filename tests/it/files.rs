//! `.Files` through `wheelhouse template`, against Helm's output for the same
//! charts.
//!
//! Every chart under `tests/golden/files/<case>/chart` is rendered as release
//! `rel`; `<case>/expected.yaml` is what Helm printed (`scripts/golden-files`).

use std::path::Path;
use std::process::Command;

fn golden_root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/files")
}

#[test]
fn files_match_helm_byte_for_byte() {
    let mut cases: Vec<_> = std::fs::read_dir(golden_root())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("chart").is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 3, "golden cases missing: {cases:?}");
    for case in cases {
        let expected = std::fs::read_to_string(case.join("expected.yaml")).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_wheelhouse"))
            .args(["template", "rel"])
            .arg(case.join("chart"))
            .env_remove("HELM_NAMESPACE")
            .env_remove("HELM_DEBUG")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            case.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let got = String::from_utf8(out.stdout).unwrap();
        if got != expected {
            let line = got
                .lines()
                .zip(expected.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            panic!(
                "{}: first difference at line {}:\n  wheelhouse: {:?}\n  helm:       {:?}",
                case.display(),
                line + 1,
                got.lines().nth(line),
                expected.lines().nth(line)
            );
        }
    }
}

#[test]
fn an_empty_file_fails_lines_as_helm_does() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("templates")).unwrap();
    std::fs::write(
        dir.path().join("Chart.yaml"),
        "apiVersion: v2\nname: lines\nversion: 0.1.0\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("empty.txt"), "").unwrap();
    std::fs::write(
        dir.path().join("templates/cm.yaml"),
        "{{ .Files.Lines \"empty.txt\" }}",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_wheelhouse"))
        .args(["template", "rel"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    // Helm: `helm-ref template` on the same chart.
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "Error: template: lines/templates/cm.yaml:1:9: executing \"lines/templates/cm.yaml\" \
         at <.Files.Lines>: error calling Lines: runtime error: index out of range [-1]\n\n\
         Use --debug flag to render out invalid YAML\n"
    );
}
