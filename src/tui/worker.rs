//! Runs the TUI's requests on the engine, off the drawing thread: a thread
//! of its own with a single-threaded runtime takes requests from a channel,
//! runs each as a task, and sends answers (and progress) back on a channel
//! the event loop drains between frames.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use futures_util::StreamExt as _;
use futures_util::future::LocalBoxFuture;
use tokio::sync::mpsc as async_mpsc;

use crate::chart::strvals;
use crate::diff::{Colors, UnifiedOptions, mask_secret_pair, unified};
use crate::engine::events::{Cancel, Progress};
use crate::engine::install::DryRun;
use crate::engine::plan::PreviewOptions;
use crate::engine::{Engine, InstallOptions, RollbackOptions, UninstallOptions, UpgradeOptions};
use crate::gotmpl::Entries;
use crate::render::post::PostRenderer;

use super::app::{Change, ChangeKind, Confirm, Done, Request, Response};

/// How long running actions get to record their end once the TUI quits.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Opens the engine on another kubeconfig context (`:ctx NAME`), with
/// the namespace it starts in.
pub type Connect =
    Box<dyn Fn(String) -> LocalBoxFuture<'static, Result<(Engine, String), String>> + Send>;

/// What the worker needs besides the engine.
#[derive(Default)]
pub struct Setup {
    /// How `:ctx NAME` opens another context; `None` where there are none.
    pub connect: Option<Connect>,
    /// Chained after rendering for the TUI's installs and upgrades
    /// (`wheelhouse --post-renderer PATH`).
    pub post_renderer: Option<Shared>,
}

/// A post-renderer as the engine's options hold one.
type Shared = Arc<dyn PostRenderer + Send + Sync>;

/// How long the watch waits before asking again after the storage refused.
const WATCH_RETRY: Duration = Duration::from_secs(5);

/// The engine's side of the TUI.
pub struct Worker {
    requests: Option<async_mpsc::UnboundedSender<Request>>,
    pub answers: mpsc::Receiver<Response>,
    cancel: Cancel,
    thread: Option<JoinHandle<()>>,
}

/// What the worker thread keeps between requests.
struct State {
    /// The engine requests run on; `:ctx` replaces it (running requests
    /// keep the one they started with).
    engine: RefCell<Rc<Engine>>,
    setup: Setup,
    /// The watch in place, stopped when another is asked for.
    watch: RefCell<Option<tokio::task::JoinHandle<()>>>,
    answers: mpsc::Sender<Response>,
    cancel: Cancel,
}

impl Worker {
    /// Starts the worker thread with `engine`; without `setup.connect`,
    /// `:ctx` says there are no other contexts.
    pub fn start(engine: Engine, setup: Setup) -> std::io::Result<Worker> {
        let (requests_tx, mut requests) = async_mpsc::unbounded_channel::<Request>();
        let (answers_tx, answers) = mpsc::channel();
        let cancel = Cancel::new();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let thread = {
            let cancel = cancel.clone();
            std::thread::Builder::new()
                .name("wheelhouse-engine".into())
                .spawn(move || {
                    let state = Rc::new(State {
                        engine: RefCell::new(Rc::new(engine)),
                        setup,
                        watch: RefCell::new(None),
                        answers: answers_tx,
                        cancel,
                    });
                    let local = tokio::task::LocalSet::new();
                    local.block_on(&runtime, async {
                        while let Some(request) = requests.recv().await {
                            dispatch(&state, request);
                        }
                    });
                    // Let running actions reach a consistent record.
                    let _ = runtime
                        .block_on(async { tokio::time::timeout(SHUTDOWN_GRACE, local).await });
                })?
        };
        Ok(Worker {
            requests: Some(requests_tx),
            answers,
            cancel,
            thread: Some(thread),
        })
    }

    pub fn send(&self, requests: Vec<Request>) {
        if let Some(tx) = &self.requests {
            for r in requests {
                let _ = tx.send(r);
            }
        }
    }
}

impl Drop for Worker {
    /// Cancels what runs (each action records its failure) and waits.
    fn drop(&mut self) {
        self.cancel.cancel();
        self.requests = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Runs a request as a task of its own, on the engine of the moment, so a
/// slow one holds up nothing.
fn dispatch(state: &Rc<State>, request: Request) {
    let (state, engine) = (state.clone(), state.engine.borrow().clone());
    tokio::task::spawn_local(async move {
        if let Some(response) = run(&state, &engine, request).await {
            // The UI may have quit meanwhile.
            let _ = state.answers.send(response);
        }
    });
}

/// Tells the app of every change to release records, asking again when a
/// watch ends; says whether watching works here at all.
async fn watch(engine: Rc<Engine>, namespace: Option<String>, answers: mpsc::Sender<Response>) {
    loop {
        match engine.watch_releases(namespace.as_deref()).await {
            Ok(Some(mut changes)) => {
                let _ = answers.send(Response::Watching(true));
                // What changed before the watch began (after the last read,
                // or between two watches) would be missed otherwise.
                let _ = answers.send(Response::Changed);
                while changes.next().await.is_some() {
                    if answers.send(Response::Changed).is_err() {
                        return;
                    }
                }
            }
            Ok(None) => {
                let _ = answers.send(Response::Watching(false));
                return;
            }
            Err(_) => {
                let _ = answers.send(Response::Watching(false));
                tokio::time::sleep(WATCH_RETRY).await;
            }
        }
    }
}

/// Does what `request` asks; the answer, if it has one (a watch answers
/// as changes come, on its own).
async fn run(state: &State, engine: &Rc<Engine>, request: Request) -> Option<Response> {
    let (answers, cancel) = (&state.answers, &state.cancel);
    let post_renderer = &state.setup.post_renderer;
    Some(match request {
        Request::Watch { namespace } => {
            let (engine, answers, cancel) = (engine.clone(), answers.clone(), cancel.clone());
            // Ends with the worker (cancel), or when replaced.
            let task = tokio::task::spawn_local(async move {
                tokio::select! {
                    _ = cancel.cancelled() => {}
                    _ = watch(engine, namespace, answers) => {}
                }
            });
            if let Some(old) = state.watch.borrow_mut().replace(task) {
                old.abort();
            }
            return None;
        }
        Request::Context(context) => Response::Context(match &state.setup.connect {
            None => Err("there are no other contexts here (no kubeconfig)".to_string()),
            Some(connect) => connect(context.clone()).await.map(|(engine, namespace)| {
                *state.engine.borrow_mut() = Rc::new(engine);
                (context, namespace)
            }),
        }),
        Request::Releases { namespace } => Response::Releases(
            engine
                .releases(namespace.as_deref())
                .await
                .map(|l| l.releases)
                .map_err(|e| e.to_string()),
        ),
        Request::Namespaces => Response::Namespaces(engine.namespaces().await),
        Request::Resources { namespace, name } => Response::Text(
            engine
                .resources(&namespace, &name)
                .await
                .map(|objects| {
                    let width = objects.iter().map(|o| o.object.len()).max().unwrap_or(0);
                    let text = objects
                        .iter()
                        .map(|o| format!("{:<width$}  {}\n", o.object, o.health))
                        .collect();
                    (format!("resources of {name}"), text)
                })
                .map_err(|e| e.to_string()),
        ),
        Request::Drift { namespace, name } => Response::Text(
            engine
                .drift(&namespace, &name)
                .await
                .map(|plan| {
                    let text = if plan.has_changes() {
                        plan.render_text("re-applying", &preview_options())
                    } else {
                        format!(
                            "The live objects match revision {} (nothing changed by hand).\n",
                            plan.from_revision
                        )
                    };
                    (format!("drift of {name}"), text)
                })
                .map_err(|e| e.to_string()),
        ),
        Request::History { namespace, name } => Response::History(
            engine
                .history(&namespace, &name)
                .await
                .map(|l| l.releases)
                .map_err(|e| e.to_string()),
        ),
        Request::PlanRollback {
            namespace,
            name,
            revision,
        } => {
            let options = rollback_options(&namespace, &name, revision);
            Response::Confirm(
                engine
                    .plan_rollback(&options)
                    .await
                    .map(|plan| Confirm {
                        question: format!("Roll {name} back to revision {revision}?"),
                        about: "what the rollback will do".into(),
                        preview: plan.render_text("rollback", &preview_options()),
                        yes: Request::Rollback {
                            namespace: namespace.clone(),
                            name: name.clone(),
                            revision,
                        },
                        alternative: None,
                    })
                    .map(Box::new)
                    .map_err(|e| e.to_string()),
            )
        }
        Request::Rollback {
            namespace,
            name,
            revision,
        } => {
            let options = rollback_options(&namespace, &name, revision);
            let result = with_progress(answers, |progress| async move {
                engine.rollback(&options, &progress, cancel).await
            })
            .await;
            Response::Done(
                result
                    .map(|r| Done {
                        message: format!(
                            "{} rolled back: revision {} {}",
                            r.name,
                            r.version,
                            r.status().as_str()
                        ),
                        namespace,
                        name,
                        has_history: true,
                    })
                    .map_err(|e| e.to_string()),
            )
        }
        Request::Stuck { namespace, name } => Response::Confirm(
            engine
                .stuck(&namespace, &name)
                .await
                .map(|stuck| {
                    let before = stuck
                        .deployed
                        .as_ref()
                        .map(|d| d.manifest.clone())
                        .unwrap_or_default();
                    let (before, after) = mask_secret_pair(&before, &stuck.pending.manifest);
                    let preview = unified(
                        "deployed revision manifest",
                        "pending revision manifest",
                        &before,
                        &after,
                        UnifiedOptions {
                            context: 3,
                            colors: Colors { on: false },
                        },
                    );
                    Confirm {
                        question: format!(
                            "{name} revision {} is {}: mark it failed?",
                            stuck.pending.version,
                            stuck.pending.status().as_str()
                        ),
                        about: "what the interrupted revision set out to change".into(),
                        preview,
                        yes: Request::Recover {
                            namespace: namespace.clone(),
                            name: name.clone(),
                            rollback_to: None,
                        },
                        alternative: stuck.deployed.as_ref().map(|d| {
                            (
                                'R',
                                format!("mark failed, roll back to {}", d.version),
                                Request::Recover {
                                    namespace: namespace.clone(),
                                    name: name.clone(),
                                    rollback_to: Some(d.version),
                                },
                            )
                        }),
                    }
                })
                .map(Box::new)
                .map_err(|e| e.to_string()),
        ),
        Request::Recover {
            namespace,
            name,
            rollback_to,
        } => {
            let recovered = match engine.stuck(&namespace, &name).await {
                Ok(stuck) => engine.recover(stuck).await,
                Err(e) => Err(e),
            };
            let result = match (recovered, rollback_to) {
                (Ok(r), None) => Ok(format!(
                    "{name} revision {} marked failed; upgrade or roll back next",
                    r.version
                )),
                (Ok(r), Some(revision)) => {
                    let options = rollback_options(&namespace, &name, revision);
                    with_progress(answers, |progress| async move {
                        engine.rollback(&options, &progress, cancel).await
                    })
                    .await
                    .map(|back| {
                        format!(
                            "{name} revision {} marked failed, rolled back to {revision} as revision {}",
                            r.version, back.version
                        )
                    })
                }
                (Err(e), _) => Err(e),
            };
            Response::Done(
                result
                    .map(|message| Done {
                        message,
                        namespace,
                        name,
                        has_history: true,
                    })
                    .map_err(|e| e.to_string()),
            )
        }
        Request::Plan(change) => Response::Confirm(plan(engine, &change, post_renderer).await.map(
            |(question, about, preview)| {
                Box::new(Confirm {
                    question,
                    about,
                    preview,
                    yes: Request::Apply(change.clone()),
                    alternative: None,
                })
            },
        )),
        Request::Apply(change) => {
            let (name, kind) = (change.name.clone(), change.kind);
            let result = with_progress(answers, |progress| async move {
                match change.kind {
                    ChangeKind::Install => {
                        let options = install_options(&change, post_renderer)?;
                        engine
                            .install(&options, &progress, cancel)
                            .await
                            .map_err(|e| e.to_string())
                    }
                    ChangeKind::Upgrade => {
                        let options = upgrade_options(&change, post_renderer)?;
                        engine
                            .upgrade(&options, &progress, cancel)
                            .await
                            .map_err(|e| e.to_string())
                    }
                }
            })
            .await;
            Response::Done(result.map(|r| Done {
                message: format!(
                    "{name} {}: revision {} {}",
                    match kind {
                        ChangeKind::Install => "installed",
                        ChangeKind::Upgrade => "upgraded",
                    },
                    r.version,
                    r.status().as_str()
                ),
                namespace: r.namespace.clone(),
                name,
                has_history: true,
            }))
        }
        Request::Uninstall {
            namespace,
            name,
            keep_history,
        } => {
            let options = UninstallOptions {
                namespace: Some(namespace.clone()),
                keep_history,
                ..UninstallOptions::new(&name)
            };
            let result = with_progress(answers, |progress| async move {
                engine.uninstall(&options, &progress, cancel).await
            })
            .await;
            Response::Done(
                result
                    .map(|done| Done {
                        message: format!(
                            "{name} uninstalled{}",
                            if keep_history { " (history kept)" } else { "" }
                        ) + &if done.info.is_empty() {
                            String::new()
                        } else {
                            format!("; {}", done.info.trim_end().replace('\n', " "))
                        },
                        namespace,
                        name,
                        has_history: keep_history,
                    })
                    .map_err(|e| e.to_string()),
            )
        }
    })
}

/// What an install or upgrade would do: the question, the preview's
/// title and the preview. An upgrade shows the same plan as `wheelhouse
/// diff upgrade`; an install, the objects a server-side dry run accepted.
async fn plan(
    engine: &Engine,
    change: &Change,
    post_renderer: &Option<Shared>,
) -> Result<(String, String, String), String> {
    let Change { name, chart, .. } = change;
    match change.kind {
        ChangeKind::Upgrade => {
            let options = upgrade_options(change, post_renderer)?;
            let plan = engine
                .plan_upgrade(&options)
                .await
                .map_err(|e| e.to_string())?;
            Ok((
                format!("Upgrade {name} to {chart}?"),
                "what the upgrade will do".into(),
                plan.render_text("upgrade", &preview_options()),
            ))
        }
        ChangeKind::Install => {
            let mut options = install_options(change, post_renderer)?;
            options.dry_run = DryRun::Server;
            let release = engine
                .install(&options, &Progress::default(), &Cancel::new())
                .await
                .map_err(|e| e.to_string())?;
            let manifest = mask_secret_pair(&release.manifest, &release.manifest).0;
            let hooks: String = release
                .hooks
                .iter()
                .map(|h| {
                    format!(
                        "---\n# Source: {} (hook: {})\n{}\n",
                        h.path,
                        h.events.join(", "),
                        h.manifest
                    )
                })
                .collect();
            let hooks = mask_secret_pair(&hooks, &hooks).0;
            let notes = release
                .info
                .as_ref()
                .map(|i| i.notes.trim_end().to_string())
                .filter(|n| !n.is_empty())
                .map(|n| format!("\nNOTES:\n{n}\n"))
                .unwrap_or_default();
            Ok((
                format!("Install {chart} as {name} in {}?", release.namespace),
                "what the install creates (the cluster accepted it in a dry run)".into(),
                format!("{manifest}{hooks}{notes}"),
            ))
        }
    }
}

/// The user's values of a change: edited YAML, or `--set` syntax.
fn values_of(change: &Change) -> Result<Entries, String> {
    if let Some(yaml) = &change.yaml {
        return crate::chart::yaml::load_values(yaml)
            .map_err(|e| format!("the edited values are not valid YAML: {e}"));
    }
    if change.set.is_empty() {
        return Ok(Entries::default());
    }
    strvals::parse(&change.set, strvals::Mode::Typed)
        .map_err(|e| format!("values {:?}: {e}", change.set))
}

fn install_options(
    change: &Change,
    post_renderer: &Option<Shared>,
) -> Result<InstallOptions, String> {
    Ok(InstallOptions {
        namespace: Some(change.namespace.clone()).filter(|ns| !ns.is_empty()),
        values: values_of(change)?,
        post_renderer: post_renderer.clone(),
        ..InstallOptions::new(&change.name, &change.chart)
    })
}

/// The upgrade the TUI asks for: edited values are the release's whole
/// values; `--set` ones go over the current values.
fn upgrade_options(
    change: &Change,
    post_renderer: &Option<Shared>,
) -> Result<UpgradeOptions, String> {
    Ok(UpgradeOptions {
        namespace: Some(change.namespace.clone()),
        values: values_of(change)?,
        post_renderer: post_renderer.clone(),
        reset_values: change.yaml.is_some(),
        reuse_values: change.yaml.is_none(),
        ..UpgradeOptions::new(&change.name, &change.chart)
    })
}

/// Runs an action, forwarding its progress as it happens.
async fn with_progress<T, F, Fut>(answers: &mpsc::Sender<Response>, action: F) -> T
where
    F: FnOnce(Progress) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let (progress, mut events) = Progress::channel();
    let forward = {
        let answers = answers.clone();
        tokio::task::spawn_local(async move {
            while let Some(event) = events.recv().await {
                let _ = answers.send(Response::Progress(event.to_string()));
            }
        })
    };
    let result = action(progress).await;
    let _ = forward.await;
    result
}

fn preview_options() -> PreviewOptions {
    PreviewOptions {
        context: 3,
        show_secrets: false,
        colors: Colors { on: false },
    }
}

fn rollback_options(namespace: &str, name: &str, revision: i64) -> RollbackOptions {
    RollbackOptions {
        namespace: Some(namespace.to_string()),
        revision: Some(revision),
        ..RollbackOptions::new(name)
    }
}
