//! The command line: Helm's verbs and flags, one file per command group.
//!
//! Owns parsing arguments (clap), turning raw flags into validated options before
//! any work starts, and the edge behaviour Helm users expect: errors printed as
//! `Error: <message>` on stderr with exit code 1. Command bodies stay thin; the
//! work happens in the library modules they call.

mod act;
mod completion;
mod connect;
mod diff;
mod get;
mod history;
mod install;
mod list;
mod output;
mod preview;
mod recover;
mod releases;
mod resources;
mod rollback;
mod sandbox;
mod show;
mod status;
mod storage;
mod template;
mod tui;
mod uninstall;
mod upgrade;
mod values;

use std::io::Write;
use std::process::ExitCode;

use clap::builder::BoolishValueParser;
use clap::{ArgAction, Parser, Subcommand};

/// The namespace Helm uses when neither a flag, the environment nor a kubeconfig
/// context names one.
pub const DEFAULT_NAMESPACE: &str = "default";

/// A terminal release manager for Helm charts.
#[derive(Debug, Parser)]
#[command(name = "wheelhouse", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// For the TUI's installs and upgrades.
    #[command(flatten)]
    pub post_rendering: act::PostRendererArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Helm's global flags, accepted before or after the command.
#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
    /// Namespace scope for this request
    #[arg(short = 'n', long, env = "HELM_NAMESPACE", global = true)]
    pub namespace: Option<String>,
    /// Name of the kubeconfig context to use
    #[arg(long, env = "HELM_KUBECONTEXT", global = true, value_name = "CONTEXT")]
    pub kube_context: Option<String>,
    /// Path to the kubeconfig file
    #[arg(long, env = "KUBECONFIG", global = true, value_name = "PATH")]
    pub kubeconfig: Option<String>,
    /// Enable verbose output
    #[arg(
        long,
        env = "HELM_DEBUG",
        global = true,
        action = ArgAction::SetTrue,
        value_parser = BoolishValueParser::new(),
    )]
    pub debug: bool,
}

/// Settings shared by every command, validated (Helm's `EnvSettings`).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The namespace to act in without a cluster: the flag or
    /// `HELM_NAMESPACE`, else `default`. Commands that reach a cluster use
    /// the kubeconfig context's namespace when no flag names one.
    pub namespace: String,
    /// The namespace the flag or `HELM_NAMESPACE` named, if any.
    pub namespace_flag: Option<String>,
    pub kube_context: Option<String>,
    pub kubeconfig: Option<String>,
    pub debug: bool,
}

impl GlobalArgs {
    fn settings(&self) -> Settings {
        let non_empty = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
        Settings {
            namespace: non_empty(&self.namespace).unwrap_or_else(|| DEFAULT_NAMESPACE.into()),
            namespace_flag: non_empty(&self.namespace),
            kube_context: non_empty(&self.kube_context),
            kubeconfig: non_empty(&self.kubeconfig),
            debug: self.debug,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Locally render templates
    Template(Box<template::TemplateArgs>),
    /// Show information of a chart
    #[command(alias = "inspect")]
    Show(show::ShowArgs),
    /// Generate autocompletion scripts for the specified shell
    Completion(completion::CompletionArgs),
    /// Run a local Kubernetes API server (for tests and trying things out)
    Sandbox(sandbox::SandboxArgs),
    #[command(alias = "ls")]
    List(list::ListArgs),
    #[command(alias = "hist")]
    History(history::HistoryArgs),
    Status(status::StatusArgs),
    Get(get::GetArgs),
    Diff(diff::DiffArgs),
    /// Work with release storage (HELM_DRIVER): migrate records between drivers
    Storage(storage::StorageArgs),
    Install(Box<install::InstallArgs>),
    Upgrade(Box<upgrade::UpgradeArgs>),
    Rollback(rollback::RollbackArgs),
    #[command(visible_aliases = ["delete", "del", "un"])]
    Uninstall(uninstall::UninstallArgs),
    Recover(recover::RecoverArgs),
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // Help and --version are not failures; every usage error exits 1 like Helm.
            let code = if err.use_stderr() { 1 } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // `diff --detailed-exitcode` found changes: 2, as `helm diff` and
        // `terraform plan` answer.
        Err(err) if err.is::<preview::ChangesFound>() => ExitCode::from(2),
        Err(err) => {
            eprintln!("Error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = cli.global.settings();
    match cli.command {
        None => tui::run(&settings, &cli.post_rendering),
        Some(Command::Template(args)) => template::run(*args, &settings),
        Some(Command::Show(args)) => show::run(args),
        Some(Command::Completion(args)) => completion::run(&args),
        Some(Command::Sandbox(args)) => sandbox::run(&args),
        Some(Command::List(args)) => list::run(&args, &settings),
        Some(Command::History(args)) => history::run(&args, &settings),
        Some(Command::Status(args)) => status::run(&args, &settings),
        Some(Command::Get(args)) => get::run(&args, &settings),
        Some(Command::Diff(args)) => diff::run(args, &settings),
        Some(Command::Storage(args)) => storage::run(args, &settings),
        Some(Command::Install(args)) => install::run(*args, &settings),
        Some(Command::Upgrade(args)) => upgrade::run(*args, &settings),
        Some(Command::Rollback(args)) => rollback::run(&args, &settings),
        Some(Command::Uninstall(args)) => uninstall::run(&args, &settings),
        Some(Command::Recover(args)) => recover::run(&args, &settings),
    }
}

/// Writes command output; a closed pipe (`| head`) is not an error.
pub(crate) fn print_stdout(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
