//! `wheelhouse diff upgrade|rollback`: previews on the sandbox show the change
//! against the live objects (a hand-made change to a live object is what
//! the preview undoes), mask Secrets, show post-rendering, answer
//! `--detailed-exitcode` and `-o json`, and write nothing.

use serde_json::Value;

use crate::fixtures::{SharedSandbox, Wheelhouse, create_namespaces, write_chart};

static SANDBOX: SharedSandbox = SharedSandbox::new();

const CHART: [(&str, &str); 3] = [
    ("Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n"),
    ("values.yaml", "image: nginx:1.0\npassword: hunter2\n"),
    (
        "templates/objects.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: {{ .Values.image }}\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: web\nstringData:\n  password: {{ .Values.password }}\n",
    ),
];

fn wheelhouse() -> Wheelhouse {
    Wheelhouse::new(SANDBOX.kubeconfig()).driver("secret")
}

fn kubectl(args: &[&str]) -> String {
    let out = std::process::Command::new("kubectl")
        .env("KUBECONFIG", SANDBOX.kubeconfig())
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn upgrade_preview_shows_what_the_patch_does_to_the_live_objects() {
    create_namespaces(&SANDBOX.client().await, &["preview-up"]).await;
    let dir = tempfile::tempdir().unwrap();
    let chart = write_chart(dir.path(), "web", &CHART);
    let ns = ["-n", "preview-up"];
    wheelhouse().ok(&[&["install", "web", &chart][..], &ns].concat());
    // A hand-made change the upgrade will undo.
    kubectl(&[
        "scale",
        "deployment/web",
        "--replicas=0",
        "-n",
        "preview-up",
    ]);

    let args = [
        &[
            "diff",
            "upgrade",
            "web",
            &chart,
            "--set",
            "image=nginx:2.0,password=swordfish",
            "--no-color",
        ][..],
        &ns,
    ]
    .concat();
    let text = tokio::task::spawn_blocking({
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        move || {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            wheelhouse().ok(&refs)
        }
    })
    .await
    .unwrap();
    assert!(text.contains("from revision 1 to 2"), "{text}");
    assert!(text.contains("-  replicas: 0"), "{text}");
    assert!(text.contains("+  replicas: 3"), "{text}");
    assert!(text.contains("+      - image: nginx:2.0"), "{text}");
    // Secret values never show in object diffs (the live Secret holds them
    // base64-encoded), but the change does; the values diff shows what the
    // user typed, as `diff revision` does.
    let objects = text.split("--- values of revision").next().unwrap();
    for secret in ["hunter2", "swordfish", "aHVudGVyMg==", "c3dvcmRmaXNo"] {
        assert!(!objects.contains(secret), "{secret} shown: {text}");
    }
    assert!(
        objects.contains("+  password: (secret value hidden, 9 bytes, after)"),
        "{text}"
    );
    // Noise is stripped.
    assert!(
        !text.contains("managedFields") && !text.contains("resourceVersion"),
        "{text}"
    );

    // Nothing was written: still one revision, replicas still 0.
    let history: Value = serde_json::from_str(
        &wheelhouse().ok(&[&["history", "web", "-o", "json"][..], &ns].concat()),
    )
    .unwrap();
    assert_eq!(history.as_array().unwrap().len(), 1);
    assert_eq!(
        kubectl(&[
            "get",
            "deployment/web",
            "-n",
            "preview-up",
            "-o",
            "jsonpath={.spec.replicas}"
        ]),
        "0"
    );

    // --detailed-exitcode: 2 with changes.
    let run = wheelhouse().run(&[&args[..], &["--detailed-exitcode"]].concat());
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);

    // -o json for machines, masked too.
    let json_out = wheelhouse().ok(&[&args[..], &["-o", "json"]].concat());
    let plan: Value = serde_json::from_str(&json_out).unwrap();
    assert!(
        !plan["changes"].to_string().contains("c3dvcmRmaXNo"),
        "{json_out}"
    );
    assert_eq!(plan["toRevision"], 2);
    assert_eq!(plan["hasChanges"], true);
    let actions: Vec<&str> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["patch", "patch"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn unchanged_upgrades_exit_zero_and_post_rendering_is_shown() {
    create_namespaces(&SANDBOX.client().await, &["preview-same"]).await;
    let dir = tempfile::tempdir().unwrap();
    let chart = write_chart(dir.path(), "web", &CHART);
    let ns = ["-n", "preview-same"];
    let (detailed, post) = tokio::task::spawn_blocking(move || {
        wheelhouse().ok(&[&["install", "web", &chart][..], &ns].concat());
        let detailed = wheelhouse().run(
            &[
                &["diff", "upgrade", "web", &chart, "--detailed-exitcode"][..],
                &ns,
            ]
            .concat(),
        );
        let script = dir.path().join("label.sh");
        std::fs::write(
            &script,
            "#!/bin/sh\nsed 's/^metadata:$/metadata:\\n  labels:\\n    post: rendered/'\n",
        )
        .unwrap();
        let executable = std::os::unix::fs::PermissionsExt::from_mode(0o755);
        std::fs::set_permissions(&script, executable).unwrap();
        let post = wheelhouse().ok(&[
            &[
                "diff",
                "upgrade",
                "web",
                &chart,
                "--no-color",
                "--post-renderer",
            ][..],
            &[script.to_str().unwrap()],
            &ns,
        ]
        .concat());
        (detailed, post)
    })
    .await
    .unwrap();
    assert_eq!(detailed.code, 0, "{}{}", detailed.stdout, detailed.stderr);
    assert!(post.contains("+++ post-rendered manifest"), "{post}");
    assert!(post.contains("+    post: rendered"), "{post}");
}

#[tokio::test(flavor = "multi_thread")]
async fn rollback_preview_restores_the_target_revision() {
    create_namespaces(&SANDBOX.client().await, &["preview-back"]).await;
    let dir = tempfile::tempdir().unwrap();
    let chart = write_chart(dir.path(), "web", &CHART);
    let ns = ["-n", "preview-back"];
    let text = tokio::task::spawn_blocking(move || {
        wheelhouse().ok(&[&["install", "web", &chart][..], &ns].concat());
        wheelhouse().ok(&[
            &["upgrade", "web", &chart, "--set", "image=nginx:2.0"][..],
            &ns,
        ]
        .concat());
        wheelhouse().ok(&[&["diff", "rollback", "web", "1", "--no-color"][..], &ns].concat())
    })
    .await
    .unwrap();
    assert!(text.contains("rollback from revision 2 to 3"), "{text}");
    assert!(text.contains("-      - image: nginx:2.0"), "{text}");
    assert!(text.contains("+      - image: nginx:1.0"), "{text}");
}
