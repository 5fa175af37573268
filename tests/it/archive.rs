//! Chart archives read as Helm reads them: every case in
//! `tests/golden/archive/cases.json` holds an archive and what Helm's own
//! `LoadArchiveFiles` made of it (regenerate with `scripts/golden-archive`).

use wheelhouse::chart::ChartFile;
use wheelhouse::chart::archive::read_archive_files;

/// Helm's loader files these names away from `templates` and `files`.
const NOT_IN_FILES: &[&str] = &["Chart.yaml"];

fn decode_base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for b in text.bytes().filter(|&b| b != b'=') {
        let v = ALPHABET.iter().position(|&a| a == b).unwrap() as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// Files as (name, text) pairs, the form the golden files keep them in.
pub(crate) fn pairs(files: &[&ChartFile]) -> Vec<(String, String)> {
    files
        .iter()
        .map(|f| (f.name.clone(), String::from_utf8(f.data.clone()).unwrap()))
        .collect()
}

/// Helm's file list from a golden file, as (name, text) pairs.
pub(crate) fn helm_pairs(list: &serde_json::Value) -> Vec<(String, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|pair| {
            (
                pair[0].as_str().unwrap().to_string(),
                pair[1].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn archives_read_as_helm_reads_them() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/archive/cases.json"
    );
    let cases: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = cases.as_array().unwrap();
    assert!(cases.len() >= 20, "the golden file lost its cases");
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let archive = decode_base64(case["archive"].as_str().unwrap());
        let helm = &case["helm"];
        let ours = read_archive_files(archive.as_slice());
        if let Some(error) = helm.get("error") {
            let err = ours.err().map(|e| e.to_string());
            assert_eq!(err.as_deref(), error.as_str(), "case {name}");
            continue;
        }
        let files = ours.unwrap_or_else(|e| panic!("case {name}: {e}"));
        let (templates, others): (Vec<&ChartFile>, Vec<&ChartFile>) = files
            .iter()
            .filter(|f| !NOT_IN_FILES.contains(&f.name.as_str()))
            .partition(|f| f.name.starts_with("templates/"));
        assert_eq!(
            pairs(&templates),
            helm_pairs(&helm["templates"]),
            "case {name}"
        );
        assert_eq!(pairs(&others), helm_pairs(&helm["files"]), "case {name}");
    }
}
