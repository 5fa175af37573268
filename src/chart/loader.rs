//! Loading a chart, as Helm's loader does: from a directory (read by
//! [`super::dir`], `.helmignore` honoured) or a `.tgz` (read by
//! [`super::archive`]), the files then sorted into `Chart.yaml`, values, schema,
//! templates, other files and subcharts under `charts/` (directories or
//! archives, nested to any depth), with Helm's errors for each step.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;

use super::archive::{self, ArchiveError};
use super::dir::{DirError, read_dir_files, strip_bom};
use super::metadata::{Metadata, MetadataError};
use super::yaml::{self, YamlError};
use super::{Chart, ChartFile};

/// A chart could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Helm's words when a chart path does not exist.
    #[error("path {0:?} not found")]
    NotFound(String),
    /// A chart archive Helm can't read; the detail says why.
    #[error("unable to load chart archive {path}")]
    Archive {
        path: String,
        #[source]
        source: ArchiveError,
    },
    /// Not gzip data: Helm's words.
    #[error("file '{0}' does not appear to be a valid chart file (details: gzip: invalid header)")]
    NotChartFile(String),
    #[error(transparent)]
    NotArchive(ArchiveError),
    /// An archive subchart's files could not be read.
    #[error(transparent)]
    SubchartArchive(ArchiveError),
    #[error("unable to detect chart version, no Chart.yaml found")]
    NoChartVersion,
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
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|_| LoadError::NotFound(shown.clone()))?;
    if meta.is_dir() {
        load_dir(path)
    } else {
        load_archive_file(path)
    }
}

/// Loads a chart archive (`.tgz`), as Helm's `LoadFile`: a file that is not a
/// gzipped archive is refused before decoding, and the archive's `Chart.yaml`
/// picks the chart format.
pub fn load_archive_file(path: &Path) -> Result<Chart, LoadError> {
    let shown = path.display().to_string();
    let read_error = |source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(read_error)?;
    archive::ensure_archive(&shown, &mut file).map_err(LoadError::NotArchive)?;
    let files =
        archive::read_archive_files(std::io::BufReader::new(file)).map_err(|e| match e {
            ArchiveError::NotGzip => LoadError::NotChartFile(shown.clone()),
            source => LoadError::Archive {
                path: shown.clone(),
                source,
            },
        })?;
    let Some(chart_yaml) = files.iter().find(|f| f.name == "Chart.yaml") else {
        return Err(LoadError::NoChartVersion);
    };
    let metadata = Metadata::parse(&String::from_utf8_lossy(&chart_yaml.data))?;
    check_api_version(&metadata)?;
    from_files(files)
}

/// Loads the chart in directory `dir` ([`load`] decides a path is one).
pub fn load_dir(dir: &Path) -> Result<Chart, LoadError> {
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

    let files = read_dir_files(&top)?;
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
    let mut modtime = None;
    for f in files.iter().filter(|f| f.name == "Chart.yaml") {
        metadata = Some(Metadata::parse(&String::from_utf8_lossy(&f.data))?);
        modtime = f.modtime;
    }
    let mut chart = Chart {
        metadata: metadata.clone().unwrap_or_default(),
        values: Default::default(),
        values_file: None,
        templates: Vec::new(),
        files: Default::default(),
        schema: None,
        dependencies: Vec::new(),
        modtime,
        schema_modtime: None,
    };
    // Files for `.Files`, shared once the chart is built.
    let mut files_kept = Vec::new();
    let is_v1 = |c: &Chart| c.metadata.api_version == "v1";
    // Subchart files by subchart directory (or archive) name, in name order.
    let mut subcharts: BTreeMap<String, Vec<ChartFile>> = BTreeMap::new();
    for file in files {
        match file.name.as_str() {
            "Chart.yaml" => {}
            "Chart.lock" => check_lock(&file, "Chart.lock")?,
            "values.yaml" => {
                let text = String::from_utf8_lossy(&file.data).into_owned();
                chart.values = yaml::load_values(&text).map_err(LoadError::Values)?;
                chart.values_file = Some(file.data);
            }
            "values.schema.json" => {
                chart.schema_modtime = file.modtime;
                chart.schema = Some(file.data);
            }
            "requirements.yaml" => {
                chart
                    .metadata
                    .apply_requirements(&String::from_utf8_lossy(&file.data))?;
                if is_v1(&chart) {
                    files_kept.push(file);
                }
            }
            "requirements.lock" => {
                check_lock(&file, "requirements.lock")?;
                if is_v1(&chart) {
                    files_kept.push(file);
                }
            }
            name if name.starts_with("templates/") => chart.templates.push(file),
            name if name.starts_with("charts/") => {
                if name.ends_with(".prov") {
                    files_kept.push(file);
                    continue;
                }
                let rest = &name["charts/".len()..];
                let sub = rest.split('/').next().unwrap_or(rest).to_string();
                let name = rest.to_string();
                subcharts.entry(sub).or_default().push(ChartFile {
                    name,
                    data: file.data,
                    modtime: file.modtime,
                });
            }
            _ => files_kept.push(file),
        }
    }
    chart.files = Arc::new(files_kept);
    if metadata.is_none() {
        return Err(LoadError::MissingChartYaml);
    }
    chart.metadata.validate()?;

    // Subcharts stand alone until they are attached, so they load on every
    // core; the first error in name order is reported, as when loading in turn.
    // Each worker takes its subchart's files out of their slot instead of
    // copying them.
    let subcharts: Vec<(String, Mutex<Vec<ChartFile>>)> = subcharts
        .into_iter()
        .filter(|(name, _)| !name.starts_with('_') && !name.starts_with('.'))
        .map(|(name, files)| (name, Mutex::new(files)))
        .collect();
    let loaded = crate::render::cores::map_in_order(&subcharts, |(name, files)| {
        load_subchart(&chart, name, std::mem::take(&mut *files.lock()))
    });
    for ((name, _), sub) in subcharts.iter().zip(loaded) {
        let sub = sub.map_err(|e| match e {
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
            Some(f) if f.name == name => {
                let files = archive::read_archive_files(f.data.as_slice())
                    .map_err(LoadError::SubchartArchive)?;
                from_files(files)
            }
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
                modtime: f.modtime,
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

        let err = load(Path::new("/nonexistent/chart"))
            .unwrap_err()
            .to_string();
        assert_eq!(err, "path \"/nonexistent/chart\" not found");
    }
}
