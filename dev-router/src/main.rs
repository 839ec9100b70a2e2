//! `dev-router`: parses flags, binds, prints where it listens, and runs the server until
//! Ctrl-C or SIGTERM.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use dev_router::config::{Config, ConfigError};
use dev_router::server::{self, Listeners};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

/// A WAMP v2 development router: WebSocket and RawSocket, realm `realm1` ready to use.
///
/// On start it prints one line per listener to standard output, e.g.
/// `dev-router listening: ws://127.0.0.1:8080/ws (realms: realm1)` and
/// `dev-router listening: rawsocket tcp://127.0.0.1:8081`, and with --inspector-dir
/// `dev-router inspector: http://127.0.0.1:8080/`. Logs go to standard error;
/// set RUST_LOG (e.g. RUST_LOG=debug) to change their level.
#[derive(Debug, Parser)]
#[command(name = "dev-router", version)]
struct Cli {
    /// Address to listen on [default: 127.0.0.1]; other than loopback needs --allow-remote
    #[arg(long, value_name = "ADDR")]
    host: Option<String>,

    /// WebSocket (and HTTP) port; 0 picks a free one [default: 8080]
    #[arg(long, value_name = "PORT")]
    port: Option<u16>,

    /// RawSocket port; 0 picks a free one [default: 8081]
    #[arg(long, value_name = "PORT")]
    rawsocket_port: Option<u16>,

    /// Do not listen for RawSocket connections
    #[arg(long)]
    no_rawsocket: bool,

    /// Allow a --host other than loopback: anyone who can reach it can join. A realm without
    /// [[realms.roles]] then keeps the meta API and the message trace from its anonymous
    /// sessions
    #[arg(long)]
    allow_remote: bool,

    /// Largest WAMP message a peer may send, in bytes [default: 16777216]
    #[arg(long, value_name = "BYTES")]
    max_message_size: Option<usize>,

    /// TOML configuration file (see the dev_router::config docs); flags override it
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,

    /// Serve the built inspector from this directory at / (`cargo xtask run` passes
    /// target/inspector/dist)
    #[arg(long, value_name = "PATH")]
    inspector_dir: Option<PathBuf>,
}

impl Cli {
    /// The configuration file (or the default), with the flags applied, checked.
    fn config(&self) -> Result<Config, ConfigError> {
        let mut config = match &self.config {
            Some(path) => Config::load(path)?,
            None => Config::default(),
        };
        if let Some(host) = &self.host {
            config.host.clone_from(host);
        }
        if let Some(port) = self.port {
            config.port = port;
        }
        if let Some(port) = self.rawsocket_port {
            config.rawsocket_port = port;
        }
        if self.no_rawsocket {
            config.rawsocket = false;
        }
        if self.allow_remote {
            config.allow_remote = true;
        }
        if let Some(size) = self.max_message_size {
            config.max_message_size = size;
        }
        if let Some(dir) = &self.inspector_dir {
            config.inspector_dir = Some(dir.clone());
        }
        config.validate()?;
        Ok(config)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    raise_open_file_limit();
    let config = match cli.config() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("dev-router: {error}");
            return ExitCode::from(2);
        }
    };
    let outcome = runtime().and_then(|runtime| runtime.block_on(serve(config)));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("dev-router: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// tokio's multi-threaded runtime, one worker per core the process may run on; with one
/// core (a one-CPU machine or container, or `taskset -c 0`), the current-thread runtime.
///
/// With one worker the multi-threaded scheduler is unfair under a wide fan-out: when a
/// publication wakes more connection tasks than its local queue holds (256), the rest go
/// through the global queue while tasks woken later overtake them in the local one, so
/// some subscribers wait several rounds. The current-thread runtime runs woken tasks in
/// the order they were woken. On one pinned core, in paired runs: 1,000 publishes/s to
/// 1,000 subscribers p99 150 -> 55-75 ms, p50 55 -> 22-35 ms; to 100 subscribers p50
/// 0.79 -> 1.05 ms, p99 about the same (4-5 ms); RPC and max-rate fan-out within noise.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let mut builder = if cores == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    builder
        .enable_all()
        .build()
        .context("starting the tokio runtime")
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let ip = config.host_ip()?;
    let websocket = TcpListener::bind((ip, config.port))
        .await
        .with_context(|| format!("cannot listen for WebSocket on {ip} port {}", config.port))?;
    let rawsocket = match config.rawsocket {
        true => Some(
            TcpListener::bind((ip, config.rawsocket_port))
                .await
                .with_context(|| {
                    format!(
                        "cannot listen for RawSocket on {ip} port {}",
                        config.rawsocket_port
                    )
                })?,
        ),
        false => None,
    };

    // The listening lines are an interface: scripts and tests parse them.
    {
        let mut stdout = std::io::stdout().lock();
        let realms = config.realm_names();
        writeln!(
            stdout,
            "dev-router listening: ws://{}/ws (realms: {realms})",
            websocket.local_addr()?
        )?;
        if let Some(rawsocket) = &rawsocket {
            writeln!(
                stdout,
                "dev-router listening: rawsocket tcp://{}",
                rawsocket.local_addr()?
            )?;
        }
        match &config.inspector_dir {
            Some(dir) if dir.join("index.html").is_file() => writeln!(
                stdout,
                "dev-router inspector: http://{}/",
                websocket.local_addr()?
            )?,
            Some(dir) => tracing::warn!(
                dir = %dir.display(),
                "no inspector in this directory (no index.html): build it with `cargo xtask inspector`"
            ),
            None => {}
        }
        stdout.flush()?;
    }

    let shutdown = CancellationToken::new();
    tokio::spawn(shut_down_on_signal(shutdown.clone()));
    server::run(
        Listeners {
            websocket,
            rawsocket,
        },
        config,
        shutdown,
    )
    .await;
    Ok(())
}

/// Raises the soft limit on open files to the hard limit: every session is a socket, and
/// the usual soft limit (1,024) would refuse connections long before the router is busy.
#[cfg(unix)]
fn raise_open_file_limit() {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current >= limit.maximum {
        return;
    }
    let raised = Rlimit {
        current: limit.maximum,
        maximum: limit.maximum,
    };
    match setrlimit(Resource::Nofile, raised) {
        Ok(()) => {
            tracing::debug!(from = ?limit.current, to = ?limit.maximum, "open-file limit raised")
        }
        Err(error) => tracing::warn!(
            limit = ?limit.current,
            %error,
            "cannot raise the open-file limit: connections beyond it will be refused"
        ),
    }
}

#[cfg(not(unix))]
fn raise_open_file_limit() {}

/// Cancels `shutdown` on the first Ctrl-C or SIGTERM; exits at once on the second.
async fn shut_down_on_signal(shutdown: CancellationToken) {
    if let Err(error) = signal().await {
        tracing::warn!(%error, "cannot listen for signals; stop with SIGKILL");
        return;
    }
    tracing::info!("signal received: closing sessions (again to exit at once)");
    shutdown.cancel();
    if signal().await.is_ok() {
        std::process::exit(130);
    }
}

#[cfg(unix)]
async fn signal() -> std::io::Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result,
        _ = terminate.recv() => Ok(()),
    }
}

#[cfg(not(unix))]
async fn signal() -> std::io::Result<()> {
    tokio::signal::ctrl_c().await
}
