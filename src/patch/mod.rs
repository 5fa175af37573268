//! Kubernetes patch algorithms on JSON values: applying JSON patch, JSON merge
//! patch and strategic merge patch as kube-apiserver does, creating Helm's
//! three-way patches, and server-side apply with managed fields.
//!
//! Pure functions, no I/O: the sandbox API server calls the `apply_*`
//! functions for PATCH requests, the engine calls the `create_*` functions
//! for upgrades and rollbacks. Errors carry the HTTP status, reason and
//! message kube-apiserver would answer with. The per-type patch metadata
//! (merge keys, strategies, list types) lives in [`schema`].

mod fieldset;
pub mod json_patch;
pub mod managed;
pub mod merge_patch;
pub mod schema;
mod schema_data;
mod strategic;
mod strategic_diff;
mod typed;

pub use json_patch::{MAX_JSON_PATCH_COPY_BYTES, MAX_JSON_PATCH_OPERATIONS, apply_json_patch};
pub use managed::{ApplyError, record_update, server_side_apply};
pub use merge_patch::{apply_merge_patch, create_merge_patch, create_three_way_json_merge};

use serde_json::Value;

/// A group/version/kind, borrowed from the object or request at hand.
/// The core group is the empty string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Gvk<'a> {
    pub group: &'a str,
    pub version: &'a str,
    pub kind: &'a str,
}

impl<'a> Gvk<'a> {
    pub fn new(group: &'a str, version: &'a str, kind: &'a str) -> Self {
        Gvk {
            group,
            version,
            kind,
        }
    }

    /// Splits an object's `apiVersion` (`apps/v1`, or `v1` for the core group).
    pub fn from_api_version(api_version: &'a str, kind: &'a str) -> Self {
        match api_version.split_once('/') {
            Some((group, version)) => Gvk::new(group, version, kind),
            None => Gvk::new("", api_version, kind),
        }
    }
}

/// The media types kube-apiserver accepts for PATCH of a custom resource, in
/// the order its 415 error lists them.
pub const CUSTOM_RESOURCE_PATCH_TYPES: &str =
    "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml";

/// Why a patch could not be applied or created. `Display` is the message
/// kube-apiserver puts in its `Status`; [`PatchError::status_code`] and
/// [`PatchError::reason`] give the rest of that `Status`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PatchError {
    /// The patch body does not decode as this patch type.
    #[error("{message}")]
    BadRequest { message: String },
    /// A JSON patch operation failed. kube-apiserver hides the library's
    /// `detail` behind a generic message; it is kept here for logs.
    #[error("the server rejected our request due to an error in our request")]
    JsonPatchFailed { detail: String },
    /// A JSON patch with more operations than [`MAX_JSON_PATCH_OPERATIONS`].
    #[error(
        "Request entity too large: The allowed maximum operations in a JSON patch is {max}, got {count}",
        max = MAX_JSON_PATCH_OPERATIONS
    )]
    TooManyOperations { count: usize },
    /// Strategic merge patch of a kind with no Go type (custom resources).
    #[error(
        "the body of the request was in an unknown format - accepted media types include: {CUSTOM_RESOURCE_PATCH_TYPES}"
    )]
    StrategicMergeUnsupported { kind: String },
    /// A strategic merge patch the apiserver rejects as unprocessable.
    #[error("{message}")]
    Invalid { message: String },
    /// A three-way patch would undo changes made to the live object
    /// (client-side: only with `overwrite` false, or for JSON merge patches
    /// whose additions and deletions overlap). The documents are shown as
    /// JSON where Kubernetes prints YAML.
    #[error("{message}")]
    Conflict { message: String },
    /// A three-way JSON merge patch would change apiVersion, kind or
    /// metadata.name (client-side, as Helm's preconditions).
    #[error("{message}")]
    PreconditionFailed { message: String },
    /// An error the apiserver does not classify (it answers 500 with the
    /// error text and no reason).
    #[error("{message}")]
    Internal { message: String },
}

impl PatchError {
    /// The HTTP status kube-apiserver answers with.
    pub fn status_code(&self) -> u16 {
        match self {
            PatchError::BadRequest { .. } => 400,
            PatchError::JsonPatchFailed { .. } | PatchError::Invalid { .. } => 422,
            PatchError::TooManyOperations { .. } => 413,
            PatchError::StrategicMergeUnsupported { .. } => 415,
            PatchError::Conflict { .. } => 409,
            PatchError::PreconditionFailed { .. } => 412,
            PatchError::Internal { .. } => 500,
        }
    }

    /// The `reason` of the apiserver's `Status`; empty where the apiserver
    /// leaves it out (`StatusReasonUnknown`).
    pub fn reason(&self) -> &'static str {
        match self {
            PatchError::BadRequest { .. } => "BadRequest",
            PatchError::JsonPatchFailed { .. } | PatchError::Invalid { .. } => "Invalid",
            PatchError::TooManyOperations { .. } => "RequestEntityTooLarge",
            PatchError::StrategicMergeUnsupported { .. } => "UnsupportedMediaType",
            PatchError::Conflict { .. } => "Conflict",
            PatchError::PreconditionFailed { .. } => "PreconditionFailed",
            PatchError::Internal { .. } => "",
        }
    }
}

/// Applies a strategic merge patch to `doc`, an object of the built-in kind
/// `gvk`. Kinds without patch metadata (custom resources) get the
/// apiserver's 415 error.
pub fn apply_strategic_merge_patch(
    doc: &Value,
    patch: &Value,
    gvk: &Gvk,
) -> Result<Value, PatchError> {
    let root = root_schema(gvk)?;
    match patch {
        Value::Object(_) => strategic::apply(doc, patch, root),
        Value::Null => Ok(doc.clone()),
        other => Err(PatchError::BadRequest {
            message: json_patch::go_type_error(other, "map[string]interface {}"),
        }),
    }
}

/// The schema of a built-in kind's top-level type.
fn root_schema(gvk: &Gvk) -> Result<schema::Ty, PatchError> {
    schema::root_type(gvk)
        .map(|def| schema::Ty::Struct(def.id))
        .ok_or_else(|| PatchError::StrategicMergeUnsupported {
            kind: gvk.kind.to_string(),
        })
}

/// Creates the three-way strategic merge patch Helm sends on upgrade and
/// rollback for built-in kinds (strategicpatch's `CreateThreeWayMergePatch`):
/// deletions from `original` to `modified`, changes from `current` to
/// `modified`. With `overwrite` false (Helm passes true), changes that
/// conflict with those made from `original` to `current` are refused.
/// A `null` document stands for an empty one (Helm sends `null` when the
/// live object is gone).
pub fn create_three_way_strategic(
    original: &Value,
    modified: &Value,
    current: &Value,
    gvk: &Gvk,
    overwrite: bool,
) -> Result<Value, PatchError> {
    let root = root_schema(gvk)?;
    let (original, modified, current) = (as_doc(original)?, as_doc(modified)?, as_doc(current)?);
    strategic_diff::three_way(&original, &modified, &current, root, overwrite).map(Value::Object)
}

/// The two-way strategic merge patch from `original` to `modified`.
pub fn create_two_way_strategic(
    original: &Value,
    modified: &Value,
    gvk: &Gvk,
) -> Result<Value, PatchError> {
    let root = root_schema(gvk)?;
    let (original, modified) = (as_doc(original)?, as_doc(modified)?);
    strategic_diff::two_way(&original, &modified, root).map(Value::Object)
}

/// A document to diff: an object, or null for an empty one.
fn as_doc(value: &Value) -> Result<serde_json::Map<String, Value>, PatchError> {
    match value {
        Value::Object(map) => Ok(map.clone()),
        Value::Null => Ok(serde_json::Map::new()),
        _ => Err(PatchError::Internal {
            message: "invalid JSON document".to_string(),
        }),
    }
}
