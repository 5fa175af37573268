//! The words santhosh-tekuri/jsonschema v6 (as Helm v4.2.3 links it) prints
//! for a failed validation or a schema it can't compile: one line per error,
//! causes indented below, each keyword's message, and numbers as
//! golang.org/x/text's English printer writes them (`1,024`, `2.5×10⁰⁶`).

use boon::{CompileError, ErrorKind, ValidationError};

use super::SCHEMA_URL;
use super::tree::restore_applicators;
use crate::gotmpl::Value;
use crate::gotmpl::fmt::{format_float, quote as go_quote, sprint};

/// Words a boon error tree as santhosh-tekuri/jsonschema v6 does.
pub(super) struct Wording<'a> {
    /// The chart's schema, for keyword text boon keeps only in converted form.
    pub(super) schema: &'a serde_json::Value,
}

impl Wording<'_> {
    /// `ValidationError.Error()`: one line per error, causes indented below.
    pub(super) fn tree(&self, error: &ValidationError<'_, '_>) -> String {
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
pub(super) fn quote(s: &str) -> String {
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
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
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
pub(super) fn percent_decode(s: &str) -> Option<String> {
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
pub(super) fn compile_message(error: CompileError) -> String {
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
}
