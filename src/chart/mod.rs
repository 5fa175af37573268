//! Charts: loading a chart directory, reading its YAML the way Helm does, and
//! building the data its templates see.
//!
//! Owns the chart model (metadata, default values, templates, other files), the
//! directory loader, YAML decoding with Helm's rules, values coalescing, and the
//! built-in objects Helm derives from a chart (`.Chart`, `.Release`,
//! `.Capabilities`). Knows nothing of template execution: `render` takes it from
//! here.

pub mod archive;
pub mod capabilities;
pub mod coalesce;
pub mod dependencies;
pub mod dir;
pub mod ignore;
pub mod loader;
pub mod metadata;
pub mod name;
pub mod render_values;
pub mod schema;
pub mod strvals;
pub mod table;
pub mod value_options;
pub mod yaml;

pub use capabilities::Capabilities;
pub use loader::{LoadError, load, load_dir};
pub use metadata::Metadata;
pub use render_values::{ReleaseOptions, to_render_values};

use std::sync::Arc;

use crate::gotmpl::Entries;

/// A loaded chart.
#[derive(Debug, Clone, Default)]
pub struct Chart {
    pub metadata: Metadata,
    /// The chart's `values.yaml`, or empty when it has none.
    pub values: Entries,
    /// `values.yaml` as written (what `helm show values` prints), if any.
    pub values_file: Option<Vec<u8>>,
    /// Files under `templates/`, named `templates/...`, in lexical order.
    pub templates: Vec<ChartFile>,
    /// Every other file (`crds/` included), shared with every render's `.Files`.
    pub files: Arc<Vec<ChartFile>>,
    /// `values.schema.json`, as written, when the chart has one.
    pub schema: Option<Vec<u8>>,
    /// Subcharts found under `charts/` (directories or archives), in Helm's
    /// order; which of them render is decided by dependency processing.
    pub dependencies: Vec<Chart>,
    /// `Chart.yaml`'s and `values.schema.json`'s modification times, which
    /// Helm records as the chart's `modtime` and `schemamodtime`.
    pub modtime: Option<std::time::SystemTime>,
    pub schema_modtime: Option<std::time::SystemTime>,
}

/// One file of a chart, named relative to the chart directory with `/`.
#[derive(Debug, Clone)]
pub struct ChartFile {
    pub name: String,
    pub data: Vec<u8>,
    /// When the file was last modified (its mtime, or the archive entry's);
    /// release records keep it as Helm does.
    pub modtime: Option<std::time::SystemTime>,
}

impl Chart {
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// Helm's `CRDObjects`: every `crds/*.{yaml,yml,json}` file of this chart and
    /// its subcharts, named by the chart's full path (`top/charts/sub/crds/x.yaml`).
    pub fn crd_objects(&self) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        self.collect_crds(self.name(), &mut out);
        out
    }

    fn collect_crds(&self, full_path: &str, out: &mut Vec<(String, Vec<u8>)>) {
        for f in self.files.iter() {
            let ext = f.name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
            let manifest = matches!(ext.as_deref(), Some("yaml" | "yml" | "json"));
            if f.name.starts_with("crds/") && manifest {
                out.push((format!("{full_path}/{}", f.name), f.data.clone()));
            }
        }
        for dep in &self.dependencies {
            dep.collect_crds(&format!("{full_path}/charts/{}", dep.name()), out);
        }
    }

    /// Helm's `checkIfInstallable`: only application charts render on their own.
    pub fn check_installable(&self) -> Result<(), NotInstallable> {
        match self.metadata.r#type.as_str() {
            "" | "application" => Ok(()),
            other => Err(NotInstallable(other.to_string())),
        }
    }
}

/// Helm refuses to install (or template) library charts.
#[derive(Debug, thiserror::Error)]
#[error("{0} charts are not installable")]
pub struct NotInstallable(pub String);
