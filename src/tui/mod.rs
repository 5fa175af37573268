//! The terminal UI (`wheelhouse` with no command): browse releases, read a
//! release's status, values, manifest, notes and hooks, walk its history,
//! diff two revisions, and install, upgrade, roll back or uninstall after
//! reviewing what the action will do. Drives the engine only, through
//! [`worker`]; draws from [`app::App`] only, so a slow cluster never
//! freezes the screen. Keys and colours: [`config`].
//!
//! The terminal is restored on every exit, panics included.

pub mod app;
pub mod config;
pub mod demo;
pub mod view;
pub mod worker;

use std::io::stdout;
use std::time::Duration;

use anyhow::Context as _;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};

use crate::engine::Engine;

use app::App;
use worker::Worker;

/// How long the loop waits for a key before looking at engine answers.
const TICK: Duration = Duration::from_millis(50);

/// Where the TUI starts.
pub struct Start {
    pub engine: Engine,
    /// `None` shows every namespace.
    pub namespace: Option<String>,
    pub banner: Option<String>,
    /// The kubeconfig context, shown in the header.
    pub context: Option<String>,
    /// Every context of the kubeconfig.
    pub contexts: Vec<String>,
    /// `:ctx` and the post-renderer, for the worker.
    pub setup: worker::Setup,
    /// The post-renderer as the user named it, shown in the header.
    pub post_renderer: Option<String>,
}

/// Runs the TUI until the user quits. Keys and colours come from
/// [`config::Config::user_path`] over the defaults; a broken file stops
/// the TUI before it takes the terminal.
pub fn run(start: Start) -> anyhow::Result<()> {
    let config = config::Config::load(config::Config::user_path().as_deref())?;
    let now = unix_now();
    let mut app = App::new(start.namespace, now);
    app.banner = start.banner;
    app.context = start.context;
    app.contexts = start.contexts;
    app.post_renderer = start.post_renderer;
    app.config = config;
    app.plain = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let worker =
        Worker::start(start.engine, start.setup).context("cannot start the engine's thread")?;

    enable_raw_mode().context("cannot put the terminal in raw mode")?;
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous_hook(info);
    }));
    execute!(stdout(), EnterAlternateScreen, EnableMouseCapture)
        .context("cannot take over the terminal")?;
    let result = event_loop(&mut app, &worker);
    restore();
    // Waits for running actions to record how they ended.
    drop(worker);
    result
}

/// Gives the terminal back as it was.
fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(stdout(), LeaveAlternateScreen, DisableMouseCapture);
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Does what the app asked of the terminal or the file system; what the
/// app wants next goes to the engine.
fn perform(
    effect: app::Effect,
    app: &mut App,
    terminal: &mut Terminal<CrosstermBackend<std::io::Stdout>>,
) -> Vec<app::Request> {
    use std::io::Write as _;
    match effect {
        app::Effect::EditValues { change, current } => {
            let edited = edit_in_editor(&current);
            // The editor drew over the screen.
            let _ = terminal.clear();
            return app.edited(change, edited);
        }
        app::Effect::Clipboard(text) => {
            use base64::Engine as _;
            let encoded = base64::engine::general_purpose::STANDARD.encode(text);
            let mut out = stdout();
            let _ = write!(out, "\x1b]52;c;{encoded}\x07");
            let _ = out.flush();
        }
        app::Effect::WriteFile { path, text } => {
            if let Err(e) = std::fs::write(&path, text) {
                app.popup = Some(app::Popup::Error(format!("cannot write {path}: {e}")));
            }
        }
    }
    Vec::new()
}

/// Hands the terminal to `$VISUAL`/`$EDITOR` (else `vi`) on a file holding
/// `text`, and returns what the file holds afterwards.
fn edit_in_editor(text: &str) -> Result<String, String> {
    let path = std::env::temp_dir().join(format!("wheelhouse-values-{}.yaml", std::process::id()));
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".to_string());
    restore();
    // Through the shell, as git does, so EDITOR may carry arguments.
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(&path)
        .status();
    let _ = enable_raw_mode();
    let _ = execute!(stdout(), EnterAlternateScreen, EnableMouseCapture);
    let result = match status {
        Ok(s) if s.success() => std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display())),
        Ok(s) => Err(format!(
            "the editor ({editor}) exited with {s}; nothing was upgraded"
        )),
        Err(e) => Err(format!("cannot start the editor ({editor}): {e}")),
    };
    let _ = std::fs::remove_file(&path);
    result
}

fn event_loop(app: &mut App, worker: &Worker) -> anyhow::Result<()> {
    let mut terminal =
        Terminal::new(CrosstermBackend::new(stdout())).context("cannot open the terminal")?;
    worker.send(app.start());
    while !app.quit {
        worker.send(app.tick(unix_now()));
        terminal
            .draw(|frame| view::draw(frame, app))
            .context("cannot draw")?;
        if event::poll(TICK).context("cannot read the terminal")? {
            match event::read().context("cannot read the terminal")? {
                Event::Key(key) if key.kind == event::KeyEventKind::Press => {
                    worker.send(app.key(key))
                }
                Event::Mouse(mouse) => worker.send(app.mouse(mouse)),
                // The next draw fits the new size.
                _ => {}
            }
        }
        for effect in std::mem::take(&mut app.effects) {
            let requests = perform(effect, app, &mut terminal);
            worker.send(requests);
        }
        while let Ok(answer) = worker.answers.try_recv() {
            worker.send(app.respond(answer));
        }
    }
    Ok(())
}
