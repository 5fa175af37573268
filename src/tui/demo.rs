//! The demo the TUI opens on when there is no kubeconfig: an in-process
//! sandbox cluster with a few releases made by the engine itself (one with
//! a history to browse and roll back), so the TUI can be tried without
//! touching any real cluster.

use crate::engine::events::{Cancel, Progress};
use crate::engine::{Engine, InstallOptions, UpgradeOptions};
use crate::gotmpl::Entries;
use crate::kube::cluster::Cluster;
use crate::sandbox::{Options, Sandbox};
use crate::storage::{Secrets, Storage};

/// Where the demo releases live.
pub const DEMO_NAMESPACE: &str = "demo";

/// What the header says in demo mode.
pub const BANNER: &str = "DEMO: no kubeconfig found; this is a local sandbox, not a cluster";

const CHART: [(&str, &str); 4] = [
    (
        "Chart.yaml",
        "apiVersion: v2\nname: hello\nversion: 1.0.0\nappVersion: \"1.25\"\n",
    ),
    (
        "values.yaml",
        "replicas: 2\ngreeting: Hello from wheelhouse\n",
    ),
    (
        "templates/app.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  greeting: {{ .Values.greeting | quote }}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  replicas: {{ .Values.replicas }}\n  selector:\n    matchLabels: {app: {{ .Release.Name }}}\n  template:\n    metadata:\n      labels: {app: {{ .Release.Name }}}\n    spec:\n      containers:\n      - name: web\n        image: nginx:{{ .Chart.AppVersion }}\n",
    ),
    (
        "templates/NOTES.txt",
        "{{ .Release.Name }} says {{ .Values.greeting }}.\n",
    ),
];

/// A running demo: keep the sandbox and chart alive as long as the engine
/// is used. The releases are made by [`populate`] with `filler`, while the
/// TUI already runs on `engine`, so the first frame needn't wait for them.
pub struct Demo {
    pub sandbox: Sandbox,
    pub engine: Engine,
    pub filler: Engine,
    pub chart: ChartDir,
}

/// The demo chart's directory, removed when the demo ends.
pub struct ChartDir(pub std::path::PathBuf);

impl Drop for ChartDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Starts the sandbox and writes the demo chart.
pub async fn start() -> anyhow::Result<Demo> {
    let sandbox = Sandbox::start(Options::default())?;
    // Two clients, two connection pools: a pooled connection belongs to the
    // runtime that opened it, and the filler's runtime ends with
    // `populate`. A shared pool would hand the TUI's worker a connection
    // whose runtime is gone ("dispatch task is gone").
    let (client, filler_client) = (sandbox.client().await?, sandbox.client().await?);
    let engine = |client: &kube::Client| {
        Engine::new(
            Storage::new(Box::new(Secrets::new(client.clone()))),
            Cluster::new(client.clone()),
            DEMO_NAMESPACE,
        )
    };
    let dir = std::env::temp_dir().join(format!("wheelhouse-demo-{}", std::process::id()));
    for (path, text) in CHART {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, text)?;
    }
    Ok(Demo {
        sandbox,
        engine: engine(&client),
        filler: engine(&filler_client),
        chart: ChartDir(dir),
    })
}

/// Makes the demo releases: two installs, and two upgrades of `web` so its
/// history has something to roll back to.
pub async fn populate(engine: &Engine, chart: &std::path::Path) -> anyhow::Result<()> {
    let (progress, cancel) = (Progress::default(), Cancel::new());
    for name in ["web", "api"] {
        let mut install = InstallOptions::new(name, chart);
        install.create_namespace = true;
        engine.install(&install, &progress, &cancel).await?;
    }
    for replicas in ["3", "1"] {
        let mut upgrade = UpgradeOptions::new("web", chart);
        upgrade.values = values(&format!("replicas={replicas}"))?;
        engine.upgrade(&upgrade, &progress, &cancel).await?;
    }
    Ok(())
}

fn values(set: &str) -> anyhow::Result<Entries> {
    Ok(crate::chart::strvals::parse(
        set,
        crate::chart::strvals::Mode::Typed,
    )?)
}
