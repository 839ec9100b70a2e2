//! `cargo xtask`: set-up, build and test orchestration for this workspace.
//!
//! ```text
//! cargo xtask run [-- ROUTER ARGS]   build the inspector and the dev-router, start the router
//! cargo xtask test [--quick] [STEP]  install what this machine lacks, then run every test
//! cargo xtask setup                  only install what this machine lacks
//! cargo xtask inspector              build the inspector app (target/inspector/dist)
//! cargo xtask npm                    build the npm package wamp-wasm (npm/dist, target/npm)
//! cargo xtask bench [--smoke]        benchmark dev-router against Crossbar.io (BENCHMARKS.md)
//! cargo xtask bench --browser        wamp-wasm against autobahn and wampy in Chromium
//! ```
//!
//! Layout: [`workspace`] finds the repository and runs external commands with a header and
//! a timer; [`setup`] holds the install steps, each guarded so that it does nothing when its
//! result is already there; [`test`] is the test pipeline; [`run`] is the `run` command.
//! Only `std` and `anyhow`, so that the first `cargo xtask` on a fresh machine is quick.

mod bench;
mod browser;
mod browser_bench;
mod inspector;
mod run;
mod setup;
mod test;
mod wasm;
mod workspace;

use std::process::ExitCode;

use anyhow::{Result, bail};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  run [-- ROUTER ARGS]    build the inspector and dev-router (release) and start the
                          router, serving the inspector at its URL; ROUTER ARGS go to the
                          router (try `cargo xtask run -- --help`)
  test [--quick] [STEP]   install what this machine lacks, then run every test, failing fast;
                          --quick skips fmt and clippy; STEP names run only those steps
                          (and what they need): fmt clippy cargo-test router
                          python-env python node-deps node bench-smoke
                          browser-bench-smoke
  setup                   install what this machine lacks (Python venv, npm packages, wasm
                          tools, Chromium)
  inspector               build the inspector app into target/inspector/dist (`run`
                          builds it too and has the router serve it)
  npm                     build the npm package wamp-wasm: npm/dist and a tarball in
                          target/npm (alias: wasm)
  bench [--smoke] [--no-crossbar] [--micro] [-- WAMP-BENCH ARGS]
                          benchmark the dev-router against Crossbar.io (installed into
                          target/bench/crossbar-venv): one table, also written to
                          target/bench/results.md; --smoke: a few seconds of every
                          workload, dev-router only, checking counts; --micro: the
                          serializer micro-benchmarks (criterion)
  bench --browser [--smoke] [-- RUNNER ARGS]
                          wamp-wasm against npm autobahn and wampy in headless
                          Chromium (tests/browser-bench): calls/s, events/s, bundle
                          sizes; table also in target/bench/browser-results.md;
                          --smoke: correctness only, a few seconds
  help                    this text
";

fn main() -> ExitCode {
    match try_main() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("xtask: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn try_main() -> Result<ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        return Ok(ExitCode::FAILURE);
    };
    let workspace = workspace::Workspace::locate()?;
    match command.as_str() {
        "run" => run::run(&workspace, rest),
        "test" => test::test(&workspace, &test::Options::parse(rest)?),
        "setup" => {
            setup::python_env(&workspace)?;
            setup::node_packages(&workspace)?;
            wasm::tools(&workspace)?;
            wasm::nightly()?;
            wasm::browser(&workspace)?;
            Ok(ExitCode::SUCCESS)
        }
        "inspector" => {
            inspector::build(&workspace)?;
            Ok(ExitCode::SUCCESS)
        }
        "npm" | "wasm" => {
            wasm::pack(&workspace)?;
            Ok(ExitCode::SUCCESS)
        }
        "bench" => bench::bench(&workspace, rest),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}
