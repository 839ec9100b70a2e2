//! `cargo xtask npm`: the npm package `wamp-wasm` from the `wamp-wasm` crate.
//!
//! 1. [`tools`]: the wasm32 target, `wasm-bindgen-cli` at the version `wasm-bindgen` is
//!    pinned to, and `wasm-opt` from the npm package `binaryen` in `.tools/binaryen` (never
//!    Debian's: its wasm-opt breaks wasm-bindgen output); each guarded by a version check.
//! 2. [`build`]: `cargo build --profile wasm-release --target wasm32-unknown-unknown -p
//!    wamp-wasm`; `wasm-bindgen --remove-name-section` for browsers (`--target web`) and Node
//!    (`--target experimental-nodejs-module`) into `npm/dist/`; `wasm-opt` ([`WASM_OPT_PASSES`]);
//!    sizes.
//! 3. [`pack`]: `npm pack` into `target/npm/`.
//!
//! Also the package's tests: [`smoke`] (Node, against a dev-router) and [`unit_tests`]
//! (`wasm-bindgen-test` in headless Chromium).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::workspace::{Workspace, output, run};

/// The `wasm-bindgen` crate version (root `Cargo.toml`); the CLI must match it exactly.
const WASM_BINDGEN_VERSION: &str = "0.2.130";
/// The npm `binaryen` release that provides `wasm-opt`.
const BINARYEN_VERSION: &str = "132.0.0";
const TARGET: &str = "wasm32-unknown-unknown";
const PROFILE: &str = "wasm-release";
/// `wasm-opt`'s passes: `-Oz`, then the control flow rebuilt from scratch (`--flatten
/// --rereloop`) and `-Oz` twice more, which finds about 0.8 KB (gzipped) that `-Oz` alone
/// leaves; `--strip-producers` and `--strip-target-features` drop two custom sections no
/// runtime reads. Measured with `cargo xtask npm`.
const WASM_OPT_PASSES: &[&str] = &[
    "-Oz",
    "--flatten",
    "--rereloop",
    "-Oz",
    "-Oz",
    "--strip-producers",
    "--strip-target-features",
];
/// Features the optimiser may use: what Rust's wasm32 target emits by default.
const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// Installs what building the package needs and the machine lacks.
///
/// # Errors
/// If an install fails.
pub(crate) fn tools(workspace: &Workspace) -> Result<()> {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]))
        .context("rustup is needed to add the wasm32 target")?;
    if installed.lines().any(|line| line.trim() == TARGET) {
        println!("rust target {TARGET} is installed");
    } else {
        run(Command::new("rustup").args(["target", "add", TARGET]))?;
    }

    let wanted = format!("wasm-bindgen {WASM_BINDGEN_VERSION}");
    match output(Command::new("wasm-bindgen").arg("--version")) {
        Ok(version) if version == wanted => println!("{version} is installed"),
        found => {
            if let Ok(version) = found {
                println!("found {version}, need {wanted}: reinstalling");
            }
            // No `--locked`: the CLI's lockfile wants a crate version this registry lacks.
            run(workspace.cargo().args([
                "install",
                "wasm-bindgen-cli",
                "--version",
                WASM_BINDGEN_VERSION,
                "--force",
            ]))?;
        }
    }

    let wasm_opt = wasm_opt(workspace);
    let major = BINARYEN_VERSION
        .split('.')
        .next()
        .unwrap_or(BINARYEN_VERSION);
    match output(Command::new(&wasm_opt).arg("--version")) {
        Ok(version) if version.contains(&format!("version {major}")) => {
            println!("{version} is installed (.tools/binaryen)");
        }
        _ => {
            let dir = workspace.path(".tools/binaryen");
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            run(crate::setup::npm()
                .args(["install", "--no-audit", "--no-fund", "--prefix"])
                .arg(&dir)
                .arg(format!("binaryen@{BINARYEN_VERSION}")))?;
        }
    }
    Ok(())
}

/// Chromium and ChromeDriver for the browser tests (Debian packages).
///
/// # Errors
/// If they are missing and `apt-get` cannot install them.
pub(crate) fn browser(_workspace: &Workspace) -> Result<()> {
    let chromium = output(Command::new("/usr/bin/chromium").arg("--version"));
    let driver = output(Command::new("/usr/bin/chromedriver").arg("--version"));
    if let (Ok(chromium), Ok(_)) = (&chromium, &driver) {
        println!("{chromium} and chromedriver are installed");
        return Ok(());
    }
    run(Command::new("apt-get").arg("update"))
        .context("Chromium is needed for the browser tests; installing it needs apt-get")?;
    run(Command::new("apt-get").args(["install", "-y", "chromium", "chromium-driver"]))
}

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

/// Builds `npm/dist/`: the wasm for browsers and for Node, optimised, and prints the sizes.
///
/// # Errors
/// If a tool is missing or a step fails.
pub(crate) fn build(workspace: &Workspace) -> Result<()> {
    tools(workspace)?;
    run(workspace.cargo().args([
        "build",
        "--profile",
        PROFILE,
        "--target",
        TARGET,
        "--package",
        "wamp-wasm",
    ]))?;
    let wasm = workspace
        .target_dir()
        .join(TARGET)
        .join(PROFILE)
        .join("wamp_wasm.wasm");
    let dist = workspace.path("npm/dist");
    if dist.exists() {
        std::fs::remove_dir_all(&dist).with_context(|| format!("removing {}", dist.display()))?;
    }
    for (target, dir) in [("web", "web"), ("experimental-nodejs-module", "node")] {
        let out = dist.join(dir);
        run(Command::new("wasm-bindgen")
            // `--encode-into always`: every supported runtime has `TextEncoder.encodeInto`,
            // so the glue needs no fallback.
            .args(["--target", target, "--remove-name-section"])
            .args(["--encode-into", "always", "--out-dir"])
            .arg(&out)
            .arg(&wasm))?;
        let bg = out.join("wamp_wasm_bg.wasm");
        run(Command::new(wasm_opt(workspace))
            .args(WASM_OPT_PASSES)
            .args(WASM_FEATURES)
            .arg(&bg)
            .arg("-o")
            .arg(&bg))?;
    }
    // What a browser loads: the wasm, wasm-bindgen's glue and the package's own JavaScript.
    let src = workspace.path("npm/src");
    sizes(&[
        dist.join("web/wamp_wasm_bg.wasm"),
        dist.join("web/wamp_wasm.js"),
        src.join("browser.js"),
        src.join("classes.js"),
        src.join("auth.js"),
    ])
}

/// Prints raw and gzipped sizes (gzip by Node's zlib, level 9, so that it runs anywhere).
fn sizes(files: &[PathBuf]) -> Result<()> {
    let script = "const z=require('zlib'),f=require('fs');let t=0,g=0;\
        for(const p of process.argv.slice(1)){const b=f.readFileSync(p),c=z.gzipSync(b,{level:9}).length;\
        t+=b.length;g+=c;console.log(`${(b.length/1024).toFixed(1).padStart(8)} KB ${(c/1024).toFixed(1).padStart(7)} KB gz  ${p}`)}\
        console.log(`${(t/1024).toFixed(1).padStart(8)} KB ${(g/1024).toFixed(1).padStart(7)} KB gz  total`)";
    run(Command::new("node").args(["-e", script]).args(files))
}

/// `npm pack` of `npm/` into `target/npm/`; builds first.
///
/// # Errors
/// If the build or `npm pack` fails.
pub(crate) fn pack(workspace: &Workspace) -> Result<PathBuf> {
    build(workspace)?;
    let destination = workspace.target_dir().join("npm");
    std::fs::create_dir_all(&destination)
        .with_context(|| format!("creating {}", destination.display()))?;
    let name = output(
        crate::setup::npm()
            .args(["pack", "--pack-destination"])
            .arg(&destination)
            .current_dir(workspace.path("npm")),
    )?;
    let tarball = destination.join(name.lines().last().unwrap_or_default().trim());
    if !tarball.is_file() {
        bail!("npm pack did not leave {}", tarball.display());
    }
    println!("packed {}", tarball.display());
    Ok(tarball)
}

/// `npm ci` in `npm/` (TypeScript and `ws` for the package's own checks).
fn package_deps(workspace: &Workspace) -> Result<()> {
    let dir = workspace.path("npm");
    if dir.join("node_modules/ws/package.json").is_file()
        && dir.join("node_modules/typescript/package.json").is_file()
    {
        return Ok(());
    }
    run(crate::setup::npm()
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir))
}

/// The package in Node against a dev-router, every role and serializer; and the TypeScript
/// declarations checked by compiling a typed example.
///
/// # Errors
/// If the router binary is missing or a check fails.
pub(crate) fn smoke(workspace: &Workspace) -> Result<()> {
    let router = workspace.router_binary();
    if !router.exists() {
        bail!("{} is missing: run the `router` step", router.display());
    }
    package_deps(workspace)?;
    let dir = workspace.path("npm");
    run(Command::new("node")
        .arg("test/smoke.mjs")
        .arg(&router)
        .current_dir(&dir))?;
    run(Command::new("node")
        .args([
            "node_modules/typescript/bin/tsc",
            "-p",
            "test/tsconfig.json",
        ])
        .current_dir(&dir))
}

/// `wasm-bindgen-test` unit tests of `wamp-wasm` in headless Chromium.
///
/// # Errors
/// If a tool is missing or a test fails.
pub(crate) fn unit_tests(workspace: &Workspace) -> Result<()> {
    tools(workspace)?;
    browser(workspace)?;
    let chromedriver = Path::new("/usr/bin/chromedriver");
    run(workspace
        .cargo()
        .args(["test", "--target", TARGET, "--package", "wamp-wasm"])
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            "wasm-bindgen-test-runner",
        )
        .env("CHROMEDRIVER", chromedriver))
}
