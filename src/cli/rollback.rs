//! `wheelhouse rollback NAME [REVISION]`: Helm's rollback command.

use anyhow::{Context as _, bail};

use crate::engine::RollbackOptions;
use crate::engine::upgrade::DEFAULT_HISTORY_MAX;

use super::Settings;
use super::act;

/// Roll back a release to a previous revision
///
/// With no revision, rolls back to the one before the latest.
#[derive(Debug, clap::Args)]
pub struct RollbackArgs {
    /// The release
    #[arg(value_name = "RELEASE")]
    pub name: String,
    /// The revision to roll back to
    #[arg(value_name = "REVISION")]
    pub revision: Option<String>,
    /// Simulate a rollback
    #[arg(long)]
    pub dry_run: bool,
    /// Wait until all Pods, PVCs, Services, and minimum number of Pods of a Deployment, StatefulSet, or ReplicaSet are in a ready state before marking the release as successful
    #[arg(long)]
    pub wait: bool,
    /// If set and --wait enabled, will wait until all Jobs have been completed before marking the release as successful
    #[arg(long)]
    pub wait_for_jobs: bool,
    /// Time to wait for any individual Kubernetes operation (like Jobs for hooks)
    #[arg(long, default_value = "5m0s", value_name = "DURATION", value_parser = act::parse_go_duration)]
    pub timeout: std::time::Duration,
    /// Prevent hooks from running during rollback
    #[arg(long)]
    pub no_hooks: bool,
    /// Force resource update through delete/recreate if needed
    #[arg(long)]
    pub force: bool,
    /// Allow deletion of new resources created in this rollback when rollback fails
    #[arg(long)]
    pub cleanup_on_fail: bool,
    /// Limit the maximum number of revisions saved per release. Use 0 for no limit
    #[arg(long, default_value_t = DEFAULT_HISTORY_MAX, value_name = "N")]
    pub history_max: usize,
    /// Apply with server-side apply: "auto" (default) follows how the target revision was applied
    #[arg(long, value_name = "MODE", default_value = "auto", num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub server_side: String,
    /// Force server-side apply conflicts to be taken over
    #[arg(long)]
    pub force_conflicts: bool,
}

impl RollbackArgs {
    pub fn validate(&self, settings: &Settings) -> anyhow::Result<RollbackOptions> {
        let revision = match &self.revision {
            None => None,
            Some(text) => {
                let n: i64 = text
                    .parse()
                    .with_context(|| format!("could not convert revision to a number: {text:?}"))?;
                if n < 0 {
                    bail!("invalid release revision number");
                }
                Some(n)
            }
        };
        Ok(RollbackOptions {
            release_name: self.name.clone(),
            namespace: settings.namespace_flag.clone(),
            revision,
            wait: self.wait,
            wait_for_jobs: self.wait_for_jobs,
            timeout: self.timeout,
            no_hooks: self.no_hooks,
            force: self.force,
            cleanup_on_fail: self.cleanup_on_fail,
            history_max: self.history_max,
            dry_run: self.dry_run,
            server_side: super::upgrade::server_side(&self.server_side)?,
            force_conflicts: self.force_conflicts,
        })
    }
}

pub fn run(args: &RollbackArgs, settings: &Settings) -> anyhow::Result<()> {
    let options = args.validate(settings)?;
    act::run_action(settings, |engine, progress, cancel| async move {
        engine.rollback(&options, &progress, &cancel).await
    })?;
    super::print_stdout("Rollback was a success! Happy Helming!\n")
}
