//! Masking the values of Secrets in two manifests before they are diffed.
//!
//! Every value under a Secret's top-level `data` or `stringData` is replaced
//! by a mask naming its size. A value that is the same on both sides gets the
//! same mask on both, so the line doesn't show as changed; a changed value
//! gets a mask marked `before` on the old side and `after` on the new one, so
//! the diff says that it changed without saying what it was.
//!
//! Works on the text as written (Helm's rendered YAML): documents split at
//! `---` lines, the kind and name read from top-level `kind:` and
//! `metadata.name`, values as the text after `key:` plus any more-indented
//! lines (block scalars).

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// What every masked value starts with.
pub const MASK_PREFIX: &str = "(secret value hidden";

/// One masked value's place in a manifest.
struct Value {
    /// Line index of `key: value`.
    line: usize,
    /// How many continuation lines follow it.
    continuation: usize,
    indent: String,
    key: String,
    text: String,
    bytes: usize,
}

/// The manifests with Secret values masked, as described in the module doc.
pub fn mask_secret_pair(old: &str, new: &str) -> (String, String) {
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    let old_values = secret_values(&old_lines);
    let new_values = secret_values(&new_lines);
    let id = |v: &(String, Value)| (v.0.clone(), v.1.key.clone());
    let old_text: HashMap<(String, String), String> = old_values
        .iter()
        .map(|v| (id(v), v.1.text.clone()))
        .collect();
    let new_text: HashMap<(String, String), String> = new_values
        .iter()
        .map(|v| (id(v), v.1.text.clone()))
        .collect();
    let masked_old = rewrite(&old_lines, &old_values, |v| {
        marker(
            new_text.get(&id(v)).is_some_and(|t| *t == v.1.text),
            "before",
        )
    });
    let masked_new = rewrite(&new_lines, &new_values, |v| {
        marker(
            old_text.get(&id(v)).is_some_and(|t| *t == v.1.text),
            "after",
        )
    });
    (masked_old, masked_new)
}

fn marker(same: bool, side: &'static str) -> &'static str {
    if same { "" } else { side }
}

fn rewrite(
    lines: &[&str],
    values: &[(String, Value)],
    side: impl Fn(&(String, Value)) -> &'static str,
) -> String {
    let mut replaced: HashMap<usize, String> = HashMap::new();
    let mut dropped = vec![false; lines.len()];
    for v in values {
        let note = side(v);
        let suffix = if note.is_empty() {
            String::new()
        } else {
            format!(", {note}")
        };
        let eol = if lines[v.1.line].ends_with('\n') {
            "\n"
        } else {
            ""
        };
        replaced.insert(
            v.1.line,
            format!(
                "{}{}: {MASK_PREFIX}, {} bytes{suffix})\n",
                v.1.indent, v.1.key, v.1.bytes
            )
            .trim_end_matches('\n')
            .to_owned()
                + eol,
        );
        for d in dropped.iter_mut().skip(v.1.line + 1).take(v.1.continuation) {
            *d = true;
        }
    }
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        if dropped[i] {
            continue;
        }
        match replaced.get(&i) {
            Some(text) => out.push_str(text),
            None => out.push_str(line),
        }
    }
    out
}

/// Every value of every Secret, named `namespace/name` (namespace may be
/// empty), in line order.
fn secret_values(lines: &[&str]) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, line) in lines.iter().enumerate() {
        if is_separator(line) {
            document(lines, start, i, &mut out);
            start = i + 1;
        }
    }
    document(lines, start, lines.len(), &mut out);
    out
}

fn is_separator(line: &str) -> bool {
    let line = line.trim_end();
    line == "---" || line.starts_with("--- ") || line.starts_with("---\t")
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// A line that carries no YAML structure (blank or comment).
fn is_blank(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

fn unquote(text: &str) -> String {
    let t = text.trim();
    if t.len() >= 2
        && ((t.starts_with('"') && t.ends_with('"')) || (t.starts_with('\'') && t.ends_with('\'')))
    {
        t[1..t.len() - 1].to_owned()
    } else {
        t.to_owned()
    }
}

fn document(lines: &[&str], from: usize, to: usize, out: &mut Vec<(String, Value)>) {
    let doc = &lines[from..to];
    let top = |key: &str| {
        doc.iter().position(|l| {
            indent_of(l) == 0
                && l.trim_end()
                    .strip_prefix(key)
                    .is_some_and(|r| r.starts_with(':'))
        })
    };
    let kind = top("kind").map(|i| unquote(doc[i].trim_end()["kind:".len()..].trim()));
    if kind.as_deref() != Some("Secret") {
        return;
    }
    let mut name = String::new();
    let mut namespace = String::new();
    if let Some(meta) = top("metadata") {
        let block = block_lines(doc, meta);
        let child = block.iter().map(|&i| indent_of(doc[i])).min().unwrap_or(0);
        for &i in &block {
            let l = doc[i];
            if indent_of(l) != child {
                continue;
            }
            if let Some((k, v)) = l.trim().split_once(':') {
                match k.trim() {
                    "name" => name = unquote(v),
                    "namespace" => namespace = unquote(v),
                    _ => {}
                }
            }
        }
    }
    let id = format!("{namespace}/{name}");
    for section in ["data", "stringData"] {
        let Some(at) = top(section) else { continue };
        let block = block_lines(doc, at);
        let inline = doc[at].trim_end()[section.len() + 1..].trim();
        if !inline.is_empty() && !inline.starts_with('#') {
            // A flow mapping (`data: {a: b}`), maybe over several lines:
            // the whole section is one masked value.
            let last = block.last().copied().unwrap_or(at);
            out.push((
                id.clone(),
                Value {
                    line: from + at,
                    continuation: last - at,
                    indent: String::new(),
                    key: section.to_owned(),
                    text: doc[at..=last].concat(),
                    bytes: doc[at..=last].iter().map(|l| l.trim().len()).sum::<usize>()
                        - section.len()
                        - 1,
                },
            ));
            continue;
        }
        let Some(child) = block.iter().map(|&i| indent_of(doc[i])).min() else {
            continue;
        };
        let mut k = 0;
        while k < block.len() {
            let i = block[k];
            let l = doc[i];
            let mut continuation = Vec::new();
            let mut next = k + 1;
            while next < block.len() && indent_of(doc[block[next]]) > child {
                continuation.push(block[next]);
                next += 1;
            }
            if indent_of(l) == child
                && let Some((key, rest)) = l.trim().split_once(':')
            {
                let last = continuation.last().copied().unwrap_or(i);
                let text: String = doc[i..=last].concat();
                let inline = unquote(rest);
                let bytes = if !continuation.is_empty() {
                    // A block scalar: its lines without their indentation.
                    continuation
                        .iter()
                        .map(|&c| doc[c].trim_start().trim_end_matches('\n').len() + 1)
                        .sum()
                } else if section == "data" {
                    STANDARD
                        .decode(inline.as_bytes())
                        .map_or(inline.len(), |b| b.len())
                } else {
                    inline.len()
                };
                out.push((
                    id.clone(),
                    Value {
                        line: from + i,
                        continuation: last - i,
                        indent: " ".repeat(child),
                        key: key.trim().to_owned(),
                        text,
                        bytes,
                    },
                ));
            }
            k = next;
        }
    }
}

/// Indices (within the document) of the non-blank lines nested under the
/// top-level key at `at`, plus blank lines between them.
fn block_lines(doc: &[&str], at: usize) -> Vec<usize> {
    let mut block = Vec::new();
    for (i, line) in doc.iter().enumerate().skip(at + 1) {
        if is_blank(line) {
            continue;
        }
        if indent_of(line) == 0 {
            break;
        }
        block.push(i);
    }
    block
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "---\n# Source: s.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ntype: Opaque\ndata:\n  password: c2VjcmV0\n  user: YWRtaW4=\nstringData:\n  token: |\n    line one\n    line two\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  password: visible\n";

    #[test]
    fn same_values_mask_alike_and_changed_ones_differ() {
        let new = OLD
            .replace("password: c2VjcmV0", "password: c2VjcmV0Mg==")
            .replace("line two", "line 2");
        let (old_masked, new_masked) = mask_secret_pair(OLD, &new);
        assert!(!old_masked.contains("c2VjcmV0") && !new_masked.contains("c2VjcmV0Mg=="));
        assert!(
            old_masked.contains("  password: (secret value hidden, 6 bytes, before)\n"),
            "{old_masked}"
        );
        assert!(
            new_masked.contains("  password: (secret value hidden, 7 bytes, after)\n"),
            "{new_masked}"
        );
        assert!(old_masked.contains("  user: (secret value hidden, 5 bytes)\n"));
        assert!(new_masked.contains("  user: (secret value hidden, 5 bytes)\n"));
        assert!(!old_masked.contains("line one") && !new_masked.contains("line 2"));
        assert!(
            new_masked.contains("  token: (secret value hidden, 16 bytes, after)\n"),
            "{new_masked}"
        );
        // ConfigMaps are not Secrets.
        assert!(new_masked.ends_with("data:\n  password: visible\n"));
    }

    #[test]
    fn flow_mappings_are_masked_whole() {
        let old =
            "kind: Secret\nmetadata:\n  name: f\nstringData: {user: admin,\n  password: hunter2}\n";
        let new = old.replace("hunter2", "hunter3");
        let (old_masked, new_masked) = mask_secret_pair(old, &new);
        assert!(!old_masked.contains("hunter") && !new_masked.contains("hunter"));
        assert!(
            old_masked.ends_with("stringData: (secret value hidden, 32 bytes, before)\n"),
            "{old_masked}"
        );
        assert!(
            new_masked.ends_with("stringData: (secret value hidden, 32 bytes, after)\n"),
            "{new_masked}"
        );
    }

    #[test]
    fn a_secret_only_on_one_side_is_masked_as_changed() {
        let (old_masked, new_masked) = mask_secret_pair("", OLD);
        assert_eq!(old_masked, "");
        assert!(new_masked.contains("password: (secret value hidden, 6 bytes, after)"));
        let (unchanged, again) = mask_secret_pair(OLD, OLD);
        assert_eq!(unchanged, again);
    }
}
