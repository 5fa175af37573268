//! Spreading independent pieces of a render over the machine's cores.

use std::sync::atomic::{AtomicUsize, Ordering};

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

/// How many cores this process may use.
pub(crate) fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;

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
