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
    if matches!(error.kind, ErrorKind::Group) {
        if let Some(first) = error.causes.pop() {
            *error = first;
        }
    }
}
