//! `wheelhouse status NAME`: one revision's state as `helm status` prints it
//! (`cmd/status.go`'s `statusPrinter`, which `get all` shares), with the
//! release's live objects listed like Helm 4 lists them.

use crate::gotmpl::Value;
use crate::release::Release;

use super::output::{
    ANSIC, ColorArgs, Format, Palette, encode_json, encode_yaml, encode_yaml_value, format_time,
};
use super::releases::{release_content, runtime};
use super::resources::{self, ResourceTables};
use super::{Settings, print_stdout};

/// Display the status of the named release
///
/// Shows the last deployment time, namespace, state, revision and
/// description of a release, the live objects of its manifest, its last
/// test run and its notes.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// The release
    #[arg(value_name = "RELEASE_NAME")]
    pub name: String,
    /// If set, display the status of the named release with revision
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub revision: i64,
    /// List the release's live objects (always done, as in Helm 4; accepted
    /// for Helm 3 scripts)
    #[arg(long)]
    pub show_resources: bool,
    /// Prints the output in the specified format
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Table)]
    pub output: Format,
    #[command(flatten)]
    pub color: ColorArgs,
}

/// What `statusPrinter` is asked to show besides the basics.
#[derive(Clone, Copy, Debug, Default)]
pub struct Detail {
    /// Values, computed values, hooks and manifest (`get all`).
    pub debug: bool,
    /// Chart name, version and app version (`get all`).
    pub show_metadata: bool,
}

/// `statusPrinter.WriteTable`.
pub fn render_table(
    release: &Release,
    resources: &ResourceTables,
    detail: Detail,
    palette: Palette,
) -> anyhow::Result<String> {
    let mut out = String::new();
    let info = release.info.clone().unwrap_or_default();
    out.push_str(&format!("NAME: {}\n", release.name));
    if !info.last_deployed.is_zero() {
        out.push_str(&format!(
            "LAST DEPLOYED: {}\n",
            format_time(&info.last_deployed, ANSIC)
        ));
    }
    out.push_str(&format!(
        "NAMESPACE: {}\n",
        palette.namespace(&release.namespace)
    ));
    out.push_str(&format!(
        "STATUS: {}\n",
        palette.status(info.status.as_str())
    ));
    out.push_str(&format!("REVISION: {}\n", release.version));
    if detail.show_metadata {
        let metadata = release
            .chart
            .as_ref()
            .and_then(|c| c.metadata.clone())
            .unwrap_or_default();
        out.push_str(&format!("CHART: {}\n", metadata.name));
        out.push_str(&format!("VERSION: {}\n", metadata.version));
        out.push_str(&format!("APP_VERSION: {}\n", metadata.app_version));
    }
    out.push_str(&format!("DESCRIPTION: {}\n", info.description));

    if !resources.is_empty() {
        out.push_str("RESOURCES:\n");
        for (group, text) in resources.groups() {
            out.push_str(&format!("==> {group}\n{text}\n"));
        }
        out.push('\n');
    }

    let tests: Vec<_> = release
        .hooks
        .iter()
        .flat_map(|h| h.events.iter().filter(|e| *e == "test").map(move |_| h))
        .collect();
    if tests.is_empty() {
        out.push_str("TEST SUITE: None\n");
    } else {
        for hook in tests {
            if hook.last_run.started_at.is_zero() {
                continue;
            }
            out.push_str(&format!(
                "TEST SUITE:     {}\nLast Started:   {}\nLast Completed: {}\nPhase:          {}\n",
                hook.name,
                format_time(&hook.last_run.started_at, ANSIC),
                format_time(&hook.last_run.completed_at, ANSIC),
                hook.last_run.phase,
            ));
        }
    }

    if detail.debug {
        out.push_str("USER-SUPPLIED VALUES:\n");
        out.push_str(&encode_yaml_value(&config_value(release))?);
        out.push('\n');
        out.push_str("COMPUTED VALUES:\n");
        out.push_str(&encode_yaml_value(&computed_values(release)?)?);
        out.push('\n');
    }

    if info.description.eq_ignore_ascii_case("Dry run complete") || detail.debug {
        out.push_str("HOOKS:\n");
        for hook in &release.hooks {
            out.push_str(&format!(
                "---\n# Source: {}\n{}\n",
                hook.path, hook.manifest
            ));
        }
        out.push_str(&format!("MANIFEST:\n{}\n", release.manifest));
    }

    if !info.notes.is_empty() {
        out.push_str(&format!("NOTES:\n{}\n", info.notes.trim()));
    }
    Ok(out)
}

/// The user-supplied values as Go holds them: an empty map was left out of
/// the record, so it reads back as nil (`null`).
pub fn config_value(release: &Release) -> Value {
    if release.config.is_empty() {
        Value::Nil
    } else {
        Value::from_json(&serde_json::Value::Object(release.config.clone()))
    }
}

/// Helm's `CoalesceValues(rel.Chart, rel.Config)`, its warnings on stderr.
pub fn computed_values(release: &Release) -> anyhow::Result<Value> {
    let (values, warnings) = crate::engine::query::computed_values(release)?;
    for warning in warnings {
        eprintln!("{warning}");
    }
    Ok(values)
}

/// `statusPrinter.WriteJSON`/`WriteYAML`: the record without its chart, with
/// the live objects under `info.resources`.
pub fn render_structured(format: Format, release: &Release) -> anyhow::Result<String> {
    let mut shown = release.clone();
    shown.chart = None;
    match format {
        Format::Yaml => encode_yaml(&shown),
        _ => encode_json(&shown),
    }
}

pub fn run(args: &StatusArgs, settings: &Settings) -> anyhow::Result<()> {
    let palette = args.color.palette()?;
    let text = runtime()?.block_on(async {
        let opened = super::connect::open_storage(settings).await?;
        let mut release = release_content(
            &opened.storage,
            &opened.namespace,
            &args.name,
            args.revision,
        )
        .await?;
        // The memory driver keeps releases in this process only; there is
        // no cluster holding their objects.
        let live = if opened.storage.driver().name() == "Memory" {
            None
        } else {
            let client = resources::client(settings).await?;
            let as_tables = args.output == Format::Table;
            Some(resources::fetch(&client, &opened.namespace, &release.manifest, as_tables).await?)
        };
        match args.output {
            Format::Table => {
                let tables = live.map(|l| l.tables()).unwrap_or_default();
                release.chart = None;
                render_table(&release, &tables, Detail::default(), palette)
            }
            format => {
                if let Some(live) = live
                    && let Some(info) = release.info.as_mut()
                {
                    info.resources = live.objects();
                }
                render_structured(format, &release)
            }
        }
    })?;
    print_stdout(&text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::{GoTime, Hook, HookExecution, Info, Metadata, ReleaseChart, Status};

    fn sample() -> Release {
        let mut chart_values = serde_json::Map::new();
        chart_values.insert("replicas".into(), serde_json::json!(1));
        chart_values.insert(
            "image".into(),
            serde_json::json!({"tag": "1.0", "pull": "IfNotPresent"}),
        );
        let mut config = serde_json::Map::new();
        config.insert("image".into(), serde_json::json!({"tag": "2.0"}));
        Release {
            name: "web".into(),
            namespace: "apps".into(),
            version: 2,
            info: Some(Info {
                status: Status::Deployed,
                first_deployed: GoTime::parse("2026-11-20T10:00:00Z").unwrap(),
                last_deployed: GoTime::parse("2026-11-21T10:00:00.5Z").unwrap(),
                description: "Upgrade complete".into(),
                notes: "\n  Visit http://web\n\n".into(),
                ..Info::default()
            }),
            chart: Some(ReleaseChart {
                metadata: Some(Metadata {
                    name: "web".into(),
                    version: "0.1.0".into(),
                    app_version: "1.16.0".into(),
                    ..Metadata::default()
                }),
                values: Some(chart_values),
                ..ReleaseChart::default()
            }),
            config,
            manifest: "---\n# Source: web/templates/cm.yaml\nkind: ConfigMap\n".into(),
            hooks: vec![Hook {
                name: "web-test".into(),
                kind: "Pod".into(),
                path: "web/templates/test.yaml".into(),
                manifest: "kind: Pod".into(),
                events: vec!["test".into()],
                last_run: HookExecution {
                    started_at: GoTime::parse("2026-11-21T10:01:00Z").unwrap(),
                    completed_at: GoTime::parse("2026-11-21T10:01:05Z").unwrap(),
                    phase: "Succeeded".into(),
                },
                ..Hook::default()
            }],
            ..Release::default()
        }
    }

    #[test]
    fn status_table_follows_helm_status_printer() {
        let out = render_table(
            &sample(),
            &ResourceTables::default(),
            Detail::default(),
            Palette::PLAIN,
        )
        .unwrap();
        assert_eq!(
            out,
            "NAME: web\n\
             LAST DEPLOYED: Sat Nov 21 10:00:00 2026\n\
             NAMESPACE: apps\n\
             STATUS: deployed\n\
             REVISION: 2\n\
             DESCRIPTION: Upgrade complete\n\
             TEST SUITE:     web-test\n\
             Last Started:   Sat Nov 21 10:01:00 2026\n\
             Last Completed: Sat Nov 21 10:01:05 2026\n\
             Phase:          Succeeded\n\
             NOTES:\n\
             Visit http://web\n"
        );
    }

    #[test]
    fn resources_sit_between_description_and_tests() {
        let mut rel = sample();
        rel.hooks.clear();
        rel.info.as_mut().unwrap().notes.clear();
        let mut tables = ResourceTables::default();
        tables.push("v1/ConfigMap", "NAME   DATA   AGE\nweb    1      5s\n");
        let out = render_table(&rel, &tables, Detail::default(), Palette::PLAIN).unwrap();
        assert!(
            out.ends_with(
                "DESCRIPTION: Upgrade complete\nRESOURCES:\n==> v1/ConfigMap\nNAME   DATA   AGE\nweb    1      5s\n\n\nTEST SUITE: None\n"
            ),
            "{out}"
        );
    }

    #[test]
    fn get_all_adds_metadata_values_hooks_and_manifest() {
        let detail = Detail {
            debug: true,
            show_metadata: true,
        };
        let out = render_table(
            &sample(),
            &ResourceTables::default(),
            detail,
            Palette::PLAIN,
        )
        .unwrap();
        let expected_middle = "REVISION: 2\nCHART: web\nVERSION: 0.1.0\nAPP_VERSION: 1.16.0\nDESCRIPTION: Upgrade complete\n";
        assert!(out.contains(expected_middle), "{out}");
        assert!(
            out.contains(
                "Phase:          Succeeded\n\
                 USER-SUPPLIED VALUES:\nimage:\n  tag: \"2.0\"\n\n\
                 COMPUTED VALUES:\nimage:\n  pull: IfNotPresent\n  tag: \"2.0\"\nreplicas: 1\n\n\
                 HOOKS:\n---\n# Source: web/templates/test.yaml\nkind: Pod\n\
                 MANIFEST:\n---\n# Source: web/templates/cm.yaml\nkind: ConfigMap\n\n\
                 NOTES:\nVisit http://web\n"
            ),
            "{out}"
        );
    }

    #[test]
    fn empty_user_values_print_as_go_nil_and_computed_as_a_map() {
        let mut rel = sample();
        rel.config.clear();
        rel.chart = None;
        assert_eq!(encode_yaml_value(&config_value(&rel)).unwrap(), "null\n");
        assert_eq!(
            encode_yaml_value(&computed_values(&rel).unwrap()).unwrap(),
            "{}\n"
        );
    }

    #[test]
    fn structured_output_drops_the_chart() {
        let json = render_structured(Format::Json, &sample()).unwrap();
        assert!(
            json.starts_with(
                "{\"name\":\"web\",\"info\":{\"first_deployed\":\"2026-11-20T10:00:00Z\""
            ),
            "{json}"
        );
        assert!(!json.contains("\"chart\""));
        assert!(json.ends_with("}\n"));
        let yaml = render_structured(Format::Yaml, &sample()).unwrap();
        assert!(
            yaml.contains("\nname: web\nnamespace: apps\nversion: 2\n"),
            "{yaml}"
        );
    }
}
