//! `wheelhouse uninstall NAME...` (aliases `delete`, `del`, `un`): Helm's
//! uninstall command, one release after another.

use anyhow::bail;

use crate::engine::UninstallOptions;
use crate::kube::cluster::Propagation;

use super::Settings;
use super::act;

/// Uninstall a release
///
/// Removes the release's objects and its history (kept with --keep-history).
#[derive(Debug, clap::Args)]
pub struct UninstallArgs {
    /// The releases
    #[arg(value_name = "RELEASE_NAME", required = true)]
    pub names: Vec<String>,
    /// Remove all associated resources and mark the release as deleted, but retain the release history
    #[arg(long)]
    pub keep_history: bool,
    /// Wait until all the resources are deleted before returning
    #[arg(long)]
    pub wait: bool,
    /// Time to wait for any individual Kubernetes operation (like Jobs for hooks)
    #[arg(long, default_value = "5m0s", value_name = "DURATION", value_parser = act::parse_go_duration)]
    pub timeout: std::time::Duration,
    /// Must be "background", "orphan", or "foreground". Selects the deletion cascading strategy for the dependents. Defaults to background
    #[arg(long, default_value = "background", value_name = "STRATEGY")]
    pub cascade: String,
    /// Treat "release not found" as a successful uninstall
    #[arg(long)]
    pub ignore_not_found: bool,
    /// Simulate an uninstall
    #[arg(long)]
    pub dry_run: bool,
    /// Prevent hooks from running during uninstallation
    #[arg(long)]
    pub no_hooks: bool,
    /// Add a custom description
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
}

fn cascade(value: &str) -> anyhow::Result<Propagation> {
    Ok(match value {
        "background" => Propagation::Background,
        "foreground" => Propagation::Foreground,
        "orphan" => Propagation::Orphan,
        other => bail!(
            "invalid cascade value ({other}). Must be \"background\", \"foreground\", or \"orphan\""
        ),
    })
}

pub fn run(args: &UninstallArgs, settings: &Settings) -> anyhow::Result<()> {
    let propagation = cascade(&args.cascade)?;
    for name in &args.names {
        let options = UninstallOptions {
            release_name: name.clone(),
            namespace: settings.namespace_flag.clone(),
            keep_history: args.keep_history,
            wait: args.wait,
            timeout: args.timeout,
            cascade: propagation,
            ignore_not_found: args.ignore_not_found,
            dry_run: args.dry_run,
            no_hooks: args.no_hooks,
            description: args.description.clone().unwrap_or_default(),
        };
        let done = act::run_action(settings, |engine, progress, cancel| async move {
            engine.uninstall(&options, &progress, &cancel).await
        })?;
        if done.release.is_none() {
            continue;
        }
        let mut out = String::new();
        if !done.info.is_empty() {
            out.push_str(&done.info);
        }
        out.push_str(&format!("release \"{name}\" uninstalled\n"));
        super::print_stdout(&out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cascade_values_are_helms() {
        assert_eq!(cascade("orphan").unwrap(), Propagation::Orphan);
        assert_eq!(
            cascade("sideways").unwrap_err().to_string(),
            "invalid cascade value (sideways). Must be \"background\", \"foreground\", or \"orphan\""
        );
    }
}
