//! `wheelhouse history NAME`: the revisions of one release, oldest first,
//! as `helm history` prints them (`cmd/history.go`).

use anyhow::bail;
use serde::{Serialize, Serializer};

use crate::chart::name::validate_release_name;
use crate::release::{GoTime, Release};
use crate::storage::StorageError;

use super::list::{app_version, chart_name};
use super::output::{ANSIC, Format, Table, encode_json, encode_yaml, format_time};
use super::releases::{runtime, warn_skipped};
use super::{Settings, print_stdout};

/// Helm's default for `--max`.
pub const DEFAULT_MAX: i64 = 256;

/// Fetch release history
///
/// Prints the revisions of a release, at most --max of them (the latest).
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// The release
    #[arg(value_name = "RELEASE_NAME")]
    pub name: String,
    /// Maximum number of revision to include in history
    #[arg(long, default_value_t = DEFAULT_MAX, value_name = "N")]
    pub max: i64,
    /// Prints the output in the specified format
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Table)]
    pub output: Format,
}

/// One revision as `helm history` shows it (`releaseInfo`).
#[derive(Debug, PartialEq, Serialize)]
pub struct ReleaseInfo {
    pub revision: i64,
    /// Left out of JSON when the record has no deploy time.
    #[serde(skip_serializing_if = "GoTime::is_zero", serialize_with = "go_time")]
    pub updated: GoTime,
    pub status: String,
    pub chart: String,
    pub app_version: String,
    pub description: String,
}

fn go_time<S: Serializer>(time: &GoTime, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&time.rfc3339_nano())
}

/// `getHistory`: the `max` highest revisions, printed oldest first.
pub fn history(releases: &[Release], max: i64) -> Vec<ReleaseInfo> {
    let mut newest_first: Vec<&Release> = releases.iter().collect();
    newest_first.sort_by_key(|r| std::cmp::Reverse(r.version));
    let keep = usize::try_from(max).unwrap_or(0).min(newest_first.len());
    newest_first.truncate(keep);
    newest_first
        .into_iter()
        .rev()
        .map(|r| ReleaseInfo {
            revision: r.version,
            updated: r.last_deployed(),
            status: r.status().to_string(),
            chart: chart_name(r),
            app_version: app_version(r),
            description: r
                .info
                .as_ref()
                .map(|i| i.description.clone())
                .unwrap_or_default(),
        })
        .collect()
}

/// The text `helm history` prints.
pub fn render(format: Format, rows: &[ReleaseInfo]) -> anyhow::Result<String> {
    match format {
        Format::Json => encode_json(&rows),
        Format::Yaml => encode_yaml(&rows),
        Format::Table => {
            let mut table = Table::new();
            table.add_row([
                "REVISION",
                "UPDATED",
                "STATUS",
                "CHART",
                "APP VERSION",
                "DESCRIPTION",
            ]);
            for row in rows {
                table.add_row([
                    row.revision.to_string(),
                    format_time(&row.updated, ANSIC),
                    row.status.clone(),
                    row.chart.clone(),
                    row.app_version.clone(),
                    row.description.clone(),
                ]);
            }
            Ok(table.encode())
        }
    }
}

pub fn run(args: &HistoryArgs, settings: &Settings) -> anyhow::Result<()> {
    if validate_release_name(&args.name).is_err() {
        bail!("release name is invalid: {}", args.name);
    }
    let (releases, skipped) = runtime()?.block_on(async {
        let opened = super::connect::open_storage(settings).await?;
        let found = opened
            .storage
            .history(&opened.namespace, &args.name)
            .await?;
        anyhow::Ok(found)
    })?;
    warn_skipped(&skipped);
    if releases.is_empty() && skipped.is_empty() {
        return Err(StorageError::NotFound {
            key: crate::storage::record_key(&args.name, 0),
        }
        .into());
    }
    print_stdout(&render(args.output, &history(&releases, args.max))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::{Info, Status};

    fn revision(version: i64, status: Status, at: &str, description: &str) -> Release {
        Release {
            name: "web".into(),
            namespace: "apps".into(),
            version,
            info: Some(Info {
                status,
                last_deployed: if at.is_empty() {
                    GoTime::ZERO
                } else {
                    GoTime::parse(at).unwrap()
                },
                description: description.into(),
                ..Info::default()
            }),
            ..Release::default()
        }
    }

    fn sample() -> Vec<Release> {
        vec![
            revision(
                3,
                Status::Deployed,
                "2026-11-22T09:30:00.5+01:00",
                "Upgrade complete",
            ),
            revision(
                1,
                Status::Superseded,
                "2026-11-20T10:00:00Z",
                "Install complete",
            ),
            revision(2, Status::Superseded, "", "Upgrade complete"),
        ]
    }

    #[test]
    fn keeps_the_latest_max_revisions_oldest_first() {
        let rows = history(&sample(), 2);
        assert_eq!(rows.iter().map(|r| r.revision).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(history(&sample(), 256).len(), 3);
        assert!(history(&sample(), 0).is_empty());
        assert!(history(&sample(), -1).is_empty());
    }

    #[test]
    fn table_uses_ansic_times_and_missing_charts() {
        let out = render(Format::Table, &history(&sample(), 256)).unwrap();
        assert_eq!(
            out,
            "REVISION\tUPDATED                 \tSTATUS    \tCHART  \tAPP VERSION\tDESCRIPTION     \n\
             1       \tFri Nov 20 10:00:00 2026\tsuperseded\tMISSING\tMISSING    \tInstall complete\n\
             2       \tMon Jan  1 00:00:00 0001\tsuperseded\tMISSING\tMISSING    \tUpgrade complete\n\
             3       \tSun Nov 22 09:30:00 2026\tdeployed  \tMISSING\tMISSING    \tUpgrade complete\n"
        );
        assert_eq!(
            render(Format::Table, &[]).unwrap(),
            "REVISION\tUPDATED\tSTATUS\tCHART\tAPP VERSION\tDESCRIPTION\n"
        );
    }

    #[test]
    fn json_has_numbers_for_revisions_and_omits_zero_times() {
        let out = render(Format::Json, &history(&sample(), 256)).unwrap();
        assert_eq!(
            out,
            "[{\"revision\":1,\"updated\":\"2026-11-20T10:00:00Z\",\"status\":\"superseded\",\"chart\":\"MISSING\",\"app_version\":\"MISSING\",\"description\":\"Install complete\"},\
             {\"revision\":2,\"status\":\"superseded\",\"chart\":\"MISSING\",\"app_version\":\"MISSING\",\"description\":\"Upgrade complete\"},\
             {\"revision\":3,\"updated\":\"2026-11-22T09:30:00.5+01:00\",\"status\":\"deployed\",\"chart\":\"MISSING\",\"app_version\":\"MISSING\",\"description\":\"Upgrade complete\"}]\n"
        );
        assert_eq!(render(Format::Json, &[]).unwrap(), "[]\n");
        let yaml = render(Format::Yaml, &history(&sample(), 1)).unwrap();
        assert_eq!(
            yaml,
            "- app_version: MISSING\n  chart: MISSING\n  description: Upgrade complete\n  revision: 3\n  status: deployed\n  updated: \"2026-11-22T09:30:00.5+01:00\"\n"
        );
    }
}
