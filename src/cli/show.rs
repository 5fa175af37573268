//! `wheelhouse show` (alias `inspect`): print a chart's definition, values,
//! README and CRDs as `helm show` prints them.
//!
//! Owns the `show` subcommands and Helm's `Show.Run` output: `Chart.yaml`
//! re-marshalled from the loaded metadata the way sigs.k8s.io/yaml writes a Go
//! struct (JSON field names, empty fields left out, keys sorted), `values.yaml`
//! as written, the first file named README (`readme.md`, `readme.txt` or
//! `readme`, any case) at the chart's top, each CRD file under `crds/` (the
//! subcharts' too) preceded by `---` unless it starts with one, and `all`
//! joining them with `---` lines; `show values --jsonpath` filters the values
//! instead (see [`jsonpath`]). Only local charts are shown; Helm's repository
//! flags (`--version`, `--repo`, ...) come with chart downloads.

mod jsonpath;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

use crate::chart::{self, Chart, Metadata};
use crate::gotmpl::{Entries, List, Map, Template, Value};

/// The `show` subcommands.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    #[command(subcommand)]
    pub what: ShowCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ShowCommand {
    /// Show all information of the chart
    All(ChartArg),
    /// Show the chart's README
    Readme(ChartArg),
    /// Show the chart's values
    Values(ValuesArgs),
    /// Show the chart's definition
    Chart(ChartArg),
    /// Show the chart's CRDs
    Crds(ChartArg),
}

/// The one argument every `show` subcommand takes.
#[derive(Debug, clap::Args)]
pub struct ChartArg {
    /// The chart directory
    #[arg(value_name = "CHART")]
    pub chart: PathBuf,
}

/// `show values` also takes a JSONPath filter.
#[derive(Debug, clap::Args)]
pub struct ValuesArgs {
    #[command(flatten)]
    pub chart: ChartArg,
    /// Supply a JSONPath expression to filter the output
    #[arg(long, value_name = "TEMPLATE")]
    pub jsonpath: Option<String>,
}

/// What `helm show` prints (Helm's `ShowOutputFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShowFormat {
    All,
    Chart,
    Values,
    Readme,
    Crds,
}

/// The names Helm takes for a README, compared without case.
const README_NAMES: &[&str] = &["readme.md", "readme.txt", "readme"];

pub fn run(args: ShowArgs) -> anyhow::Result<()> {
    let mut filter = None;
    let (format, chart) = match args.what {
        ShowCommand::All(a) => (ShowFormat::All, a.chart),
        ShowCommand::Readme(a) => (ShowFormat::Readme, a.chart),
        ShowCommand::Values(a) => {
            filter = a.jsonpath.filter(|t| !t.is_empty());
            (ShowFormat::Values, a.chart.chart)
        }
        ShowCommand::Chart(a) => (ShowFormat::Chart, a.chart),
        ShowCommand::Crds(a) => (ShowFormat::Crds, a.chart),
    };
    let loaded = chart::load(&chart)?;
    let values = loaded.values_file.clone();
    let text = match filter {
        Some(template) => filtered_values(&loaded, values.is_some(), &template)?,
        None => show(&loaded, values.as_deref(), format)?,
    };
    super::print_stdout(&text)
}

/// `show values --jsonpath`: the chart's values through the template, with
/// nothing added (not even a newline), or nothing when it has no values.yaml.
fn filtered_values(chart: &Chart, has_values: bool, template: &str) -> anyhow::Result<String> {
    let path = jsonpath::JsonPath::parse(template)
        .with_context(|| format!("error parsing jsonpath {template}"))?;
    if !has_values {
        return Ok(String::new());
    }
    Ok(path.execute(&Value::Map(Map::new(chart.values.clone()))))
}

/// Helm's `Show.Run` on a loaded chart whose `values.yaml` reads `values`.
pub fn show(chart: &Chart, values: Option<&[u8]>, format: ShowFormat) -> anyhow::Result<String> {
    let all = format == ShowFormat::All;
    let mut out = String::new();
    if all || format == ShowFormat::Chart {
        out.push_str(&chart_yaml(&chart.metadata)?);
        out.push('\n');
    }
    if (all || format == ShowFormat::Values)
        && let Some(values) = values
    {
        if all {
            out.push_str("---\n");
        }
        out.push_str(&String::from_utf8_lossy(values));
        out.push('\n');
    }
    if (all || format == ShowFormat::Readme)
        && let Some(readme) = find_readme(chart)
    {
        if all {
            out.push_str("---\n");
        }
        out.push_str(&String::from_utf8_lossy(&readme.data));
        out.push('\n');
    }
    if all || format == ShowFormat::Crds {
        for crd in crd_files(chart) {
            if !crd.data.starts_with(b"---") {
                out.push_str("---\n");
            }
            out.push_str(&String::from_utf8_lossy(&crd.data));
            out.push('\n');
        }
    }
    Ok(out)
}

/// Helm's `findReadme`: the first of the chart's files, in load order, whose
/// whole name is one of the README names.
fn find_readme(chart: &Chart) -> Option<&chart::ChartFile> {
    chart.files.iter().find(|f| {
        README_NAMES
            .iter()
            .any(|name| f.name.eq_ignore_ascii_case(name))
    })
}

/// Helm's `CRDObjects`: YAML and JSON files under `crds/`, then the
/// subcharts' in turn.
fn crd_files(chart: &Chart) -> Vec<&chart::ChartFile> {
    let manifest_ext = |name: &str| {
        let base = name.rsplit('/').next().unwrap_or(name);
        base.rfind('.').is_some_and(|dot| {
            let ext = &base[dot..];
            [".yaml", ".yml", ".json"]
                .iter()
                .any(|e| ext.eq_ignore_ascii_case(e))
        })
    };
    let mut crds: Vec<_> = chart
        .files
        .iter()
        .filter(|f| f.name.starts_with("crds/") && manifest_ext(&f.name))
        .collect();
    for dependency in &chart.dependencies {
        crds.extend(crd_files(dependency));
    }
    crds
}

/// `yaml.Marshal(chart.Metadata)` from sigs.k8s.io/yaml: the struct through
/// `encoding/json` (its `json` names, `omitempty` fields left out when empty),
/// then printed as YAML with sorted keys, ending in a newline.
fn chart_yaml(md: &Metadata) -> anyhow::Result<String> {
    let mut fields = Entries::new();
    let mut put = |key: &str, value: Value| {
        fields.insert(Arc::from(key), value);
    };
    let strings =
        |items: &[String]| Value::List(List::new(items.iter().map(|s| Value::str(s)).collect()));
    for (key, value) in [
        ("name", &md.name),
        ("home", &md.home),
        ("version", &md.version),
        ("description", &md.description),
        ("icon", &md.icon),
        ("apiVersion", &md.api_version),
        ("condition", &md.condition),
        ("tags", &md.tags),
        ("appVersion", &md.app_version),
        ("kubeVersion", &md.kube_version),
        ("type", &md.r#type),
    ] {
        if !value.is_empty() {
            put(key, Value::str(value));
        }
    }
    if !md.sources.is_empty() {
        put("sources", strings(&md.sources));
    }
    if !md.keywords.is_empty() {
        put("keywords", strings(&md.keywords));
    }
    if !md.maintainers.is_empty() {
        let maintainers = md
            .maintainers
            .iter()
            .map(|m| match m {
                None => Value::Nil,
                Some(m) => {
                    let entries: Entries =
                        [("name", &m.name), ("email", &m.email), ("url", &m.url)]
                            .into_iter()
                            .filter(|(_, v)| !v.is_empty())
                            .map(|(k, v)| (Arc::from(k), Value::str(v)))
                            .collect();
                    Value::Map(Map::new(entries))
                }
            })
            .collect();
        put("maintainers", Value::List(List::new(maintainers)));
    }
    if md.deprecated {
        put("deprecated", Value::Bool(true));
    }
    if !md.annotations.is_empty() {
        let annotations: Entries = md
            .annotations
            .iter()
            .map(|(k, v)| (Arc::from(k.as_str()), Value::str(v)))
            .collect();
        put("annotations", Value::Map(Map::new(annotations)));
    }
    let mut template = Template::new("show").with_funcs(crate::funcs::registry());
    template.parse("show", "{{ mustToYaml . }}")?;
    let yaml = template.execute("show", &Value::Map(Map::new(fields)))?;
    // Helm's toYaml drops the newline that yaml.Marshal ends with.
    Ok(yaml + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::ChartFile;
    use crate::chart::metadata::Maintainer;

    fn file(name: &str, data: &str) -> ChartFile {
        ChartFile {
            name: name.into(),
            data: data.as_bytes().to_vec(),
            modtime: None,
        }
    }

    fn chart(metadata: Metadata, files: Vec<ChartFile>) -> Chart {
        Chart {
            metadata,
            values: Entries::new(),
            values_file: None,
            templates: Vec::new(),
            files: files.into(),
            schema: None,
            dependencies: Vec::new(),
            modtime: None,
            schema_modtime: None,
        }
    }

    fn minimal() -> Metadata {
        Metadata {
            name: "demo".into(),
            version: "0.1.0".into(),
            api_version: "v2".into(),
            ..Metadata::default()
        }
    }

    // The expectations below were worked out from Helm v4.2.3's pkg/action/show.go
    // and sigs.k8s.io/yaml by hand: helm-ref has no `show` to ask.
    #[test]
    fn chart_yaml_is_sorted_and_omits_empty_fields() {
        let c = chart(minimal(), Vec::new());
        assert_eq!(
            show(&c, None, ShowFormat::Chart).unwrap(),
            "apiVersion: v2\nname: demo\nversion: 0.1.0\n\n"
        );

        let mut md = minimal();
        md.description = "A demo: with a colon".into();
        md.app_version = "1.10".into();
        md.keywords = vec!["web".into(), "yes".into()];
        md.maintainers = vec![Some(Maintainer {
            name: "Ann".into(),
            email: String::new(),
            url: "https://example.com".into(),
        })];
        md.deprecated = true;
        md.annotations = [("b".to_string(), "2".to_string()), ("a".into(), "x".into())].into();
        md.r#type = "application".into();
        md.kube_version = ">=1.20.0".into();
        let c = chart(md, Vec::new());
        assert_eq!(
            show(&c, None, ShowFormat::Chart).unwrap(),
            "annotations:\n  a: x\n  b: \"2\"\napiVersion: v2\nappVersion: \"1.10\"\n\
             deprecated: true\ndescription: 'A demo: with a colon'\nkeywords:\n- web\n- \"yes\"\n\
             kubeVersion: '>=1.20.0'\nmaintainers:\n- name: Ann\n  url: https://example.com\n\
             name: demo\ntype: application\nversion: 0.1.0\n\n"
        );
    }

    #[test]
    fn values_are_printed_as_written() {
        let c = chart(minimal(), Vec::new());
        let raw = b"# comment kept\nreplicas: 1   # and this\n";
        assert_eq!(
            show(&c, Some(raw), ShowFormat::Values).unwrap(),
            "# comment kept\nreplicas: 1   # and this\n\n"
        );
        // No values.yaml: nothing at all, not even a separator in `all`.
        assert_eq!(show(&c, None, ShowFormat::Values).unwrap(), "");
        assert_eq!(show(&c, Some(b""), ShowFormat::Values).unwrap(), "\n");
    }

    #[test]
    fn readme_by_helms_names() {
        let files = vec![
            file("docs/README.md", "not this"),
            file("README.MD", "upper"),
            file("readme.txt", "lower"),
        ];
        let c = chart(minimal(), files);
        assert_eq!(show(&c, None, ShowFormat::Readme).unwrap(), "upper\n");
        let c = chart(
            minimal(),
            vec![file("READMEs", "no"), file("Readme", "bare")],
        );
        assert_eq!(show(&c, None, ShowFormat::Readme).unwrap(), "bare\n");
        let c = chart(minimal(), vec![file("README.rst", "no")]);
        assert_eq!(show(&c, None, ShowFormat::Readme).unwrap(), "");
    }

    #[test]
    fn crds_with_separators_and_subcharts() {
        let mut parent = chart(
            minimal(),
            vec![
                file("crds/a.yaml", "kind: A\n"),
                file("crds/b.YML", "---\nkind: B"),
                file("crds/notes.txt", "skipped"),
                file("crds/nested/c.json", "{}"),
                file("other/d.yaml", "kind: D"),
            ],
        );
        let mut sub_md = minimal();
        sub_md.name = "sub".into();
        parent
            .dependencies
            .push(chart(sub_md, vec![file("crds/s.yaml", "kind: S\n")]));
        assert_eq!(
            show(&parent, None, ShowFormat::Crds).unwrap(),
            "---\nkind: A\n\n---\nkind: B\n---\n{}\n---\nkind: S\n\n"
        );
    }

    #[test]
    fn all_joins_the_parts() {
        let c = chart(
            minimal(),
            vec![
                file("README.md", "# Demo\n"),
                file("crds/a.yaml", "kind: A\n"),
            ],
        );
        assert_eq!(
            show(&c, Some(b"a: 1\n"), ShowFormat::All).unwrap(),
            "apiVersion: v2\nname: demo\nversion: 0.1.0\n\n---\na: 1\n\n---\n# Demo\n\n---\nkind: A\n\n"
        );
        let c = chart(minimal(), Vec::new());
        assert_eq!(
            show(&c, None, ShowFormat::All).unwrap(),
            "apiVersion: v2\nname: demo\nversion: 0.1.0\n\n"
        );
    }
}
