//! `wheelhouse template` against Helm's own output for the demo charts.
//!
//! The golden files come from the real Helm engine (`scripts/golden-template`);
//! the cases here are the same as that script's, and must stay so.

use std::path::Path;
use std::process::Command;

const CASES: &[(&str, &str)] = &[
    ("hello", "release-name assets/charts/hello"),
    (
        "hello-production",
        "web assets/charts/hello -n prod --is-upgrade --skip-tests -f assets/charts/hello/ci/production-values.yaml",
    ),
    // The benchmark workload: what is timed must be what Helm prints.
    ("heavy", "release-name benches/charts/heavy"),
];

/// Runs the built binary; not starting it at all fails the calling test.
fn wheelhouse(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_wheelhouse"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        // Helm's environment must not leak into the comparison.
        .env_remove("HELM_NAMESPACE")
        .env_remove("HELM_DEBUG")
        .output()
        .expect("wheelhouse runs")
}

#[test]
fn template_matches_helm_byte_for_byte() {
    for (name, args) in CASES {
        let golden = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden/template")
            .join(format!("{name}.yaml"));
        let expected = std::fs::read_to_string(&golden).expect("golden file");
        let mut argv = vec!["template"];
        argv.extend(args.split(' '));
        let out = wheelhouse(&argv);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected, "{name}");
    }
}

#[test]
fn errors_are_helms() {
    let out = wheelhouse(&["template", "Bad_Name", "assets/charts/hello"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "Error: release name check failed: release name \"Bad_Name\": invalid release name, \
         must match regex ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ \
         and the length must not be longer than 53\n"
    );

    let out = wheelhouse(&[
        "template",
        "assets/charts/hello",
        "--show-only",
        "templates/nope.yaml",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "Error: could not find template templates/nope.yaml in chart\n"
    );

    let out = wheelhouse(&["template", "x", "assets/charts/missing"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "Error: path \"assets/charts/missing\" not found\n"
    );
}

#[test]
fn no_command_opens_the_tui_which_needs_a_terminal() {
    let out = wheelhouse(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "Error: the TUI needs a terminal; for scripts use the commands (`wheelhouse --help`)\n"
    );
    let help = wheelhouse(&["--help"]);
    assert!(String::from_utf8_lossy(&help.stdout).contains("Usage: wheelhouse"));
}

#[test]
fn completion_scripts_print() {
    for shell in ["bash", "zsh", "fish"] {
        let out = wheelhouse(&["completion", shell]);
        assert!(out.status.success(), "{shell}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("wheelhouse"),
            "{shell}"
        );
    }
}

/// A chart written into a temporary directory: (path, contents) pairs.
fn temp_chart(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

const CAPS_CHART: &[(&str, &str)] = &[
    (
        "c/Chart.yaml",
        "apiVersion: v2\nname: c\nversion: 0.1.0\nkubeVersion: \">=1.30.0-0\"\n",
    ),
    (
        "c/templates/cm.yaml",
        "kind: ConfigMap\ndata:\n  kv: {{ .Capabilities.KubeVersion }} {{ .Capabilities.KubeVersion.Version }} {{ .Capabilities.KubeVersion.Minor }}\n  has: {{ .Capabilities.APIVersions.Has \"foo/v1\" }} {{ .Capabilities.APIVersions.Has \"foo/v1/Bar\" }}\n  name: {{ .Release.Name }}\n",
    ),
    ("c/crds/crd.yaml", "kind: CustomResourceDefinition\n"),
    (
        "c/charts/sub/Chart.yaml",
        "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
    ),
    (
        "c/charts/sub/crds/sub.json",
        "{\"kind\": \"CustomResourceDefinition\"}\n",
    ),
    ("c/charts/sub/crds/notes.txt", "not a CRD\n"),
];

/// `--kube-version`, `--api-versions` and `--include-crds` as Helm's template
/// command applies them (Helm's pkg/cmd/template.go and action.renderResources).
#[test]
fn capability_flags_and_crds() {
    let dir = temp_chart(CAPS_CHART);
    let chart = dir.path().join("c");
    let chart = chart.to_str().unwrap();
    let out = wheelhouse(&[
        "template",
        chart,
        "--kube-version",
        "1.31.2-gke.5",
        "-a",
        "foo/v1,foo/v1/Bar",
        "--include-crds",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "---\n# Source: c/crds/crd.yaml\nkind: CustomResourceDefinition\n\n\
         ---\n# Source: c/charts/sub/crds/sub.json\n{\"kind\": \"CustomResourceDefinition\"}\n\n\
         ---\n# Source: c/templates/cm.yaml\nkind: ConfigMap\ndata:\n  kv: v1.31.2 v1.31.2-gke.5 31\n  has: true true\n  name: release-name\n"
    );

    let out = wheelhouse(&["template", chart, "--kube-version", "1.29"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "Error: chart requires kubeVersion: >=1.30.0-0 which is incompatible with Kubernetes v1.29\n\n\
         Use --debug flag to render out invalid YAML\n"
    );
    for (bad, why) in [
        (
            "01.29",
            "illegal zero-prefixed version component \"01\" in \"01.29\"",
        ),
        ("1", "illegal version string \"1\""),
        ("latest", "could not parse \"latest\" as version"),
    ] {
        let out = wheelhouse(&["template", chart, "--kube-version", bad]);
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("Error: invalid kube version '{bad}': {why}\n")
        );
    }
}

/// `--output-dir` writes each source file (with `--release-name`, under the
/// release's directory) and prints what it wrote.
#[test]
fn output_dir_writes_files() {
    let dir = temp_chart(CAPS_CHART);
    let chart = dir.path().join("c");
    let out_dir = dir.path().join("out");
    let out = wheelhouse(&[
        "template",
        "web",
        chart.to_str().unwrap(),
        "--output-dir",
        out_dir.to_str().unwrap(),
        "--release-name",
        "--include-crds",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let base = out_dir.join("web");
    let stdout = String::from_utf8_lossy(&out.stdout);
    for name in [
        "c/crds/crd.yaml",
        "c/charts/sub/crds/sub.json",
        "c/templates/cm.yaml",
    ] {
        let path = base.join(name);
        assert!(
            stdout.contains(&format!("wrote {}\n", path.display())),
            "{stdout}"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with(&format!("---\n# Source: {name}\n")),
            "{text}"
        );
    }
}

/// Helm's `NameAndChart` rules for `helm template`.
#[test]
fn release_name_flags() {
    let dir = temp_chart(CAPS_CHART);
    let chart = dir.path().join("c");
    let chart = chart.to_str().unwrap();
    let out = wheelhouse(&[
        "template",
        chart,
        "--name-template",
        "{{ \"ab\" | upper }}-x",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("release name check failed"));
    let out = wheelhouse(&[
        "template",
        chart,
        "--name-template",
        "{{ \"ab\" | repeat 2 }}-x",
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("name: abab-x"));
    // `helm template` names the release "release-name" before --generate-name
    // is looked at, so the flag changes nothing with one argument.
    let out = wheelhouse(&["template", chart, "--generate-name"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("name: release-name"));
    let out = wheelhouse(&["template", "x", chart, "-g"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "Error: cannot set --generate-name and also specify a name\n"
    );
    let out = wheelhouse(&["template", "x", chart, "--name-template", "y"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "Error: cannot set --name-template and also specify a name\n"
    );
}

/// `--post-renderer` gets the manifest stream (manifests, not hooks) on stdin
/// and its stdout replaces it, as Helm 3's `renderResources` does; a failing
/// program's stderr is in the error.
#[test]
fn post_renderer_rewrites_the_manifests() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_chart(&[
        ("c/Chart.yaml", "apiVersion: v2\nname: c\nversion: 0.1.0\n"),
        (
            "c/templates/cm.yaml",
            "kind: ConfigMap\nmetadata:\n  name: plain\n",
        ),
        (
            "c/templates/hook.yaml",
            "kind: Job\nmetadata:\n  name: plain-hook\n  annotations:\n    helm.sh/hook: pre-install\n",
        ),
        ("upper.sh", "#!/bin/sh\nsed \"s/plain/$1/\"\n"),
        (
            "fail.sh",
            "#!/bin/sh\necho 'kustomize: no kustomization.yaml' >&2\nexit 3\n",
        ),
    ]);
    for script in ["upper.sh", "fail.sh"] {
        let path = dir.path().join(script);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let chart = dir.path().join("c");
    let script = dir.path().join("upper.sh");
    let out = wheelhouse(&[
        "template",
        chart.to_str().unwrap(),
        "--post-renderer",
        script.to_str().unwrap(),
        "--post-renderer-args",
        "rendered",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "---\n# Source: c/templates/cm.yaml\nkind: ConfigMap\nmetadata:\n  name: rendered\n\
         ---\n# Source: c/templates/hook.yaml\nkind: Job\nmetadata:\n  name: plain-hook\n  \
         annotations:\n    helm.sh/hook: pre-install\n\n"
    );

    let failing = dir.path().join("fail.sh");
    let out = wheelhouse(&[
        "template",
        chart.to_str().unwrap(),
        "--post-renderer",
        failing.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("Error: error while running post render on files: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("kustomize: no kustomization.yaml"),
        "{stderr}"
    );
}
