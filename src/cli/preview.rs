//! `wheelhouse diff upgrade NAME CHART` and `wheelhouse diff rollback NAME
//! [REV]`: what the action would really do, before it does anything. For
//! each object, the live object against the object after the action's own
//! patch as the server would store it (sent as a dry run); then the
//! rendered manifest against the post-rendered one when a post-renderer is
//! set, and the old values against the new. `--detailed-exitcode` exits 2
//! when something would change; `-o json` prints the same for machines.

use serde_json::{Value, json};

use crate::diff::Colors;
use crate::diff::objects::object_change_json;
use crate::engine::plan::{Plan, PreviewOptions};

use super::act;
use super::output::{ColorArgs, Format, encode_json, encode_yaml};
use super::rollback::RollbackArgs;
use super::upgrade::UpgradeArgs;
use super::{Settings, print_stdout};

/// How a preview is shown.
#[derive(Debug, clap::Args)]
pub struct ViewArgs {
    /// Unchanged lines shown around each change
    #[arg(short = 'C', long, default_value_t = super::diff::DEFAULT_CONTEXT, value_name = "N")]
    pub context: usize,
    /// Show the values of Secrets instead of masking them
    #[arg(long)]
    pub show_secrets: bool,
    /// Print without colour (also when NO_COLOR is set or stdout is not a terminal)
    #[arg(long)]
    pub no_color: bool,
    /// Exit with 2 when the action would change something, 0 when not
    #[arg(long)]
    pub detailed_exitcode: bool,
}

#[derive(Debug, clap::Args)]
pub struct UpgradePreviewArgs {
    #[command(flatten)]
    pub upgrade: UpgradeArgs,
    #[command(flatten)]
    pub view: ViewArgs,
}

#[derive(Debug, clap::Args)]
pub struct RollbackPreviewArgs {
    #[command(flatten)]
    pub rollback: RollbackArgs,
    #[command(flatten)]
    pub view: ViewArgs,
    /// Prints the output in the specified format
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Table)]
    pub output: Format,
}

/// `--detailed-exitcode` found changes: exit 2, print nothing more.
#[derive(Debug, thiserror::Error)]
#[error("changes found")]
pub struct ChangesFound;

pub fn run_upgrade(args: UpgradePreviewArgs, settings: &Settings) -> anyhow::Result<()> {
    let format = args.upgrade.apply.output;
    let options = args.upgrade.validate(settings)?;
    let plan = act::run_action(settings, |engine, _progress, _cancel| async move {
        engine.plan_upgrade(&options).await
    })?;
    show(&plan, "upgrade", &args.view, format)
}

pub fn run_rollback(args: RollbackPreviewArgs, settings: &Settings) -> anyhow::Result<()> {
    let options = args.rollback.validate(settings)?;
    let plan = act::run_action(settings, |engine, _progress, _cancel| async move {
        engine.plan_rollback(&options).await
    })?;
    show(&plan, "rollback", &args.view, args.output)
}

fn show(plan: &Plan, action: &str, view: &ViewArgs, format: Format) -> anyhow::Result<()> {
    let text = match format {
        Format::Table => {
            let colors = Colors {
                on: !view.no_color && ColorArgs::default().palette()?.on,
            };
            plan.render_text(
                action,
                &PreviewOptions {
                    context: view.context,
                    show_secrets: view.show_secrets,
                    colors,
                },
            )
        }
        Format::Json => encode_json(&render_json(plan, view.show_secrets))?,
        Format::Yaml => encode_yaml(&render_json(plan, view.show_secrets))?,
    };
    print_stdout(&text)?;
    if view.detailed_exitcode && plan.has_changes() {
        return Err(ChangesFound.into());
    }
    Ok(())
}

/// The preview for machines; field names are documented in the README.
pub fn render_json(plan: &Plan, show_secrets: bool) -> Value {
    json!({
        "release": plan.release,
        "namespace": plan.namespace,
        "fromRevision": plan.from_revision,
        "toRevision": plan.to_revision,
        "changes": plan.objects.iter().map(|o| object_change_json(
            &o.api_version, &o.kind, &o.namespace, &o.name, o.action.as_str(),
            o.live.as_ref(), o.after.as_ref(), show_secrets,
        )).collect::<Vec<_>>(),
        "postRendered": plan.rendered_manifest != plan.manifest,
        "values": {"old": plan.old_values, "new": plan.new_values},
        "hasChanges": plan.has_changes(),
    })
}
