//! Spreading independent pieces of a render over the machine's cores.

/// `f` applied to every item, results in item order, on every core when there
/// are at least two: the items are cut into one contiguous run per core. A
/// panic in a worker is raised again here.
pub(crate) fn map_in_order<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = cores();
    if threads < 2 || items.len() < 2 {
        return items.iter().map(f).collect();
    }
    let f = &f;
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| match w.join() {
                Ok(done) => done,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
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
    }
}
