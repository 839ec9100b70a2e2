//! `cargo xtask bench`: the benchmark suite of `bench/` (`wamp-bench`), see BENCHMARKS.md.
//!
//! - `cargo xtask bench`: builds the dev-router and `wamp-bench` (release), installs
//!   Crossbar.io into `target/bench/crossbar-venv` (once: a stamp records the pins and the
//!   Python version), runs each workload against the dev-router and then Crossbar.io, in
//!   turn, prints one table and writes it to `target/bench/results.md`.
//! - `--smoke`: every workload for half a second, small, against the dev-router only; it
//!   fails unless every count adds up. The test step `bench-smoke` runs the same.
//! - `--no-crossbar`: the dev-router only.
//! - `--micro`: the serializer micro-benchmarks instead (criterion, `wamp-proto/benches`).
//! - `--browser`: the browser side instead, in headless Chromium (`crate::browser_bench`);
//!   with `--smoke` its smoke run, and arguments after `--` go to `node bench.mjs`.
//! - Arguments after `--` go to `wamp-bench suite` (e.g. `-- --duration 5 --only fan-out`).
//!
//! `wamp-bench` starts and stops the routers itself, on 127.0.0.1, so nothing else needs to
//! run; Ctrl-C stops them too.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

use crate::setup::venv_python;
use crate::workspace::{Workspace, fnv1a, output, run};

/// What goes into Crossbar.io's venv: the version the issue names, and NumPy 1 for its
/// UBJSON serializer (built against NumPy 1; with NumPy 2 every import prints a traceback).
const CROSSBAR_REQUIREMENTS: &[&str] = &["crossbar==26.10.1", "numpy==1.26.4"];

/// What `cargo xtask bench` was asked to do.
struct Options {
    smoke: bool,
    crossbar: bool,
    micro: bool,
    /// The browser side instead (`tests/browser-bench`, [`crate::browser_bench`]).
    browser: bool,
    suite_args: Vec<String>,
}

impl Options {
    fn parse(args: &[String]) -> Result<Self> {
        let mut options = Options {
            smoke: false,
            crossbar: true,
            micro: false,
            browser: false,
            suite_args: Vec::new(),
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--smoke" => options.smoke = true,
                "--no-crossbar" => options.crossbar = false,
                "--micro" => options.micro = true,
                "--browser" => options.browser = true,
                "--" => options.suite_args.extend(args.by_ref().cloned()),
                other => bail!(
                    "unknown argument `{other}` for `bench` \
                     (flags: --smoke --no-crossbar --micro --browser, then -- WAMP-BENCH ARGS)"
                ),
            }
        }
        Ok(options)
    }
}

/// `cargo xtask bench [--smoke] [--no-crossbar] [--micro] [-- WAMP-BENCH ARGS]`.
///
/// # Errors
/// If a build or an install fails; a failed run gives `ExitCode::FAILURE`.
pub(crate) fn bench(workspace: &Workspace, args: &[String]) -> Result<ExitCode> {
    let options = Options::parse(args)?;
    if options.browser {
        return crate::browser_bench::bench(workspace, options.smoke, &options.suite_args);
    }
    if options.micro {
        run(workspace
            .cargo()
            .args(["bench", "-p", "wamp-proto", "--bench", "serializers", "--"])
            .args(&options.suite_args))?;
        return Ok(ExitCode::SUCCESS);
    }
    build(workspace)?;
    let mut command = Command::new(bench_binary(workspace));
    command
        .arg("suite")
        .arg("--dev-router")
        .arg(workspace.router_binary())
        .arg("--work-dir")
        .arg(bench_dir(workspace).join("run"));
    if options.smoke {
        command.arg("--smoke");
    } else {
        command
            .arg("--output")
            .arg(bench_dir(workspace).join("results.md"));
        if options.crossbar {
            command.arg("--crossbar").arg(crossbar(workspace)?);
        }
    }
    command
        .args(&options.suite_args)
        .current_dir(workspace.root());
    match run(&mut command) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(error) => {
            eprintln!("xtask: {error:#}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The test step `bench-smoke`: runs every workload for about half a second against the
/// dev-router, asserting correctness, never speed. The `router` step built both binaries
/// ([`build`]); building again here is a no-op then.
///
/// # Errors
/// If the build fails or a count does not add up.
pub(crate) fn smoke(workspace: &Workspace) -> Result<()> {
    build(workspace)?;
    run(Command::new(bench_binary(workspace))
        .args(["suite", "--smoke", "--dev-router"])
        .arg(workspace.router_binary())
        .arg("--work-dir")
        .arg(bench_dir(workspace).join("smoke"))
        .current_dir(workspace.root()))
}

/// `cargo build --release -p dev-router -p wamp-bench`: one build, one feature resolution,
/// so the two share every common crate. Built apart, `wamp-bench` (through hdrhistogram)
/// turns on features of crates under `wamp-proto` and tungstenite, and its build after the
/// router's took 44 s on a fresh, busy 2-core machine, building those a second time.
///
/// # Errors
/// If the build fails.
pub(crate) fn build(workspace: &Workspace) -> Result<()> {
    run(workspace.cargo().args([
        "build",
        "--release",
        "--package",
        "dev-router",
        "--package",
        "wamp-bench",
    ]))
}

/// `target/bench`.
fn bench_dir(workspace: &Workspace) -> PathBuf {
    workspace
        .router_binary()
        .parent()
        .and_then(Path::parent)
        .map_or_else(|| workspace.path("target"), Path::to_path_buf)
        .join("bench")
}

fn bench_binary(workspace: &Workspace) -> PathBuf {
    workspace
        .router_binary()
        .with_file_name(format!("wamp-bench{}", std::env::consts::EXE_SUFFIX))
}

/// Creates `target/bench/crossbar-venv` with Crossbar.io unless it is there with the same
/// pins and Python; returns its `crossbar` script. About three minutes the first time.
///
/// # Errors
/// If Python is missing, or `venv`/`pip` fail.
fn crossbar(workspace: &Workspace) -> Result<PathBuf> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let version = output(Command::new(&python).arg("--version"))
        .with_context(|| format!("Python 3.11+ is needed for Crossbar.io (tried `{python}`)"))?;
    let venv = bench_dir(workspace).join("crossbar-venv");
    let script = venv.join("bin").join("crossbar");
    let stamp_path = venv.join(".xtask-stamp");
    let pins = CROSSBAR_REQUIREMENTS.join(" ");
    let stamp = format!("{pins} fnv1a {:016x}\n{version}\n", fnv1a(pins.as_bytes()));
    if script.exists() && fs::read_to_string(&stamp_path).is_ok_and(|old| old == stamp) {
        println!("{} is up to date ({pins}, {version})", venv.display());
        return Ok(script);
    }
    if venv.exists() {
        println!("{} is out of date: re-creating it", venv.display());
        fs::remove_dir_all(&venv).with_context(|| format!("removing {}", venv.display()))?;
    }
    run(Command::new(&python).args(["-m", "venv"]).arg(&venv))
        .context("could not create the venv (on Debian: apt-get install python3-venv)")?;
    run(Command::new(venv_python(&venv))
        .args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
        ])
        .args(CROSSBAR_REQUIREMENTS))?;
    // Written last, so that an interrupted install is redone next time.
    fs::write(&stamp_path, stamp).with_context(|| format!("writing {}", stamp_path.display()))?;
    Ok(script)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options> {
        let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
        Options::parse(&args)
    }

    #[test]
    fn flags_and_passed_arguments() {
        let options = parse(&["--smoke", "--", "--only", "fan-out"]).unwrap();
        assert!(options.smoke && options.crossbar && !options.micro);
        assert_eq!(options.suite_args, ["--only", "fan-out"]);
        assert!(!parse(&["--no-crossbar"]).unwrap().crossbar);
        assert!(parse(&["--fast"]).is_err());
    }
}
