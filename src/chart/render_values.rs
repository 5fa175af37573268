//! The top-level object a chart's templates see, as Helm builds it.
//!
//! Owns Helm's `ToRenderValues`: `.Release`, `.Chart`, `.Capabilities`, and the
//! coalesced (and schema-checked) `.Values`. The per-chart shape each template
//! sees (`.Chart.IsRoot`, `.Subcharts`, `.Files`) is built from it by
//! `render::chart_templates`; `.Template` by the engine while a file renders.

use std::sync::Arc;

use crate::gotmpl::{ElemType, Entries, Map, Value};

use super::Chart;
use super::capabilities::Capabilities;
use super::coalesce::{TypeMismatch, coalesce_values};
use super::schema::{SchemaError, validate_values};

/// Helm's Go type name for the values map and the top-level object.
pub const VALUES_TYPE: &str = "common.Values";

/// Helm's `ReleaseOptions`: what `.Release` tells a template.
#[derive(Debug, Clone)]
pub struct ReleaseOptions {
    pub name: String,
    pub namespace: String,
    pub revision: i64,
    pub is_install: bool,
    pub is_upgrade: bool,
    /// `--skip-schema-validation`: don't check values against `values.schema.json`.
    pub skip_schema_validation: bool,
}

/// The values could not be built for rendering.
#[derive(Debug, thiserror::Error)]
pub enum RenderValuesError {
    #[error(transparent)]
    Coalesce(#[from] TypeMismatch),
    #[error(transparent)]
    Schema(#[from] SchemaError),
}

/// Helm's `ToRenderValues`: a `common.Values` map with `Capabilities`, `Chart`,
/// `Release` and the chart tree's coalesced `Values`, from which the engine
/// derives what each chart's templates see. Coalescing warnings are added to
/// `warnings`.
pub fn to_render_values(
    chart: &Chart,
    user_values: &Entries,
    options: &ReleaseOptions,
    caps: Arc<Capabilities>,
    warnings: &mut Vec<String>,
) -> Result<Value, RenderValuesError> {
    let release = Entries::from([
        (Arc::from("Name"), Value::str(&options.name)),
        (Arc::from("Namespace"), Value::str(&options.namespace)),
        (Arc::from("IsUpgrade"), Value::Bool(options.is_upgrade)),
        (Arc::from("IsInstall"), Value::Bool(options.is_install)),
        (Arc::from("Revision"), Value::int(options.revision)),
        (Arc::from("Service"), Value::str("Helm")),
    ]);
    let values = coalesce_values(chart, user_values, warnings)?;
    if !options.skip_schema_validation {
        validate_values(chart, &values)?;
    }
    let top = Entries::from([
        (Arc::from("Capabilities"), Value::Object(caps)),
        (Arc::from("Chart"), chart.metadata.to_value(false)),
        (Arc::from("Release"), Value::Map(Map::new(release))),
        (
            Arc::from("Values"),
            Value::Map(Map::typed(values, ElemType::Interface, Some(VALUES_TYPE))),
        ),
    ]);
    Ok(Value::Map(Map::typed(
        top,
        ElemType::Interface,
        Some(VALUES_TYPE),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::Metadata;

    #[test]
    fn types_match_helm() {
        let chart = Chart {
            metadata: Metadata {
                name: "probe".into(),
                version: "0.1.0".into(),
                api_version: "v2".into(),
                ..Metadata::default()
            },
            values: Entries::new(),
            values_file: None,
            templates: Vec::new(),
            files: Default::default(),
            schema: None,
            dependencies: Vec::new(),
            modtime: None,
            schema_modtime: None,
        };
        let options = ReleaseOptions {
            name: "release-name".into(),
            namespace: "default".into(),
            revision: 1,
            is_install: true,
            is_upgrade: false,
            skip_schema_validation: false,
        };
        let top = to_render_values(
            &chart,
            &Entries::new(),
            &options,
            Arc::new(Capabilities::client_only()),
            &mut Vec::new(),
        )
        .unwrap();
        // Helm: `printf "%T"` of ., .Values, .Release, .Release.Revision, .Chart,
        // .Capabilities and .Subcharts.
        assert_eq!(top.type_name(), "common.Values");
        let Value::Map(top) = top else { panic!() };
        let ty = |k: &str| top.get(k).map(|v| v.type_name().into_owned());
        assert_eq!(ty("Values").as_deref(), Some("common.Values"));
        assert_eq!(ty("Release").as_deref(), Some("map[string]interface {}"));
        assert_eq!(ty("Chart").as_deref(), Some("map[string]interface {}"));
        assert_eq!(ty("Capabilities").as_deref(), Some("*common.Capabilities"));
        let Some(Value::Map(release)) = top.get("Release") else {
            panic!()
        };
        assert_eq!(
            release
                .get("Revision")
                .map(|v| v.type_name().into_owned())
                .as_deref(),
            Some("int")
        );
        let Some(Value::Map(meta)) = top.get("Chart") else {
            panic!()
        };
        assert_eq!(
            meta.get("Annotations")
                .map(|v| v.type_name().into_owned())
                .as_deref(),
            Some("map[string]string")
        );
    }
}
