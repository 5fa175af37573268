//! `values.schema.json` validation, as Helm v4's `ValidateAgainstSchema` does it.
//!
//! Owns walking a chart tree (the chart's schema against its values, then each
//! subchart's against `values[<subchart name>]`), reading a schema the way Helm
//! reads it (Go's JSON decoder, compiled as `file:///values.schema.json`, drafts
//! 4 to 2020-12 with 2020-12 as the default), and every message Helm prints for
//! it. Helm validates with santhosh-tekuri/jsonschema v6; `boon` is the same
//! author's port with the same error tree, so boon does the work and this module
//! words the tree as the Go library does.
//!
//! Remote schemas are never fetched: where Helm would download an `http(s)`
//! `$ref` or `$schema`, this module fails with a message saying so. `urn:`
//! references are permissive, as in Helm. Knows nothing of coalescing: callers
//! pass the coalesced values.
//!
//! Known differences from Helm: Go visits an object's properties in random
//! order, so Helm lists errors of sibling properties (and extra properties)
//! in a different order from run to run, where wheelhouse sorts them;
//! `multipleOf` with fractions is exact only where its failure is listed
//! beside others (not under `anyOf`, `oneOf`, `not` or `if`); regex syntax errors and formats other than ipv4, date, time,
//! date-time and uri are worded by boon; schemas deeper than
//! `MAX_SCHEMA_DEPTH` or with numbers beyond float64 are refused.

use std::error::Error;

use boon::{Compiler, Schemas, UrlLoader};

use super::Chart;
use crate::funcs::data::json::syntax_error;
use crate::gotmpl::fmt::quote as go_quote;
use crate::gotmpl::{Entries, Value};

mod formats;
mod tree;
mod wording;

use tree::{drop_exact_multiples, restore_applicators, stop_at_format};
use wording::{Wording, compile_message, percent_decode, quote};

/// The address Helm compiles every chart's schema under; messages name it.
pub const SCHEMA_URL: &str = "file:///values.schema.json";

/// How deeply a schema's JSON may nest (objects and arrays): serde_json, which
/// boon reads, refuses anything deeper. Helm's Go decoder goes to 10,000.
pub const MAX_SCHEMA_DEPTH: usize = 127;

/// Stack given to validating one chart's values. boon and the conversion of
/// values recurse once per level, and values may nest 10,000 levels deep
/// (`yaml::MAX_DEPTH`), which a schema such as `{"additionalProperties":
/// {"$ref": "#"}}` follows all the way down. Go's stacks grow instead.
pub const VALIDATION_STACK_BYTES: usize = 256 * 1024 * 1024;

/// Values don't meet the schemas of a chart tree: Helm's message, with one
/// section per chart (`CHART:` then its errors).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "values don't meet the specifications of the schema(s) in the following chart(s):\n{report}"
)]
pub struct SchemaError {
    /// Every chart's section, exactly as Helm joins them.
    pub report: String,
}

/// Validates coalesced `values` against `chart`'s schema and, recursively, each
/// subchart's values against its schema, collecting every failure as Helm does.
pub fn validate_values(chart: &Chart, values: &Entries) -> Result<(), SchemaError> {
    let report = chart_report(chart, values);
    if report.is_empty() {
        Ok(())
    } else {
        Err(SchemaError { report })
    }
}

/// One chart's section and its subcharts', in Helm's order and layout.
fn chart_report(chart: &Chart, values: &Entries) -> String {
    let mut report = String::new();
    if let Some(schema) = &chart.schema
        && let Err(message) = validate_single(values, schema)
    {
        report.push_str(chart.name());
        report.push_str(":\n");
        report.push_str(&message);
    }
    for subchart in &chart.dependencies {
        match values.get(subchart.name()) {
            // Nothing to validate; after coalescing every subchart has a map.
            None | Some(Value::Nil) => {}
            Some(Value::Map(sub_values)) => {
                report.push_str(&chart_report(subchart, &sub_values.read()));
            }
            Some(other) => {
                report.push_str(&format!(
                    "{}:\ninvalid type for values: expected object (map), got {}\n",
                    subchart.name(),
                    other.type_name()
                ));
            }
        }
    }
    report
}

/// Helm's `ValidateAgainstSingleSchema`: a validation failure ends in a newline,
/// any other error (bad JSON, bad schema) does not, as in Helm.
pub fn validate_single(values: &Entries, schema: &[u8]) -> Result<(), String> {
    let document = read_json(schema, "values.schema.json")?;
    stacker::grow(VALIDATION_STACK_BYTES, || {
        compile_and_validate(values, document)
    })
}

fn compile_and_validate(values: &Entries, document: serde_json::Value) -> Result<(), String> {
    let mut compiler = Compiler::new();
    compiler.use_loader(Box::new(HelmLoader));
    for format in formats::go_formats() {
        compiler.register_format(format);
    }
    compiler
        .add_resource(SCHEMA_URL, document.clone())
        .map_err(compile_message)?;
    let mut schemas = Schemas::new();
    let index = compiler
        .compile(SCHEMA_URL, &mut schemas)
        .map_err(compile_message)?;
    let instance = to_json_map(values);
    let Err(mut error) = schemas.validate(&instance, index) else {
        return Ok(());
    };
    restore_applicators(&mut error);
    stop_at_format(&mut error);
    if drop_exact_multiples(&mut error) {
        return Ok(());
    }
    let text = Wording { schema: &document }.tree(&error);
    // Helm drops the root line, which only names the schema file.
    let header = format!(
        "jsonschema validation failed with {}\n",
        quote(&format!("{SCHEMA_URL}#"))
    );
    let text = text.strip_prefix(&header).unwrap_or(&text);
    Err(format!("{text}\n"))
}

/// Go's `jsonschema.UnmarshalJSON`: a `json.Decoder` reading one value, with
/// nothing but space after it. `name` names the file in wheelhouse's own
/// messages.
fn read_json(data: &[u8], name: &str) -> Result<serde_json::Value, String> {
    if data
        .iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
    {
        return Err("EOF".into());
    }
    if let Some(message) = syntax_error(data) {
        // json.Unmarshal's words, turned into the decoder's.
        return Err(if message == "unexpected end of JSON input" {
            "unexpected EOF".into()
        } else if message.ends_with(" after top-level value") {
            "invalid character after top-level value".into()
        } else {
            message
        });
    }
    let depth = nesting_depth(data);
    if depth > MAX_SCHEMA_DEPTH {
        return Err(format!(
            "{name} nests {depth} levels deep; wheelhouse reads schemas at \
             most {MAX_SCHEMA_DEPTH} levels deep (Helm reads deeper ones)"
        ));
    }
    // Go's decoder puts U+FFFD for bytes that are not UTF-8.
    let text = String::from_utf8_lossy(data);
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "{name}: {e} (Helm reads this file, but wheelhouse can't: \
             numbers must fit a float64 and \\u escapes must not be lone surrogates)"
        )
    })
}

/// The deepest nesting of objects and arrays in syntactically valid JSON.
fn nesting_depth(data: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for &b in data {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Helm's loaders: files from the local file system, `urn:` as the permissive
/// `true` schema, and no network.
struct HelmLoader;

impl UrlLoader for HelmLoader {
    fn load(&self, url: &str) -> Result<serde_json::Value, Box<dyn Error>> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "file" => {
                // Go opens the URL's decoded path, without query or fragment.
                let raw = url.trim_start_matches("file://");
                let raw = raw.split(['?', '#']).next().unwrap_or_default();
                let decoded = percent_decode(raw).unwrap_or_else(|| raw.to_string());
                let path = decoded.as_str();
                let data = std::fs::read(path).map_err(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => {
                        format!("open {path}: no such file or directory")
                    }
                    _ => format!("open {path}: {e}"),
                })?;
                Ok(read_json(&data, path)?)
            }
            // Helm resolves URNs through an SDK hook that the CLI leaves unset,
            // and then accepts anything.
            "urn" => Ok(serde_json::Value::Bool(true)),
            "http" | "https" => Err(format!(
                "wheelhouse does not fetch schemas over the network (Helm would download \
                 {url}); copy that schema into values.schema.json, under \"$defs\", and \
                 refer to it with \"#/$defs/...\""
            )
            .into()),
            _ => Err(format!("no URLLoader registered for {}", go_quote(url)).into()),
        }
    }
}

/// The values as the validator sees Helm's Go values: maps, lists, strings,
/// booleans, nil, float64 from files and int64 from `--set`.
pub fn to_json(value: &Value) -> serde_json::Value {
    use serde_json::Value as Json;
    match value {
        Value::Nil => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i, _) => Json::from(*i),
        Value::Uint(u, _) => Json::from(*u),
        // NaN and infinities never reach values: Helm's YAML reader refuses them.
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::Str(s) => Json::String(s.to_string()),
        Value::List(list) => Json::Array(list.items().iter().map(to_json).collect()),
        Value::Map(map) => to_json_map(&map.read()),
        // Go structs are template objects, never values.
        Value::Object(_) => Json::Null,
    }
}

pub fn to_json_map(entries: &Entries) -> serde_json::Value {
    serde_json::Value::Object(
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), to_json(v)))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::Metadata;
    use serde_json::json;

    fn entries(json: serde_json::Value) -> Entries {
        match Value::from_json(&json) {
            Value::Map(m) => m.read().clone(),
            _ => Entries::new(),
        }
    }

    fn chart(name: &str, schema: Option<&str>, dependencies: Vec<Chart>) -> Chart {
        Chart {
            metadata: Metadata {
                name: name.into(),
                version: "0.1.0".into(),
                api_version: "v2".into(),
                ..Metadata::default()
            },
            values: Entries::new(),
            values_file: None,
            templates: Vec::new(),
            files: Default::default(),
            schema: schema.map(|s| s.as_bytes().to_vec()),
            dependencies,
            modtime: None,
            schema_modtime: None,
        }
    }

    const AGE_SCHEMA: &str = r#"{
      "$schema": "http://json-schema.org/draft-07/schema#",
      "type": "object",
      "properties": {"age": {"minimum": 0, "type": "integer"}},
      "required": ["age"]
    }"#;

    fn report(chart: &Chart, values: serde_json::Value) -> Option<String> {
        validate_values(chart, &entries(values))
            .err()
            .map(|e| e.report)
    }

    // Helm's own unit tests (jsonschema_test.go) as expectations.
    #[test]
    fn subchart_missing_property() {
        let c = chart(
            "chrt",
            None,
            vec![chart("subchart", Some(AGE_SCHEMA), vec![])],
        );
        assert_eq!(
            report(&c, json!({"name": "John", "subchart": {}})).as_deref(),
            Some("subchart:\n- at '': missing property 'age'\n")
        );
        assert_eq!(report(&c, json!({"subchart": {"age": 25}})), None);
    }

    #[test]
    fn subchart_values_missing_or_null_are_skipped() {
        let c = chart(
            "chrt",
            None,
            vec![chart("subchart", Some(AGE_SCHEMA), vec![])],
        );
        assert_eq!(report(&c, json!({"name": "John"})), None);
        assert_eq!(report(&c, json!({"subchart": null})), None);
    }

    #[test]
    fn subchart_values_of_the_wrong_type() {
        let c = chart(
            "chrt",
            None,
            vec![chart("subchart", Some(AGE_SCHEMA), vec![])],
        );
        assert_eq!(
            report(&c, json!({"subchart": "oops"})).as_deref(),
            Some("subchart:\ninvalid type for values: expected object (map), got string\n")
        );
        assert_eq!(
            report(&c, json!({"subchart": [1]})).as_deref(),
            Some("subchart:\ninvalid type for values: expected object (map), got []interface {}\n")
        );
    }

    #[test]
    fn contains_2020() {
        let schema = r#"{
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "type": "object",
          "properties": {"data": {"type": "array", "contains": {"type": "string"},
                                  "unevaluatedItems": {"type": "number"}}},
          "required": ["data"]
        }"#;
        let c = chart("chrt", None, vec![chart("subchart", Some(schema), vec![])]);
        assert_eq!(
            report(&c, json!({"subchart": {"data": ["hello", 12]}})),
            None
        );
        assert_eq!(
            report(&c, json!({"subchart": {"data": [12]}})).as_deref(),
            Some(
                "subchart:\n- at '/data': no items match contains schema\n  - at '/data/0': got number, want string\n"
            )
        );
    }

    #[test]
    fn invalid_against_metaschema() {
        // Helm's test schema is a number too large for serde_json; a plain one
        // gets the same message from Helm.
        let err = validate_single(&Entries::new(), b"   1E11   ").unwrap_err();
        assert_eq!(
            err,
            "\"file:///values.schema.json#\" is not valid against metaschema: jsonschema validation failed with 'https://json-schema.org/draft/2020-12/schema#'\n- at '': got number, want boolean or object"
        );
        let err = validate_single(&Entries::new(), b"{\"type\": 1}").unwrap_err();
        assert!(err.ends_with("\n- at '': 'allOf' failed\n  - at '/type': 'anyOf' failed\n    - at '/type': value must be one of 'array', 'boolean', 'integer', 'null', 'number', 'object', 'string'\n    - at '/type': got number, want array"), "{err}");
    }

    #[test]
    fn unresolved_urn_is_permissive() {
        let schema = br#"{"$schema": "https://json-schema.org/draft-07/schema#",
            "$ref": "urn:example:helm:schemas:v1:helm-schema-validation-conditions:v1/helmSchemaValidation-true"}"#;
        assert_eq!(
            validate_single(&entries(json!({"any": "value"})), schema),
            Ok(())
        );
    }

    #[test]
    fn remote_refs_are_refused_without_network() {
        let schema = br#"{"$ref": "https://example.com/schema.json"}"#;
        let err = validate_single(&Entries::new(), schema).unwrap_err();
        assert!(
            err.starts_with(
                "failing loading \"https://example.com/schema.json\": wheelhouse does not fetch"
            ),
            "{err}"
        );
    }

    #[test]
    fn local_file_refs_are_read_as_helm_reads_them() {
        let dir = tempfile::tempdir().unwrap();
        // Spaces in the URL are percent-encoded; Go opens the decoded path.
        let defs_dir = dir.path().join("my defs");
        std::fs::create_dir(&defs_dir).unwrap();
        let defs = defs_dir.join("defs.json");
        std::fs::write(&defs, br#"{"definitions": {"port": {"type": "integer"}}}"#).unwrap();
        let url_path = defs.display().to_string().replace(' ', "%20");
        let schema = format!(
            r#"{{"properties": {{"port": {{"$ref": "file://{url_path}#/definitions/port"}}}}}}"#
        );
        let err =
            validate_single(&entries(json!({"port": "http"})), schema.as_bytes()).unwrap_err();
        assert_eq!(err, "- at '/port': got string, want integer\n");
        std::fs::write(&defs, b"{").unwrap();
        let err = validate_single(&Entries::new(), schema.as_bytes()).unwrap_err();
        assert_eq!(
            err,
            format!("failing loading \"file://{url_path}\": unexpected EOF")
        );
    }

    #[test]
    fn json_errors_in_the_decoders_words() {
        let err = |s: &str| validate_single(&Entries::new(), s.as_bytes()).unwrap_err();
        assert_eq!(err(""), "EOF");
        assert_eq!(err("  \n"), "EOF");
        assert_eq!(err("{"), "unexpected EOF");
        assert_eq!(err("{} x"), "invalid character after top-level value");
        assert_eq!(err("1x"), "invalid character after top-level value");
        assert_eq!(err("{\"a\" 1}"), "invalid character '1' after object key");
    }

    #[test]
    fn format_stops_other_keywords_like_go() {
        let schema = br#"{"properties": {"mail": {"format": "email", "maxLength": 2}},
                          "$schema": "http://json-schema.org/draft-07/schema#"}"#;
        let err = validate_single(&entries(json!({"mail": "nope"})), schema).unwrap_err();
        assert_eq!(err, "- at '/mail': 'nope' is not valid email: missing @\n");
    }

    #[test]
    fn numbers_print_as_go_float64() {
        let schema = br#"{"properties": {"n": {"maximum": 1000000}}}"#;
        let err = validate_single(&entries(json!({"n": 2500000.0})), schema).unwrap_err();
        assert_eq!(err, "- at '/n': maximum: got 2.5×10⁰⁶, want 1×10⁰⁶\n");
        let int = Entries::from([(std::sync::Arc::from("n"), Value::int(2_000_000))]);
        let err = validate_single(&int, schema).unwrap_err();
        assert_eq!(err, "- at '/n': maximum: got 2×10⁰⁶, want 1×10⁰⁶\n");
    }

    fn nested_schema(depth: usize) -> String {
        "[".repeat(depth - 1) + "{}" + &"]".repeat(depth - 1)
    }

    #[test]
    fn schema_nesting_at_and_past_the_limit() {
        let schema = format!(r#"{{"enum": {}}}"#, nested_schema(MAX_SCHEMA_DEPTH - 1));
        assert_eq!(
            validate_single(&Entries::new(), schema.as_bytes()).unwrap_err(),
            "- at '': 'enum' failed\n"
        );
        let schema = format!(r#"{{"enum": {}}}"#, nested_schema(MAX_SCHEMA_DEPTH));
        assert_eq!(
            validate_single(&Entries::new(), schema.as_bytes()).unwrap_err(),
            "values.schema.json nests 128 levels deep; wheelhouse reads schemas at most 127 \
             levels deep (Helm reads deeper ones)"
        );
    }

    #[test]
    fn values_nested_to_the_yaml_limit() {
        stacker::grow(VALIDATION_STACK_BYTES, || {
            let mut value = Value::Bool(true);
            for _ in 0..crate::chart::yaml::MAX_DEPTH - 1 {
                value = Value::Map(crate::gotmpl::Map::new(Entries::from([(
                    std::sync::Arc::from("a"),
                    value,
                )])));
            }
            let values = Entries::from([(std::sync::Arc::from("a"), value)]);
            let schema = br##"{"type": "object", "additionalProperties": {"$ref": "#"}}"##;
            let err = validate_single(&values, schema).unwrap_err();
            assert!(
                err.ends_with("/a/a': got boolean, want object\n"),
                "{}",
                &err[err.len() - 40..]
            );
        });
    }

    #[test]
    fn nesting_past_the_decoders_depth_limit() {
        let schema = "[".repeat(10_001);
        let err = validate_single(&Entries::new(), schema.as_bytes()).unwrap_err();
        assert_eq!(err, "invalid character '[' exceeded max depth");
    }
}
