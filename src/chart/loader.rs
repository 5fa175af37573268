//! Loading a chart from a directory, as Helm's directory loader does.
//!
//! Owns walking the chart directory (symlinks followed, names in Helm's
//! `templates/x.yaml` form, UTF-8 byte-order marks dropped), sorting files into
//! `Chart.yaml`, `values.yaml`, templates and other files, and Helm's errors for
//! each step. Archives, `.helmignore` and subcharts come later; a chart that needs
//! subcharts is refused with an error saying so.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use super::metadata::{Metadata, MetadataError};
use super::yaml::{self, YamlError};
use super::{Chart, ChartFile};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The largest file Helm loads from a chart (5 MiB).
pub const MAX_FILE_SIZE: u64 = 5 * 1024 * 1024;

/// A chart could not be loaded.
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
    #[error("cannot load irregular file {} as it has file mode type bits set", .0.display())]
    Irregular(PathBuf),
    #[error("chart file {0:?} is larger than the maximum file size {MAX_FILE_SIZE}")]
    TooLarge(String),
    #[error(transparent)]
    Metadata(#[from] MetadataError),
    #[error("Chart.yaml file is missing")]
    MissingChartYaml,
    #[error("cannot load values.yaml")]
    Values(#[source] YamlError),
    #[error("cannot load {file}")]
    Lock {
        file: &'static str,
        #[source]
        source: YamlError,
    },
    #[error("unsupported chart version")]
    UnsupportedVersion,
    #[error("chart {0}: charts with apiVersion v3 are not supported yet")]
    ApiVersionV3(String),
    #[error("error unpacking subchart tar in {parent}: expected {expected}, got {got}")]
    SubchartTar {
        parent: String,
        expected: String,
        got: String,
    },
    #[error("error unpacking subchart {name} in {parent}")]
    Subchart {
        name: String,
        parent: String,
        #[source]
        source: Box<LoadError>,
    },
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
    let metadata = Metadata::parse(&String::from_utf8_lossy(strip_bom(&text)))?;
    check_api_version(&metadata)?;

    let mut files = Vec::new();
    walk(&top, "", &mut files)?;
    from_files(files)
}

/// Helm's loaders handle apiVersion v1 and v2 charts here.
fn check_api_version(metadata: &Metadata) -> Result<(), LoadError> {
    match metadata.api_version.as_str() {
        "v1" | "v2" => Ok(()),
        "v3" => Err(LoadError::ApiVersionV3(metadata.name.clone())),
        _ => Err(LoadError::UnsupportedVersion),
    }
}

/// Builds a chart from its files (names relative to the chart root), as Helm's
/// `LoadFiles`: `Chart.yaml` first, then every other file by its place, then the
/// subcharts under `charts/`, each a directory of files or a `.tgz`.
pub fn from_files(files: Vec<ChartFile>) -> Result<Chart, LoadError> {
    let mut metadata = None;
    for f in files.iter().filter(|f| f.name == "Chart.yaml") {
        metadata = Some(Metadata::parse(&String::from_utf8_lossy(&f.data))?);
    }
    let mut chart = Chart {
        metadata: metadata.clone().unwrap_or_default(),
        values: Default::default(),
        templates: Vec::new(),
        files: Vec::new(),
        schema: None,
        dependencies: Vec::new(),
    };
    let is_v1 = |c: &Chart| c.metadata.api_version == "v1";
    // Subchart files by subchart directory (or archive) name, in name order.
    let mut subcharts: BTreeMap<String, Vec<ChartFile>> = BTreeMap::new();
    for file in files {
        match file.name.as_str() {
            "Chart.yaml" => {}
            "Chart.lock" => check_lock(&file, "Chart.lock")?,
            "values.yaml" => {
                let text = String::from_utf8_lossy(&file.data);
                chart.values = yaml::load_values(&text).map_err(LoadError::Values)?;
            }
            "values.schema.json" => chart.schema = Some(file.data),
            "requirements.yaml" => {
                chart
                    .metadata
                    .apply_requirements(&String::from_utf8_lossy(&file.data))?;
                if is_v1(&chart) {
                    chart.files.push(file);
                }
            }
            "requirements.lock" => {
                check_lock(&file, "requirements.lock")?;
                if is_v1(&chart) {
                    chart.files.push(file);
                }
            }
            name if name.starts_with("templates/") => chart.templates.push(file),
            name if name.starts_with("charts/") => {
                if name.ends_with(".prov") {
                    chart.files.push(file);
                    continue;
                }
                let rest = &name["charts/".len()..];
                let sub = rest.split('/').next().unwrap_or(rest).to_string();
                let name = rest.to_string();
                subcharts.entry(sub).or_default().push(ChartFile {
                    name,
                    data: file.data,
                });
            }
            _ => chart.files.push(file),
        }
    }
    if metadata.is_none() {
        return Err(LoadError::MissingChartYaml);
    }
    chart.metadata.validate()?;

    for (name, files) in subcharts {
        if name.starts_with('_') || name.starts_with('.') {
            continue;
        }
        let sub = load_subchart(&chart, &name, files).map_err(|e| match e {
            e @ LoadError::SubchartTar { .. } => e,
            e => LoadError::Subchart {
                name: name.clone(),
                parent: chart.name().to_string(),
                source: Box::new(e),
            },
        })?;
        chart.dependencies.push(sub);
    }
    Ok(chart)
}

fn load_subchart(parent: &Chart, name: &str, files: Vec<ChartFile>) -> Result<Chart, LoadError> {
    if name.ends_with(".tgz") {
        let first = files.into_iter().next();
        return match first {
            Some(f) if f.name == name => Err(LoadError::Archive(format!(
                "{}/charts/{name}",
                parent.name()
            ))),
            other => Err(LoadError::SubchartTar {
                parent: parent.name().to_string(),
                expected: name.to_string(),
                got: other.map(|f| f.name).unwrap_or_default(),
            }),
        };
    }
    // Files directly in `charts/` that are not archives belong to no chart.
    let files = files
        .into_iter()
        .filter_map(|f| {
            let (_, rest) = f.name.split_once('/')?;
            Some(ChartFile {
                name: rest.to_string(),
                data: f.data,
            })
        })
        .collect();
    from_files(files)
}

/// Helm decodes lock files while loading; only their YAML must be sound here.
fn check_lock(file: &ChartFile, name: &'static str) -> Result<(), LoadError> {
    yaml::parse(&String::from_utf8_lossy(&file.data))
        .map(drop)
        .map_err(|source| LoadError::Lock { file: name, source })
}

fn strip_bom(data: &[u8]) -> &[u8] {
    data.strip_prefix(UTF8_BOM).unwrap_or(data)
}

/// Collects every regular file under `dir` (named relative to the chart, with
/// `/`), in lexical order, following symlinks as Helm's walker does. Helm's one
/// default ignore rule applies: hidden entries directly under `templates/`.
fn walk(dir: &Path, prefix: &str, out: &mut Vec<ChartFile>) -> Result<(), LoadError> {
    let read_err = |source| LoadError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries = std::fs::read_dir(dir)
        .map_err(read_err)?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(read_err)?;
    entries.sort();
    for name in entries {
        let name = name.to_string_lossy().into_owned();
        let rel = format!("{prefix}{name}");
        let path = dir.join(&name);
        if prefix == "templates/" && name.starts_with('.') && name.len() > 1 {
            continue;
        }
        let meta = std::fs::metadata(&path).map_err(|source| LoadError::Read {
            path: path.clone(),
            source,
        })?;
        if meta.is_dir() {
            walk(&path, &format!("{rel}/"), out)?;
            continue;
        }
        if !meta.is_file() {
            return Err(LoadError::Irregular(path));
        }
        if meta.len() > MAX_FILE_SIZE {
            return Err(LoadError::TooLarge(name));
        }
        let data = std::fs::read(&path).map_err(|source| LoadError::Read {
            path: path.clone(),
            source,
        })?;
        out.push(ChartFile {
            name: rel,
            data: strip_bom(&data).to_vec(),
        });
    }
    Ok(())
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
    fn loads_subcharts_in_charts_dir() {
        let dir = chart_dir(&[
            ("Chart.yaml", "apiVersion: v2\nname: demo\nversion: 0.1.0\n"),
            (
                "charts/sub/Chart.yaml",
                "apiVersion: v2\nname: sub\nversion: 0.2.0\n",
            ),
            ("charts/sub/templates/a.yaml", "a"),
            (
                "charts/sub/charts/deep/Chart.yaml",
                "apiVersion: v2\nname: deep\nversion: 0.3.0\n",
            ),
            ("charts/_skipped/Chart.yaml", "not: read"),
            ("charts/sub.prov", "signature"),
        ]);
        let chart = load_dir(dir.path()).unwrap();
        assert_eq!(chart.dependencies.len(), 1);
        let sub = &chart.dependencies[0];
        assert_eq!(sub.name(), "sub");
        assert_eq!(sub.templates[0].name, "templates/a.yaml");
        assert_eq!(sub.dependencies[0].metadata.version, "0.3.0");
        assert_eq!(chart.files[0].name, "charts/sub.prov");
    }

    #[test]
    fn a_broken_subchart_names_its_parent() {
        let dir = chart_dir(&[
            ("Chart.yaml", "apiVersion: v2\nname: demo\nversion: 0.1.0\n"),
            ("charts/sub/values.yaml", "a: 1\n"),
            ("charts/notes.txt", "x"),
        ]);
        let err = load_dir(dir.path()).unwrap_err();
        assert_eq!(
            format!("{:#}", anyhow::Error::from(err)),
            "error unpacking subchart notes.txt in demo: Chart.yaml file is missing"
        );
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
