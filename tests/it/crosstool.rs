//! wheelhouse and real Helm (helm-ref) taking turns on one release: Helm
//! installs, wheelhouse upgrades, Helm rolls back, wheelhouse rolls forward
//! and upgrades again. After every step both tools report the same history
//! (revision, status, description, chart), and the live objects equal those
//! of the same sequence run by Helm alone in another namespace.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Secret, Service, ServiceAccount};
use kube::api::{Api, ApiResource, DynamicObject, ListParams};
use serde_json::Value;

use crate::fixtures::{HelmRef, SharedSandbox, Wheelhouse, without_helm, write_chart};

static SANDBOX: SharedSandbox = SharedSandbox::new();

const RELEASE: &str = "web";

/// The chart at `version`: version 0.2.0 drops a ConfigMap key and the
/// Secret and adds a Service, so upgrades and rollbacks both delete, create
/// and prune fields.
fn chart_files(version: &str) -> Vec<(&'static str, String)> {
    let v2 = version == "0.2.0";
    let mut objects = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\n  labels:\n    tier: {{ .Values.tier }}\ndata:\n  a: {{ .Values.a | quote }}\n",
    );
    if !v2 {
        objects.push_str("  b: only-in-0.1.0\n");
        objects.push_str(
            "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}-s\nstringData:\n  password: {{ .Values.a | quote }}\n",
        );
    } else {
        objects.push_str(
            "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-svc\nspec:\n  selector:\n    app: {{ .Release.Name }}\n  ports:\n  - port: 80\n    targetPort: 8080\n",
        );
    }
    objects.push_str(
        "---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {{ .Release.Name }}-sa\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-app\nspec:\n  replicas: {{ .Values.replicas }}\n  selector:\n    matchLabels:\n      app: {{ .Release.Name }}\n  template:\n    metadata:\n      labels:\n        app: {{ .Release.Name }}\n    spec:\n      serviceAccountName: {{ .Release.Name }}-sa\n      containers:\n      - name: c\n        image: nginx:{{ .Values.tag }}\n",
    );
    vec![
        (
            "Chart.yaml",
            format!(
                "apiVersion: v2\nname: crossdemo\nversion: {version}\nappVersion: \"{version}\"\n"
            ),
        ),
        (
            "values.yaml",
            "a: x\ntier: front\nreplicas: 1\ntag: \"1.25\"\n".to_owned(),
        ),
        ("templates/objects.yaml", objects),
    ]
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Tool {
    Helm,
    Wheelhouse,
}

#[derive(Clone, Copy, Debug)]
enum Action {
    /// Install or upgrade to the chart at this index, with these --set values.
    Install(usize, &'static str),
    Upgrade(usize, &'static str),
    Rollback(&'static str),
}

/// The shared story: who does what, in order.
const STEPS: [(Tool, Action); 5] = [
    (Tool::Helm, Action::Install(0, "a=one,replicas=2")),
    (Tool::Wheelhouse, Action::Upgrade(1, "a=two,tier=back")),
    (Tool::Helm, Action::Rollback("1")),
    (Tool::Wheelhouse, Action::Rollback("2")),
    (Tool::Wheelhouse, Action::Upgrade(1, "a=three,tag=1.27")),
];

struct Story<'a> {
    driver: &'a str,
    charts: [String; 2],
}

impl<'a> Story<'a> {
    fn helm(&self, ns: &'a str) -> HelmRef<'a> {
        HelmRef::new(SANDBOX.kubeconfig(), self.driver, ns)
    }

    /// wheelhouse writes as "python", the field manager helm-ref's Go SDK
    /// names after its host program, so the two tools share server-side
    /// apply ownership exactly as wheelhouse and the `helm` CLI (both
    /// "helm") do.
    fn wheelhouse(&self) -> Wheelhouse {
        Wheelhouse::new(SANDBOX.kubeconfig())
            .driver(self.driver)
            .envs([("WHEELHOUSE_FIELD_MANAGER", "python")])
    }

    fn run(&self, tool: Tool, action: Action, ns: &str) {
        let args: Vec<&str> = match action {
            Action::Install(chart, set) => {
                vec!["install", RELEASE, &self.charts[chart], "--set", set]
            }
            Action::Upgrade(chart, set) => {
                vec!["upgrade", RELEASE, &self.charts[chart], "--set", set]
            }
            Action::Rollback(revision) => vec!["rollback", RELEASE, revision],
        };
        match tool {
            Tool::Helm => {
                self.helm(ns).ok(&args);
            }
            Tool::Wheelhouse => {
                let mut args = args;
                args.extend(["-n", ns]);
                self.wheelhouse().ok(&args);
            }
        }
    }

    /// Helm's history of the release in `ns`, as (revision, status,
    /// description, chart) rows. Helm's history answer carries no
    /// description, so it comes from `get-all --revision N`, one process
    /// each: only for revisions from `described_from` on (the ones the last
    /// step wrote; a step never rewrites an older description).
    fn helm_history(&self, ns: &'a str, described_from: i64) -> Vec<Row> {
        let helm = self.helm(ns);
        let answer = helm.ok(&["history", RELEASE]);
        answer
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                let revision = h["revision"].as_i64().unwrap();
                let description = (revision >= described_from).then(|| {
                    let all = helm.ok(&["get-all", RELEASE, "--revision", &revision.to_string()]);
                    all["info"]["description"].as_str().unwrap().to_owned()
                });
                Row {
                    revision,
                    status: h["status"].as_str().unwrap().to_owned(),
                    description,
                    chart: format!(
                        "{}-{}",
                        h["chart_name"].as_str().unwrap(),
                        h["chart_version"].as_str().unwrap()
                    ),
                }
            })
            .collect()
    }

    /// wheelhouse's history, with descriptions where `like` has them.
    fn wheelhouse_history(&self, ns: &str, like: &[Row]) -> Vec<Row> {
        let out = self
            .wheelhouse()
            .ok(&["history", RELEASE, "-n", ns, "-o", "json"]);
        let answer: Value = serde_json::from_str(&out).unwrap();
        answer
            .as_array()
            .unwrap()
            .iter()
            .zip(like)
            .map(|(h, helm)| Row {
                revision: h["revision"].as_i64().unwrap(),
                status: h["status"].as_str().unwrap().to_owned(),
                description: helm
                    .description
                    .as_ref()
                    .map(|_| h["description"].as_str().unwrap().to_owned()),
                chart: h["chart"].as_str().unwrap().to_owned(),
            })
            .collect()
    }
}

#[derive(Debug, PartialEq)]
struct Row {
    revision: i64,
    status: String,
    description: Option<String>,
    chart: String,
}
/// The kinds the chart creates.
fn resources() -> [ApiResource; 5] {
    [
        ApiResource::erase::<ConfigMap>(&()),
        ApiResource::erase::<Secret>(&()),
        ApiResource::erase::<Service>(&()),
        ApiResource::erase::<ServiceAccount>(&()),
        ApiResource::erase::<Deployment>(&()),
    ]
}

/// Every object in `ns` except Helm's release records, keyed by kind and
/// name, without what the server decides on its own (identity, versions,
/// timestamps, field ownership, generation, status, allocated cluster IPs)
/// and with the namespace replaced by a placeholder.
async fn live_objects(client: &kube::Client, ns: &str) -> BTreeMap<String, Value> {
    let mut objects = BTreeMap::new();
    for resource in resources() {
        let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &resource);
        for object in api.list(&ListParams::default()).await.unwrap() {
            let labels = object.metadata.labels.clone().unwrap_or_default();
            if labels.get("owner").map(String::as_str) == Some("helm") {
                continue;
            }
            let key = format!(
                "{}/{}",
                resource.kind,
                object.metadata.name.clone().unwrap()
            );
            let mut value = serde_json::to_value(&object).unwrap();
            let metadata = value["metadata"].as_object_mut().unwrap();
            for noise in [
                "uid",
                "resourceVersion",
                "creationTimestamp",
                "managedFields",
                "generation",
                "namespace",
            ] {
                metadata.remove(noise);
            }
            let object = value.as_object_mut().unwrap();
            object.remove("status");
            if let Some(spec) = object.get_mut("spec").and_then(Value::as_object_mut) {
                spec.remove("clusterIP");
                spec.remove("clusterIPs");
            }
            let text = value.to_string().replace(ns, "NAMESPACE");
            objects.insert(key, serde_json::from_str(&text).unwrap());
        }
    }
    objects
}

fn story(driver: &str) {
    let dir = tempfile::tempdir().unwrap();
    let charts = ["0.1.0", "0.2.0"].map(|version| {
        let files = chart_files(version);
        let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
        write_chart(dir.path(), &format!("crossdemo-{version}"), &files)
    });
    let story = Story { driver, charts };
    let mixed = format!("cross-mixed-{driver}");
    let alone = format!("cross-helm-{driver}");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = runtime.block_on(SANDBOX.client());
    runtime.block_on(crate::fixtures::create_namespaces(
        &client,
        &[&mixed, &alone],
    ));

    for (step, (tool, action)) in STEPS.into_iter().enumerate() {
        story.run(tool, action, &mixed);
        story.run(Tool::Helm, action, &alone);
        let context = format!("step {} ({tool:?} {action:?}, {driver} driver)", step + 1);

        // After the last step, every revision's description is read.
        let described_from = if step + 1 == STEPS.len() {
            1
        } else {
            step as i64
        };
        let helm_sees = story.helm_history(&mixed, described_from);
        assert_eq!(helm_sees.len(), step + 1, "{context}: {helm_sees:?}");
        let ours = story.wheelhouse_history(&mixed, &helm_sees);
        assert_eq!(ours.len(), step + 1, "{context}: {ours:?}");
        assert_eq!(
            ours, helm_sees,
            "{context}: both tools read the same history"
        );
        assert_eq!(
            helm_sees,
            story.helm_history(&alone, described_from),
            "{context}: the history Helm alone writes"
        );

        let ours = runtime.block_on(live_objects(&client, &mixed));
        let helm_alone = runtime.block_on(live_objects(&client, &alone));
        assert!(ours.contains_key("ConfigMap/web-cm"), "{context}: {ours:?}");
        assert_eq!(
            ours.keys().collect::<Vec<_>>(),
            helm_alone.keys().collect::<Vec<_>>(),
            "{context}: the same objects live"
        );
        for (key, object) in &ours {
            assert_eq!(object, &helm_alone[key], "{context}: {key}");
        }
    }
}

#[test]
fn helm_and_wheelhouse_take_turns_on_secret_records() {
    if without_helm() {
        return;
    }
    story("secret");
}

#[test]
fn helm_and_wheelhouse_take_turns_on_configmap_records() {
    if without_helm() {
        return;
    }
    story("configmap");
}
