//! The tests of the packed npm package as users meet it: in headless Chromium
//! (`tests/browser`: every client feature, the chess demo `npm/examples/chess`, interop with
//! autobahn-python, and the inspector end to end) and installed into a fresh Vite app and a Node program
//! (`tests/npm-consumers`).
//!
//! [`deps`] packs the tarball (as `cargo xtask npm` does), makes sure Chromium is there, and
//! in each npm folder runs `npm ci` (skipped while its lockfile is unchanged), then
//! `npm install --no-save <tarball>`. The tarball stays out of the lockfiles on purpose: npm
//! pins a `file:` tarball's integrity there, so every rebuild of the package would break
//! `npm ci` (or, worse, `npm ci` would install the old build from its cache).
//! [`browser_tests`] and [`consumer_tests`] run `node --test` in their folder.

use std::fs;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use crate::setup::npm;
use crate::workspace::{Workspace, fnv1a, output, run};

/// Every folder with a `package.json` and committed `package-lock.json` that gets the tarball.
const NPM_FOLDERS: &[&str] = &[
    "tests/browser",
    "npm/examples/chess",
    "tests/npm-consumers/vite-app",
    "tests/npm-consumers/node-app",
];

/// An outer bound per test, so that nothing can hang CI; the tests time out sooner.
const TEST_FILE_TIMEOUT_MS: &str = "240000";

/// Chromium, the packed tarball, and the npm folders with the tarball installed.
///
/// # Errors
/// If Chromium cannot be installed, the package cannot be built, or npm fails.
pub(crate) fn deps(workspace: &Workspace) -> Result<()> {
    crate::wasm::browser(workspace)?;
    let tarball = crate::wasm::pack(workspace)?;
    for folder in NPM_FOLDERS {
        let dir = workspace.path(folder);
        npm_ci(&dir)?;
        run(npm()
            .args(["install", "--no-save", "--no-audit", "--no-fund"])
            .arg("--update-notifier=false")
            .arg(&tarball)
            .current_dir(&dir))?;
    }
    Ok(())
}

/// `npm ci` in `dir`, unless `node_modules` was installed from the same `package.json`,
/// `package-lock.json` and Node version (a stamp file in `node_modules` records them).
fn npm_ci(dir: &Path) -> Result<()> {
    let read = |name: &str| {
        let path = dir.join(name);
        fs::read(&path).with_context(|| format!("reading {}", path.display()))
    };
    let node = output(Command::new("node").arg("--version")).context("Node.js is needed")?;
    let stamp = format!(
        "package.json fnv1a {:016x}\npackage-lock.json fnv1a {:016x}\nnode {node}\n",
        fnv1a(&read("package.json")?),
        fnv1a(&read("package-lock.json")?),
    );
    let stamp_path = dir.join("node_modules").join(".xtask-stamp");
    if fs::read_to_string(&stamp_path).is_ok_and(|old| old == stamp) {
        println!(
            "{} is up to date",
            stamp_path.parent().unwrap_or(dir).display()
        );
        return Ok(());
    }
    run(npm()
        .args(["ci", "--no-audit", "--no-fund", "--update-notifier=false"])
        .current_dir(dir))?;
    fs::write(&stamp_path, stamp).with_context(|| format!("writing {}", stamp_path.display()))
}

/// `node --test` in `tests/browser`: the client in Chromium, the chess demo, interop, and
/// the inspector (built by the `inspector` step into [`crate::inspector::dist_dir`]).
///
/// # Errors
/// If a test fails.
pub(crate) fn browser_tests(workspace: &Workspace) -> Result<()> {
    node_test(workspace, "tests/browser")
}

/// `node --test` in `tests/npm-consumers`: the Vite app, the Node program, `tsc`.
///
/// # Errors
/// If a test fails.
pub(crate) fn consumer_tests(workspace: &Workspace) -> Result<()> {
    node_test(workspace, "tests/npm-consumers")
}

fn node_test(workspace: &Workspace, folder: &str) -> Result<()> {
    // One test file at a time: each starts its own routers and browsers.
    run(Command::new("node")
        .args(["--test", "--test-reporter=spec", "--test-concurrency=1"])
        .arg(format!("--test-timeout={TEST_FILE_TIMEOUT_MS}"))
        .env("DEV_ROUTER_BIN", workspace.router_binary())
        .env("INSPECTOR_DIR", crate::inspector::dist_dir(workspace))
        .current_dir(workspace.path(folder)))
}
