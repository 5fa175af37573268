//! values.schema.json validation against Helm's own messages.
//!
//! Each directory under tests/golden/schema/ is a chart (with subcharts under
//! charts/ and an optional user-values.yaml); its expected.txt is what real
//! Helm says when templating it (`scripts/golden-schema`), empty when Helm
//! accepts the values. wheelhouse's message must match byte for byte.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use wheelhouse::chart::coalesce::coalesce_values;
use wheelhouse::chart::schema::validate_values;
use wheelhouse::chart::{Chart, LoadError, yaml};
use wheelhouse::gotmpl::{Entries, Map, Value};

/// Cases where wheelhouse is known to word Helm's verdict differently, with
/// the reason; each must still differ (so a fix updates this list).
const KNOWN_DEVIATIONS: &[(&str, &str)] = &[(
    "invalid-regex-pattern",
    "regex syntax errors come from Rust's regex crate, not Go's regexp/syntax",
)];

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/schema");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// The chart with its subcharts: through the loader when it takes subcharts,
/// otherwise the parent without charts/ plus each subchart loaded on its own.
fn load(dir: &Path) -> Chart {
    match wheelhouse::chart::load(dir) {
        Ok(chart) => chart,
        Err(LoadError::Subcharts { .. }) => {
            let parent = tempfile::tempdir().unwrap();
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    std::fs::copy(&path, parent.path().join(path.file_name().unwrap())).unwrap();
                }
            }
            let mut chart = wheelhouse::chart::load(parent.path()).unwrap();
            let mut subdirs: Vec<PathBuf> = std::fs::read_dir(dir.join("charts"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            subdirs.sort();
            chart.dependencies = subdirs.iter().map(|d| load(d)).collect();
            chart
        }
        Err(e) => panic!("{}: {e}", dir.display()),
    }
}

/// Helm's `CoalesceValues`: the user's values over the chart's defaults, then
/// each subchart's defaults under its name (a map even when nobody set one).
fn coalesce(chart: &Chart, user: &Entries) -> Entries {
    let mut values = coalesce_values(&chart.values, user);
    for sub in &chart.dependencies {
        let sub_user = match values.get(sub.name()) {
            Some(Value::Map(m)) => m.read().clone(),
            _ => Entries::new(),
        };
        let sub_values = coalesce(sub, &sub_user);
        values.insert(Arc::from(sub.name()), Value::Map(Map::new(sub_values)));
    }
    values
}

#[test]
fn schema_messages_match_helm_byte_for_byte() {
    let cases = cases();
    assert!(cases.len() >= 25, "only {} schema cases", cases.len());
    let mut failures = Vec::new();
    for dir in &cases {
        let chart = load(dir);
        let user = match std::fs::read_to_string(dir.join("user-values.yaml")) {
            Ok(text) => yaml::load_values(&text).unwrap(),
            Err(_) => Entries::new(),
        };
        let values = coalesce(&chart, &user);
        let expected = std::fs::read_to_string(dir.join("expected.txt")).unwrap();
        let got = match validate_values(&chart, &values) {
            Ok(()) => String::new(),
            Err(e) => e.to_string(),
        };
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if KNOWN_DEVIATIONS.iter().any(|(known, _)| *known == name) {
            // Same verdict, other words.
            assert_ne!(
                got, expected,
                "{name} now matches Helm: drop it from KNOWN_DEVIATIONS"
            );
            assert_eq!(
                got.is_empty(),
                expected.is_empty(),
                "{name}: Helm and wheelhouse disagree on validity"
            );
            continue;
        }
        if got != expected {
            failures.push(format!(
                "{}:\n--- helm\n{expected}\n--- wheelhouse\n{got}\n",
                dir.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
