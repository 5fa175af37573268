//! Loading a chart from a directory, as Helm's directory loader does.
//!
//! Owns walking the chart directory (symlinks followed, names in Helm's
//! `templates/x.yaml` form, UTF-8 byte-order marks dropped), sorting files into
//! `Chart.yaml`, `values.yaml`, templates and other files, and Helm's errors for
//! each step. Archives, `.helmignore` and subcharts come later; a chart that needs
//! subcharts is refused with an error saying so.

use std::io;
use std::path::{Path, PathBuf};

use super::Chart;
use super::dir::{DirError, read_dir_files, strip_bom};
use super::metadata::{Metadata, MetadataError};
use super::yaml::{self, YamlError};

/// A chart directory could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Helm's words when a chart path does not exist.
    #[error("path {0:?} not found")]
    NotFound(String),
    #[error("{0}: chart archives are not supported yet; pass an unpacked chart directory")]
    Archive(String),
    #[error("unable to detect chart at {}", .path.display())]
    NoChartYaml {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("error reading {}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Dir(#[from] DirError),
    #[error(transparent)]
    Metadata(#[from] MetadataError),
    #[error("cannot load values.yaml")]
    Values(#[source] YamlError),
    #[error("unsupported chart version")]
    UnsupportedVersion,
    #[error("chart {0}: charts with apiVersion v3 are not supported yet")]
    ApiVersionV3(String),
    #[error("chart {chart}: subcharts are not supported yet ({reason})")]
    Subcharts { chart: String, reason: String },
}

/// Loads a chart from a directory or a chart archive, as Helm's `loader.Load`.
pub fn load(path: &Path) -> Result<Chart, LoadError> {
    load_dir(path)
}

/// Loads the chart in directory `dir`.
pub fn load_dir(dir: &Path) -> Result<Chart, LoadError> {
    let shown = dir.display().to_string();
    let meta = std::fs::metadata(dir).map_err(|_| LoadError::NotFound(shown.clone()))?;
    if !meta.is_dir() {
        return Err(LoadError::Archive(shown));
    }
    let top = std::path::absolute(dir).map_err(|source| LoadError::Read {
        path: dir.to_path_buf(),
        source,
    })?;

    // Helm reads `apiVersion` first to pick a loader for the chart's format.
    let chart_yaml = top.join("Chart.yaml");
    let text = std::fs::read(&chart_yaml).map_err(|source| LoadError::NoChartYaml {
        path: chart_yaml.clone(),
        source,
    })?;
    let text = String::from_utf8_lossy(strip_bom(&text)).into_owned();
    let mut metadata = Metadata::parse(&text)?;
    match metadata.api_version.as_str() {
        "v1" | "v2" => {}
        "v3" => return Err(LoadError::ApiVersionV3(metadata.name)),
        _ => return Err(LoadError::UnsupportedVersion),
    }

    let files = read_dir_files(&top)?;

    let mut chart = Chart {
        metadata: Metadata::default(),
        values: Default::default(),
        templates: Vec::new(),
        files: Vec::new(),
        schema: None,
        dependencies: Vec::new(),
    };
    let mut subcharts = Vec::new();
    for file in files {
        match file.name.as_str() {
            "Chart.yaml" | "Chart.lock" | "requirements.lock" => {}
            "values.schema.json" => chart.schema = Some(file.data),
            "values.yaml" => {
                let text = String::from_utf8_lossy(&file.data);
                chart.values = yaml::load_values(&text).map_err(LoadError::Values)?;
            }
            "requirements.yaml" => {
                if metadata.api_version == "v1" {
                    subcharts.push("requirements.yaml declares dependencies".to_string());
                }
            }
            name if name.starts_with("templates/") => chart.templates.push(file),
            name if name.starts_with("charts/") => {
                let rest = &name["charts/".len()..];
                let sub = rest.split('/').next().unwrap_or(rest);
                let skipped = sub.starts_with('_') || sub.starts_with('.');
                if !skipped && !name.ends_with(".prov") {
                    subcharts.push(format!("found charts/{sub}"));
                }
            }
            _ => chart.files.push(file),
        }
    }
    metadata.validate()?;
    if metadata.dependencies > 0 {
        subcharts.push("Chart.yaml declares dependencies".to_string());
    }
    if let Some(reason) = subcharts.into_iter().next() {
        return Err(LoadError::Subcharts {
            chart: metadata.name,
            reason,
        });
    }
    chart.metadata = metadata;
    Ok(chart)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    #[test]
    fn sorts_files_like_helm() {
        let dir = chart_dir(&[
            (
                "Chart.yaml",
                "\u{feff}apiVersion: v2\nname: demo\nversion: 0.1.0\n",
            ),
            ("values.yaml", "replicas: 2\n"),
            ("templates/b.yaml", "b"),
            ("templates/sub/a.yaml", "a"),
            ("templates/.hidden", "x"),
            ("templates/_helpers.tpl", "h"),
            ("README.md", "r"),
        ]);
        let chart = load_dir(dir.path()).unwrap();
        assert_eq!(chart.metadata.name, "demo");
        let names: Vec<_> = chart.templates.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "templates/_helpers.tpl",
                "templates/b.yaml",
                "templates/sub/a.yaml"
            ]
        );
        assert_eq!(chart.files.len(), 1);
        assert!(chart.values.contains_key("replicas"));
    }

    #[test]
    fn refuses_what_is_not_supported_yet() {
        let dir = chart_dir(&[
            ("Chart.yaml", "apiVersion: v2\nname: demo\nversion: 0.1.0\n"),
            (
                "charts/sub/Chart.yaml",
                "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
            ),
        ]);
        let err = load_dir(dir.path()).unwrap_err().to_string();
        assert_eq!(
            err,
            "chart demo: subcharts are not supported yet (found charts/sub)"
        );

        let dir = chart_dir(&[(
            "Chart.yaml",
            "apiVersion: v2\nname: demo\nversion: 0.1.0\ndependencies:\n- name: x\n",
        )]);
        let err = load_dir(dir.path()).unwrap_err().to_string();
        assert!(err.contains("subcharts are not supported yet"), "{err}");
    }

    #[test]
    fn names_the_problem() {
        let dir = chart_dir(&[("values.yaml", "a: 1\n")]);
        let err = load_dir(dir.path()).unwrap_err().to_string();
        assert!(err.starts_with("unable to detect chart at "), "{err}");
        assert!(err.ends_with("/Chart.yaml"), "{err}");

        let dir = chart_dir(&[
            ("Chart.yaml", "apiVersion: v2\nname: demo\nversion: 0.1.0\n"),
            ("values.yaml", "- a\n"),
        ]);
        let err = load_dir(dir.path()).unwrap_err();
        assert_eq!(err.to_string(), "cannot load values.yaml");

        let dir = chart_dir(&[("Chart.yaml", "apiVersion: v9\nname: demo\nversion: 0.1.0\n")]);
        let err = load_dir(dir.path()).unwrap_err().to_string();
        assert_eq!(err, "unsupported chart version");

        let err = load_dir(Path::new("/nonexistent/chart"))
            .unwrap_err()
            .to_string();
        assert_eq!(err, "path \"/nonexistent/chart\" not found");
    }
}
