//! `Chart.yaml`: Helm's chart metadata, decoded, checked and shown to templates.
//!
//! Owns reading `Chart.yaml` the way Helm does (sigs.k8s.io/yaml into Helm's
//! `Metadata` struct: keys matched case-insensitively, numbers and booleans in
//! string fields written out as strings, so `appVersion: 1.10` becomes `"1.1"`),
//! Helm's validation and its messages, and `.Chart` as templates see it: in Helm v4
//! a `map[string]interface {}` keyed by the Go field names.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::gotmpl::{ElemType, Entries, List, Map, Value};

use super::yaml::{self, Json, YamlError};

/// A chart maintainer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Maintainer {
    pub name: String,
    pub email: String,
    pub url: String,
}

/// One entry of `dependencies`, as Helm's `Dependency`.
#[derive(Debug, Clone, Default)]
pub struct Dependency {
    pub name: String,
    /// A semver range the subchart's version must satisfy.
    pub version: String,
    pub repository: String,
    /// Comma-separated value paths; the first that holds a boolean decides.
    pub condition: String,
    pub tags: Vec<String>,
    /// Set by dependency processing: whether the subchart renders.
    pub enabled: bool,
    /// Each item a string (`exports.X` of the child) or a `child`/`parent` map.
    pub import_values: Vec<Value>,
    pub alias: String,
}

impl Dependency {
    /// The name the subchart goes by in its parent: the alias when there is one.
    pub fn key(&self) -> &str {
        if self.alias.is_empty() {
            &self.name
        } else {
            &self.alias
        }
    }
}

/// Helm's chart metadata (`Chart.yaml`), with Helm's field names.
#[derive(Debug, Clone, Default)]
pub struct Metadata {
    pub name: String,
    pub home: String,
    pub sources: Vec<String>,
    pub version: String,
    pub description: String,
    pub keywords: Vec<String>,
    /// `None` entries are `null` items, which validation refuses.
    pub maintainers: Vec<Option<Maintainer>>,
    pub icon: String,
    pub api_version: String,
    pub condition: String,
    pub tags: String,
    pub app_version: String,
    pub deprecated: bool,
    pub annotations: BTreeMap<String, String>,
    pub kube_version: String,
    /// `dependencies` (or `requirements.yaml` for apiVersion v1); `None` entries
    /// are `null` items, which validation refuses.
    pub dependencies: Vec<Option<Dependency>>,
    pub r#type: String,
}

/// `Chart.yaml` could not be read or is not a valid chart description.
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    #[error("cannot load {file}")]
    Yaml {
        file: &'static str,
        #[source]
        source: YamlError,
    },
    #[error(
        "cannot load {file}: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {found} into Go {place} of type {target}"
    )]
    Type {
        file: &'static str,
        found: &'static str,
        place: String,
        target: &'static str,
    },
    /// Helm's `ValidationError`.
    #[error("validation: {0}")]
    Invalid(String),
}

impl Metadata {
    /// Decodes `Chart.yaml` as Helm's loader does; the result is not validated yet.
    pub fn parse(text: &str) -> Result<Metadata, MetadataError> {
        let mut md = Metadata::default();
        md.decode_text(text, "Chart.yaml")?;
        // Helm 2 charts may leave apiVersion out; Helm reads them as v1.
        if md.api_version.is_empty() {
            md.api_version = "v1".into();
        }
        Ok(md)
    }

    /// Reads `requirements.yaml` over the metadata, as Helm does for every chart
    /// (it decodes the file into the same struct, so its `dependencies` win).
    pub fn apply_requirements(&mut self, text: &str) -> Result<(), MetadataError> {
        self.decode_text(text, "requirements.yaml")
    }

    fn decode_text(&mut self, text: &str, file: &'static str) -> Result<(), MetadataError> {
        let json = yaml::parse(text).map_err(|source| MetadataError::Yaml { file, source })?;
        match &json {
            Json::Null => Ok(()),
            Json::Map(map) => self.decode(map).map_err(|e| e.in_file(file)),
            other => Err(MetadataError::Type {
                file,
                found: other.json_kind(),
                place: "value".into(),
                target: "v2.Metadata",
            }),
        }
    }

    fn decode(&mut self, map: &BTreeMap<String, Json>) -> Result<(), MetadataError> {
        const FIELDS: &[&str] = &[
            "name",
            "home",
            "sources",
            "version",
            "description",
            "keywords",
            "maintainers",
            "icon",
            "apiVersion",
            "condition",
            "tags",
            "appVersion",
            "deprecated",
            "annotations",
            "kubeVersion",
            "dependencies",
            "type",
        ];
        for (key, value) in map {
            let Some(field) = match_field(FIELDS, key) else {
                continue;
            };
            let at = |f: &str| format!("struct field Metadata.{f}");
            match field {
                "name" => set_string(&mut self.name, value, || at(field))?,
                "home" => set_string(&mut self.home, value, || at(field))?,
                "version" => set_string(&mut self.version, value, || at(field))?,
                "description" => set_string(&mut self.description, value, || at(field))?,
                "icon" => set_string(&mut self.icon, value, || at(field))?,
                "apiVersion" => set_string(&mut self.api_version, value, || at(field))?,
                "condition" => set_string(&mut self.condition, value, || at(field))?,
                "tags" => set_string(&mut self.tags, value, || at(field))?,
                "appVersion" => set_string(&mut self.app_version, value, || at(field))?,
                "kubeVersion" => set_string(&mut self.kube_version, value, || at(field))?,
                "type" => set_string(&mut self.r#type, value, || at(field))?,
                "sources" => set_strings(&mut self.sources, value, || at(field))?,
                "keywords" => set_strings(&mut self.keywords, value, || at(field))?,
                "deprecated" => match value {
                    Json::Null => {}
                    Json::Bool(b) => self.deprecated = *b,
                    other => return Err(type_error(other, at(field), "bool")),
                },
                "annotations" => match value {
                    Json::Null => self.annotations.clear(),
                    Json::Map(items) => {
                        for (k, v) in items {
                            let mut s = String::new();
                            set_string(&mut s, v, || at(field))?;
                            self.annotations.insert(k.clone(), s);
                        }
                    }
                    other => return Err(type_error(other, at(field), "map[string]string")),
                },
                "maintainers" => self.maintainers = decode_maintainers(value)?,
                "dependencies" => self.dependencies = decode_dependencies(value)?,
                _ => {}
            }
        }
        Ok(())
    }

    /// Helm's `Metadata.Validate`: cleans strings and checks the required fields.
    pub fn validate(&mut self) -> Result<(), MetadataError> {
        for s in [
            &mut self.name,
            &mut self.description,
            &mut self.home,
            &mut self.icon,
            &mut self.condition,
            &mut self.tags,
            &mut self.app_version,
            &mut self.kube_version,
        ] {
            *s = sanitize(s);
        }
        for s in self.sources.iter_mut().chain(self.keywords.iter_mut()) {
            *s = sanitize(s);
        }
        let invalid = |m: String| Err(MetadataError::Invalid(m));
        if self.api_version.is_empty() {
            return invalid("chart.metadata.apiVersion is required".into());
        }
        if self.name.is_empty() {
            return invalid("chart.metadata.name is required".into());
        }
        if self.name == "." || self.name == ".." {
            return invalid(format!(
                "chart.metadata.name {:?} is not allowed",
                self.name
            ));
        }
        if self.name != path_base(&self.name) {
            return invalid(format!("chart.metadata.name {:?} is invalid", self.name));
        }
        if self.version.is_empty() {
            return invalid("chart.metadata.version is required".into());
        }
        if !is_valid_semver(&self.version) {
            return invalid(format!(
                "chart.metadata.version {:?} is invalid",
                self.version
            ));
        }
        if !matches!(self.r#type.as_str(), "" | "application" | "library") {
            return invalid("chart.metadata.type must be application or library".into());
        }
        for m in &mut self.maintainers {
            let Some(m) = m else {
                return invalid("maintainers must not contain empty or null nodes".into());
            };
            m.name = sanitize(&m.name);
            m.email = sanitize(&m.email);
            m.url = sanitize(&m.url);
        }
        let mut seen = std::collections::HashSet::new();
        for d in &mut self.dependencies {
            let Some(d) = d else {
                return invalid("dependencies must not contain empty or null nodes".into());
            };
            for s in [
                &mut d.name,
                &mut d.version,
                &mut d.repository,
                &mut d.condition,
            ] {
                *s = sanitize(s);
            }
            for t in &mut d.tags {
                *t = sanitize(t);
            }
            let alias_ok = d
                .alias
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !alias_ok {
                return invalid(format!(
                    "dependency {:?} has disallowed characters in the alias",
                    d.name
                ));
            }
            if !seen.insert(d.key().to_string()) {
                return invalid(format!(
                    "more than one dependency with name or alias {:?}",
                    d.key()
                ));
            }
        }
        Ok(())
    }

    /// The declared dependencies, `null` entries skipped (validation refuses them).
    pub fn deps(&self) -> impl Iterator<Item = &Dependency> {
        self.dependencies.iter().flatten()
    }

    /// `.Chart` as Helm v4 builds it (`MetadataAsMap`): a `map[string]interface {}`
    /// keyed by the Go field names, with `IsRoot` added by the engine.
    pub fn to_value(&self, is_root: bool) -> Value {
        let strings = |items: &[String]| {
            Value::List(List::new(items.iter().map(|s| Value::str(s)).collect()))
        };
        let maintainers = self
            .maintainers
            .iter()
            .map(|m| match m {
                Some(m) => Value::Map(Map::new(Entries::from([
                    (Arc::from("Name"), Value::str(&m.name)),
                    (Arc::from("Email"), Value::str(&m.email)),
                    (Arc::from("URL"), Value::str(&m.url)),
                ]))),
                None => Value::Nil,
            })
            .collect();
        let dependencies = self
            .dependencies
            .iter()
            .map(|d| d.as_ref().map_or(Value::Nil, Dependency::to_value))
            .collect();
        let annotations = self
            .annotations
            .iter()
            .map(|(k, v)| (Arc::from(k.as_str()), Value::str(v)))
            .collect();
        let entries: Entries = [
            ("Name", Value::str(&self.name)),
            ("Home", Value::str(&self.home)),
            ("Sources", strings(&self.sources)),
            ("Version", Value::str(&self.version)),
            ("Description", Value::str(&self.description)),
            ("Keywords", strings(&self.keywords)),
            ("Maintainers", Value::List(List::new(maintainers))),
            ("Icon", Value::str(&self.icon)),
            ("APIVersion", Value::str(&self.api_version)),
            ("Condition", Value::str(&self.condition)),
            ("Tags", Value::str(&self.tags)),
            ("AppVersion", Value::str(&self.app_version)),
            ("Deprecated", Value::Bool(self.deprecated)),
            (
                "Annotations",
                Value::Map(Map::typed(annotations, ElemType::String, None)),
            ),
            ("KubeVersion", Value::str(&self.kube_version)),
            ("Dependencies", Value::List(List::new(dependencies))),
            ("Type", Value::str(&self.r#type)),
            ("IsRoot", Value::Bool(is_root)),
        ]
        .into_iter()
        .map(|(k, v)| (Arc::from(k), v))
        .collect();
        Value::Map(Map::new(entries))
    }
}

impl Dependency {
    /// A dependency as `.Chart.Dependencies` shows it (Helm's `structToMap`).
    fn to_value(&self) -> Value {
        let entries: Entries = [
            ("Name", Value::str(&self.name)),
            ("Version", Value::str(&self.version)),
            ("Repository", Value::str(&self.repository)),
            ("Condition", Value::str(&self.condition)),
            (
                "Tags",
                Value::List(List::new(self.tags.iter().map(|t| Value::str(t)).collect())),
            ),
            ("Enabled", Value::Bool(self.enabled)),
            (
                "ImportValues",
                Value::List(List::new(self.import_values.clone())),
            ),
            ("Alias", Value::str(&self.alias)),
        ]
        .into_iter()
        .map(|(k, v)| (Arc::from(k), v))
        .collect();
        Value::Map(Map::new(entries))
    }
}

/// A `[]*T` field of `Metadata`: `null` is empty, `null` items stay (validation
/// refuses them), anything else must be a map decoded by `decode`.
fn decode_struct_list<T>(
    value: &Json,
    field: &str,
    (list_type, item_type): (&'static str, &'static str),
    decode: impl Fn(&BTreeMap<String, Json>) -> Result<T, MetadataError>,
) -> Result<Vec<Option<T>>, MetadataError> {
    let place = || format!("struct field Metadata.{field}");
    let items = match value {
        Json::Null => return Ok(Vec::new()),
        Json::Seq(items) => items,
        other => return Err(type_error(other, place(), list_type)),
    };
    items
        .iter()
        .map(|item| match item {
            Json::Null => Ok(None),
            Json::Map(fields) => decode(fields).map(Some),
            other => Err(type_error(other, place(), item_type)),
        })
        .collect()
}

fn decode_dependencies(value: &Json) -> Result<Vec<Option<Dependency>>, MetadataError> {
    const FIELDS: &[&str] = &[
        "name",
        "version",
        "repository",
        "condition",
        "tags",
        "enabled",
        "import-values",
        "alias",
    ];
    decode_struct_list(
        value,
        "dependencies",
        ("[]*v2.Dependency", "v2.Dependency"),
        |fields| {
            let mut d = Dependency::default();
            for (key, v) in fields {
                let Some(field) = match_field(FIELDS, key) else {
                    continue;
                };
                let at = || format!("struct field Dependency.dependencies.{field}");
                match field {
                    "name" => set_string(&mut d.name, v, at)?,
                    "version" => set_string(&mut d.version, v, at)?,
                    "repository" => set_string(&mut d.repository, v, at)?,
                    "condition" => set_string(&mut d.condition, v, at)?,
                    "alias" => set_string(&mut d.alias, v, at)?,
                    "tags" => set_strings(&mut d.tags, v, at)?,
                    "enabled" => match v {
                        Json::Null => {}
                        Json::Bool(b) => d.enabled = *b,
                        other => return Err(type_error(other, at(), "bool")),
                    },
                    _ => match v {
                        Json::Null => d.import_values.clear(),
                        Json::Seq(items) => {
                            d.import_values = items
                                .iter()
                                .map(|i| i.to_value())
                                .collect::<Result<_, _>>()
                                .map_err(|source| MetadataError::Yaml {
                                    file: "Chart.yaml",
                                    source,
                                })?;
                        }
                        other => return Err(type_error(other, at(), "[]interface {}")),
                    },
                }
            }
            Ok(d)
        },
    )
}

fn decode_maintainers(value: &Json) -> Result<Vec<Option<Maintainer>>, MetadataError> {
    decode_struct_list(
        value,
        "maintainers",
        ("[]*v2.Maintainer", "v2.Maintainer"),
        |fields| {
            let mut m = Maintainer::default();
            for (key, v) in fields {
                let at = |f: &str| format!("struct field Maintainer.maintainers.{f}");
                match match_field(&["name", "email", "url"], key) {
                    Some("name") => set_string(&mut m.name, v, || at("name"))?,
                    Some("email") => set_string(&mut m.email, v, || at("email"))?,
                    Some("url") => set_string(&mut m.url, v, || at("url"))?,
                    _ => {}
                }
            }
            Ok(m)
        },
    )
}

/// The struct field `encoding/json` picks for a key: an exact match, else the
/// first case-insensitive one.
pub fn match_field<'a>(fields: &[&'a str], key: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|f| **f == key)
        .or_else(|| fields.iter().find(|f| f.eq_ignore_ascii_case(key)))
        .copied()
}

impl MetadataError {
    fn in_file(self, file: &'static str) -> MetadataError {
        match self {
            MetadataError::Yaml { source, .. } => MetadataError::Yaml { file, source },
            MetadataError::Type {
                found,
                place,
                target,
                ..
            } => MetadataError::Type {
                file,
                found,
                place,
                target,
            },
            other => other,
        }
    }
}

fn type_error(found: &Json, place: String, target: &'static str) -> MetadataError {
    MetadataError::Type {
        file: "Chart.yaml",
        found: found.json_kind(),
        place,
        target,
    }
}

/// Stores a JSON value into a Go string field. Numbers and booleans arrive as
/// strings (sigs.k8s.io/yaml converts them when the target is a string); `null`
/// leaves the field as it was.
fn set_string(
    field: &mut String,
    value: &Json,
    place: impl Fn() -> String,
) -> Result<(), MetadataError> {
    match json_as_string(value) {
        Ok(Some(s)) => *field = s,
        Ok(None) => {}
        Err(found) => return Err(type_error(found, place(), "string")),
    }
    Ok(())
}

fn set_strings(
    field: &mut Vec<String>,
    value: &Json,
    place: impl Fn() -> String,
) -> Result<(), MetadataError> {
    match value {
        Json::Null => field.clear(),
        Json::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let mut s = String::new();
                set_string(&mut s, item, &place)?;
                out.push(s);
            }
            *field = out;
        }
        other => return Err(type_error(other, place(), "[]string")),
    }
    Ok(())
}

/// A scalar as a Go string field receives it, `None` for `null`, or the value
/// itself when it can't be a string.
pub fn json_as_string(value: &Json) -> Result<Option<String>, &Json> {
    Ok(Some(match value {
        Json::Null => return Ok(None),
        Json::Str(s) => s.clone(),
        Json::Bool(b) => b.to_string(),
        Json::Int(i) => i.to_string(),
        Json::Uint(u) => u.to_string(),
        Json::Float(f) => yaml::format_float32_g(*f),
        other => return Err(other),
    }))
}

/// Helm's `sanitizeString`: white space becomes a plain space and characters
/// that don't print are dropped.
fn sanitize(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            if yaml::is_go_space(c) {
                Some(' ')
            } else if c.is_control() || is_format_char(c) {
                None
            } else {
                Some(c)
            }
        })
        .collect()
}

/// Unicode "format" characters (category Cf), which Go's `unicode.IsPrint` refuses.
fn is_format_char(c: char) -> bool {
    matches!(c,
        '\u{AD}' | '\u{600}'..='\u{605}' | '\u{61C}' | '\u{6DD}' | '\u{70F}'
        | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}' | '\u{E0001}' | '\u{E0020}'..='\u{E007F}')
}

/// Go's `filepath.Base` on a Unix path.
fn path_base(p: &str) -> &str {
    if p.is_empty() {
        return ".";
    }
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/";
    }
    match trimmed.rfind('/') {
        Some(i) => &trimmed[i + 1..],
        None => trimmed,
    }
}

/// Whether Masterminds/semver (v3, as Helm configures it) accepts a version:
/// `v?MAJOR[.MINOR[.PATCH]][-PRERELEASE][+METADATA]`, numbers fitting in 64 bits,
/// numeric prerelease parts without leading zeros.
pub fn is_valid_semver(v: &str) -> bool {
    let v = v.strip_prefix('v').unwrap_or(v);
    let (core, metadata) = match v.split_once('+') {
        Some((c, m)) => (c, Some(m)),
        None => (v, None),
    };
    let (numbers, pre) = match core.split_once('-') {
        Some((n, p)) => (n, Some(p)),
        None => (core, None),
    };
    let parts: Vec<&str> = numbers.split('.').collect();
    if parts.len() > 3 {
        return false;
    }
    let number_ok = |p: &&str| {
        !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u64>().is_ok()
    };
    if !parts.iter().all(number_ok) {
        return false;
    }
    let ident =
        |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if let Some(pre) = pre {
        for p in pre.split('.') {
            if !ident(p) {
                return false;
            }
            if p.bytes().all(|b| b.is_ascii_digit()) && p.len() > 1 && p.starts_with('0') {
                return false;
            }
        }
    }
    if let Some(m) = metadata
        && !m.split('.').all(ident)
    {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded(text: &str) -> Result<Metadata, String> {
        let mut md = Metadata::parse(text).map_err(|e| e.to_string())?;
        md.validate().map_err(|e| e.to_string())?;
        Ok(md)
    }

    /// What `{{ printf "%v" .Chart }}` printed in Helm for this Chart.yaml (keys in
    /// Go's order, values in the same form).
    fn shown(md: &Metadata) -> String {
        crate::gotmpl::fmt::sprint(&[md.to_value(true)])
    }

    #[test]
    fn numbers_in_string_fields_print_like_helm() {
        let md = loaded(
            "apiVersion: v2\nname: c\nversion: 1.0\nappVersion: 1.10\n\
             description: \"a\\tb\\x01c\"\nkeywords: [1, true, x]\n\
             annotations: {a: 1, b: yes}\nmaintainers:\n  - name: m\n    Email: e@x\n\
             sources: [s]\ndeprecated: yes\nType: application\nhome: 12345678\n\
             icon: 1e3\nkubeVersion: \">=1.0\"\n",
        )
        .unwrap();
        assert_eq!(
            shown(&md),
            "map[APIVersion:v2 Annotations:map[a:1 b:true] AppVersion:1.1 Condition: \
             Dependencies:[] Deprecated:true Description:a bc Home:12345678 Icon:1000 \
             IsRoot:true Keywords:[1 true x] KubeVersion:>=1.0 Maintainers:[map[Email:e@x \
             Name:m URL:]] Name:c Sources:[s] Tags: Type:application Version:1]"
        );
    }

    #[test]
    fn helm_messages_for_bad_charts() {
        let err = |t: &str| loaded(t).unwrap_err();
        assert_eq!(
            err("apiVersion: v2\nname: c\nversion: 1.0.0\nmaintainers: [null]"),
            "validation: maintainers must not contain empty or null nodes"
        );
        assert_eq!(
            err("apiVersion: v2\nname: c\nversion: 1.2.3-01"),
            "validation: chart.metadata.version \"1.2.3-01\" is invalid"
        );
        assert_eq!(
            err("apiVersion: v2\nname: c\nversion: [1]"),
            "cannot load Chart.yaml: error unmarshaling JSON: while decoding JSON: json: \
             cannot unmarshal array into Go struct field Metadata.version of type string"
        );
        // Helm's words for list items of the wrong shape (checked with helm-ref).
        assert_eq!(
            err("apiVersion: v2\nname: c\nversion: 1.0.0\ndependencies: [{name: x}, 5]"),
            "cannot load Chart.yaml: error unmarshaling JSON: while decoding JSON: json: \
             cannot unmarshal number into Go struct field Metadata.dependencies of type v2.Dependency"
        );
        assert_eq!(
            err("apiVersion: v2\nname: c\nversion: 1.0.0\nmaintainers: [{name: [5]}]"),
            "cannot load Chart.yaml: error unmarshaling JSON: while decoding JSON: json: \
             cannot unmarshal array into Go struct field Maintainer.maintainers.name of type string"
        );
        assert_eq!(
            err("apiVersion: v2\nversion: 1.0.0"),
            "validation: chart.metadata.name is required"
        );
        assert_eq!(
            err("apiVersion: v2\nname: c\nversion: 1.0.0\ntype: foo"),
            "validation: chart.metadata.type must be application or library"
        );
        assert_eq!(
            err("apiVersion: v2\nname: c/d\nversion: 1.0.0"),
            "validation: chart.metadata.name \"c/d\" is invalid"
        );
    }

    #[test]
    fn api_version_defaults_to_v1() {
        assert_eq!(loaded("name: c\nversion: 1.0.0").unwrap().api_version, "v1");
    }

    #[test]
    fn semver_as_masterminds_reads_it() {
        for ok in [
            "1.0.0",
            "01.2.3",
            "v1.2",
            "1",
            "1.2.3-beta.1+b.2",
            "1.2.3-0a",
        ] {
            assert!(is_valid_semver(ok), "{ok}");
        }
        for bad in [
            "1.2.3-01",
            "1.2.3.4",
            "",
            "x",
            "1.2.3-",
            "1.2.3+",
            "1..2",
            "99999999999999999999",
        ] {
            assert!(!is_valid_semver(bad), "{bad}");
        }
    }
}
