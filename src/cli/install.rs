//! `wheelhouse install [NAME] CHART`: Helm's install command. Flags become
//! [`InstallOptions`]; the engine does the work; the release is printed as
//! `helm install` prints it.

use std::path::PathBuf;

use anyhow::bail;

use crate::engine::InstallOptions;

use super::Settings;
use super::act::{self, ApplyArgs};
use super::template::name_from_template;
use super::values::ValueArgs;

/// Install a chart
#[derive(Debug, clap::Args)]
#[command(override_usage = "wheelhouse install [NAME] CHART [OPTIONS]")]
pub struct InstallArgs {
    /// `[NAME] CHART`: the release name and the chart directory or archive
    #[arg(value_name = "CHART", required = true, num_args = 1..)]
    pub args: Vec<String>,
    #[command(flatten)]
    pub values: ValueArgs,
    #[command(flatten)]
    pub apply: ApplyArgs,
    /// Generate the name (and omit the NAME parameter)
    #[arg(short = 'g', long)]
    pub generate_name: bool,
    /// Specify template used to name the release
    #[arg(long, value_name = "TEMPLATE")]
    pub name_template: Option<String>,
    /// Apply with server-side apply (Helm 4's default) instead of Helm 3's client-side create
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub server_side: Option<bool>,
}

/// Helm's `NameAndChart` for install: two arguments are name and chart;
/// one is the chart, named by `--name-template` or `--generate-name`.
pub fn name_and_chart(
    args: &[String],
    generate_name: bool,
    name_template: Option<&str>,
    now_unix: i64,
) -> anyhow::Result<(String, String)> {
    match args {
        [_, _, rest @ ..] if !rest.is_empty() => bail!(
            "expected at most two arguments, unexpected arguments: {}",
            rest.join(", ")
        ),
        [name, chart] => {
            if generate_name {
                bail!("cannot set --generate-name and also specify a name");
            }
            if name_template.is_some_and(|t| !t.is_empty()) {
                bail!("cannot set --name-template and also specify a name");
            }
            Ok((name.clone(), chart.clone()))
        }
        [chart] => {
            if let Some(t) = name_template.filter(|t| !t.is_empty()) {
                return Ok((name_from_template(t)?, chart.clone()));
            }
            if !generate_name {
                bail!("must either provide a name or specify --generate-name");
            }
            let mut base = std::path::Path::new(chart)
                .file_name()
                .map(|b| b.to_string_lossy().into_owned())
                .unwrap_or_default();
            if base.is_empty() || base == "." {
                base = "chart".into();
            }
            if let Some(dot) = base.find('.') {
                base.truncate(dot);
            }
            Ok((format!("{base}-{now_unix}"), chart.clone()))
        }
        _ => bail!("\"wheelhouse install\" requires at least 1 argument"),
    }
}

impl InstallArgs {
    pub fn validate(self, settings: &Settings) -> anyhow::Result<InstallOptions> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let (name, chart) = name_and_chart(
            &self.args,
            self.generate_name,
            self.name_template.as_deref(),
            now,
        )?;
        if std::fs::metadata(&chart).is_err() {
            bail!("path {chart:?} not found");
        }
        let a = self.apply;
        Ok(InstallOptions {
            release_name: name,
            chart: PathBuf::from(chart),
            values: self.values.merge()?,
            namespace: settings.namespace_flag.clone(),
            create_namespace: a.create_namespace,
            dry_run: act::dry_run(&a.dry_run)?,
            wait: a.wait || a.atomic,
            wait_for_jobs: a.wait_for_jobs,
            timeout: a.timeout,
            atomic: a.atomic,
            description: a.description.unwrap_or_default(),
            labels: act::labels(&a.labels)?,
            skip_crds: a.skip_crds,
            no_hooks: a.no_hooks,
            skip_schema_validation: a.skip_schema_validation,
            post_renderer: a.post_rendering.build()?,
            server_side: self.server_side.unwrap_or(false),
            force_conflicts: a.force_conflicts,
        })
    }
}

pub fn run(args: InstallArgs, settings: &Settings) -> anyhow::Result<()> {
    let output = args.apply.output;
    let options = args.validate(settings)?;
    let release = act::run_action(settings, |engine, progress, cancel| async move {
        engine.install(&options, &progress, &cancel).await
    })?;
    act::print_release(&release, output, settings.debug)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn names_come_from_arguments_or_flags() {
        assert_eq!(
            name_and_chart(&args(&["web", "./c"]), false, None, 7).unwrap(),
            ("web".into(), "./c".into())
        );
        assert_eq!(
            name_and_chart(&args(&["./charts/web-1.2.tgz"]), true, None, 7).unwrap(),
            ("web-1-7".into(), "./charts/web-1.2.tgz".into())
        );
        assert_eq!(
            name_and_chart(&args(&["."]), true, None, 7).unwrap().0,
            "chart-7"
        );
        assert_eq!(
            name_and_chart(&args(&["./c"]), false, Some("fixed-{{ \"x\" }}"), 7)
                .unwrap()
                .0,
            "fixed-x"
        );
    }

    #[test]
    fn a_missing_name_is_an_error_as_in_helm_3() {
        let e = name_and_chart(&args(&["./c"]), false, None, 7).unwrap_err();
        assert_eq!(
            e.to_string(),
            "must either provide a name or specify --generate-name"
        );
        let e = name_and_chart(&args(&["a", "./c"]), true, None, 7).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot set --generate-name and also specify a name"
        );
        let e = name_and_chart(&args(&["a", "b", "c"]), false, None, 7).unwrap_err();
        assert_eq!(
            e.to_string(),
            "expected at most two arguments, unexpected arguments: c"
        );
    }
}
