//! `wheelhouse storage migrate`: moving release records between the drivers
//! `HELM_DRIVER` chooses from, which Helm leaves to users.

use clap::{Args, Subcommand, ValueEnum};

use crate::storage::DriverKind;
use crate::storage::migrate::{MigrateOptions, MigrateReport, Step, migrate};

use super::Settings;
use super::connect::open_driver;

const STORAGE_ABOUT: &str = "\
Release records live where HELM_DRIVER says: secret (the default: Secrets in \
each release's namespace), configmap, sql (PostgreSQL, HELM_DRIVER_SQL_CONNECTION_STRING) \
or memory (this process only).

A record holds the chart and the values it was installed with, so it may hold \
passwords, keys and other credentials. Kubernetes RBAC usually lets far more \
people read ConfigMaps than Secrets (the built-in \"view\" role reads ConfigMaps \
but not Secrets), and only Secrets can be encrypted at rest: moving records to \
configmap exposes whatever the charts' values contain.";

#[derive(Debug, Args)]
#[command(long_about = STORAGE_ABOUT)]
pub struct StorageArgs {
    #[command(subcommand)]
    command: StorageCommand,
}

#[derive(Debug, Subcommand)]
enum StorageCommand {
    /// Copy release records from one storage driver to another
    Migrate(MigrateArgs),
}

/// Copies every record of the chosen namespace (or all, with -A) from one
/// driver to another. Nothing is written if the target already holds a
/// different record under the same name; the source is deleted only with
/// --delete-source, and only after every copy has been read back equal.
#[derive(Debug, Args)]
struct MigrateArgs {
    /// The driver holding the records now
    #[arg(long, value_enum)]
    from: DriverName,
    /// The driver to copy them to
    #[arg(long, value_enum)]
    to: DriverName,
    /// Migrate every namespace instead of the current one
    #[arg(short = 'A', long)]
    all_namespaces: bool,
    /// Show what would be copied; write nothing
    #[arg(long)]
    dry_run: bool,
    /// Delete the source records once every copy is verified
    #[arg(long, conflicts_with = "dry_run")]
    delete_source: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DriverName {
    Secret,
    Configmap,
    Sql,
    Memory,
}

impl DriverName {
    fn kind(self) -> DriverKind {
        match self {
            DriverName::Secret => DriverKind::Secret,
            DriverName::Configmap => DriverKind::ConfigMap,
            DriverName::Sql => DriverKind::Sql,
            DriverName::Memory => DriverKind::Memory,
        }
    }
}

pub fn run(args: StorageArgs, settings: &Settings) -> anyhow::Result<()> {
    let StorageCommand::Migrate(args) = args.command;
    if args.from == args.to {
        anyhow::bail!(
            "--from and --to both name the {:?} driver; nothing to migrate",
            args.from
        );
    }
    let runtime = tokio::runtime::Runtime::new()?;
    let text = runtime.block_on(migrate_command(&args, settings))?;
    super::print_stdout(&text)
}

async fn migrate_command(args: &MigrateArgs, settings: &Settings) -> anyhow::Result<String> {
    let from = open_driver(args.from.kind(), settings).await?;
    let to = open_driver(args.to.kind(), settings).await?;
    let options = MigrateOptions {
        namespaces: match args.all_namespaces {
            true => Vec::new(),
            false => vec![from.namespace.clone()],
        },
        dry_run: args.dry_run,
        delete_source: args.delete_source,
    };
    let report = migrate(from.storage.driver(), to.storage.driver(), &options).await?;
    Ok(describe(
        &report,
        args,
        from.storage.driver().name(),
        to.storage.driver().name(),
    ))
}

/// One line per record, then a summary; unreadable records are named.
fn describe(report: &MigrateReport, args: &MigrateArgs, from: &str, to: &str) -> String {
    let mut out = String::new();
    let verb = if args.dry_run { "would copy" } else { "copied" };
    for (namespace, key, step) in &report.steps {
        let what = match step {
            Step::Copy => verb,
            Step::AlreadyThere => "already in target",
        };
        out.push_str(&format!("{what}: {namespace}/{key}\n"));
    }
    for skipped in &report.unreadable {
        out.push_str(&format!(
            "left in source (unreadable): {}/{}: {}\n",
            skipped.namespace, skipped.key, skipped.error
        ));
    }
    let copies = report
        .steps
        .iter()
        .filter(|(_, _, s)| *s == Step::Copy)
        .count();
    out.push_str(&format!(
        "{} {copies} of {} records from {from} to {to}",
        if args.dry_run { "Would copy" } else { "Copied" },
        report.steps.len()
    ));
    if report.deleted > 0 {
        out.push_str(&format!("; deleted {} from {from}", report.deleted));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Skipped;
    use crate::storage::StorageError;

    #[test]
    fn reports_each_record_and_the_totals() {
        let args = MigrateArgs {
            from: DriverName::Secret,
            to: DriverName::Sql,
            all_namespaces: true,
            dry_run: true,
            delete_source: false,
        };
        let report = MigrateReport {
            steps: vec![
                ("a".into(), "sh.helm.release.v1.web.v1".into(), Step::Copy),
                (
                    "a".into(),
                    "sh.helm.release.v1.web.v2".into(),
                    Step::AlreadyThere,
                ),
            ],
            unreadable: vec![Skipped {
                key: "sh.helm.release.v1.bad.v1".into(),
                namespace: "b".into(),
                error: StorageError::NotFound { key: "x".into() },
            }],
            deleted: 0,
        };
        assert_eq!(
            describe(&report, &args, "Secret", "SQL"),
            "would copy: a/sh.helm.release.v1.web.v1\n\
             already in target: a/sh.helm.release.v1.web.v2\n\
             left in source (unreadable): b/sh.helm.release.v1.bad.v1: release: not found\n\
             Would copy 1 of 2 records from Secret to SQL\n"
        );
    }
}
