//! Fuzzes the block YAML reader against saphyr: wherever the fast reader
//! accepts a document, it must build exactly what saphyr's events build.
//!
//! Input: the document's bytes.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    assert!(
        wheelhouse::chart::yaml::block_reader_agrees(&text),
        "the block reader and saphyr disagree on {text:?}"
    );
});
