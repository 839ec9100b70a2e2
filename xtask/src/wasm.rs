//! `cargo xtask npm`: the npm package `wamp-wasm` from the `wamp-wasm` crate.
//!
//! 1. [`tools`]: the wasm32 target, `wasm-bindgen-cli` at the version `wasm-bindgen` is
//!    pinned to, and `wasm-opt` from the npm package `binaryen` in `.tools/binaryen` (never
//!    Debian's: its wasm-opt breaks wasm-bindgen output); [`nightly`]: the pinned nightly
//!    toolchain [`NIGHTLY`] with `rust-src`, for this package only; each guarded by a version
//!    check.
//! 2. [`build`]: `cargo build --profile wasm-release --target wasm32-unknown-unknown -p
//!    wamp-wasm` on [`NIGHTLY`], the standard library rebuilt for size
//!    ([`NIGHTLY_BUILD`], [`NIGHTLY_RUSTFLAGS`]) into `target/npm-wasm/`;
//!    `wasm-bindgen --remove-name-section` for browsers (`--target web`) and Node
//!    (`--target experimental-nodejs-module`) into `npm/dist/`; `wasm-opt` ([`WASM_OPT_PASSES`]);
//!    [`bundle`]: the glue and `npm/src/` as one minified `index.js` per target; sizes.
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
/// The toolchain that builds the npm package's wasm, pinned: it rebuilds the standard library
/// (`-Z build-std`), which stable Rust cannot. Everything else (the router, the inspector,
/// clippy, the tests) builds on stable.
const NIGHTLY: &str = "nightly-2026-05-20";
/// The standard library rebuilt with the package, optimised for size, and with panics that
/// abort at once: the prebuilt one carries panic messages, their formatting and file paths
/// that a wasm with `panic = "abort"` never shows anyway.
const NIGHTLY_BUILD: &[&str] = &[
    "-Zbuild-std=std,panic_abort",
    "-Zbuild-std-features=optimize_for_size",
];
/// Panics abort without formatting a message or recording where they happened, and the
/// wasm uses neither reference types nor multi-value returns, so that wasm-bindgen keeps
/// JavaScript objects in its glue's table instead of generating a shim per export. Together
/// with [`NIGHTLY_BUILD`] this saves 5.3 KB gzipped (81.6 → 76.3 KB with the glue), measured
/// with `cargo xtask npm`.
const NIGHTLY_RUSTFLAGS: &str = "-Zunstable-options -Cpanic=immediate-abort \
    -Zlocation-detail=none -Ctarget-feature=-reference-types,-multivalue";
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

/// The pinned nightly [`NIGHTLY`] with `rust-src`, which only the npm package's wasm needs
/// ([`build`]); installed when missing.
///
/// # Errors
/// If the install fails.
pub(crate) fn nightly() -> Result<()> {
    let components = output(Command::new("rustup").args([
        "component",
        "list",
        "--installed",
        "--toolchain",
        NIGHTLY,
    ]));
    if components.is_ok_and(|list| list.lines().any(|line| line.starts_with("rust-src"))) {
        println!("{NIGHTLY} with rust-src is installed");
    } else {
        run(Command::new("rustup").args([
            "toolchain",
            "install",
            NIGHTLY,
            "--profile",
            "minimal",
            "--component",
            "rust-src",
        ]))?;
    }
    Ok(())
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
    nightly()?;
    let target_dir = workspace.target_dir().join("npm-wasm");
    run(Command::new("rustup")
        .args(["run", NIGHTLY, "cargo", "build"])
        .args(NIGHTLY_BUILD)
        .args([
            "--profile",
            PROFILE,
            "--target",
            TARGET,
            "--package",
            "wamp-wasm",
        ])
        .arg("--target-dir")
        .arg(&target_dir)
        .current_dir(workspace.path("."))
        // The outer cargo's settings name the stable toolchain; these flags are the build's.
        .env_remove("CARGO")
        .env_remove("RUSTC")
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env("RUSTFLAGS", NIGHTLY_RUSTFLAGS))?;
    let wasm = target_dir.join(TARGET).join(PROFILE).join("wamp_wasm.wasm");
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
        minify_names(workspace, &bg, &out.join("wamp_wasm.js"))?;
    }
    bundle(workspace)?;
    // What a browser loads: the wasm, and wasm-bindgen's glue with the package's own
    // JavaScript in one minified file.
    sizes(&[
        dist.join("web/wamp_wasm_bg.wasm"),
        dist.join("web/index.js"),
    ])
}

/// The module the wasm imports the glue's functions from, as wasm-bindgen names it.
const GLUE_MODULE: &str = "./wamp_wasm_bg.js";

/// Renames the wasm's imports, exports and import module to one or two letters, and the glue
/// to match: wasm-bindgen's names (`__wbg_new_with_byte_offset_and_length_3cd32055a417f095`)
/// carry a hash each, which gzip cannot compress, in both files. `wasm-opt` prints the
/// renaming as JSON; the glue names an import as an object key (`name: function`), an
/// export as `wasm.name`, and the import module as the key of the object of imports.
///
/// # Errors
/// If `wasm-opt` fails, prints an unexpected map, or a name is not found in the glue.
fn minify_names(workspace: &Workspace, wasm: &Path, glue: &Path) -> Result<()> {
    let map = output(
        Command::new(wasm_opt(workspace))
            .arg("--minify-imports-and-exports-and-modules")
            .args(WASM_FEATURES)
            .arg(wasm)
            .arg("-o")
            .arg(wasm),
    )?;
    // `{"imports": [[module, old, new], ...], "exports": [[old, new], ...]}`
    let map: serde_json::Value = serde_json::from_str(&map)
        .with_context(|| format!("wasm-opt's map of names is not JSON:\n{map}"))?;
    let pairs = |key: &str| -> Result<std::collections::HashMap<String, String>> {
        let entries = map[key]
            .as_array()
            .with_context(|| format!("wasm-opt's map of names has no {key}"))?;
        let mut pairs = std::collections::HashMap::new();
        for entry in entries {
            let names: Vec<&str> = entry
                .as_array()
                .map(|names| names.iter().filter_map(serde_json::Value::as_str).collect())
                .unwrap_or_default();
            match names.as_slice() {
                [module, old, new] if key == "imports" && *module == GLUE_MODULE => {
                    pairs.insert((*old).to_owned(), (*new).to_owned());
                }
                [old, new] if key == "exports" => {
                    pairs.insert((*old).to_owned(), (*new).to_owned());
                }
                _ => bail!("unexpected entry in wasm-opt's map of names: {entry}"),
            }
        }
        Ok(pairs)
    };
    let imports = pairs("imports")?;
    let exports = pairs("exports")?;
    if imports.is_empty() || exports.is_empty() {
        bail!("wasm-opt renamed no imports or no exports:\n{map}");
    }
    let text =
        std::fs::read_to_string(glue).with_context(|| format!("reading {}", glue.display()))?;
    // With one import module, wasm-opt names it `a` (and the module's old name is gone).
    let bytes = std::fs::read(wasm).with_context(|| format!("reading {}", wasm.display()))?;
    if bytes
        .windows(GLUE_MODULE.len())
        .any(|window| window == GLUE_MODULE.as_bytes())
    {
        bail!(
            "wasm-opt left the import module {GLUE_MODULE} in {}",
            wasm.display()
        );
    }
    let module_key = format!("\"{GLUE_MODULE}\": import0");
    if !text.contains(&module_key) {
        bail!("{} has no `{module_key}`", glue.display());
    }
    let text = text.replace(&module_key, "a: import0");
    let mut renamed = String::with_capacity(text.len());
    let mut found = 0;
    let mut rest = text.as_str();
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
        let length = rest[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
            .unwrap_or(rest.len() - start);
        let (before, token, after) = (
            &rest[..start],
            &rest[start..start + length],
            &rest[start + length..],
        );
        renamed.push_str(before);
        let new = if renamed.ends_with("wasm.") {
            exports.get(token)
        } else if after.starts_with(": function") {
            imports.get(token)
        } else {
            None
        };
        if let Some(new) = new {
            found += 1;
            renamed.push_str(new);
        } else {
            renamed.push_str(token);
        }
        rest = after;
    }
    renamed.push_str(rest);
    // Each import once; each export the glue uses at least once.
    if found < imports.len() {
        bail!(
            "{} names {found} of {} imports",
            glue.display(),
            imports.len()
        );
    }
    std::fs::write(glue, renamed).with_context(|| format!("writing {}", glue.display()))
}

/// esbuild (pinned in `npm/package.json`) bundles each entry point (`npm/src/browser.js`,
/// `npm/src/node.js`) with wasm-bindgen's glue into one minified `index.js` beside its wasm,
/// which the glue finds through `new URL(.., import.meta.url)`. Minified, the JavaScript
/// is about a third smaller gzipped.
fn bundle(workspace: &Workspace) -> Result<()> {
    package_deps(workspace)?;
    let script = "const [entry, out, platform] = process.argv.slice(1);\
        require('esbuild').buildSync({entryPoints: [entry], outfile: out, platform, bundle: true,\
        format: 'esm', minify: true, target: 'es2022', legalComments: 'none', logLevel: 'warning',\
        external: ['ws', 'node:*']})";
    for (entry, dir, platform) in [("browser", "web", "browser"), ("node", "node", "node")] {
        run(Command::new("node")
            .args(["-e", script])
            .arg(format!("src/{entry}.js"))
            .arg(format!("dist/{dir}/index.js"))
            .arg(platform)
            .current_dir(workspace.path("npm")))?;
    }
    Ok(())
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

/// `npm ci` in `npm/` (esbuild for [`bundle`]; TypeScript and `ws` for the package's own
/// checks).
fn package_deps(workspace: &Workspace) -> Result<()> {
    let dir = workspace.path("npm");
    if ["ws", "typescript", "esbuild"].iter().all(|name| {
        dir.join(format!("node_modules/{name}/package.json"))
            .is_file()
    }) {
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
