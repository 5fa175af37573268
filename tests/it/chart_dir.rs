//! Chart directories read as Helm reads them: every case in
//! `tests/golden/chart-dir/cases.json` describes a directory (files and
//! symbolic links) and what Helm's own `LoadDir` made of it (regenerate with
//! `scripts/golden-chart-dir`). The test builds each directory and compares.

use std::path::Path;

use wheelhouse::chart::ChartFile;
use wheelhouse::chart::dir::read_dir_files_reporting;

use super::archive::{helm_pairs, pairs};

const CHART: &str = "apiVersion: v2\nname: demo\nversion: 0.1.0\n";

/// What Helm's chart builder says when the walk left out Chart.yaml (a
/// negated .helmignore rule ignores every name it does not match).
const NO_CHART_YAML: &str = "Chart.yaml file is missing";

fn build(root: &Path, case: &serde_json::Value) {
    std::fs::write(root.join("Chart.yaml"), CHART).unwrap();
    for (path, text) in case["files"].as_object().unwrap() {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text.as_str().unwrap()).unwrap();
    }
    if let Some(links) = case.get("symlinks").and_then(|l| l.as_object()) {
        for (path, target) in links {
            let full = root.join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::os::unix::fs::symlink(target.as_str().unwrap(), full).unwrap();
        }
    }
}

#[test]
fn directories_read_as_helm_reads_them() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/chart-dir/cases.json"
    );
    let cases: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = cases.as_array().unwrap();
    assert!(cases.len() >= 15, "the golden file lost its cases");
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let dir = tempfile::tempdir().unwrap();
        build(dir.path(), case);
        let mut links = 0;
        let ours = read_dir_files_reporting(dir.path(), &mut |_| links += 1);
        let helm = &case["helm"];
        match helm.get("error").and_then(|e| e.as_str()) {
            Some(NO_CHART_YAML) => {
                let files = ours.unwrap_or_else(|e| panic!("case {name}: {e}"));
                assert!(files.iter().all(|f| f.name != "Chart.yaml"), "case {name}");
            }
            Some(error) => {
                let ours = ours.err().map(|e| e.to_string()).unwrap_or_default();
                assert!(
                    ours.contains(error),
                    "case {name}: {ours:?} lacks {error:?}"
                );
            }
            None => {
                let files = ours.unwrap_or_else(|e| panic!("case {name}: {e}"));
                let (templates, others): (Vec<&ChartFile>, Vec<&ChartFile>) = files
                    .iter()
                    .filter(|f| f.name != "Chart.yaml")
                    .partition(|f| f.name.starts_with("templates/"));
                assert_eq!(
                    pairs(&templates),
                    helm_pairs(&helm["templates"]),
                    "case {name}"
                );
                assert_eq!(pairs(&others), helm_pairs(&helm["files"]), "case {name}");
                let followed = case
                    .get("symlinks")
                    .map_or(0, |l| l.as_object().unwrap().len());
                // Helm resolves (and reports) a link before asking .helmignore.
                assert_eq!(links, followed, "case {name}: one notice per link");
            }
        }
    }
}
