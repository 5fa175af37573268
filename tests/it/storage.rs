//! Release storage against real backends: one lifecycle story run against
//! the memory, secret and configmap drivers (the last two on a sandbox), and
//! compatibility both ways with real Helm (helm-ref) on the same sandbox.
//! One sandbox serves the module; each test works in its own namespaces.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Instant;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, ListParams, PostParams};
use serde_json::{Value, json};
use wheelhouse::release::codec::{self, MAX_DECODED_RELEASE_BYTES, decode_json, to_go_json};
use wheelhouse::release::{Release, Status};
use wheelhouse::storage::seed::{SeedPlan, sample_release, seed};

use crate::fixtures::{
    HelmRef, SharedSandbox, create_namespaces, helm_ref, helm_statuses, without_helm, write_chart,
};
use crate::lifecycle::{Story, labelled, versions};
use wheelhouse::storage::{
    ConfigMaps, Driver, MAX_RECORD_BYTES, Memory, PAGE_SIZE, Secrets, Storage, StorageError,
    record_key,
};

static SANDBOX: SharedSandbox = SharedSandbox::new();

async fn client() -> kube::Client {
    SANDBOX.client().await
}

/// The drivers that keep records in the cluster, by Helm's `--driver` name.
const KUBE_DRIVERS: [&str; 2] = ["secret", "configmap"];

fn kube_driver(kind: &str, client: kube::Client) -> Box<dyn Driver> {
    match kind {
        "secret" => Box::new(Secrets::new(client)),
        _ => Box::new(ConfigMaps::new(client)),
    }
}

#[tokio::test]
async fn lifecycle_in_memory() {
    for story in [Story::Driver, Story::Storage] {
        story.run(Box::new(Memory::new()), "mem-a", "mem-b").await;
    }
}

#[tokio::test]
async fn lifecycle_in_secrets() {
    let c = client().await;
    create_namespaces(&c, &["sec-a", "sec-b", "sec-c", "sec-d"]).await;
    Story::Driver
        .run(kube_driver("secret", c.clone()), "sec-a", "sec-b")
        .await;
    Story::Storage
        .run(kube_driver("secret", c), "sec-c", "sec-d")
        .await;
}

#[tokio::test]
async fn lifecycle_in_configmaps() {
    let c = client().await;
    create_namespaces(&c, &["cm-a", "cm-b", "cm-c", "cm-d"]).await;
    Story::Driver
        .run(kube_driver("configmap", c.clone()), "cm-a", "cm-b")
        .await;
    Story::Storage
        .run(kube_driver("configmap", c), "cm-c", "cm-d")
        .await;
}

#[tokio::test]
async fn records_are_kept_as_helm_keeps_them() {
    let c = client().await;
    create_namespaces(&c, &["shape"]).await;
    let release = labelled(sample_release("shape", "web", 1, Status::PendingInstall));
    Secrets::new(c.clone()).create(&release).await.unwrap();
    ConfigMaps::new(c.clone()).create(&release).await.unwrap();
    let key = "sh.helm.release.v1.web.v1";
    let secret = Api::<Secret>::namespaced(c.clone(), "shape")
        .get(key)
        .await
        .unwrap();
    let cm = Api::<ConfigMap>::namespaced(c.clone(), "shape")
        .get(key)
        .await
        .unwrap();
    assert_eq!(secret.type_.as_deref(), Some("helm.sh/release.v1"));
    let secret_body = String::from_utf8(secret.data.unwrap()["release"].0.clone()).unwrap();
    let cm_body = cm.data.unwrap()["release"].clone();
    for (labels, body) in [
        (secret.metadata.labels.unwrap(), secret_body),
        (cm.metadata.labels.unwrap(), cm_body),
    ] {
        assert_eq!(codec::decode(&body).unwrap().manifest, release.manifest);
        let created: i64 = labels["createdAt"].parse().unwrap();
        assert!((created - chrono_now()).abs() < 60, "{labels:?}");
        let rest: BTreeMap<&str, &str> = labels
            .iter()
            .filter(|(k, _)| *k != "createdAt")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            rest,
            BTreeMap::from([
                ("name", "web"),
                ("owner", "helm"),
                ("status", "pending-install"),
                ("team", "blue"),
                ("version", "1"),
            ])
        );
    }
    // An update replaces the labels: modifiedAt now, createdAt gone (as Helm).
    let mut read = Secrets::new(c.clone())
        .get("shape", "web", 1)
        .await
        .unwrap();
    read.info.as_mut().unwrap().status = Status::Deployed;
    Secrets::new(c.clone()).update(&read).await.unwrap();
    let labels = Api::<Secret>::namespaced(c, "shape")
        .get(key)
        .await
        .unwrap()
        .metadata
        .labels
        .unwrap();
    assert!(labels.contains_key("modifiedAt") && !labels.contains_key("createdAt"));
    assert_eq!(labels["status"], "deployed");
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A body that is not a release, in each of the ways a record can be broken.
fn broken_bodies() -> Vec<(&'static str, String)> {
    let mut bad_gzip = vec![0x1f, 0x8b, 0x08];
    bad_gzip.extend_from_slice(b"definitely not deflate");
    vec![
        ("bad-base64", "not base64!".to_owned()),
        ("bad-gzip", STANDARD.encode(bad_gzip)),
        ("bad-json", STANDARD.encode("{this is not json")),
    ]
}

/// An object holding `body` exactly as a driver would, with `labels`.
async fn put_raw(
    c: &kube::Client,
    kind: &str,
    ns: &str,
    name: &str,
    labels: &[(&str, &str)],
    body: String,
) {
    let metadata = ObjectMeta {
        name: Some(name.to_owned()),
        labels: Some(
            labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        ),
        ..ObjectMeta::default()
    };
    if kind == "secret" {
        let secret = Secret {
            metadata,
            type_: Some("helm.sh/release.v1".into()),
            data: Some(BTreeMap::from([(
                "release".to_owned(),
                ByteString(body.into_bytes()),
            )])),
            ..Secret::default()
        };
        Api::<Secret>::namespaced(c.clone(), ns)
            .create(&PostParams::default(), &secret)
            .await
            .unwrap();
    } else {
        let cm = ConfigMap {
            metadata,
            data: Some(BTreeMap::from([("release".to_owned(), body)])),
            ..ConfigMap::default()
        };
        Api::<ConfigMap>::namespaced(c.clone(), ns)
            .create(&PostParams::default(), &cm)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn corrupt_records_are_reported_by_name_and_hide_nothing() {
    let c = client().await;
    for kind in KUBE_DRIVERS {
        let ns = format!("corrupt-{kind}");
        create_namespaces(&c, &[&ns]).await;
        let driver = kube_driver(kind, c.clone());
        driver
            .create(&sample_release(&ns, "good", 1, Status::Deployed))
            .await
            .unwrap();
        for (name, body) in broken_bodies() {
            let labels = [
                ("name", name),
                ("owner", "helm"),
                ("status", "deployed"),
                ("version", "1"),
            ];
            put_raw(&c, kind, &ns, &record_key(name, 1), &labels, body).await;
        }
        // Labels gone: the object's name still places the record...
        let good_body =
            codec::encode(&sample_release(&ns, "unlabelled", 2, Status::Failed)).unwrap();
        put_raw(
            &c,
            kind,
            &ns,
            "sh.helm.release.v1.unlabelled.v2",
            &[("owner", "helm")],
            good_body,
        )
        .await;
        // ...and when that is no record name either, decoding decides.
        put_raw(
            &c,
            kind,
            &ns,
            "hand-made",
            &[("owner", "helm")],
            "%%%".into(),
        )
        .await;

        let storage = Storage::new(driver);
        let (latest, skipped) = storage.latest(Some(&ns)).await.unwrap();
        assert_eq!(
            versions(&latest),
            vec![
                (ns.clone(), "good".into(), 1),
                (ns.clone(), "unlabelled".into(), 2)
            ],
            "{kind}"
        );
        assert_eq!(latest[1].status(), Status::Failed);
        let mut skipped_keys: Vec<&str> = skipped.iter().map(|s| s.key.as_str()).collect();
        skipped_keys.sort_unstable();
        assert_eq!(
            skipped_keys,
            vec![
                "hand-made",
                "sh.helm.release.v1.bad-base64.v1",
                "sh.helm.release.v1.bad-gzip.v1",
                "sh.helm.release.v1.bad-json.v1",
            ],
            "{kind}"
        );
        for s in &skipped {
            let message = s.error.to_string();
            assert!(
                message.contains(&s.key) && message.contains(&ns),
                "{message}"
            );
        }
        let err = storage.get(&ns, "bad-gzip", Some(1)).await.unwrap_err();
        assert!(
            err.to_string()
                .contains("sh.helm.release.v1.bad-gzip.v1 in namespace")
                && err.to_string().contains("not valid gzip"),
            "{err}"
        );
        // Helm's delete reads the record first and refuses one it can't decode.
        assert!(matches!(
            storage.driver().delete(&ns, "bad-json", 1).await,
            Err(StorageError::Corrupt { .. })
        ));
    }
}

/// A manifest of `len` characters that gzip can't shrink much, so a body's
/// size follows the manifest's.
fn noise(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ALPHABET[(state % 64) as usize] as char
        })
        .collect()
}

fn with_noise(ns: &str, name: &str, len: usize) -> Release {
    let mut release = sample_release(ns, name, 1, Status::Deployed);
    release.manifest = noise(len);
    release
}

/// A release whose encoded body is exactly `size` bytes.
fn release_of_encoded_size(ns: &str, name: &str, size: usize) -> Release {
    let encoded = |len| codec::encode(&with_noise(ns, name, len)).unwrap().len();
    // The smallest manifest reaching the size, then its neighbours.
    let (mut low, mut high) = (0, size * 2);
    while low < high {
        let mid = (low + high) / 2;
        if encoded(mid) < size {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    let len = (low.saturating_sub(8)..low + 8)
        .find(|&len| encoded(len) == size)
        .expect("a manifest length gives the exact body size");
    with_noise(ns, name, len)
}

#[tokio::test]
async fn records_past_the_object_limit_are_refused_before_sending() {
    let c = client().await;
    for kind in KUBE_DRIVERS {
        let ns = format!("limit-{kind}");
        create_namespaces(&c, &[&ns]).await;
        let driver = kube_driver(kind, c.clone());
        let big = with_noise(&ns, "big", MAX_RECORD_BYTES + 4096);
        let err = driver.create(&big).await.unwrap_err();
        assert!(
            matches!(&err, StorageError::TooLarge { key, size, limit, .. }
                if key == "sh.helm.release.v1.big.v1" && *size > MAX_RECORD_BYTES && *limit == MAX_RECORD_BYTES),
            "{err}"
        );
        assert!(
            err.to_string().contains("sh.helm.release.v1.big.v1"),
            "{err}"
        );
        assert!(driver.get(&ns, "big", 1).await.unwrap_err().is_not_found());
        // An update past the limit is refused the same way and changes nothing.
        let small = sample_release(&ns, "big", 1, Status::Deployed);
        driver.create(&small).await.unwrap();
        assert!(matches!(
            driver.update(&big).await,
            Err(StorageError::TooLarge { .. })
        ));
        assert_eq!(
            driver.get(&ns, "big", 1).await.unwrap().manifest,
            small.manifest
        );
    }
    // Exactly at the limit a Secret is stored. (The sandbox counts a
    // ConfigMap's keys too, unlike Kubernetes, so only Secrets are checked here.)
    let at_limit = release_of_encoded_size("limit-secret", "edge", MAX_RECORD_BYTES);
    let driver = kube_driver("secret", c.clone());
    driver.create(&at_limit).await.unwrap();
    assert_eq!(
        driver
            .get("limit-secret", "edge", 1)
            .await
            .unwrap()
            .manifest,
        at_limit.manifest
    );
}

#[tokio::test]
async fn scans_page_through_more_records_than_one_page() {
    let c = client().await;
    create_namespaces(&c, &["paged"]).await;
    let driver = kube_driver("secret", c.clone());
    let plan = SeedPlan {
        namespaces: vec!["paged".into()],
        releases: 110,
        revisions: 10,
        concurrency: 8,
    };
    assert_eq!(seed(driver.as_ref(), &plan).await.unwrap(), 1100);
    // The server does page at PAGE_SIZE, so all 1,100 come back only if the
    // scan follows its continue tokens.
    let first_page = Api::<Secret>::namespaced(c, "paged")
        .list(&ListParams::default().labels("owner=helm").limit(PAGE_SIZE))
        .await
        .unwrap();
    assert_eq!(first_page.items.len(), PAGE_SIZE as usize);
    assert!(first_page.metadata.continue_.is_some_and(|t| !t.is_empty()));
    let storage = Storage::new(driver);
    let (latest, skipped) = storage.latest(Some("paged")).await.unwrap();
    assert!(skipped.is_empty());
    assert_eq!(latest.len(), 110);
    assert!(
        latest
            .iter()
            .all(|r| r.version == 10 && r.status() == Status::Deployed)
    );
    let (history, _) = storage.history("paged", "rel-00042").await.unwrap();
    assert_eq!(history.len(), 10);
}

/// `latest` over all namespaces fetches a namespace's bodies as soon as the
/// listing has moved past it; every release still comes back once, at its
/// highest revision, whichever page its revisions were on.
#[tokio::test]
async fn latest_across_namespaces_and_pages() {
    let c = client().await;
    let names = ["spread-a", "spread-b", "spread-c"];
    create_namespaces(&c, &names).await;
    let driver = kube_driver("secret", c.clone());
    let plan = SeedPlan {
        namespaces: names.iter().map(|n| n.to_string()).collect(),
        releases: 300,
        revisions: 3,
        concurrency: 8,
    };
    assert_eq!(seed(driver.as_ref(), &plan).await.unwrap(), 900);
    let storage = Storage::new(driver);
    let (latest, skipped) = storage.latest(None).await.unwrap();
    // Other tests share the sandbox, some with records made unreadable.
    assert!(
        skipped.iter().all(|s| !s.namespace.starts_with("spread-")),
        "{skipped:?}"
    );
    let ours: Vec<_> = latest
        .iter()
        .filter(|r| r.namespace.starts_with("spread-"))
        .collect();
    assert_eq!(ours.len(), 300);
    for name in names {
        assert_eq!(ours.iter().filter(|r| r.namespace == name).count(), 100);
    }
    assert!(
        ours.iter()
            .all(|r| r.version == 3 && r.status() == Status::Deployed)
    );
}

fn helm(driver: &str, ns: &str, args: &[&str]) -> Value {
    HelmRef::new(SANDBOX.kubeconfig(), driver, ns).ok(args)
}

const DEMO_CHART: [(&str, &str); 4] = [
    (
        "Chart.yaml",
        "apiVersion: v2\nname: demo\nversion: 0.1.0\nappVersion: \"1.0\"\n",
    ),
    ("values.yaml", "a: x\n"),
    (
        "templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  a: {{ .Values.a | quote }}\n",
    ),
    (
        "templates/NOTES.txt",
        "Installed <{{ .Release.Name }}> & more\n",
    ),
];

/// The JSON Helm stored in a record, straight from the object.
async fn stored_json(c: &kube::Client, kind: &str, ns: &str, key: &str) -> Vec<u8> {
    let body = if kind == "secret" {
        let secret = Api::<Secret>::namespaced(c.clone(), ns)
            .get(key)
            .await
            .unwrap();
        secret.data.unwrap()["release"].0.clone()
    } else {
        let cm = Api::<ConfigMap>::namespaced(c.clone(), ns)
            .get(key)
            .await
            .unwrap();
        cm.data.unwrap()["release"].clone().into_bytes()
    };
    decode_json(&body, MAX_DECODED_RELEASE_BYTES).unwrap()
}

#[tokio::test]
async fn what_helm_writes_reads_back_byte_for_byte() {
    if without_helm() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let chart = write_chart(dir.path(), "demo", &DEMO_CHART);
    let c = client().await;
    for kind in KUBE_DRIVERS {
        let ns = format!("from-helm-{kind}");
        helm(
            kind,
            &ns,
            &[
                "install",
                "r",
                &chart,
                "--create-namespace",
                "--label",
                "team=red",
            ],
        );
        helm(kind, &ns, &["upgrade", "r", &chart, "--set", "a=y"]);
        helm(kind, &ns, &["upgrade", "r", &chart, "--set", "a=<z>"]);
        let storage = Storage::new(kube_driver(kind, c.clone()));
        let (history, skipped) = storage.history(&ns, "r").await.unwrap();
        assert!(skipped.is_empty(), "{skipped:?}");
        assert_eq!(
            history
                .iter()
                .map(|r| (r.version, r.status()))
                .collect::<Vec<_>>(),
            vec![
                (1, Status::Superseded),
                (2, Status::Superseded),
                (3, Status::Deployed)
            ],
            "{kind}"
        );
        for release in &history {
            let helms = stored_json(&c, kind, &ns, &record_key("r", release.version)).await;
            let ours = to_go_json(release).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&helms),
                "{kind} revision {}",
                release.version
            );
            assert_eq!(release.labels["team"], "red");
        }
        let (latest, _) = storage.latest(Some(&ns)).await.unwrap();
        assert_eq!(versions(&latest), vec![(ns.clone(), "r".into(), 3)]);
        assert_eq!(latest[0].config["a"], "<z>");
    }
}

#[tokio::test]
async fn what_we_write_helm_lists_shows_and_rolls_back_to() {
    if without_helm() {
        return;
    }
    let c = client().await;
    for kind in KUBE_DRIVERS {
        let ns = format!("to-helm-{kind}");
        create_namespaces(&c, &[&ns]).await;
        let driver = kube_driver(kind, c.clone());
        driver
            .create(&labelled(sample_release(
                &ns,
                "ours",
                1,
                Status::Superseded,
            )))
            .await
            .unwrap();
        driver
            .create(&labelled(sample_release(&ns, "ours", 2, Status::Deployed)))
            .await
            .unwrap();

        let listed = helm(kind, &ns, &["list"]);
        let row = &listed[0];
        assert_eq!(
            (
                &row["name"],
                &row["revision"],
                &row["status"],
                &row["chart_name"],
                &row["chart_version"]
            ),
            (
                &json!("ours"),
                &json!(2),
                &json!("deployed"),
                &json!("demo"),
                &json!("0.1.0")
            ),
            "{listed}"
        );
        assert_eq!(row["labels"]["team"], "blue", "{listed}");
        let history = helm(kind, &ns, &["history", "ours"]);
        let statuses = helm_statuses(&history);
        assert_eq!(statuses, vec!["superseded", "deployed"], "{history}");
        let all = helm(kind, &ns, &["get-all", "ours", "--revision", "1"]);
        let first = sample_release(&ns, "ours", 1, Status::Superseded);
        assert_eq!(all["summary"]["manifest"], json!(first.manifest), "{all}");
        assert_eq!(all["config"], json!({"revision": "1"}), "{all}");

        helm(kind, &ns, &["rollback", "ours", "1"]);
        let applied = Api::<ConfigMap>::namespaced(c.clone(), &ns)
            .get("ours-cm")
            .await
            .unwrap();
        assert_eq!(applied.data.unwrap()["revision"], "1");
        // Helm's revision 3 and its update of ours read back here.
        let storage = Storage::new(kube_driver(kind, c.clone()));
        let headers = storage.revisions(&ns, "ours").await.unwrap();
        assert_eq!(
            headers
                .iter()
                .map(|h| (h.version, h.status.clone()))
                .collect::<Vec<_>>(),
            vec![
                (1, Status::Superseded),
                (2, Status::Superseded),
                (3, Status::Deployed)
            ]
        );
        let third = storage.get(&ns, "ours", Some(3)).await.unwrap();
        assert_eq!(third.manifest, first.manifest);
        assert_eq!(third.info.unwrap().description, "Rollback to 1");
    }
}

/// This process's resident memory and its peak since the last reset, in KiB.
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// `Storage::latest(None)` over 1,000 releases x 10 revisions on the sandbox,
/// beside `helm list -A` over the same records. Run by hand:
/// `cargo test --test it storage::latest_over_ten_thousand -- --ignored --nocapture`.
/// The memory figure is this process's peak growth during the call, which
/// includes the in-process sandbox answering the list: an upper bound.
#[tokio::test]
#[ignore = "a measurement, not a check: seeds 10,000 records"]
async fn latest_over_ten_thousand_records() {
    let c = client().await;
    let names: Vec<String> = (0..10).map(|i| format!("bench-{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    create_namespaces(&c, &refs).await;
    let plan = SeedPlan {
        namespaces: names.clone(),
        releases: 1000,
        revisions: 10,
        concurrency: 16,
    };
    let driver = kube_driver("secret", c.clone());
    let started = Instant::now();
    seed(driver.as_ref(), &plan).await.unwrap();
    eprintln!("seeded 10,000 records in {:?}", started.elapsed());
    let storage = Storage::new(driver);
    for run in 0..3 {
        // Writing 5 to clear_refs resets the peak (VmHWM) to the current RSS.
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let (before, _) = memory_kib();
        let started = Instant::now();
        let (latest, skipped) = storage.latest(None).await.unwrap();
        let elapsed = started.elapsed();
        let (_, peak) = memory_kib();
        let ours = latest
            .iter()
            .filter(|r| r.namespace.starts_with("bench-"))
            .count();
        assert_eq!((ours, skipped.len()), (1000, 0));
        eprintln!(
            "run {run}: Storage::latest(None) in {elapsed:?}, peak growth {} KiB",
            peak.saturating_sub(before)
        );
    }
    if !without_helm() {
        let started = Instant::now();
        let out = Command::new("/usr/bin/time")
            .args(["-f", "%M"])
            .arg(helm_ref())
            .arg("--kubeconfig")
            .arg(SANDBOX.kubeconfig())
            .args(["--driver", "secret", "list", "-A"])
            .output()
            .unwrap();
        let elapsed = started.elapsed();
        let listed: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        let stderr = String::from_utf8_lossy(&out.stderr);
        eprintln!(
            "helm-ref list -A: {} releases in {elapsed:?}, max RSS {} KiB",
            listed.as_array().map_or(0, Vec::len),
            stderr.lines().last().unwrap_or_default()
        );
    }
}
