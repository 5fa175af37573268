//! Fuzzes Helm's values-file reader: YAML 1.1 scalars, anchors and aliases
//! (with go-yaml's bound on alias expansion), merge keys, multi-document
//! splitting and merging.
//!
//! Input: the file's bytes. The reader must answer with values or an error,
//! never a panic, a hang or unbounded memory.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = wheelhouse::chart::yaml::load_values(&text);
});
