//! boon's error tree reshaped into the one santhosh-tekuri/jsonschema v6
//! builds for the same failure, so the two print alike. The libraries differ
//! in two places: boon drops an `allOf`/`anyOf`/`oneOf` node that has a single
//! failure under it, and boon goes on checking a value after its `format`
//! failed where Go stops.

use boon::{ErrorKind, ValidationError};

/// boon leaves out the `allOf`, `anyOf` or `oneOf` node when just one of its
/// subschemas failed, and lists that failure in its place; the Go library
/// always keeps the node. Puts such nodes back, found from the failure's
/// schema location: the path from the schema that gathered it runs through
/// `allOf/<i>` (or `anyOf`, `oneOf`) where a node is missing.
pub(super) fn restore_applicators(error: &mut ValidationError<'_, '_>) {
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
pub(super) fn stop_at_format(error: &mut ValidationError<'_, '_>) {
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
    if matches!(error.kind, ErrorKind::Group)
        && let Some(first) = error.causes.pop()
    {
        *error = first;
    }
}

/// Go checks `multipleOf` on exact rationals read from the decimal text of
/// both numbers (0.3 is a multiple of 0.1); boon divides float64s and finds a
/// remainder. Removes the failures Go would not report, where nothing above
/// them depends on them (only errors collected side by side: the schema, a
/// group, a `$ref`, an `allOf`). Returns whether `error` itself goes.
pub(super) fn drop_exact_multiples(error: &mut ValidationError<'_, '_>) -> bool {
    match &error.kind {
        ErrorKind::MultipleOf { got, want } => is_exact_multiple(got, want) == Some(true),
        ErrorKind::Schema { .. }
        | ErrorKind::Group
        | ErrorKind::Reference { .. }
        | ErrorKind::AllOf => {
            error
                .causes
                .retain_mut(|cause| !drop_exact_multiples(cause));
            if error.causes.is_empty() {
                return true;
            }
            if matches!(error.kind, ErrorKind::Group)
                && error.causes.len() == 1
                && let Some(only) = error.causes.pop()
            {
                *error = only;
            }
            false
        }
        _ => false,
    }
}

/// `got / want` is a whole number, worked out on the numbers' shortest decimal
/// forms; `None` when they don't fit the arithmetic.
fn is_exact_multiple(got: &serde_json::Number, want: &serde_json::Number) -> Option<bool> {
    let (got_digits, got_exp) = decimal(got)?;
    let (want_digits, want_exp) = decimal(want)?;
    let exp = got_exp.min(want_exp);
    let scale = |digits: i128, e: i32| -> Option<i128> {
        10i128
            .checked_pow(u32::try_from(e - exp).ok()?)?
            .checked_mul(digits)
    };
    let (g, w) = (scale(got_digits, got_exp)?, scale(want_digits, want_exp)?);
    if w == 0 {
        return None;
    }
    Some(g % w == 0)
}

/// A number as `digits × 10^exp`, from its shortest float64 form.
fn decimal(n: &serde_json::Number) -> Option<(i128, i32)> {
    if let Some(i) = n.as_i64() {
        return Some((i128::from(i), 0));
    }
    let text = crate::gotmpl::fmt::format_float(n.as_f64()?, 'e', -1);
    let (mantissa, exponent) = text.split_once('e')?;
    let exponent: i32 = exponent.parse().ok()?;
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: i128 = format!("{int_part}{frac_part}").parse().ok()?;
    let frac_len = i32::try_from(frac_part.len()).ok()?;
    Some((digits, exponent - frac_len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(f: f64) -> serde_json::Number {
        serde_json::Number::from_f64(f).unwrap()
    }

    #[test]
    fn exact_multiples_on_decimal_forms() {
        assert_eq!(is_exact_multiple(&num(0.3), &num(0.1)), Some(true));
        assert_eq!(is_exact_multiple(&num(0.35), &num(0.1)), Some(false));
        assert_eq!(is_exact_multiple(&num(-7.5), &num(2.5)), Some(true));
        assert_eq!(is_exact_multiple(&6.into(), &num(1.5)), Some(true));
        assert_eq!(is_exact_multiple(&7.into(), &2.into()), Some(false));
        assert_eq!(is_exact_multiple(&num(1e300), &num(1e-300)), None);
    }
}
