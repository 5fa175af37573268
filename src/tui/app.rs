//! The TUI's state and what keys do to it. Pure: a key or an engine answer
//! goes in, the state changes and requests for the engine come out; drawing
//! reads the state (`view`), the worker runs the requests (`worker`). So
//! every screen can be driven and checked without a terminal.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};

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
    /// What upgrading to `chart` would do, with `set` over the current
    /// values, or with `yaml` (edited in `$EDITOR`) as the values.
    PlanUpgrade {
        namespace: String,
        name: String,
        chart: String,
        set: String,
        yaml: Option<String>,
    },
    Upgrade {
        namespace: String,
        name: String,
        chart: String,
        set: String,
        yaml: Option<String>,
    },
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
    /// Edit the release's values in `$EDITOR` for an upgrade to `chart`;
    /// the result goes to [`App::edited`].
    EditValues {
        namespace: String,
        name: String,
        chart: String,
        current: String,
    },
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
        scroll: u16,
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
    /// `:`: a command (`:ns NAME`, `:history NAME`, `:q`).
    Command(String),
    /// `u`: the chart to upgrade the selected release to, then values in
    /// `--set` syntax over the release's current ones.
    Upgrade(UpgradeInput),
}

/// The upgrade being asked for, one answer at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpgradeInput {
    pub namespace: String,
    pub name: String,
    /// The chart, once given.
    pub chart: Option<String>,
    pub text: String,
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
    pub scroll: u16,
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
}

/// How many progress lines are kept.
pub const LOG_LINES: usize = 6;

/// Seconds between refreshes of the releases (and the history shown), so
/// a change made elsewhere (Helm in another terminal) appears within them.
pub const REFRESH_SECS: i64 = 2;

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
        }
    }

    /// Time passes: every [`REFRESH_SECS`], when nothing is out, the
    /// releases and the history shown are read again.
    pub fn tick(&mut self, now: i64) -> Vec<Request> {
        self.now = now;
        if self.busy || self.popup.is_some() || now - self.refreshed < REFRESH_SECS {
            return Vec::new();
        }
        self.refreshed = now;
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

    /// The first request: the releases.
    pub fn start(&mut self) -> Vec<Request> {
        self.busy = true;
        vec![
            Request::Releases {
                namespace: self.namespace.clone(),
            },
            Request::Namespaces,
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
        // The namespaces pane fills in on the side; it never holds anything up.
        if !matches!(response, Response::Namespaces(_)) {
            self.busy = false;
        }
        match response {
            Response::Releases(Ok(releases)) => {
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
            Response::Releases(Err(e))
            | Response::History(Err(e))
            | Response::Confirm(Err(e))
            | Response::Text(Err(e))
            | Response::Done(Err(e)) => {
                self.popup = Some(Popup::Error(e));
            }
        }
        Vec::new()
    }

    pub fn mouse(&mut self, event: MouseEvent) {
        match event.kind {
            MouseEventKind::ScrollDown => self.move_by(1),
            MouseEventKind::ScrollUp => self.move_by(-1),
            _ => {}
        }
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
                return Vec::new();
            }
            Input::Upgrade(upgrade) => {
                match key.code {
                    KeyCode::Esc => self.input = Input::None,
                    KeyCode::Backspace => {
                        upgrade.text.pop();
                    }
                    KeyCode::Char('e')
                        if key.modifiers.contains(KeyModifiers::CONTROL)
                            && upgrade.chart.is_some() =>
                    {
                        let current = self
                            .releases
                            .iter()
                            .find(|r| r.namespace == upgrade.namespace && r.name == upgrade.name)
                            .filter(|r| !r.config.is_empty())
                            .map(|r| {
                                crate::diff::objects::object_yaml(&serde_json::Value::Object(
                                    r.config.clone(),
                                ))
                            })
                            .unwrap_or_default();
                        self.effects.push(Effect::EditValues {
                            namespace: upgrade.namespace.clone(),
                            name: upgrade.name.clone(),
                            chart: upgrade.chart.clone().unwrap_or_default(),
                            current,
                        });
                        self.input = Input::None;
                    }
                    KeyCode::Char(c) => upgrade.text.push(c),
                    // A chart is needed before values.
                    KeyCode::Enter if upgrade.chart.is_none() && upgrade.text.trim().is_empty() => {
                    }
                    KeyCode::Enter if upgrade.chart.is_none() => {
                        upgrade.chart = Some(upgrade.text.trim().to_string());
                        upgrade.text.clear();
                    }
                    KeyCode::Enter => {
                        let request = Request::PlanUpgrade {
                            namespace: upgrade.namespace.clone(),
                            name: upgrade.name.clone(),
                            chart: upgrade.chart.clone().unwrap_or_default(),
                            set: upgrade.text.trim().to_string(),
                            yaml: None,
                        };
                        self.input = Input::None;
                        self.busy = true;
                        return vec![request];
                    }
                    _ => {}
                }
                return Vec::new();
            }
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
                return Vec::new();
            }
            Input::None => {}
        }
        match key.code {
            KeyCode::Char('q') if self.stack.len() == 1 => {
                self.quit = true;
                Vec::new()
            }
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('h') | KeyCode::Left => {
                if self.stack.len() > 1 {
                    self.stack.pop();
                    self.scroll = 0;
                    self.show_secrets = false;
                }
                Vec::new()
            }
            KeyCode::Char('c') | KeyCode::Char('w') if self.view_text().is_some() => {
                let (name, text) = self.view_text().unwrap_or_default();
                let effect = if key.code == KeyCode::Char('c') {
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
            KeyCode::Char('s') if !matches!(self.screen(), Screen::Releases) => {
                self.show_secrets = !self.show_secrets;
                if let Screen::Diff { .. } = self.screen() {
                    self.reopen_diff();
                }
                Vec::new()
            }
            KeyCode::Char('?') => {
                self.popup = Some(Popup::Help);
                Vec::new()
            }
            KeyCode::Char('/') if *self.screen() == Screen::Releases => {
                self.input = Input::Filter(self.filter.clone());
                Vec::new()
            }
            KeyCode::Char(':') => {
                self.input = Input::Command(String::new());
                Vec::new()
            }
            KeyCode::Down | KeyCode::Char('j') => {
                self.move_by(1);
                Vec::new()
            }
            KeyCode::Up | KeyCode::Char('k') => {
                self.move_by(-1);
                Vec::new()
            }
            KeyCode::PageDown => {
                self.move_by(10);
                Vec::new()
            }
            KeyCode::PageUp => {
                self.move_by(-10);
                Vec::new()
            }
            _ => self.screen_key(key),
        }
    }

    fn move_by(&mut self, delta: i64) {
        let step = |value: usize, len: usize| -> usize {
            let max = len.saturating_sub(1) as i64;
            (value as i64 + delta).clamp(0, max) as usize
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
                self.scroll = (i64::from(self.scroll) + delta).clamp(0, i64::from(u16::MAX)) as u16
            }
        }
    }

    fn screen_key(&mut self, key: KeyEvent) -> Vec<Request> {
        match (self.screen().clone(), key.code) {
            (Screen::Releases, KeyCode::Tab) => {
                self.focus = match self.focus {
                    Pane::Namespaces => Pane::Releases,
                    Pane::Releases => Pane::Namespaces,
                };
                Vec::new()
            }
            (Screen::Releases, KeyCode::Enter | KeyCode::Char('l') | KeyCode::Right)
                if self.focus == Pane::Namespaces =>
            {
                self.namespace = match self.namespace_row {
                    0 => None,
                    row => self.namespaces.get(row - 1).map(|n| n.name.clone()),
                };
                self.focus = Pane::Releases;
                self.selected = 0;
                self.reload()
            }
            (Screen::Releases, KeyCode::Enter | KeyCode::Char('l') | KeyCode::Right) => {
                if self.selected_release().is_some() {
                    self.stack.push(Screen::Detail(DetailTab::Status));
                    self.scroll = 0;
                }
                Vec::new()
            }
            (Screen::Releases | Screen::Detail(_), KeyCode::Char('H')) => self.open_history(),
            (Screen::Releases | Screen::Detail(_), KeyCode::Char('L')) => {
                self.about_selected(|namespace, name| Request::Resources { namespace, name })
            }
            (Screen::Releases | Screen::Detail(_), KeyCode::Char('x')) => {
                self.about_selected(|namespace, name| Request::Drift { namespace, name })
            }
            (Screen::Releases | Screen::Detail(_) | Screen::History, KeyCode::Char('F')) => {
                self.about_selected(|namespace, name| Request::Stuck { namespace, name })
            }
            (Screen::Releases | Screen::Detail(_), KeyCode::Char('D')) => {
                let Some(r) = self.selected_release() else {
                    return Vec::new();
                };
                let uninstall = |keep_history| Request::Uninstall {
                    namespace: r.namespace.clone(),
                    name: r.name.clone(),
                    keep_history,
                };
                self.popup = Some(Popup::Confirm {
                    confirm: Box::new(Confirm {
                        question: format!("Uninstall {} from {}?", r.name, r.namespace),
                        about: "what it removes (objects kept by helm.sh/resource-policy stay)"
                            .into(),
                        preview: r.manifest.clone(),
                        yes: uninstall(false),
                        alternative: Some(('H', "uninstall, keep history".into(), uninstall(true))),
                    }),
                    scroll: 0,
                });
                Vec::new()
            }
            (Screen::Releases | Screen::Detail(_), KeyCode::Char('u')) => {
                if let Some(r) = self.selected_release() {
                    self.input = Input::Upgrade(UpgradeInput {
                        namespace: r.namespace.clone(),
                        name: r.name.clone(),
                        chart: None,
                        text: String::new(),
                    });
                }
                Vec::new()
            }
            (Screen::Releases, KeyCode::Char('R')) => self.reload(),
            (Screen::Releases, KeyCode::Char('o')) => {
                self.sort = self.sort.next();
                self.selected = 0;
                Vec::new()
            }
            (Screen::Releases, KeyCode::Char('O')) => {
                self.descending = !self.descending;
                self.selected = 0;
                Vec::new()
            }
            (Screen::Detail(tab), KeyCode::Tab) => {
                self.stack.pop();
                self.stack.push(Screen::Detail(tab.next()));
                self.scroll = 0;
                Vec::new()
            }
            (Screen::History, KeyCode::Char(' ')) => {
                self.marked = self.history.get(self.history_selected).map(|r| r.version);
                Vec::new()
            }
            (Screen::History, KeyCode::Char('d') | KeyCode::Enter) => {
                self.open_diff();
                Vec::new()
            }
            (Screen::History, KeyCode::Char('r')) => {
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

    /// The editor came back with the values for an upgrade (or failed).
    pub fn edited(
        &mut self,
        namespace: String,
        name: String,
        chart: String,
        yaml: Result<String, String>,
    ) -> Vec<Request> {
        match yaml {
            Ok(yaml) => {
                self.busy = true;
                vec![Request::PlanUpgrade {
                    namespace,
                    name,
                    chart,
                    set: String::new(),
                    yaml: Some(yaml),
                }]
            }
            Err(e) => {
                self.popup = Some(Popup::Error(e));
                Vec::new()
            }
        }
    }

    /// The text of a detail or diff screen, as shown (Secrets as masked as
    /// on the screen), with a name for it.
    pub fn view_text(&self) -> Option<(String, String)> {
        match self.screen() {
            Screen::Detail(tab) => {
                let r = self.selected_release()?;
                Some((
                    format!("{}-{}-{}", r.name, r.version, tab.title().to_lowercase()),
                    super::view::detail_text(r, *tab, self.show_secrets),
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

    fn popup_key(&mut self, key: KeyEvent) -> Vec<Request> {
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
                KeyCode::Down | KeyCode::Char('j') => {
                    *scroll = scroll.saturating_add(1);
                    Vec::new()
                }
                KeyCode::Up | KeyCode::Char('k') => {
                    *scroll = scroll.saturating_sub(1);
                    Vec::new()
                }
                KeyCode::Char('n') | KeyCode::Esc | KeyCode::Char('q') => {
                    self.popup = None;
                    Vec::new()
                }
                _ => Vec::new(),
            },
            Popup::Help | Popup::Error(_) => {
                if matches!(
                    key.code,
                    KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q' | '?')
                ) {
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
                self.namespace = match arg {
                    None | Some("all" | "-A") => None,
                    Some(ns) => Some(ns.to_string()),
                };
                self.stack.truncate(1);
                self.selected = 0;
                self.reload()
            }
            (Some("history" | "hist"), Some(name)) => {
                self.filter.clear();
                match self.releases.iter().position(|r| r.name == name) {
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
                    "unknown command {line:?}: try :ns NAME, :ns all, :history NAME, :q"
                )));
                Vec::new()
            }
        }
    }

    /// The keys of the current screen, for `?`.
    pub fn help(&self) -> Vec<(&'static str, &'static str)> {
        let mut keys = vec![
            ("j/k, ↑/↓", "move; mouse wheel scrolls"),
            ("enter, l", "open"),
            ("esc, h", "back"),
            (":", "command: :ns NAME, :ns all, :history NAME, :q"),
            ("?", "this help"),
            ("q, ctrl-c", "quit (q goes back on inner screens)"),
        ];
        match self.screen() {
            Screen::Releases => keys.extend([
                ("tab", "switch between namespaces and releases"),
                ("/", "filter releases (name, chart, status)"),
                ("o / O", "sort by the next column / reverse the order"),
                ("H", "history of the selected release"),
                (
                    "u",
                    "upgrade: chart, then --set values or ctrl-e for $EDITOR; review, then y",
                ),
                ("x", "drift: what was changed by hand since the deploy"),
                ("L", "live resources and their health"),
                ("D", "uninstall (asks first; H keeps the history)"),
                ("F", "recover a release stuck in pending-* (asks first)"),
                ("R", "reload"),
            ]),
            Screen::Detail(_) => keys.extend([
                ("tab", "next part"),
                ("s", "show / mask Secret values"),
                ("c / w", "copy the text (OSC 52) / write it to a file"),
                ("H", "history"),
                ("D", "uninstall (asks first)"),
            ]),
            Screen::History => keys.extend([
                ("space", "mark a revision to compare"),
                (
                    "d, enter",
                    "diff marked (or previous) and selected revisions",
                ),
                ("r", "roll back to the selected revision (asks first)"),
                ("F", "recover a stuck release (asks first)"),
            ]),
            Screen::Diff { .. } => keys.extend([
                ("s", "show / mask Secret values"),
                ("c / w", "copy the text (OSC 52) / write it to a file"),
            ]),
        }
        keys
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
    }

    #[test]
    fn fuzzy_matches_in_order() {
        assert!(fuzzy("wb", "web"));
        assert!(fuzzy("DEP", "deployed"));
        assert!(!fuzzy("bw", "web"));
        assert!(fuzzy("", "x"));
    }
}
