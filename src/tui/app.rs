//! The TUI's state and what keys do to it. Pure: a key or an engine answer
//! goes in, the state changes and requests for the engine come out; drawing
//! reads the state (`view`), the worker runs the requests (`worker`). So
//! every screen can be driven and checked without a terminal.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;

use super::config::{Action, Config};

use crate::engine::query::{NamespaceSummary, Namespaces};
use crate::release::Release;

/// Something for the engine to do; answered by a [`Response`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// Latest revision of every release (in one namespace, or all).
    Releases {
        namespace: Option<String>,
    },
    /// Every namespace with its release counts.
    Namespaces,
    /// A release's objects with their live health.
    Resources {
        namespace: String,
        name: String,
    },
    /// What was changed by hand on a release's deployed objects.
    Drift {
        namespace: String,
        name: String,
    },
    History {
        namespace: String,
        name: String,
    },
    /// What rolling back to `revision` would do, for the confirmation.
    PlanRollback {
        namespace: String,
        name: String,
        revision: i64,
    },
    Rollback {
        namespace: String,
        name: String,
        revision: i64,
    },
    /// What a release stuck in `pending-*` left behind, for the confirmation.
    Stuck {
        namespace: String,
        name: String,
    },
    /// Mark a stuck release's pending revision failed, then roll back to
    /// `rollback_to` when given.
    Recover {
        namespace: String,
        name: String,
        rollback_to: Option<i64>,
    },
    Uninstall {
        namespace: String,
        name: String,
        keep_history: bool,
    },
    /// What installing or upgrading would do, for the confirmation.
    Plan(Change),
    /// Install or upgrade.
    Apply(Change),
    /// Switch to another kubeconfig context.
    Context(String),
    /// Tell of changes to release records as they happen (a watch), in
    /// one namespace or all; replaces the watch asked for before.
    Watch {
        namespace: Option<String>,
    },
}

/// Whether a [`Change`] installs a release or upgrades one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    Install,
    Upgrade,
}

/// An install or upgrade of `name` in `namespace` to `chart`: with `set`
/// (`--set` syntax) over the current values, or with `yaml` (edited in
/// `$EDITOR`) as the values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeKind,
    pub namespace: String,
    pub name: String,
    pub chart: String,
    pub set: String,
    pub yaml: Option<String>,
}

/// The engine's answer to a [`Request`], or progress on one.
#[derive(Debug)]
pub enum Response {
    Releases(Result<Vec<Release>, String>),
    Namespaces(Namespaces),
    History(Result<Vec<Release>, String>),
    /// Something to confirm before an action (a preview of what it does).
    Confirm(Result<Box<Confirm>, String>),
    /// An action finished: what to say, and the release to show again.
    Done(Result<Done, String>),
    /// A progress line of a running action.
    Progress(String),
    /// A text to read, shown as its own screen.
    Text(Result<(String, String), String>),
    /// Release records changed (the watch saw it).
    Changed,
    /// Whether a watch on release records is in place; without one the
    /// releases are read again every [`REFRESH_SECS`].
    Watching(bool),
    /// Switched to a context: its name and namespace.
    Context(Result<(String, String), String>),
}

/// A question before an action, with what the action would do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confirm {
    pub question: String,
    /// The title of the preview box.
    pub about: String,
    pub preview: String,
    /// What `y` does.
    pub yes: Request,
    /// Another answer: its key, what it says, what it does.
    pub alternative: Option<(char, String, Request)>,
}

/// What an action did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Done {
    pub message: String,
    pub namespace: String,
    pub name: String,
    /// Whether the release still has a history to show.
    pub has_history: bool,
}

/// The screens, innermost last on the stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Screen {
    Releases,
    Detail(DetailTab),
    History,
    /// A diff between two revisions.
    Diff {
        title: String,
        text: String,
    },
}

/// The parts of a release the detail screen shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DetailTab {
    Status,
    Values,
    /// The user's values over the chart's defaults.
    Computed,
    Manifest,
    Notes,
    Hooks,
}

impl DetailTab {
    pub const ALL: [DetailTab; 6] = [
        DetailTab::Status,
        DetailTab::Values,
        DetailTab::Computed,
        DetailTab::Manifest,
        DetailTab::Notes,
        DetailTab::Hooks,
    ];

    pub fn title(self) -> &'static str {
        match self {
            DetailTab::Status => "Status",
            DetailTab::Values => "Values",
            DetailTab::Computed => "Computed values",
            DetailTab::Manifest => "Manifest",
            DetailTab::Notes => "Notes",
            DetailTab::Hooks => "Hooks",
        }
    }

    fn next(self) -> DetailTab {
        let i = DetailTab::ALL.iter().position(|t| *t == self).unwrap_or(0);
        DetailTab::ALL[(i + 1) % DetailTab::ALL.len()]
    }
}

/// Something for the terminal or the file system, done by the event loop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Put text on the clipboard (OSC 52, works over SSH and tmux).
    Clipboard(String),
    /// Write a screen's text to a file.
    WriteFile { path: String, text: String },
    /// Edit the values of `change` in `$EDITOR`, starting from `current`;
    /// the result goes to [`App::edited`].
    EditValues { change: Change, current: String },
}

/// A dialog over the screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Popup {
    Help,
    /// An engine error, shown in full until dismissed.
    Error(String),
    /// A question with the preview of what answering yes would do.
    Confirm {
        confirm: Box<Confirm>,
        scroll: usize,
    },
}

/// The releases table's columns, in order; the table sorts by one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    Name,
    Namespace,
    Revision,
    Status,
    Chart,
    AppVersion,
    Updated,
}

impl Column {
    pub const ALL: [Column; 7] = [
        Column::Name,
        Column::Namespace,
        Column::Revision,
        Column::Status,
        Column::Chart,
        Column::AppVersion,
        Column::Updated,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Column::Name => "NAME",
            Column::Namespace => "NAMESPACE",
            Column::Revision => "REVISION",
            Column::Status => "STATUS",
            Column::Chart => "CHART",
            Column::AppVersion => "APP VERSION",
            Column::Updated => "UPDATED",
        }
    }

    fn next(self) -> Column {
        let i = Column::ALL.iter().position(|c| *c == self).unwrap_or(0);
        Column::ALL[(i + 1) % Column::ALL.len()]
    }

    /// Orders two releases by this column, then by namespace and name.
    fn compare(self, a: &Release, b: &Release) -> std::cmp::Ordering {
        let by = match self {
            Column::Name => a.name.cmp(&b.name),
            Column::Namespace => a.namespace.cmp(&b.namespace),
            Column::Revision => a.version.cmp(&b.version),
            Column::Status => a.status().as_str().cmp(b.status().as_str()),
            Column::Chart => a.chart_name().cmp(b.chart_name()),
            Column::AppVersion => a.app_version().cmp(b.app_version()),
            Column::Updated => a
                .last_deployed()
                .unix_seconds()
                .cmp(&b.last_deployed().unix_seconds()),
        };
        by.then_with(|| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)))
    }
}

/// What the line at the bottom is being used for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    None,
    /// `/`: narrowing the releases table.
    Filter(String),
    /// `:`: a command (`:ns NAME`, `:ctx NAME`, `:history NAME`, `:q`).
    Command(String),
    /// `i`/`u`: an install or upgrade being asked for.
    Change(ChangeInput),
}

/// An install or upgrade being asked for, one answer at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeInput {
    pub kind: ChangeKind,
    /// Empty when installing into "all namespaces": the engine's namespace.
    pub namespace: String,
    /// The release, once known (an upgrade knows it from the start).
    pub name: Option<String>,
    /// The chart, once given.
    pub chart: Option<String>,
    pub text: String,
}

/// What a [`ChangeInput`] asks for next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Asking {
    Chart,
    Name,
    Values,
}

impl ChangeInput {
    pub fn asking(&self) -> Asking {
        match (&self.chart, &self.name) {
            (None, _) => Asking::Chart,
            (Some(_), None) => Asking::Name,
            (Some(_), Some(_)) => Asking::Values,
        }
    }

    /// The change asked for, with `set` as its values.
    fn change(&self, set: String) -> Change {
        Change {
            kind: self.kind,
            namespace: self.namespace.clone(),
            name: self.name.clone().unwrap_or_default(),
            chart: self.chart.clone().unwrap_or_default(),
            set,
            yaml: None,
        }
    }
}

/// Where the last frame put what a click can land on, and how long the
/// text shown is (written by the view as it draws).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hits {
    pub namespaces: Rect,
    pub namespaces_offset: usize,
    pub releases: Rect,
    pub releases_offset: usize,
    pub history: Rect,
    pub history_offset: usize,
    /// Lines of the detail or diff text shown, and how many fit.
    pub text_lines: usize,
    pub text_height: usize,
}

/// Which pane of the releases screen keys go to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Namespaces,
    Releases,
}

/// The whole state of the TUI.
#[derive(Debug)]
pub struct App {
    /// The namespace shown; `None` for all.
    pub namespace: Option<String>,
    /// The namespaces pane: every namespace with counts, and why it may be
    /// partial (RBAC).
    pub namespaces: Vec<NamespaceSummary>,
    pub namespaces_note: Option<String>,
    /// The row of the namespaces pane; 0 is "all".
    pub namespace_row: usize,
    pub focus: Pane,
    pub releases: Vec<Release>,
    pub selected: usize,
    pub filter: String,
    pub input: Input,
    pub stack: Vec<Screen>,
    pub history: Vec<Release>,
    pub history_selected: usize,
    /// A revision marked with `space` to diff against the selected one.
    pub marked: Option<i64>,
    pub popup: Option<Popup>,
    /// Shown at the top, e.g. that this is a demo sandbox.
    pub banner: Option<String>,
    /// The last lines of progress and what happened.
    pub log: Vec<String>,
    /// A request is out and not answered yet.
    pub busy: bool,
    /// Scroll offset of the detail and diff screens.
    pub scroll: usize,
    pub quit: bool,
    /// Unix seconds "now" for relative times (fixed in tests).
    pub now: i64,
    /// Colours off (`NO_COLOR`).
    pub plain: bool,
    /// The column the releases are sorted by, and whether descending.
    pub sort: Column,
    pub descending: bool,
    /// Secret values shown in this screen (`s` toggles; back to masked on
    /// leaving the screen).
    pub show_secrets: bool,
    /// When the releases were last asked for.
    pub refreshed: i64,
    /// Effects for the event loop, taken by it after each key.
    pub effects: Vec<Effect>,
    /// Keys and colours.
    pub config: Config,
    /// The kubeconfig context shown (none on the demo sandbox).
    pub context: Option<String>,
    /// Every context the kubeconfig names, for `:ctx` alone.
    pub contexts: Vec<String>,
    /// The post-renderer installs and upgrades use, shown in the header.
    pub post_renderer: Option<String>,
    /// A watch tells of changes to release records, so polling can be rare.
    pub watching: bool,
    /// The watch told of a change not read yet.
    pub stale: bool,
    /// What the last frame drew where (for clicks and scrolling).
    pub hits: Cell<Hits>,
    /// Ticks of the event loop so far; turns the busy spinner.
    pub ticks: u64,
    /// The error reading the releases last ended in, until one succeeds.
    pub failing: Option<String>,
    /// How far the help popup is scrolled.
    pub help_scroll: usize,
    /// The detail text last shown, so computed values and masking are not
    /// redone for every frame.
    detail_cache: RefCell<Option<(DetailKey, Rc<str>)>>,
}

/// What a detail text depends on.
type DetailKey = (String, String, i64, String, DetailTab, bool);

/// How many progress lines are kept.
pub const LOG_LINES: usize = 6;

/// Seconds between refreshes of the releases (and the history shown) when
/// no watch tells of changes, so a change made elsewhere (Helm in another
/// terminal) appears within them.
pub const REFRESH_SECS: i64 = 2;

/// Seconds between refreshes while a watch tells of changes: only a
/// safety net for a watch that silently stopped.
pub const WATCHED_REFRESH_SECS: i64 = 30;

/// Rows or lines a page key moves.
pub const PAGE: i64 = 20;

impl App {
    pub fn new(namespace: Option<String>, now: i64) -> App {
        App {
            namespace,
            namespaces: Vec::new(),
            namespaces_note: None,
            namespace_row: 0,
            focus: Pane::Releases,
            releases: Vec::new(),
            selected: 0,
            filter: String::new(),
            input: Input::None,
            stack: vec![Screen::Releases],
            history: Vec::new(),
            history_selected: 0,
            marked: None,
            popup: None,
            banner: None,
            log: Vec::new(),
            busy: false,
            scroll: 0,
            quit: false,
            now,
            plain: false,
            refreshed: now,
            effects: Vec::new(),
            sort: Column::Name,
            descending: false,
            show_secrets: false,
            config: Config::default(),
            context: None,
            contexts: Vec::new(),
            post_renderer: None,
            watching: false,
            stale: false,
            hits: Cell::new(Hits::default()),
            ticks: 0,
            failing: None,
            help_scroll: 0,
            detail_cache: RefCell::new(None),
        }
    }

    /// Time passes: when the watch told of a change, or every
    /// [`REFRESH_SECS`] without a watch, the releases and the history shown
    /// are read again (when nothing else is out).
    pub fn tick(&mut self, now: i64) -> Vec<Request> {
        self.now = now;
        self.ticks = self.ticks.wrapping_add(1);
        let every = if self.watching {
            WATCHED_REFRESH_SECS
        } else {
            REFRESH_SECS
        };
        if self.busy || self.popup.is_some() || !(self.stale || now - self.refreshed >= every) {
            return Vec::new();
        }
        self.refreshed = now;
        self.stale = false;
        let mut requests = vec![
            Request::Releases {
                namespace: self.namespace.clone(),
            },
            Request::Namespaces,
        ];
        if *self.screen() == Screen::History
            && let Some(r) = self.history.first()
        {
            requests.push(Request::History {
                namespace: r.namespace.clone(),
                name: r.name.clone(),
            });
        }
        self.busy = true;
        requests
    }

    /// The first requests: the releases, the namespaces, and a watch.
    pub fn start(&mut self) -> Vec<Request> {
        self.busy = true;
        vec![
            Request::Releases {
                namespace: self.namespace.clone(),
            },
            Request::Namespaces,
            Request::Watch {
                namespace: self.namespace.clone(),
            },
        ]
    }

    pub fn screen(&self) -> &Screen {
        self.stack.last().unwrap_or(&Screen::Releases)
    }

    /// The releases the filter lets through (fuzzy: the filter's characters
    /// in order, in the name, chart or status).
    pub fn visible(&self) -> Vec<&Release> {
        let mut shown: Vec<&Release> = self
            .releases
            .iter()
            .filter(|r| {
                self.filter.is_empty()
                    || [
                        r.name.as_str(),
                        r.chart_name(),
                        r.status().as_str(),
                        r.namespace.as_str(),
                    ]
                    .iter()
                    .any(|field| fuzzy(&self.filter, field))
            })
            .collect();
        shown.sort_by(|a, b| {
            let order = self.sort.compare(a, b);
            if self.descending {
                order.reverse()
            } else {
                order
            }
        });
        shown
    }

    pub fn selected_release(&self) -> Option<&Release> {
        self.visible().get(self.selected).copied()
    }

    fn say(&mut self, line: String) {
        self.log.push(line);
        if self.log.len() > LOG_LINES {
            self.log.remove(0);
        }
    }

    /// An engine answer arrives.
    pub fn respond(&mut self, response: Response) -> Vec<Request> {
        // The namespaces pane and the watch speak on the side; they never
        // hold anything up.
        if !matches!(
            response,
            Response::Namespaces(_) | Response::Changed | Response::Watching(_)
        ) {
            self.busy = false;
        }
        match response {
            Response::Releases(Ok(releases)) => {
                self.failing = None;
                self.releases = releases;
                let count = self.visible().len();
                self.selected = self.selected.min(count.saturating_sub(1));
            }
            Response::Namespaces(found) => {
                self.namespaces = found.namespaces;
                self.namespaces_note = found.partial;
                self.namespace_row = self.namespace_row.min(self.namespaces.len());
            }
            Response::History(Ok(history)) => {
                let same = self.history.first().map(|r| (&r.namespace, &r.name))
                    == history.first().map(|r| (&r.namespace, &r.name));
                let grew = history.len() != self.history.len();
                self.history = history;
                if !same || grew {
                    self.history_selected = self.history.len().saturating_sub(1);
                    self.marked = None;
                }
            }
            Response::Confirm(Ok(confirm)) => {
                self.popup = Some(Popup::Confirm { confirm, scroll: 0 });
            }
            Response::Done(Ok(done)) => {
                self.say(done.message);
                self.busy = true;
                let mut requests = vec![Request::Releases {
                    namespace: self.namespace.clone(),
                }];
                if *self.screen() == Screen::History {
                    if done.has_history {
                        requests.push(Request::History {
                            namespace: done.namespace,
                            name: done.name,
                        });
                    } else {
                        self.stack.truncate(1);
                    }
                }
                return requests;
            }
            Response::Text(Ok((title, text))) => {
                self.stack.push(Screen::Diff { title, text });
                self.scroll = 0;
            }
            Response::Progress(line) => {
                self.busy = true;
                self.say(line);
            }
            Response::Changed => self.stale = true,
            Response::Watching(on) => self.watching = on,
            Response::Context(Ok((context, namespace))) => {
                self.say(format!("switched to context {context}"));
                self.context = Some(context);
                self.namespace = Some(namespace);
                self.stack.truncate(1);
                self.releases.clear();
                self.namespaces.clear();
                self.selected = 0;
                self.namespace_row = 0;
                return self.start();
            }
            // A refresh failing again as before goes to the activity
            // lines: the panel is shown once, not every 2 s.
            Response::Releases(Err(e)) if self.failing.as_ref() == Some(&e) => {
                self.say(format!("still failing: {e}"));
            }
            Response::Releases(Err(e)) => {
                self.failing = Some(e.clone());
                self.popup = Some(Popup::Error(e));
            }
            Response::History(Err(e))
            | Response::Confirm(Err(e))
            | Response::Text(Err(e))
            | Response::Context(Err(e))
            | Response::Done(Err(e)) => {
                self.popup = Some(Popup::Error(e));
            }
        }
        Vec::new()
    }

    /// A mouse event: the wheel moves, a click selects a row, a click on
    /// the selected row opens it.
    pub fn mouse(&mut self, event: MouseEvent) -> Vec<Request> {
        match event.kind {
            MouseEventKind::ScrollDown => self.move_by(1),
            MouseEventKind::ScrollUp => self.move_by(-1),
            MouseEventKind::Down(MouseButton::Left) if self.popup.is_none() => {
                return self.click(event.column, event.row);
            }
            _ => {}
        }
        Vec::new()
    }

    fn click(&mut self, column: u16, row: u16) -> Vec<Request> {
        let hits = self.hits.get();
        // The row of a table a click landed on: below the border and the
        // header (`header` rows), shifted by the table's scroll.
        let table_row = |area: Rect, header: u16, offset: usize| -> Option<usize> {
            let inside = column >= area.x
                && column < area.x + area.width
                && row >= area.y + 1 + header
                && row + 1 < area.y + area.height;
            inside.then(|| usize::from(row - area.y - 1 - header) + offset)
        };
        match self.screen() {
            Screen::Releases => {
                if let Some(i) = table_row(hits.namespaces, 0, hits.namespaces_offset)
                    .filter(|i| *i <= self.namespaces.len())
                {
                    let again = self.focus == Pane::Namespaces && self.namespace_row == i;
                    self.focus = Pane::Namespaces;
                    self.namespace_row = i;
                    if again {
                        return self.act(Action::Open);
                    }
                } else if let Some(i) = table_row(hits.releases, 1, hits.releases_offset)
                    .filter(|i| *i < self.visible().len())
                {
                    let again = self.focus == Pane::Releases && self.selected == i;
                    self.focus = Pane::Releases;
                    self.selected = i;
                    if again {
                        return self.act(Action::Open);
                    }
                }
            }
            Screen::History => {
                if let Some(i) = table_row(hits.history, 1, hits.history_offset)
                    .filter(|i| *i < self.history.len())
                {
                    let again = self.history_selected == i;
                    self.history_selected = i;
                    if again {
                        return self.act(Action::Open);
                    }
                }
            }
            Screen::Detail(_) | Screen::Diff { .. } => {}
        }
        Vec::new()
    }

    /// A key press.
    pub fn key(&mut self, key: KeyEvent) -> Vec<Request> {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            self.quit = true;
            return Vec::new();
        }
        if self.popup.is_some() {
            return self.popup_key(key);
        }
        match &mut self.input {
            Input::Filter(text) => {
                match key.code {
                    KeyCode::Esc => {
                        self.filter.clear();
                        self.input = Input::None;
                    }
                    KeyCode::Enter => self.input = Input::None,
                    KeyCode::Backspace => {
                        text.pop();
                        self.filter = text.clone();
                    }
                    KeyCode::Char(c) => {
                        text.push(c);
                        self.filter = text.clone();
                    }
                    _ => {}
                }
                self.selected = 0;
                Vec::new()
            }
            Input::Change(_) => self.change_key(key),
            Input::Command(text) => {
                match key.code {
                    KeyCode::Esc => self.input = Input::None,
                    KeyCode::Backspace => {
                        text.pop();
                    }
                    KeyCode::Char(c) => text.push(c),
                    KeyCode::Enter => {
                        let line = text.clone();
                        self.input = Input::None;
                        return self.command(&line);
                    }
                    _ => {}
                }
                Vec::new()
            }
            Input::None => match self.config.keys.action(key) {
                Some(action) => self.act(action),
                None => Vec::new(),
            },
        }
    }

    /// A key while an install or upgrade is being asked for: the chart,
    /// the release name (install), then values, or ctrl-e for `$EDITOR`.
    fn change_key(&mut self, key: KeyEvent) -> Vec<Request> {
        let Input::Change(input) = &mut self.input else {
            return Vec::new();
        };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => self.input = Input::None,
            KeyCode::Backspace => {
                input.text.pop();
            }
            KeyCode::Char('e') if ctrl && input.asking() == Asking::Values => {
                let change = input.change(String::new());
                let current = match change.kind {
                    ChangeKind::Upgrade => self
                        .releases
                        .iter()
                        .find(|r| r.namespace == change.namespace && r.name == change.name)
                        .filter(|r| !r.config.is_empty())
                        .map(|r| {
                            crate::diff::objects::object_yaml(&serde_json::Value::Object(
                                r.config.clone(),
                            ))
                        })
                        .unwrap_or_default(),
                    ChangeKind::Install => format!(
                        "# Values for {} over the chart's defaults (its values.yaml).\n",
                        change.name
                    ),
                };
                self.effects.push(Effect::EditValues { change, current });
                self.input = Input::None;
            }
            KeyCode::Char(c) if !ctrl => input.text.push(c),
            KeyCode::Enter => {
                let text = input.text.trim().to_string();
                match input.asking() {
                    // A chart and a name are needed before values.
                    Asking::Chart | Asking::Name if text.is_empty() => {}
                    Asking::Chart => {
                        input.chart = Some(text);
                        input.text.clear();
                    }
                    Asking::Name => {
                        input.name = Some(text);
                        input.text.clear();
                    }
                    Asking::Values => {
                        let request = Request::Plan(input.change(text));
                        self.input = Input::None;
                        self.busy = true;
                        return vec![request];
                    }
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// What a bound key does on the current screen.
    fn act(&mut self, action: Action) -> Vec<Request> {
        let screen = self.screen().clone();
        match (screen, action) {
            (Screen::Releases, Action::Quit) => {
                self.quit = true;
                Vec::new()
            }
            (_, Action::Quit | Action::Back) => {
                if self.stack.len() > 1 {
                    self.stack.pop();
                    self.scroll = 0;
                    self.show_secrets = false;
                }
                Vec::new()
            }
            (_, Action::Copy | Action::Write) => {
                let Some((name, text)) = self.view_text() else {
                    return Vec::new();
                };
                let effect = if action == Action::Copy {
                    self.say(format!("copied {name} to the clipboard"));
                    Effect::Clipboard(text)
                } else {
                    let path = format!("wheelhouse-{name}.txt");
                    self.say(format!("wrote {name} to {path}"));
                    Effect::WriteFile { path, text }
                };
                self.effects.push(effect);
                Vec::new()
            }
            (Screen::Releases, Action::Secrets) => Vec::new(),
            (screen, Action::Secrets) => {
                self.show_secrets = !self.show_secrets;
                if let Screen::Diff { .. } = screen {
                    self.reopen_diff();
                }
                Vec::new()
            }
            (_, Action::Help) => {
                self.popup = Some(Popup::Help);
                self.help_scroll = 0;
                Vec::new()
            }
            (Screen::Releases, Action::Filter) => {
                self.input = Input::Filter(self.filter.clone());
                Vec::new()
            }
            (_, Action::Command) => {
                self.input = Input::Command(String::new());
                Vec::new()
            }
            (_, Action::Down) => self.moved(1),
            (_, Action::Up) => self.moved(-1),
            (_, Action::PageDown) => self.moved(PAGE),
            (_, Action::PageUp) => self.moved(-PAGE),
            (_, Action::Top) => self.moved(-i64::from(u32::MAX)),
            (_, Action::Bottom) => self.moved(i64::from(u32::MAX)),
            (Screen::Releases, Action::Next) => {
                self.focus = match self.focus {
                    Pane::Namespaces => Pane::Releases,
                    Pane::Releases => Pane::Namespaces,
                };
                Vec::new()
            }
            (Screen::Releases, Action::Open) if self.focus == Pane::Namespaces => {
                let namespace = match self.namespace_row {
                    0 => None,
                    row => self.namespaces.get(row - 1).map(|n| n.name.clone()),
                };
                self.focus = Pane::Releases;
                self.switch_namespace(namespace)
            }
            (Screen::Releases, Action::Open) => {
                if self.selected_release().is_some() {
                    self.stack.push(Screen::Detail(DetailTab::Status));
                    self.scroll = 0;
                }
                Vec::new()
            }
            (Screen::Releases | Screen::Detail(_), Action::History) => self.open_history(),
            (Screen::Releases | Screen::Detail(_), Action::Resources) => {
                self.about_selected(|namespace, name| Request::Resources { namespace, name })
            }
            (Screen::Releases | Screen::Detail(_), Action::Drift) => {
                self.about_selected(|namespace, name| Request::Drift { namespace, name })
            }
            (Screen::Releases | Screen::Detail(_) | Screen::History, Action::Recover) => {
                self.about_selected(|namespace, name| Request::Stuck { namespace, name })
            }
            (Screen::Releases | Screen::Detail(_), Action::Uninstall) => {
                self.confirm_uninstall();
                Vec::new()
            }
            (Screen::Releases | Screen::Detail(_), Action::Upgrade) => {
                if let Some(r) = self.selected_release() {
                    self.input = Input::Change(ChangeInput {
                        kind: ChangeKind::Upgrade,
                        namespace: r.namespace.clone(),
                        name: Some(r.name.clone()),
                        chart: None,
                        text: String::new(),
                    });
                }
                Vec::new()
            }
            (Screen::Releases, Action::Install) => {
                self.input = Input::Change(ChangeInput {
                    kind: ChangeKind::Install,
                    namespace: self.namespace.clone().unwrap_or_default(),
                    name: None,
                    chart: None,
                    text: String::new(),
                });
                Vec::new()
            }
            (Screen::Releases, Action::Reload) => self.reload(),
            (Screen::Releases, Action::Sort) => {
                self.sort = self.sort.next();
                self.selected = 0;
                Vec::new()
            }
            (Screen::Releases, Action::Reverse) => {
                self.descending = !self.descending;
                self.selected = 0;
                Vec::new()
            }
            (Screen::Detail(tab), Action::Next) => {
                self.stack.pop();
                self.stack.push(Screen::Detail(tab.next()));
                self.scroll = 0;
                Vec::new()
            }
            (Screen::History, Action::Mark) => {
                self.marked = self.history.get(self.history_selected).map(|r| r.version);
                Vec::new()
            }
            (Screen::History, Action::Diff | Action::Open) => {
                self.open_diff();
                Vec::new()
            }
            (Screen::History, Action::Rollback) => {
                let Some(target) = self.history.get(self.history_selected) else {
                    return Vec::new();
                };
                let request = Request::PlanRollback {
                    namespace: target.namespace.clone(),
                    name: target.name.clone(),
                    revision: target.version,
                };
                self.busy = true;
                vec![request]
            }
            _ => Vec::new(),
        }
    }

    fn moved(&mut self, delta: i64) -> Vec<Request> {
        self.move_by(delta);
        Vec::new()
    }

    fn move_by(&mut self, delta: i64) {
        let step = |value: usize, len: usize| -> usize {
            let max = len.saturating_sub(1) as i64;
            (value as i64).saturating_add(delta).clamp(0, max) as usize
        };
        match self.screen() {
            Screen::Releases if self.focus == Pane::Namespaces => {
                self.namespace_row = step(self.namespace_row, self.namespaces.len() + 1)
            }
            Screen::Releases => self.selected = step(self.selected, self.visible().len()),
            Screen::History => {
                self.history_selected = step(self.history_selected, self.history.len())
            }
            Screen::Detail(_) | Screen::Diff { .. } => {
                let hits = self.hits.get();
                // The last page is a full one.
                let last = hits.text_lines.saturating_sub(hits.text_height);
                self.scroll = step(self.scroll, last + 1);
            }
        }
    }

    fn confirm_uninstall(&mut self) {
        let Some(r) = self.selected_release() else {
            return;
        };
        let uninstall = |keep_history| Request::Uninstall {
            namespace: r.namespace.clone(),
            name: r.name.clone(),
            keep_history,
        };
        self.popup = Some(Popup::Confirm {
            confirm: Box::new(Confirm {
                question: format!("Uninstall {} from {}?", r.name, r.namespace),
                about: "what it removes (objects kept by helm.sh/resource-policy stay)".into(),
                preview: r.manifest.clone(),
                yes: uninstall(false),
                alternative: Some(('H', "uninstall, keep history".into(), uninstall(true))),
            }),
            scroll: 0,
        });
    }

    /// A request about the selected release (or the history's).
    fn about_selected(&mut self, make: impl Fn(String, String) -> Request) -> Vec<Request> {
        let target = if *self.screen() == Screen::History {
            self.history.first()
        } else {
            self.selected_release()
        };
        let Some(r) = target else {
            return Vec::new();
        };
        let request = make(r.namespace.clone(), r.name.clone());
        self.busy = true;
        vec![request]
    }

    /// Shows another namespace (`None`: all), watched from now on.
    fn switch_namespace(&mut self, namespace: Option<String>) -> Vec<Request> {
        self.namespace = namespace;
        self.selected = 0;
        let mut requests = self.reload();
        requests.push(Request::Watch {
            namespace: self.namespace.clone(),
        });
        requests
    }

    fn reload(&mut self) -> Vec<Request> {
        self.busy = true;
        vec![Request::Releases {
            namespace: self.namespace.clone(),
        }]
    }

    fn open_history(&mut self) -> Vec<Request> {
        let Some(r) = self.selected_release() else {
            return Vec::new();
        };
        let request = Request::History {
            namespace: r.namespace.clone(),
            name: r.name.clone(),
        };
        self.history.clear();
        self.stack.push(Screen::History);
        self.busy = true;
        vec![request]
    }

    /// The diff between the marked revision (else the one before) and the
    /// selected one: manifest and values.
    fn open_diff(&mut self) {
        let Some(new) = self.history.get(self.history_selected) else {
            return;
        };
        let old = match self.marked {
            Some(v) => self.history.iter().find(|r| r.version == v),
            None => self.history.iter().rev().find(|r| r.version < new.version),
        };
        let Some(old) = old else {
            self.popup = Some(Popup::Error(format!(
                "revision {} has no earlier revision to compare with; mark one with space",
                new.version
            )));
            return;
        };
        let text = super::view::revision_diff(old, new, self.show_secrets);
        self.stack.push(Screen::Diff {
            title: format!("{}: revision {} → {}", new.name, old.version, new.version),
            text,
        });
        self.scroll = 0;
    }

    /// The editor came back with the values for an install or upgrade
    /// (or failed).
    pub fn edited(&mut self, change: Change, yaml: Result<String, String>) -> Vec<Request> {
        match yaml {
            Ok(yaml) => {
                self.busy = true;
                vec![Request::Plan(Change {
                    yaml: Some(yaml),
                    ..change
                })]
            }
            Err(e) => {
                self.popup = Some(Popup::Error(e));
                Vec::new()
            }
        }
    }

    /// The text of one part of a release as the detail screen shows it.
    pub fn detail_text(&self, release: &Release, tab: DetailTab) -> Rc<str> {
        let key: DetailKey = (
            release.namespace.clone(),
            release.name.clone(),
            release.version,
            release.status().as_str().to_string(),
            tab,
            self.show_secrets,
        );
        let mut cache = self.detail_cache.borrow_mut();
        if let Some((cached, text)) = cache.as_ref()
            && *cached == key
        {
            return text.clone();
        }
        let text: Rc<str> = super::view::detail_text(release, tab, self.show_secrets).into();
        *cache = Some((key, text.clone()));
        text
    }

    /// The text of a detail or diff screen, as shown (Secrets as masked as
    /// on the screen), with a name for it.
    pub fn view_text(&self) -> Option<(String, String)> {
        match self.screen() {
            Screen::Detail(tab) => {
                let r = self.selected_release()?;
                Some((
                    format!("{}-{}-{}", r.name, r.version, tab.title().to_lowercase()),
                    self.detail_text(r, *tab).to_string(),
                ))
            }
            Screen::Diff { title, text } => Some((
                title
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                    .collect(),
                text.clone(),
            )),
            _ => None,
        }
    }

    /// Draws the open diff again (after toggling Secret values).
    fn reopen_diff(&mut self) {
        let scroll = self.scroll;
        self.stack.pop();
        self.open_diff();
        self.scroll = scroll;
    }

    /// A key over a popup: questions take y, n/esc and their alternative
    /// answer; the keys bound to down and up scroll the preview or help.
    fn popup_key(&mut self, key: KeyEvent) -> Vec<Request> {
        let action = self.config.keys.action(key);
        let help_lines = self.help().len();
        let Some(popup) = self.popup.as_mut() else {
            return Vec::new();
        };
        match popup {
            Popup::Confirm { confirm, scroll } => match key.code {
                KeyCode::Char('y') => {
                    let request = confirm.yes.clone();
                    self.popup = None;
                    self.busy = true;
                    vec![request]
                }
                KeyCode::Char(c)
                    if confirm
                        .alternative
                        .as_ref()
                        .is_some_and(|(k, _, _)| *k == c) =>
                {
                    let request = confirm.alternative.as_ref().map(|(_, _, r)| r.clone());
                    self.popup = None;
                    self.busy = true;
                    request.into_iter().collect()
                }
                KeyCode::Char('n') | KeyCode::Esc | KeyCode::Char('q') => {
                    self.popup = None;
                    Vec::new()
                }
                _ => {
                    // No further than the preview's last line.
                    let last = confirm.preview.lines().count().saturating_sub(1);
                    *scroll = scrolled(*scroll, action, last);
                    Vec::new()
                }
            },
            Popup::Help if matches!(action, Some(Action::Down | Action::Up)) => {
                self.help_scroll = scrolled(self.help_scroll, action, help_lines.saturating_sub(1));
                Vec::new()
            }
            Popup::Help | Popup::Error(_) => {
                if matches!(key.code, KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q'))
                    || action == Some(Action::Help)
                {
                    self.popup = None;
                }
                Vec::new()
            }
        }
    }

    /// `:` commands.
    fn command(&mut self, line: &str) -> Vec<Request> {
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("q" | "quit"), None) => {
                self.quit = true;
                Vec::new()
            }
            (Some("ns" | "namespace"), arg) => {
                self.stack.truncate(1);
                self.switch_namespace(match arg {
                    None | Some("all" | "-A") => None,
                    Some(ns) => Some(ns.to_string()),
                })
            }
            (Some("ctx" | "context"), None) => {
                let text = if self.contexts.is_empty() {
                    "(no kubeconfig: this is the demo sandbox)\n".to_string()
                } else {
                    self.contexts
                        .iter()
                        .map(|c| {
                            let mark = if self.context.as_ref() == Some(c) {
                                "*"
                            } else {
                                " "
                            };
                            format!("{mark} {c}\n")
                        })
                        .collect()
                };
                self.stack.push(Screen::Diff {
                    title: "contexts (:ctx NAME switches)".into(),
                    text,
                });
                self.scroll = 0;
                Vec::new()
            }
            (Some("ctx" | "context"), Some(context)) => {
                self.busy = true;
                vec![Request::Context(context.to_string())]
            }
            (Some("history" | "hist"), Some(name)) => {
                self.filter.clear();
                match self.visible().iter().position(|r| r.name == name) {
                    Some(i) => {
                        self.selected = i;
                        self.stack.truncate(1);
                        self.open_history()
                    }
                    None => {
                        self.popup = Some(Popup::Error(format!(
                            "no release named {name:?} in this view"
                        )));
                        Vec::new()
                    }
                }
            }
            _ => {
                self.popup = Some(Popup::Error(format!(
                    "unknown command {line:?}: try :ns NAME, :ns all, :ctx [NAME], :history NAME, :q"
                )));
                Vec::new()
            }
        }
    }

    /// The keys of the current screen, for `?`: each action's keys as
    /// bound, then the keys that are always the same.
    pub fn help(&self) -> Vec<(String, &'static str)> {
        let keys = &self.config.keys;
        let mut actions = vec![
            (Action::Down, "move down; the mouse wheel scrolls"),
            (Action::Up, "move up"),
            (Action::PageDown, "a page down"),
            (Action::PageUp, "a page up"),
            (Action::Top, "to the top"),
            (Action::Bottom, "to the bottom"),
            (Action::Back, "back"),
            (
                Action::Command,
                "command: :ns NAME, :ns all, :ctx [NAME], :history NAME, :q",
            ),
            (Action::Help, "this help"),
        ];
        match self.screen() {
            Screen::Releases => actions.extend([
                (Action::Quit, "quit"),
                (
                    Action::Open,
                    "open the release (or the namespace); click does too",
                ),
                (Action::Next, "switch between namespaces and releases"),
                (
                    Action::Filter,
                    "filter releases (fuzzy: name, chart, status)",
                ),
                (Action::Sort, "sort by the next column"),
                (Action::Reverse, "reverse the order"),
                (Action::History, "history of the selected release"),
                (Action::Install, "install: chart, name, values; review; y"),
                (Action::Upgrade, "upgrade: chart, values; review; y"),
                (
                    Action::Drift,
                    "drift: what was changed by hand since the deploy",
                ),
                (Action::Resources, "live resources and their health"),
                (
                    Action::Uninstall,
                    "uninstall (asks first; H keeps the history)",
                ),
                (
                    Action::Recover,
                    "recover a release stuck in pending-* (asks first)",
                ),
                (Action::Reload, "reload"),
            ]),
            Screen::Detail(_) => actions.extend([
                (Action::Quit, "back"),
                (Action::Next, "next part"),
                (Action::Secrets, "show / mask Secret values"),
                (Action::Copy, "copy the text (OSC 52)"),
                (Action::Write, "write the text to a file"),
                (Action::History, "history"),
                (Action::Upgrade, "upgrade (as on the releases)"),
                (Action::Uninstall, "uninstall (asks first)"),
            ]),
            Screen::History => actions.extend([
                (Action::Quit, "back"),
                (Action::Mark, "mark a revision to compare"),
                (
                    Action::Diff,
                    "diff the marked (or previous) and selected revisions",
                ),
                (Action::Open, "the same diff; click a selected row does too"),
                (
                    Action::Rollback,
                    "roll back to the selected revision (asks first)",
                ),
                (Action::Recover, "recover a stuck release (asks first)"),
            ]),
            Screen::Diff { .. } => actions.extend([
                (Action::Quit, "back"),
                (Action::Secrets, "show / mask Secret values"),
                (Action::Copy, "copy the text (OSC 52)"),
                (Action::Write, "write the text to a file"),
            ]),
        }
        let mut help: Vec<(String, &'static str)> = actions
            .into_iter()
            .map(|(action, what)| (keys.keys(action), what))
            .collect();
        help.push(("ctrl-c".into(), "quit from anywhere"));
        help.push(("y / n, esc".into(), "answer a question (not remappable)"));
        help
    }
}

/// A popup's scroll after the key bound to down or up, within `0..=last`.
fn scrolled(scroll: usize, action: Option<Action>, last: usize) -> usize {
    match action {
        Some(Action::Down) => (scroll + 1).min(last),
        Some(Action::Up) => scroll.saturating_sub(1),
        _ => scroll,
    }
}

/// Whether `pattern`'s characters appear in `text` in order (case-blind).
pub fn fuzzy(pattern: &str, text: &str) -> bool {
    let mut chars = text.chars().flat_map(char::to_lowercase);
    pattern
        .chars()
        .flat_map(char::to_lowercase)
        .all(|p| chars.any(|c| c == p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refreshes_every_two_seconds_when_idle() {
        let mut app = App::new(None, 100);
        assert!(app.tick(101).is_empty());
        assert_eq!(
            app.tick(102),
            [Request::Releases { namespace: None }, Request::Namespaces]
        );
        assert!(app.tick(105).is_empty(), "busy until answered");
        app.respond(Response::Releases(Ok(Vec::new())));
        assert_eq!(app.tick(105).len(), 2);
        // With a watch, only a change (or the 30 s safety net) reads again.
        app.respond(Response::Releases(Ok(Vec::new())));
        app.respond(Response::Watching(true));
        assert!(app.tick(110).is_empty());
        app.respond(Response::Changed);
        assert!(!app.busy, "the watch speaks on the side");
        assert_eq!(app.tick(110).len(), 2);
        app.respond(Response::Releases(Ok(Vec::new())));
        assert!(app.tick(139).is_empty());
        assert_eq!(app.tick(140).len(), 2);
    }

    #[test]
    fn a_refresh_failing_the_same_way_again_does_not_pop_up_again() {
        let mut app = App::new(None, 100);
        app.start();
        app.respond(Response::Releases(Err("connection refused".into())));
        assert_eq!(app.popup, Some(Popup::Error("connection refused".into())));
        app.popup = None;
        app.respond(Response::Releases(Err("connection refused".into())));
        assert_eq!(app.popup, None);
        assert_eq!(app.log, ["still failing: connection refused"]);
        app.respond(Response::Releases(Ok(Vec::new())));
        app.respond(Response::Releases(Err("connection refused".into())));
        assert!(app.popup.is_some(), "a new failure after a success shows");
    }

    #[test]
    fn fuzzy_matches_in_order() {
        assert!(fuzzy("wb", "web"));
        assert!(fuzzy("DEP", "deployed"));
        assert!(!fuzzy("bw", "web"));
        assert!(fuzzy("", "x"));
    }
}
