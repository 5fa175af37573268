//! `.Capabilities`: what Helm assumes about the cluster when it has none to ask.
//!
//! Owns the client-only defaults `helm template` renders with (Kubernetes and Helm
//! versions, the built-in API versions) and the Go structs templates see, with
//! Helm's type names and `%v` forms. The numbers are those of the Helm build
//! wheelhouse is checked against (`helm-ref capabilities`): Helm v4.2.3, built
//! with client-go for Kubernetes 1.36.

use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

use regex::Regex;

use crate::gotmpl::{Func, Object, Param, Value};

/// The Kubernetes version Helm assumes without a cluster.
pub const KUBE_VERSION: &str = "v1.36.0";
pub const KUBE_MAJOR: &str = "1";
pub const KUBE_MINOR: &str = "36";
/// `.Capabilities.HelmVersion.Version` of the Helm release we match.
pub const HELM_VERSION: &str = "v4.2";
/// The Go toolchain that Helm build was made with, shown in `HelmVersion`.
pub const HELM_GO_VERSION: &str = "go1.26.6";
/// The client-go version of that Helm build, as Helm names it.
pub const HELM_KUBE_CLIENT_VERSION: &str = "v1.36";

/// The API versions Helm's client-only capabilities list, in Helm's order.
pub const DEFAULT_API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "internal.apiserver.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
    "resource.k8s.io/v1",
    "resource.k8s.io/v1beta2",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1alpha2",
    "scheduling.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storagemigration.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
];

/// Helm's `*common.Capabilities`.
#[derive(Clone)]
pub struct Capabilities {
    kube_version: Arc<KubeVersion>,
    api_versions: Arc<VersionSet>,
    helm_version: Arc<BuildInfo>,
}

impl Capabilities {
    /// The capabilities `helm template` renders with (no cluster is asked).
    pub fn client_only() -> Capabilities {
        Capabilities {
            kube_version: Arc::new(KubeVersion {
                version: KUBE_VERSION.into(),
                normalized: KUBE_VERSION.into(),
                major: KUBE_MAJOR.into(),
                minor: KUBE_MINOR.into(),
            }),
            api_versions: Arc::new(VersionSet(
                DEFAULT_API_VERSIONS.iter().map(|s| s.to_string()).collect(),
            )),
            helm_version: Arc::new(BuildInfo {
                version: HELM_VERSION.into(),
                git_commit: String::new(),
                git_tree_state: String::new(),
                go_version: HELM_GO_VERSION.into(),
                kube_client_version: HELM_KUBE_CLIENT_VERSION.into(),
            }),
        }
    }

    pub fn kube_version(&self) -> &KubeVersion {
        &self.kube_version
    }

    /// `--kube-version`: another Kubernetes version than Helm's default.
    pub fn with_kube_version(mut self, version: KubeVersion) -> Capabilities {
        self.kube_version = Arc::new(version);
        self
    }

    /// The server's group/versions and group/version/kinds, replacing the
    /// client-only defaults (Helm's `getCapabilities` against a cluster).
    pub fn with_api_versions(mut self, versions: Vec<String>) -> Capabilities {
        self.api_versions = Arc::new(VersionSet(versions));
        self
    }

    /// `--api-versions`: added after Helm's defaults, as Helm appends them.
    pub fn with_extra_api_versions(mut self, extra: Vec<String>) -> Capabilities {
        if !extra.is_empty() {
            let mut all = self.api_versions.0.clone();
            all.extend(extra);
            self.api_versions = Arc::new(VersionSet(all));
        }
        self
    }
}

impl Object for Capabilities {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed("*common.Capabilities")
    }

    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "KubeVersion" => Some(Value::Object(self.kube_version.clone())),
            "APIVersions" => Some(Value::Object(self.api_versions.clone())),
            "HelmVersion" => Some(Value::Object(self.helm_version.clone())),
            _ => None,
        }
    }

    fn format_v(&self) -> String {
        format!(
            "&{{{} {} {}}}",
            self.kube_version.format_v(),
            self.api_versions.format_v(),
            self.helm_version.format_v()
        )
    }
}

fn go_quote(s: &str) -> String {
    crate::gotmpl::fmt::quote(s)
}

/// Helm's `common.KubeVersion`. Its `String` and `GitVersion` methods have pointer
/// receivers: a template printing `.Capabilities.KubeVersion` gets `String()`,
/// while `printf "%v"` of the value prints the struct.
pub struct KubeVersion {
    version: String,
    normalized: String,
    major: String,
    minor: String,
}

impl KubeVersion {
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Helm's `ParseKubeVersion`: Kubernetes' generic version syntax
    /// (`v?MAJOR.MINOR[.more][anything]`), keeping the text as given (with a `v`)
    /// and its numbers for range checks. The error is worded as Kubernetes words it.
    pub fn parse(text: &str) -> Result<KubeVersion, String> {
        static VERSION: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"^\s*v?([0-9]+(?:\.[0-9]+)*)(.*)*$").unwrap_or_else(|_| unreachable!())
        });
        let Some(numbers) = VERSION.captures(text).and_then(|c| c.get(1)) else {
            return Err(format!("could not parse {} as version", go_quote(text)));
        };
        let numbers = numbers.as_str();
        let components: Vec<&str> = numbers.split('.').collect();
        if components.len() < 2 {
            return Err(format!("illegal version string {}", go_quote(text)));
        }
        let mut parsed = Vec::with_capacity(components.len());
        for (i, comp) in components.iter().enumerate() {
            if i == 0 && comp.starts_with('0') && *comp != "0" {
                return Err(format!(
                    "illegal zero-prefixed version component {} in {}",
                    go_quote(comp),
                    go_quote(text)
                ));
            }
            let n: u64 = comp.parse().map_err(|_| {
                format!(
                    "illegal non-numeric version component {} in {}: strconv.ParseUint: parsing {}: value out of range",
                    go_quote(comp),
                    go_quote(text),
                    go_quote(comp)
                )
            })?;
            parsed.push(n.to_string());
        }
        let version = if text.starts_with('v') {
            text.to_string()
        } else {
            format!("v{text}")
        };
        Ok(KubeVersion {
            version,
            normalized: format!("v{}", parsed.join(".")),
            major: parsed[0].clone(),
            minor: parsed[1].clone(),
        })
    }

    /// Helm's `KubeVersion.String()`: the normalized version when there is one.
    pub fn string(&self) -> &str {
        if self.normalized.is_empty() {
            &self.version
        } else {
            &self.normalized
        }
    }
}

impl Object for KubeVersion {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed("common.KubeVersion")
    }

    fn kind(&self) -> &'static str {
        "struct"
    }

    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Version" => Some(Value::str(&self.version)),
            "Major" => Some(Value::str(&self.major)),
            "Minor" => Some(Value::str(&self.minor)),
            _ => None,
        }
    }

    fn method(&self, name: &str) -> Option<Func> {
        let text = match name {
            "String" => self.string(),
            "GitVersion" => &self.version,
            _ => return None,
        };
        let text = Value::str(text);
        Some(Func::pure(&[], None, move |_| Ok(text.clone())))
    }

    fn format_v(&self) -> String {
        format!(
            "{{{} {} {} {}}}",
            self.version, self.normalized, self.major, self.minor
        )
    }

    fn format_action(&self) -> Option<String> {
        Some(self.string().to_string())
    }
}

/// Helm's `common.VersionSet`: a `[]string` with a `Has` method.
pub struct VersionSet(Vec<String>);

impl VersionSet {
    pub fn versions(&self) -> &[String] {
        &self.0
    }
}

impl Object for VersionSet {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed("common.VersionSet")
    }

    fn kind(&self) -> &'static str {
        "slice"
    }

    fn field(&self, _name: &str) -> Option<Value> {
        None
    }

    fn method(&self, name: &str) -> Option<Func> {
        if name != "Has" {
            return None;
        }
        let versions = self.0.clone();
        Some(Func::pure(&[Param::String], None, move |args| {
            let wanted = args.first().and_then(Value::as_str).unwrap_or_default();
            Ok(Value::Bool(versions.iter().any(|v| v == wanted)))
        }))
    }

    fn format_v(&self) -> String {
        format!("[{}]", self.0.join(" "))
    }
}

/// Helm's `version.BuildInfo`.
pub struct BuildInfo {
    version: String,
    git_commit: String,
    git_tree_state: String,
    go_version: String,
    kube_client_version: String,
}

impl Object for BuildInfo {
    fn type_name(&self) -> Cow<'_, str> {
        Cow::Borrowed("version.BuildInfo")
    }

    fn kind(&self) -> &'static str {
        "struct"
    }

    fn field(&self, name: &str) -> Option<Value> {
        Some(Value::str(match name {
            "Version" => &self.version,
            "GitCommit" => &self.git_commit,
            "GitTreeState" => &self.git_tree_state,
            "GoVersion" => &self.go_version,
            "KubeClientVersion" => &self.kube_client_version,
            _ => return None,
        }))
    }

    fn format_v(&self) -> String {
        format!(
            "{{{} {} {} {} {}}}",
            self.version,
            self.git_commit,
            self.git_tree_state,
            self.go_version,
            self.kube_client_version
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected strings are what Helm printed with `printf "%v"` (helm-ref render).
    #[test]
    fn prints_like_helm() {
        let caps = Capabilities::client_only();
        assert!(
            caps.format_v()
                .starts_with("&{{v1.36.0 v1.36.0 1 36} [v1 admissionregistration.k8s.io/v1 ")
        );
        assert!(
            caps.format_v()
                .ends_with(" apiextensions.k8s.io/v1] {v4.2   go1.26.6 v1.36}}")
        );
        let Some(Value::Object(kv)) = caps.field("KubeVersion") else {
            panic!("no KubeVersion")
        };
        assert_eq!(kv.format_v(), "{v1.36.0 v1.36.0 1 36}");
        assert_eq!(kv.type_name(), "common.KubeVersion");
        assert!(kv.method("GitVersion").is_some());
        assert!(kv.method("String").is_some());
        let Some(Value::Object(apis)) = caps.field("APIVersions") else {
            panic!("no APIVersions")
        };
        assert!(apis.method("Has").is_some());
        assert!(apis.method("Nope").is_none());
        assert_eq!(DEFAULT_API_VERSIONS.len(), 55);
    }
}
