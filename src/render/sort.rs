//! Turning rendered files into Helm's manifest stream: split, classify, sort, print.
//!
//! Owns what Helm does between its engine and the cluster (or `helm template`'s
//! stdout): pulling `NOTES.txt` out, cutting each file into YAML documents, reading
//! each document's head (`apiVersion`, `kind`, `metadata.name`, annotations),
//! separating hooks (`helm.sh/hook`) from plain manifests, ordering both by Helm's
//! kind install order, and printing them with `# Source:` headers, honouring
//! `--show-only`, `--no-hooks` and `--skip-tests`. Helm v4.2.3 is the reference
//! for every rule here.

use std::collections::BTreeMap;

use crate::chart::metadata::{json_as_string, match_field};
use crate::chart::yaml::{self, Json, YamlError, is_go_space};

/// The order Helm installs kinds in; unknown kinds go last, by name.
pub const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// Helm's `UninstallOrder`: validation webhooks go first so they can't
/// block the removal of what they guard; not the exact reverse of
/// [`INSTALL_ORDER`] (Services go early).
pub const UNINSTALL_ORDER: &[&str] = &[
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
    "Ingress",
    "IngressClass",
    "Service",
    "CronJob",
    "Job",
    "StatefulSet",
    "HorizontalPodAutoscaler",
    "Deployment",
    "ReplicaSet",
    "ReplicationController",
    "Pod",
    "DaemonSet",
    "RoleBindingList",
    "RoleBinding",
    "RoleList",
    "Role",
    "ClusterRoleBindingList",
    "ClusterRoleBinding",
    "ClusterRoleList",
    "ClusterRole",
    "CustomResourceDefinition",
    "PersistentVolumeClaim",
    "PersistentVolume",
    "StorageClass",
    "ConfigMap",
    "SecretList",
    "Secret",
    "ServiceAccount",
    "PodDisruptionBudget",
    "PodSecurityPolicy",
    "LimitRange",
    "ResourceQuota",
    "NetworkPolicy",
    "Namespace",
    "PriorityClass",
];

/// The annotation that makes a document a hook.
pub const HOOK_ANNOTATION: &str = "helm.sh/hook";
pub const HOOK_WEIGHT_ANNOTATION: &str = "helm.sh/hook-weight";
pub const HOOK_DELETE_ANNOTATION: &str = "helm.sh/hook-delete-policy";
pub const HOOK_OUTPUT_LOG_ANNOTATION: &str = "helm.sh/hook-output-log-policy";

/// The file name Helm treats as release notes rather than a manifest.
pub const NOTES_FILE_SUFFIX: &str = "NOTES.txt";

/// When a hook runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookEvent {
    PreInstall,
    PostInstall,
    PreDelete,
    PostDelete,
    PreUpgrade,
    PostUpgrade,
    PreRollback,
    PostRollback,
    /// `test`, or Helm 2's `test-success`.
    Test,
}

impl HookEvent {
    /// Reads an event name as Helm does (already trimmed and lower-cased).
    pub fn parse(name: &str) -> Option<HookEvent> {
        Some(match name {
            "pre-install" => HookEvent::PreInstall,
            "post-install" => HookEvent::PostInstall,
            "pre-delete" => HookEvent::PreDelete,
            "post-delete" => HookEvent::PostDelete,
            "pre-upgrade" => HookEvent::PreUpgrade,
            "post-upgrade" => HookEvent::PostUpgrade,
            "pre-rollback" => HookEvent::PreRollback,
            "post-rollback" => HookEvent::PostRollback,
            "test" | "test-success" => HookEvent::Test,
            _ => return None,
        })
    }

    /// Helm's name for the event, as stored in release records.
    pub fn as_str(self) -> &'static str {
        match self {
            HookEvent::PreInstall => "pre-install",
            HookEvent::PostInstall => "post-install",
            HookEvent::PreDelete => "pre-delete",
            HookEvent::PostDelete => "post-delete",
            HookEvent::PreUpgrade => "pre-upgrade",
            HookEvent::PostUpgrade => "post-upgrade",
            HookEvent::PreRollback => "pre-rollback",
            HookEvent::PostRollback => "post-rollback",
            HookEvent::Test => "test",
        }
    }
}

/// What Helm reads of a document before deciding what it is (`SimpleHead`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SimpleHead {
    pub api_version: String,
    pub kind: String,
    /// `None` when the document has no `metadata`.
    pub metadata: Option<HeadMetadata>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeadMetadata {
    pub name: String,
    /// `None` when `metadata.annotations` is absent or null.
    pub annotations: Option<BTreeMap<String, String>>,
}

impl SimpleHead {
    fn annotations(&self) -> Option<&BTreeMap<String, String>> {
        self.metadata.as_ref()?.annotations.as_ref()
    }
}

/// A plain (non-hook) manifest: one YAML document of a rendered file.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The template it came from, `CHART/templates/PATH`.
    pub name: String,
    pub content: String,
    pub head: SimpleHead,
}

/// A hook: a document annotated with `helm.sh/hook`.
#[derive(Debug, Clone, PartialEq)]
pub struct Hook {
    /// `metadata.name`.
    pub name: String,
    pub kind: String,
    /// The template it came from.
    pub path: String,
    pub manifest: String,
    pub events: Vec<HookEvent>,
    pub weight: i64,
    pub delete_policies: Vec<String>,
    pub output_log_policies: Vec<String>,
}

impl Hook {
    pub fn is_test(&self) -> bool {
        self.events.contains(&HookEvent::Test)
    }
}

/// A rendered document is not the YAML Helm expects.
#[derive(Debug, thiserror::Error)]
pub enum SortError {
    #[error("YAML parse error on {path}")]
    Yaml {
        path: String,
        #[source]
        source: HeadError,
    },
}

/// Why a document's head could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HeadError {
    #[error(transparent)]
    Yaml(#[from] YamlError),
    #[error(
        "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {found} into Go {place} of type {target}"
    )]
    Type {
        found: &'static str,
        place: &'static str,
        target: &'static str,
    },
}

/// `--show-only` named a template that produced nothing.
#[derive(Debug, thiserror::Error)]
#[error("could not find template {0} in chart")]
pub struct ShowOnlyError(pub String);

/// Takes the root chart's `NOTES.txt` out of the rendered files, as Helm does
/// before sorting; every chart's notes file is removed from `files`.
pub fn take_notes(files: &mut BTreeMap<String, String>, chart_name: &str) -> String {
    let root_notes = format!("{chart_name}/templates/{NOTES_FILE_SUFFIX}");
    let names: Vec<String> = files
        .keys()
        .filter(|k| k.ends_with(NOTES_FILE_SUFFIX))
        .cloned()
        .collect();
    let mut notes = String::new();
    for name in names {
        if let Some(text) = files.remove(&name)
            && name == root_notes
        {
            notes = text;
        }
    }
    notes
}

/// Helm's `SplitManifests` (v4.2.3): cuts a file at every `---` that starts the
/// text or follows a newline, dropping blank documents and leading white space.
pub fn split_manifests(big: &str) -> Vec<&str> {
    let s = big.trim_start_matches(is_go_space);
    let mut docs = Vec::new();
    let mut begin = 0;
    let mut from = 0;
    while let Some((start, end)) = next_separator(s, from) {
        docs.push(&s[begin..start]);
        begin = end;
        from = end;
    }
    docs.push(&s[begin..]);
    docs.into_iter()
        .filter(|d| !d.trim_matches(is_go_space).is_empty())
        .map(|d| d.trim_start_matches(is_go_space))
        .collect()
}

/// The regexp's `\s`: ASCII white space without the vertical tab.
fn is_re_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

/// The leftmost match of `(?:^|\s*\n)---\s*` at or after `from`.
fn next_separator(s: &str, from: usize) -> Option<(usize, usize)> {
    let b = s.as_bytes();
    let after_dashes = |mut i: usize| {
        i += 3;
        while i < b.len() && is_re_space(b[i]) {
            i += 1;
        }
        i
    };
    if from == 0 && s.starts_with("---") {
        return Some((0, after_dashes(0)));
    }
    let mut i = from;
    while i < b.len() {
        if !is_re_space(b[i]) {
            i += 1;
            continue;
        }
        // A run of white space matches if it ends in a newline right before `---`.
        let mut run_end = i;
        while run_end < b.len() && is_re_space(b[run_end]) {
            run_end += 1;
        }
        if b[run_end - 1] == b'\n' && b[run_end..].starts_with(b"---") {
            return Some((i, after_dashes(run_end)));
        }
        i = run_end + 1;
    }
    None
}

/// Reads a document's head the way Helm's `yaml.Unmarshal` into `SimpleHead` does.
pub fn read_head(doc: &str) -> Result<SimpleHead, HeadError> {
    let json = yaml::parse(doc)?;
    let mut head = SimpleHead::default();
    let map = match &json {
        Json::Null => return Ok(head),
        Json::Map(map) => map,
        other => {
            return Err(HeadError::Type {
                found: other.json_kind(),
                place: "value",
                target: "util.SimpleHead",
            });
        }
    };
    check_marshalable(&json, 0)?;
    for (key, value) in map {
        match match_field(&["apiVersion", "kind", "metadata"], key) {
            Some("apiVersion") => store_string(
                &mut head.api_version,
                value,
                "struct field SimpleHead.apiVersion",
            )?,
            Some("kind") => store_string(&mut head.kind, value, "struct field SimpleHead.kind")?,
            Some("metadata") => match value {
                Json::Null => head.metadata = None,
                Json::Map(fields) => {
                    let meta = head.metadata.get_or_insert_with(HeadMetadata::default);
                    read_head_metadata(meta, fields)?;
                }
                other => {
                    return Err(HeadError::Type {
                        found: other.json_kind(),
                        place: "struct field SimpleHead.metadata",
                        target: "struct { Name string \"json:\\\"name\\\"\"; Annotations map[string]string \"json:\\\"annotations\\\"\" }",
                    });
                }
            },
            _ => {}
        }
    }
    Ok(head)
}

fn read_head_metadata(
    meta: &mut HeadMetadata,
    fields: &BTreeMap<String, Json>,
) -> Result<(), HeadError> {
    for (key, value) in fields {
        match match_field(&["name", "annotations"], key) {
            Some("name") => store_string(&mut meta.name, value, "struct field .metadata.name")?,
            Some("annotations") => match value {
                Json::Null => meta.annotations = None,
                Json::Map(items) => {
                    let annotations = meta.annotations.get_or_insert_with(BTreeMap::new);
                    for (k, v) in items {
                        let mut s = String::new();
                        store_string(&mut s, v, "struct field .metadata.annotations")?;
                        annotations.insert(k.clone(), s);
                    }
                }
                other => {
                    return Err(HeadError::Type {
                        found: other.json_kind(),
                        place: "struct field .metadata.annotations",
                        target: "map[string]string",
                    });
                }
            },
            _ => {}
        }
    }
    Ok(())
}

fn store_string(field: &mut String, value: &Json, place: &'static str) -> Result<(), HeadError> {
    match json_as_string(value) {
        Ok(Some(s)) => *field = s,
        Ok(None) => {}
        Err(other) => {
            return Err(HeadError::Type {
                found: other.json_kind(),
                place,
                target: "string",
            });
        }
    }
    Ok(())
}

/// JSON can't hold NaN or infinities, so Helm fails on a document holding one
/// anywhere but in the head's string fields (which receive them as text).
fn check_marshalable(json: &Json, depth: usize) -> Result<(), YamlError> {
    match json {
        Json::Float(f) if !f.is_finite() => Json::Float(*f).to_value().map(|_| ()),
        Json::Seq(items) => items
            .iter()
            .try_for_each(|i| check_marshalable(i, depth + 1)),
        Json::Map(map) => map.iter().try_for_each(|(k, v)| {
            let head_string = match depth {
                0 => match_field(&["apiVersion", "kind"], k).is_some(),
                1 => match_field(&["name"], k).is_some(),
                _ => false,
            };
            if head_string {
                return Ok(());
            }
            check_marshalable(v, depth + 1)
        }),
        _ => Ok(()),
    }
}

/// Helm's `SortManifests` with the install order: files in name order, partials
/// and blank files skipped, each document classified as hook or manifest, then
/// both lists stably sorted by kind.
pub fn sort_manifests(
    files: &BTreeMap<String, String>,
) -> Result<(Vec<Hook>, Vec<Manifest>), SortError> {
    let mut hooks = Vec::new();
    let mut manifests = Vec::new();
    let docs: Vec<(&String, &str)> = files
        .iter()
        .filter(|(path, content)| {
            let base = path.rsplit('/').next().unwrap_or(path);
            !base.starts_with('_') && !content.trim_matches(is_go_space).is_empty()
        })
        .flat_map(|(path, content)| split_manifests(content).into_iter().map(move |d| (path, d)))
        .collect();
    let heads = read_heads(&docs);
    for ((path, doc), head) in docs.into_iter().zip(heads) {
        let head = head.map_err(|source| SortError::Yaml {
            path: path.clone(),
            source,
        })?;
        let hook_types = head
            .annotations()
            .filter(|a| !a.is_empty())
            .and_then(|a| a.get(HOOK_ANNOTATION));
        let Some(hook_types) = hook_types else {
            manifests.push(Manifest {
                name: path.clone(),
                content: doc.to_string(),
                head,
            });
            continue;
        };
        let events: Option<Vec<HookEvent>> = hook_types
            .split(',')
            .map(|t| HookEvent::parse(&t.trim_matches(is_go_space).to_lowercase()))
            .collect();
        // Helm skips documents with an unknown hook event altogether.
        let Some(events) = events else {
            continue;
        };
        let annotations = head.annotations().cloned().unwrap_or_default();
        let policies = |key: &str| -> Vec<String> {
            annotations
                .get(key)
                .map(|v| {
                    v.split(',')
                        .map(|p| p.trim_matches(is_go_space).to_lowercase())
                        .collect()
                })
                .unwrap_or_default()
        };
        hooks.push(Hook {
            name: head
                .metadata
                .as_ref()
                .map(|m| m.name.clone())
                .unwrap_or_default(),
            kind: head.kind.clone(),
            path: path.clone(),
            manifest: doc.to_string(),
            events,
            weight: annotations
                .get(HOOK_WEIGHT_ANNOTATION)
                .and_then(|w| parse_go_atoi(w))
                .unwrap_or(0),
            delete_policies: policies(HOOK_DELETE_ANNOTATION),
            output_log_policies: policies(HOOK_OUTPUT_LOG_ANNOTATION),
        });
    }
    hooks.sort_by(|a, b| kind_order(&a.kind).cmp(&kind_order(&b.kind)));
    manifests.sort_by(|a, b| kind_order(&a.head.kind).cmp(&kind_order(&b.head.kind)));
    Ok((hooks, manifests))
}

/// Below this much YAML, reading document heads on one thread is faster than
/// starting others.
const PARALLEL_HEADS_BYTES: usize = 64 * 1024;

/// Every document's head, in order. Parsing is the costly part of sorting and
/// each document stands alone, so large releases spread it over the cores;
/// the first error in document order still wins, as in Helm's sequential loop.
fn read_heads(docs: &[(&String, &str)]) -> Vec<Result<SimpleHead, HeadError>> {
    let bytes: usize = docs.iter().map(|(_, d)| d.len()).sum();
    if bytes < PARALLEL_HEADS_BYTES {
        return docs.iter().map(|(_, d)| read_head(d)).collect();
    }
    super::cores::map_in_order(docs, |(_, d)| read_head(d))
}

/// Go's `strconv.Atoi`: optional sign, decimal digits, no spaces.
fn parse_go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Sort key: known kinds by install order, then unknown kinds by name.
fn kind_order(kind: &str) -> (usize, &str) {
    kind_rank(kind, INSTALL_ORDER)
}

/// Sort key in `order` ([`INSTALL_ORDER`] or [`UNINSTALL_ORDER`]): known
/// kinds by their place, then unknown kinds by name.
pub fn kind_rank<'a>(kind: &'a str, order: &[&str]) -> (usize, &'a str) {
    match order.iter().position(|k| *k == kind) {
        Some(i) => (i, ""),
        None => (order.len(), kind),
    }
}

/// The release manifest: every plain manifest under its `# Source:` header.
pub fn release_manifest(manifests: &[Manifest]) -> String {
    let mut out = String::new();
    for m in manifests {
        out.push_str(&format!("---\n# Source: {}\n{}\n", m.name, m.content));
    }
    out
}

/// What `helm template` prints besides the manifests.
#[derive(Debug, Clone, Default)]
pub struct StreamOptions {
    /// `--show-only`: templates (globs) whose documents alone are printed.
    pub show_only: Vec<String>,
    /// `--no-hooks`.
    pub no_hooks: bool,
    /// `--skip-tests`.
    pub skip_tests: bool,
}

/// The text `helm template` prints: the release manifest (the sorted manifests
/// of [`release_manifest`], after any CRDs, post-rendered when asked), then the
/// hooks.
pub fn template_stream(
    manifest: &str,
    hooks: &[Hook],
    options: &StreamOptions,
) -> Result<String, ShowOnlyError> {
    let mut out = manifest.trim_matches(is_go_space).to_string();
    out.push('\n');
    if !options.no_hooks {
        for h in hooks {
            if options.skip_tests && h.is_test() {
                continue;
            }
            out.push_str(&format!("---\n# Source: {}\n{}\n", h.path, h.manifest));
        }
    }
    if options.show_only.is_empty() {
        return Ok(out);
    }
    let docs = split_manifests(&out);
    let mut picked = Vec::new();
    for pattern in &options.show_only {
        let mut found = false;
        for doc in &docs {
            let Some(path) = source_path(doc) else {
                continue;
            };
            if glob_match(pattern, path) {
                picked.push(*doc);
                found = true;
            }
        }
        if !found {
            return Err(ShowOnlyError(pattern.clone()));
        }
    }
    Ok(picked.iter().map(|d| format!("---\n{d}\n")).collect())
}

/// The template path after the chart name in a document's first `# Source: `
/// line (`# Source: [^/]+/(.+)`).
fn source_path(doc: &str) -> Option<&str> {
    let mut rest = doc;
    while let Some(i) = rest.find("# Source: ") {
        let after = &rest[i + "# Source: ".len()..];
        let line = after.split('\n').next().unwrap_or(after);
        if let Some(slash) = line.find('/')
            && slash > 0
            && slash + 1 < line.len()
        {
            return Some(&line[slash + 1..]);
        }
        rest = &rest[i + 1..];
    }
    None
}

/// Go's `filepath.Match` on `/`-separated paths: `*` and `?` never cross `/`,
/// `[...]` classes with ranges and `^` negation, `\` escapes. A malformed pattern
/// matches nothing.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    glob_at(&p, &n).unwrap_or(false)
}

fn glob_at(p: &[char], n: &[char]) -> Option<bool> {
    let Some((&c, rest)) = p.split_first() else {
        return Some(n.is_empty());
    };
    match c {
        '*' => {
            for skip in 0..=n.len() {
                if skip > 0 && n[skip - 1] == '/' {
                    break;
                }
                if glob_at(rest, &n[skip..])? {
                    return Some(true);
                }
            }
            Some(false)
        }
        '?' => match n.split_first() {
            Some((&ch, n_rest)) if ch != '/' => glob_at(rest, n_rest),
            _ => Some(false),
        },
        '[' => {
            let (matched, after) = class_match(rest, n.first().copied())?;
            match n.split_first() {
                Some((&ch, n_rest)) if matched && ch != '/' => glob_at(after, n_rest),
                _ => Some(false),
            }
        }
        '\\' => {
            let (&lit, after) = rest.split_first()?;
            match n.split_first() {
                Some((&ch, n_rest)) if ch == lit => glob_at(after, n_rest),
                _ => Some(false),
            }
        }
        lit => match n.split_first() {
            Some((&ch, n_rest)) if ch == lit => glob_at(rest, n_rest),
            _ => Some(false),
        },
    }
}

/// Matches a `[...]` class (after the `[`); `None` for a malformed class.
fn class_match(p: &[char], ch: Option<char>) -> Option<(bool, &[char])> {
    let mut i = 0;
    let negate = p.first() == Some(&'^');
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let c = *p.get(i)?;
        if c == ']' && !first {
            i += 1;
            break;
        }
        first = false;
        let lo = if c == '\\' {
            i += 1;
            *p.get(i)?
        } else {
            c
        };
        i += 1;
        let mut hi = lo;
        if p.get(i) == Some(&'-') && p.get(i + 1).is_some_and(|c| *c != ']') {
            i += 1;
            hi = if p[i] == '\\' {
                i += 1;
                *p.get(i)?
            } else {
                p[i]
            };
            i += 1;
        }
        if let Some(ch) = ch
            && lo <= ch
            && ch <= hi
        {
            matched = true;
        }
    }
    Some((matched != negate, &p[i..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_helm() {
        assert_eq!(
            split_manifests("\n\n---\na: 1\n---\n\n---   \nb: 2\n  \n---c: 3\nd: ---\n"),
            // The separator eats the blank lines after it, so the next `---`
            // follows no newline and stays in the document, as in Helm.
            ["a: 1", "---   \nb: 2", "c: 3\nd: ---\n"]
        );
        assert_eq!(split_manifests("a: 1\n----\nb"), ["a: 1", "-\nb"]);
        assert_eq!(split_manifests("  \n"), Vec::<&str>::new());
        assert_eq!(split_manifests("x: |\n  ---\n---\ny"), ["x: |\n  ---", "y"]);
    }

    fn files(items: &[(&str, &str)]) -> BTreeMap<String, String> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn hooks_and_kinds_sort_like_helm() {
        let f = files(&[
            (
                "c/templates/a.yaml",
                "kind: Deployment\n---\nkind: Service\n---\nkind: Zed\n---\nkind: Alpha\n",
            ),
            (
                "c/templates/b.yaml",
                "kind: ConfigMap\n---\n# just a comment\n",
            ),
            (
                "c/templates/hook.yaml",
                "kind: Job\nmetadata:\n  name: j\n  annotations:\n    helm.sh/hook: Post-Install, pre-upgrade\n    helm.sh/hook-weight: \"5\"\n---\nkind: Pod\nmetadata:\n  annotations:\n    helm.sh/hook: test\n---\nkind: Pod\nmetadata:\n  annotations:\n    helm.sh/hook: bogus\n",
            ),
            ("c/templates/_helpers.tpl", "kind: Secret\n"),
            ("c/templates/empty.yaml", " \n"),
        ]);
        let (hooks, manifests) = sort_manifests(&f).unwrap();
        let kinds: Vec<_> = manifests.iter().map(|m| m.head.kind.as_str()).collect();
        assert_eq!(
            kinds,
            ["ConfigMap", "Service", "Deployment", "", "Alpha", "Zed"]
        );
        assert_eq!(hooks.len(), 2);
        assert_eq!(hooks[0].kind, "Pod");
        assert_eq!(
            hooks[1].events,
            [HookEvent::PostInstall, HookEvent::PreUpgrade]
        );
        assert_eq!(hooks[1].weight, 5);
        assert_eq!(hooks[1].name, "j");

        let out = template_stream(
            &release_manifest(&manifests),
            &hooks,
            &StreamOptions::default(),
        )
        .unwrap();
        assert!(out.starts_with("---\n# Source: c/templates/b.yaml\nkind: ConfigMap\n---\n"));
        let skip = StreamOptions {
            skip_tests: true,
            ..StreamOptions::default()
        };
        let out = template_stream(&release_manifest(&manifests), &hooks, &skip).unwrap();
        assert!(out.ends_with("---\n# Source: c/templates/hook.yaml\nkind: Job\nmetadata:\n  name: j\n  annotations:\n    helm.sh/hook: Post-Install, pre-upgrade\n    helm.sh/hook-weight: \"5\"\n"));
        let only = StreamOptions {
            show_only: vec!["templates/b.yaml".into()],
            ..StreamOptions::default()
        };
        assert_eq!(
            template_stream(&release_manifest(&manifests), &hooks, &only).unwrap(),
            "---\n# Source: c/templates/b.yaml\nkind: ConfigMap\n---\n# Source: c/templates/b.yaml\n# just a comment\n"
        );
        let missing = StreamOptions {
            show_only: vec!["templates/nope.yaml".into()],
            ..StreamOptions::default()
        };
        assert_eq!(
            template_stream(&release_manifest(&manifests), &hooks, &missing)
                .unwrap_err()
                .to_string(),
            "could not find template templates/nope.yaml in chart"
        );
    }

    #[test]
    fn head_errors_name_the_file() {
        let f = files(&[("c/templates/a.txt", "hello")]);
        let err = sort_manifests(&f).unwrap_err();
        let chain = format!("{:#}", anyhow::Error::new(err));
        assert_eq!(
            chain,
            "YAML parse error on c/templates/a.txt: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go value of type util.SimpleHead"
        );
    }

    /// Large releases read heads on several threads; the order of manifests and
    /// the first error must not change.
    #[test]
    fn large_releases_sort_as_small_ones() {
        let doc = |i: usize| {
            format!(
                "kind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  pad: {}\n",
                "x".repeat(2000)
            )
        };
        let owned: Vec<(String, String)> = (0..100)
            .map(|i| (format!("c/templates/f{i:03}.yaml"), doc(i)))
            .collect();
        let mut f: BTreeMap<String, String> = owned.into_iter().collect();
        assert!(f.values().map(String::len).sum::<usize>() > PARALLEL_HEADS_BYTES);
        let (_, manifests) = sort_manifests(&f).unwrap();
        let names: Vec<_> = manifests.iter().map(|m| m.name.as_str()).collect();
        let expected: Vec<_> = f.keys().map(String::as_str).collect();
        assert_eq!(names, expected);

        f.insert("c/templates/f010.yaml".into(), "- not a map".into());
        f.insert("c/templates/f090.yaml".into(), "also: [broken".into());
        let err = format!("{:#}", anyhow::Error::new(sort_manifests(&f).unwrap_err()));
        assert!(
            err.starts_with("YAML parse error on c/templates/f010.yaml"),
            "{err}"
        );
    }

    #[test]
    fn globs_like_go() {
        assert!(glob_match("templates/*.yaml", "templates/a.yaml"));
        assert!(!glob_match("templates/*.yaml", "templates/sub/a.yaml"));
        assert!(glob_match("templates/?.yaml", "templates/a.yaml"));
        assert!(glob_match("templates/[a-c].yaml", "templates/b.yaml"));
        assert!(!glob_match("templates/[^a-c].yaml", "templates/b.yaml"));
        assert!(!glob_match("templates/[a-c.yaml", "templates/b.yaml"));
    }

    #[test]
    fn notes_are_taken_out() {
        let mut f = files(&[
            ("c/templates/NOTES.txt", "hi"),
            ("c/charts/s/templates/NOTES.txt", "sub"),
            ("c/templates/a.yaml", "kind: A"),
        ]);
        assert_eq!(take_notes(&mut f, "c"), "hi");
        assert_eq!(f.len(), 1);
    }
}
