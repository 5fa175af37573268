//! The read-only release commands against releases real Helm (helm-ref)
//! installed and upgraded on a sandbox: `wheelhouse list/history/status/get`
//! show what Helm's SDK reports for the same records, with the secret and
//! configmap drivers, and fail the way Helm does.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::fixtures::{HelmRef, Run, SharedSandbox, Wheelhouse, without_helm, write_chart};

static SANDBOX: SharedSandbox = SharedSandbox::new();

/// The test PostgreSQL's connection string (scripts/test starts one), if any.
fn postgres() -> Option<String> {
    std::env::var("WHEELHOUSE_TEST_POSTGRES").ok()
}

/// The SQL driver's connection string, as the environment variable Helm and
/// wheelhouse read it from, when there is one.
fn sql_env() -> Option<(&'static str, String)> {
    postgres().map(|url| ("HELM_DRIVER_SQL_CONNECTION_STRING", url))
}

fn helm(driver: &str, ns: &str, args: &[&str]) -> Value {
    HelmRef::new(SANDBOX.kubeconfig(), driver, ns)
        .envs(sql_env())
        .ok(args)
}

fn wheelhouse_in(driver: &str) -> Wheelhouse {
    Wheelhouse::new(SANDBOX.kubeconfig())
        .driver(driver)
        .envs(sql_env())
}

fn wheelhouse(driver: &str, args: &[&str]) -> Run {
    wheelhouse_in(driver).run(args)
}

/// Output of a command that must succeed.
fn ok(driver: &str, args: &[&str]) -> String {
    wheelhouse_in(driver).ok(args)
}

fn json(driver: &str, args: &[&str]) -> Value {
    let out = ok(driver, args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?} printed no JSON ({e}): {out}"))
}

const DEMO_CHART: [(&str, &str); 5] = [
    (
        "Chart.yaml",
        "apiVersion: v2\nname: demo\nversion: 0.1.0\nappVersion: \"1.0\"\nannotations:\n  tier: web\n",
    ),
    ("values.yaml", "a: x\nreplicas: 2\n"),
    (
        "templates/objects.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  a: {{ .Values.a | quote }}\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}-s\nstringData:\n  password: {{ .Values.a | quote }}\n",
    ),
    (
        "templates/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-app\nspec:\n  selector:\n    matchLabels:\n      app: {{ .Release.Name }}\n  template:\n    metadata:\n      labels:\n        app: {{ .Release.Name }}\n    spec:\n      containers:\n      - name: c\n        image: nginx\n",
    ),
    (
        "templates/NOTES.txt",
        "Installed {{ .Release.Name }} & more\n",
    ),
];

/// A pod the release's Deployment selects (the sandbox runs no controllers).
fn pod_of(ns: &str, release: &str) {
    use k8s_openapi::api::core::v1::Pod;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = SANDBOX.client().await;
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": format!("{release}-app-1"), "labels": {"app": release}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        }))
        .unwrap();
        kube::Api::<Pod>::namespaced(client, ns)
            .create(&Default::default(), &pod)
            .await
            .unwrap();
    });
}

/// `2026-11-22T07:43:06Z` (helm-ref's seconds) from Helm's `time.Time.String()`.
fn seconds_of_go_string(updated: &str) -> String {
    let (date, rest) = updated.split_once(' ').unwrap();
    let time = rest.split([' ', '.']).next().unwrap();
    format!("{date}T{time}Z")
}

#[test]
fn list_history_status_and_get_show_what_helm_recorded() {
    if without_helm() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let chart = write_chart(dir.path(), "demo", &DEMO_CHART);
    let ns = "cli-secret";
    helm(
        "secret",
        ns,
        &[
            "install",
            "web",
            &chart,
            "--create-namespace",
            "--set",
            "a=one",
        ],
    );
    helm("secret", ns, &["upgrade", "web", &chart, "--set", "a=two"]);
    helm(
        "secret",
        ns,
        &["install", "api", &chart, "--set", "replicas=5"],
    );

    // list: every field of Helm's list as its SDK reports it.
    let helm_list = helm("secret", ns, &["list"]);
    let ours = json("secret", &["list", "-n", ns, "-o", "json"]);
    let ours = ours.as_array().unwrap();
    let theirs = helm_list.as_array().unwrap();
    assert_eq!(ours.len(), 2);
    assert_eq!(ours.len(), theirs.len());
    for (mine, helm) in ours.iter().zip(theirs) {
        assert_eq!(mine["name"], helm["name"]);
        assert_eq!(mine["namespace"], helm["namespace"]);
        assert_eq!(
            mine["revision"],
            Value::String(helm["revision"].to_string())
        );
        assert_eq!(mine["status"], helm["status"]);
        assert_eq!(
            mine["chart"].as_str().unwrap(),
            format!(
                "{}-{}",
                helm["chart_name"].as_str().unwrap(),
                helm["chart_version"].as_str().unwrap()
            )
        );
        assert_eq!(mine["app_version"], helm["app_version"]);
        assert_eq!(
            seconds_of_go_string(mine["updated"].as_str().unwrap()),
            helm["deployed_at"].as_str().unwrap()
        );
    }
    assert_eq!(ok("secret", &["list", "-n", ns, "-q"]), "api\nweb\n");
    assert_eq!(ok("secret", &["ls", "-n", ns, "-q", "-r"]), "web\napi\n");
    assert_eq!(ok("secret", &["list", "-n", ns, "-q", "-f", "^w"]), "web\n");
    assert_eq!(
        ok("secret", &["list", "-n", ns, "-q", "--superseded"]),
        "web\n"
    );
    assert_eq!(
        ok("secret", &["list", "-n", ns, "-q", "-l", "version=2"]),
        "web\n"
    );
    let table = ok("secret", &["list", "-n", ns, "--color", "never"]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("NAME\tNAMESPACE \tREVISION\tUPDATED "),
        "{table}"
    );
    assert!(
        lines[1].starts_with("api \tcli-secret\t1       \t"),
        "{table}"
    );
    assert!(
        lines[2].ends_with("\tdeployed\tdemo-0.1.0\t1.0        "),
        "{table}"
    );

    // history: revisions oldest first, with Helm's statuses.
    let helm_history = helm("secret", ns, &["history", "web"]);
    let ours = json("secret", &["history", "web", "-n", ns, "-o", "json"]);
    let ours = ours.as_array().unwrap();
    let theirs = helm_history.as_array().unwrap();
    assert_eq!(ours.len(), theirs.len());
    for (mine, helm) in ours.iter().zip(theirs) {
        assert_eq!(mine["revision"], helm["revision"]);
        assert_eq!(mine["status"], helm["status"]);
        assert_eq!(mine["app_version"], helm["app_version"]);
        assert!(
            mine["updated"]
                .as_str()
                .unwrap()
                .starts_with(helm["deployed_at"].as_str().unwrap().trim_end_matches('Z'))
        );
    }
    assert_eq!(ours[0]["description"], "Install complete");
    assert_eq!(ours[1]["description"], "Upgrade complete");
    let history = ok("secret", &["history", "web", "-n", ns, "--max", "1"]);
    assert_eq!(history.lines().count(), 2, "{history}");
    assert!(
        history.lines().nth(1).unwrap().starts_with("2       \t"),
        "{history}"
    );

    // status: the record without its chart, and the live objects.
    pod_of(ns, "web");
    let helm_status = helm("secret", ns, &["status", "web"]);
    let status = json("secret", &["status", "web", "-n", ns, "-o", "json"]);
    assert_eq!(status["name"], helm_status["name"]);
    assert_eq!(status["version"], helm_status["revision"]);
    assert_eq!(status["info"]["status"], helm_status["status"]);
    assert_eq!(status["info"]["notes"], helm_status["notes"]);
    assert_eq!(status["manifest"], helm_status["manifest"]);
    assert!(status.get("chart").is_none());
    assert_eq!(
        status["info"]["resources"]["v1/ConfigMap"][0]["data"]["a"],
        "two"
    );
    let table = ok("secret", &["status", "web", "-n", ns, "--color", "never"]);
    assert!(table.starts_with("NAME: web\nLAST DEPLOYED: "), "{table}");
    assert!(
        table.contains("\nNAMESPACE: cli-secret\nSTATUS: deployed\nREVISION: 2\nDESCRIPTION: Upgrade complete\nRESOURCES:\n==> v1/ConfigMap\nNAME     DATA   AGE\nweb-cm   1      "),
        "{table}"
    );
    assert!(
        table.contains("==> v1/Secret\nNAME    TYPE     DATA   AGE\nweb-s   Opaque   1      "),
        "{table}"
    );
    assert!(
        table.ends_with("\n\n\nTEST SUITE: None\nNOTES:\nInstalled web & more\n"),
        "{table}"
    );
    let first = json(
        "secret",
        &["status", "web", "-n", ns, "--revision", "1", "-o", "json"],
    );
    assert_eq!(first["info"]["status"], "superseded");

    // get: values (user-supplied and computed), manifest, notes, metadata.
    assert_eq!(
        json("secret", &["get", "values", "web", "-n", ns, "-o", "json"]),
        helm("secret", ns, &["get-values", "web"])
    );
    assert_eq!(
        json(
            "secret",
            &["get", "values", "web", "-n", ns, "-a", "-o", "json"]
        ),
        helm("secret", ns, &["get-values", "web", "--all"])
    );
    assert_eq!(
        json(
            "secret",
            &[
                "get",
                "values",
                "web",
                "-n",
                ns,
                "--revision",
                "1",
                "-o",
                "json"
            ]
        ),
        helm("secret", ns, &["get-values", "web", "--revision", "1"])
    );
    assert_eq!(
        ok("secret", &["get", "values", "web", "-n", ns]),
        "USER-SUPPLIED VALUES:\na: two\n"
    );
    assert_eq!(
        ok("secret", &["get", "manifest", "web", "-n", ns]),
        format!("{}\n", helm_status["manifest"].as_str().unwrap())
    );
    assert_eq!(
        ok("secret", &["get", "notes", "web", "-n", ns]),
        "NOTES:\nInstalled web & more\n\n"
    );
    assert_eq!(ok("secret", &["get", "hooks", "web", "-n", ns]), "");
    let metadata = json(
        "secret",
        &["get", "metadata", "web", "-n", ns, "-o", "json"],
    );
    assert_eq!(metadata["labels"], helm_status["labels"]);
    assert_eq!(metadata["chart"], "demo");
    assert_eq!(metadata["annotations"]["tier"], "web");
    assert_eq!(metadata["revision"], 2);
    assert_eq!(metadata["deployedAt"], helm_status["deployed_at"]);
    let all = ok(
        "secret",
        &["get", "all", "web", "-n", ns, "--color", "never"],
    );
    let helm_all = helm("secret", ns, &["get-all", "web"]);
    assert!(all.contains("\nCHART: demo\nVERSION: 0.1.0\nAPP_VERSION: 1.0\nDESCRIPTION: Upgrade complete\nTEST SUITE: None\nUSER-SUPPLIED VALUES:\na: two\n\nCOMPUTED VALUES:\na: two\nreplicas: 2\n\nHOOKS:\nMANIFEST:\n"), "{all}");
    assert_eq!(helm_all["info"]["description"], "Upgrade complete");

    // diff revision: the value change shows, the Secret's value does not.
    let diff = ok("secret", &["diff", "revision", "web", "1", "2", "-n", ns]);
    assert!(diff.contains("-  a: \"one\"\n+  a: \"two\"\n"), "{diff}");
    assert!(
        diff.contains("-  password: (secret value hidden, 3 bytes, before)\n"),
        "{diff}"
    );
    assert!(!diff.contains("password: \"one\""), "{diff}");
    assert!(diff.ends_with("@@ -1 +1 @@\n-a: one\n+a: two\n"), "{diff}");
    let shown = ok(
        "secret",
        &["diff", "revision", "web", "1", "-n", ns, "--show-secrets"],
    );
    assert!(
        shown.contains("-  password: \"one\"\n+  password: \"two\"\n"),
        "{shown}"
    );
}

#[test]
fn configmap_records_list_across_namespaces() {
    if without_helm() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let chart = write_chart(dir.path(), "demo", &DEMO_CHART);
    helm(
        "configmap",
        "cli-cm-a",
        &["install", "one", &chart, "--create-namespace"],
    );
    helm(
        "configmap",
        "cli-cm-b",
        &["install", "two", &chart, "--create-namespace"],
    );
    let all = json("configmap", &["list", "-A", "-o", "json"]);
    let names: Vec<(String, String)> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["namespace"].as_str().unwrap().to_owned(),
                r["name"].as_str().unwrap().to_owned(),
            )
        })
        .filter(|(ns, _)| ns.starts_with("cli-cm-"))
        .collect();
    assert_eq!(
        names,
        [
            ("cli-cm-a".to_owned(), "one".to_owned()),
            ("cli-cm-b".to_owned(), "two".to_owned())
        ]
    );
    let helm_list = helm("configmap", "cli-cm-b", &["list"]);
    let ours = json("configmap", &["list", "-n", "cli-cm-b", "-o", "json"]);
    assert_eq!(ours[0]["name"], helm_list[0]["name"]);
    // The secret driver sees none of them.
    assert_eq!(ok("secret", &["list", "-n", "cli-cm-b", "-q"]), "");
}

#[test]
fn missing_releases_and_bad_names_fail_like_helm() {
    let ns = "cli-missing";
    for args in [
        vec!["status", "nothing", "-n", ns],
        vec!["history", "nothing", "-n", ns],
        vec!["get", "values", "nothing", "-n", ns],
        vec!["get", "manifest", "nothing", "-n", ns, "--revision", "3"],
    ] {
        let run = wheelhouse("secret", &args);
        assert_eq!(run.code, 1, "{args:?}");
        assert_eq!(run.stderr, "Error: release: not found\n", "{args:?}");
        assert_eq!(run.stdout, "");
    }
    let run = wheelhouse("secret", &["history", "Bad_Name", "-n", ns]);
    assert_eq!(run.stderr, "Error: release name is invalid: Bad_Name\n");
    let run = wheelhouse("secret", &["get", "notes", "Bad_Name", "-n", ns]);
    assert_eq!(
        run.stderr,
        "Error: releaseContent: Release name is invalid: Bad_Name\n"
    );
    let run = wheelhouse("secret", &["list", "-n", ns, "-f", "("]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with("Error: --filter \"(\""),
        "{}",
        run.stderr
    );
    // An empty namespace lists headers only, and JSON an empty list.
    assert_eq!(
        ok("secret", &["list", "-n", ns, "--color", "never"]),
        "NAME\tNAMESPACE\tREVISION\tUPDATED\tSTATUS\tCHART\tAPP VERSION\n"
    );
    assert_eq!(ok("secret", &["list", "-n", ns, "-o", "json"]), "[]\n");
    assert_eq!(ok("secret", &["list", "-n", ns, "--no-headers"]), "\n");

    // A driver Helm doesn't know, and an unreachable database: one line each.
    let run = wheelhouse("etcd", &["list", "-n", ns]);
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (
            1,
            "Error: unknown storage driver \"etcd\" in HELM_DRIVER; use secret (the default), configmap, memory or sql\n"
        )
    );
    let run = Wheelhouse::new(SANDBOX.kubeconfig())
        .driver("sql")
        .envs([(
            "HELM_DRIVER_SQL_CONNECTION_STRING",
            "postgresql://helm:hunter2@127.0.0.1:1/helm?sslmode=disable",
        )])
        .run(&["list", "-n", ns]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with("Error: ") && run.stderr.contains("127.0.0.1:1"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
}

/// The Python SDK under helm-ref (`$HELM_REF_VENV`, else its usual place),
/// for the Helm actions helm-ref's command line doesn't expose.
fn sdk_python() -> Option<PathBuf> {
    let venv = std::env::var_os("HELM_REF_VENV")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|h| PathBuf::from(h).join(".cache/wheelhouse/helm-ref-venv"))
        })?;
    let python = venv.join("bin/python");
    python.exists().then_some(python)
}

/// One libhelm_c call (`helm_list` with List's options, `helm_get_metadata`)
/// against the sandbox, its JSON answer as Helm's SDK wrote it.
fn sdk(python: &Path, driver: &str, ns: &str, call: &str, args: &[&str]) -> String {
    let script = "import sys, helm_python as helm\n\
        from helm_python import _native\n\
        kc, driver, ns, call = sys.argv[1:5]\n\
        cfg = helm.Config(kubeconfig_path=kc, namespace=ns, storage_driver=driver)\n\
        sys.stdout.write(_native.call_string(call, cfg._raw(), *sys.argv[5:]))\n";
    let out = Command::new(python)
        .envs(sql_env())
        .arg("-c")
        .arg(script)
        .arg(SANDBOX.kubeconfig())
        .args([driver, ns, call])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{call} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn list_selection_and_metadata_match_helms_own_actions() {
    if without_helm() {
        return;
    }
    let Some(python) = sdk_python() else {
        eprintln!("skipped: helm-ref's Python SDK is not installed on this machine");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let chart = write_chart(dir.path(), "demo", &DEMO_CHART);
    let ns = "cli-select";
    helm(
        "secret",
        ns,
        &["install", "web", &chart, "--create-namespace"],
    );
    helm("secret", ns, &["upgrade", "web", &chart, "--set", "a=two"]);
    helm(
        "secret",
        ns,
        &["upgrade", "web", &chart, "--set", "a=three"],
    );
    for name in ["b2", "a1", "c3"] {
        helm("secret", ns, &["install", name, &chart]);
    }
    let cases: [(&str, &[&str]); 11] = [
        ("{}", &[]),
        (r#"{"sort_reverse":true}"#, &["-r"]),
        (r#"{"by_date":true}"#, &["-d"]),
        (r#"{"by_date":true,"sort_reverse":true}"#, &["-d", "-r"]),
        (r#"{"limit":2,"offset":1}"#, &["-m", "2", "--offset", "1"]),
        (r#"{"offset":9}"#, &["--offset", "9"]),
        (r#"{"filter":"^[ab]"}"#, &["-f", "^[ab]"]),
        (r#"{"superseded":true}"#, &["--superseded"]),
        (
            r#"{"superseded":true,"deployed":true}"#,
            &["--superseded", "--deployed"],
        ),
        (r#"{"failed":true}"#, &["--failed"]),
        (r#"{"selector":"version=3"}"#, &["-l", "version=3"]),
    ];
    for (options, flags) in cases {
        let theirs: Value =
            serde_json::from_str(&sdk(&python, "secret", ns, "helm_list", &[options])).unwrap();
        let mut args = vec!["list", "-n", ns, "-o", "json"];
        args.extend_from_slice(flags);
        let ours = json("secret", &args);
        let pick = |list: &Value, revision_as_text: bool| -> Vec<String> {
            list.as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    let revision = if revision_as_text {
                        r["revision"].as_str().unwrap().to_owned()
                    } else {
                        r["revision"].to_string()
                    };
                    format!("{}@{revision}", r["name"].as_str().unwrap())
                })
                .collect()
        };
        assert_eq!(pick(&ours, true), pick(&theirs, false), "list {flags:?}");
    }
    // `get metadata -o json` is Helm's `action.Metadata` encoded, byte for byte.
    for revision in ["0", "2"] {
        let theirs = sdk(
            &python,
            "secret",
            ns,
            "helm_get_metadata",
            &["web", &format!("{{\"revision\":{revision}}}")],
        );
        let ours = ok(
            "secret",
            &[
                "get",
                "metadata",
                "web",
                "-n",
                ns,
                "--revision",
                revision,
                "-o",
                "json",
            ],
        );
        assert_eq!(ours, format!("{theirs}\n"), "revision {revision}");
    }
}

/// A record Helm can't decode, at revision `version` of `name`.
fn corrupt_record(ns: &str, name: &str, version: i64) {
    use k8s_openapi::api::core::v1::Secret;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = SANDBOX.client().await;
        let secret: Secret = serde_json::from_value(serde_json::json!({
            "metadata": {
                "name": format!("sh.helm.release.v1.{name}.v{version}"),
                "labels": {"owner": "helm", "name": name, "version": version.to_string(), "status": "deployed"},
            },
            "type": "helm.sh/release.v1",
            "stringData": {"release": "this is not a release"},
        }))
        .unwrap();
        kube::Api::<Secret>::namespaced(client, ns)
            .create(&Default::default(), &secret)
            .await
            .unwrap();
    });
}

#[test]
fn an_unreadable_latest_record_falls_back_to_the_newest_readable_one() {
    if without_helm() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let chart = write_chart(dir.path(), "demo", &DEMO_CHART);
    let ns = "cli-corrupt";
    helm(
        "secret",
        ns,
        &["install", "web", &chart, "--create-namespace"],
    );
    corrupt_record(ns, "web", 2);
    // Helm's own list and status pass over the record too.
    assert_eq!(helm("secret", ns, &["list"])[0]["revision"], 1);
    assert_eq!(helm("secret", ns, &["status", "web"])["revision"], 1);

    let run = wheelhouse("secret", &["list", "-n", ns, "-q"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "web\n"));
    assert!(
        run.stderr
            .contains("skipped release record sh.helm.release.v1.web.v2 in namespace cli-corrupt"),
        "{}",
        run.stderr
    );
    let listed = json("secret", &["list", "-n", ns, "-o", "json"]);
    assert_eq!(listed[0]["revision"], "1");
    let status = wheelhouse("secret", &["status", "web", "-n", ns, "-o", "json"]);
    assert_eq!(status.code, 0, "{}", status.stderr);
    let status: Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(status["version"], 1);
    let history = wheelhouse("secret", &["history", "web", "-n", ns]);
    assert_eq!(history.stdout.lines().count(), 2, "{}", history.stdout);
    assert!(history.stderr.contains("sh.helm.release.v1.web.v2"));
    // Asked for by number, the broken revision is an error naming it.
    let run = wheelhouse(
        "secret",
        &["get", "values", "web", "-n", ns, "--revision", "2"],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("sh.helm.release.v1.web.v2"),
        "{}",
        run.stderr
    );
}

#[test]
fn sql_records_read_as_helm_reads_them() {
    if without_helm() {
        return;
    }
    let (Some(_), Some(python)) = (postgres(), sdk_python()) else {
        eprintln!("skipped: no test PostgreSQL (WHEELHOUSE_TEST_POSTGRES) or no helm-ref SDK");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let chart = write_chart(dir.path(), "demo", &DEMO_CHART);
    // The database outlives the sandbox; a namespace of its own keeps runs apart.
    let ns = format!(
        "cli-sql-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
    );
    let ns = ns.as_str();
    helm(
        "sql",
        ns,
        &[
            "install",
            "web",
            &chart,
            "--create-namespace",
            "--label",
            "team=a",
        ],
    );
    helm("sql", ns, &["upgrade", "web", &chart, "--set", "a=two"]);
    helm("sql", ns, &["install", "api", &chart]);

    let ours = json("sql", &["list", "-n", ns, "-o", "json"]);
    let theirs = helm("sql", ns, &["list"]);
    assert_eq!(ours.as_array().unwrap().len(), 2);
    for (mine, helm) in ours
        .as_array()
        .unwrap()
        .iter()
        .zip(theirs.as_array().unwrap())
    {
        assert_eq!(mine["name"], helm["name"]);
        assert_eq!(
            mine["revision"],
            Value::String(helm["revision"].to_string())
        );
        assert_eq!(mine["status"], helm["status"]);
    }
    // The SQL driver's List labels carry name/owner/status/version, its
    // Query labels only the release's own.
    for selector in [
        "status=deployed",
        "version=2",
        "team=a",
        "owner=helm,name=api",
    ] {
        let theirs: Value = serde_json::from_str(&sdk(
            &python,
            "sql",
            ns,
            "helm_list",
            &[&format!("{{\"selector\":\"{selector}\"}}")],
        ))
        .unwrap();
        let ours = json("sql", &["list", "-n", ns, "-o", "json", "-l", selector]);
        let names = |v: &Value| -> Vec<String> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|r| r["name"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(names(&ours), names(&theirs), "-l {selector}");
    }
    let theirs = sdk(&python, "sql", ns, "helm_get_metadata", &["web", "{}"]);
    let ours = ok("sql", &["get", "metadata", "web", "-n", ns, "-o", "json"]);
    assert_eq!(ours, format!("{theirs}\n"));
    assert_eq!(
        json(
            "sql",
            &["get", "values", "web", "-n", ns, "-a", "-o", "json"]
        ),
        helm("sql", ns, &["get-values", "web", "--all"])
    );
    let history = json("sql", &["history", "web", "-n", ns, "-o", "json"]);
    assert_eq!(history.as_array().unwrap().len(), 2);
}
