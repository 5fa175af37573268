//! Unified diff text (`diff -u` layout): `---`/`+++` headers, `@@` hunks
//! with `context` unchanged lines around changes, hunks closer than twice
//! the context merged, and `\ No newline at end of file` where a text ends
//! without one.

use super::lines::{Edit, diff_lines};

/// ANSI colours for the parts of a diff, or none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Colors {
    pub on: bool,
}

impl Colors {
    fn paint(self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

/// How to print a diff.
#[derive(Clone, Copy, Debug)]
pub struct UnifiedOptions {
    /// Unchanged lines shown around each change.
    pub context: usize,
    pub colors: Colors,
}

/// The unified diff from `old` to `new`, or "" when they are equal.
pub fn unified(
    old_label: &str,
    new_label: &str,
    old: &str,
    new: &str,
    options: UnifiedOptions,
) -> String {
    if old == new {
        return String::new();
    }
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    let edits = changes_before_additions(diff_lines(&old_lines, &new_lines));
    let c = options.colors;
    let mut out = String::new();
    out.push_str(&c.paint("1", &format!("--- {old_label}")));
    out.push('\n');
    out.push_str(&c.paint("1", &format!("+++ {new_label}")));
    out.push('\n');
    for hunk in hunks(&edits, options.context) {
        let slice = &edits[hunk.0..hunk.1];
        let (old_start, old_len) = span(
            slice,
            |e| match e {
                Edit::Equal(i, _) | Edit::Delete(i) => Some(*i),
                Edit::Insert(_) => None,
            },
            || first_position(&edits[..hunk.0], true),
        );
        let (new_start, new_len) = span(
            slice,
            |e| match e {
                Edit::Equal(_, j) | Edit::Insert(j) => Some(*j),
                Edit::Delete(_) => None,
            },
            || first_position(&edits[..hunk.0], false),
        );
        let header = format!(
            "@@ -{} +{} @@",
            range(old_start, old_len),
            range(new_start, new_len)
        );
        out.push_str(&c.paint("36", &header));
        out.push('\n');
        for edit in slice {
            let (mark, line, code) = match *edit {
                Edit::Equal(i, _) => (' ', old_lines[i], ""),
                Edit::Delete(i) => ('-', old_lines[i], "31"),
                Edit::Insert(j) => ('+', new_lines[j], "32"),
            };
            let (body, newline) = match line.strip_suffix('\n') {
                Some(body) => (body, true),
                None => (line, false),
            };
            let text = format!("{mark}{body}");
            out.push_str(&if code.is_empty() {
                text
            } else {
                c.paint(code, &text)
            });
            out.push('\n');
            if !newline {
                out.push_str("\\ No newline at end of file\n");
            }
        }
    }
    out
}

/// Within each run of changes, deletions first, as `diff` prints them.
fn changes_before_additions(edits: Vec<Edit>) -> Vec<Edit> {
    let mut out = Vec::with_capacity(edits.len());
    let mut inserts = Vec::new();
    for edit in edits {
        match edit {
            Edit::Insert(_) => inserts.push(edit),
            Edit::Delete(_) => out.push(edit),
            Edit::Equal(..) => {
                out.append(&mut inserts);
                out.push(edit);
            }
        }
    }
    out.append(&mut inserts);
    out
}

/// Hunks as index ranges of the edit script.
fn hunks(edits: &[Edit], context: usize) -> Vec<(usize, usize)> {
    let changed: Vec<usize> = edits
        .iter()
        .enumerate()
        .filter(|(_, e)| !matches!(e, Edit::Equal(..)))
        .map(|(i, _)| i)
        .collect();
    let mut hunks: Vec<(usize, usize)> = Vec::new();
    for &i in &changed {
        let start = i.saturating_sub(context);
        let end = (i + 1 + context).min(edits.len());
        match hunks.last_mut() {
            Some(last) if start <= last.1 => last.1 = end,
            _ => hunks.push((start, end)),
        }
    }
    hunks
}

/// First line number (0-based) and count of one side within a hunk; for an
/// empty side, the line it would follow.
fn span(
    slice: &[Edit],
    side: impl Fn(&Edit) -> Option<usize>,
    before: impl Fn() -> usize,
) -> (usize, usize) {
    let lines: Vec<usize> = slice.iter().filter_map(side).collect();
    match lines.first() {
        Some(&first) => (first, lines.len()),
        None => (before(), 0),
    }
}

/// How many lines of one side precede a hunk.
fn first_position(before: &[Edit], old: bool) -> usize {
    before
        .iter()
        .filter(|e| match e {
            Edit::Equal(..) => true,
            Edit::Delete(_) => old,
            Edit::Insert(_) => !old,
        })
        .count()
}

/// `start,len` as `diff -u` writes it: 1-based, `,1` left out, and an empty
/// range named by the line before it.
fn range(start: usize, len: usize) -> String {
    match len {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        _ => format!("{},{len}", start + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: UnifiedOptions = UnifiedOptions {
        context: 3,
        colors: Colors { on: false },
    };

    #[test]
    fn prints_hunks_like_diff_u() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n";
        let new = "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\n";
        let out = unified("old", "new", old, new, PLAIN);
        assert_eq!(
            out,
            "--- old\n+++ new\n@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n@@ -8,3 +8,4 @@\n h\n i\n j\n+k\n"
        );
        let merged = unified(
            "old",
            "new",
            old,
            new,
            UnifiedOptions {
                context: 4,
                ..PLAIN
            },
        );
        assert!(merged.contains("@@ -1,10 +1,11 @@\n"), "{merged}");
    }

    #[test]
    fn empty_sides_and_missing_final_newlines() {
        assert_eq!(unified("a", "b", "same\n", "same\n", PLAIN), "");
        assert_eq!(
            unified("a", "b", "", "x\n", PLAIN),
            "--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n"
        );
        assert_eq!(
            unified("a", "b", "x\n", "", PLAIN),
            "--- a\n+++ b\n@@ -1 +0,0 @@\n-x\n"
        );
        assert_eq!(
            unified("a", "b", "x\ny", "x\ny\n", PLAIN),
            "--- a\n+++ b\n@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n+y\n"
        );
        let zero = unified(
            "a",
            "b",
            "1\n2\n3\n",
            "1\nX\n3\n",
            UnifiedOptions {
                context: 0,
                ..PLAIN
            },
        );
        assert_eq!(zero, "--- a\n+++ b\n@@ -2 +2 @@\n-2\n+X\n");
    }

    #[test]
    fn colours_mark_each_kind_of_line() {
        let out = unified(
            "a",
            "b",
            "x\n",
            "y\n",
            UnifiedOptions {
                context: 3,
                colors: Colors { on: true },
            },
        );
        assert_eq!(
            out,
            "\x1b[1m--- a\x1b[0m\n\x1b[1m+++ b\x1b[0m\n\x1b[36m@@ -1 +1 @@\x1b[0m\n\x1b[31m-x\x1b[0m\n\x1b[32m+y\x1b[0m\n"
        );
    }
}
