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
fn no_command_prints_help() {
    let out = wheelhouse(&[]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Usage: wheelhouse"));
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
