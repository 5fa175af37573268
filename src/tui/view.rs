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

use super::app::{App, Column, Confirm, DetailTab, Input, Pane, Popup, Screen};

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
        Screen::Diff { title, text } => draw_text(frame, app.plain, app.scroll, title, text, body),
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
    match status {
        "deployed" => style(app, Color::Green),
        "failed" | "unknown" => style(app, Color::Red),
        "pending-install" | "pending-upgrade" | "pending-rollback" | "uninstalling" => {
            style(app, Color::Yellow)
        }
        _ => Style::default(),
    }
}

fn selected_style(app: &App) -> Style {
    if app.plain {
        Style::default().add_modifier(Modifier::REVERSED)
    } else {
        Style::default()
            .add_modifier(Modifier::REVERSED)
            .fg(Color::Cyan)
    }
}

fn draw_header(frame: &mut Frame, app: &App, area: Rect) {
    let namespace = app.namespace.as_deref().unwrap_or("all namespaces");
    let mut spans = vec![
        Span::styled("wheelhouse", Style::default().add_modifier(Modifier::BOLD)),
        Span::raw(format!("  namespace: {namespace}")),
    ];
    if app.busy {
        spans.push(Span::raw("  ⟳ working…"));
    }
    if let Some(banner) = &app.banner {
        spans.push(Span::styled(
            format!("  {banner}"),
            style(app, Color::Yellow),
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
    let text = detail_text(release, tab, app.show_secrets);
    let title = format!("{} (revision {})", release.name, release.version);
    draw_text(frame, app.plain, app.scroll, &title, &text, body);
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

/// A scrollable text, diff lines coloured.
fn draw_text(frame: &mut Frame, plain: bool, scroll: u16, title: &str, text: &str, area: Rect) {
    let lines: Vec<Line> = text
        .lines()
        .map(|l| {
            let color = if l.starts_with("+++") || l.starts_with("---") {
                None
            } else if l.starts_with('+') {
                Some(Color::Green)
            } else if l.starts_with('-') {
                Some(Color::Red)
            } else if l.starts_with("@@") {
                Some(Color::Cyan)
            } else {
                None
            };
            match color {
                Some(c) if !plain => Line::styled(l.to_string(), Style::default().fg(c)),
                _ => Line::raw(l.to_string()),
            }
        })
        .collect();
    frame.render_widget(
        Paragraph::new(Text::from(lines)).scroll((scroll, 0)).block(
            Block::default()
                .borders(Borders::ALL)
                .title(title.to_string()),
        ),
        area,
    );
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
}

fn draw_footer(frame: &mut Frame, app: &App, area: Rect) {
    let line = match &app.input {
        Input::Filter(text) => format!("/{text}"),
        Input::Command(text) => format!(":{text}"),
        Input::Upgrade(upgrade) => match &upgrade.chart {
            None => format!(
                "upgrade {}: chart directory or .tgz (esc cancels): {}",
                upgrade.name, upgrade.text
            ),
            Some(chart) => format!(
                "upgrade {} to {chart}: values over the current ones, --set syntax (enter for none): {}",
                upgrade.name, upgrade.text
            ),
        },
        Input::None => match app.screen() {
            Screen::Releases => {
                "enter open  H history  u upgrade  / filter  o sort  D uninstall  : command  ? help  q quit"
            }
            Screen::Detail(_) => {
                "tab next part  s secrets  H history  j/k scroll  esc back  ? help"
            }
            Screen::History => "r roll back  space mark  d diff  F recover  esc back  ? help",
            Screen::Diff { .. } => "s secrets  j/k scroll  esc back  ? help",
        }
        .to_string(),
    };
    frame.render_widget(Paragraph::new(line), area);
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
    let area = centered(frame.area(), 70, 60);
    let lines: Vec<Line> = app
        .help()
        .into_iter()
        .map(|(k, what)| Line::raw(format!("{k:<12} {what}")))
        .collect();
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title("keys (esc closes)"),
        ),
        area,
    );
}

fn draw_error(frame: &mut Frame, app: &App, message: &str) {
    let area = centered(frame.area(), 80, 40);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(message.to_string())
            .wrap(Wrap { trim: false })
            .style(style(app, Color::Red))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title("error (esc closes)"),
            ),
        area,
    );
}

fn draw_confirm(frame: &mut Frame, app: &App, confirm: &Confirm, scroll: u16) {
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
        app.plain,
        scroll,
        &confirm.about,
        &confirm.preview,
        body,
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
            [crate::tui::app::Request::Releases { namespace: None }]
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
        let mut app = app();
        press(&mut app, "ju./charts/hello");
        insta::assert_snapshot!("upgrade_chart_input", screen(&app));
        press(&mut app, "\n");
        press(&mut app, "replicas=3");
        let requests = app.key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        assert_eq!(
            requests,
            [crate::tui::app::Request::PlanUpgrade {
                namespace: "demo".into(),
                name: "web".into(),
                chart: "./charts/hello".into(),
                set: "replicas=3".into(),
                yaml: None,
            }]
        );
        // ctrl-e instead: the current values go to $EDITOR, and what comes
        // back is the values.
        press(&mut app, "u./charts/hello\n");
        app.key(KeyEvent::new(KeyCode::Char('e'), KeyModifiers::CONTROL));
        assert_eq!(
            app.effects,
            [crate::tui::app::Effect::EditValues {
                namespace: "demo".into(),
                name: "web".into(),
                chart: "./charts/hello".into(),
                current: "replicas: 3\n".into(),
            }]
        );
        let requests = app.edited(
            "demo".into(),
            "web".into(),
            "./charts/hello".into(),
            Ok("replicas: 5\n".into()),
        );
        assert!(matches!(
            &requests[..],
            [crate::tui::app::Request::PlanUpgrade { yaml: Some(y), .. }] if y == "replicas: 5\n"
        ));
        app.edited(
            "demo".into(),
            "web".into(),
            "c".into(),
            Err("editor failed".into()),
        );
        assert_eq!(app.popup, Some(Popup::Error("editor failed".into())));
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
            [crate::tui::app::Request::Releases {
                namespace: Some("locked".into())
            }]
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
    fn ages_read_like_kubectl() {
        assert_eq!(age(100, 95), "5s ago");
        assert_eq!(age(10_000, 10_000 - 7200), "2h ago");
        assert_eq!(age(0, 10), "0s ago");
        assert_eq!(age(200_000, 0), "2d ago");
    }
}
