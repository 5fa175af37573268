//! Fuzzes Helm's `--set` family parser in every mode, and the flag merging
//! that runs them one after another over the same map.
//!
//! Input: one selector byte, then the line. The parser must answer with
//! values or an error, never a panic, a hang or a runaway allocation (a list
//! index is bounded by Helm's `MaxIndex`).

#![no_main]

use libfuzzer_sys::fuzz_target;
use wheelhouse::chart::strvals::{self, Mode};
use wheelhouse::chart::value_options::{Source, ValueOptions};
use wheelhouse::gotmpl::Value;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let line = String::from_utf8_lossy(rest).into_owned();
    match selector % 6 {
        0 => drop(strvals::parse(&line, Mode::Typed)),
        1 => drop(strvals::parse(&line, Mode::String)),
        2 => drop(strvals::parse(&line, Mode::Json)),
        3 => drop(strvals::parse(&line, Mode::Literal)),
        4 => {
            let mut dest = wheelhouse::gotmpl::Entries::new();
            let _ = strvals::parse_into_file(&line, &mut dest, |path| {
                if path.len() % 3 == 0 {
                    Err("unreadable".into())
                } else {
                    Ok(Value::from(path))
                }
            });
        }
        _ => {
            // Every flag gets the same line, so each parser meets what the
            // previous ones left in the map.
            let one = vec![line.clone()];
            let options = ValueOptions {
                value_files: Vec::new(),
                json_values: one.clone(),
                values: one.clone(),
                string_values: one.clone(),
                file_values: one.clone(),
                literal_values: one,
            };
            let _ = options.merge_values(|source| match source {
                Source::Stdin => Ok(b"stdin".to_vec()),
                Source::File(path) => Ok(path.as_bytes().to_vec()),
            });
        }
    }
});
