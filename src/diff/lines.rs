//! A shortest line edit script between two texts: Myers' O(ND) algorithm in
//! linear space (bisecting on the middle snake), after trimming the common
//! head and tail, with lines compared as interned numbers. Lines only one
//! side has are set aside first (they can never match), so texts that share
//! little diff in near-linear time instead of O(N·D).

use std::collections::HashMap;

/// One step of the edit script, by line index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edit {
    /// `old[i]` and `new[j]` are the same line.
    Equal(usize, usize),
    /// `old[i]` is gone.
    Delete(usize),
    /// `new[j]` is added.
    Insert(usize),
}

/// The edit script turning `old` into `new`, in order; deletions come
/// before insertions where both happen at one place.
pub fn diff_lines<S: AsRef<str>>(old: &[S], new: &[S]) -> Vec<Edit> {
    let mut ids: HashMap<&str, u32> = HashMap::new();
    let a = intern(old, &mut ids);
    let b = intern(new, &mut ids);
    let mut in_a = vec![false; ids.len()];
    let mut in_b = vec![false; ids.len()];
    a.iter().for_each(|&id| in_a[id as usize] = true);
    b.iter().for_each(|&id| in_b[id as usize] = true);
    let a_shared: Vec<usize> = (0..a.len()).filter(|&i| in_b[a[i] as usize]).collect();
    let b_shared: Vec<usize> = (0..b.len()).filter(|&j| in_a[b[j] as usize]).collect();
    let mut edits = Vec::with_capacity(a.len().max(b.len()));
    if a_shared.len() == a.len() && b_shared.len() == b.len() {
        compare(&a, &b, 0, 0, &mut edits);
        return edits;
    }
    // A longest common subsequence never uses a line the other side lacks:
    // match the shared lines, then every other line between two matches is
    // a deletion (old) or an insertion (new), deletions first.
    let a2: Vec<u32> = a_shared.iter().map(|&i| a[i]).collect();
    let b2: Vec<u32> = b_shared.iter().map(|&j| b[j]).collect();
    let mut shared = Vec::with_capacity(a2.len().max(b2.len()));
    compare(&a2, &b2, 0, 0, &mut shared);
    let (mut i, mut j) = (0, 0);
    for edit in shared {
        if let Edit::Equal(x, y) = edit {
            let (oi, oj) = (a_shared[x], b_shared[y]);
            edits.extend((i..oi).map(Edit::Delete));
            edits.extend((j..oj).map(Edit::Insert));
            edits.push(Edit::Equal(oi, oj));
            (i, j) = (oi + 1, oj + 1);
        }
    }
    edits.extend((i..a.len()).map(Edit::Delete));
    edits.extend((j..b.len()).map(Edit::Insert));
    edits
}

/// Each line as a number shared by equal lines.
fn intern<'a, S: AsRef<str>>(lines: &'a [S], ids: &mut HashMap<&'a str, u32>) -> Vec<u32> {
    lines
        .iter()
        .map(|s| {
            let next = ids.len() as u32;
            *ids.entry(s.as_ref()).or_insert(next)
        })
        .collect()
}

/// Appends the edits for `a` (starting at old line `ao`) against `b`
/// (starting at new line `bo`).
fn compare(a: &[u32], b: &[u32], ao: usize, bo: usize, edits: &mut Vec<Edit>) {
    let head = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    for i in 0..head {
        edits.push(Edit::Equal(ao + i, bo + i));
    }
    let (a_mid, b_mid) = (&a[head..], &b[head..]);
    let tail = a_mid
        .iter()
        .rev()
        .zip(b_mid.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let a_mid = &a_mid[..a_mid.len() - tail];
    let b_mid = &b_mid[..b_mid.len() - tail];
    let (ao_mid, bo_mid) = (ao + head, bo + head);
    if a_mid.is_empty() {
        edits.extend((0..b_mid.len()).map(|j| Edit::Insert(bo_mid + j)));
    } else if b_mid.is_empty() {
        edits.extend((0..a_mid.len()).map(|i| Edit::Delete(ao_mid + i)));
    } else {
        match bisect(a_mid, b_mid) {
            Some((x, y)) => {
                compare(&a_mid[..x], &b_mid[..y], ao_mid, bo_mid, edits);
                compare(&a_mid[x..], &b_mid[y..], ao_mid + x, bo_mid + y, edits);
            }
            None => {
                edits.extend((0..a_mid.len()).map(|i| Edit::Delete(ao_mid + i)));
                edits.extend((0..b_mid.len()).map(|j| Edit::Insert(bo_mid + j)));
            }
        }
    }
    let (ao_tail, bo_tail) = (ao_mid + a_mid.len(), bo_mid + b_mid.len());
    for i in 0..tail {
        edits.push(Edit::Equal(ao_tail + i, bo_tail + i));
    }
}

/// Where a shortest path crosses the middle: the forward and backward
/// searches advance together until their furthest-reaching paths overlap.
fn bisect(a: &[u32], b: &[u32]) -> Option<(usize, usize)> {
    let (n, m) = (a.len() as isize, b.len() as isize);
    let max_d = (n + m + 1) / 2;
    let offset = max_d;
    // Two more than the diagonals need, so `offset + 1` exists even when
    // `max_d` is 1.
    let len = (2 * max_d + 2) as usize;
    let mut forward = vec![-1isize; len];
    let mut backward = vec![-1isize; len];
    forward[(offset + 1) as usize] = 0;
    backward[(offset + 1) as usize] = 0;
    let delta = n - m;
    let odd = delta % 2 != 0;
    let (mut k1_start, mut k1_end, mut k2_start, mut k2_end) = (0, 0, 0, 0);
    for d in 0..max_d {
        let mut k1 = -d + k1_start;
        while k1 <= d - k1_end {
            let i = (offset + k1) as usize;
            let mut x = if k1 == -d || (k1 != d && forward[i - 1] < forward[i + 1]) {
                forward[i + 1]
            } else {
                forward[i - 1] + 1
            };
            let mut y = x - k1;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            forward[i] = x;
            if x > n {
                k1_end += 2;
            } else if y > m {
                k1_start += 2;
            } else if odd {
                let j = offset + delta - k1;
                if j >= 0 && (j as usize) < len && backward[j as usize] != -1 {
                    let back_x = n - backward[j as usize];
                    if x >= back_x {
                        return Some((x as usize, y as usize));
                    }
                }
            }
            k1 += 2;
        }
        let mut k2 = -d + k2_start;
        while k2 <= d - k2_end {
            let i = (offset + k2) as usize;
            let mut x = if k2 == -d || (k2 != d && backward[i - 1] < backward[i + 1]) {
                backward[i + 1]
            } else {
                backward[i - 1] + 1
            };
            let mut y = x - k2;
            while x < n && y < m && a[(n - x - 1) as usize] == b[(m - y - 1) as usize] {
                x += 1;
                y += 1;
            }
            backward[i] = x;
            if x > n {
                k2_end += 2;
            } else if y > m {
                k2_start += 2;
            } else if !odd {
                let j = offset + delta - k2;
                if j >= 0 && (j as usize) < len && forward[j as usize] != -1 {
                    let fx = forward[j as usize];
                    let fy = offset + fx - j;
                    if fx >= n - x {
                        return Some((fx as usize, fy as usize));
                    }
                }
            }
            k2 += 2;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(old: &[&str], new: &[&str], edits: &[Edit]) -> (Vec<String>, Vec<String>) {
        let mut from_old = Vec::new();
        let mut from_new = Vec::new();
        for e in edits {
            match *e {
                Edit::Equal(i, j) => {
                    assert_eq!(old[i], new[j]);
                    from_old.push(old[i].to_owned());
                    from_new.push(new[j].to_owned());
                }
                Edit::Delete(i) => from_old.push(old[i].to_owned()),
                Edit::Insert(j) => from_new.push(new[j].to_owned()),
            }
        }
        (from_old, from_new)
    }

    fn cost(edits: &[Edit]) -> usize {
        edits
            .iter()
            .filter(|e| !matches!(e, Edit::Equal(..)))
            .count()
    }

    #[test]
    fn finds_a_shortest_script() {
        let old = ["a", "b", "c", "a", "b", "b", "a"];
        let new = ["c", "b", "a", "b", "a", "c"];
        let edits = diff_lines(&old, &new);
        let (o, n) = apply(&old, &new, &edits);
        assert_eq!(o, old);
        assert_eq!(n, new);
        // Myers' own example: the shortest edit script has five steps.
        assert_eq!(cost(&edits), 5);
    }

    #[test]
    fn covers_empty_and_identical_inputs() {
        let none: [&str; 0] = [];
        assert!(diff_lines(&none, &none).is_empty());
        assert_eq!(diff_lines(&["x"], &none), [Edit::Delete(0)]);
        assert_eq!(diff_lines(&none, &["x"]), [Edit::Insert(0)]);
        assert_eq!(
            diff_lines(&["x", "y"], &["x", "y"]),
            [Edit::Equal(0, 0), Edit::Equal(1, 1)]
        );
        assert_eq!(
            diff_lines(&["x"], &["y"]),
            [Edit::Delete(0), Edit::Insert(0)]
        );
    }

    #[test]
    fn every_script_rebuilds_both_sides_for_many_inputs() {
        // A small deterministic generator: many shapes, no randomness.
        let mut seed = 7u32;
        let mut next = || {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            seed >> 16
        };
        for _ in 0..300 {
            let la = (next() % 12) as usize;
            let lb = (next() % 12) as usize;
            // "e" only ever in old, "f" only in new: lines one side lacks.
            let old_words = ["a", "b", "c", "d", "e"];
            let new_words = ["a", "b", "c", "d", "f"];
            let old: Vec<&str> = (0..la).map(|_| old_words[(next() % 5) as usize]).collect();
            let new: Vec<&str> = (0..lb).map(|_| new_words[(next() % 5) as usize]).collect();
            let edits = diff_lines(&old, &new);
            let (o, n) = apply(&old, &new, &edits);
            assert_eq!(o, old);
            assert_eq!(n, new);
            let lcs = lcs_len(&old, &new);
            assert_eq!(cost(&edits), la + lb - 2 * lcs, "{old:?} -> {new:?}");
        }
    }

    #[test]
    fn unrelated_texts_are_all_deletions_then_insertions() {
        let old: Vec<String> = (0..10_000).map(|i| format!("old {i}")).collect();
        let new: Vec<String> = (0..10_000).map(|i| format!("new {i}")).collect();
        let edits = diff_lines(&old, &new);
        assert_eq!(edits.len(), 20_000);
        assert_eq!(edits[9_999], Edit::Delete(9_999));
        assert_eq!(edits[10_000], Edit::Insert(0));
    }

    #[test]
    fn lines_one_side_lacks_stay_in_place_around_matches() {
        assert_eq!(
            diff_lines(&["x", "keep", "y"], &["p", "keep", "q"]),
            [
                Edit::Delete(0),
                Edit::Insert(0),
                Edit::Equal(1, 1),
                Edit::Delete(2),
                Edit::Insert(2)
            ]
        );
    }

    fn lcs_len(a: &[&str], b: &[&str]) -> usize {
        let mut t = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for i in (0..a.len()).rev() {
            for j in (0..b.len()).rev() {
                t[i][j] = if a[i] == b[j] {
                    t[i + 1][j + 1] + 1
                } else {
                    t[i + 1][j].max(t[i][j + 1])
                };
            }
        }
        t[0][0]
    }
}
