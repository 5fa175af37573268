//! `wheelhouse sandbox`: runs the local Kubernetes-API sandbox in the
//! foreground until interrupted, writing a kubeconfig for clients.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::sandbox::{CONTEXT, Options, Sandbox, random_token};

/// Run a local Kubernetes API server for trying things out and for tests
#[derive(Debug, clap::Args)]
pub struct SandboxArgs {
    /// Address to listen on (loopback only unless you name another)
    #[arg(long, default_value = "127.0.0.1:6443", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// Write a kubeconfig for the sandbox (context wheelhouse-sandbox) here
    #[arg(long, value_name = "PATH")]
    pub write_kubeconfig: Option<PathBuf>,
    /// Keep the sandbox's objects in this file across restarts
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Seconds workloads take to report ready
    #[arg(long, default_value_t = 2.0, value_name = "SECONDS")]
    pub ready_delay: f64,
}

pub fn run(args: &SandboxArgs) -> anyhow::Result<()> {
    if !(args.ready_delay.is_finite() && args.ready_delay >= 0.0) {
        bail!("--ready-delay must be a number of seconds, 0 or more");
    }
    let options = Options {
        listen: args.listen,
        token: Some(random_token()),
        ready_delay: Duration::from_secs_f64(args.ready_delay),
        state_file: args.state.clone(),
        tls: true,
        ..Options::default()
    };
    let sandbox = Sandbox::start(options)?;
    match &args.write_kubeconfig {
        Some(path) => {
            sandbox.write_kubeconfig(path)?;
            eprintln!(
                "wheelhouse sandbox serving on {} (kubeconfig {}, context {CONTEXT}); Ctrl-C stops it",
                sandbox.url(),
                path.display()
            );
        }
        None => {
            eprintln!(
                "wheelhouse sandbox serving on {}; Ctrl-C stops it. Its kubeconfig:",
                sandbox.url()
            );
            super::print_stdout(&sandbox.kubeconfig())?;
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot wait for Ctrl-C")?;
    runtime
        .block_on(tokio::signal::ctrl_c())
        .context("cannot wait for Ctrl-C")?;
    sandbox.stop()?;
    Ok(())
}
