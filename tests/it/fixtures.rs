//! What the end-to-end modules share: a lazily started sandbox per module
//! (with its kubeconfig file), runners for real Helm (helm-ref) and for the
//! wheelhouse binary, and a chart-directory writer.
//!
//! Each module keeps its own `static SANDBOX: SharedSandbox`, so tests in
//! different modules never see each other's records: some compare
//! cluster-wide listings with Helm's.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, PostParams};
use serde_json::{Value, json};
use wheelhouse::sandbox::{Options, Sandbox};

/// A sandbox started on first use and kept for the life of the test binary.
pub struct SharedSandbox {
    sandbox: OnceLock<Sandbox>,
    kubeconfig: OnceLock<(tempfile::TempDir, PathBuf)>,
}

impl SharedSandbox {
    pub const fn new() -> Self {
        SharedSandbox {
            sandbox: OnceLock::new(),
            kubeconfig: OnceLock::new(),
        }
    }

    pub fn sandbox(&self) -> &Sandbox {
        self.sandbox
            .get_or_init(|| Sandbox::start(Options::default()).expect("sandbox starts"))
    }

    /// A kubeconfig file for the sandbox, written once.
    pub fn kubeconfig(&self) -> &Path {
        let (_, path) = self.kubeconfig.get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("kubeconfig");
            self.sandbox().write_kubeconfig(&path).unwrap();
            (dir, path)
        });
        path
    }

    pub async fn client(&self) -> kube::Client {
        self.sandbox().client().await.unwrap()
    }
}

/// Creates each namespace in `names`.
pub async fn create_namespaces(client: &kube::Client, names: &[&str]) {
    let api: Api<Namespace> = Api::all(client.clone());
    for name in names {
        let ns: Namespace = serde_json::from_value(json!({"metadata": {"name": name}})).unwrap();
        api.create(&PostParams::default(), &ns).await.unwrap();
    }
}

/// helm-ref: `$HELM_REF`, else `../shared/tools/helm-ref` beside the repository.
pub fn helm_ref() -> PathBuf {
    std::env::var_os("HELM_REF")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tools/helm-ref"))
}

/// Whether this run skips the tests that need helm-ref (scripts/test sets
/// `WHEELHOUSE_WITHOUT_HELM_REF`, with a warning, only on a machine without
/// it); says so when it does.
pub fn without_helm() -> bool {
    let skip = std::env::var_os("WHEELHOUSE_WITHOUT_HELM_REF").is_some();
    if skip {
        eprintln!("skipped: helm-ref is not installed on this machine");
    }
    skip
}

/// One helm-ref invocation target: cluster, storage driver, namespace and
/// extra environment (such as the SQL driver's connection string).
pub struct HelmRef<'a> {
    kubeconfig: &'a Path,
    driver: &'a str,
    namespace: &'a str,
    env: Vec<(String, String)>,
}

impl<'a> HelmRef<'a> {
    pub fn new(kubeconfig: &'a Path, driver: &'a str, namespace: &'a str) -> Self {
        HelmRef {
            kubeconfig,
            driver,
            namespace,
            env: Vec::new(),
        }
    }

    pub fn envs<K: Into<String>, V: Into<String>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.env
            .extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Helm's JSON answer (or its plain text as a string), or on failure
    /// its output and error text.
    pub fn run(&self, args: &[&str]) -> Result<Value, String> {
        let path = helm_ref();
        assert!(
            path.exists(),
            "helm-ref not found at {} (set HELM_REF)",
            path.display()
        );
        let out = Command::new(&path)
            .arg("--kubeconfig")
            .arg(self.kubeconfig)
            .args(["--driver", self.driver, "-n", self.namespace])
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        if !out.status.success() {
            return Err(format!("{stdout}{}", String::from_utf8_lossy(&out.stderr)));
        }
        Ok(serde_json::from_str(&stdout).unwrap_or(Value::String(stdout)))
    }

    /// The answer of a command that must succeed.
    pub fn ok(&self, args: &[&str]) -> Value {
        self.run(args)
            .unwrap_or_else(|err| panic!("helm-ref {args:?}: {err}"))
    }
}

/// The statuses of a helm-ref `history` or `list` answer, in its order.
pub fn helm_statuses(answer: &Value) -> Vec<&str> {
    answer
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect()
}

/// What a finished wheelhouse process said.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The wheelhouse binary against a cluster, with none of the caller's
/// Helm settings leaking in (namespace, driver, colour).
pub struct Wheelhouse {
    command: Command,
}

impl Wheelhouse {
    pub fn new(kubeconfig: &Path) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_wheelhouse"));
        command
            .env("KUBECONFIG", kubeconfig)
            .env_remove("HELM_DRIVER")
            .env_remove("HELM_NAMESPACE")
            .env_remove("HELM_COLOR")
            .env_remove("NO_COLOR");
        Wheelhouse { command }
    }

    pub fn driver(mut self, driver: &str) -> Self {
        self.command.env("HELM_DRIVER", driver);
        self
    }

    pub fn envs<K: AsRef<std::ffi::OsStr>, V: AsRef<std::ffi::OsStr>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.command.envs(vars);
        self
    }

    pub fn run(mut self, args: &[&str]) -> Run {
        let out = self.command.args(args).output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Output of a command that must succeed.
    pub fn ok(self, args: &[&str]) -> String {
        let run = self.run(args);
        assert_eq!(
            run.code, 0,
            "wheelhouse {args:?}: {}{}",
            run.stdout, run.stderr
        );
        run.stdout
    }
}

/// Writes a chart directory `dir/name` from (path inside the chart, text)
/// pairs, Chart.yaml included; returns its path as command lines take it.
pub fn write_chart(dir: &Path, name: &str, files: &[(&str, &str)]) -> String {
    let chart = dir.join(name);
    for (path, text) in files {
        let path = chart.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, text).unwrap();
    }
    chart.to_string_lossy().into_owned()
}
