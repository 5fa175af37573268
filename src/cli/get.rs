//! `wheelhouse get values|manifest|notes|hooks|metadata|all NAME`: one
//! revision's stored parts, printed as `helm get` prints them
//! (`cmd/get_*.go`, `action/get_metadata.go`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::gotmpl::{Entries, Template, Value};
use crate::release::{Dependency, GoTime, Hook, Metadata, Release};

use super::output::{
    ColorArgs, Format, Palette, RFC3339, encode_json, encode_json_value, encode_yaml,
    encode_yaml_value, format_time,
};
use super::releases::{labels_string, release_content, runtime};
use super::resources::ResourceTables;
use super::status::{Detail, computed_values, config_value, render_table};
use super::{Settings, print_stdout};

/// Download extended information of a named release
///
/// Prints parts of a stored revision: the values used to render it, the
/// rendered manifest, the chart's notes, the hooks, the release's metadata,
/// or all of them.
#[derive(Debug, clap::Args)]
pub struct GetArgs {
    #[command(subcommand)]
    pub part: GetPart,
}

/// The release and revision every `get` subcommand names.
#[derive(Debug, clap::Args)]
pub struct Target {
    /// The release
    #[arg(value_name = "RELEASE_NAME")]
    pub name: String,
    /// Get the named release with revision
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub revision: i64,
}

#[derive(Debug, clap::Subcommand)]
pub enum GetPart {
    /// Download all information for a named release
    All {
        #[command(flatten)]
        target: Target,
        /// Go template for formatting the output, eg: {{.Release.Name}}
        #[arg(
            long,
            value_name = "TEMPLATE",
            default_value = "",
            hide_default_value = true
        )]
        template: String,
        #[command(flatten)]
        color: ColorArgs,
    },
    /// Download the values file for a named release
    Values {
        #[command(flatten)]
        target: Target,
        /// Dump all (computed) values
        #[arg(short = 'a', long)]
        all: bool,
        /// Prints the output in the specified format
        #[arg(short = 'o', long, value_enum, default_value_t = Format::Table)]
        output: Format,
    },
    /// Download the manifest for a named release
    Manifest {
        #[command(flatten)]
        target: Target,
    },
    /// Download all hooks for a named release
    Hooks {
        #[command(flatten)]
        target: Target,
    },
    /// Download the notes for a named release
    Notes {
        #[command(flatten)]
        target: Target,
    },
    /// This command fetches metadata for a given release
    Metadata {
        #[command(flatten)]
        target: Target,
        /// Prints the output in the specified format
        #[arg(short = 'o', long, value_enum, default_value_t = Format::Table)]
        output: Format,
    },
}

impl GetPart {
    fn target(&self) -> &Target {
        match self {
            GetPart::All { target, .. }
            | GetPart::Values { target, .. }
            | GetPart::Manifest { target }
            | GetPart::Hooks { target }
            | GetPart::Notes { target }
            | GetPart::Metadata { target, .. } => target,
        }
    }
}

/// `helm get values`: the user's values, or with `--all` the chart's
/// defaults under them.
pub fn values(release: &Release, all: bool, format: Format) -> anyhow::Result<String> {
    let values = if all {
        computed_values(release)?
    } else {
        config_value(release)
    };
    match format {
        Format::Json => encode_json_value(&values),
        Format::Yaml => encode_yaml_value(&values),
        Format::Table => {
            let title = if all {
                "COMPUTED VALUES:\n"
            } else {
                "USER-SUPPLIED VALUES:\n"
            };
            Ok(format!("{title}{}", encode_yaml_value(&values)?))
        }
    }
}

/// `helm get manifest`.
pub fn manifest(release: &Release) -> String {
    format!("{}\n", release.manifest)
}

/// `helm get hooks`: every hook after a `---` and its source.
pub fn hooks(release: &Release) -> String {
    release
        .hooks
        .iter()
        .map(|h| format!("---\n# Source: {}\n{}\n", h.path, h.manifest))
        .collect()
}

/// `helm get notes`: nothing at all when the release has none.
pub fn notes(release: &Release) -> String {
    let notes = release
        .info
        .as_ref()
        .map(|i| i.notes.as_str())
        .unwrap_or_default();
    if notes.is_empty() {
        String::new()
    } else {
        format!("NOTES:\n{notes}\n")
    }
}

/// `action.Metadata`, with Helm's JSON names.
#[derive(Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseMetadata {
    pub name: String,
    pub chart: String,
    pub version: String,
    pub app_version: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Dependency>,
    pub namespace: String,
    pub revision: i64,
    pub status: String,
    pub deployed_at: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub apply_method: String,
}

impl ReleaseMetadata {
    pub fn new(release: &Release) -> ReleaseMetadata {
        let metadata = release
            .chart
            .as_ref()
            .and_then(|c| c.metadata.clone())
            .unwrap_or_default();
        ReleaseMetadata {
            name: release.name.clone(),
            chart: metadata.name,
            version: metadata.version,
            app_version: metadata.app_version,
            annotations: metadata.annotations,
            labels: release.labels.clone(),
            dependencies: metadata.dependencies,
            namespace: release.namespace.clone(),
            revision: release.version,
            status: release.status().to_string(),
            deployed_at: format_time(&release.last_deployed(), RFC3339),
            apply_method: release.apply_method.clone(),
        }
    }

    /// `metadataWriter.WriteTable`.
    pub fn table(&self) -> String {
        let mut dependencies: Vec<&str> =
            self.dependencies.iter().map(|d| d.name.as_str()).collect();
        dependencies.sort_unstable();
        let apply_method = match self.apply_method.as_str() {
            "" => "client-side apply (defaulted)".to_owned(),
            "csa" => "client-side apply".to_owned(),
            "ssa" => "server-side apply".to_owned(),
            other => format!("unknown ({other:?})"),
        };
        format!(
            "NAME: {}\nCHART: {}\nVERSION: {}\nAPP_VERSION: {}\nANNOTATIONS: {}\nLABELS: {}\nDEPENDENCIES: {}\nNAMESPACE: {}\nREVISION: {}\nSTATUS: {}\nDEPLOYED_AT: {}\nAPPLY_METHOD: {}\n",
            self.name,
            self.chart,
            self.version,
            self.app_version,
            labels_string(&self.annotations),
            labels_string(&self.labels),
            dependencies.join(","),
            self.namespace,
            self.revision,
            self.status,
            self.deployed_at,
            apply_method,
        )
    }
}

/// `helm get metadata`.
pub fn metadata(release: &Release, format: Format) -> anyhow::Result<String> {
    let metadata = ReleaseMetadata::new(release);
    match format {
        Format::Table => Ok(metadata.table()),
        Format::Json => encode_json(&metadata),
        Format::Yaml => encode_yaml(&metadata),
    }
}

/// `helm get all`: the status printer with values, hooks and manifest.
pub fn all(release: &Release, palette: Palette) -> anyhow::Result<String> {
    let detail = Detail {
        debug: true,
        show_metadata: true,
    };
    render_table(release, &ResourceTables::default(), detail, palette)
}

/// `helm get all --template`: a plain Go template (no Sprig, no Helm
/// functions) over `{"Release": release}`, the release with its Go field
/// names. Times print as Go's `Time.String()`.
pub fn with_template(release: &Release, template: &str) -> anyhow::Result<String> {
    let mut set = Template::new("_");
    set.parse("_", template)?;
    let data = Value::from(entries([("Release", release_value(release))]));
    Ok(set.execute("_", &data)?)
}

fn entries<const N: usize>(pairs: [(&str, Value); N]) -> Entries {
    pairs.into_iter().map(|(k, v)| (k.into(), v)).collect()
}

fn strings(items: &[String]) -> Value {
    Value::from(
        items
            .iter()
            .map(|s| Value::from(s.as_str()))
            .collect::<Vec<_>>(),
    )
}

fn string_map(map: &BTreeMap<String, String>) -> Value {
    Value::from(
        map.iter()
            .map(|(k, v)| (k.as_str().into(), Value::from(v.as_str())))
            .collect::<Entries>(),
    )
}

fn time_value(time: &GoTime) -> Value {
    Value::from(format_time(time, super::output::GO_TIME_STRING))
}

fn json_map(map: &serde_json::Map<String, serde_json::Value>) -> Value {
    Value::from_json(&serde_json::Value::Object(map.clone()))
}

fn release_value(release: &Release) -> Value {
    let info = release.info.clone().unwrap_or_default();
    let info = Value::from(entries([
        ("FirstDeployed", time_value(&info.first_deployed)),
        ("LastDeployed", time_value(&info.last_deployed)),
        ("Deleted", time_value(&info.deleted)),
        ("Description", Value::from(info.description.as_str())),
        ("Status", Value::from(info.status.as_str())),
        ("Notes", Value::from(info.notes.as_str())),
    ]));
    let chart = match &release.chart {
        None => Value::Nil,
        Some(chart) => Value::from(entries([
            (
                "Metadata",
                chart.metadata.as_ref().map_or(Value::Nil, metadata_value),
            ),
            ("Values", chart.values.as_ref().map_or(Value::Nil, json_map)),
        ])),
    };
    Value::from(entries([
        ("Name", Value::from(release.name.as_str())),
        ("Info", info),
        ("Chart", chart),
        (
            "Config",
            if release.config.is_empty() {
                Value::Nil
            } else {
                json_map(&release.config)
            },
        ),
        ("Manifest", Value::from(release.manifest.as_str())),
        (
            "Hooks",
            Value::from(release.hooks.iter().map(hook_value).collect::<Vec<_>>()),
        ),
        ("Version", Value::int(release.version)),
        ("Namespace", Value::from(release.namespace.as_str())),
        ("Labels", string_map(&release.labels)),
        ("ApplyMethod", Value::from(release.apply_method.as_str())),
    ]))
}

fn metadata_value(m: &Metadata) -> Value {
    Value::from(entries([
        ("Name", Value::from(m.name.as_str())),
        ("Home", Value::from(m.home.as_str())),
        ("Sources", strings(&m.sources)),
        ("Version", Value::from(m.version.as_str())),
        ("Description", Value::from(m.description.as_str())),
        ("Keywords", strings(&m.keywords)),
        ("Icon", Value::from(m.icon.as_str())),
        ("APIVersion", Value::from(m.api_version.as_str())),
        ("Condition", Value::from(m.condition.as_str())),
        ("Tags", Value::from(m.tags.as_str())),
        ("AppVersion", Value::from(m.app_version.as_str())),
        ("Deprecated", Value::from(m.deprecated)),
        ("Annotations", string_map(&m.annotations)),
        ("KubeVersion", Value::from(m.kube_version.as_str())),
        ("Type", Value::from(m.chart_type.as_str())),
    ]))
}

fn hook_value(h: &Hook) -> Value {
    Value::from(entries([
        ("Name", Value::from(h.name.as_str())),
        ("Kind", Value::from(h.kind.as_str())),
        ("Path", Value::from(h.path.as_str())),
        ("Manifest", Value::from(h.manifest.as_str())),
        ("Events", strings(&h.events)),
        (
            "LastRun",
            Value::from(entries([
                ("StartedAt", time_value(&h.last_run.started_at)),
                ("CompletedAt", time_value(&h.last_run.completed_at)),
                ("Phase", Value::from(h.last_run.phase.as_str())),
            ])),
        ),
        ("Weight", Value::int(h.weight)),
        ("DeletePolicies", strings(&h.delete_policies)),
    ]))
}

pub fn run(args: &GetArgs, settings: &Settings) -> anyhow::Result<()> {
    let palette = match &args.part {
        GetPart::All { color, .. } => color.palette()?,
        _ => Palette::PLAIN,
    };
    let target = args.part.target();
    let release = runtime()?.block_on(async {
        let opened = super::connect::open_storage(settings).await?;
        release_content(
            &opened.storage,
            &opened.namespace,
            &target.name,
            target.revision,
        )
        .await
    })?;
    let text = match &args.part {
        GetPart::All { template, .. } if !template.is_empty() => with_template(&release, template)?,
        GetPart::All { .. } => all(&release, palette)?,
        GetPart::Values { all, output, .. } => values(&release, *all, *output)?,
        GetPart::Manifest { .. } => manifest(&release),
        GetPart::Hooks { .. } => hooks(&release),
        GetPart::Notes { .. } => notes(&release),
        GetPart::Metadata { output, .. } => metadata(&release, *output)?,
    };
    print_stdout(&text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::{GoTime, Hook, Info, Metadata, ReleaseChart, Status};

    fn sample() -> Release {
        let mut config = serde_json::Map::new();
        config.insert("name".into(), serde_json::json!("value"));
        config.insert("count".into(), serde_json::json!(1000000));
        Release {
            name: "guide".into(),
            namespace: "default".into(),
            version: 1,
            info: Some(Info {
                status: Status::Deployed,
                last_deployed: GoTime::parse("1999-03-04T05:06:07Z").unwrap(),
                description: "Install complete".into(),
                notes: "Thanks for installing!".into(),
                ..Info::default()
            }),
            chart: Some(ReleaseChart {
                metadata: Some(Metadata {
                    name: "bar".into(),
                    version: "0.2.0-rc.1".into(),
                    app_version: "2.0".into(),
                    annotations: [
                        ("tier".to_owned(), "web".to_owned()),
                        ("audited".to_owned(), "yes".to_owned()),
                    ]
                    .into(),
                    dependencies: vec![
                        Dependency {
                            name: "zeta".into(),
                            version: "1.0.0".into(),
                            repository: "https://example.invalid/charts".into(),
                            enabled: true,
                            ..Dependency::default()
                        },
                        Dependency {
                            name: "alpha".into(),
                            version: "2.0.0".into(),
                            condition: "alpha.enabled".into(),
                            ..Dependency::default()
                        },
                    ],
                    ..Metadata::default()
                }),
                ..ReleaseChart::default()
            }),
            config,
            manifest: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: fixture\n".into(),
            hooks: vec![Hook {
                path: "pre.yaml".into(),
                manifest: "kind: Job\n".into(),
                events: vec!["pre-install".into()],
                ..Hook::default()
            }],
            labels: [("team".to_owned(), "a".to_owned())].into(),
            ..Release::default()
        }
    }

    #[test]
    fn values_print_with_their_title_or_bare() {
        let rel = sample();
        assert_eq!(
            values(&rel, false, Format::Table).unwrap(),
            "USER-SUPPLIED VALUES:\ncount: 1000000\nname: value\n"
        );
        assert_eq!(
            values(&rel, false, Format::Json).unwrap(),
            "{\"count\":1000000,\"name\":\"value\"}\n"
        );
        assert_eq!(
            values(&rel, true, Format::Table).unwrap(),
            "COMPUTED VALUES:\ncount: 1000000\nname: value\n"
        );
        let mut bare = rel.clone();
        bare.config.clear();
        assert_eq!(
            values(&bare, false, Format::Table).unwrap(),
            "USER-SUPPLIED VALUES:\nnull\n"
        );
        assert_eq!(values(&bare, false, Format::Json).unwrap(), "null\n");
        assert_eq!(values(&bare, true, Format::Json).unwrap(), "{}\n");
    }

    #[test]
    fn manifest_hooks_and_notes_as_helm_prints_them() {
        let rel = sample();
        assert_eq!(manifest(&rel), format!("{}\n", rel.manifest));
        assert_eq!(hooks(&rel), "---\n# Source: pre.yaml\nkind: Job\n\n");
        assert_eq!(notes(&rel), "NOTES:\nThanks for installing!\n");
        let mut quiet = rel;
        quiet.info.as_mut().unwrap().notes.clear();
        quiet.hooks.clear();
        assert_eq!(notes(&quiet), "");
        assert_eq!(hooks(&quiet), "");
    }

    #[test]
    fn metadata_in_every_format() {
        let rel = sample();
        assert_eq!(
            metadata(&rel, Format::Table).unwrap(),
            "NAME: guide\nCHART: bar\nVERSION: 0.2.0-rc.1\nAPP_VERSION: 2.0\nANNOTATIONS: audited=yes,tier=web\nLABELS: team=a\nDEPENDENCIES: alpha,zeta\nNAMESPACE: default\nREVISION: 1\nSTATUS: deployed\nDEPLOYED_AT: 1999-03-04T05:06:07Z\nAPPLY_METHOD: client-side apply (defaulted)\n"
        );
        assert_eq!(
            metadata(&rel, Format::Json).unwrap(),
            "{\"name\":\"guide\",\"chart\":\"bar\",\"version\":\"0.2.0-rc.1\",\"appVersion\":\"2.0\",\"annotations\":{\"audited\":\"yes\",\"tier\":\"web\"},\"labels\":{\"team\":\"a\"},\"dependencies\":[{\"name\":\"zeta\",\"version\":\"1.0.0\",\"repository\":\"https://example.invalid/charts\",\"enabled\":true},{\"name\":\"alpha\",\"version\":\"2.0.0\",\"repository\":\"\",\"condition\":\"alpha.enabled\"}],\"namespace\":\"default\",\"revision\":1,\"status\":\"deployed\",\"deployedAt\":\"1999-03-04T05:06:07Z\"}\n"
        );
        assert_eq!(
            metadata(&rel, Format::Yaml).unwrap(),
            "annotations:\n  audited: \"yes\"\n  tier: web\nappVersion: \"2.0\"\nchart: bar\ndependencies:\n- enabled: true\n  name: zeta\n  repository: https://example.invalid/charts\n  version: 1.0.0\n- condition: alpha.enabled\n  name: alpha\n  repository: \"\"\n  version: 2.0.0\ndeployedAt: \"1999-03-04T05:06:07Z\"\nlabels:\n  team: a\nname: guide\nnamespace: default\nrevision: 1\nstatus: deployed\nversion: 0.2.0-rc.1\n"
        );
        let mut ssa = rel;
        ssa.apply_method = "ssa".into();
        assert!(
            metadata(&ssa, Format::Table)
                .unwrap()
                .ends_with("APPLY_METHOD: server-side apply\n")
        );
    }

    #[test]
    fn get_all_is_the_status_printer_with_everything() {
        let out = all(&sample(), Palette::PLAIN).unwrap();
        assert!(out.starts_with("NAME: guide\nLAST DEPLOYED: Thu Mar  4 05:06:07 1999\nNAMESPACE: default\nSTATUS: deployed\nREVISION: 1\nCHART: bar\n"), "{out}");
        assert!(out.ends_with("MANIFEST:\napiVersion: v1\nkind: Secret\nmetadata:\n  name: fixture\n\nNOTES:\nThanks for installing!\n"), "{out}");
    }

    #[test]
    fn template_sees_the_release_by_go_field_names() {
        let out = with_template(
            &sample(),
            "{{.Release.Name}} r{{.Release.Version}} {{.Release.Info.Status}} {{.Release.Chart.Metadata.Version}} {{.Release.Info.LastDeployed}} {{range .Release.Hooks}}{{.Path}}{{end}} {{.Release.Config.name}}",
        )
        .unwrap();
        assert_eq!(
            out,
            "guide r1 deployed 0.2.0-rc.1 1999-03-04 05:06:07 +0000 UTC pre.yaml value"
        );
        let err = with_template(&sample(), "{{.Release.Name")
            .unwrap_err()
            .to_string();
        assert!(err.contains("template: _:1:"), "{err}");
    }
}
