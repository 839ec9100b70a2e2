//! `cargo xtask inspector`: the inspector app, built into `target/inspector/dist/`, which
//! `cargo xtask run` hands to the dev-router (`--inspector-dir`) to serve.
//!
//! 1. the wasm tools ([`crate::wasm::tools`]: the wasm32 target, `wasm-bindgen-cli`, npm
//!    `binaryen`), each guarded;
//! 2. `cargo build --profile wasm-release --target wasm32-unknown-unknown -p inspector`
//!    (small rather than fast: `opt-level = "z"`, LTO);
//! 3. `wasm-bindgen --target web --remove-name-section`, then `wasm-opt -Oz`, skipped when
//!    the wasm did not change since the last build (a stamp in the dist directory);
//! 4. the static files of `inspector/static/` (`index.html`, the CSS) copied beside them.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::workspace::{Workspace, fnv1a, run};

const TARGET: &str = "wasm32-unknown-unknown";
const PROFILE: &str = "wasm-release";
/// Features the optimiser may use: what Rust's wasm32 target emits by default.
const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// Where the built inspector goes: what the router serves.
pub(crate) fn dist_dir(workspace: &Workspace) -> PathBuf {
    workspace.target_dir().join("inspector").join("dist")
}

/// Builds the inspector into [`dist_dir`] and returns that directory.
///
/// # Errors
/// If a tool is missing and cannot be installed, or a step fails.
pub(crate) fn build(workspace: &Workspace) -> Result<PathBuf> {
    crate::wasm::tools(workspace)?;
    run(workspace.cargo().args([
        "build",
        "--profile",
        PROFILE,
        "--target",
        TARGET,
        "--package",
        "inspector",
    ]))?;
    let wasm = workspace
        .target_dir()
        .join(TARGET)
        .join(PROFILE)
        .join("inspector.wasm");
    let dist = dist_dir(workspace);
    fs::create_dir_all(&dist).with_context(|| format!("creating {}", dist.display()))?;

    let bytes = fs::read(&wasm).with_context(|| format!("reading {}", wasm.display()))?;
    let stamp_path = dist.join(".xtask-stamp");
    let stamp = format!("inspector.wasm fnv1a {:016x}\n", fnv1a(&bytes));
    let optimized = dist.join("inspector_bg.wasm");
    if optimized.is_file() && fs::read_to_string(&stamp_path).is_ok_and(|old| old == stamp) {
        println!("the inspector's wasm is unchanged: not bound and optimised again");
    } else {
        run(Command::new("wasm-bindgen")
            .args([
                "--target",
                "web",
                "--remove-name-section",
                "--no-typescript",
                "--out-name",
                "inspector",
                "--out-dir",
            ])
            .arg(&dist)
            .arg(&wasm))?;
        run(Command::new(wasm_opt(workspace))
            .arg("-Oz")
            .args(WASM_FEATURES)
            .arg(&optimized)
            .arg("-o")
            .arg(&optimized))?;
        fs::write(&stamp_path, stamp)
            .with_context(|| format!("writing {}", stamp_path.display()))?;
    }
    copy_static(&workspace.path("inspector/static"), &dist)?;
    sizes(&[
        optimized,
        dist.join("inspector.js"),
        dist.join("inspector.css"),
        dist.join("index.html"),
    ])?;
    Ok(dist)
}

/// Copies every file of `from` into `to` (flat: the static files have no subdirectories).
fn copy_static(from: &Path, to: &Path) -> Result<()> {
    for entry in fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            let target = to.join(entry.file_name());
            fs::copy(entry.path(), &target).with_context(|| {
                format!("copying {} to {}", entry.path().display(), target.display())
            })?;
        }
    }
    Ok(())
}

/// `wasm-opt` from the npm package `binaryen` that [`crate::wasm::tools`] installs.
fn wasm_opt(workspace: &Workspace) -> PathBuf {
    let name = if cfg!(windows) {
        "wasm-opt.cmd"
    } else {
        "wasm-opt"
    };
    workspace
        .path(".tools/binaryen/node_modules/.bin")
        .join(name)
}

/// Prints raw and gzipped sizes (gzip by Node's zlib, level 9).
fn sizes(files: &[PathBuf]) -> Result<()> {
    let script = "const z=require('zlib'),f=require('fs');let t=0,g=0;\
        for(const p of process.argv.slice(1)){const b=f.readFileSync(p),c=z.gzipSync(b,{level:9}).length;\
        t+=b.length;g+=c;console.log(`${(b.length/1024).toFixed(1).padStart(8)} KB ${(c/1024).toFixed(1).padStart(7)} KB gz  ${p}`)}\
        console.log(`${(t/1024).toFixed(1).padStart(8)} KB ${(g/1024).toFixed(1).padStart(7)} KB gz  total`)";
    run(Command::new("node").args(["-e", script]).args(files))
}
