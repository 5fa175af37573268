//! Runs the TUI's requests on the engine, off the drawing thread: a thread
//! of its own with a single-threaded runtime takes requests from a channel,
//! runs each as a task, and sends answers (and progress) back on a channel
//! the event loop drains between frames.

use std::rc::Rc;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::mpsc as async_mpsc;

use crate::chart::strvals;
use crate::diff::{Colors, UnifiedOptions, mask_secret_pair, unified};
use crate::engine::events::{Cancel, Progress};
use crate::engine::plan::PreviewOptions;
use crate::engine::{Engine, RollbackOptions, UninstallOptions, UpgradeOptions};
use crate::gotmpl::Entries;

use super::app::{Confirm, Done, Request, Response};

/// How long running actions get to record their end once the TUI quits.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The engine's side of the TUI.
pub struct Worker {
    requests: Option<async_mpsc::UnboundedSender<Request>>,
    pub answers: mpsc::Receiver<Response>,
    cancel: Cancel,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts the worker thread with `engine`.
    pub fn start(engine: Engine) -> std::io::Result<Worker> {
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
                    let engine = Rc::new(engine);
                    let local = tokio::task::LocalSet::new();
                    local.block_on(&runtime, async {
                        while let Some(request) = requests.recv().await {
                            let (engine, answers, cancel) =
                                (engine.clone(), answers_tx.clone(), cancel.clone());
                            tokio::task::spawn_local(async move {
                                let response = run(&engine, request, &answers, &cancel).await;
                                // The UI may have quit meanwhile.
                                let _ = answers.send(response);
                            });
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

async fn run(
    engine: &Engine,
    request: Request,
    answers: &mpsc::Sender<Response>,
    cancel: &Cancel,
) -> Response {
    match request {
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
        Request::PlanUpgrade {
            namespace,
            name,
            chart,
            set,
            yaml,
        } => {
            let plan = match upgrade_options(&namespace, &name, &chart, &set, yaml.as_deref()) {
                Ok(options) => engine
                    .plan_upgrade(&options)
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            Response::Confirm(
                plan.map(|plan| Confirm {
                    question: format!("Upgrade {name} to {chart}?"),
                    about: "what the upgrade will do".into(),
                    preview: plan.render_text("upgrade", &preview_options()),
                    yes: Request::Upgrade {
                        namespace: namespace.clone(),
                        name: name.clone(),
                        chart: chart.clone(),
                        set: set.clone(),
                        yaml: yaml.clone(),
                    },
                    alternative: None,
                })
                .map(Box::new),
            )
        }
        Request::Upgrade {
            namespace,
            name,
            chart,
            set,
            yaml,
        } => {
            let result = match upgrade_options(&namespace, &name, &chart, &set, yaml.as_deref()) {
                Ok(options) => {
                    with_progress(answers, |progress| async move {
                        engine
                            .upgrade(&options, &progress, cancel)
                            .await
                            .map_err(|e| e.to_string())
                    })
                    .await
                }
                Err(e) => Err(e),
            };
            Response::Done(result.map(|r| Done {
                message: format!(
                    "{name} upgraded: revision {} {}",
                    r.version,
                    r.status().as_str()
                ),
                namespace,
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
    }
}

/// The upgrade the TUI asks for: the chart, with `set` (strvals) over the
/// release's current values.
fn upgrade_options(
    namespace: &str,
    name: &str,
    chart: &str,
    set: &str,
    yaml: Option<&str>,
) -> Result<UpgradeOptions, String> {
    // Edited values are the release's whole values; `--set` ones go over
    // the current values.
    if let Some(yaml) = yaml {
        let values = crate::chart::yaml::load_values(yaml)
            .map_err(|e| format!("the edited values are not valid YAML: {e}"))?;
        return Ok(UpgradeOptions {
            namespace: Some(namespace.to_string()),
            values,
            reset_values: true,
            ..UpgradeOptions::new(name, chart)
        });
    }
    let values = if set.is_empty() {
        Entries::default()
    } else {
        strvals::parse(set, strvals::Mode::Typed).map_err(|e| format!("values {set:?}: {e}"))?
    };
    Ok(UpgradeOptions {
        namespace: Some(namespace.to_string()),
        values,
        reuse_values: true,
        ..UpgradeOptions::new(name, chart)
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
