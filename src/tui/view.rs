//! Drawing the TUI from its state: a header, the current screen, the input
//! line and key hints, and any popup on top. Reads [`App`] only; never
//! waits on anything.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{
    Block, Borders, Cell, Clear, Paragraph, Row, Table, TableState, Tabs, Wrap,
};

use crate::diff::{Colors, UnifiedOptions, mask_secret_pair, unified};
use crate::release::Release;

use super::app::{
    App, Asking, ChangeInput, ChangeKind, Column, Confirm, DetailTab, Hits, Input, Pane, Popup,
    Screen,
};
use super::config::Action;

/// Draws the whole frame.
pub fn draw(frame: &mut Frame, app: &App) {
    let [header, body, log, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(if app.log.is_empty() { 0 } else { 3 }),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    draw_header(frame, app, header);
    match app.screen() {
        Screen::Releases => {
            let [left, right] =
                Layout::horizontal([Constraint::Length(NAMESPACES_WIDTH), Constraint::Min(20)])
                    .areas(body);
            draw_namespaces(frame, app, left);
            draw_releases(frame, app, right);
        }
        Screen::Detail(tab) => draw_detail(frame, app, *tab, body),
        Screen::History => draw_history(frame, app, body),
        Screen::Diff { title, text } => {
            let lines = draw_text(frame, app, app.scroll, title, text, body, TextKind::Diff);
            note_text_lines(app, lines);
        }
    }
    if !app.log.is_empty() {
        let lines: Vec<Line> = app
            .log
            .iter()
            .rev()
            .take(2)
            .rev()
            .map(|l| Line::raw(l.as_str()))
            .collect();
        frame.render_widget(
            Paragraph::new(lines).block(Block::default().borders(Borders::TOP).title("activity")),
            log,
        );
    }
    draw_footer(frame, app, footer);
    match &app.popup {
        Some(Popup::Help) => draw_help(frame, app),
        Some(Popup::Error(message)) => draw_error(frame, app, message),
        Some(Popup::Confirm { confirm, scroll }) => draw_confirm(frame, app, confirm, *scroll),
        None => {}
    }
}

fn style(app: &App, color: Color) -> Style {
    if app.plain {
        Style::default()
    } else {
        Style::default().fg(color)
    }
}

fn status_style(app: &App, status: &str) -> Style {
    let theme = &app.config.theme;
    match status {
        "deployed" => style(app, theme.deployed),
        "failed" | "unknown" => style(app, theme.failed),
        "pending-install" | "pending-upgrade" | "pending-rollback" | "uninstalling" => {
            style(app, theme.pending)
        }
        _ => Style::default(),
    }
}

fn selected_style(app: &App) -> Style {
    style(app, app.config.theme.selected).add_modifier(Modifier::REVERSED)
}

/// Records where this frame put something (for clicks and scrolling).
fn note(app: &App, record: impl FnOnce(&mut Hits)) {
    let mut hits = app.hits.get();
    record(&mut hits);
    app.hits.set(hits);
}

fn note_text_lines(app: &App, (lines, height): (usize, usize)) {
    note(app, |hits| {
        (hits.text_lines, hits.text_height) = (lines, height)
    });
}

fn draw_header(frame: &mut Frame, app: &App, area: Rect) {
    let namespace = app.namespace.as_deref().unwrap_or("all namespaces");
    let mut spans = vec![Span::styled(
        "wheelhouse",
        Style::default().add_modifier(Modifier::BOLD),
    )];
    if let Some(context) = &app.context {
        spans.push(Span::raw(format!("  context: {context}")));
    }
    spans.push(Span::raw(format!("  namespace: {namespace}")));
    if let Some(post_renderer) = &app.post_renderer {
        spans.push(Span::raw(format!("  post-renderer: {post_renderer}")));
    }
    if app.busy {
        // Turns every other tick of the event loop (50 ms), so a slow
        // cluster shows a moving spinner, never a frozen screen.
        const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
        let turn = SPINNER[(app.ticks / 2 % SPINNER.len() as u64) as usize];
        spans.push(Span::raw(format!("  {turn} working…")));
    }
    if let Some(banner) = &app.banner {
        spans.push(Span::styled(
            format!("  {banner}"),
            style(app, app.config.theme.banner),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// "5m ago"-style age of a Unix time.
pub fn age(now: i64, then: i64) -> String {
    let secs = (now - then).max(0);
    match secs {
        s if s < 60 => format!("{s}s ago"),
        s if s < 3600 => format!("{}m ago", s / 60),
        s if s < 86_400 => format!("{}h ago", s / 3600),
        s => format!("{}d ago", s / 86_400),
    }
}

fn chart_of(r: &Release) -> (String, String) {
    match &r.chart {
        Some(c) if c.metadata.is_some() => (c.name_version(), c.app_version().to_string()),
        _ => ("MISSING".into(), "MISSING".into()),
    }
}

/// Columns the namespaces pane takes.
const NAMESPACES_WIDTH: u16 = 24;

/// The namespaces pane: "all", then each namespace with its releases and
/// how many of them failed (✗) or are pending (…); `?` where RBAC hid them.
fn draw_namespaces(frame: &mut Frame, app: &App, area: Rect) {
    let total: usize = app.namespaces.iter().filter_map(|n| n.releases).sum();
    let mut items = vec![format!("all ({total})")];
    items.extend(app.namespaces.iter().map(|n| {
        let count = n.releases.map_or("?".to_string(), |c| c.to_string());
        let mut line = format!("{} ({count})", n.name);
        if n.failed > 0 {
            line.push_str(&format!(" ✗{}", n.failed));
        }
        if n.pending > 0 {
            line.push_str(&format!(" …{}", n.pending));
        }
        line
    }));
    let current = match &app.namespace {
        None => 0,
        Some(ns) => app
            .namespaces
            .iter()
            .position(|n| &n.name == ns)
            .map_or(usize::MAX, |i| i + 1),
    };
    let rows: Vec<Row> = items
        .into_iter()
        .enumerate()
        .map(|(i, text)| {
            let marker = if i == current { "▸ " } else { "  " };
            Row::new(vec![Cell::from(format!("{marker}{text}"))])
        })
        .collect();
    let mut title = "namespaces".to_string();
    if app.namespaces_note.is_some() {
        title.push_str(" (partial)");
    }
    let table = Table::new(rows, [Constraint::Min(10)])
        .row_highlight_style(if app.focus == Pane::Namespaces {
            selected_style(app)
        } else {
            Style::default()
        })
        .block(Block::default().borders(Borders::ALL).title(title));
    let mut state = TableState::default().with_selected(Some(app.namespace_row));
    frame.render_stateful_widget(table, area, &mut state);
    note(app, |hits| {
        (hits.namespaces, hits.namespaces_offset) = (area, state.offset())
    });
}

/// The releases table's cells without the namespace column when one
/// namespace is shown (every row would say the same).
fn shown<T>(mut cells: Vec<T>, all_namespaces: bool) -> Vec<T> {
    if !all_namespaces {
        cells.remove(1);
    }
    cells
}

fn draw_releases(frame: &mut Frame, app: &App, area: Rect) {
    let visible = app.visible();
    let all_namespaces = app.namespace.is_none();
    let rows: Vec<Row> = visible
        .iter()
        .map(|r| {
            let (chart, app_version) = chart_of(r);
            let status = r.status().as_str().to_string();
            let cells = vec![
                Cell::from(r.name.clone()),
                Cell::from(r.namespace.clone()),
                Cell::from(r.version.to_string()),
                Cell::from(status.clone()).style(status_style(app, &status)),
                Cell::from(chart),
                Cell::from(app_version),
                Cell::from(age(app.now, r.last_deployed().unix_seconds())),
            ];
            Row::new(shown(cells, all_namespaces))
        })
        .collect();
    let title = if app.filter.is_empty() {
        format!("releases ({})", visible.len())
    } else {
        format!(
            "releases ({} of {}, /{})",
            visible.len(),
            app.releases.len(),
            app.filter
        )
    };
    let widths = vec![
        Constraint::Min(12),
        Constraint::Min(10),
        Constraint::Length(8),
        Constraint::Length(16),
        Constraint::Min(14),
        Constraint::Length(11),
        Constraint::Length(9),
    ];
    let header: Vec<String> = Column::ALL
        .iter()
        .map(|c| {
            let arrow = match (*c == app.sort, app.descending) {
                (false, _) => "",
                (true, false) => "↑",
                (true, true) => "↓",
            };
            format!("{}{arrow}", c.title())
        })
        .collect();
    let table = Table::new(rows, shown(widths, all_namespaces))
        .header(
            Row::new(shown(header, all_namespaces))
                .style(Style::default().add_modifier(Modifier::BOLD)),
        )
        .row_highlight_style(if app.focus == Pane::Releases {
            selected_style(app)
        } else {
            Style::default()
        })
        .block(Block::default().borders(Borders::ALL).title(title));
    let mut state = TableState::default().with_selected(if visible.is_empty() {
        None
    } else {
        Some(app.selected)
    });
    frame.render_stateful_widget(table, area, &mut state);
    note(app, |hits| {
        (hits.releases, hits.releases_offset) = (area, state.offset())
    });
    if visible.is_empty() && !app.busy {
        let inner = Rect {
            x: area.x + 2,
            y: area.y + 2,
            width: area.width.saturating_sub(4),
            height: 1,
        };
        let message = if app.releases.is_empty() {
            "no releases here (try :ns all)"
        } else {
            "no release matches the filter (esc clears it)"
        };
        frame.render_widget(Paragraph::new(message), inner);
    }
}

fn draw_detail(frame: &mut Frame, app: &App, tab: DetailTab, area: Rect) {
    let Some(release) = app.selected_release() else {
        return;
    };
    let [tabs, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let titles: Vec<&str> = DetailTab::ALL.iter().map(|t| t.title()).collect();
    let index = DetailTab::ALL.iter().position(|t| *t == tab).unwrap_or(0);
    frame.render_widget(
        Tabs::new(titles)
            .select(index)
            .highlight_style(selected_style(app)),
        tabs,
    );
    let text = app.detail_text(release, tab);
    let title = format!("{} (revision {})", release.name, release.version);
    let kind = match tab {
        DetailTab::Status | DetailTab::Notes => TextKind::Plain,
        DetailTab::Values | DetailTab::Computed | DetailTab::Manifest | DetailTab::Hooks => {
            TextKind::Yaml
        }
    };
    let lines = draw_text(frame, app, app.scroll, &title, &text, body, kind);
    note_text_lines(app, lines);
}

/// The text of one part of a release. Secret values in the manifest are
/// masked.
pub fn detail_text(release: &Release, tab: DetailTab, show_secrets: bool) -> String {
    let info = release.info.clone().unwrap_or_default();
    match tab {
        DetailTab::Status => {
            let (chart, app_version) = chart_of(release);
            format!(
                "NAME: {}\nNAMESPACE: {}\nREVISION: {}\nSTATUS: {}\nCHART: {}\nAPP VERSION: {}\nLAST DEPLOYED: {}\nDESCRIPTION: {}\n",
                release.name,
                release.namespace,
                release.version,
                release.status().as_str(),
                chart,
                app_version,
                info.last_deployed.rfc3339_nano(),
                info.description
            )
        }
        DetailTab::Values => {
            if release.config.is_empty() {
                "(no user-supplied values)\n".into()
            } else {
                yaml(&serde_json::Value::Object(release.config.clone()))
            }
        }
        DetailTab::Computed => match crate::engine::query::computed_values(release) {
            Ok((values, _)) => crate::funcs::data::marshal_yaml(&values)
                .unwrap_or_else(|e| format!("(cannot show the values: {e})\n")),
            Err(e) => format!("({e})\n"),
        },
        DetailTab::Manifest if show_secrets => release.manifest.clone(),
        DetailTab::Manifest => mask_secret_pair(&release.manifest, &release.manifest).0,
        DetailTab::Notes => {
            if info.notes.is_empty() {
                "(no notes)\n".into()
            } else {
                info.notes
            }
        }
        DetailTab::Hooks => {
            if release.hooks.is_empty() {
                return "(no hooks)\n".into();
            }
            release
                .hooks
                .iter()
                .map(|h| {
                    format!(
                        "# {} {} ({}), weight {}, last run: {}\n{}\n",
                        h.kind,
                        h.name,
                        h.events.join(", "),
                        h.weight,
                        if h.last_run.phase.is_empty() {
                            "never"
                        } else {
                            &h.last_run.phase
                        },
                        h.manifest
                    )
                })
                .collect()
        }
    }
}

fn yaml(value: &serde_json::Value) -> String {
    crate::diff::objects::object_yaml(value)
}

/// Manifest and values diff of two revisions, Secrets masked.
pub fn revision_diff(old: &Release, new: &Release, show_secrets: bool) -> String {
    let options = UnifiedOptions {
        context: 3,
        colors: Colors { on: false },
    };
    let (a, b) = if show_secrets {
        (old.manifest.clone(), new.manifest.clone())
    } else {
        mask_secret_pair(&old.manifest, &new.manifest)
    };
    let label = |r: &Release, what: &str| format!("revision {} {what}", r.version);
    let mut out = unified(
        &label(old, "manifest"),
        &label(new, "manifest"),
        &a,
        &b,
        options,
    );
    let values = |r: &Release| {
        if r.config.is_empty() {
            String::new()
        } else {
            yaml(&serde_json::Value::Object(r.config.clone()))
        }
    };
    out.push_str(&unified(
        &label(old, "values"),
        &label(new, "values"),
        &values(old),
        &values(new),
        options,
    ));
    let hooks = |r: &Release| -> String {
        r.hooks
            .iter()
            .map(|h| format!("---\n# Source: {}\n{}\n", h.path, h.manifest))
            .collect()
    };
    let (a, b) = if show_secrets {
        (hooks(old), hooks(new))
    } else {
        mask_secret_pair(&hooks(old), &hooks(new))
    };
    out.push_str(&unified(
        &label(old, "hooks"),
        &label(new, "hooks"),
        &a,
        &b,
        options,
    ));
    if out.is_empty() {
        out.push_str("(the two revisions have the same manifest, values and hooks)\n");
    }
    out
}

/// How a text's lines are coloured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TextKind {
    Plain,
    /// A unified diff: added, removed, hunk headers.
    Diff,
    /// YAML: keys, comments and document separators.
    Yaml,
}

/// A scrollable text from line `scroll`; only the lines that fit are laid
/// out, so a diff of any length draws as fast as a short one. Returns how
/// many lines the text has and how many fit.
fn draw_text(
    frame: &mut Frame,
    app: &App,
    scroll: usize,
    title: &str,
    text: &str,
    area: Rect,
    kind: TextKind,
) -> (usize, usize) {
    let total = text.lines().count();
    let height = usize::from(area.height.saturating_sub(2));
    let lines: Vec<Line> = text
        .lines()
        .skip(scroll)
        .take(height)
        .map(|l| coloured(app, l, kind))
        .collect();
    let title = if total > height {
        format!(
            "{title} [{}-{} of {total}]",
            scroll + 1,
            (scroll + height).min(total)
        )
    } else {
        title.to_string()
    };
    frame.render_widget(
        Paragraph::new(Text::from(lines))
            .block(Block::default().borders(Borders::ALL).title(title)),
        area,
    );
    (total, height)
}

fn coloured<'a>(app: &App, line: &'a str, kind: TextKind) -> Line<'a> {
    if app.plain {
        return Line::raw(line);
    }
    let theme = &app.config.theme;
    match kind {
        TextKind::Plain => Line::raw(line),
        TextKind::Diff => {
            let colour = if line.starts_with("+++") || line.starts_with("---") {
                None
            } else if line.starts_with('+') {
                Some(theme.added)
            } else if line.starts_with('-') {
                Some(theme.removed)
            } else if line.starts_with("@@") {
                Some(theme.hunk)
            } else {
                None
            };
            match colour {
                Some(c) => Line::styled(line, Style::default().fg(c)),
                None => Line::raw(line),
            }
        }
        TextKind::Yaml => {
            let body = line.trim_start();
            if body.starts_with('#') || line == "---" {
                return Line::styled(line, Style::default().fg(theme.comment));
            }
            match yaml_key_end(line) {
                Some(end) => Line::from(vec![
                    Span::styled(&line[..end], Style::default().fg(theme.yaml_key)),
                    Span::raw(&line[end..]),
                ]),
                None => Line::raw(line),
            }
        }
    }
}

/// Where the key of a `key: value` (or `- key: value`) line ends, colon
/// included; `None` for lines without a plain key.
fn yaml_key_end(line: &str) -> Option<usize> {
    let indent = line.len() - line.trim_start_matches([' ', '-']).len();
    let rest = &line[indent..];
    let colon = rest.find(':')?;
    let key = &rest[..colon];
    let plain =
        !key.is_empty() && !key.starts_with(['"', '\'', '{', '[', '|', '>']) && !key.contains(' ');
    let ends = rest[colon + 1..].is_empty() || rest[colon + 1..].starts_with(' ');
    (plain && ends).then_some(indent + colon + 1)
}

fn draw_history(frame: &mut Frame, app: &App, area: Rect) {
    let name = app
        .history
        .first()
        .map(|r| r.name.clone())
        .or_else(|| app.selected_release().map(|r| r.name.clone()))
        .unwrap_or_default();
    let rows: Vec<Row> = app
        .history
        .iter()
        .map(|r| {
            let (chart, app_version) = chart_of(r);
            let status = r.status().as_str().to_string();
            let mark = if app.marked == Some(r.version) {
                "*"
            } else {
                " "
            };
            Row::new(vec![
                Cell::from(format!("{mark}{}", r.version)),
                Cell::from(age(app.now, r.last_deployed().unix_seconds())),
                Cell::from(status.clone()).style(status_style(app, &status)),
                Cell::from(chart),
                Cell::from(app_version),
                Cell::from(
                    r.info
                        .as_ref()
                        .map(|i| i.description.clone())
                        .unwrap_or_default(),
                ),
            ])
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(9),
            Constraint::Length(9),
            Constraint::Length(16),
            Constraint::Min(12),
            Constraint::Length(11),
            Constraint::Min(20),
        ],
    )
    .header(
        Row::new([
            "REVISION",
            "UPDATED",
            "STATUS",
            "CHART",
            "APP VERSION",
            "DESCRIPTION",
        ])
        .style(Style::default().add_modifier(Modifier::BOLD)),
    )
    .row_highlight_style(selected_style(app))
    .block(
        Block::default()
            .borders(Borders::ALL)
            .title(format!("history of {name}")),
    );
    let mut state = TableState::default().with_selected(if app.history.is_empty() {
        None
    } else {
        Some(app.history_selected)
    });
    frame.render_stateful_widget(table, area, &mut state);
    note(app, |hits| {
        (hits.history, hits.history_offset) = (area, state.offset())
    });
}

fn draw_footer(frame: &mut Frame, app: &App, area: Rect) {
    let line = match &app.input {
        Input::Filter(text) => format!("/{text}"),
        Input::Command(text) => format!(":{text}"),
        Input::Change(input) => change_prompt(input),
        Input::None => hints(app),
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The question an install or upgrade is at.
fn change_prompt(input: &ChangeInput) -> String {
    let name = input.name.as_deref().unwrap_or("");
    let chart = input.chart.as_deref().unwrap_or("");
    let text = &input.text;
    match (input.asking(), input.kind) {
        (Asking::Chart, ChangeKind::Upgrade) => {
            format!("upgrade {name}: chart directory or .tgz (esc cancels): {text}")
        }
        (Asking::Chart, ChangeKind::Install) => {
            let into = match input.namespace.as_str() {
                "" => String::new(),
                namespace => format!(" into {namespace}"),
            };
            format!("install{into}: chart directory or .tgz (esc cancels): {text}")
        }
        (Asking::Name, _) => format!("install {chart} as release named: {text}"),
        (Asking::Values, ChangeKind::Upgrade) => format!(
            "upgrade {name} to {chart}: values over the current ones, --set syntax (enter for none, ctrl-e for $EDITOR): {text}"
        ),
        (Asking::Values, ChangeKind::Install) => format!(
            "install {name} to {chart}: values over the chart's ones, --set syntax (enter for none, ctrl-e for $EDITOR): {text}"
        ),
    }
}

/// The key hints of the current screen, with the keys as bound.
fn hints(app: &App) -> String {
    let keys = &app.config.keys;
    let actions: &[(Action, &str)] = match app.screen() {
        Screen::Releases => &[
            (Action::Open, "open"),
            (Action::History, "history"),
            (Action::Install, "install"),
            (Action::Upgrade, "upgrade"),
            (Action::Filter, "filter"),
            (Action::Sort, "sort"),
            (Action::Uninstall, "uninstall"),
            (Action::Help, "help"),
            (Action::Quit, "quit"),
        ],
        Screen::Detail(_) => &[
            (Action::Next, "next part"),
            (Action::Secrets, "secrets"),
            (Action::History, "history"),
            (Action::Down, "scroll"),
            (Action::Back, "back"),
            (Action::Help, "help"),
        ],
        Screen::History => &[
            (Action::Rollback, "roll back"),
            (Action::Mark, "mark"),
            (Action::Diff, "diff"),
            (Action::Recover, "recover"),
            (Action::Back, "back"),
            (Action::Help, "help"),
        ],
        Screen::Diff { .. } => &[
            (Action::Secrets, "secrets"),
            (Action::Down, "scroll"),
            (Action::Back, "back"),
            (Action::Help, "help"),
        ],
    };
    actions
        .iter()
        .map(|(action, what)| format!("{} {what}", keys.key(*action)))
        .collect::<Vec<_>>()
        .join("  ")
}

/// A rectangle of `width` x `height` percent in the middle of `area`.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = area.width * width / 100;
    let h = area.height * height / 100;
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

fn draw_help(frame: &mut Frame, app: &App) {
    let help = app.help();
    let full = frame.area();
    let height = (help.len() as u16 + 2).min(full.height.saturating_sub(2));
    let width = full.width * 8 / 10;
    let area = Rect {
        x: full.x + (full.width - width) / 2,
        y: full.y + (full.height - height) / 2,
        width,
        height,
    };
    let lines: Vec<Line> = help
        .into_iter()
        .skip(app.help_scroll)
        .map(|(k, what)| Line::raw(format!("{k:<16} {what}")))
        .collect();
    let fits = usize::from(height.saturating_sub(2));
    let keys = &app.config.keys;
    let title = if lines.len() > fits || app.help_scroll > 0 {
        format!(
            "keys ({}/{} scroll, esc closes)",
            keys.key(Action::Down),
            keys.key(Action::Up)
        )
    } else {
        "keys (esc closes)".to_string()
    };
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title)),
        area,
    );
}

fn draw_error(frame: &mut Frame, app: &App, message: &str) {
    let area = centered(frame.area(), 80, 40);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(message.to_string())
            .wrap(Wrap { trim: false })
            .style(style(app, app.config.theme.error))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title("error (esc closes)"),
            ),
        area,
    );
}

fn draw_confirm(frame: &mut Frame, app: &App, confirm: &Confirm, scroll: usize) {
    let area = centered(frame.area(), 90, 80);
    frame.render_widget(Clear, area);
    let [question, body] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let alternative = confirm
        .alternative
        .as_ref()
        .map(|(key, what, _)| format!("  {key}: {what}"))
        .unwrap_or_default();
    frame.render_widget(
        Paragraph::new(format!(
            "{} y: yes{alternative}  n/esc: no  j/k: scroll",
            confirm.question
        ))
        .style(Style::default().add_modifier(Modifier::BOLD)),
        question,
    );
    draw_text(
        frame,
        app,
        scroll,
        &confirm.about,
        &confirm.preview,
        body,
        TextKind::Diff,
    );
}

#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::release::{GoTime, Hook, Info, Metadata, ReleaseChart, Status};
    use crate::tui::app::Response;

    const NOW: i64 = 1_795_000_000;

    fn release(name: &str, namespace: &str, version: i64, status: Status, age: i64) -> Release {
        let when = chrono::DateTime::from_timestamp(NOW - age, 0)
            .unwrap()
            .fixed_offset();
        let mut config = serde_json::Map::new();
        config.insert("replicas".into(), serde_json::json!(version));
        Release {
            name: name.into(),
            namespace: namespace.into(),
            version,
            info: Some(Info {
                status,
                last_deployed: GoTime::from_datetime(when),
                first_deployed: GoTime::from_datetime(when),
                description: format!("revision {version}"),
                notes: format!("{name} is up.\n"),
                ..Info::default()
            }),
            chart: Some(ReleaseChart {
                metadata: Some(Metadata {
                    name: "hello".into(),
                    version: "1.0.0".into(),
                    app_version: "1.25".into(),
                    ..Metadata::default()
                }),
                values: serde_json::json!({"greeting": "hi", "replicas": 1})
                    .as_object()
                    .cloned(),
                ..ReleaseChart::default()
            }),
            config,
            manifest: format!(
                "---\n# Source: hello/templates/app.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: {version}\n---\n# Source: hello/templates/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\nstringData:\n  password: hunter{version}\n"
            ),
            hooks: vec![Hook {
                name: format!("{name}-test"),
                kind: "Pod".into(),
                path: "hello/templates/test.yaml".into(),
                manifest: "kind: Pod".into(),
                events: vec!["test".into()],
                ..Hook::default()
            }],
            ..Release::default()
        }
    }

    fn app() -> App {
        let mut app = App::new(Some("demo".into()), NOW);
        app.plain = true;
        app.start();
        app.respond(Response::Releases(Ok(vec![
            release("api", "demo", 1, Status::Deployed, 300),
            release("web", "demo", 3, Status::Failed, 7200),
            release("worker", "demo", 2, Status::PendingUpgrade, 30),
        ])));
        app
    }

    fn press(app: &mut App, keys: &str) {
        for c in keys.chars() {
            let code = match c {
                '\n' => KeyCode::Enter,
                '\x1b' => KeyCode::Esc,
                '\t' => KeyCode::Tab,
                c => KeyCode::Char(c),
            };
            app.key(KeyEvent::new(code, KeyModifiers::NONE));
        }
    }

    fn screen(app: &App) -> String {
        let mut terminal = Terminal::new(TestBackend::new(100, 24)).unwrap();
        terminal.draw(|f| draw(f, app)).unwrap();
        let buffer = terminal.backend().buffer();
        let mut out = String::new();
        for y in 0..buffer.area.height {
            let line: String = (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect();
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    fn history(app: &mut App) {
        app.respond(Response::History(Ok(vec![
            release("web", "demo", 1, Status::Superseded, 9000),
            release("web", "demo", 2, Status::Superseded, 8000),
            release("web", "demo", 3, Status::Failed, 7200),
        ])));
    }

    #[test]
    fn releases() {
        insta::assert_snapshot!(screen(&app()));
    }

    #[test]
    fn releases_filtered() {
        let mut app = app();
        press(&mut app, "/wk");
        insta::assert_snapshot!(screen(&app));
        press(&mut app, "\x1b");
        assert!(app.filter.is_empty());
    }

    #[test]
    fn detail_tabs() {
        let mut app = app();
        press(&mut app, "j\n");
        insta::assert_snapshot!("detail_status", screen(&app));
        press(&mut app, "\t");
        insta::assert_snapshot!("detail_values", screen(&app));
        press(&mut app, "\t");
        insta::assert_snapshot!("detail_computed", screen(&app));
        press(&mut app, "\t");
        let manifest = screen(&app);
        assert!(!manifest.contains("hunter3"), "{manifest}");
        insta::assert_snapshot!("detail_manifest", manifest);
        press(&mut app, "\t");
        insta::assert_snapshot!("detail_notes", screen(&app));
        press(&mut app, "\t");
        insta::assert_snapshot!("detail_hooks", screen(&app));
    }

    #[test]
    fn history_diff_and_rollback_confirmation() {
        let mut app = app();
        press(&mut app, "jH");
        assert_eq!(*app.screen(), Screen::History);
        history(&mut app);
        insta::assert_snapshot!("history", screen(&app));
        press(&mut app, "d");
        let diff = screen(&app);
        assert!(!diff.contains("hunter"), "{diff}");
        insta::assert_snapshot!("history_diff", diff);
        press(&mut app, "\x1bk");
        let requests = app.key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::NONE));
        assert_eq!(
            requests,
            [crate::tui::app::Request::PlanRollback {
                namespace: "demo".into(),
                name: "web".into(),
                revision: 2
            }]
        );
        app.respond(Response::Confirm(Ok(Box::new(Confirm {
            question: "Roll web back to revision 2?".into(),
            about: "what the rollback will do".into(),
            preview: "--- live\n+++ after rollback\n-  replicas: 3\n+  replicas: 2\n".into(),
            yes: crate::tui::app::Request::Rollback {
                namespace: "demo".into(),
                name: "web".into(),
                revision: 2,
            },
            alternative: None,
        }))));
        insta::assert_snapshot!("rollback_confirmation", screen(&app));
        let requests = app.key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE));
        assert_eq!(
            requests,
            [crate::tui::app::Request::Rollback {
                namespace: "demo".into(),
                name: "web".into(),
                revision: 2
            }]
        );
        assert!(app.popup.is_none());
    }

    #[test]
    fn help_error_and_command_line() {
        let mut app = app();
        press(&mut app, "?");
        insta::assert_snapshot!("help", screen(&app));
        press(&mut app, "\x1b:ns kube-syst");
        insta::assert_snapshot!("command_line", screen(&app));
        press(&mut app, "\x1b:bogus\n");
        insta::assert_snapshot!("error", screen(&app));
        press(&mut app, "\x1b");
        assert!(app.popup.is_none());
    }

    #[test]
    fn uninstall_asks_and_offers_to_keep_history() {
        let mut app = app();
        press(&mut app, "jD");
        insta::assert_snapshot!("uninstall_confirmation", screen(&app));
        let keep = app.key(KeyEvent::new(KeyCode::Char('H'), KeyModifiers::NONE));
        assert_eq!(
            keep,
            [crate::tui::app::Request::Uninstall {
                namespace: "demo".into(),
                name: "web".into(),
                keep_history: true
            }]
        );
        press(&mut app, "D");
        let requests = app.key(KeyEvent::new(KeyCode::Char('n'), KeyModifiers::NONE));
        assert!(requests.is_empty() && app.popup.is_none());
    }

    #[test]
    fn recovering_asks_the_engine_about_the_stuck_release() {
        let mut app = app();
        press(&mut app, "jj");
        let requests = app.key(KeyEvent::new(KeyCode::Char('F'), KeyModifiers::NONE));
        assert_eq!(
            requests,
            [crate::tui::app::Request::Stuck {
                namespace: "demo".into(),
                name: "worker".into()
            }]
        );
    }

    #[test]
    fn namespace_command_reloads_all() {
        let mut app = app();
        press(&mut app, ":ns all");
        let requests = app.key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        assert_eq!(
            requests,
            [
                crate::tui::app::Request::Releases { namespace: None },
                crate::tui::app::Request::Watch { namespace: None }
            ]
        );
        assert_eq!(app.namespace, None);
    }

    #[test]
    fn quitting_and_going_back() {
        let mut app = app();
        press(&mut app, "\nq");
        assert!(!app.quit, "q on an inner screen goes back");
        assert_eq!(*app.screen(), Screen::Releases);
        press(&mut app, "q");
        assert!(app.quit);
    }

    #[test]
    fn sorting_by_columns_and_showing_secrets() {
        let mut app = app();
        press(&mut app, "oooO");
        assert_eq!(app.sort, Column::Status);
        let names: Vec<&str> = app.visible().iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            ["worker", "web", "api"],
            "pending-upgrade, failed, deployed"
        );
        insta::assert_snapshot!("releases_sorted", screen(&app));
        press(&mut app, "O");
        press(&mut app, "jj\n\t\t\ts");
        let shown = screen(&app);
        assert!(shown.contains("password: hunter2"), "{shown}");
        press(&mut app, "\x1b\n\t\t\t");
        assert!(
            !screen(&app).contains("hunter2"),
            "masked again on a new screen"
        );
    }

    #[test]
    fn upgrade_asks_for_the_chart_then_values() {
        use crate::tui::app::{Change, ChangeKind, Effect, Request};
        let mut app = app();
        press(&mut app, "ju./charts/hello");
        insta::assert_snapshot!("upgrade_chart_input", screen(&app));
        press(&mut app, "\n");
        press(&mut app, "replicas=3");
        let requests = app.key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        let change = Change {
            kind: ChangeKind::Upgrade,
            namespace: "demo".into(),
            name: "web".into(),
            chart: "./charts/hello".into(),
            set: "replicas=3".into(),
            yaml: None,
        };
        assert_eq!(requests, [Request::Plan(change.clone())]);
        // ctrl-e instead: the current values go to $EDITOR, and what comes
        // back is the values.
        press(&mut app, "u./charts/hello\n");
        app.key(KeyEvent::new(KeyCode::Char('e'), KeyModifiers::CONTROL));
        let edited = Change {
            set: String::new(),
            ..change
        };
        assert_eq!(
            app.effects,
            [Effect::EditValues {
                change: edited.clone(),
                current: "replicas: 3\n".into(),
            }]
        );
        let requests = app.edited(edited.clone(), Ok("replicas: 5\n".into()));
        assert!(matches!(
            &requests[..],
            [Request::Plan(Change { yaml: Some(y), .. })] if y == "replicas: 5\n"
        ));
        app.edited(edited, Err("editor failed".into()));
        assert_eq!(app.popup, Some(Popup::Error("editor failed".into())));
    }

    #[test]
    fn install_asks_for_chart_name_and_values_then_shows_the_preview() {
        use crate::tui::app::{Change, ChangeKind, Confirm, Request};
        let mut app = app();
        press(&mut app, "i");
        insta::assert_snapshot!("install_chart_input", screen(&app));
        press(&mut app, "\n");
        assert!(
            screen(&app).contains("chart directory"),
            "a chart is needed"
        );
        press(&mut app, "./charts/hello\n");
        press(&mut app, "\n");
        assert!(
            screen(&app).contains("as release named"),
            "a name is needed"
        );
        press(&mut app, "cache\nreplicas=2");
        insta::assert_snapshot!("install_values_input", screen(&app));
        let requests = app.key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        let change = Change {
            kind: ChangeKind::Install,
            namespace: "demo".into(),
            name: "cache".into(),
            chart: "./charts/hello".into(),
            set: "replicas=2".into(),
            yaml: None,
        };
        assert_eq!(requests, [Request::Plan(change.clone())]);
        app.respond(Response::Confirm(Ok(Box::new(Confirm {
            question: "Install ./charts/hello as cache in demo?".into(),
            about: "what the install creates (the cluster accepted it in a dry run)".into(),
            preview: "---\n# Source: hello/templates/app.yaml\nkind: ConfigMap\n".into(),
            yes: Request::Apply(change.clone()),
            alternative: None,
        }))));
        insta::assert_snapshot!("install_confirm", screen(&app));
        assert_eq!(press_one(&mut app, 'y'), [Request::Apply(change)]);
    }

    fn press_one(app: &mut App, c: char) -> Vec<crate::tui::app::Request> {
        app.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    #[test]
    fn clicks_select_rows_and_a_second_click_opens() {
        use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
        let click = |app: &mut App, column: u16, row: u16| {
            app.mouse(MouseEvent {
                kind: MouseEventKind::Down(MouseButton::Left),
                column,
                row,
                modifiers: KeyModifiers::NONE,
            })
        };
        let mut app = app();
        screen(&app);
        // Row 3 of the screen: header line, border, column titles, then
        // the first release; the third release is two rows further.
        click(&mut app, 40, 5);
        assert_eq!(
            app.selected_release().map(|r| r.name.as_str()),
            Some("worker")
        );
        assert_eq!(*app.screen(), Screen::Releases);
        click(&mut app, 40, 5);
        assert_eq!(*app.screen(), Screen::Detail(DetailTab::Status));
        press(&mut app, "\x1b");
        screen(&app);
        click(&mut app, 40, 0);
        assert_eq!(
            app.selected_release().map(|r| r.name.as_str()),
            Some("worker"),
            "the header is not a row"
        );
        // The namespaces pane: row 0 is "all"; a second click opens it.
        click(&mut app, 3, 2);
        assert_eq!(app.focus, crate::tui::app::Pane::Namespaces);
        assert_eq!(
            click(&mut app, 3, 2),
            [
                crate::tui::app::Request::Releases { namespace: None },
                crate::tui::app::Request::Watch { namespace: None }
            ]
        );
    }

    #[test]
    fn keys_and_hints_follow_the_config() {
        use crate::tui::config::Config;
        let mut app = app();
        let dir = std::env::temp_dir().join(format!("wheelhouse-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("tui.toml");
        std::fs::write(&file, "[keys]\nhistory = \"y\"\nhelp = \"f1\"\n").unwrap();
        app.config = Config::load(Some(&file)).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(screen(&app).contains("y history"), "{}", screen(&app));
        press(&mut app, "H?");
        assert_eq!(*app.screen(), Screen::Releases, "H is no longer history");
        assert_eq!(app.popup, None, "? is no longer help");
        app.key(KeyEvent::new(KeyCode::F(1), KeyModifiers::NONE));
        assert_eq!(app.popup, Some(Popup::Help));
        assert!(
            screen(&app).contains("y                history of the selected release"),
            "{}",
            screen(&app)
        );
        press(&mut app, "\x1by");
        assert_eq!(*app.screen(), Screen::History);
    }

    #[test]
    fn long_texts_draw_only_what_fits_and_say_where_they_are() {
        let mut app = app();
        let text: String = (1..=20_000).map(|i| format!("+line {i}\n")).collect();
        app.stack.push(Screen::Diff {
            title: "big".into(),
            text,
        });
        screen(&app);
        press(&mut app, "G");
        let shown = screen(&app);
        assert!(shown.contains("big [19981-20000 of 20000]"), "{shown}");
        assert!(shown.contains("+line 20000"), "{shown}");
        press(&mut app, "g");
        assert!(screen(&app).contains("big [1-20 of 20000]"));
    }

    #[test]
    fn yaml_keys_are_found_where_yaml_has_them() {
        assert_eq!(yaml_key_end("  name: web"), Some(7));
        assert_eq!(yaml_key_end("- name: web"), Some(7));
        assert_eq!(yaml_key_end("metadata:"), Some(9));
        assert_eq!(yaml_key_end("  image: nginx:1.25"), Some(8));
        assert_eq!(yaml_key_end("  - just a value"), None);
        assert_eq!(yaml_key_end("  \"quoted\": x"), None);
        assert_eq!(yaml_key_end("  url: http://x"), Some(6));
        assert_eq!(yaml_key_end("  text with: colon"), None);
    }

    #[test]
    fn namespaces_pane_counts_and_switches() {
        use crate::engine::query::{NamespaceSummary, Namespaces};
        let mut app = app();
        app.respond(Response::Namespaces(Namespaces {
            namespaces: vec![
                NamespaceSummary {
                    name: "demo".into(),
                    releases: Some(3),
                    failed: 1,
                    pending: 1,
                },
                NamespaceSummary {
                    name: "locked".into(),
                    releases: None,
                    failed: 0,
                    pending: 0,
                },
            ],
            partial: Some("releases could not be listed in every namespace".into()),
        }));
        press(&mut app, "\tj");
        insta::assert_snapshot!("namespaces", screen(&app));
        press(&mut app, "j");
        let requests = app.key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        assert_eq!(
            requests,
            [
                crate::tui::app::Request::Releases {
                    namespace: Some("locked".into())
                },
                crate::tui::app::Request::Watch {
                    namespace: Some("locked".into())
                }
            ]
        );
        assert_eq!(app.focus, crate::tui::app::Pane::Releases);
        press(&mut app, "\tkkk\n");
        assert_eq!(app.namespace, None, "row 0 is all namespaces");
    }

    #[test]
    fn copying_and_writing_a_view() {
        use crate::tui::app::Effect;
        let mut app = app();
        press(&mut app, "j\n\t\t\tc");
        let Some(Effect::Clipboard(text)) = app.effects.first() else {
            panic!("{:?}", app.effects);
        };
        assert!(
            text.contains("kind: Secret") && !text.contains("hunter3"),
            "{text}"
        );
        press(&mut app, "w");
        assert!(matches!(
            app.effects.last(),
            Some(Effect::WriteFile { path, .. }) if path == "wheelhouse-web-3-manifest.txt"
        ));
        press(&mut app, "\x1bc");
        assert_eq!(
            app.effects.len(),
            2,
            "nothing to copy on the releases screen"
        );
    }

    #[test]
    fn loading_progress_and_a_text_screen() {
        let mut app = App::new(Some("demo".into()), NOW);
        app.plain = true;
        app.start();
        insta::assert_snapshot!("loading", screen(&app));
        app.respond(Response::Releases(Ok(vec![release(
            "web",
            "demo",
            3,
            Status::Deployed,
            60,
        )])));
        app.respond(Response::Progress("rendering web".into()));
        app.respond(Response::Progress("object 1 of 2: Deployment web".into()));
        app.respond(Response::Progress("waiting on Deployment web".into()));
        insta::assert_snapshot!("progress", screen(&app));
        app.respond(Response::Text(Ok((
            "resources of web".into(),
            "apps/v1 Deployment demo/web  ready\nv1 Secret demo/web           ready\n".into(),
        ))));
        insta::assert_snapshot!("resources", screen(&app));
    }

    #[test]
    fn recover_offers_an_alternative_answer() {
        use crate::tui::app::{Confirm, Request};
        let mut app = app();
        let recover = |rollback_to| Request::Recover {
            namespace: "demo".into(),
            name: "worker".into(),
            rollback_to,
        };
        app.respond(Response::Confirm(Ok(Box::new(Confirm {
            question: "worker revision 2 is pending-upgrade: mark it failed?".into(),
            about: "what the interrupted revision set out to change".into(),
            preview: "-  replicas: 1\n+  replicas: 2\n".into(),
            yes: recover(None),
            alternative: Some(('R', "mark failed, roll back to 1".into(), recover(Some(1)))),
        }))));
        insta::assert_snapshot!("recover_confirmation", screen(&app));
        press(&mut app, "jjjjj");
        assert!(
            matches!(app.popup, Some(Popup::Confirm { scroll: 1, .. })),
            "the preview scrolls no further than its last line"
        );
        assert_eq!(press_one(&mut app, 'R'), [recover(Some(1))]);
    }

    #[test]
    fn colours_come_from_the_theme_and_yaml_is_highlighted() {
        let mut app = app();
        app.plain = false;
        press(&mut app, "j\n\t\t\t");
        let mut terminal = Terminal::new(TestBackend::new(100, 24)).unwrap();
        terminal.draw(|f| draw(f, &app)).unwrap();
        let buffer = terminal.backend().buffer().clone();
        let find = |text: &str| -> (u16, u16) {
            (0..buffer.area.height)
                .find_map(|y| {
                    let line: String = (0..buffer.area.width)
                        .map(|x| buffer[(x, y)].symbol().to_string())
                        .collect();
                    line.find(text)
                        .map(|i| (line[..i].chars().count() as u16, y))
                })
                .unwrap_or_else(|| panic!("{text} is not on the screen"))
        };
        let theme = &app.config.theme;
        let (x, y) = find("# Source: hello/templates/app.yaml");
        assert_eq!(buffer[(x, y)].fg, theme.comment);
        let (x, y) = find("kind: Deployment");
        assert_eq!(buffer[(x, y)].fg, theme.yaml_key);
        assert_eq!(
            buffer[(x + 6, y)].fg,
            Color::Reset,
            "the value is not a key"
        );
        app.plain = true;
        terminal.draw(|f| draw(f, &app)).unwrap();
        assert_eq!(
            terminal.backend().buffer()[(x, y)].fg,
            Color::Reset,
            "NO_COLOR"
        );
    }

    #[test]
    fn ages_read_like_kubectl() {
        assert_eq!(age(100, 95), "5s ago");
        assert_eq!(age(10_000, 10_000 - 7200), "2h ago");
        assert_eq!(age(0, 10), "0s ago");
        assert_eq!(age(200_000, 0), "2d ago");
    }
}
