//! Fuzzes chart archive reading: gzip, tar headers and extension records,
//! Helm's path checks and size limits.
//!
//! Input: one mode byte, then the payload. An odd mode byte feeds the payload
//! as it is (the gzip layer sees the garbage); an even one gzips it first, so
//! the fuzzer's mutations reach the tar layer. Either way the reader must
//! answer with files or an error, never a panic or unbounded memory.

#![no_main]

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use libfuzzer_sys::fuzz_target;
use wheelhouse::chart::archive::{MAX_DECOMPRESSED_CHART_SIZE, read_archive_files};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, payload)) = data.split_first() else {
        return;
    };
    let input = if mode & 1 == 1 {
        payload.to_vec()
    } else {
        let mut gz = GzEncoder::new(Vec::new(), Compression::none());
        if gz.write_all(payload).is_err() {
            return;
        }
        match gz.finish() {
            Ok(bytes) => bytes,
            Err(_) => return,
        }
    };
    if let Ok(files) = read_archive_files(input.as_slice()) {
        assert!(!files.is_empty());
        let total: usize = files.iter().map(|f| f.data.len()).sum();
        assert!((total as u64) < MAX_DECOMPRESSED_CHART_SIZE);
        for file in &files {
            assert!(!file.name.starts_with('/') && !file.name.starts_with(".."));
        }
    }
});
