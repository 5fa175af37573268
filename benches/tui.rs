//! The TUI over 1,000 releases x 10 revisions (10,000 records) in Secrets on
//! a sandbox, measured the way the event loop runs it: the real app, worker
//! and engine, frames drawn through crossterm's backend (escape sequences
//! produced and thrown away, as a terminal of 200x50 would receive them).
//!
//! - first frame: from opening the engine (kubeconfig read, client built)
//!   to the first frame written, fresh each sample;
//! - table filled: from the same start until every release is in the table;
//! - key to frame: one key handled and the next frame written, while moving
//!   down the table and while typing a filter;
//! - a 20,000-line revision diff: opening it (diff computed, first frame),
//!   then a frame per page while scrolling through it;
//! - peak resident memory of this process (the sandbox runs in its own).
//!
//! `scripts/bench-tui` starts the sandbox and runs this;
//!   WHEELHOUSE_BENCH_KUBECONFIG  a kubeconfig for that sandbox (required)
//! Records are seeded on first use (namespaces bench-0..bench-9, shared
//! with `benches/storage.rs`).

// Missing servers or a failed seed should stop the benchmark loudly.
#![allow(clippy::expect_used)]

use std::time::{Duration, Instant};

use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use wheelhouse::engine::Engine;
use wheelhouse::kube::cluster::Cluster;
use wheelhouse::kube::{KubeSettings, connect};
use wheelhouse::release::Status;
use wheelhouse::storage::seed::sample_release;
use wheelhouse::storage::{Secrets, Storage};
use wheelhouse::tui::app::{App, Screen};
use wheelhouse::tui::view;
use wheelhouse::tui::worker::{Setup, Worker};

mod common;

use common::{RELEASES, REVISIONS};

/// Fresh starts timed for the first frame and the filled table.
const STARTS: usize = 9;
/// Keys timed in each of the two key-latency cases.
const KEYS: usize = 300;
/// Lines of the diff opened (half removed, half added).
const DIFF_LINES: usize = 20_000;

type Screen200x50 = Terminal<CrosstermBackend<std::io::Sink>>;

fn settings(kubeconfig: &str) -> KubeSettings {
    KubeSettings {
        kubeconfig: Some(kubeconfig.into()),
        ..KubeSettings::default()
    }
}

/// Creates the namespaces and records unless a run before did.
async fn ensure_seeded(kubeconfig: &str) {
    let connection = common::sandbox(kubeconfig).await;
    common::seeded(&Secrets::new(connection.client)).await;
}

/// The engine as `wheelhouse` opens it: kubeconfig read, clients built.
async fn open_engine(kubeconfig: &str) -> Engine {
    let connection = connect(&settings(kubeconfig))
        .await
        .expect("the sandbox's kubeconfig");
    Engine::new(
        Storage::new(Box::new(Secrets::new(connection.client.clone()))),
        Cluster::new(connection.client),
        &connection.namespace,
    )
}

fn terminal() -> Screen200x50 {
    Terminal::with_options(
        CrosstermBackend::new(std::io::sink()),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, 200, 50)),
        },
    )
    .expect("a terminal")
}

fn frame(terminal: &mut Screen200x50, app: &App) {
    terminal
        .draw(|f| view::draw(f, app))
        .expect("drawing to a sink");
}

/// What the event loop does between frames with the engine's answers.
fn drain(app: &mut App, worker: &Worker) {
    while let Ok(answer) = worker.answers.try_recv() {
        worker.send(app.respond(answer));
    }
}

struct Start {
    first_frame: Duration,
    filled: Duration,
}

fn start(rt: &tokio::runtime::Runtime, kubeconfig: &str) -> (Start, App, Worker, Screen200x50) {
    let began = Instant::now();
    let engine = rt.block_on(open_engine(kubeconfig));
    let mut app = App::new(None, 0);
    let worker = Worker::start(engine, Setup::default()).expect("the worker thread");
    let mut terminal = terminal();
    worker.send(app.start());
    frame(&mut terminal, &app);
    let first_frame = began.elapsed();
    let deadline = began + Duration::from_secs(60);
    while app.releases.len() < RELEASES {
        assert!(Instant::now() < deadline, "the releases never came");
        if let Ok(answer) = worker.answers.recv_timeout(Duration::from_millis(1)) {
            worker.send(app.respond(answer));
        }
        drain(&mut app, &worker);
        frame(&mut terminal, &app);
    }
    let filled = began.elapsed();
    (
        Start {
            first_frame,
            filled,
        },
        app,
        worker,
        terminal,
    )
}

/// Time from a key to its frame, for each key.
fn keys(
    app: &mut App,
    worker: &Worker,
    terminal: &mut Screen200x50,
    keys: impl IntoIterator<Item = KeyEvent>,
) -> Vec<Duration> {
    keys.into_iter()
        .map(|key| {
            let began = Instant::now();
            worker.send(app.key(key));
            drain(app, worker);
            frame(terminal, app);
            began.elapsed()
        })
        .collect()
}

fn press(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn code(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// Two revisions whose manifests differ on every line: a diff of
/// [`DIFF_LINES`] lines.
fn rewritten_history() -> Vec<wheelhouse::release::Release> {
    let revision = |version: i64, word: &str| {
        let mut r = sample_release("bench-0", "big", version, Status::Superseded);
        r.manifest = format!(
            "---\n# Source: big/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n{}",
            (0..DIFF_LINES / 2)
                .map(|i| format!("  key-{i:05}: {word}-{i}\n"))
                .collect::<String>()
        );
        r
    };
    vec![revision(1, "old"), revision(2, "new")]
}

/// Two revisions of a manifest of many small Deployments, each object's
/// image changed: shared lines (the same in every object) between the
/// changes, the hard case for a line diff; about [`DIFF_LINES`] lines of
/// diff with three lines of context.
fn upgraded_history() -> Vec<wheelhouse::release::Release> {
    let objects = DIFF_LINES / 9;
    let revision = |version: i64, tag: &str| {
        let mut r = sample_release("bench-0", "fleet", version, Status::Superseded);
        r.manifest = (0..objects)
            .map(|i| {
                format!(
                    "---\n# Source: fleet/templates/app.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: app\n        image: registry/app:{tag}\n        ports:\n        - containerPort: 8080\n"
                )
            })
            .collect();
        r
    };
    vec![revision(1, "1.0"), revision(2, "1.1")]
}

fn diff_lines(app: &App) -> usize {
    match app.screen() {
        Screen::Diff { text, .. } => text.lines().count(),
        other => panic!("the diff did not open: {other:?}"),
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn percentile(mut samples: Vec<Duration>, p: usize) -> Duration {
    samples.sort();
    samples[(samples.len() * p / 100).min(samples.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

fn main() {
    // `cargo bench` passes `--bench`; this harness takes no arguments.
    let kubeconfig = std::env::var("WHEELHOUSE_BENCH_KUBECONFIG")
        .expect("WHEELHOUSE_BENCH_KUBECONFIG: run scripts/bench-tui");
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    rt.block_on(ensure_seeded(&kubeconfig));

    let mut first_frames = Vec::new();
    let mut filled = Vec::new();
    let mut last = None;
    for _ in 0..STARTS {
        let (start, app, worker, terminal) = start(&rt, &kubeconfig);
        first_frames.push(start.first_frame);
        filled.push(start.filled);
        last = Some((app, worker, terminal));
    }
    let (mut app, worker, mut terminal) = last.expect("at least one start");

    let scrolling = keys(
        &mut app,
        &worker,
        &mut terminal,
        (0..KEYS).map(|_| press('j')),
    );
    let mut typing = vec![press('/')];
    typing.extend((0..KEYS).map(|i| match i % 4 {
        0 => press('r'),
        1 => press('7'),
        2 => code(KeyCode::Backspace),
        _ => code(KeyCode::Backspace),
    }));
    let filtering = keys(&mut app, &worker, &mut terminal, typing);
    keys(&mut app, &worker, &mut terminal, [code(KeyCode::Esc)]);

    app.history = upgraded_history();
    app.history_selected = 1;
    app.stack.push(Screen::History);
    let upgraded = keys(&mut app, &worker, &mut terminal, [press('d')]);
    let upgraded_lines = diff_lines(&app);
    keys(&mut app, &worker, &mut terminal, [code(KeyCode::Esc)]);
    app.history = rewritten_history();
    let opened = keys(&mut app, &worker, &mut terminal, [press('d')]);
    let lines = diff_lines(&app);
    let pages = lines / 40;
    let paging = keys(
        &mut app,
        &worker,
        &mut terminal,
        (0..pages).map(|_| code(KeyCode::PageDown)),
    );
    let line_by_line = keys(
        &mut app,
        &worker,
        &mut terminal,
        (0..KEYS).map(|_| press('j')),
    );

    println!("TUI over {} records:", RELEASES * REVISIONS as usize);
    println!(
        "  first frame (median of {STARTS} starts)      {}",
        ms(median(first_frames))
    );
    println!(
        "  table filled with {RELEASES} releases (median) {}",
        ms(median(filled))
    );
    println!(
        "  key to frame, moving down (median / p99)   {} / {}",
        ms(median(scrolling.clone())),
        ms(percentile(scrolling, 99))
    );
    println!(
        "  key to frame, filtering (median / p99)     {} / {}",
        ms(median(filtering.clone())),
        ms(percentile(filtering, 99))
    );
    println!(
        "  {lines}-line diff opened (every line changed) {}",
        ms(opened[0])
    );
    println!(
        "  {upgraded_lines}-line diff opened (an image changed in each of {} Deployments) {}",
        DIFF_LINES / 9,
        ms(upgraded[0])
    );
    println!(
        "  its frames while scrolling (median / max)  {} / {} by page, {} / {} by line",
        ms(median(paging.clone())),
        ms(paging.iter().copied().max().unwrap_or_default()),
        ms(median(line_by_line.clone())),
        ms(line_by_line.iter().copied().max().unwrap_or_default())
    );
    println!(
        "  peak resident memory                        {:.1} MiB",
        peak_rss_mib()
    );
}
