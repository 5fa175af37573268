//! Printing command results the way Helm's `pkg/cli/output` does: the
//! `-o table|json|yaml` choice, gosuri/uitable's column layout, JSON as Go's
//! `json.Encoder` writes it, YAML as sigs.k8s.io/yaml writes it, release
//! times in Go's layouts, and fatih/color's colours with Helm's `--color`
//! rules (`NO_COLOR`, `HELM_COLOR`, a terminal on stdout).
//!
//! Knows nothing of releases beyond their timestamps; each command builds its
//! rows and hands them here.

use std::io::IsTerminal as _;

use anyhow::{Context as _, bail};
use serde::Serialize;

use crate::funcs::data::{marshal_json, marshal_yaml};
use crate::funcs::format_parsed_time;
use crate::gotmpl::Value;
use crate::release::GoTime;
use crate::release::codec::to_go_json;

/// `-o`: how a command prints its result.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Output result in human-readable format
    #[default]
    Table,
    /// Output result in JSON format
    Json,
    /// Output result in YAML format
    Yaml,
}

/// Go's `time.ANSIC`, which `helm history` and `helm status` print.
pub const ANSIC: &str = "Mon Jan _2 15:04:05 2006";

/// The layout of Go's `time.Time.String`, which `helm list` prints.
pub const GO_TIME_STRING: &str = "2006-01-02 15:04:05.999999999 -0700 MST";

/// Go's `time.RFC3339`, which `helm get metadata` prints.
pub const RFC3339: &str = "2006-01-02T15:04:05Z07:00";

/// A record's time in a Go layout, as Helm prints a time it decoded from
/// the record's JSON.
pub fn format_time(time: &GoTime, layout: &str) -> String {
    let instant = time.datetime().map(|t| {
        (
            t.timestamp(),
            t.timestamp_subsec_nanos(),
            t.offset().local_minus_utc(),
        )
    });
    format_parsed_time(instant, layout)
}

/// `output.EncodeJSON` of a Go struct: compact JSON with HTML characters
/// escaped, then a newline.
pub fn encode_json<T: Serialize>(value: &T) -> anyhow::Result<String> {
    let json = to_go_json(value).context("unable to write JSON output")?;
    let mut text = String::from_utf8(json).context("unable to write JSON output")?;
    text.push('\n');
    Ok(text)
}

/// `output.EncodeJSON` of Go maps and interfaces (values): keys sorted.
pub fn encode_json_value(value: &Value) -> anyhow::Result<String> {
    let text = marshal_json(value)
        .map_err(anyhow::Error::msg)
        .context("unable to write JSON output")?;
    Ok(text + "\n")
}

/// `output.EncodeYAML`: sigs.k8s.io/yaml goes through JSON, so struct fields
/// come out with their JSON names, sorted like map keys.
pub fn encode_yaml<T: Serialize>(value: &T) -> anyhow::Result<String> {
    let json = serde_json::to_value(value).context("unable to write YAML output")?;
    encode_yaml_value(&Value::from_json(&json))
}

/// `output.EncodeYAML` of values already in template form.
pub fn encode_yaml_value(value: &Value) -> anyhow::Result<String> {
    marshal_yaml(value)
        .map_err(anyhow::Error::msg)
        .context("unable to write YAML output")
}

/// gosuri/uitable as Helm uses it: cells padded to their column's widest
/// line, columns joined by a tab, rows by newlines.
#[derive(Debug, Default)]
pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new() -> Table {
        Table::default()
    }

    pub fn add_row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    /// `table.String()`.
    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = Vec::new();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if widths.len() <= i {
                    widths.push(0);
                }
                let width = cell.split('\n').map(text_width).max().unwrap_or(0);
                widths[i] = widths[i].max(width);
            }
        }
        let lines: Vec<String> = self
            .rows
            .iter()
            .map(|row| render_row(row, &widths))
            .collect();
        lines.join("\n")
    }

    /// `output.EncodeTable`: the table and a newline.
    pub fn encode(&self) -> String {
        self.render() + "\n"
    }
}

/// `Row.String()`: a cell is fitted to its width first, then split into
/// lines; lines a cell doesn't have are blank cells of its width.
fn render_row(row: &[String], widths: &[usize]) -> String {
    let fitted: Vec<String> = row
        .iter()
        .zip(widths)
        .map(|(cell, &width)| fit_cell(cell, width))
        .collect();
    let split: Vec<Vec<&str>> = fitted.iter().map(|c| c.split('\n').collect()).collect();
    let line_count = split.iter().map(Vec::len).max().unwrap_or(1);
    let mut lines = Vec::with_capacity(line_count);
    for x in 0..line_count {
        let cells: Vec<String> = split
            .iter()
            .zip(widths)
            .map(|(cell_lines, &width)| match cell_lines.get(x) {
                Some(line) => fit_cell(line, width),
                None => pad_left(" ", width),
            })
            .collect();
        lines.push(cells.join("\t"));
    }
    lines.join("\n")
}

/// `Cell.String()` without wrapping: `strutil.Resize`, which pads on the
/// right, or cuts the padded text's bytes and ends it with `...`.
fn fit_cell(text: &str, width: usize) -> String {
    if width == 0 {
        return text.to_owned();
    }
    let have = text_width(text);
    if have == width {
        return text.to_owned();
    }
    if have < width {
        return format!("{text}{}", " ".repeat(width - have));
    }
    let keep = width.saturating_sub(3).min(text.len());
    let mut cut = String::from_utf8_lossy(&text.as_bytes()[..keep]).into_owned();
    cut.push_str("...");
    cut
}

fn pad_left(text: &str, width: usize) -> String {
    let have = text_width(text);
    if have >= width {
        return text.to_owned();
    }
    format!("{}{text}", " ".repeat(width - have))
}

/// go-runewidth's `StringWidth` for the text Helm's tables hold: control
/// characters (colour escapes' ESC) take no column, East Asian wide
/// characters two, the rest one.
fn text_width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            let cp = u32::from(c);
            if cp < 0x20 || (0x7f..0xa0).contains(&cp) {
                0
            } else if is_wide(cp) {
                2
            } else {
                1
            }
        })
        .sum()
}

fn is_wide(cp: u32) -> bool {
    matches!(cp,
        0x1100..=0x115f
        | 0x2e80..=0x303e
        | 0x3041..=0x33ff
        | 0x3400..=0x4dbf
        | 0x4e00..=0x9fff
        | 0xa000..=0xa4cf
        | 0xac00..=0xd7a3
        | 0xf900..=0xfaff
        | 0xfe30..=0xfe4f
        | 0xff00..=0xff60
        | 0xffe0..=0xffe6
        | 0x1f300..=0x1f64f
        | 0x1f900..=0x1f9ff
        | 0x20000..=0x3fffd)
}

/// Helm's `--color`/`--colour` flag with its environment defaults.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ColorArgs {
    /// Use colored output (never, auto, always)
    #[arg(long = "color", visible_alias = "colour", value_name = "MODE")]
    pub color: Option<String>,
}

impl ColorArgs {
    /// Whether to colour stdout: `NO_COLOR` (non-empty) wins over
    /// `HELM_COLOR`, a flag over both, and `auto` colours a terminal whose
    /// `TERM` isn't `dumb`, as fatih/color decides.
    pub fn palette(&self) -> anyhow::Result<Palette> {
        let mode = match &self.color {
            Some(flag) => flag.clone(),
            None => env_color_mode(),
        };
        let on = match mode.as_str() {
            "never" => false,
            "always" => true,
            "auto" => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::env::var("TERM").map_or(true, |t| t != "dumb")
                    && std::io::stdout().is_terminal()
            }
            other => bail!("invalid color mode {other:?}: must be one of: never, auto, always"),
        };
        Ok(Palette { on })
    }
}

/// Helm's `envColorMode`.
fn env_color_mode() -> String {
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        return "never".into();
    }
    match std::env::var("HELM_COLOR").map(|v| v.to_lowercase()) {
        Ok(v) if matches!(v.as_str(), "never" | "auto" | "always") => v,
        _ => "auto".into(),
    }
}

/// fatih/color's escapes, or none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Palette {
    pub on: bool,
}

impl Palette {
    pub const PLAIN: Palette = Palette { on: false };

    fn paint(self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// `ColorizeHeader`: bold.
    pub fn header(self, text: &str) -> String {
        self.paint("1", text)
    }

    /// `ColorizeNamespace`: cyan.
    pub fn namespace(self, text: &str) -> String {
        self.paint("36", text)
    }

    /// `ColorizeStatus`: deployed green, failed and unknown red, work in
    /// progress yellow, the rest plain.
    pub fn status(self, status: &str) -> String {
        match status {
            "deployed" => self.paint("32", status),
            "failed" | "unknown" => self.paint("31", status),
            "pending-install" | "pending-upgrade" | "pending-rollback" | "uninstalling" => {
                self.paint("33", status)
            }
            _ => status.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_pads_every_cell_and_joins_with_tabs() {
        let mut t = Table::new();
        t.add_row(["NAME", "REVISION"]);
        t.add_row(["a-long-name", "1"]);
        assert_eq!(t.encode(), "NAME       \tREVISION\na-long-name\t1       \n");
        assert_eq!(Table::new().encode(), "\n");
    }

    #[test]
    fn multi_line_cells_spread_over_lines_with_blank_neighbours() {
        let mut t = Table::new();
        t.add_row(["A", "B"]);
        t.add_row(["x", "one\ntwo"]);
        // The two-line cell measures 3 (its widest line) but as one string
        // it is 6 wide, so uitable's Resize cuts it before splitting.
        assert_eq!(t.render(), "A\tB  \nx\t...");
        let mut t = Table::new();
        t.add_row(["A", "BBBBBBBB"]);
        t.add_row(["x", "one\ntwo"]);
        assert_eq!(t.render(), "A\tBBBBBBBB\nx\tone     \n \ttwo     ");
    }

    #[test]
    fn colour_escapes_take_columns_like_runewidth_counts_them() {
        assert_eq!(text_width("\x1b[1mNAME\x1b[0m"), 10);
        assert_eq!(text_width("日本"), 4);
        assert_eq!(fit_cell("abcdef", 5), "ab...");
        assert_eq!(fit_cell("abcdef", 2), "...");
    }

    #[test]
    fn times_print_as_go_prints_a_decoded_record_time() {
        let utc = GoTime::parse("2026-11-22T07:17:56.120000000Z").unwrap();
        assert_eq!(
            format_time(&utc, GO_TIME_STRING),
            "2026-11-22 07:17:56.12 +0000 UTC"
        );
        assert_eq!(format_time(&utc, ANSIC), "Sun Nov 22 07:17:56 2026");
        let east = GoTime::parse("2026-11-02T08:17:56.5+01:00").unwrap();
        assert_eq!(
            format_time(&east, GO_TIME_STRING),
            "2026-11-02 08:17:56.5 +0100 +0100"
        );
        assert_eq!(format_time(&east, ANSIC), "Mon Nov  2 08:17:56 2026");
        assert_eq!(format_time(&east, RFC3339), "2026-11-02T08:17:56+01:00");
        assert_eq!(
            format_time(&GoTime::ZERO, ANSIC),
            "Mon Jan  1 00:00:00 0001"
        );
    }

    #[test]
    fn json_and_yaml_encode_as_helm_does() {
        #[derive(Serialize)]
        struct Row {
            name: String,
            revision: String,
            app_version: String,
        }
        let rows = vec![Row {
            name: "a<b".into(),
            revision: "1".into(),
            app_version: "1.0".into(),
        }];
        assert_eq!(
            encode_json(&rows).unwrap(),
            "[{\"name\":\"a\\u003cb\",\"revision\":\"1\",\"app_version\":\"1.0\"}]\n"
        );
        assert_eq!(
            encode_yaml(&rows).unwrap(),
            "- app_version: \"1.0\"\n  name: a<b\n  revision: \"1\"\n"
        );
        assert_eq!(encode_yaml(&Vec::<Row>::new()).unwrap(), "[]\n");
        assert_eq!(encode_json_value(&Value::Nil).unwrap(), "null\n");
        assert_eq!(encode_yaml_value(&Value::Nil).unwrap(), "null\n");
    }

    #[test]
    fn palette_paints_statuses_as_helm_does() {
        let on = Palette { on: true };
        assert_eq!(on.status("deployed"), "\x1b[32mdeployed\x1b[0m");
        assert_eq!(on.status("unknown"), "\x1b[31munknown\x1b[0m");
        assert_eq!(
            on.status("pending-upgrade"),
            "\x1b[33mpending-upgrade\x1b[0m"
        );
        assert_eq!(on.status("superseded"), "superseded");
        assert_eq!(Palette::PLAIN.header("NAME"), "NAME");
        let bad = ColorArgs {
            color: Some("sometimes".into()),
        };
        assert!(
            bad.palette()
                .unwrap_err()
                .to_string()
                .contains("never, auto, always")
        );
    }
}
