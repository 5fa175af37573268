//! Errors as the Kubernetes API server reports them: `Status` objects with the
//! HTTP code, the machine-readable `reason` and a message worded like
//! k8s.io/apimachinery/pkg/api/errors words it.
//!
//! Owns only the shape and wording of failures; deciding when one happens is the
//! handlers' job.

use serde_json::{Value, json};

/// A failed request, ready to be written as a `Status` body.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message} ({reason}, {code})")]
pub struct ApiError {
    pub code: u16,
    /// Kubernetes' `StatusReason`; empty for errors the apiserver could not classify.
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

/// One invalid field, as `field.Error` renders it into a `StatusCause`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub field: String,
    /// `FieldValueInvalid`, `FieldValueRequired`, `FieldValueTooLong`, ...
    pub cause: &'static str,
    /// The message body: `Invalid value: "x": detail`, `Required value: detail`.
    pub body: String,
}

impl FieldError {
    pub fn invalid(field: &str, value: &str, detail: &str) -> FieldError {
        FieldError {
            field: field.into(),
            cause: "FieldValueInvalid",
            body: format!("Invalid value: {}: {detail}", go_quote(value)),
        }
    }

    pub fn required(field: &str, detail: &str) -> FieldError {
        let body = if detail.is_empty() {
            "Required value".to_string()
        } else {
            format!("Required value: {detail}")
        };
        FieldError {
            field: field.into(),
            cause: "FieldValueRequired",
            body,
        }
    }

    pub fn too_long(field: &str, max: usize) -> FieldError {
        FieldError {
            field: field.into(),
            cause: "FieldValueTooLong",
            body: format!("Too long: may not be more than {max} bytes"),
        }
    }

    fn rendered(&self) -> String {
        format!("{}: {}", self.field, self.body)
    }
}

/// Go's `%q` for the strings validation errors quote (printable text).
pub fn go_quote(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// `resource.group` as `schema.GroupResource.String()` prints it.
pub fn group_resource(group: &str, resource: &str) -> String {
    if group.is_empty() {
        resource.to_string()
    } else {
        format!("{resource}.{group}")
    }
}

impl ApiError {
    fn new(code: u16, reason: &'static str, message: String) -> ApiError {
        ApiError {
            code,
            reason,
            message,
            details: None,
        }
    }

    fn with_details(mut self, details: Value) -> ApiError {
        self.details = Some(details);
        self
    }

    pub fn not_found(group: &str, resource: &str, name: &str) -> ApiError {
        ApiError::new(
            404,
            "NotFound",
            format!(
                "{} {} not found",
                group_resource(group, resource),
                go_quote(name)
            ),
        )
        .with_details(details(name, group, resource))
    }

    /// A path that names no resource: the apiserver's catch-all 404.
    pub fn no_route() -> ApiError {
        ApiError::new(
            404,
            "NotFound",
            "the server could not find the requested resource".into(),
        )
        .with_details(json!({}))
    }

    pub fn already_exists(group: &str, resource: &str, name: &str) -> ApiError {
        ApiError::new(
            409,
            "AlreadyExists",
            format!(
                "{} {} already exists",
                group_resource(group, resource),
                go_quote(name)
            ),
        )
        .with_details(details(name, group, resource))
    }

    pub fn conflict(group: &str, resource: &str, name: &str, why: &str) -> ApiError {
        ApiError::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} {}: {why}",
                group_resource(group, resource),
                go_quote(name)
            ),
        )
        .with_details(details(name, group, resource))
    }

    /// The optimistic-concurrency failure of an update with a stale resourceVersion.
    pub fn stale(group: &str, resource: &str, name: &str) -> ApiError {
        ApiError::conflict(
            group,
            resource,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        )
    }

    pub fn invalid(group: &str, kind: &str, name: &str, errors: &[FieldError]) -> ApiError {
        let qualified = if group.is_empty() {
            kind.to_string()
        } else {
            format!("{kind}.{group}")
        };
        let message = match errors {
            [] => format!("{qualified} {} is invalid", go_quote(name)),
            [one] => format!(
                "{qualified} {} is invalid: {}",
                go_quote(name),
                one.rendered()
            ),
            many => format!(
                "{qualified} {} is invalid: [{}]",
                go_quote(name),
                many.iter()
                    .map(FieldError::rendered)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let causes: Vec<Value> = errors
            .iter()
            .map(|e| json!({"reason": e.cause, "message": e.body, "field": e.field}))
            .collect();
        let mut d = json!({"name": name, "kind": kind, "causes": causes});
        if !group.is_empty() {
            d["group"] = json!(group);
        }
        ApiError::new(422, "Invalid", message).with_details(d)
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "BadRequest", message.into())
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(401, "Unauthorized", "Unauthorized".into())
    }

    pub fn forbidden(group: &str, resource: &str, name: &str, why: &str) -> ApiError {
        ApiError::new(
            403,
            "Forbidden",
            format!(
                "{} {} is forbidden: {why}",
                group_resource(group, resource),
                go_quote(name)
            ),
        )
        .with_details(details(name, group, resource))
    }

    pub fn method_not_supported(group: &str, resource: &str, action: &str) -> ApiError {
        ApiError::new(
            405,
            "MethodNotAllowed",
            format!(
                "{action} is not supported on resources of kind {}",
                go_quote(&group_resource(group, resource))
            ),
        )
        .with_details(json!({"group": group, "kind": resource}))
    }

    /// The apiserver's 415; like the apiserver, the message lists what is
    /// accepted, not what was sent.
    pub fn unsupported_media_type(accepted: &[&str]) -> ApiError {
        ApiError::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: {}",
                accepted.join(", ")
            ),
        )
    }

    pub fn not_acceptable(accepted: &[&str]) -> ApiError {
        ApiError::new(
            406,
            "NotAcceptable",
            format!(
                "only the following media types are accepted: {}",
                accepted.join(", ")
            ),
        )
    }

    /// A watch from a resourceVersion older than the retained history.
    pub fn expired(message: String) -> ApiError {
        ApiError::new(410, "Expired", message)
    }

    pub fn entity_too_large(limit: usize) -> ApiError {
        ApiError::new(
            413,
            "RequestEntityTooLarge",
            format!("Request entity too large: limit is {limit}"),
        )
    }

    /// An error the apiserver passes through without a reason (500), such as
    /// etcd refusing a value past its request limit.
    pub fn unclassified(message: impl Into<String>) -> ApiError {
        ApiError::new(500, "", message.into())
    }

    pub fn etcd_too_large() -> ApiError {
        ApiError::unclassified("etcdserver: request is too large")
    }

    /// A failure produced by the patch algorithms, which know their own code and reason.
    pub fn from_parts(code: u16, reason: &'static str, message: String) -> ApiError {
        ApiError::new(code, reason, message)
    }

    /// The `Status` object sent as the response body.
    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(d) = &self.details {
            status["details"] = d.clone();
        }
        if self.reason.is_empty()
            && let Some(map) = status.as_object_mut()
        {
            map.remove("reason");
        }
        status
    }
}

fn details(name: &str, group: &str, resource: &str) -> Value {
    let mut d = json!({"name": name, "kind": resource});
    if !group.is_empty() {
        d["group"] = json!(group);
    }
    d
}

/// The `Status` a successful delete returns when no object is left to show.
pub fn success(name: &str, group: &str, resource: &str, uid: &str) -> Value {
    let mut d = details(name, group, resource);
    d["uid"] = json!(uid);
    json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": d,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_names_the_group_resource() {
        let e = ApiError::not_found("apps", "deployments", "web");
        assert_eq!(e.message, "deployments.apps \"web\" not found");
        let s = e.to_status();
        assert_eq!(s["code"], 404);
        assert_eq!(s["reason"], "NotFound");
        assert_eq!(
            s["details"],
            json!({"name": "web", "group": "apps", "kind": "deployments"})
        );
        let core = ApiError::not_found("", "secrets", "x");
        assert_eq!(core.message, "secrets \"x\" not found");
    }

    #[test]
    fn invalid_lists_one_or_many_causes() {
        let one = ApiError::invalid(
            "",
            "Secret",
            "A",
            &[FieldError::required("metadata.name", "")],
        );
        assert_eq!(
            one.message,
            "Secret \"A\" is invalid: metadata.name: Required value"
        );
        let two = ApiError::invalid(
            "apps",
            "Deployment",
            "b",
            &[
                FieldError::required("spec.selector", ""),
                FieldError::invalid("metadata.name", "b", "bad"),
            ],
        );
        assert_eq!(
            two.message,
            "Deployment.apps \"b\" is invalid: [spec.selector: Required value, metadata.name: Invalid value: \"b\": bad]"
        );
        assert_eq!(
            two.to_status()["details"]["causes"][1]["reason"],
            "FieldValueInvalid"
        );
    }

    #[test]
    fn unclassified_errors_have_no_reason() {
        let s = ApiError::etcd_too_large().to_status();
        assert_eq!(s["code"], 500);
        assert!(s.get("reason").is_none());
    }
}
