//! The TUI end to end, in a real terminal (tmux): on a sandbox with a
//! release Helm installed and wheelhouse upgraded, open the release's
//! history, roll back with `r` (then `y` on the preview), and check the new
//! revision with `wheelhouse history` and with Helm.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fixtures::{
    HelmRef, SharedSandbox, Wheelhouse, create_namespaces, helm_statuses, without_helm, write_chart,
};

static SANDBOX: SharedSandbox = SharedSandbox::new();

const NAMESPACE: &str = "tui-e2e";

/// A tmux server of this test's own, killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    /// A server named after the test (`name`), so tests run side by side.
    /// The command runs with an empty `XDG_CONFIG_HOME` unless it sets
    /// one, so the keys of whoever runs the tests don't change them.
    fn start(name: &str, command: &str) -> Tmux {
        let tmux = Tmux {
            socket: format!("wheelhouse-test-{}-{name}", std::process::id()),
        };
        let command = if command.contains("XDG_CONFIG_HOME=") {
            command.to_string()
        } else {
            format!("env XDG_CONFIG_HOME=/nonexistent/wheelhouse-test {command}")
        };
        let status = tmux
            .cmd(&[
                "new-session",
                "-d",
                "-s",
                "tui",
                "-x",
                "120",
                "-y",
                "32",
                &command,
            ])
            .status()
            .unwrap();
        assert!(status.success(), "tmux new-session failed");
        tmux
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]).args(args);
        c
    }

    /// `send-keys` one key name at a time; `["-l", text]` types text.
    fn keys(&self, keys: &[&str]) {
        if keys.first() == Some(&"-l") {
            let mut args = vec!["send-keys", "-t", "tui"];
            args.extend_from_slice(keys);
            assert!(self.cmd(&args).status().unwrap().success());
            return;
        }
        for key in keys {
            let status = self.cmd(&["send-keys", "-t", "tui", key]).status().unwrap();
            assert!(status.success());
        }
    }

    fn screen(&self) -> String {
        let out = self
            .cmd(&["capture-pane", "-p", "-t", "tui"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits (bounded) until the screen shows `text`; the screen on failure.
    /// Generous, as a loaded CI machine runs the debug binary slowly.
    fn wait_for(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "the TUI never showed {text:?}; it shows:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        // The server is gone already when the TUI quit and its session ended.
        let _ = self.cmd(&["kill-server"]).output();
    }
}

fn chart(dir: &Path) -> String {
    write_chart(
        dir,
        "web",
        &[
            ("Chart.yaml", "apiVersion: v2\nname: web\nversion: 1.0.0\n"),
            ("values.yaml", "replicas: 1\n"),
            (
                "templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  replicas: {{ .Values.replicas | quote }}\n",
            ),
        ],
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn one_key_rollback_in_a_real_terminal() {
    if without_helm() {
        return;
    }
    if Command::new("tmux").arg("-V").output().is_err() {
        panic!("tmux is not installed; scripts/test installs it");
    }
    let (_, chart, kubeconfig, _dir) = on_sandbox(NAMESPACE).await;
    tokio::task::spawn_blocking(move || {
        let helm = HelmRef::new(&kubeconfig, "secret", NAMESPACE);
        helm.ok(&["install", "web", &chart]);
        // Helm applied server-side as "python"; share that field manager.
        Wheelhouse::new(&kubeconfig)
            .driver("secret")
            .envs([("WHEELHOUSE_FIELD_MANAGER", "python")])
            .ok(&["upgrade", "web", &chart, "--set", "replicas=2", "-n", NAMESPACE]);

        let command = format!(
            "env KUBECONFIG={} HELM_DRIVER=secret WHEELHOUSE_FIELD_MANAGER=python TERM=xterm {} -n {NAMESPACE}",
            kubeconfig.display(),
            env!("CARGO_BIN_EXE_wheelhouse"),
        );
        let tmux = Tmux::start("rollback", &command);
        tmux.wait_for("web");
        tmux.keys(&["H"]);
        tmux.wait_for("history of web");
        tmux.wait_for("Upgrade complete");
        // The latest revision is selected; one up is the install.
        tmux.keys(&["k", "r"]);
        let preview = tmux.wait_for("Roll web back to revision 1?");
        assert!(preview.contains("replicas: \"2\""), "{preview}");
        tmux.keys(&["y"]);
        let after = tmux.wait_for("Rollback to 1");
        assert!(after.contains("deployed"), "{after}");
        tmux.keys(&["q", "q"]);

        let history: Value = serde_json::from_str(
            &Wheelhouse::new(&kubeconfig)
                .driver("secret")
                .ok(&["history", "web", "-n", NAMESPACE, "-o", "json"]),
        )
        .unwrap();
        let rows: Vec<(i64, &str, &str)> = history
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["revision"].as_i64().unwrap(),
                    r["status"].as_str().unwrap(),
                    r["description"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                (1, "superseded", "Install complete"),
                (2, "superseded", "Upgrade complete"),
                (3, "deployed", "Rollback to 1"),
            ]
        );
        let helm_history = helm.ok(&["history", "web"]);
        assert_eq!(
            helm_statuses(&helm_history),
            ["superseded", "superseded", "deployed"]
        );
    })
    .await
    .unwrap();
}

/// An engine on the sandbox with the secret driver, as the TUI gets one.
fn sandbox_engine(client: &kube::Client, namespace: &str) -> wheelhouse::engine::Engine {
    use wheelhouse::kube::cluster::Cluster;
    use wheelhouse::storage::{Secrets, Storage};
    wheelhouse::engine::Engine::new(
        Storage::new(Box::new(Secrets::new(client.clone()))),
        Cluster::new(client.clone()),
        namespace,
    )
}

/// A test namespace on the shared sandbox and the test chart written out,
/// where the TUI tests that drive the engine start: the client, the chart's
/// path, the sandbox's kubeconfig, and the chart's directory (kept for the
/// test's length).
async fn on_sandbox(namespace: &str) -> (kube::Client, String, PathBuf, tempfile::TempDir) {
    let client = SANDBOX.client().await;
    create_namespaces(&client, &[namespace]).await;
    let dir = tempfile::tempdir().unwrap();
    let chart = chart(dir.path());
    (client, chart, SANDBOX.kubeconfig().to_path_buf(), dir)
}

/// The activity lines hold one containing `text`.
fn assert_logged(app: &wheelhouse::tui::app::App, text: &str) {
    assert!(app.log.iter().any(|l| l.contains(text)), "{:?}", app.log);
}

/// Feeds answers from the worker to the app until it is idle again.
fn settle(app: &mut wheelhouse::tui::app::App, worker: &wheelhouse::tui::worker::Worker) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while app.busy {
        assert!(Instant::now() < deadline, "the engine never answered");
        if let Ok(answer) = worker.answers.recv_timeout(Duration::from_millis(100)) {
            let more = app.respond(answer);
            worker.send(more);
        }
    }
}

fn key(app: &mut wheelhouse::tui::app::App, worker: &wheelhouse::tui::worker::Worker, c: char) {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let requests = app.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    worker.send(requests);
    settle(app, worker);
}

/// Each character of `text` as a key press, settling after each.
fn type_text(
    app: &mut wheelhouse::tui::app::App,
    worker: &wheelhouse::tui::worker::Worker,
    text: &str,
) {
    for c in text.chars() {
        key(app, worker, c);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn recover_and_uninstall_through_the_engine() {
    use wheelhouse::release::Status;
    use wheelhouse::storage::{Secrets, Storage};
    use wheelhouse::tui::app::{App, Popup};
    use wheelhouse::tui::worker::{Setup, Worker};

    const NS: &str = "tui-actions";
    let (client, chart, kubeconfig, _dir) = on_sandbox(NS).await;
    let engine = sandbox_engine(&client, NS);
    // A release whose latest revision an interruption left pending.
    let checker = Storage::new(Box::new(Secrets::new(client)));
    tokio::task::spawn_blocking({
        let (kubeconfig, chart) = (kubeconfig.clone(), chart.clone());
        move || {
            let wh = || Wheelhouse::new(&kubeconfig).driver("secret");
            wh().ok(&["install", "stuck", &chart, "-n", NS]);
            wh().ok(&["install", "again", &chart, "-n", NS]);
            wh().ok(&["install", "gone", &chart, "-n", NS]);
        }
    })
    .await
    .unwrap();
    for name in ["stuck", "again"] {
        let mut pending = checker.get(NS, name, None).await.unwrap();
        pending.version = 2;
        pending.info.as_mut().unwrap().status = Status::PendingUpgrade;
        checker.create(&pending, 0).await.unwrap();
    }

    tokio::task::spawn_blocking(move || {
        let worker = Worker::start(engine, Setup::default()).unwrap();
        let mut app = App::new(Some(NS.to_string()), 0);
        worker.send(app.start());
        settle(&mut app, &worker);
        let names: Vec<&str> = app.releases.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["again", "gone", "stuck"]);

        // Recover `again` and roll it back to its deployed revision (R).
        key(&mut app, &worker, 'F');
        key(&mut app, &worker, 'R');
        assert!(
            app.log
                .iter()
                .any(|l| l
                    .contains("again revision 2 marked failed, rolled back to 1 as revision 3")),
            "{:?}",
            app.log
        );

        // Recover `stuck`: the confirmation shows the pending revision.
        key(&mut app, &worker, 'j');
        key(&mut app, &worker, 'j');
        key(&mut app, &worker, 'F');
        let Some(Popup::Confirm { confirm, .. }) = &app.popup else {
            panic!("no confirmation: {:?}", app.popup);
        };
        assert_eq!(
            confirm.question,
            "stuck revision 2 is pending-upgrade: mark it failed?"
        );
        key(&mut app, &worker, 'y');
        assert_logged(&app, "revision 2 marked failed");

        // Uninstall `gone`, keeping its history.
        key(&mut app, &worker, 'k');
        key(&mut app, &worker, 'D');
        key(&mut app, &worker, 'H');
        assert!(app.popup.is_none(), "{:?}", app.popup);
        drop(worker);
    })
    .await
    .unwrap();
    let stuck = checker.get(NS, "stuck", None).await.unwrap();
    assert_eq!(stuck.status(), Status::Failed);
    let gone = checker.get(NS, "gone", None).await.unwrap();
    assert_eq!(gone.status(), Status::Uninstalled);
    let again = checker.get(NS, "again", None).await.unwrap();
    assert_eq!((again.version, again.status()), (3, Status::Deployed));
}

#[tokio::test(flavor = "multi_thread")]
async fn upgrade_after_reviewing_its_preview() {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use wheelhouse::release::Status;
    use wheelhouse::storage::{Secrets, Storage};
    use wheelhouse::tui::app::{App, Popup};
    use wheelhouse::tui::worker::{Setup, Worker};

    const NS: &str = "tui-upgrade";
    let (client, chart, kubeconfig, dir) = on_sandbox(NS).await;
    let engine = sandbox_engine(&client, NS);
    let checker = Storage::new(Box::new(Secrets::new(client)));
    tokio::task::spawn_blocking(move || {
        Wheelhouse::new(&kubeconfig).driver("secret").ok(&[
            "install",
            "web",
            &chart,
            "-n",
            NS,
            "--set",
            "replicas=2",
        ]);
        let worker = Worker::start(engine, Setup::default()).unwrap();
        let mut app = App::new(Some(NS.to_string()), 0);
        worker.send(app.start());
        settle(&mut app, &worker);
        key(&mut app, &worker, 'u');
        type_text(&mut app, &worker, &chart);
        app.key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        type_text(&mut app, &worker, "image=v2");
        let requests = app.key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        worker.send(requests);
        settle(&mut app, &worker);
        let Some(Popup::Confirm { confirm, .. }) = &app.popup else {
            panic!("no confirmation: {:?}", app.popup);
        };
        // The chart doesn't use `image`, so the objects stay; the values
        // gain it on top of the current ones.
        assert!(
            confirm
                .preview
                .contains("unchanged v1 ConfigMap tui-upgrade/web"),
            "{}",
            confirm.preview
        );
        assert!(
            confirm.preview.contains("+image: v2"),
            "{}",
            confirm.preview
        );
        key(&mut app, &worker, 'y');
        assert_logged(&app, "web upgraded: revision 2 deployed");
        drop(worker);
    })
    .await
    .unwrap();
    let upgraded = checker.get(NS, "web", None).await.unwrap();
    assert_eq!((upgraded.version, upgraded.status()), (2, Status::Deployed));
    assert_eq!(
        upgraded.config["replicas"], 2,
        "the current values were kept"
    );
    assert_eq!(upgraded.config["image"], "v2");

    // Values edited in $EDITOR replace the release's values.
    let engine = sandbox_engine(&SANDBOX.client().await, NS);
    let chart_path = dir.path().join("web").to_string_lossy().into_owned();
    tokio::task::spawn_blocking(move || {
        let worker = Worker::start(engine, Setup::default()).unwrap();
        let mut app = App::new(Some(NS.to_string()), 0);
        worker.send(app.start());
        settle(&mut app, &worker);
        let change = wheelhouse::tui::app::Change {
            kind: wheelhouse::tui::app::ChangeKind::Upgrade,
            namespace: NS.into(),
            name: "web".into(),
            chart: chart_path,
            set: String::new(),
            yaml: None,
        };
        let requests = app.edited(change, Ok("replicas: 7\n".into()));
        worker.send(requests);
        settle(&mut app, &worker);
        key(&mut app, &worker, 'y');
        drop(worker);
    })
    .await
    .unwrap();
    let edited = checker.get(NS, "web", None).await.unwrap();
    assert_eq!(edited.version, 3);
    assert_eq!(edited.config.len(), 1, "{:?}", edited.config);
    assert_eq!(edited.config["replicas"], 7);
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_shows_what_was_changed_by_hand() {
    use wheelhouse::tui::app::{App, Screen};
    use wheelhouse::tui::worker::{Setup, Worker};

    const NS: &str = "tui-drift";
    let (client, chart, kubeconfig, _dir) = on_sandbox(NS).await;
    let engine = sandbox_engine(&client, NS);
    tokio::task::spawn_blocking(move || {
        Wheelhouse::new(&kubeconfig)
            .driver("secret")
            .ok(&["install", "web", &chart, "-n", NS]);
        let worker = Worker::start(engine, Setup::default()).unwrap();
        let mut app = App::new(Some(NS.to_string()), 0);
        worker.send(app.start());
        settle(&mut app, &worker);
        key(&mut app, &worker, 'x');
        let Screen::Diff { text, .. } = app.screen().clone() else {
            panic!("no drift screen: {:?}", app.popup);
        };
        assert!(text.contains("nothing changed by hand"), "{text}");

        let edited = Command::new("kubectl")
            .env("KUBECONFIG", &kubeconfig)
            .args([
                "patch",
                "configmap",
                "web",
                "-n",
                NS,
                "--type",
                "merge",
                "-p",
            ])
            .arg(r#"{"data":{"replicas":"9"}}"#)
            .status()
            .unwrap();
        assert!(edited.success());
        key(&mut app, &worker, 'h');
        key(&mut app, &worker, 'x');
        let Screen::Diff { text, .. } = app.screen().clone() else {
            panic!("no drift screen: {:?}", app.popup);
        };
        assert!(text.contains("-  replicas: \"9\""), "{text}");
        assert!(text.contains("+  replicas: \"1\""), "{text}");

        // L: the live objects and their health.
        key(&mut app, &worker, 'h');
        key(&mut app, &worker, 'L');
        let Screen::Diff { text, .. } = app.screen().clone() else {
            panic!("no resources screen: {:?}", app.popup);
        };
        assert_eq!(text, "ConfigMap tui-drift/web  ready\n");
        let deleted = Command::new("kubectl")
            .env("KUBECONFIG", &kubeconfig)
            .args(["delete", "configmap", "web", "-n", NS])
            .status()
            .unwrap();
        assert!(deleted.success());
        key(&mut app, &worker, 'h');
        key(&mut app, &worker, 'L');
        let Screen::Diff { text, .. } = app.screen().clone() else {
            panic!("no resources screen: {:?}", app.popup);
        };
        assert_eq!(text, "ConfigMap tui-drift/web  missing\n");
        drop(worker);
    })
    .await
    .unwrap();
}

/// `$EDITOR` really runs on the terminal the TUI hands over, and its file
/// becomes the release's values.
#[tokio::test(flavor = "multi_thread")]
async fn values_edited_in_the_editor_under_tmux() {
    const NS: &str = "tui-editor";
    let (_, chart, kubeconfig, dir) = on_sandbox(NS).await;
    let editor = dir.path().join("editor.sh");
    // An "editor" that checks it got the current values, then writes new ones.
    std::fs::write(
        &editor,
        "#!/bin/sh\ngrep -q 'replicas: \"4\"' \"$1\" || exit 3\nprintf 'replicas: \"9\"\\n' > \"$1\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    tokio::task::spawn_blocking(move || {
        let wh = || Wheelhouse::new(&kubeconfig).driver("secret");
        wh().ok(&[
            "install",
            "web",
            &chart,
            "-n",
            NS,
            "--set-string",
            "replicas=4",
        ]);
        let command = format!(
            "env KUBECONFIG={} HELM_DRIVER=secret EDITOR={} TERM=xterm {} -n {NS}",
            kubeconfig.display(),
            editor.display(),
            env!("CARGO_BIN_EXE_wheelhouse"),
        );
        let tmux = Tmux::start("editor", &command);
        tmux.wait_for("web");
        tmux.keys(&["u"]);
        tmux.wait_for("chart directory or .tgz");
        tmux.keys(&["-l", &chart]);
        tmux.keys(&["Enter"]);
        tmux.wait_for("--set syntax");
        tmux.keys(&["C-e"]);
        let preview = tmux.wait_for("Upgrade web to");
        assert!(preview.contains("+replicas: \"9\""), "{preview}");
        tmux.keys(&["y"]);
        tmux.wait_for("web upgraded: revision 2 deployed");
        tmux.keys(&["q"]);
        let values = wh().ok(&["get", "values", "web", "-n", NS, "-o", "json"]);
        assert_eq!(values.trim(), r#"{"replicas":"9"}"#);
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn install_after_reviewing_what_it_creates() {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use wheelhouse::release::Status;
    use wheelhouse::storage::{Secrets, Storage};
    use wheelhouse::tui::app::{App, Popup};
    use wheelhouse::tui::worker::{Setup, Worker};

    const NS: &str = "tui-install";
    let (client, chart, _, _dir) = on_sandbox(NS).await;
    let engine = sandbox_engine(&client, "default");
    let checker = Storage::new(Box::new(Secrets::new(client)));
    tokio::task::spawn_blocking(move || {
        let worker = Worker::start(engine, Setup::default()).unwrap();
        let mut app = App::new(Some(NS.to_string()), 0);
        worker.send(app.start());
        settle(&mut app, &worker);
        assert!(app.releases.is_empty());
        let enter = |app: &mut App| app.key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        key(&mut app, &worker, 'i');
        type_text(&mut app, &worker, &chart);
        enter(&mut app);
        type_text(&mut app, &worker, "cache");
        enter(&mut app);
        type_text(&mut app, &worker, "replicas=5");
        let requests = enter(&mut app);
        worker.send(requests);
        settle(&mut app, &worker);
        let Some(Popup::Confirm { confirm, .. }) = &app.popup else {
            panic!("no confirmation: {:?}", app.popup);
        };
        assert_eq!(
            confirm.question,
            format!("Install {chart} as cache in {NS}?")
        );
        assert!(
            confirm.preview.contains("name: cache") && confirm.preview.contains("replicas: \"5\""),
            "{}",
            confirm.preview
        );
        key(&mut app, &worker, 'y');
        assert_logged(&app, "cache installed: revision 1 deployed");
        // The table is read again after the install.
        settle(&mut app, &worker);
        assert!(app.releases.iter().any(|r| r.name == "cache"));
        drop(worker);
    })
    .await
    .unwrap();
    let installed = checker.get(NS, "cache", None).await.unwrap();
    assert_eq!(
        (installed.version, installed.status()),
        (1, Status::Deployed)
    );
    assert_eq!(installed.config["replicas"], 5);
}

/// A release Helm installs in another terminal appears through the watch,
/// with the clock held still so polling can't be what shows it.
#[tokio::test(flavor = "multi_thread")]
async fn a_release_helm_installs_elsewhere_appears_through_the_watch() {
    use wheelhouse::tui::app::App;
    use wheelhouse::tui::worker::{Setup, Worker};

    if without_helm() {
        return;
    }
    const NS: &str = "tui-watch";
    let (client, chart, kubeconfig, _dir) = on_sandbox(NS).await;
    let engine = sandbox_engine(&client, NS);
    tokio::task::spawn_blocking(move || {
        let worker = Worker::start(engine, Setup::default()).unwrap();
        let mut app = App::new(Some(NS.to_string()), 0);
        worker.send(app.start());
        let deadline = Instant::now() + Duration::from_secs(20);
        while app.busy || !app.watching {
            assert!(Instant::now() < deadline, "no watch was set up");
            if let Ok(answer) = worker.answers.recv_timeout(Duration::from_millis(50)) {
                let more = app.respond(answer);
                worker.send(more);
            }
        }
        assert!(app.releases.is_empty());
        HelmRef::new(&kubeconfig, "secret", NS).ok(&["install", "cache", &chart]);
        let installed = Instant::now();
        while !app.releases.iter().any(|r| r.name == "cache") {
            assert!(
                installed.elapsed() < Duration::from_secs(2),
                "Helm's release did not appear within 2 s"
            );
            if let Ok(answer) = worker.answers.recv_timeout(Duration::from_millis(20)) {
                let more = app.respond(answer);
                worker.send(more);
            }
            // The clock never moves: only the watch can make this read.
            let more = app.tick(0);
            worker.send(more);
        }
        drop(worker);
    })
    .await
    .unwrap();
}

/// A second kubeconfig file with a context `other` on the sandbox's
/// cluster and user, in `namespace`; listed after the sandbox's own in
/// `KUBECONFIG`, the two merge as kubectl merges them.
fn other_context(dir: &Path, namespace: &str) -> std::path::PathBuf {
    let name = wheelhouse::sandbox::CONTEXT;
    let path = dir.join("kubeconfig-other");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\ncontexts:\n- name: other\n  context:\n    cluster: {name}\n    user: {name}\n    namespace: {namespace}\n"
        ),
    )
    .unwrap();
    path
}

/// `:ctx other` in a real terminal: the header, namespace and releases
/// follow the context; keys come from the user's `tui.toml`; a broken
/// `tui.toml` stops the TUI with a message naming it.
#[tokio::test(flavor = "multi_thread")]
async fn contexts_and_keys_from_the_config_file_in_a_real_terminal() {
    const NS: &str = "tui-ctx";
    let (_, chart, kubeconfig, dir) = on_sandbox(NS).await;
    let other = other_context(dir.path(), NS);
    let config_home = dir.path().join("config");
    std::fs::create_dir_all(config_home.join("wheelhouse")).unwrap();
    std::fs::write(
        config_home.join("wheelhouse/tui.toml"),
        "[keys]\nhistory = \"Y\"\n",
    )
    .unwrap();
    tokio::task::spawn_blocking(move || {
        Wheelhouse::new(&kubeconfig)
            .driver("secret")
            .ok(&["install", "ctxrel", &chart, "-n", NS]);
        let command = format!(
            "env KUBECONFIG={}:{} XDG_CONFIG_HOME={} HELM_DRIVER=secret TERM=xterm {}",
            kubeconfig.display(),
            other.display(),
            config_home.display(),
            env!("CARGO_BIN_EXE_wheelhouse"),
        );
        let tmux = Tmux::start("contexts", &command);
        let first = tmux.wait_for("Y history");
        assert!(first.contains("namespace: default"), "{first}");
        tmux.keys(&["-l", ":ctx other"]);
        tmux.keys(&["Enter"]);
        let switched = tmux.wait_for("ctxrel");
        assert!(
            switched.contains("context: other  namespace: tui-ctx"),
            "{switched}"
        );
        tmux.keys(&["-l", ":ctx"]);
        tmux.keys(&["Enter"]);
        let listed = tmux.wait_for("* other");
        assert!(listed.contains("  wheelhouse-sandbox"), "{listed}");
        // A key right after Escape would arrive as alt-key: wait for the
        // releases screen (its hints) first.
        tmux.keys(&["Escape"]);
        tmux.wait_for("Y history");
        tmux.keys(&["Y"]);
        tmux.wait_for("history of ctxrel");
        tmux.keys(&["-l", ":ctx nowhere"]);
        tmux.keys(&["Enter"]);
        tmux.wait_for("nowhere");
        tmux.keys(&["Escape", "q", "q"]);

        std::fs::write(
            config_home.join("wheelhouse/tui.toml"),
            "[keys]\nhistroy = \"Y\"\n",
        )
        .unwrap();
        let broken = Tmux::start(
            "broken-config",
            &format!("sh -c '{command}; echo EXIT=$?; sleep 30'"),
        );
        let screen = broken.wait_for("EXIT=1");
        assert!(
            screen.contains("wheelhouse/tui.toml: keys.histroy: no such action"),
            "{screen}"
        );
    })
    .await
    .unwrap();
}

/// With no kubeconfig at all, the TUI opens on the demo sandbox at once
/// and the demo releases stream in.
#[test]
fn the_demo_opens_without_a_kubeconfig() {
    let home = tempfile::tempdir().unwrap();
    let command = format!(
        "env -u KUBECONFIG HOME={} TERM=xterm {}",
        home.path().display(),
        env!("CARGO_BIN_EXE_wheelhouse"),
    );
    let tmux = Tmux::start("demo", &command);
    tmux.wait_for("DEMO: no kubeconfig found");
    tmux.wait_for("api");
    let screen = tmux.wait_for("web");
    assert!(screen.contains("namespace: demo"), "{screen}");
    tmux.keys(&["-l", ":ctx prod"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("there are no other contexts here");
    tmux.keys(&["Escape", "q"]);
}

/// `wheelhouse --post-renderer PATH`: the TUI's upgrades run it, and the
/// preview shows what it changed.
#[tokio::test(flavor = "multi_thread")]
async fn upgrades_from_the_tui_run_the_post_renderer() {
    use std::sync::Arc;
    use wheelhouse::render::post::Exec;
    use wheelhouse::tui::app::{App, Change, ChangeKind, Popup, Request};
    use wheelhouse::tui::worker::{Setup, Worker};

    const NS: &str = "tui-post";
    let (client, chart, kubeconfig, _dir) = on_sandbox(NS).await;
    let engine = sandbox_engine(&client, NS);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/post-renderer/label.sh");
    let setup = Setup {
        connect: None,
        post_renderer: Some(Arc::new(Exec::new(script, Vec::new()).unwrap())),
    };
    tokio::task::spawn_blocking(move || {
        Wheelhouse::new(&kubeconfig)
            .driver("secret")
            .ok(&["install", "web", &chart, "-n", NS]);
        let worker = Worker::start(engine, setup).unwrap();
        let mut app = App::new(Some(NS.to_string()), 0);
        worker.send(app.start());
        settle(&mut app, &worker);
        worker.send(vec![Request::Plan(Change {
            kind: ChangeKind::Upgrade,
            namespace: NS.into(),
            name: "web".into(),
            chart: chart.clone(),
            set: String::new(),
            yaml: None,
        })]);
        app.busy = true;
        settle(&mut app, &worker);
        let Some(Popup::Confirm { confirm, .. }) = &app.popup else {
            panic!("no confirmation: {:?}", app.popup);
        };
        assert!(
            confirm.preview.contains("+++ post-rendered manifest")
                && confirm.preview.contains("+    post-rendered: \"yes\""),
            "{}",
            confirm.preview
        );
        key(&mut app, &worker, 'y');
        drop(worker);
    })
    .await
    .unwrap();
    let live = kube::Api::<k8s_openapi::api::core::v1::ConfigMap>::namespaced(client, NS)
        .get("web")
        .await
        .unwrap();
    assert_eq!(
        live.metadata
            .labels
            .unwrap_or_default()
            .get("post-rendered"),
        Some(&"yes".to_string())
    );
}

/// The demo's releases are made on a thread whose runtime ends with them,
/// while the TUI's engine lists on its own: no list may fail when that
/// runtime goes (CI once showed "dispatch task is gone" in the demo).
#[test]
fn the_demo_engine_outlives_the_thread_that_fills_it() {
    use wheelhouse::tui::demo;

    let main = tokio::runtime::Runtime::new().unwrap();
    let demo = main.block_on(demo::start()).unwrap();
    let (filler, chart) = (demo.filler, demo.chart.0.clone());
    let populating = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(demo::populate(&filler, &chart))
    });
    let worker = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let names = worker.block_on(async {
        // Lists go on while the filler works and for a while after its
        // runtime is dropped, as the TUI's refreshes do.
        let mut after_the_end = 0;
        loop {
            let finished = populating.is_finished();
            let listing = demo.engine.releases(Some(demo::DEMO_NAMESPACE)).await;
            let listing = listing.unwrap_or_else(|e| panic!("a list failed: {e}"));
            if finished {
                after_the_end += 1;
                if after_the_end == 20 {
                    break listing.releases;
                }
            }
        }
    });
    populating.join().unwrap().unwrap();
    let names: Vec<_> = names.iter().map(|r| (r.name.as_str(), r.version)).collect();
    assert_eq!(names, [("api", 1), ("web", 3)]);
}
