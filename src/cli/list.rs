//! `wheelhouse list`: the latest revision of every release, as `helm list`
//! selects, orders, pages and prints them (Helm's `action.List` and
//! `cmd/list.go`).

use std::collections::BTreeMap;

use anyhow::{Context as _, bail};
use regex::Regex;
use serde::Serialize;

use crate::kube::labels::LabelSelector;
use crate::release::{Release, Status};
use crate::storage::{
    Driver, Query, RecordHeader, Skipped, StoredRecord, decode_each, parse_record_key,
};

use super::output::{ColorArgs, Format, GO_TIME_STRING, Palette, Table, encode_json, encode_yaml};
use super::releases::{LabelsFrom, highest_readable, record_labels, runtime, warn_skipped};
use super::{Settings, print_stdout};

/// Helm's default for `--max`.
pub const DEFAULT_MAX: i64 = 256;

/// List releases
///
/// Lists the releases of a namespace (the current context's unless -n names
/// one), every status by default. Status flags such as --deployed and
/// --failed narrow it and combine. Releases are sorted by name; -d sorts by
/// date. --filter takes a regular expression matched against release names.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Output short (quiet) listing format
    #[arg(short = 'q', long)]
    pub short: bool,
    /// Don't print headers when using the default output format
    #[arg(long)]
    pub no_headers: bool,
    /// Format time using golang time formatter. Example: --time-format "2006-01-02 15:04:05Z0700"
    #[arg(
        long,
        value_name = "LAYOUT",
        default_value = "",
        hide_default_value = true
    )]
    pub time_format: String,
    /// Sort by release date
    #[arg(short = 'd', long)]
    pub date: bool,
    /// Reverse the sort order
    #[arg(short = 'r', long)]
    pub reverse: bool,
    /// Show every status (the default; kept for Helm 3 scripts)
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Show uninstalled releases (if 'uninstall --keep-history' was used)
    #[arg(long)]
    pub uninstalled: bool,
    /// Show superseded releases
    #[arg(long)]
    pub superseded: bool,
    /// Show releases that are currently being uninstalled
    #[arg(long)]
    pub uninstalling: bool,
    /// Show deployed releases
    #[arg(long)]
    pub deployed: bool,
    /// Show failed releases
    #[arg(long)]
    pub failed: bool,
    /// Show pending releases
    #[arg(long)]
    pub pending: bool,
    /// List releases across all namespaces
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// Maximum number of releases to fetch (0 for no limit)
    #[arg(short = 'm', long, default_value_t = DEFAULT_MAX, value_name = "N")]
    pub max: i64,
    /// Next release index in the list, used to offset from start value
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub offset: i64,
    /// A regular expression; only releases whose names match are listed
    #[arg(
        short = 'f',
        long,
        value_name = "REGEX",
        default_value = "",
        hide_default_value = true
    )]
    pub filter: String,
    /// Selector (label query) to filter on, supports '=', '==', and '!='.(e.g. -l key1=value1,key2=value2)
    #[arg(
        short = 'l',
        long,
        value_name = "SELECTOR",
        default_value = "",
        hide_default_value = true
    )]
    pub selector: String,
    /// Prints the output in the specified format
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Table)]
    pub output: Format,
    #[command(flatten)]
    pub color: ColorArgs,
}

/// Helm's `ListStates` bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateMask(u16);

impl StateMask {
    pub const DEPLOYED: StateMask = StateMask(1);
    pub const UNINSTALLED: StateMask = StateMask(1 << 1);
    pub const UNINSTALLING: StateMask = StateMask(1 << 2);
    pub const PENDING_INSTALL: StateMask = StateMask(1 << 3);
    pub const PENDING_UPGRADE: StateMask = StateMask(1 << 4);
    pub const PENDING_ROLLBACK: StateMask = StateMask(1 << 5);
    pub const SUPERSEDED: StateMask = StateMask(1 << 6);
    pub const FAILED: StateMask = StateMask(1 << 7);
    pub const UNKNOWN: StateMask = StateMask(1 << 8);
    /// Every named status; `unknown` (and any status Helm doesn't know) is
    /// never listed, as in Helm.
    pub const ALL: StateMask = StateMask(0xff);

    /// `ListStates.FromName`.
    pub fn of(status: &Status) -> StateMask {
        match status {
            Status::Deployed => StateMask::DEPLOYED,
            Status::Uninstalled => StateMask::UNINSTALLED,
            Status::Superseded => StateMask::SUPERSEDED,
            Status::Failed => StateMask::FAILED,
            Status::Uninstalling => StateMask::UNINSTALLING,
            Status::PendingInstall => StateMask::PENDING_INSTALL,
            Status::PendingUpgrade => StateMask::PENDING_UPGRADE,
            Status::PendingRollback => StateMask::PENDING_ROLLBACK,
            Status::Unknown | Status::Other(_) => StateMask::UNKNOWN,
        }
    }

    fn union(self, other: StateMask) -> StateMask {
        StateMask(self.0 | other.0)
    }

    fn intersects(self, other: StateMask) -> bool {
        self.0 & other.0 != 0
    }
}

/// How `list` orders releases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    NameAsc,
    NameDesc,
    /// Oldest first.
    DateAsc,
    /// Newest first.
    DateDesc,
}

/// The validated options of one `list`.
#[derive(Clone, Debug)]
pub struct ListOptions {
    pub states: StateMask,
    pub filter: Option<Regex>,
    pub selector: LabelSelector,
    pub sort: Sort,
    /// 0 or less: no limit.
    pub max: i64,
    pub offset: usize,
}

impl ListArgs {
    /// Helm's `SetStateMask` and `sort`, and the flags checked before any
    /// storage is read.
    pub fn options(&self) -> anyhow::Result<ListOptions> {
        let states = if self.all {
            StateMask::ALL
        } else {
            let picked = [
                (self.deployed, StateMask::DEPLOYED),
                (self.uninstalled, StateMask::UNINSTALLED),
                (self.uninstalling, StateMask::UNINSTALLING),
                (
                    self.pending,
                    StateMask::PENDING_INSTALL
                        .union(StateMask::PENDING_UPGRADE)
                        .union(StateMask::PENDING_ROLLBACK),
                ),
                (self.failed, StateMask::FAILED),
                (self.superseded, StateMask::SUPERSEDED),
            ]
            .into_iter()
            .filter(|(on, _)| *on)
            .fold(StateMask(0), |mask, (_, bit)| mask.union(bit));
            if picked == StateMask(0) {
                StateMask::ALL
            } else {
                picked
            }
        };
        let filter = if self.filter.is_empty() {
            None
        } else {
            Some(Regex::new(&self.filter).with_context(|| {
                format!("--filter {:?} is not a regular expression", self.filter)
            })?)
        };
        let sort = match (self.date, self.reverse) {
            (true, false) => Sort::DateDesc,
            (true, true) => Sort::DateAsc,
            (false, true) => Sort::NameDesc,
            (false, false) => Sort::NameAsc,
        };
        let Ok(offset) = usize::try_from(self.offset) else {
            bail!(
                "--offset {} is negative; give the index of the first release to show",
                self.offset
            );
        };
        Ok(ListOptions {
            states,
            filter,
            selector: LabelSelector::parse(&self.selector)
                .map_err(|e| anyhow::anyhow!("--selector {:?}: {e}", self.selector))?,
            sort,
            max: self.max,
            offset,
        })
    }
}

/// A release with the labels its record carries (system ones included, as
/// Helm's `List` hands them to the selector).
pub struct Listed {
    pub release: Release,
    pub labels: BTreeMap<String, String>,
}

impl Listed {
    /// A release read from `record` by the driver named `driver`.
    pub fn new(header: &RecordHeader, release: Release, driver: &str) -> Listed {
        Listed {
            labels: record_labels(header, driver, LabelsFrom::List),
            release,
        }
    }
}

/// Helm's `List.Run` after reading storage: latest revisions only (unless
/// only superseded ones are wanted), the state mask, the selector, the sort,
/// then the page.
pub fn select(options: &ListOptions, records: Vec<Listed>) -> Vec<Release> {
    let named = records.into_iter().filter(|l| {
        options
            .filter
            .as_ref()
            .is_none_or(|re| re.is_match(&l.release.name))
    });
    let mut kept: Vec<Listed> = if options.states == StateMask::SUPERSEDED {
        named.collect()
    } else {
        latest_only(named)
    };
    kept.retain(|l| {
        options
            .states
            .intersects(StateMask::of(&l.release.status()))
    });
    kept.retain(|l| options.selector.matches_map(&l.labels));
    let mut releases: Vec<Release> = kept.into_iter().map(|l| l.release).collect();
    sort(&mut releases, options.sort);
    if options.offset >= releases.len() {
        return Vec::new();
    }
    let end = match usize::try_from(options.max) {
        Ok(max) if max > 0 => options.offset.saturating_add(max).min(releases.len()),
        _ => releases.len(),
    };
    releases.truncate(end);
    releases.drain(..options.offset);
    releases
}

fn latest_only(records: impl Iterator<Item = Listed>) -> Vec<Listed> {
    let mut latest: BTreeMap<(String, String), Listed> = BTreeMap::new();
    for listed in records {
        let id = (
            listed.release.namespace.clone(),
            listed.release.name.clone(),
        );
        match latest.get(&id) {
            Some(seen) if seen.release.version > listed.release.version => {}
            _ => {
                latest.insert(id, listed);
            }
        }
    }
    latest.into_values().collect()
}

/// Helm's sorters. Go's `sort.Slice` is not stable, so releases of one name
/// in several namespaces may come in any order there; here namespace breaks
/// the tie.
fn sort(releases: &mut [Release], sort: Sort) {
    let by_name = |a: &Release, b: &Release| (&a.name, &a.namespace).cmp(&(&b.name, &b.namespace));
    let by_date = |a: &Release, b: &Release| {
        a.last_deployed()
            .unix_seconds()
            .cmp(&b.last_deployed().unix_seconds())
            .then_with(|| by_name(a, b))
    };
    match sort {
        Sort::NameAsc => releases.sort_by(by_name),
        Sort::NameDesc => releases.sort_by(|a, b| by_name(b, a)),
        Sort::DateDesc => releases.sort_by(by_date),
        Sort::DateAsc => releases.sort_by(|a, b| by_date(b, a)),
    }
}

/// One row of `helm list -o json|yaml` (`releaseElement`).
#[derive(Debug, Serialize, PartialEq)]
pub struct ReleaseElement {
    pub name: String,
    pub namespace: String,
    /// A string, as Helm writes it.
    pub revision: String,
    pub updated: String,
    pub status: String,
    pub chart: String,
    pub app_version: String,
}

impl ReleaseElement {
    pub fn new(release: &Release, time_format: &str) -> ReleaseElement {
        let deployed = release.last_deployed();
        let updated = if deployed.is_zero() {
            "-".to_owned()
        } else if time_format.is_empty() {
            super::output::format_time(&deployed, GO_TIME_STRING)
        } else {
            super::output::format_time(&deployed, time_format)
        };
        ReleaseElement {
            name: release.name.clone(),
            namespace: release.namespace.clone(),
            revision: release.version.to_string(),
            updated,
            status: release.status().to_string(),
            chart: chart_name(release),
            app_version: app_version(release),
        }
    }
}

/// `formatChartName`: `NAME-VERSION`, or `MISSING` for a record without chart metadata.
pub fn chart_name(release: &Release) -> String {
    match &release.chart {
        Some(chart) if chart.metadata.is_some() => chart.name_version(),
        _ => "MISSING".to_owned(),
    }
}

/// `formatAppVersion`.
pub fn app_version(release: &Release) -> String {
    match &release.chart {
        Some(chart) if chart.metadata.is_some() => chart.app_version().to_owned(),
        _ => "MISSING".to_owned(),
    }
}

/// How the selected releases are printed.
#[derive(Clone, Debug)]
pub struct Printing {
    pub format: Format,
    pub short: bool,
    pub no_headers: bool,
    pub time_format: String,
    pub palette: Palette,
}

/// The text `helm list` prints for these releases.
pub fn render(printing: &Printing, releases: &[Release]) -> anyhow::Result<String> {
    if printing.short {
        let names: Vec<&str> = releases.iter().map(|r| r.name.as_str()).collect();
        return match printing.format {
            Format::Json => encode_json(&names),
            Format::Yaml => encode_yaml(&names),
            Format::Table => Ok(names.iter().map(|n| format!("{n}\n")).collect()),
        };
    }
    let elements: Vec<ReleaseElement> = releases
        .iter()
        .map(|r| ReleaseElement::new(r, &printing.time_format))
        .collect();
    match printing.format {
        Format::Json => encode_json(&elements),
        Format::Yaml => encode_yaml(&elements),
        Format::Table => {
            let p = printing.palette;
            let mut table = Table::new();
            if !printing.no_headers {
                table.add_row(
                    [
                        "NAME",
                        "NAMESPACE",
                        "REVISION",
                        "UPDATED",
                        "STATUS",
                        "CHART",
                        "APP VERSION",
                    ]
                    .map(|h| p.header(h)),
                );
            }
            for e in elements {
                table.add_row([
                    e.name,
                    p.namespace(&e.namespace),
                    e.revision,
                    e.updated,
                    p.status(&e.status),
                    e.chart,
                    e.app_version,
                ]);
            }
            Ok(table.encode())
        }
    }
}

pub fn run(args: &ListArgs, settings: &Settings) -> anyhow::Result<()> {
    let options = args.options()?;
    let printing = Printing {
        format: args.output,
        short: args.short,
        no_headers: args.no_headers,
        time_format: args.time_format.clone(),
        palette: args.color.palette()?,
    };
    let (listed, skipped) = runtime()?.block_on(async {
        let opened = super::connect::open_storage(settings).await?;
        let driver = opened.storage.driver();
        let namespace = (!args.all_namespaces).then_some(opened.namespace.as_str());
        // Only a superseded-only listing needs older revisions; otherwise
        // the headers pick each release's latest and only those are decoded.
        let records = if options.states == StateMask::SUPERSEDED {
            driver.query(&Query::namespace(namespace)).await?
        } else {
            driver.latest(&Query::namespace(namespace)).await?
        };
        let (decoded, skipped) = decode_each(records);
        let mut listed: Vec<Listed> = decoded
            .into_iter()
            .map(|(header, release)| Listed::new(&header, release, driver.name()))
            .collect();
        // Helm decodes every revision, so a release whose latest record is
        // unreadable still lists with the newest one that reads.
        if options.states != StateMask::SUPERSEDED {
            listed.extend(older_revisions(driver, &skipped).await?);
        }
        anyhow::Ok((listed, skipped))
    })?;
    warn_skipped(&skipped);
    let selected = select(&options, listed);
    print_stdout(&render(&printing, &selected)?)
}

/// For each unreadable latest record, the newest revision of its release
/// that reads.
async fn older_revisions(driver: &dyn Driver, skipped: &[Skipped]) -> anyhow::Result<Vec<Listed>> {
    let mut found = Vec::new();
    for s in skipped {
        let Some((name, _)) = parse_record_key(&s.key) else {
            continue;
        };
        let records = driver.query(&Query::release(&s.namespace, name)).await?;
        let readable: Vec<StoredRecord> = records
            .into_iter()
            .filter(|r| r.header.key != s.key)
            .collect();
        if let (Some((header, release)), _) = highest_readable(readable) {
            found.push(Listed::new(&header, release, driver.name()));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::{GoTime, Info, Metadata, ReleaseChart};

    fn release(name: &str, ns: &str, version: i64, status: Status, at: &str) -> Release {
        Release {
            name: name.into(),
            namespace: ns.into(),
            version,
            info: Some(Info {
                status,
                last_deployed: GoTime::parse(at).unwrap(),
                description: "Install complete".into(),
                ..Info::default()
            }),
            chart: Some(ReleaseChart {
                metadata: Some(Metadata {
                    name: "web".into(),
                    version: "0.1.0".into(),
                    app_version: "1.16.0".into(),
                    ..Metadata::default()
                }),
                ..ReleaseChart::default()
            }),
            ..Release::default()
        }
    }

    fn listed(releases: Vec<Release>) -> Vec<Listed> {
        releases
            .into_iter()
            .map(|release| Listed {
                labels: [("name".to_owned(), release.name.clone())].into(),
                release,
            })
            .collect()
    }

    fn args(extra: &[&str]) -> ListArgs {
        use clap::Parser;
        #[derive(clap::Parser)]
        struct Wrap {
            #[command(flatten)]
            list: ListArgs,
        }
        let mut argv = vec!["list"];
        argv.extend_from_slice(extra);
        Wrap::parse_from(argv).list
    }

    fn names(releases: &[Release]) -> Vec<String> {
        releases
            .iter()
            .map(|r| format!("{}/{}@{}", r.namespace, r.name, r.version))
            .collect()
    }

    fn sample() -> Vec<Release> {
        vec![
            release("web", "apps", 1, Status::Superseded, "2026-11-20T10:00:00Z"),
            release("web", "apps", 2, Status::Deployed, "2026-11-21T10:00:00Z"),
            release("db", "apps", 1, Status::Failed, "2026-11-22T10:00:00Z"),
            release(
                "cache",
                "apps",
                3,
                Status::PendingUpgrade,
                "2026-11-19T10:00:00Z",
            ),
            release(
                "old",
                "apps",
                1,
                Status::Uninstalled,
                "2026-11-18T10:00:00Z",
            ),
            release("odd", "apps", 1, Status::Unknown, "2026-11-18T10:00:00Z"),
        ]
    }

    #[test]
    fn latest_revisions_by_name_and_unknown_never_listed() {
        let options = args(&[]).options().unwrap();
        let out = select(&options, listed(sample()));
        assert_eq!(
            names(&out),
            ["apps/cache@3", "apps/db@1", "apps/old@1", "apps/web@2"]
        );
    }

    #[test]
    fn status_flags_combine_and_superseded_alone_sees_old_revisions() {
        let out = select(
            &args(&["--deployed", "--failed"]).options().unwrap(),
            listed(sample()),
        );
        assert_eq!(names(&out), ["apps/db@1", "apps/web@2"]);
        let out = select(
            &args(&["--superseded"]).options().unwrap(),
            listed(sample()),
        );
        assert_eq!(names(&out), ["apps/web@1"]);
        // With another state, the latest filter runs first and hides it.
        let out = select(
            &args(&["--superseded", "--pending"]).options().unwrap(),
            listed(sample()),
        );
        assert_eq!(names(&out), ["apps/cache@3"]);
        let out = select(
            &args(&["-a", "--failed"]).options().unwrap(),
            listed(sample()),
        );
        assert_eq!(out.len(), 4);
    }

    #[test]
    fn sorts_by_date_and_reverses_and_pages() {
        let out = select(&args(&["-d"]).options().unwrap(), listed(sample()));
        assert_eq!(
            names(&out),
            ["apps/old@1", "apps/cache@3", "apps/web@2", "apps/db@1"]
        );
        let out = select(&args(&["-d", "-r"]).options().unwrap(), listed(sample()));
        assert_eq!(names(&out)[0], "apps/db@1");
        let out = select(&args(&["-r"]).options().unwrap(), listed(sample()));
        assert_eq!(names(&out)[0], "apps/web@2");
        let out = select(
            &args(&["-m", "2", "--offset", "1"]).options().unwrap(),
            listed(sample()),
        );
        assert_eq!(names(&out), ["apps/db@1", "apps/old@1"]);
        let out = select(
            &args(&["--offset", "4"]).options().unwrap(),
            listed(sample()),
        );
        assert!(out.is_empty());
        let out = select(&args(&["-m", "0"]).options().unwrap(), listed(sample()));
        assert_eq!(out.len(), 4);
        assert!(args(&["--offset=-1"]).options().is_err());
    }

    #[test]
    fn filter_is_a_regex_on_names_and_a_bad_one_is_refused() {
        let out = select(
            &args(&["-f", "^(w|d)"]).options().unwrap(),
            listed(sample()),
        );
        assert_eq!(names(&out), ["apps/db@1", "apps/web@2"]);
        let err = args(&["-f", "("]).options().unwrap_err().to_string();
        assert!(err.contains("--filter"), "{err}");
    }

    #[test]
    fn table_matches_helm_layout() {
        let printing = Printing {
            format: Format::Table,
            short: false,
            no_headers: false,
            time_format: String::new(),
            palette: Palette::PLAIN,
        };
        let mut rel = release(
            "web",
            "apps",
            2,
            Status::Deployed,
            "2026-11-21T10:00:00.123456789Z",
        );
        rel.chart = None;
        let out = render(&printing, &[rel.clone()]).unwrap();
        assert_eq!(
            out,
            "NAME\tNAMESPACE\tREVISION\tUPDATED                                \tSTATUS  \tCHART  \tAPP VERSION\n\
             web \tapps     \t2       \t2026-11-21 10:00:00.123456789 +0000 UTC\tdeployed\tMISSING\tMISSING    \n"
        );
        let quiet = Printing {
            short: true,
            ..printing.clone()
        };
        assert_eq!(render(&quiet, &[rel.clone()]).unwrap(), "web\n");
        let quiet_json = Printing {
            format: Format::Json,
            ..quiet
        };
        assert_eq!(render(&quiet_json, &[rel.clone()]).unwrap(), "[\"web\"]\n");
        let empty_json = Printing {
            format: Format::Json,
            ..printing.clone()
        };
        assert_eq!(render(&empty_json, &[]).unwrap(), "[]\n");
        let no_headers = Printing {
            no_headers: true,
            time_format: "2006-01-02".into(),
            ..printing
        };
        assert_eq!(
            render(&no_headers, &[rel]).unwrap(),
            "web\tapps\t2\t2026-11-21\tdeployed\tMISSING\tMISSING\n"
        );
    }

    #[test]
    fn json_keeps_revision_a_string_and_a_zero_time_a_dash() {
        let mut rel = release("web", "apps", 12, Status::Failed, "2026-11-21T10:00:00Z");
        if let Some(info) = rel.info.as_mut() {
            info.last_deployed = GoTime::ZERO;
        }
        let printing = Printing {
            format: Format::Json,
            short: false,
            no_headers: false,
            time_format: String::new(),
            palette: Palette::PLAIN,
        };
        assert_eq!(
            render(&printing, &[rel.clone()]).unwrap(),
            "[{\"name\":\"web\",\"namespace\":\"apps\",\"revision\":\"12\",\"updated\":\"-\",\"status\":\"failed\",\"chart\":\"web-0.1.0\",\"app_version\":\"1.16.0\"}]\n"
        );
        let yaml = Printing {
            format: Format::Yaml,
            ..printing
        };
        assert_eq!(
            render(&yaml, &[rel]).unwrap(),
            "- app_version: 1.16.0\n  chart: web-0.1.0\n  name: web\n  namespace: apps\n  revision: \"12\"\n  status: failed\n  updated: '-'\n"
        );
    }
}
