//! `cargo xtask bench --browser`: the browser side of the benchmark (`tests/browser-bench`,
//! see BENCHMARKS.md): `wamp-wasm` against the npm `autobahn` package (and
//! `autobahn-browser`, its prebuilt browser build) and `wampy`, in headless Chromium,
//! against a dev-router that the runner starts and stops itself.
//!
//! - [`bench`]: builds the dev-router, makes sure Chromium is there, packs the npm tarball
//!   (as `cargo xtask npm` does), installs `tests/browser-bench` ([`install`]) and runs
//!   `node bench.mjs`, which prints the table and writes it to
//!   `target/bench/browser-results.md`; with `--smoke`, a fraction of a second per workload,
//!   checking correctness only.
//! - [`smoke`]: the test step `browser-bench-smoke`, the same smoke run, with the router
//!   and the tarball its `needs` steps built.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

use crate::setup::npm;
use crate::workspace::{Workspace, fnv1a, output, run};

/// The runner's folder: its own `package.json` and `package-lock.json` with exact pins.
const DIR: &str = "tests/browser-bench";

/// `cargo xtask bench --browser [--smoke] [-- ARGS]`; `args` go to `node bench.mjs`
/// (e.g. `--runs 3`, `--only wamp-wasm,autobahn`, `--profile wamp-wasm:json`).
///
/// # Errors
/// If a build or an install fails; a failed run gives `ExitCode::FAILURE`.
pub(crate) fn bench(workspace: &Workspace, smoke: bool, args: &[String]) -> Result<ExitCode> {
    workspace.build_router()?;
    crate::wasm::browser(workspace)?;
    let tarball = crate::wasm::pack(workspace)?;
    install(workspace, &tarball)?;
    let mut command = runner(workspace);
    if smoke {
        command.arg("--smoke");
    } else {
        command
            .arg("--output")
            .arg(workspace.target_dir().join("bench/browser-results.md"));
    }
    match run(command.args(args)) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(error) => {
            eprintln!("xtask: {error:#}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The test step `browser-bench-smoke`: every library and workload for a fraction of a
/// second; it fails unless every call was answered with its own value and every event
/// arrived. The steps it needs built the router (`router`) and the tarball and Chromium
/// (`browser-deps`).
///
/// # Errors
/// If the router or the tarball is missing, npm fails, or a check fails.
pub(crate) fn smoke(workspace: &Workspace) -> Result<()> {
    let router = workspace.router_binary();
    if !router.exists() {
        bail!("{} is missing: run the `router` step", router.display());
    }
    let tarball = packed_tarball(workspace)?;
    install(workspace, &tarball)?;
    run(runner(workspace).arg("--smoke"))
}

/// `node bench.mjs` in the runner's folder, with the router to start.
fn runner(workspace: &Workspace) -> Command {
    let mut command = Command::new("node");
    command
        .arg("bench.mjs")
        .env("DEV_ROUTER_BIN", workspace.router_binary())
        .current_dir(workspace.path(DIR));
    command
}

/// The newest tarball in `target/npm`, as the `browser-deps` step (or `cargo xtask npm`)
/// left it.
fn packed_tarball(workspace: &Workspace) -> Result<PathBuf> {
    let dir = workspace.target_dir().join("npm");
    let newest = fs::read_dir(&dir)
        .ok()
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "tgz"))
        .filter_map(|path| Some((fs::metadata(&path).ok()?.modified().ok()?, path)))
        .max();
    match newest {
        Some((_, path)) => Ok(path),
        None => bail!(
            "no npm tarball in {}: run the `browser-deps` step or `cargo xtask npm`",
            dir.display()
        ),
    }
}

/// `npm ci` in the runner's folder (skipped while `package.json`, the lockfile and Node are
/// unchanged), then `npm install --no-save <tarball>` (skipped while the installed tarball
/// is the same). The tarball stays out of the lockfile, for the reason `crate::browser`
/// gives.
///
/// # Errors
/// If npm fails or a file cannot be read.
fn install(workspace: &Workspace, tarball: &Path) -> Result<()> {
    let dir = workspace.path(DIR);
    let read = |path: &Path| fs::read(path).with_context(|| format!("reading {}", path.display()));
    let node = output(Command::new("node").arg("--version")).context("Node.js is needed")?;
    let modules = dir.join("node_modules");

    let stamp_path = modules.join(".xtask-stamp");
    let stamp = format!(
        "package.json fnv1a {:016x}\npackage-lock.json fnv1a {:016x}\nnode {node}\n",
        fnv1a(&read(&dir.join("package.json"))?),
        fnv1a(&read(&dir.join("package-lock.json"))?),
    );
    if fs::read_to_string(&stamp_path).is_ok_and(|old| old == stamp) {
        println!("{} is up to date", modules.display());
    } else {
        // `autobahn` declares Node >= 22 but runs on Node 20: a warning, never an error.
        run(npm()
            .args(["ci", "--no-audit", "--no-fund", "--engine-strict=false"])
            .arg("--update-notifier=false")
            .current_dir(&dir))?;
        fs::write(&stamp_path, stamp)
            .with_context(|| format!("writing {}", stamp_path.display()))?;
    }

    let package_stamp_path = modules.join(".xtask-wamp-wasm");
    let package_stamp = format!("tarball fnv1a {:016x}\n", fnv1a(&read(tarball)?));
    if modules.join("wamp-wasm/package.json").is_file()
        && fs::read_to_string(&package_stamp_path).is_ok_and(|old| old == package_stamp)
    {
        println!("wamp-wasm in {} is that tarball", modules.display());
        return Ok(());
    }
    run(npm()
        .args(["install", "--no-save", "--no-audit", "--no-fund"])
        .args(["--engine-strict=false", "--update-notifier=false"])
        .arg(tarball)
        .current_dir(&dir))?;
    fs::write(&package_stamp_path, package_stamp)
        .with_context(|| format!("writing {}", package_stamp_path.display()))
}
