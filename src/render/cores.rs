//! Spreading independent pieces of a render over the machine's cores, and
//! taking work the caller needn't wait for off its path.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Sender};

/// `f` applied to every item, results in item order, on every core when there
/// are at least two. Each core takes the next item not yet taken, so one
/// that drew large items doesn't leave the others idle; the calling thread
/// is one of them. A panic in a worker is raised again here.
pub(crate) fn map_in_order<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = cores().min(items.len());
    if threads < 2 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                return done;
            };
            done.push((i, f(item)));
        }
    };
    let parts: Vec<Vec<(usize, R)>> = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut parts = vec![work()];
        for helper in helpers {
            match helper.join() {
                Ok(done) => parts.push(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        parts
    });
    let mut slots: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    for (i, result) in parts.into_iter().flatten() {
        slots[i] = Some(result);
    }
    // Every index below the length was taken exactly once.
    slots.into_iter().flatten().collect()
}

/// How many cores this process may use. Asked once: the answer reads cgroup
/// files, which cost more than a small chart's whole parse.
pub(crate) fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Drops `value` on a background thread, so the caller needn't wait while a
/// release's values, templates and rendered files are freed (a few hundred
/// microseconds for a large chart; a command exits before it matters). Where
/// no thread can be started, `value` is dropped here.
pub(crate) fn drop_later<T: Send + 'static>(value: T) {
    static DROPPER: OnceLock<Option<Sender<Box<dyn Send>>>> = OnceLock::new();
    let dropper = DROPPER.get_or_init(|| {
        let (sender, garbage) = mpsc::channel::<Box<dyn Send>>();
        std::thread::Builder::new()
            .name("wheelhouse-drop".into())
            .spawn(move || garbage.into_iter().for_each(drop))
            .ok()?;
        Some(sender)
    });
    if let Some(sender) = dropper {
        // A send fails only when the thread is gone; the value comes back and
        // is dropped here.
        let _ = sender.send(Box::new(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reports the thread it is dropped on.
    struct Tell(mpsc::Sender<Option<String>>);

    impl Drop for Tell {
        fn drop(&mut self) {
            let _ = self.0.send(std::thread::current().name().map(String::from));
        }
    }

    #[test]
    fn drop_later_drops_on_the_dropper_thread() {
        let (tx, rx) = mpsc::channel();
        for _ in 0..3 {
            drop_later(Tell(tx.clone()));
        }
        for _ in 0..3 {
            let thread = rx.recv_timeout(std::time::Duration::from_secs(10));
            assert_eq!(thread, Ok(Some("wheelhouse-drop".to_string())));
        }
    }

    #[test]
    fn keeps_item_order() {
        let items: Vec<usize> = (0..1000).collect();
        let doubled = map_in_order(&items, |i| i * 2);
        assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert!(map_in_order(&[] as &[usize], |i| *i).is_empty());
        assert_eq!(map_in_order(&[7usize], |i| i + 1), vec![8]);
        // Uneven work still comes back in order.
        let slow: Vec<u64> = (0..64)
            .map(|i| if i % 9 == 0 { 200_000 } else { 10 })
            .collect();
        let sums = map_in_order(&slow, |n| (0..*n).sum::<u64>());
        assert_eq!(
            sums,
            slow.iter()
                .map(|n| (0..*n).sum::<u64>())
                .collect::<Vec<_>>()
        );
    }
}
