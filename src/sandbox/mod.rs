//! The sandbox: a local server that speaks the Kubernetes REST API closely
//! enough that kube-rs, kubectl and Helm work against it, for tests and for
//! machines without a cluster. It never stands in for a configured cluster.
//!
//! [`Sandbox::start`] runs the server on its own thread (with its own tokio
//! runtime) on a loopback port, so one server can be shared by many tests;
//! [`Sandbox::client`] hands out a `kube::Client` for it and
//! [`Sandbox::kubeconfig`] the kubeconfig other clients use.
//!
//! Layout: `api` (routing, requests), `registry` (writes), `reads` (list,
//! watch, deletecollection), `patching`, `store` (objects, resourceVersions,
//! history), `watch`, `discovery`, `openapi`, `resources` (the kinds served),
//! `selector`, `validate`, `status` (errors), `protobuf`, `controllers`,
//! `persist` (state file), `tls`, `server` (HTTP).

mod api;
mod controllers;
mod discovery;
mod openapi;
mod patching;
mod persist;
mod protobuf;
mod reads;
mod registry;
mod resources;
mod selector;
mod server;
mod status;
mod store;
mod tls;
mod validate;
mod watch;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

pub use api::{MAX_OBJECT_BYTES, MAX_REQUEST_BYTES};
pub use controllers::{FAIL_ANNOTATION, NEVER_READY_ANNOTATION};
pub use persist::StateError;
pub use store::WATCH_HISTORY;

/// The kubeconfig context (and cluster and user) name the sandbox writes.
pub const CONTEXT: &str = "wheelhouse-sandbox";

/// How often controllers run.
pub const CONTROLLER_TICK: Duration = Duration::from_millis(50);
/// How often, at most, the state file is rewritten while objects change (it is
/// also written on stop).
pub const STATE_SAVE_INTERVAL: Duration = Duration::from_secs(1);

/// How to run a sandbox.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where to listen; port 0 picks a free one.
    pub listen: SocketAddr,
    /// The bearer token clients must present; None accepts anyone.
    pub token: Option<String>,
    /// How long workloads take to report ready.
    pub ready_delay: Duration,
    /// Keep objects in this file across restarts.
    pub state_file: Option<PathBuf>,
    /// Serve HTTPS with a fresh self-signed CA (written into the kubeconfig).
    /// Go clients send bearer tokens only over TLS, so without it kubectl and
    /// Helm cannot authenticate: use `token: None` for plain HTTP.
    pub tls: bool,
    /// Changes kept for watches that resume from a resourceVersion (older
    /// ones get 410 Expired).
    pub watch_history: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            token: Some(random_token()),
            ready_delay: Duration::ZERO,
            state_file: None,
            tls: true,
            watch_history: WATCH_HISTORY,
        }
    }
}

/// A random bearer token (32 hex digits).
pub fn random_token() -> String {
    let mut b = [0u8; 16];
    let _ = getrandom::fill(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(
        "cannot listen on {addr}; is another server using it? Choose another address (--listen)"
    )]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("cannot start the sandbox's runtime")]
    Runtime(#[source] std::io::Error),
    #[error("cannot build a client for the sandbox: {0}")]
    Client(String),
    #[error("cannot write kubeconfig {path}")]
    Kubeconfig {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A running sandbox; stopping (or dropping) it shuts the server down.
#[derive(Debug)]
pub struct Sandbox {
    addr: SocketAddr,
    token: Option<String>,
    shutdown: tokio::sync::watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
    cluster: Arc<Mutex<api::Cluster>>,
    state_file: Option<PathBuf>,
    ca_pem: Option<String>,
}

impl Sandbox {
    /// Binds, loads the state file if any, and serves on a background thread.
    pub fn start(options: Options) -> Result<Sandbox, SandboxError> {
        let listener =
            std::net::TcpListener::bind(options.listen).map_err(|source| SandboxError::Listen {
                addr: options.listen,
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|source| SandboxError::Listen {
                addr: options.listen,
                source,
            })?;
        listener
            .set_nonblocking(true)
            .map_err(|source| SandboxError::Listen { addr, source })?;
        let mut cluster = api::Cluster::new(api::Settings {
            ready_delay: options.ready_delay,
            server_address: addr.to_string(),
            watch_history: options.watch_history,
        });
        if let Some(path) = &options.state_file {
            persist::load(&mut cluster, path)?;
        }
        let tls = if options.tls {
            Some(tls::generate(addr.ip())?)
        } else {
            None
        };
        let ca_pem = tls.as_ref().map(|t| t.ca_pem.clone());
        let acceptor = tls.map(|t| t.acceptor);
        let cluster = Arc::new(Mutex::new(cluster));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("wheelhouse-sandbox")
            .enable_all()
            .build()
            .map_err(SandboxError::Runtime)?;
        let (shutdown, rx) = tokio::sync::watch::channel(false);
        let token: Option<Arc<str>> = options.token.as_deref().map(Arc::from);
        let serve_cluster = cluster.clone();
        let tick_cluster = cluster.clone();
        let state_file = options.state_file.clone();
        let mut tick_shutdown = rx.clone();
        let thread = std::thread::Builder::new()
            .name("wheelhouse-sandbox".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => {
                            eprintln!("wheelhouse sandbox: cannot serve on {addr}: {e}");
                            return;
                        }
                    };
                    let controllers = tokio::spawn(async move {
                        let mut saved = 0;
                        let mut last_save = std::time::Instant::now();
                        let mut interval = tokio::time::interval(CONTROLLER_TICK);
                        loop {
                            tokio::select! {
                                _ = interval.tick() => {}
                                _ = tick_shutdown.changed() => return,
                            }
                            let mut c = tick_cluster.lock();
                            controllers::tick(&mut c);
                            if let Some(path) = &state_file
                                && c.store.revision() != saved
                                && last_save.elapsed() >= STATE_SAVE_INTERVAL
                            {
                                last_save = std::time::Instant::now();
                                match persist::save(&c, path) {
                                    Ok(()) => saved = c.store.revision(),
                                    Err(e) => eprintln!("wheelhouse sandbox: {e}"),
                                }
                            }
                        }
                    });
                    server::serve(listener, serve_cluster, token, acceptor, rx).await;
                    let _ = controllers.await;
                });
                // Dropping the runtime ends open watches and connections.
            })
            .map_err(SandboxError::Runtime)?;
        Ok(Sandbox {
            addr,
            token: options.token,
            shutdown,
            thread: Some(thread),
            cluster,
            state_file: options.state_file,
            ca_pem,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's URL (`https://127.0.0.1:PORT`, or http without TLS).
    pub fn url(&self) -> String {
        let scheme = if self.ca_pem.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    /// The CA certificate (PEM) that signed the server's certificate.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// A kubeconfig with the context [`CONTEXT`] (namespace `default`).
    pub fn kubeconfig(&self) -> String {
        let user_block = match &self.token {
            Some(t) => format!("  user:\n    token: {t}\n"),
            None => "  user: {}\n".to_string(),
        };
        let ca = match &self.ca_pem {
            Some(pem) => format!(
                "    certificate-authority-data: {}\n",
                registry::base64_encode(pem.as_bytes())
            ),
            None => String::new(),
        };
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: {CONTEXT}\n  cluster:\n{ca}    server: {url}\nusers:\n- name: {CONTEXT}\n{user_block}contexts:\n- name: {CONTEXT}\n  context:\n    cluster: {CONTEXT}\n    user: {CONTEXT}\n    namespace: default\ncurrent-context: {CONTEXT}\npreferences: {{}}\n",
            url = self.url(),
        )
    }

    /// Writes [`Sandbox::kubeconfig`] to `path` (readable by the owner only).
    pub fn write_kubeconfig(&self, path: &Path) -> Result<(), SandboxError> {
        let err = |source| SandboxError::Kubeconfig {
            path: path.to_path_buf(),
            source,
        };
        std::fs::write(path, self.kubeconfig()).map_err(err)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(err)?;
        }
        Ok(())
    }

    /// A kube-rs client for this sandbox; call it inside a tokio runtime.
    pub async fn client(&self) -> Result<kube::Client, SandboxError> {
        let kubeconfig = kube::config::Kubeconfig::from_yaml(&self.kubeconfig())
            .map_err(|e| SandboxError::Client(e.to_string()))?;
        let config = kube::Config::from_custom_kubeconfig(
            kubeconfig,
            &kube::config::KubeConfigOptions::default(),
        )
        .await
        .map_err(|e| SandboxError::Client(e.to_string()))?;
        kube::Client::try_from(config).map_err(|e| SandboxError::Client(e.to_string()))
    }

    /// Stops serving and saves the state file one last time.
    pub fn stop(mut self) -> Result<(), SandboxError> {
        self.shutdown_now();
        if let Some(path) = &self.state_file {
            persist::save(&self.cluster.lock(), path)?;
        }
        Ok(())
    }

    /// Blocks until the server thread ends (after [`Sandbox::stop`] from
    /// elsewhere, or a fatal error).
    fn shutdown_now(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.shutdown_now();
    }
}
