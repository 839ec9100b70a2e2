//! Starting and stopping the routers under test: the dev-router binary and Crossbar.io.
//!
//! Each router runs in its own process group, so that Ctrl-C in the terminal reaches only
//! the benchmark, which then stops the routers itself, and so that stopping a router also
//! stops the processes it started (Crossbar.io's router is a worker process under its
//! controller). [`RouterProcess`] stops its group when dropped: on success, on error, on
//! panic and on Ctrl-C alike. Everything listens on 127.0.0.1 only.

use std::fs::{self, File};
use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use rustix::process::{Pid, Signal, kill_process_group, test_kill_process_group};

/// Which router.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RouterKind {
    /// This project's router.
    DevRouter,
    /// The reference, Crossbar.io from PyPI.
    Crossbar,
}

impl RouterKind {
    /// The name in tables.
    pub(crate) fn name(self) -> &'static str {
        match self {
            RouterKind::DevRouter => "dev-router",
            RouterKind::Crossbar => "Crossbar",
        }
    }
}

/// A running router, stopped when dropped.
pub(crate) struct RouterProcess {
    kind: RouterKind,
    child: Child,
    url: String,
    log: PathBuf,
    /// The dev-router's URL, from the thread that reads its standard output.
    announced: Option<mpsc::Receiver<String>>,
    /// Crossbar.io's port, to wait for.
    port: Option<u16>,
    stopped: bool,
}

/// How long a router may take to start (Crossbar.io takes 6-11 s on a busy 2-core machine).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The `crossbar start` configuration: realm `realm1`, anonymous with every permission,
/// WebSocket at `/ws` on `127.0.0.1:port` with the three serializers: the dev-router's
/// defaults. The listen backlog matches tokio's (1024) rather than Twisted's 50, so that a
/// burst of joins is not throttled by SYN retries.
pub(crate) fn crossbar_config(port: u16) -> serde_json::Value {
    serde_json::json!({
        "version": 2,
        "controller": {},
        "workers": [{
            "type": "router",
            "realms": [{
                "name": "realm1",
                "roles": [{
                    "name": "anonymous",
                    "permissions": [{
                        "uri": "",
                        "match": "prefix",
                        "allow": {"call": true, "register": true, "publish": true, "subscribe": true},
                        "disclose": {"caller": false, "publisher": false},
                        "cache": true
                    }]
                }]
            }],
            "transports": [{
                "type": "web",
                "endpoint": {"type": "tcp", "interface": "127.0.0.1", "port": port, "backlog": 1024},
                "paths": {
                    "ws": {"type": "websocket", "serializers": ["json", "msgpack", "cbor"]}
                }
            }]
        }]
    })
}

/// `ws://...` from the dev-router's `dev-router listening: ws://127.0.0.1:PORT/ws (realms:
/// ...)` line.
fn listening_url(line: &str) -> Option<String> {
    let rest = line.strip_prefix("dev-router listening: ")?;
    let url = rest.split_whitespace().next()?;
    url.starts_with("ws://").then(|| url.to_owned())
}

/// A port that was free a moment ago on 127.0.0.1.
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

/// `program`, or `taskset -c CPU program` to pin it.
fn command(program: &Path, cpu: Option<usize>) -> Command {
    match cpu {
        Some(cpu) => {
            let mut command = Command::new("taskset");
            command.arg("-c").arg(cpu.to_string()).arg(program);
            command
        }
        None => Command::new(program),
    }
}

impl RouterProcess {
    /// Starts the dev-router binary on 127.0.0.1, a free port, WebSocket only; its log goes
    /// to `dir/dev-router.log`. Wait for it with [`ready`](Self::ready).
    ///
    /// # Errors
    /// If it cannot be started.
    pub(crate) fn dev_router(binary: &Path, dir: &Path, cpu: Option<usize>) -> Result<Self> {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let log = dir.join("dev-router.log");
        let mut child = command(binary, cpu)
            .args(["--host", "127.0.0.1", "--port", "0", "--no-rawsocket"])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(File::create(&log).with_context(|| format!("creating {}", log.display()))?)
            .process_group(0)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let stdout = child.stdout.take();
        // Reads every line (so that the pipe never fills) and reports the URL.
        let (sender, receiver) = mpsc::channel();
        if let Some(stdout) = stdout {
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if let Some(url) = listening_url(&line) {
                        let _ = sender.send(url);
                    }
                }
            });
        }
        Ok(RouterProcess {
            kind: RouterKind::DevRouter,
            child,
            url: String::new(),
            log,
            announced: Some(receiver),
            port: None,
            stopped: false,
        })
    }

    /// Starts Crossbar.io (`crossbar` is the venv's script) with [`crossbar_config`] in
    /// `dir/.crossbar`, logging to `dir/crossbar.log`. Wait for it with
    /// [`ready`](Self::ready).
    ///
    /// # Errors
    /// If it cannot be started.
    pub(crate) fn crossbar(crossbar: &Path, dir: &Path, cpu: Option<usize>) -> Result<Self> {
        let cbdir = dir.join(".crossbar");
        fs::create_dir_all(&cbdir).with_context(|| format!("creating {}", cbdir.display()))?;
        let port = free_port()?;
        let config = serde_json::to_string_pretty(&crossbar_config(port))?;
        fs::write(cbdir.join("config.json"), config)?;
        let log = dir.join("crossbar.log");
        let output = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let child = command(crossbar, cpu)
            .arg("start")
            .arg("--cbdir")
            .arg(&cbdir)
            .args(["--loglevel", "warn", "--color", "false"])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(output.try_clone()?)
            .stderr(output)
            .process_group(0)
            .spawn()
            .with_context(|| format!("cannot start {}", crossbar.display()))?;
        Ok(RouterProcess {
            kind: RouterKind::Crossbar,
            child,
            url: format!("ws://127.0.0.1:{port}/ws"),
            log,
            announced: None,
            port: Some(port),
            stopped: false,
        })
    }

    /// Waits until the router listens: the dev-router's listening line, Crossbar.io's port
    /// accepting. Dropping the future is fine: the router is stopped when `self` is.
    ///
    /// # Errors
    /// If the router exits or does not listen within [`START_TIMEOUT`].
    pub(crate) async fn ready(&mut self) -> Result<()> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("{} exited ({status}){}", self.kind.name(), self.log_tail());
            }
            if let Some(announced) = &self.announced
                && let Ok(url) = announced.try_recv()
            {
                self.url = url;
                return Ok(());
            }
            if let Some(port) = self.port
                && tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port))
                    .await
                    .is_ok()
            {
                println!(
                    "{} listening after {:.1}s",
                    self.kind.name(),
                    started.elapsed().as_secs_f64()
                );
                return Ok(());
            }
            if started.elapsed() > START_TIMEOUT {
                bail!(
                    "{} did not listen within {START_TIMEOUT:?}{}",
                    self.kind.name(),
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The WebSocket URL.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The process id (the root of the router's process tree).
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The log file.
    pub(crate) fn log(&self) -> &Path {
        &self.log
    }

    /// Whether the router process is still running.
    pub(crate) fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Stops the router: SIGTERM to its process group, SIGKILL after `patience`.
    pub(crate) fn stop(mut self) {
        self.terminate(Duration::from_secs(15));
    }

    fn terminate(&mut self, patience: Duration) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        // The router leads its own process group: its id is the group's.
        let group = Pid::from_child(&self.child);
        let _ = kill_process_group(group, Signal::TERM);
        let started = Instant::now();
        while matches!(self.child.try_wait(), Ok(None)) && started.elapsed() < patience {
            std::thread::sleep(Duration::from_millis(50));
        }
        if matches!(self.child.try_wait(), Ok(None)) {
            eprintln!(
                "{} did not stop within {patience:?}: killing it",
                self.kind.name()
            );
            let _ = kill_process_group(group, Signal::KILL);
        }
        let _ = self.child.wait();
        // Workers the leader left behind, if any.
        let started = Instant::now();
        while test_kill_process_group(group).is_ok() {
            if started.elapsed() > Duration::from_secs(5) {
                let _ = kill_process_group(group, Signal::KILL);
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The last lines of the log, for error messages.
    fn log_tail(&self) -> String {
        let text = fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(20)..].join("\n");
        format!("; the end of {}:\n{tail}", self.log.display())
    }
}

impl Drop for RouterProcess {
    fn drop(&mut self) {
        self.terminate(Duration::from_secs(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listening_line_gives_the_url() {
        assert_eq!(
            listening_url("dev-router listening: ws://127.0.0.1:41234/ws (realms: realm1)"),
            Some("ws://127.0.0.1:41234/ws".to_owned())
        );
        assert_eq!(
            listening_url("dev-router listening: rawsocket tcp://127.0.0.1:8081"),
            None
        );
        assert_eq!(listening_url("something else"), None);
    }

    #[test]
    fn crossbar_listens_on_loopback_with_every_serializer() {
        let config = crossbar_config(4242);
        let transport = &config["workers"][0]["transports"][0];
        assert_eq!(transport["endpoint"]["interface"], "127.0.0.1");
        assert_eq!(transport["endpoint"]["port"], 4242);
        assert_eq!(
            transport["paths"]["ws"]["serializers"],
            serde_json::json!(["json", "msgpack", "cbor"])
        );
        assert_eq!(config["workers"][0]["realms"][0]["name"], "realm1");
    }
}
