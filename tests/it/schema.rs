//! values.schema.json validation against Helm's own messages.
//!
//! Each directory under tests/golden/schema/ is a chart (with subcharts under
//! charts/ and an optional user-values.yaml); its expected.txt is what real
//! Helm says when templating it (`scripts/golden-schema`), empty when Helm
//! accepts the values. wheelhouse's message must match byte for byte.

use std::path::{Path, PathBuf};

use wheelhouse::chart::coalesce::coalesce_values;
use wheelhouse::chart::dependencies::process_dependencies;
use wheelhouse::chart::schema::validate_values;
use wheelhouse::chart::{Chart, yaml};
use wheelhouse::gotmpl::Entries;

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

/// The chart as `helm template` sees it before validating: loaded with its
/// subcharts, dependencies processed, values coalesced over the whole tree.
fn load_and_coalesce(dir: &Path, user: &Entries) -> (Chart, Entries) {
    let mut chart =
        wheelhouse::chart::load(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut warnings = Vec::new();
    process_dependencies(&mut chart, user, &mut warnings).unwrap();
    let values = coalesce_values(&chart, user, &mut warnings).unwrap();
    (chart, values)
}

#[test]
fn schema_messages_match_helm_byte_for_byte() {
    let cases = cases();
    assert!(cases.len() >= 25, "only {} schema cases", cases.len());
    let mut failures = Vec::new();
    for dir in &cases {
        let user = match std::fs::read_to_string(dir.join("user-values.yaml")) {
            Ok(text) => yaml::load_values(&text).unwrap(),
            Err(_) => Entries::new(),
        };
        let (chart, values) = load_and_coalesce(dir, &user);
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
