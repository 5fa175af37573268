//! `wheelhouse diff revision NAME REV_A [REV_B]`: how two stored revisions
//! of a release differ, manifest then user-supplied values, as unified
//! diffs. Secret values are masked unless `--show-secrets`.

use anyhow::bail;

use crate::diff::{Colors, UnifiedOptions, mask_secret_pair, unified};
use crate::release::Release;

use super::output::{ColorArgs, encode_yaml_value};
use super::releases::{release_content, runtime};
use super::status::config_value;
use super::{Settings, print_stdout};

/// Unchanged lines shown around each change unless `--context` says otherwise.
pub const DEFAULT_CONTEXT: usize = 3;

/// Compare two revisions of a release
///
/// Prints unified diffs of the rendered manifests and of the user-supplied
/// values. The values of Secrets are masked unless --show-secrets is given.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    #[command(subcommand)]
    pub what: DiffWhat,
}

#[derive(Debug, clap::Subcommand)]
pub enum DiffWhat {
    /// Show how two revisions of a release differ (REV_B defaults to the latest)
    Revision(RevisionArgs),
    /// Preview an upgrade: per object, the live object against what the upgrade would leave
    Upgrade(Box<super::preview::UpgradePreviewArgs>),
    /// Preview a rollback: per object, the live object against what the rollback would leave
    Rollback(Box<super::preview::RollbackPreviewArgs>),
}

#[derive(Debug, clap::Args)]
pub struct RevisionArgs {
    /// The release
    #[arg(value_name = "RELEASE_NAME")]
    pub name: String,
    /// The older revision
    #[arg(value_name = "REV_A")]
    pub rev_a: i64,
    /// The newer revision (the latest when left out)
    #[arg(value_name = "REV_B")]
    pub rev_b: Option<i64>,
    /// Unchanged lines shown around each change
    #[arg(short = 'C', long, default_value_t = DEFAULT_CONTEXT, value_name = "N")]
    pub context: usize,
    /// Show the values of Secrets instead of masking them
    #[arg(long)]
    pub show_secrets: bool,
    /// Print without colour (also when NO_COLOR is set or stdout is not a terminal)
    #[arg(long)]
    pub no_color: bool,
}

/// How to print a revision diff.
#[derive(Clone, Copy, Debug)]
pub struct DiffOptions {
    pub context: usize,
    pub show_secrets: bool,
    pub colors: Colors,
}

/// The manifest diff, then the values diff; "" when the revisions agree.
pub fn render(old: &Release, new: &Release, options: DiffOptions) -> anyhow::Result<String> {
    let unified_options = UnifiedOptions {
        context: options.context,
        colors: options.colors,
    };
    let label = |r: &Release, part: &str| format!("{} revision {} {part}", r.name, r.version);
    let (old_manifest, new_manifest) = if options.show_secrets {
        (old.manifest.clone(), new.manifest.clone())
    } else {
        mask_secret_pair(&old.manifest, &new.manifest)
    };
    let mut out = unified(
        &label(old, "manifest"),
        &label(new, "manifest"),
        &old_manifest,
        &new_manifest,
        unified_options,
    );
    out.push_str(&unified(
        &label(old, "values"),
        &label(new, "values"),
        &values_text(old)?,
        &values_text(new)?,
        unified_options,
    ));
    Ok(out)
}

/// The user-supplied values as `get values -o yaml` prints them; nothing
/// when there are none.
fn values_text(release: &Release) -> anyhow::Result<String> {
    if release.config.is_empty() {
        return Ok(String::new());
    }
    encode_yaml_value(&config_value(release))
}

pub fn run(args: DiffArgs, settings: &Settings) -> anyhow::Result<()> {
    match args.what {
        DiffWhat::Revision(args) => run_revision(&args, settings),
        DiffWhat::Upgrade(args) => super::preview::run_upgrade(*args, settings),
        DiffWhat::Rollback(args) => super::preview::run_rollback(*args, settings),
    }
}

fn run_revision(args: &RevisionArgs, settings: &Settings) -> anyhow::Result<()> {
    if args.rev_a <= 0 || args.rev_b.is_some_and(|b| b <= 0) {
        bail!(
            "revisions count from 1; give REV_A (and REV_B) as revision numbers from `wheelhouse history {}`",
            args.name
        );
    }
    let colors = Colors {
        on: !args.no_color && ColorArgs::default().palette()?.on,
    };
    let (old, new) = runtime()?.block_on(async {
        let opened = super::connect::open_storage(settings).await?;
        let old =
            release_content(&opened.storage, &opened.namespace, &args.name, args.rev_a).await?;
        let new = release_content(
            &opened.storage,
            &opened.namespace,
            &args.name,
            args.rev_b.unwrap_or(0),
        )
        .await?;
        anyhow::Ok((old, new))
    })?;
    let options = DiffOptions {
        context: args.context,
        show_secrets: args.show_secrets,
        colors,
    };
    print_stdout(&render(&old, &new, options)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn revision(version: i64, manifest: &str, replicas: Option<i64>) -> Release {
        let mut config = serde_json::Map::new();
        if let Some(n) = replicas {
            config.insert("replicas".into(), serde_json::json!(n));
        }
        Release {
            name: "web".into(),
            namespace: "apps".into(),
            version,
            manifest: manifest.into(),
            config,
            ..Release::default()
        }
    }

    const SECRET: &str = "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ndata:\n  password: c2VjcmV0\n";

    fn options(show_secrets: bool) -> DiffOptions {
        DiffOptions {
            context: 3,
            show_secrets,
            colors: Colors::default(),
        }
    }

    #[test]
    fn manifest_then_values_with_secrets_masked() {
        let old = revision(1, SECRET, None);
        let new = revision(2, &SECRET.replace("c2VjcmV0", "b3RoZXI="), Some(3));
        let out = render(&old, &new, options(false)).unwrap();
        assert_eq!(
            out,
            "--- web revision 1 manifest\n+++ web revision 2 manifest\n@@ -4,4 +4,4 @@\n metadata:\n   name: creds\n data:\n-  password: (secret value hidden, 6 bytes, before)\n+  password: (secret value hidden, 5 bytes, after)\n\
             --- web revision 1 values\n+++ web revision 2 values\n@@ -0,0 +1 @@\n+replicas: 3\n"
        );
        let shown = render(&old, &new, options(true)).unwrap();
        assert!(
            shown.contains("-  password: c2VjcmV0\n+  password: b3RoZXI=\n"),
            "{shown}"
        );
    }

    #[test]
    fn equal_revisions_print_nothing() {
        let old = revision(1, SECRET, Some(2));
        let new = revision(2, SECRET, Some(2));
        assert_eq!(render(&old, &new, options(false)).unwrap(), "");
    }
}
