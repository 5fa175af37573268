//! Fuzzes the template engine end to end: lexer, parser and executor, through
//! Helm's render path (include, tpl, required, fail, error rewriting).
//!
//! Input: `MAIN \0 HELPERS \0 VALUES-JSON`. Any part may be missing or garbage;
//! the engine must answer with output or an error, never a panic or a hang.

#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use wheelhouse::gotmpl::{ElemType, Entries, Map, Value};
use wheelhouse::render::{self, Options, TemplateFile};

/// Enough for any template a person writes; stops `{{range 999999999}}`.
const STEP_LIMIT: u64 = 200_000;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |b| *b == 0);
    let main = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let helpers = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let values = parts
        .next()
        .and_then(|json| serde_json::from_slice::<serde_json::Value>(json).ok())
        .map(|json| Value::from_json(&json))
        .unwrap_or(Value::Nil);

    let mut top = Entries::new();
    top.insert(Arc::from("Values"), values);
    let data = Value::Map(Map::typed(top, ElemType::Interface, Some("common.Values")));
    let file = |name: &str, source: String| TemplateFile {
        name: format!("fuzz/templates/{name}"),
        source,
        data: data.clone(),
        base_path: "fuzz/templates".to_string(),
    };
    let files = [file("main.yaml", main), file("_helpers.tpl", helpers)];
    let options = Options {
        step_limit: Some(STEP_LIMIT),
        ..Options::default()
    };
    let _ = render::render(&files, &options);
});
