//! Install steps: each brings in what a fresh machine lacks and does nothing when its result
//! is already there (checked by a version or a stamp file), so they are cheap to run every
//! time.
//!
//! A fresh machine has Rust, Python 3 with pip, and Node.js with npm. What the tests need
//! beyond that:
//! - [`python_env`]: `tests/.venv` with `tests/python/requirements.txt` (autobahn, pytest);
//! - [`node_packages`]: `tests/node/node_modules` from `tests/node/package-lock.json`.
//!
//!
//! The wasm tools (target, `wasm-bindgen-cli`, npm `binaryen`) and Chromium are installed by
//! [`crate::wasm::tools`] and [`crate::wasm::browser`], with the same kind of guards.

use std::fs;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::workspace::{Workspace, fnv1a, output, run};

/// The oldest Python the peer tests run on (autobahn 26 needs 3.11).
const PYTHON_MIN: (u32, u32) = (3, 11);
/// The oldest Node.js the peer tests run on (`node --test`, global `fetch`).
const NODE_MIN: (u32, u32) = (20, 0);

/// Creates or refreshes the Python virtual environment `tests/.venv`.
///
/// It is rebuilt from scratch when `tests/python/requirements.txt` or the Python version
/// changed since it was made (a stamp file inside the venv records both).
///
/// # Errors
/// If Python is missing or too old, or `venv`/`pip` fail.
pub(crate) fn python_env(workspace: &Workspace) -> Result<()> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let version_text = output(Command::new(&python).arg("--version"))
        .with_context(|| format!("Python 3 is needed for the peer tests (tried `{python}`)"))?;
    let version = parse_version(&version_text)
        .with_context(|| format!("cannot read the Python version from `{version_text}`"))?;
    if version < PYTHON_MIN {
        bail!(
            "{version_text} is too old: the peer tests need Python {}.{}+",
            PYTHON_MIN.0,
            PYTHON_MIN.1
        );
    }

    let venv = workspace.path("tests/.venv");
    let requirements = workspace.path("tests/python/requirements.txt");
    let stamp_path = venv.join(".xtask-stamp");
    let stamp = format!(
        "requirements.txt fnv1a {:016x}\n{version_text}\n",
        fnv1a(&read(&requirements)?)
    );
    if venv_python(&venv).exists() && fs::read_to_string(&stamp_path).is_ok_and(|old| old == stamp)
    {
        println!("tests/.venv is up to date ({version_text})");
        return Ok(());
    }

    if venv.exists() {
        println!("tests/.venv is out of date: re-creating it");
        fs::remove_dir_all(&venv).with_context(|| format!("removing {}", venv.display()))?;
    }
    run(Command::new(&python)
        .args(["-m", "venv"])
        .arg(&venv)
        .current_dir(workspace.root()))
    .context(
        "could not create the virtual environment (on Debian's own Python: \
         apt-get install python3-venv)",
    )?;
    run(Command::new(venv_python(&venv))
        .args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
            "--requirement",
        ])
        .arg(&requirements)
        .current_dir(workspace.root()))?;
    // Written last, so that an interrupted install is redone next time.
    fs::write(&stamp_path, stamp).with_context(|| format!("writing {}", stamp_path.display()))?;
    Ok(())
}

/// The venv's own interpreter.
pub(crate) fn venv_python(venv: &Path) -> std::path::PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    }
}

/// Installs `tests/node/node_modules` with `npm ci`, unless it already matches the lockfile.
///
/// # Errors
/// If Node.js or npm is missing or too old, or `npm ci` fails.
pub(crate) fn node_packages(workspace: &Workspace) -> Result<()> {
    let version_text = output(Command::new("node").arg("--version"))
        .context("Node.js is needed for the peer tests")?;
    let version = parse_version(&version_text)
        .with_context(|| format!("cannot read the Node.js version from `{version_text}`"))?;
    if version < NODE_MIN {
        bail!(
            "Node.js {version_text} is too old: the peer tests need {}+",
            NODE_MIN.0
        );
    }
    let npm_version = output(npm().arg("--version")).context("npm is needed for the peer tests")?;

    let dir = workspace.path("tests/node");
    let stamp_path = dir.join("node_modules").join(".xtask-stamp");
    let stamp = format!(
        "package.json fnv1a {:016x}\npackage-lock.json fnv1a {:016x}\nnode {version_text}\n",
        fnv1a(&read(&dir.join("package.json"))?),
        fnv1a(&read(&dir.join("package-lock.json"))?),
    );
    if fs::read_to_string(&stamp_path).is_ok_and(|old| old == stamp) {
        println!("tests/node/node_modules is up to date (node {version_text}, npm {npm_version})");
        return Ok(());
    }
    // `autobahn` declares Node >= 22 but runs on Node 20 with `ws` as its WebSocket: an
    // engine mismatch must stay a warning even where a user config makes it strict.
    run(npm()
        .args([
            "ci",
            "--no-audit",
            "--no-fund",
            "--engine-strict=false",
            "--update-notifier=false",
        ])
        .current_dir(&dir))?;
    fs::write(&stamp_path, stamp).with_context(|| format!("writing {}", stamp_path.display()))?;
    Ok(())
}

/// `npm`, which is a `.cmd` script on Windows.
pub(crate) fn npm() -> Command {
    Command::new(if cfg!(windows) { "npm.cmd" } else { "npm" })
}

fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// `(major, minor)` from `Python 3.11.7`, `v20.20.2` or `20.20.2`.
fn parse_version(text: &str) -> Option<(u32, u32)> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let mut parts = text[start..]
        .split(|c: char| !c.is_ascii_digit())
        .map(str::parse::<u32>);
    let major = parts.next()?.ok()?;
    let minor = parts.next()?.ok()?;
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::parse_version;

    #[test]
    fn versions_parse_from_tool_output() {
        assert_eq!(parse_version("Python 3.11.7"), Some((3, 11)));
        assert_eq!(parse_version("v20.20.2"), Some((20, 20)));
        assert_eq!(parse_version("11.19.1"), Some((11, 19)));
        assert_eq!(parse_version("no version"), None);
    }
}
