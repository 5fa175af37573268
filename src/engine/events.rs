//! What an action tells its face while it runs, and how a face stops it.
//!
//! Actions send [`Event`]s on an unbounded channel so they never wait for a
//! slow reader; the CLI prints them, the TUI draws them. A [`Cancel`] is
//! checked between steps: a cancelled action stops at the next step and
//! fails its release the way any failure does, so the record stays readable.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::{Notify, mpsc};

/// What happened to one object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Created,
    Patched,
    Unchanged,
    Replaced,
    Deleted,
    /// Left in place by `helm.sh/resource-policy: keep`.
    Kept,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Created => "created",
            Change::Patched => "patched",
            Change::Unchanged => "unchanged",
            Change::Replaced => "replaced",
            Change::Deleted => "deleted",
            Change::Kept => "kept",
        }
    }
}

/// Progress of an action, in the order it happens.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// Rendering the chart for this release.
    Rendering { release: String },
    /// A release record was written.
    Recorded { revision: i64, status: String },
    /// CRDs from `crds/` are being installed first.
    InstallingCrds { count: usize },
    /// A hook started (`phase` "running") or ended ("succeeded", "failed").
    Hook {
        event: String,
        name: String,
        kind: String,
        phase: String,
    },
    /// Object `index` (1-based) of `total` was applied.
    Applied {
        index: usize,
        total: usize,
        object: String,
        change: Change,
    },
    /// Waiting for objects to become ready; `pending` says on what.
    Waiting { pending: String },
    /// Every waited-for object is ready.
    Ready,
    /// A warning worth showing (deprecated chart, coalescing conflicts...).
    Warning(String),
}

/// One line for a person: what the CLI prints on stderr, the TUI in its
/// activity panel.
impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Event::Rendering { release } => write!(f, "rendering {release}"),
            Event::Recorded { revision, status } => write!(f, "revision {revision}: {status}"),
            Event::InstallingCrds { count } => write!(f, "installing {count} CRD(s)"),
            Event::Hook {
                event,
                name,
                kind,
                phase,
            } => write!(f, "{event} hook {kind} {name}: {phase}"),
            Event::Applied {
                index,
                total,
                object,
                change,
            } => write!(f, "[{index}/{total}] {object} {}", change.as_str()),
            Event::Waiting { pending } => write!(f, "waiting: {pending}"),
            Event::Ready => write!(f, "all resources ready"),
            Event::Warning(w) => write!(f, "WARNING: {w}"),
        }
    }
}

/// Where an action sends its events; `Progress::default()` drops them.
#[derive(Clone, Default)]
pub struct Progress(Option<mpsc::UnboundedSender<Event>>);

impl Progress {
    /// A sender and the receiver a face reads from.
    pub fn channel() -> (Progress, mpsc::UnboundedReceiver<Event>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Progress(Some(tx)), rx)
    }

    pub fn emit(&self, event: Event) {
        if let Some(tx) = &self.0 {
            // A face that stopped listening doesn't stop the action.
            let _ = tx.send(event);
        }
    }
}

/// A cancellation flag shared between a face and a running action.
#[derive(Clone, Default)]
pub struct Cancel(Arc<CancelState>);

#[derive(Default)]
struct CancelState {
    cancelled: AtomicBool,
    notify: Notify,
}

impl Cancel {
    pub fn new() -> Cancel {
        Cancel::default()
    }

    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::SeqCst);
        self.0.notify.notify_waiters();
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }

    /// Resolves once [`Cancel::cancel`] has been called.
    pub async fn cancelled(&self) {
        loop {
            let notified = self.0.notify.notified();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn cancel_wakes_a_waiter_and_stays_set() {
        let cancel = Cancel::new();
        let waiter = tokio::spawn({
            let cancel = cancel.clone();
            async move { cancel.cancelled().await }
        });
        tokio::task::yield_now().await;
        cancel.cancel();
        waiter.await.unwrap();
        assert!(cancel.is_cancelled());
        cancel.cancelled().await;
    }

    #[tokio::test]
    async fn events_reach_the_receiver_in_order() {
        let (progress, mut rx) = Progress::channel();
        progress.emit(Event::Ready);
        progress.emit(Event::Warning("w".into()));
        assert_eq!(rx.recv().await, Some(Event::Ready));
        assert_eq!(rx.recv().await, Some(Event::Warning("w".into())));
        Progress::default().emit(Event::Ready);
    }
}
