//! Runs the TUI's requests on the engine, off the drawing thread: a thread
//! of its own with a single-threaded runtime takes requests from a channel,
//! runs each as a task, and sends answers (and progress) back on a channel
//! the event loop drains between frames.

use std::rc::Rc;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::mpsc as async_mpsc;

use crate::diff::Colors;
use crate::engine::events::{Cancel, Progress};
use crate::engine::plan::PreviewOptions;
use crate::engine::{Engine, RollbackOptions};

use super::app::{Request, Response};

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
                    let _ = runtime.block_on(tokio::time::timeout(SHUTDOWN_GRACE, local));
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
            let text = engine
                .plan_rollback(&options)
                .await
                .map(|plan| {
                    plan.render_text(
                        "rollback",
                        &PreviewOptions {
                            context: 3,
                            show_secrets: false,
                            colors: Colors { on: false },
                        },
                    )
                })
                .map_err(|e| e.to_string());
            Response::Plan {
                namespace,
                name,
                revision,
                text,
            }
        }
        Request::Rollback {
            namespace,
            name,
            revision,
        } => {
            let options = rollback_options(&namespace, &name, revision);
            let (progress, mut events) = Progress::channel();
            let forward = {
                let answers = answers.clone();
                tokio::task::spawn_local(async move {
                    while let Some(event) = events.recv().await {
                        let _ = answers.send(Response::Progress(event.to_string()));
                    }
                })
            };
            let result = engine.rollback(&options, &progress, cancel).await;
            drop(progress);
            let _ = forward.await;
            Response::RolledBack(result.map(Box::new).map_err(|e| e.to_string()))
        }
    }
}

fn rollback_options(namespace: &str, name: &str, revision: i64) -> RollbackOptions {
    RollbackOptions {
        namespace: Some(namespace.to_string()),
        revision: Some(revision),
        ..RollbackOptions::new(name)
    }
}
