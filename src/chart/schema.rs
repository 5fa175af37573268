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

use std::error::Error;

use boon::{CompileError, Compiler, ErrorKind, Schemas, UrlLoader, ValidationError};

use super::Chart;
use crate::funcs::data::json::syntax_error;
use crate::gotmpl::fmt::{format_float, quote as go_quote, sprint};
use crate::gotmpl::{Entries, Value};

mod formats;

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
    if let Some(schema) = &chart.schema {
        if let Err(message) = validate_single(values, schema) {
            report.push_str(chart.name());
            report.push_str(":\n");
            report.push_str(&message);
        }
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
                let path = url.trim_start_matches("file://");
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
fn to_json(value: &Value) -> serde_json::Value {
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

fn to_json_map(entries: &Entries) -> serde_json::Value {
    serde_json::Value::Object(
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), to_json(v)))
            .collect(),
    )
}

/// boon leaves out the `allOf`, `anyOf` or `oneOf` node when just one of its
/// subschemas failed, and lists that failure in its place; the Go library
/// always keeps the node. Puts such nodes back, found from the failure's
/// schema location: the path from the schema that gathered it runs through
/// `allOf/<i>` (or `anyOf`, `oneOf`) where a node is missing.
fn restore_applicators(error: &mut ValidationError<'_, '_>) {
    let (producer, own_applicator) = match &error.kind {
        ErrorKind::Schema { url } | ErrorKind::Reference { url, .. } => (Some(*url), None),
        ErrorKind::Group | ErrorKind::Contains | ErrorKind::MinContains { .. } => {
            (Some(error.schema_url), None)
        }
        ErrorKind::AllOf => (Some(error.schema_url), Some("allOf")),
        ErrorKind::AnyOf => (Some(error.schema_url), Some("anyOf")),
        ErrorKind::OneOf(_) => (Some(error.schema_url), Some("oneOf")),
        _ => (None, None),
    };
    if let Some(producer) = producer {
        let depth = error.instance_location.tokens.len();
        let causes = std::mem::take(&mut error.causes);
        error.causes = causes
            .into_iter()
            .map(|cause| wrap_applicator(cause, producer, depth, own_applicator))
            .collect();
    }
    for cause in &mut error.causes {
        restore_applicators(cause);
    }
}

/// Wraps `cause` in the first applicator node missing between `producer`
/// (evaluated at instance `depth`) and the cause; deeper ones are restored
/// when the wrapper itself is visited.
fn wrap_applicator<'s, 'v>(
    cause: ValidationError<'s, 'v>,
    producer: &str,
    depth: usize,
    own_applicator: Option<&str>,
) -> ValidationError<'s, 'v> {
    let url = cause.schema_url;
    let Some(rel) = url.strip_prefix(producer) else {
        return cause;
    };
    let tokens: Vec<&str> = rel.split('/').skip(1).collect();
    let mut values_entered = 0;
    let mut at = 0;
    let mut offset = producer.len();
    let mut found = None;
    while at < tokens.len() {
        let keyword = tokens[at];
        let next_is_index = tokens
            .get(at + 1)
            .is_some_and(|t| t.parse::<usize>().is_ok());
        let (width, enters_value) = match keyword {
            "allOf" | "anyOf" | "oneOf" => {
                if at == 0 && own_applicator == Some(keyword) {
                    (2, false)
                } else {
                    found = Some((keyword, offset));
                    break;
                }
            }
            "properties" | "patternProperties" | "prefixItems" => (2, true),
            "items" if next_is_index => (2, true),
            "items"
            | "additionalProperties"
            | "additionalItems"
            | "contains"
            | "unevaluatedProperties"
            | "unevaluatedItems" => (1, true),
            "dependentSchemas" | "dependencies" | "$defs" | "definitions" => (2, false),
            "not" | "if" | "then" | "else" => (1, false),
            // propertyNames and contentSchema validate a new value; anything
            // else is not a path boon takes without a node of its own.
            _ => return cause,
        };
        for token in tokens.iter().skip(at).take(width) {
            offset += 1 + token.len();
        }
        at += width;
        values_entered += usize::from(enters_value);
    }
    let Some((keyword, owner_end)) = found else {
        return cause;
    };
    let kind = match keyword {
        "allOf" => ErrorKind::AllOf,
        "anyOf" => ErrorKind::AnyOf,
        _ => ErrorKind::OneOf(None),
    };
    let place = (depth + values_entered).min(cause.instance_location.tokens.len());
    ValidationError {
        schema_url: &url[..owner_end],
        instance_location: boon::InstanceLocation {
            tokens: cause.instance_location.tokens[..place].to_vec(),
        },
        kind,
        causes: vec![cause],
    }
}

/// The Go library returns at once when `format` fails, before `$ref` and the
/// keywords of the value's type; boon goes on collecting. Keeps only the
/// format error wherever boon gathered more beside it. A schema's own errors
/// come first among those it gathers, so its format error is the first cause.
fn stop_at_format(error: &mut ValidationError<'_, '_>) {
    for cause in &mut error.causes {
        stop_at_format(cause);
    }
    let [first, rest @ ..] = error.causes.as_slice() else {
        return;
    };
    if rest.is_empty() || !matches!(first.kind, ErrorKind::Format { .. }) {
        return;
    }
    let at = first.instance_location.to_string();
    let same_place = first.instance_location.to_string() == error.instance_location.to_string();
    let own = match &error.kind {
        ErrorKind::Group => first.schema_url == error.schema_url && same_place,
        ErrorKind::Reference { url, .. } => first.schema_url == *url && same_place,
        // The root took over the causes of whichever schema failed with
        // several errors: that schema's own format error sits at a place every
        // other cause is at or below.
        ErrorKind::Schema { .. } => rest.iter().all(|cause| {
            let loc = cause.instance_location.to_string();
            loc == at || loc.starts_with(&format!("{at}/"))
        }),
        _ => false,
    };
    if !own {
        return;
    }
    error.causes.truncate(1);
    if matches!(error.kind, ErrorKind::Group) {
        if let Some(first) = error.causes.pop() {
            *error = first;
        }
    }
}

/// Words a boon error tree as santhosh-tekuri/jsonschema v6 does.
struct Wording<'a> {
    /// The chart's schema, for keyword text boon keeps only in converted form.
    schema: &'a serde_json::Value,
}

impl Wording<'_> {
    /// `ValidationError.Error()`: one line per error, causes indented below.
    fn tree(&self, error: &ValidationError<'_, '_>) -> String {
        let mut out = String::new();
        self.node(error, 0, &mut out);
        out
    }

    fn node(&self, error: &ValidationError<'_, '_>, mut indent: usize, out: &mut String) {
        // A reference with one cause says nothing its cause doesn't.
        let skip = error.causes.len() == 1 && matches!(error.kind, ErrorKind::Reference { .. });
        if !skip {
            if indent > 0 {
                out.push('\n');
                for _ in 1..indent {
                    out.push_str("  ");
                }
                out.push_str("- ");
            }
            indent += 1;
            if let ErrorKind::Schema { url } = error.kind {
                out.push_str("jsonschema validation failed with ");
                out.push_str(&quote(url));
            } else {
                out.push_str("at ");
                out.push_str(&quote(&error.instance_location.to_string()));
                out.push_str(": ");
                out.push_str(&self.kind(error));
            }
        }
        for cause in &error.causes {
            self.node(cause, indent, out);
        }
    }

    /// The Go library's `ErrorKind.LocalizedString` in English.
    fn kind(&self, error: &ValidationError<'_, '_>) -> String {
        match &error.kind {
            ErrorKind::Group | ErrorKind::Reference { .. } => "validation failed".into(),
            ErrorKind::Schema { url } => {
                format!("jsonschema validation failed with {}", quote(url))
            }
            ErrorKind::ContentSchema => "'contentSchema' failed".into(),
            ErrorKind::PropertyName { prop } => format!("invalid propertyName {}", quote(prop)),
            ErrorKind::RefCycle {
                url,
                kw_loc1,
                kw_loc2,
            } => format!(
                "both {kw_loc1} and {kw_loc2} resolve to {} causing reference cycle",
                go_quote(url)
            ),
            ErrorKind::FalseSchema => "false schema".into(),
            ErrorKind::Type { got, want } => {
                let want: Vec<String> = want.iter().map(|t| t.to_string()).collect();
                format!("got {got}, want {}", want.join(" or "))
            }
            ErrorKind::Enum { want } => {
                if want.iter().all(is_primitive) {
                    match want.as_slice() {
                        [only] => format!("value must be {}", display(only)),
                        _ => {
                            let want: Vec<String> = want.iter().map(display).collect();
                            format!("value must be one of {}", want.join(", "))
                        }
                    }
                } else {
                    "'enum' failed".into()
                }
            }
            ErrorKind::Const { want } => {
                if is_primitive(want) {
                    format!("value must be {}", display(want))
                } else {
                    "'const' failed".into()
                }
            }
            ErrorKind::Format { got, want, err } => {
                format!("{} is not valid {want}: {err}", display(got))
            }
            ErrorKind::MinProperties { got, want } => counts("minProperties", *got, *want),
            ErrorKind::MaxProperties { got, want } => counts("maxProperties", *got, *want),
            ErrorKind::AdditionalProperties { got } => {
                format!("additional properties {} not allowed", join_quoted(got))
            }
            ErrorKind::Required { want } => match want.as_slice() {
                [only] => format!("missing property {}", quote(only)),
                _ => format!("missing properties {}", join_quoted(want)),
            },
            ErrorKind::Dependency { prop, missing }
            | ErrorKind::DependentRequired { prop, missing } => format!(
                "properties {} required, if {} exists",
                join_quoted(missing),
                quote(prop)
            ),
            ErrorKind::MinItems { got, want } => counts("minItems", *got, *want),
            ErrorKind::MaxItems { got, want } => counts("maxItems", *got, *want),
            ErrorKind::Contains => "no items match contains schema".into(),
            ErrorKind::MinContains { got, want } => {
                if got.is_empty() {
                    format!(
                        "min {} items required to match contains schema, but none matched",
                        int(*want)
                    )
                } else {
                    format!(
                        "min {} items required to match contains schema, but matched {} items at {}",
                        int(*want),
                        int(got.len()),
                        join_spaced(got)
                    )
                }
            }
            ErrorKind::MaxContains { got, want } => format!(
                "max {} items required to match contains schema, but matched {} items at {}",
                int(*want),
                int(got.len()),
                join_spaced(got)
            ),
            ErrorKind::UniqueItems { got: [i, j] } => {
                format!("items at {} and {} are equal", int(*i), int(*j))
            }
            ErrorKind::AdditionalItems { got } => {
                format!("last {} additionalItem(s) not allowed", int(*got))
            }
            ErrorKind::MinLength { got, want } => counts("minLength", *got, *want),
            ErrorKind::MaxLength { got, want } => counts("maxLength", *got, *want),
            ErrorKind::Pattern { got, want } => {
                let written = self.keyword_text(error.schema_url, "pattern");
                format!(
                    "{} does not match pattern {}",
                    quote(got),
                    quote(written.as_deref().unwrap_or(want))
                )
            }
            ErrorKind::ContentEncoding { want, err } => {
                format!("value is not {} encoded: {err}", quote(want))
            }
            // "if" is the Go library's word.
            ErrorKind::ContentMediaType { want, err, .. } => {
                format!("value if not of mediatype {}: {err}", quote(want))
            }
            ErrorKind::Minimum { got, want } => bound("minimum", got, want),
            ErrorKind::Maximum { got, want } => bound("maximum", got, want),
            ErrorKind::ExclusiveMinimum { got, want } => bound("exclusiveMinimum", got, want),
            ErrorKind::ExclusiveMaximum { got, want } => bound("exclusiveMaximum", got, want),
            ErrorKind::MultipleOf { got, want } => bound("multipleOf", got, want),
            ErrorKind::Not => "'not' failed".into(),
            ErrorKind::AllOf => "'allOf' failed".into(),
            ErrorKind::AnyOf => "'anyOf' failed".into(),
            ErrorKind::OneOf(None) => "'oneOf' failed, none matched".into(),
            ErrorKind::OneOf(Some((i, j))) => {
                format!(
                    "'oneOf' failed, subschemas {}, {} matched",
                    int(*i),
                    int(*j)
                )
            }
        }
    }

    /// A string keyword as the chart's schema spells it, found from the
    /// location of the schema object that holds it.
    fn keyword_text(&self, schema_url: &str, keyword: &str) -> Option<String> {
        let fragment = schema_url.strip_prefix(SCHEMA_URL)?.strip_prefix('#')?;
        let pointer = percent_decode(fragment)?;
        let object = self.schema.pointer(&pointer)?;
        object.get(keyword)?.as_str().map(str::to_string)
    }
}

/// The Go library's `quote`: Go's `%q` in single quotes.
fn quote(s: &str) -> String {
    let double = go_quote(s);
    let inner = &double[1..double.len() - 1];
    format!("'{}'", inner.replace("\\\"", "\"").replace('\'', "\\'"))
}

fn join_quoted<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|s| quote(s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Go's `%v` of an `[]int`, without the brackets.
fn join_spaced(items: &[usize]) -> String {
    items
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_primitive(v: &serde_json::Value) -> bool {
    !matches!(
        v,
        serde_json::Value::Array(_) | serde_json::Value::Object(_)
    )
}

/// The Go library's `display`: strings quoted, numbers and the rest as `%v`.
fn display(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => quote(s),
        serde_json::Value::Array(_) | serde_json::Value::Object(_) => "value".into(),
        serde_json::Value::Null => "<nil>".into(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => number(n),
    }
}

/// A number as Go's `%v` prints it: integers whole, floats as float64. (A
/// schema's own numbers print as written in Go; as float64 here.)
fn number(n: &serde_json::Number) -> String {
    if n.is_i64() || n.is_u64() {
        n.to_string()
    } else {
        sprint(&[Value::Float(n.as_f64().unwrap_or(f64::NAN))])
    }
}

fn bound(keyword: &str, got: &serde_json::Number, want: &serde_json::Number) -> String {
    let float = |n: &serde_json::Number| localized_float(n.as_f64().unwrap_or(f64::NAN));
    format!("{keyword}: got {}, want {}", float(got), float(want))
}

fn counts(keyword: &str, got: usize, want: usize) -> String {
    format!("{keyword}: got {}, want {}", int(got), int(want))
}

/// `%d` through golang.org/x/text's English printer, which the Go library
/// words its messages with: digits grouped in threes with commas.
fn int(n: usize) -> String {
    group_thousands(&n.to_string())
}

fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `%v` of a float64 through golang.org/x/text's English printer: `%g`'s
/// shortest digits and its switch to an exponent (below 1e-4, from 1e6 on),
/// but with grouped thousands and the exponent written `×10⁰⁶`.
fn localized_float(v: f64) -> String {
    if !v.is_finite() {
        return sprint(&[Value::Float(v)]);
    }
    // Shortest digits and the exponent of the first one, from Go's %e.
    let scientific = format_float(v.abs(), 'e', -1);
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exp: i32 = exponent.parse().unwrap_or(0);
    let mut out = String::new();
    if v.is_sign_negative() && v != 0.0 {
        out.push('-');
    }
    if !(-4..6).contains(&exp) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push_str("×10");
        if exp < 0 {
            out.push('⁻');
        }
        let magnitude = format!("{:02}", exp.unsigned_abs());
        out.extend(magnitude.chars().map(superscript));
    } else if exp < 0 {
        out.push_str("0.");
        out.push_str(&"0".repeat((-exp - 1) as usize));
        out.push_str(&digits);
    } else {
        let int_len = exp as usize + 1;
        let padded = format!("{digits:0<int_len$}");
        out.push_str(&group_thousands(&padded[..int_len]));
        if padded.len() > int_len {
            out.push('.');
            out.push_str(&padded[int_len..]);
        }
    }
    out
}

fn superscript(digit: char) -> char {
    match digit {
        '1' => '¹',
        '2' => '²',
        '3' => '³',
        d => char::from_u32(0x2070 + d.to_digit(10).unwrap_or(0)).unwrap_or('⁰'),
    }
}

/// Decodes `%XX` escapes in a URL fragment.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The Go library's words for a schema that can't be compiled.
fn compile_message(error: CompileError) -> String {
    let q = |s: String| go_quote(&s);
    match error {
        CompileError::ParseUrlError { url, src } => format!("error in parsing {}: {src}", q(url)),
        CompileError::LoadUrlError { url, src } => {
            let cause = match src.downcast::<CompileError>() {
                Ok(inner) => compile_message(*inner),
                Err(other) => other.to_string(),
            };
            format!("failing loading {}: {cause}", q(url))
        }
        CompileError::UnsupportedUrlScheme { url } => {
            format!("no URLLoader registered for {}", q(url))
        }
        CompileError::InvalidMetaSchemaUrl { url, src } => {
            format!("invalid $schema in {}: {src}", q(url))
        }
        CompileError::UnsupportedDraft { url } => format!("draft {} is not supported", q(url)),
        CompileError::MetaSchemaCycle { url } => {
            format!("cycle in resolving $schema in {}", q(url))
        }
        CompileError::ValidationError { url, mut src } => {
            restore_applicators(&mut src);
            let wording = Wording {
                schema: &serde_json::Value::Null,
            };
            format!(
                "{} is not valid against metaschema: {}",
                q(url),
                wording.tree(&src)
            )
        }
        CompileError::ParseIdError { loc } => format!("error in parsing id at {}", q(loc)),
        CompileError::ParseAnchorError { loc } => format!("error in parsing anchor at {}", q(loc)),
        CompileError::DuplicateId {
            url,
            id,
            ptr1,
            ptr2,
        } => format!(
            "duplicate id {} in {} at {} and {}",
            q(id),
            q(url),
            q(ptr1),
            q(ptr2)
        ),
        CompileError::DuplicateAnchor {
            anchor,
            url,
            ptr1,
            ptr2,
        } => format!(
            "duplicate anchor {} in {} at {} and {}",
            q(anchor),
            q(url),
            q(ptr1),
            q(ptr2)
        ),
        CompileError::InvalidJsonPointer(url) => format!("invalid json-pointer {}", q(url)),
        CompileError::JsonPointerNotFound(url) => format!("json-pointer in {} not found", q(url)),
        CompileError::AnchorNotFound { url, reference } => {
            format!("anchor in {} not found in schema {}", q(reference), q(url))
        }
        CompileError::UnsupportedVocabulary { url, vocabulary } => {
            format!("unsupported vocabulary {} in {}", q(vocabulary), q(url))
        }
        CompileError::InvalidRegex { url, regex, src } => {
            format!("invalid regex {} at {}: {src}", q(regex), q(url))
        }
        CompileError::Bug(src) => format!("values.schema.json: {src}"),
    }
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
            templates: Vec::new(),
            files: Vec::new(),
            schema: schema.map(|s| s.as_bytes().to_vec()),
            dependencies,
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
        let defs = dir.path().join("defs.json");
        std::fs::write(&defs, br#"{"definitions": {"port": {"type": "integer"}}}"#).unwrap();
        let schema = format!(
            r#"{{"properties": {{"port": {{"$ref": "file://{}#/definitions/port"}}}}}}"#,
            defs.display()
        );
        let err =
            validate_single(&entries(json!({"port": "http"})), schema.as_bytes()).unwrap_err();
        assert_eq!(err, "- at '/port': got string, want integer\n");
        std::fs::write(&defs, b"{").unwrap();
        let err = validate_single(&Entries::new(), schema.as_bytes()).unwrap_err();
        assert_eq!(
            err,
            format!(
                "failing loading \"file://{}\": unexpected EOF",
                defs.display()
            )
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
    fn numbers_as_the_english_printer_writes_them() {
        assert_eq!(localized_float(0.0), "0");
        assert_eq!(localized_float(80.0), "80");
        assert_eq!(localized_float(1024.0), "1,024");
        assert_eq!(localized_float(999_999.5), "999,999.5");
        assert_eq!(localized_float(1e6), "1×10⁰⁶");
        assert_eq!(localized_float(-2.5e-5), "-2.5×10⁻⁰⁵");
        assert_eq!(localized_float(0.0001), "0.0001");
        assert_eq!(localized_float(1.5e21), "1.5×10²¹");
        assert_eq!(int(999), "999");
        assert_eq!(int(1000), "1,000");
        assert_eq!(int(1_234_567), "1,234,567");
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
