//! The `dev-router` binary: flags, the listening lines, config errors, and a graceful stop.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test crate: helpers included

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_dev-router");

fn dev_router(args: &[&str]) -> Command {
    let mut command = Command::new(BINARY);
    command.args(args).env("RUST_LOG", "warn");
    command
}

#[test]
fn help_lists_the_flags() {
    let output = dev_router(&["--help"]).output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for flag in [
        "--host",
        "--port",
        "--rawsocket-port",
        "--no-rawsocket",
        "--config",
        "--max-message-size",
        "--allow-remote",
    ] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
}

/// Kills the child on drop, so that a failing test leaves no process behind.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn prints_listening_lines_serves_and_stops_on_sigterm() {
    let child = dev_router(&["--port", "0", "--rawsocket-port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    let mut stdout = BufReader::new(running.0.stdout.take().unwrap());
    let mut lines = [String::new(), String::new()];
    for line in &mut lines {
        stdout.read_line(line).unwrap();
    }

    let ws = lines[0].trim_end();
    let rest = ws
        .strip_prefix("dev-router listening: ws://127.0.0.1:")
        .unwrap_or_else(|| panic!("{ws:?}"));
    let (port, rest) = rest.split_once("/ws").unwrap();
    let ws_port: u16 = port.parse().unwrap();
    assert_ne!(ws_port, 0);
    assert_eq!(rest, " (realms: realm1)");

    let raw = lines[1].trim_end();
    let port = raw
        .strip_prefix("dev-router listening: rawsocket tcp://127.0.0.1:")
        .unwrap_or_else(|| panic!("{raw:?}"));
    let raw_port: u16 = port.parse().unwrap();
    assert_ne!(raw_port, ws_port);

    // It serves: a RawSocket handshake gets its reply.
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", raw_port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(&[0x7F, 0xF1, 0, 0]).unwrap();
    let mut reply = [0u8; 4];
    std::io::Read::read_exact(&mut stream, &mut reply).unwrap();
    assert_eq!(reply, [0x7F, 0xF1, 0, 0]);
    drop(stream);

    let status = Command::new("kill")
        .args(["-TERM", &running.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = running.0.try_wait().unwrap() {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "dev-router did not exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(exit.success(), "{exit:?}");
}

#[test]
fn no_rawsocket_prints_one_line() {
    let child = dev_router(&["--port", "0", "--no-rawsocket"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    let mut stdout = BufReader::new(running.0.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(
        line.starts_with("dev-router listening: ws://127.0.0.1:"),
        "{line:?}"
    );
    running.0.kill().unwrap();
    let mut rest = String::new();
    stdout.read_line(&mut rest).unwrap();
    assert_eq!(rest, "", "no second listening line");
}

#[test]
fn remote_host_needs_allow_remote() {
    let output = dev_router(&["--host", "0.0.0.0", "--port", "0", "--rawsocket-port", "0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("--allow-remote"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn bad_config_files_are_reported() {
    let dir = std::env::temp_dir().join(format!("dev-router-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let unknown_key = dir.join("unknown.toml");
    std::fs::write(&unknown_key, "port = 0\nrealm = \"realm1\"\n").unwrap();
    let output = dev_router(&["--config", unknown_key.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("unknown.toml") && stderr.contains("realm"),
        "{stderr}"
    );

    let missing = dir.join("missing.toml");
    let output = dev_router(&["--config", missing.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("cannot read config file")
    );

    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn config_file_realms_and_flag_overrides() {
    let dir = std::env::temp_dir().join(format!("dev-router-cli-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("router.toml");
    std::fs::write(&path, "port = 1\nrawsocket = false\n[[realms]]\nname = \"realm1\"\n[[realms]]\nname = \"com.example\"\n")
        .unwrap();
    // --port overrides the file's port 1 (which would need privileges).
    let child = dev_router(&["--config", path.to_str().unwrap(), "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    let mut line = String::new();
    BufReader::new(running.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(
        line.trim_end()
            .ends_with("/ws (realms: realm1, com.example)"),
        "{line:?}"
    );
    drop(running);
    let _ = std::fs::remove_dir_all(&dir);
}
