//! `wheelhouse recover NAME`: resolve a release stuck in `pending-*` after
//! an interrupted operation. Shows what the pending revision had started to
//! change against the deployed one, asks for confirmation (`--yes` skips
//! it), then marks the pending revision failed so the next upgrade or
//! rollback can proceed.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use crate::diff::{Colors, UnifiedOptions, unified};

use super::Settings;
use super::act;

/// Resolve a release stuck in a pending state after a crash
#[derive(Debug, clap::Args)]
pub struct RecoverArgs {
    /// The release
    #[arg(value_name = "RELEASE_NAME")]
    pub name: String,
    /// Don't ask for confirmation
    #[arg(short = 'y', long)]
    pub yes: bool,
}

pub fn run(args: &RecoverArgs, settings: &Settings) -> anyhow::Result<()> {
    let name = args.name.clone();
    let yes = args.yes;
    let namespace_flag = settings.namespace_flag.clone();
    let release = act::run_action(settings, |engine, _progress, _cancel| async move {
        let namespace = namespace_flag.unwrap_or_else(|| engine.namespace().to_string());
        let stuck = engine.stuck(&namespace, &name).await?;
        let before = stuck
            .deployed
            .as_ref()
            .map(|d| d.manifest.clone())
            .unwrap_or_default();
        let mut summary = format!(
            "Release {name:?} revision {} is {} (last deployed revision: {}).\n",
            stuck.pending.version,
            stuck.pending.status().as_str(),
            stuck
                .deployed
                .as_ref()
                .map_or("none".to_string(), |d| d.version.to_string())
        );
        summary.push_str("What the interrupted revision set out to change:\n");
        summary.push_str(&unified(
            "deployed",
            "pending",
            &before,
            &stuck.pending.manifest,
            UnifiedOptions {
                context: 3,
                colors: Colors { on: false },
            },
        ));
        eprint!("{summary}");
        if !yes && !confirm()? {
            return Err(crate::engine::EngineError::Invalid(
                "recover cancelled: nothing was changed".into(),
            ));
        }
        engine.recover(stuck).await
    })?;
    super::print_stdout(&format!(
        "release {:?} revision {} marked failed; the next upgrade or rollback can proceed\n",
        release.name, release.version
    ))
}

/// Asks on the terminal; refuses when there is none to ask on.
fn confirm() -> Result<bool, crate::engine::EngineError> {
    if !std::io::stdin().is_terminal() {
        return Err(crate::engine::EngineError::Invalid(
            "recover needs confirmation: run it on a terminal or pass --yes".into(),
        ));
    }
    eprint!("Mark it failed? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}
