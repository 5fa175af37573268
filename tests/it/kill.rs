//! An upgrade killed (SIGKILL) at random points never leaves records real
//! Helm cannot read, and a release it leaves `pending-upgrade` is resolved
//! by `wheelhouse recover NAME --yes`, after which an upgrade succeeds.
//!
//! The upgrade is long enough to be hit mid-way: a pre-upgrade hook Job the
//! sandbox completes only after its ready delay, then 60 objects to apply.
//! The random delays come from a seed printed on failure; set
//! `WHEELHOUSE_KILL_SEED` to replay one.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use wheelhouse::sandbox::{Options, Sandbox};

use crate::fixtures::{HelmRef, Wheelhouse, helm_statuses, without_helm, write_chart};

/// Killed upgrades per run.
const KILLS: usize = 20;
/// How long the sandbox takes to complete the hook Job.
const HOOK_DELAY: Duration = Duration::from_millis(400);
const OBJECTS: usize = 60;
const RELEASE: &str = "web";
const NAMESPACE: &str = "kill";

fn chart(dir: &Path) -> String {
    let objects = format!(
        "{{{{- range $i := until {OBJECTS} }}}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{{{ $.Release.Name }}}}-{{{{ $i }}}}\ndata:\n  round: {{{{ $.Values.round | quote }}}}\n{{{{- end }}}}\n"
    );
    let hook = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {{ .Release.Name }}-pre\n  annotations:\n    helm.sh/hook: pre-upgrade\n    helm.sh/hook-delete-policy: before-hook-creation\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: c\n        image: busybox\n        args: [\"true\"]\n";
    write_chart(
        dir,
        "killdemo",
        &[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: killdemo\nversion: 0.1.0\n",
            ),
            ("values.yaml", "round: \"0\"\n"),
            ("templates/objects.yaml", &objects),
            ("templates/hook.yaml", hook),
        ],
    )
}

/// xorshift64*: enough randomness for kill delays, reproducible from a seed.
struct Delays(u64);

impl Delays {
    fn next_below(&mut self, limit: Duration) -> Duration {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let unit = (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64;
        limit.mul_f64(unit)
    }
}

fn seed() -> u64 {
    std::env::var("WHEELHOUSE_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap();
            now.as_nanos() as u64 | 1
        })
}

fn upgrade_args<'a>(chart: &'a str, round: &'a str) -> [&'a str; 7] {
    ["upgrade", RELEASE, chart, "-n", NAMESPACE, "--set", round]
}

#[test]
fn killed_upgrades_leave_records_helm_reads_and_recover_resolves() {
    if without_helm() {
        return;
    }
    let sandbox = Sandbox::start(Options {
        ready_delay: HOOK_DELAY,
        ..Options::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    sandbox.write_kubeconfig(&kubeconfig).unwrap();
    let chart = chart(dir.path());
    let helm = HelmRef::new(&kubeconfig, "secret", NAMESPACE);
    let wheelhouse = || Wheelhouse::new(&kubeconfig).driver("secret");

    wheelhouse().ok(&[
        "install",
        RELEASE,
        &chart,
        "-n",
        NAMESPACE,
        "--create-namespace",
    ]);
    let started = Instant::now();
    wheelhouse().ok(&upgrade_args(&chart, "round=timed"));
    let duration = started.elapsed();
    assert!(duration > HOOK_DELAY, "the upgrade waited for its hook");

    let seed = seed();
    let mut delays = Delays(seed);
    let mut outcomes = Vec::new();
    for kill in 0..KILLS {
        let context = format!("kill {kill} (WHEELHOUSE_KILL_SEED={seed})");
        let round = format!("round={kill}");
        let delay = delays.next_below(duration);
        let mut child = Command::new(env!("CARGO_BIN_EXE_wheelhouse"))
            .env("KUBECONFIG", &kubeconfig)
            .env("HELM_DRIVER", "secret")
            .args(upgrade_args(&chart, &round))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        // Child::kill sends SIGKILL: no handler runs, nothing is cleaned up.
        child.kill().unwrap();
        child.wait().unwrap();

        let history = helm
            .run(&["history", RELEASE])
            .unwrap_or_else(|e| panic!("{context}: Helm reads the history: {e}"));
        helm.run(&["get-all", RELEASE])
            .unwrap_or_else(|e| panic!("{context}: Helm reads the latest record: {e}"));
        let statuses = helm_statuses(&history);
        let ours: Value = serde_json::from_str(&wheelhouse().ok(&[
            "history", RELEASE, "-n", NAMESPACE, "-o", "json", "--max", "1000",
        ]))
        .unwrap();
        let ours: Vec<&str> = ours
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["status"].as_str().unwrap())
            .collect();
        assert_eq!(
            ours, statuses,
            "{context}: both tools read the same history"
        );
        let latest = *statuses.last().unwrap();
        outcomes.push((delay, latest.to_owned()));
        assert!(
            statuses[..statuses.len() - 1]
                .iter()
                .all(|s| matches!(*s, "superseded" | "failed" | "deployed")),
            "{context}: only the latest revision may be pending: {statuses:?}"
        );
        assert!(
            statuses.iter().filter(|s| **s == "deployed").count() <= 1,
            "{context}: one deployed revision at most: {statuses:?}"
        );
        match latest {
            "deployed" => {}
            "pending-upgrade" => {
                let refused = wheelhouse().run(&upgrade_args(&chart, &round));
                assert_ne!(
                    refused.code, 0,
                    "{context}: a pending release refuses upgrades"
                );
                assert!(
                    refused
                        .stderr
                        .contains("another operation (install/upgrade/rollback) is in progress"),
                    "{context}: {}",
                    refused.stderr
                );
                wheelhouse().ok(&["recover", RELEASE, "-n", NAMESPACE, "--yes"]);
                let recovered = helm_statuses(&helm.ok(&["history", RELEASE]))
                    .last()
                    .map(|s| s.to_string());
                assert_eq!(recovered.as_deref(), Some("failed"), "{context}");
                wheelhouse().ok(&upgrade_args(&chart, &round));
                let after = helm.ok(&["history", RELEASE]);
                assert_eq!(
                    helm_statuses(&after).last().copied(),
                    Some("deployed"),
                    "{context}: the upgrade after recover succeeds"
                );
            }
            other => panic!("{context}: unexpected latest status {other}: {statuses:?}"),
        }
    }
    eprintln!("upgrade took {duration:?}; kills (delay, latest status): {outcomes:?}");
    assert!(
        outcomes.iter().any(|(_, s)| s == "pending-upgrade"),
        "some kill landed mid-upgrade: {outcomes:?}"
    );
}
