//! The optional state file: every object and the resourceVersion counter, saved
//! atomically (a temporary file renamed over the old one) so a restart finds
//! the cluster as it was. A file that cannot be read back is an error, never
//! silently replaced.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::api::Cluster;

/// The format written; files of other versions are refused.
pub const STATE_VERSION: u64 = 1;
const STATE_KIND: &str = "WheelhouseSandboxState";

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot read or write the sandbox state file {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "sandbox state file {path} is corrupt ({reason}); move it away to start with an empty cluster"
    )]
    Corrupt { path: PathBuf, reason: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StateError + '_ {
    move |source| StateError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes the cluster's objects to `path` atomically.
pub fn save(cluster: &Cluster, path: &Path) -> Result<(), StateError> {
    let objects: Vec<Value> = cluster
        .store
        .snapshot()
        .into_iter()
        .map(|(resource, namespace, name, object)| {
            json!({"resource": resource, "namespace": namespace, "name": name, "object": object.value()})
        })
        .collect();
    let doc = json!({
        "kind": STATE_KIND,
        "version": STATE_VERSION,
        "resourceVersion": cluster.store.revision(),
        "nextClusterIP": cluster.next_cluster_ip,
        "nextNodePort": cluster.next_node_port,
        "objects": objects,
    });
    let text = serde_json::to_vec(&doc).map_err(|e| StateError::Corrupt {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// Loads `path` into a fresh cluster; a missing file leaves the cluster as is.
pub fn load(cluster: &mut Cluster, path: &Path) -> Result<(), StateError> {
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(path)(e)),
    };
    let corrupt = |reason: String| StateError::Corrupt {
        path: path.to_path_buf(),
        reason,
    };
    let doc: Value = serde_json::from_slice(&text).map_err(|e| corrupt(e.to_string()))?;
    if doc.get("kind").and_then(Value::as_str) != Some(STATE_KIND) {
        return Err(corrupt(format!("kind is not {STATE_KIND}")));
    }
    if doc.get("version").and_then(Value::as_u64) != Some(STATE_VERSION) {
        return Err(corrupt(format!("version is not {STATE_VERSION}")));
    }
    let rv = doc
        .get("resourceVersion")
        .and_then(Value::as_u64)
        .ok_or_else(|| corrupt("resourceVersion is missing".into()))?;
    let items = doc
        .get("objects")
        .and_then(Value::as_array)
        .ok_or_else(|| corrupt("objects is missing".into()))?;
    let mut objects = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let field = |f: &str| {
            item.get(f)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| corrupt(format!("objects[{i}].{f} is missing")))
        };
        let object = item
            .get("object")
            .filter(|o| o.is_object())
            .cloned()
            .ok_or_else(|| corrupt(format!("objects[{i}].object is missing")))?;
        objects.push((
            field("resource")?,
            field("namespace")?,
            field("name")?,
            object,
        ));
    }
    // The saved objects replace the initial ones.
    let mut fresh = super::store::Store::new(cluster.settings.watch_history);
    for (_, obj) in objects
        .iter()
        .filter(|(r, ..)| r == "apiextensions.k8s.io/customresourcedefinitions")
        .map(|(r, n, m, o)| ((r, n, m), o))
    {
        cluster.registry.register_crd(obj).map_err(corrupt)?;
    }
    fresh.restore(rv, objects);
    cluster.store = fresh;
    if let Some(ip) = doc.get("nextClusterIP").and_then(Value::as_u64) {
        cluster.next_cluster_ip = u32::try_from(ip).unwrap_or(cluster.next_cluster_ip);
    }
    if let Some(port) = doc.get("nextNodePort").and_then(Value::as_u64) {
        cluster.next_node_port = u32::try_from(port).unwrap_or(cluster.next_node_port);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::sandbox::api::Settings;

    fn cluster() -> Cluster {
        Cluster::new(Settings {
            ready_delay: Duration::ZERO,
            server_address: String::new(),
            watch_history: 10,
        })
    }

    #[test]
    fn round_trip_keeps_objects_revision_and_custom_kinds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let mut c = cluster();
        let crds = c
            .registry
            .find("apiextensions.k8s.io", "v1", "customresourcedefinitions")
            .unwrap()
            .clone();
        let crd = json!({"metadata": {"name": "gadgets.example.com"}, "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "gadgets", "kind": "Gadget"}, "versions": [{"name": "v1", "served": true, "storage": true}]}});
        c.create_object(&crds, "", crd, false, None).unwrap();
        save(&c, &path).unwrap();
        assert!(
            !path.with_extension("tmp").exists(),
            "the temporary file was renamed"
        );
        let mut restored = cluster();
        load(&mut restored, &path).unwrap();
        assert_eq!(restored.store.revision(), c.store.revision());
        assert!(
            restored
                .registry
                .find("example.com", "v1", "gadgets")
                .is_some()
        );
        assert!(restored.store.get("/namespaces", "", "default").is_some());
    }

    #[test]
    fn missing_files_are_fine_and_bad_ones_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        load(&mut cluster(), &path).unwrap();
        for (text, reason) in [
            ("not json", "expected ident"),
            (
                "{\"kind\": \"Other\"}",
                "kind is not WheelhouseSandboxState",
            ),
            (
                "{\"kind\": \"WheelhouseSandboxState\", \"version\": 9}",
                "version is not 1",
            ),
            (
                "{\"kind\": \"WheelhouseSandboxState\", \"version\": 1, \"resourceVersion\": 3, \"objects\": [{}]}",
                "objects[0].object is missing",
            ),
        ] {
            std::fs::write(&path, text).unwrap();
            let err = load(&mut cluster(), &path).unwrap_err().to_string();
            assert!(err.contains(reason) && err.contains("state.json"), "{err}");
        }
    }
}
