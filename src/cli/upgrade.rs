//! `wheelhouse upgrade NAME CHART`: Helm's upgrade command (with
//! `--install`). Flags become [`UpgradeOptions`]; errors carry Helm's
//! `UPGRADE FAILED:` prefix.

use std::path::PathBuf;

use anyhow::bail;

use crate::chart::name::validate_release_name;
use crate::engine::UpgradeOptions;
use crate::engine::upgrade::{DEFAULT_HISTORY_MAX, ServerSide};

use super::Settings;
use super::act::{self, ApplyArgs};
use super::values::ValueArgs;

/// Upgrade a release
#[derive(Debug, clap::Args)]
pub struct UpgradeArgs {
    /// The release
    #[arg(value_name = "RELEASE")]
    pub name: String,
    /// The chart directory or archive
    #[arg(value_name = "CHART")]
    pub chart: String,
    #[command(flatten)]
    pub values: ValueArgs,
    #[command(flatten)]
    pub apply: ApplyArgs,
    /// If a release by this name doesn't already exist, run an install
    #[arg(short = 'i', long)]
    pub install: bool,
    /// When upgrading, reuse the last release's values and merge in any overrides from the command line via --set and -f. If '--reset-values' is specified, this is ignored
    #[arg(long)]
    pub reuse_values: bool,
    /// When upgrading, reset the values to the ones built into the chart
    #[arg(long)]
    pub reset_values: bool,
    /// When upgrading, reset the values to the ones built into the chart, apply the last release's values and merge in any overrides from the command line via --set and -f. If '--reset-values' or '--reuse-values' is specified, this is ignored
    #[arg(long)]
    pub reset_then_reuse_values: bool,
    /// Limit the maximum number of revisions saved per release. Use 0 for no limit
    #[arg(long, default_value_t = DEFAULT_HISTORY_MAX, value_name = "N")]
    pub history_max: usize,
    /// Allow deletion of new resources created in this upgrade when upgrade fails
    #[arg(long)]
    pub cleanup_on_fail: bool,
    /// Force resource updates by replacement
    #[arg(long)]
    pub force: bool,
    /// Apply with server-side apply: "auto" (default) follows how the release was last applied
    #[arg(long, value_name = "MODE", default_value = "auto", num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub server_side: String,
}

/// `--server-side`'s value.
pub(crate) fn server_side(value: &str) -> anyhow::Result<ServerSide> {
    Ok(match value {
        "auto" => ServerSide::Auto,
        "true" => ServerSide::True,
        "false" => ServerSide::False,
        other => bail!("invalid/unknown release server-side apply method: {other}"),
    })
}

impl UpgradeArgs {
    pub fn validate(self, settings: &Settings) -> anyhow::Result<UpgradeOptions> {
        if validate_release_name(&self.name).is_err() {
            bail!("release name is invalid: {}", self.name);
        }
        if std::fs::metadata(&self.chart).is_err() {
            bail!("path {:?} not found", self.chart);
        }
        let a = self.apply;
        Ok(UpgradeOptions {
            release_name: self.name,
            chart: PathBuf::from(self.chart),
            values: self.values.merge()?,
            namespace: settings.namespace_flag.clone(),
            install: self.install,
            create_namespace: a.create_namespace,
            reuse_values: self.reuse_values,
            reset_values: self.reset_values,
            reset_then_reuse_values: self.reset_then_reuse_values,
            history_max: self.history_max,
            cleanup_on_fail: self.cleanup_on_fail,
            force: self.force,
            atomic: a.atomic,
            wait: a.wait || a.atomic,
            wait_for_jobs: a.wait_for_jobs,
            timeout: a.timeout,
            dry_run: act::dry_run(&a.dry_run)?,
            description: a.description.unwrap_or_default(),
            labels: act::labels(&a.labels)?,
            no_hooks: a.no_hooks,
            skip_crds: a.skip_crds,
            skip_schema_validation: a.skip_schema_validation,
            post_renderer: a.post_rendering.build()?,
            server_side: server_side(&self.server_side)?,
            force_conflicts: a.force_conflicts,
        })
    }
}

pub fn run(args: UpgradeArgs, settings: &Settings) -> anyhow::Result<()> {
    let output = args.apply.output;
    let options = args.validate(settings)?;
    let name = options.release_name.clone();
    let release = act::run_action(settings, |engine, progress, cancel| async move {
        engine.upgrade(&options, &progress, &cancel).await
    })
    .map_err(|e| anyhow::anyhow!("UPGRADE FAILED: {e:#}"))?;
    if output == super::output::Format::Table && release.version > 1 {
        super::print_stdout(&format!(
            "Release {name:?} has been upgraded. Happy Helming!\n"
        ))?;
    }
    act::print_release(&release, output, settings.debug)
}
