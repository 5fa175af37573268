//! The actions' flags on the sandbox, through the CLI, one story per
//! group: what each flag does to the records (`history -o json`) and to the
//! live objects (kubectl). Each test has a namespace of its own.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::fixtures::{Run, SharedSandbox, Wheelhouse, create_namespaces, write_chart};

static SANDBOX: SharedSandbox = SharedSandbox::new();

fn wh(args: &[&str]) -> Run {
    Wheelhouse::new(SANDBOX.kubeconfig())
        .driver("secret")
        .run(args)
}

fn ok(args: &[&str]) -> String {
    Wheelhouse::new(SANDBOX.kubeconfig())
        .driver("secret")
        .ok(args)
}

fn fails(args: &[&str]) -> String {
    let run = wh(args);
    assert_eq!(
        run.code, 1,
        "{args:?} should fail: {}{}",
        run.stdout, run.stderr
    );
    run.stderr
}

fn kubectl(args: &[&str]) -> Option<String> {
    let out = Command::new("kubectl")
        .env("KUBECONFIG", SANDBOX.kubeconfig())
        .args(args)
        .output()
        .unwrap();
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// (revision, status, description) of every revision.
fn history(ns: &str, name: &str) -> Vec<(i64, String, String)> {
    let text = ok(&["history", name, "-n", ns, "-o", "json"]);
    let rows: Value = serde_json::from_str(&text).unwrap();
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["revision"].as_i64().unwrap(),
                r["status"].as_str().unwrap().to_string(),
                r["description"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn statuses(ns: &str, name: &str) -> Vec<String> {
    history(ns, name).into_iter().map(|(_, s, _)| s).collect()
}

/// A chart: a ConfigMap per name in `.Values.maps` (default `a`), a
/// Deployment when `.Values.deploy`, never ready when `.Values.stuck`.
fn chart(dir: &Path) -> String {
    write_chart(
        dir,
        "app",
        &[
            ("Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\n"),
            (
                "values.yaml",
                "maps: [a]\ncolor: red\ndeploy: false\nstuck: false\n",
            ),
            (
                "templates/maps.yaml",
                "{{- range .Values.maps }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ $.Release.Name }}-{{ . }}\ndata:\n  color: {{ $.Values.color | quote }}\n{{- end }}\n",
            ),
            (
                "templates/deploy.yaml",
                "{{- if .Values.deploy }}\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n  {{- if .Values.stuck }}\n  annotations:\n    sandbox.wheelhouse.dev/never-ready: \"true\"\n  {{- end }}\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: {{ .Release.Name }}}\n  template:\n    metadata:\n      labels: {app: {{ .Release.Name }}}\n    spec:\n      containers:\n      - name: web\n        image: nginx{{ if .Values.stuck }}:stuck{{ end }}\n{{- end }}\n",
            ),
        ],
    )
}

async fn setup(ns: &str) -> (tempfile::TempDir, String) {
    create_namespaces(&SANDBOX.client().await, &[ns]).await;
    let dir = tempfile::tempdir().unwrap();
    let chart = chart(dir.path());
    (dir, chart)
}

fn color(ns: &str, map: &str) -> Option<String> {
    kubectl(&[
        "get",
        "configmap",
        map,
        "-n",
        ns,
        "-o",
        "jsonpath={.data.color}",
    ])
}

#[tokio::test(flavor = "multi_thread")]
async fn install_flags() {
    let ns = "flags-install";
    let (_dir, chart) = setup(ns).await;
    tokio::task::spawn_blocking(move || {
        // --dry-run renders and prints, records nothing, creates nothing.
        let dry = ok(&["install", "dry", &chart, "-n", ns, "--dry-run"]);
        assert!(dry.contains("DESCRIPTION: Dry run complete") && dry.contains("MANIFEST:"), "{dry}");
        let dry = ok(&["install", "dry", &chart, "-n", ns, "--dry-run=server"]);
        assert!(dry.contains("Dry run complete"), "{dry}");
        assert!(wh(&["history", "dry", "-n", ns]).code != 0);
        assert_eq!(color(ns, "dry-a"), None);

        // --description, --labels, -o json.
        let json = ok(&[
            "install", "web", &chart, "-n", ns, "--description", "first light", "--labels",
            "team=blue,tier=web", "-o", "json",
        ]);
        let release: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(release["info"]["description"], "first light");
        assert_eq!(release["info"]["status"], "deployed");
        let meta: Value =
            serde_json::from_str(&ok(&["get", "metadata", "web", "-n", ns, "-o", "json"])).unwrap();
        assert_eq!(meta["labels"]["team"], "blue");
        assert_eq!(color(ns, "web-a").as_deref(), Some("red"));
        let stamped = kubectl(&[
            "get", "configmap", "web-a", "-n", ns, "-o",
            "jsonpath={.metadata.labels.app\\.kubernetes\\.io/managed-by} {.metadata.annotations.meta\\.helm\\.sh/release-name}",
        ]);
        assert_eq!(stamped.as_deref(), Some("Helm web"));

        // The name is in use now; system labels are refused.
        let err = fails(&["install", "web", &chart, "-n", ns]);
        assert!(err.contains("cannot reuse a name that is still in use"), "{err}");
        let err = fails(&["install", "other", &chart, "-n", ns, "--labels", "owner=me"]);
        assert!(err.contains("system reserved label name"), "{err}");

        // --generate-name and --name-template.
        let out = ok(&["install", &chart, "-n", ns, "--generate-name", "--set", "maps={g}"]);
        assert!(out.contains("NAME: app-"), "{out}");
        let out = ok(&[
            "install", &chart, "-n", ns, "--name-template", "tpl-{{ \"x\" }}", "--set", "maps={t}",
        ]);
        assert!(out.contains("NAME: tpl-x"), "{out}");
        let err = fails(&["install", &chart, "-n", ns]);
        assert!(err.contains("must either provide a name or specify --generate-name"), "{err}");

        // A namespace that doesn't exist is an error, unless created.
        let err = fails(&["install", "web", &chart, "-n", "flags-nowhere"]);
        assert!(err.contains("flags-nowhere"), "{err}");
        ok(&["install", "web", &chart, "-n", "flags-made", "--create-namespace"]);
        assert_eq!(color("flags-made", "web-a").as_deref(), Some("red"));
        let labels = kubectl(&["get", "namespace", "flags-made", "-o", "jsonpath={.metadata.labels.name}"]);
        assert_eq!(labels.as_deref(), Some("flags-made"));
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn upgrade_values_history_and_force() {
    let ns = "flags-upgrade";
    let (_dir, chart) = setup(ns).await;
    tokio::task::spawn_blocking(move || {
        // --install on a release that doesn't exist installs it.
        ok(&[
            "upgrade",
            "web",
            &chart,
            "-n",
            ns,
            "--install",
            "--set",
            "color=blue",
        ]);
        assert_eq!(statuses(ns, "web"), ["deployed"]);
        // No values: the last ones are kept (Helm's rule).
        ok(&["upgrade", "web", &chart, "-n", ns]);
        assert_eq!(color(ns, "web-a").as_deref(), Some("blue"));
        // --reuse-values merges new values over the last ones.
        ok(&[
            "upgrade",
            "web",
            &chart,
            "-n",
            ns,
            "--reuse-values",
            "--set",
            "maps={a,b}",
        ]);
        assert_eq!(color(ns, "web-b").as_deref(), Some("blue"));
        // --reset-then-reuse-values: the chart's defaults, then the last
        // values, then the new ones.
        ok(&[
            "upgrade",
            "web",
            &chart,
            "-n",
            ns,
            "--reset-then-reuse-values",
            "--set",
            "maps={a}",
        ]);
        assert_eq!(color(ns, "web-a").as_deref(), Some("blue"));
        assert_eq!(color(ns, "web-b"), None, "dropped from the chart, deleted");
        // --reset-values: back to the chart's defaults.
        ok(&["upgrade", "web", &chart, "-n", ns, "--reset-values"]);
        assert_eq!(color(ns, "web-a").as_deref(), Some("red"));
        assert_eq!(
            statuses(ns, "web"),
            [
                "superseded",
                "superseded",
                "superseded",
                "superseded",
                "deployed"
            ]
        );
        // --history-max keeps that many revisions.
        ok(&["upgrade", "web", &chart, "-n", ns, "--history-max", "2"]);
        let revisions: Vec<i64> = history(ns, "web").into_iter().map(|(v, _, _)| v).collect();
        assert_eq!(revisions, [5, 6]);
        // --force replaces: the live object loses what a patch would keep.
        kubectl(&["label", "configmap", "web-a", "-n", ns, "extra=1"]).unwrap();
        ok(&["upgrade", "web", &chart, "-n", ns, "--force"]);
        let extra = kubectl(&[
            "get",
            "configmap",
            "web-a",
            "-n",
            ns,
            "-o",
            "jsonpath={.metadata.labels.extra}",
        ]);
        assert_eq!(extra.as_deref(), Some(""));
        // --dry-run writes nothing.
        ok(&[
            "upgrade",
            "web",
            &chart,
            "-n",
            ns,
            "--set",
            "color=green",
            "--dry-run",
        ]);
        assert_eq!(color(ns, "web-a").as_deref(), Some("red"));
        assert_eq!(history(ns, "web").last().unwrap().0, 7);
        // Rollback flags: --dry-run, a revision that isn't there.
        ok(&["rollback", "web", "6", "-n", ns, "--dry-run"]);
        assert_eq!(history(ns, "web").last().unwrap().0, 7);
        let err = fails(&["rollback", "web", "3", "-n", ns]);
        assert!(err.contains("release has no 3 version"), "{err}");
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn hooks_run_by_weight_and_are_deleted_by_policy() {
    let ns = "flags-hooks";
    create_namespaces(&SANDBOX.client().await, &[ns]).await;
    let dir = tempfile::tempdir().unwrap();
    let job = |name: &str, weight: i64, policy: &str| {
        let policy = if policy.is_empty() {
            String::new()
        } else {
            format!("\n    helm.sh/hook-delete-policy: {policy}")
        };
        format!(
            "---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\n  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\n    helm.sh/hook-weight: \"{weight}\"{policy}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{{name: c, image: busybox}}]\n"
        )
    };
    let hooks = [
        job("late", 5, "hook-succeeded"),
        job("early", -3, ""),
        job("bad", 9, "before-hook-creation,hook-failed"),
    ]
    .concat();
    let failing = hooks.replace(
        "name: bad\n  annotations:",
        "name: bad\n  annotations:\n    sandbox.wheelhouse.dev/fail: \"true\"",
    );
    let good = write_chart(
        dir.path(),
        "hooked",
        &[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: hooked\nversion: 1.0.0\n",
            ),
            ("templates/hooks.yaml", &hooks),
            (
                "templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: main\ndata: {}\n",
            ),
        ],
    );
    let bad = write_chart(
        dir.path(),
        "failing",
        &[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: hooked\nversion: 1.0.1\n",
            ),
            ("templates/hooks.yaml", &failing),
            (
                "templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: main\ndata: {}\n",
            ),
        ],
    );
    tokio::task::spawn_blocking(move || {
        ok(&["install", "h", &good, "-n", ns]);
        let hooks: Value =
            serde_json::from_str(&ok(&["get", "metadata", "h", "-n", ns, "-o", "json"])).unwrap();
        assert_eq!(hooks["status"], "deployed");
        // The record keeps each hook's last run; weights decided the order.
        let all = ok(&["get", "hooks", "h", "-n", ns]);
        assert!(
            all.contains("name: early") && all.contains("name: late"),
            "{all}"
        );
        let record: Value =
            serde_json::from_str(&ok(&["status", "h", "-n", ns, "-o", "json"])).unwrap();
        let started = |name: &str| -> String {
            record["hooks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|h| h["name"] == name)
                .map(|h| h["last_run"]["started_at"].as_str().unwrap().to_string())
                .unwrap()
        };
        assert!(started("early") < started("late") && started("late") < started("bad"));
        // hook-succeeded deleted `late`; `early` (before-hook-creation by
        // default) and `bad` (hook-failed, but it succeeded) stay.
        assert!(kubectl(&["get", "job", "late", "-n", ns]).is_none());
        assert!(kubectl(&["get", "job", "early", "-n", ns]).is_some());
        assert!(kubectl(&["get", "job", "bad", "-n", ns]).is_some());

        // A failing hook fails the upgrade and is deleted by hook-failed.
        let err = fails(&["upgrade", "h", &bad, "-n", ns]);
        assert!(
            err.contains("pre-upgrade hooks failed: job bad failed: BackoffLimitExceeded"),
            "{err}"
        );
        assert!(kubectl(&["get", "job", "bad", "-n", ns]).is_none());
        assert_eq!(statuses(ns, "h"), ["deployed", "failed"]);
        // --no-hooks skips them.
        ok(&["upgrade", "h", &bad, "-n", ns, "--no-hooks"]);
        assert_eq!(statuses(ns, "h"), ["superseded", "failed", "deployed"]);
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn wait_timeouts_atomic_and_cleanup_on_fail() {
    let ns = "flags-wait";
    let (_dir, chart) = setup(ns).await;
    tokio::task::spawn_blocking(move || {
        let stuck = ["--set", "deploy=true,stuck=true"];
        // --wait gives up at --timeout and records the failure.
        let err = fails(
            &[
                &[
                    "install",
                    "slow",
                    &chart,
                    "-n",
                    ns,
                    "--wait",
                    "--timeout",
                    "1s",
                ][..],
                &stuck,
            ]
            .concat(),
        );
        assert!(
            err.contains("timed out waiting for the condition: Deployment is not ready"),
            "{err}"
        );
        assert_eq!(statuses(ns, "slow"), ["failed"]);
        // --atomic uninstalls a failed install.
        let err = fails(
            &[
                &[
                    "install",
                    "gone",
                    &chart,
                    "-n",
                    ns,
                    "--atomic",
                    "--timeout",
                    "1s",
                ][..],
                &stuck,
            ]
            .concat(),
        );
        assert!(
            err.contains("release gone failed, and has been uninstalled due to atomic being set"),
            "{err}"
        );
        assert!(wh(&["history", "gone", "-n", ns]).code != 0);
        assert!(kubectl(&["get", "deployment", "gone", "-n", ns]).is_none());

        // --atomic rolls a failed upgrade back to the last good revision.
        ok(&["install", "web", &chart, "-n", ns, "--set", "deploy=true"]);
        let err = fails(
            &[
                &[
                    "upgrade",
                    "web",
                    &chart,
                    "-n",
                    ns,
                    "--atomic",
                    "--timeout",
                    "1s",
                ][..],
                &stuck,
            ]
            .concat(),
        );
        assert!(
            err.contains("release web failed, and has been rolled back due to atomic being set"),
            "{err}"
        );
        let rows = history(ns, "web");
        assert_eq!(
            rows.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(),
            ["superseded", "failed", "deployed"]
        );
        assert_eq!(rows[2].2, "Rollback to 1");
        let annotation = kubectl(&[
            "get",
            "deployment",
            "web",
            "-n",
            ns,
            "-o",
            "jsonpath={.metadata.annotations.sandbox\\.wheelhouse\\.dev/never-ready}",
        ]);
        assert_eq!(annotation.as_deref(), Some(""), "the rollback removed it");

        // --cleanup-on-fail deletes what the failed upgrade created.
        let err = fails(
            &[
                &[
                    "upgrade",
                    "web",
                    &chart,
                    "-n",
                    ns,
                    "--wait",
                    "--timeout",
                    "1s",
                    "--cleanup-on-fail",
                    "--set",
                    "maps={a,new}",
                ][..],
                &stuck,
            ]
            .concat(),
        );
        assert!(err.contains("timed out"), "{err}");
        assert!(kubectl(&["get", "configmap", "web-new", "-n", ns]).is_none());
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn adoption_keep_policy_and_uninstall_flags() {
    let ns = "flags-own";
    let (dir, chart) = setup(ns).await;
    let kept = write_chart(
        dir.path(),
        "kept",
        &[
            ("Chart.yaml", "apiVersion: v2\nname: kept\nversion: 1.0.0\n"),
            ("values.yaml", "extra: true\n"),
            (
                "templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-always\n  annotations:\n    helm.sh/resource-policy: keep\ndata: {}\n{{- if .Values.extra }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-extra\n  annotations:\n    helm.sh/resource-policy: keep\ndata: {}\n{{- end }}\n",
            ),
        ],
    );
    tokio::task::spawn_blocking(move || {
        // Someone else's object stops the install, in Helm's words.
        kubectl(&["create", "configmap", "mine-a", "-n", ns]).unwrap();
        let err = fails(&["install", "mine", &chart, "-n", ns]);
        assert!(
            err.contains("Error: unable to continue with install: ConfigMap \"mine-a\" in namespace \"flags-own\" exists and cannot be imported into the current release: invalid ownership metadata; label validation error: missing key \"app.kubernetes.io/managed-by\": must be set to \"Helm\""),
            "{err}"
        );
        assert!(wh(&["history", "mine", "-n", ns]).code != 0, "nothing recorded");

        // keep: an object the chart drops, and everything at uninstall.
        ok(&["install", "k", &kept, "-n", ns]);
        ok(&["upgrade", "k", &kept, "-n", ns, "--set", "extra=false"]);
        assert!(kubectl(&["get", "configmap", "k-extra", "-n", ns]).is_some());
        let out = ok(&["uninstall", "k", "-n", ns, "--keep-history"]);
        assert!(out.contains("These resources were kept due to the resource policy:\n[ConfigMap] k-always"), "{out}");
        assert!(out.contains("release \"k\" uninstalled"), "{out}");
        assert!(kubectl(&["get", "configmap", "k-always", "-n", ns]).is_some());
        assert_eq!(statuses(ns, "k"), ["superseded", "uninstalled"]);
        let err = fails(&["uninstall", "k", "-n", ns, "--keep-history"]);
        assert!(err.contains("the release named \"k\" is already deleted"), "{err}");

        // Aliases, --dry-run, --cascade, --ignore-not-found.
        ok(&["install", "web", &chart, "-n", ns, "--set", "maps={x}"]);
        ok(&["del", "web", "-n", ns, "--dry-run"]);
        assert!(kubectl(&["get", "configmap", "web-x", "-n", ns]).is_some());
        let err = fails(&["un", "web", "-n", ns, "--cascade", "sideways"]);
        assert!(err.contains("invalid cascade value"), "{err}");
        ok(&["delete", "web", "-n", ns, "--cascade", "foreground", "--wait"]);
        assert!(kubectl(&["get", "configmap", "web-x", "-n", ns]).is_none());
        let err = fails(&["uninstall", "web", "-n", ns]);
        assert!(err.contains("uninstall: Release not loaded: web: release: not found"), "{err}");
        ok(&["uninstall", "web", "-n", ns, "--ignore-not-found"]);
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn post_renderer_on_install_upgrade_and_preview() {
    let ns = "flags-post";
    let (_dir, chart) = setup(ns).await;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/post-renderer/label.sh");
    let script = script.to_string_lossy().into_owned();
    tokio::task::spawn_blocking(move || {
        let label = |map: &str| {
            kubectl(&[
                "get",
                "configmap",
                map,
                "-n",
                ns,
                "-o",
                "jsonpath={.metadata.labels.post-rendered}",
            ])
        };
        ok(&[
            "install",
            "web",
            &chart,
            "-n",
            ns,
            "--post-renderer",
            &script,
        ]);
        assert_eq!(label("web-a").as_deref(), Some("yes"));
        let preview = ok(&[
            "diff",
            "upgrade",
            "web",
            &chart,
            "-n",
            ns,
            "--post-renderer",
            &script,
            "--set",
            "maps={a,b}",
            "--no-color",
        ]);
        assert!(preview.contains("+++ post-rendered manifest"), "{preview}");
        assert!(preview.contains("+    post-rendered: \"yes\""), "{preview}");
        assert!(
            preview.contains("create    v1 ConfigMap flags-post/web-b"),
            "{preview}"
        );
        ok(&[
            "upgrade",
            "web",
            &chart,
            "-n",
            ns,
            "--post-renderer",
            &script,
            "--set",
            "maps={a,b}",
        ]);
        assert_eq!(label("web-b").as_deref(), Some("yes"));
        // Without it, the next upgrade's patch removes the label again.
        ok(&["upgrade", "web", &chart, "-n", ns, "--reuse-values"]);
        assert_eq!(label("web-b").as_deref(), Some(""));
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn crds_first_or_skipped_and_jobs_waited_for() {
    let ns = "flags-crds";
    create_namespaces(&SANDBOX.client().await, &[ns]).await;
    let dir = tempfile::tempdir().unwrap();
    let crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: gadgets.flags.example.com\nspec:\n  group: flags.example.com\n  names: {kind: Gadget, plural: gadgets, singular: gadget, listKind: GadgetList}\n  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        x-kubernetes-preserve-unknown-fields: true\n";
    let chart = write_chart(
        dir.path(),
        "gadgets",
        &[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: gadgets\nversion: 1.0.0\n",
            ),
            ("crds/gadget.yaml", crd),
            (
                "templates/gadget.yaml",
                "apiVersion: flags.example.com/v1\nkind: Gadget\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  size: 1\n",
            ),
        ],
    );
    let jobs = write_chart(
        dir.path(),
        "jobs",
        &[
            ("Chart.yaml", "apiVersion: v2\nname: jobs\nversion: 1.0.0\n"),
            (
                "templates/job.yaml",
                "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {{ .Release.Name }}\n  annotations:\n    sandbox.wheelhouse.dev/fail: \"true\"\nspec:\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: busybox}]\n",
            ),
        ],
    );
    tokio::task::spawn_blocking(move || {
        // --skip-crds: the kind is unknown, so the install fails as Helm's.
        let err = fails(&["install", "skipped", &chart, "-n", ns, "--skip-crds"]);
        assert!(
            err.contains("resource mapping not found for kind \"Gadget\""),
            "{err}"
        );
        assert!(kubectl(&["get", "crd", "gadgets.flags.example.com"]).is_none());
        // Without it, the CRD goes first and the custom resource after it.
        ok(&["install", "g", &chart, "-n", ns]);
        assert!(kubectl(&["get", "gadget", "g", "-n", ns]).is_some());

        // --wait alone doesn't wait for Jobs; --wait-for-jobs does, and a
        // failed Job fails the release.
        ok(&[
            "install",
            "j1",
            &jobs,
            "-n",
            ns,
            "--wait",
            "--timeout",
            "5s",
        ]);
        let err = fails(&[
            "install",
            "j2",
            &jobs,
            "-n",
            ns,
            "--wait",
            "--wait-for-jobs",
            "--timeout",
            "5s",
        ]);
        assert!(err.contains("job is failed: flags-crds/j2"), "{err}");
        assert_eq!(statuses(ns, "j2"), ["failed"]);
    })
    .await
    .unwrap();
}

/// The seed's two examples of Helm 3's three-way merge.
#[tokio::test(flavor = "multi_thread")]
async fn the_seeds_three_way_merge_examples() {
    let ns = "flags-seed";
    create_namespaces(&SANDBOX.client().await, &[ns]).await;
    let dir = tempfile::tempdir().unwrap();
    let chart = write_chart(
        dir.path(),
        "web",
        &[
            ("Chart.yaml", "apiVersion: v2\nname: web\nversion: 1.0.0\n"),
            ("values.yaml", "image: nginx:1.0\n"),
            (
                "templates/deploy.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: {{ .Values.image }}\n",
            ),
        ],
    );
    tokio::task::spawn_blocking(move || {
        let replicas = || kubectl(&["get", "deployment", "web", "-n", ns, "-o", "jsonpath={.spec.replicas}"]);
        // 1. Someone scales to zero by hand; a rollback to the revision the
        // chart says 3 in brings the 3 replicas back.
        ok(&["install", "web", &chart, "-n", ns]);
        ok(&["upgrade", "web", &chart, "-n", ns, "--set", "image=nginx:1.1"]);
        kubectl(&["scale", "deployment/web", "--replicas=0", "-n", ns]).unwrap();
        assert_eq!(replicas().as_deref(), Some("0"));
        ok(&["rollback", "web", "1", "-n", ns]);
        assert_eq!(replicas().as_deref(), Some("3"));

        // 2. A sidecar injected into the live Deployment survives an upgrade
        // that changes the image.
        kubectl(&[
            "patch", "deployment/web", "-n", ns, "--type", "strategic", "-p",
            r#"{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"envoy:1"}]}}}}"#,
        ])
        .unwrap();
        ok(&["upgrade", "web", &chart, "-n", ns, "--set", "image=nginx:2.0"]);
        let containers = kubectl(&[
            "get", "deployment", "web", "-n", ns, "-o",
            "jsonpath={range .spec.template.spec.containers[*]}{.name}={.image} {end}",
        ]);
        assert_eq!(containers.as_deref(), Some("sidecar=envoy:1 web=nginx:2.0 "));
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn schema_rollback_and_server_side_flags() {
    let ns = "flags-more";
    create_namespaces(&SANDBOX.client().await, &[ns]).await;
    let dir = tempfile::tempdir().unwrap();
    let chart = write_chart(
        dir.path(),
        "strict",
        &[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: strict\nversion: 1.0.0\n",
            ),
            ("values.yaml", "color: red\n"),
            (
                "values.schema.json",
                r#"{"type": "object", "properties": {"color": {"enum": ["red", "blue"]}}}"#,
            ),
            (
                "templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  color: {{ .Values.color | quote }}\n",
            ),
            (
                "templates/hook.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-goodbye\n  annotations:\n    helm.sh/hook: pre-delete\n    helm.sh/hook-delete-policy: before-hook-creation\ndata: {}\n",
            ),
        ],
    );
    tokio::task::spawn_blocking(move || {
        // values.schema.json is enforced unless --skip-schema-validation.
        let err = fails(&["install", "s", &chart, "-n", ns, "--set", "color=green"]);
        assert!(
            err.contains("values don't meet the specifications of the schema"),
            "{err}"
        );
        ok(&[
            "install",
            "s",
            &chart,
            "-n",
            ns,
            "--set",
            "color=green",
            "--skip-schema-validation",
        ]);
        assert_eq!(color(ns, "s").as_deref(), Some("green"));

        // Rollback with --force --wait --cleanup-on-fail.
        ok(&["upgrade", "s", &chart, "-n", ns, "--set", "color=blue"]);
        ok(&[
            "rollback",
            "s",
            "1",
            "-n",
            ns,
            "--force",
            "--wait",
            "--cleanup-on-fail",
        ]);
        assert_eq!(color(ns, "s").as_deref(), Some("green"));
        assert_eq!(statuses(ns, "s"), ["superseded", "superseded", "deployed"]);

        // Server-side apply: another manager's field is a conflict unless
        // --force-conflicts takes it over.
        ok(&["install", "ssa", &chart, "-n", ns, "--server-side"]);
        kubectl(&[
            "patch",
            "configmap",
            "ssa",
            "-n",
            ns,
            "--type",
            "merge",
            "-p",
            r#"{"data":{"color":"blue"}}"#,
        ])
        .unwrap();
        let err = fails(&[
            "upgrade",
            "ssa",
            &chart,
            "-n",
            ns,
            "--set",
            "color=red",
            "--reset-values",
        ]);
        assert!(err.contains("conflict occurred while applying"), "{err}");
        ok(&[
            "upgrade",
            "ssa",
            &chart,
            "-n",
            ns,
            "--set",
            "color=red",
            "--force-conflicts",
        ]);
        assert_eq!(color(ns, "ssa").as_deref(), Some("red"));

        // uninstall --no-hooks skips the pre-delete hook.
        ok(&["uninstall", "s", "-n", ns, "--no-hooks"]);
        assert!(kubectl(&["get", "configmap", "s-goodbye", "-n", ns]).is_none());
        ok(&["uninstall", "ssa", "-n", ns]);
        assert!(
            kubectl(&["get", "configmap", "ssa-goodbye", "-n", ns]).is_some(),
            "the hook ran"
        );
    })
    .await
    .unwrap();
}
