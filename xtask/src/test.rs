//! `cargo xtask test`: every test of the project, in order, stopping at the first failure.
//!
//! Steps, cheapest and most basic first:
//! 1. `fmt`: `cargo fmt --all -- --check`
//! 2. `clippy`: `cargo clippy --workspace --all-targets -- -D warnings`; `clippy-wasm`: the
//!    wasm crates for their real target, `cargo clippy -p inspector -p wamp-wasm --target
//!    wasm32-unknown-unknown -- -D warnings`
//! 3. `cargo-test`: `cargo test --workspace`
//! 4. `router`: `cargo build --release -p dev-router -p wamp-bench` (the peer tests run the
//!    router; one build for both, so that `bench-smoke` needs no second build of the shared
//!    crates with other features)
//! 5. `python-env`, `python`: `tests/.venv` with autobahn, then pytest on `tests/python`
//! 6. `node-deps`, `node`: `npm ci` in `tests/node`, then `node --test` there
//! 7. `wasm-unit`: `wasm-bindgen-test` of `wamp-wasm` in headless Chromium
//! 8. `npm`, `npm-smoke`: build the npm package (`npm/dist`), then use it from Node against
//!    the router, and type-check a TypeScript example against its declarations
//! 9. `browser-deps`, `inspector`, `browser`, `npm-consumers`: the npm tarball in headless
//!    Chromium (`tests/browser`: client, chess demo, autobahn-python interop, and the
//!    inspector end to end, built by `inspector` as `cargo xtask inspector` does) and
//!    installed into a Vite app and a Node program (`tests/npm-consumers`); see
//!    [`crate::browser`]; `browser-bench-smoke` (after `browser`): the browser benchmark
//!    (`tests/browser-bench`) for a fraction of a second per workload, wamp-wasm, autobahn
//!    and wampy in Chromium; it checks that every call is answered with its own value and
//!    every event arrives, not speed (see [`crate::browser_bench`])
//! 10. `bench-smoke`: `wamp-bench suite --smoke` (release) against the dev-router: every
//!     workload for half a second; it checks counts (no loss, every session joined), not speed
//!
//! The peer tests find the router through `DEV_ROUTER_BIN` (an absolute path).
//! Later steps (wasm builds, browser tests) go into [`STEPS`] in the order they depend on.

use std::process::{Command, ExitCode};
use std::time::Duration;

use anyhow::{Result, bail};

use crate::setup;
use crate::workspace::{Workspace, format_duration, header, run};

/// What `cargo xtask test` was asked to do.
pub(crate) struct Options {
    /// Skip the lint steps (`fmt`, `clippy`).
    quick: bool,
    /// Run only these steps and the steps they need; empty means all.
    only: Vec<String>,
}

impl Options {
    /// Reads `[--quick] [STEP...]`.
    ///
    /// # Errors
    /// On an unknown flag or step name.
    pub(crate) fn parse(args: &[String]) -> Result<Self> {
        let mut options = Self {
            quick: false,
            only: Vec::new(),
        };
        for arg in args {
            match arg.as_str() {
                "--quick" => options.quick = true,
                flag if flag.starts_with('-') => bail!("unknown flag `{flag}` for `test`"),
                name if STEPS.iter().any(|step| step.name == name) => {
                    options.only.push(name.to_owned());
                }
                name => {
                    let names: Vec<&str> = STEPS.iter().map(|step| step.name).collect();
                    bail!("unknown step `{name}`; steps: {}", names.join(" "));
                }
            }
        }
        Ok(options)
    }

    fn selects(&self, step: &Step) -> bool {
        if self.quick && step.lint {
            return false;
        }
        if self.only.is_empty() {
            return true;
        }
        self.only.iter().any(|name| {
            name == step.name
                || STEPS
                    .iter()
                    .any(|wanted| wanted.name == name && wanted.needs.contains(&step.name))
        })
    }
}

/// One step of the pipeline.
struct Step {
    /// Short name, used to select steps on the command line.
    name: &'static str,
    /// What the header says.
    title: &'static str,
    /// A lint, skipped by `--quick`.
    lint: bool,
    /// Steps that must run before this one when it is selected alone.
    needs: &'static [&'static str],
    action: fn(&Workspace) -> Result<()>,
}

const STEPS: &[Step] = &[
    Step {
        name: "fmt",
        title: "cargo fmt --check",
        lint: true,
        needs: &[],
        action: |workspace| run(workspace.cargo().args(["fmt", "--all", "--", "--check"])),
    },
    Step {
        name: "clippy",
        title: "cargo clippy -D warnings",
        lint: true,
        needs: &[],
        action: |workspace| {
            run(workspace.cargo().args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]))
        },
    },
    Step {
        name: "clippy-wasm",
        title: "cargo clippy -D warnings for wasm32 (inspector, wamp-wasm)",
        lint: true,
        needs: &[],
        action: |workspace| {
            crate::wasm::tools(workspace)?;
            run(workspace.cargo().args([
                "clippy",
                "-p",
                "inspector",
                "-p",
                "wamp-wasm",
                "--target",
                "wasm32-unknown-unknown",
                "--",
                "-D",
                "warnings",
            ]))
        },
    },
    Step {
        name: "cargo-test",
        title: "cargo test --workspace",
        lint: false,
        needs: &[],
        action: |workspace| run(workspace.cargo().args(["test", "--workspace"])),
    },
    Step {
        name: "router",
        title: "build dev-router and wamp-bench (release)",
        lint: false,
        needs: &[],
        action: crate::bench::build,
    },
    Step {
        name: "python-env",
        title: "Python peer tests: set up tests/.venv",
        lint: false,
        needs: &[],
        action: setup::python_env,
    },
    Step {
        name: "python",
        title: "Python peer tests (autobahn-python, raw WebSocket and RawSocket)",
        lint: false,
        needs: &["router", "python-env"],
        action: python_tests,
    },
    Step {
        name: "node-deps",
        title: "Node peer tests: npm ci in tests/node",
        lint: false,
        needs: &[],
        action: setup::node_packages,
    },
    Step {
        name: "node",
        title: "Node peer tests (autobahn-js)",
        lint: false,
        needs: &["router", "node-deps"],
        action: node_tests,
    },
    Step {
        name: "wasm-unit",
        title: "wamp-wasm unit tests in headless Chromium (wasm-bindgen-test)",
        lint: false,
        needs: &[],
        action: crate::wasm::unit_tests,
    },
    Step {
        name: "npm",
        title: "build the npm package wamp-wasm (npm/dist)",
        lint: false,
        needs: &[],
        action: crate::wasm::build,
    },
    Step {
        name: "npm-smoke",
        title: "npm package smoke test in Node, and its TypeScript declarations",
        lint: false,
        needs: &["router", "npm"],
        action: crate::wasm::smoke,
    },
    Step {
        name: "browser-deps",
        title: "browser tests: Chromium, the npm tarball, npm ci + tarball in each npm folder",
        lint: false,
        needs: &[],
        action: crate::browser::deps,
    },
    Step {
        name: "inspector",
        title: "build the inspector (target/inspector/dist) for its end-to-end tests",
        lint: false,
        needs: &[],
        action: |workspace| crate::inspector::build(workspace).map(drop),
    },
    Step {
        name: "browser",
        title: "browser tests in headless Chromium: client, chess demo, interop, inspector",
        lint: false,
        needs: &["router", "python-env", "browser-deps", "inspector"],
        action: crate::browser::browser_tests,
    },
    Step {
        name: "browser-bench-smoke",
        title: "browser benchmark smoke run: wamp-wasm, autobahn, wampy in Chromium",
        lint: false,
        needs: &["router", "browser-deps"],
        action: crate::browser_bench::smoke,
    },
    Step {
        name: "npm-consumers",
        title: "the npm tarball in a Vite app (Chromium), a Node ESM program, and tsc",
        lint: false,
        needs: &["router", "browser-deps"],
        action: crate::browser::consumer_tests,
    },
    Step {
        name: "bench-smoke",
        title: "benchmark smoke run: every workload of wamp-bench against dev-router",
        lint: false,
        needs: &["router"],
        action: crate::bench::smoke,
    },
];

fn python_tests(workspace: &Workspace) -> Result<()> {
    let python = setup::venv_python(&workspace.path("tests/.venv"));
    run(Command::new(python)
        .args(["-m", "pytest", "tests/python"])
        .env("DEV_ROUTER_BIN", router_binary(workspace)?)
        .current_dir(workspace.root()))
}

fn node_tests(workspace: &Workspace) -> Result<()> {
    // Without file arguments, `node --test` finds `*.test.mjs` below the current directory
    // (skipping node_modules).
    run(Command::new("node")
        .args(["--test", "--test-reporter=spec"])
        .env("DEV_ROUTER_BIN", router_binary(workspace)?)
        .current_dir(workspace.path("tests/node")))
}

fn router_binary(workspace: &Workspace) -> Result<std::path::PathBuf> {
    let binary = workspace.router_binary();
    if !binary.exists() {
        bail!(
            "{} is missing: run the `router` step (`cargo xtask test router`)",
            binary.display()
        );
    }
    Ok(binary)
}

enum Outcome {
    Passed(Duration),
    Failed(Duration),
    Skipped,
}

/// Runs the selected steps in order, stops at the first failure, and prints a summary.
///
/// # Errors
/// Only for failures outside the steps; a failed step gives `ExitCode::FAILURE`.
pub(crate) fn test(workspace: &Workspace, options: &Options) -> Result<ExitCode> {
    let mut outcomes: Vec<(&Step, Outcome)> = Vec::new();
    let mut failure = None;
    for step in STEPS {
        if failure.is_some() || !options.selects(step) {
            outcomes.push((step, Outcome::Skipped));
            continue;
        }
        let started = header(step.title);
        let result = (step.action)(workspace);
        let elapsed = started.elapsed();
        match result {
            Ok(()) => {
                println!("--- {}: ok in {}", step.name, format_duration(elapsed));
                outcomes.push((step, Outcome::Passed(elapsed)));
            }
            Err(error) => {
                println!("--- {}: FAILED in {}", step.name, format_duration(elapsed));
                outcomes.push((step, Outcome::Failed(elapsed)));
                failure = Some((step.name, error));
            }
        }
    }

    header("summary");
    let mut total = Duration::ZERO;
    for (step, outcome) in &outcomes {
        let (word, time) = match outcome {
            Outcome::Passed(elapsed) => ("ok", format_duration(*elapsed)),
            Outcome::Failed(elapsed) => ("FAILED", format_duration(*elapsed)),
            Outcome::Skipped => ("skipped", String::new()),
        };
        if let Outcome::Passed(elapsed) | Outcome::Failed(elapsed) = outcome {
            total += *elapsed;
        }
        println!("  {word:<8} {time:>7}  {:<11} {}", step.name, step.title);
    }
    println!("  total    {:>7}", format_duration(total));
    match failure {
        None => {
            println!("xtask test: every selected step succeeded");
            Ok(ExitCode::SUCCESS)
        }
        Some((name, error)) => {
            println!("xtask test: step `{name}` failed: {error:#}");
            Ok(ExitCode::FAILURE)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selected(args: &[&str]) -> Vec<&'static str> {
        let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
        let options = Options::parse(&args).expect("valid options");
        STEPS
            .iter()
            .filter(|step| options.selects(step))
            .map(|step| step.name)
            .collect()
    }

    #[test]
    fn no_arguments_select_every_step() {
        assert_eq!(selected(&[]).len(), STEPS.len());
    }

    #[test]
    fn quick_skips_the_lints() {
        let steps = selected(&["--quick"]);
        assert!(!steps.contains(&"fmt"));
        assert!(!steps.contains(&"clippy"));
        assert!(steps.contains(&"python"));
    }

    #[test]
    fn a_peer_step_brings_what_it_needs() {
        assert_eq!(selected(&["node"]), ["router", "node-deps", "node"]);
    }

    #[test]
    fn the_browser_tests_build_the_inspector_first() {
        let steps = selected(&["browser"]);
        let position = |name| steps.iter().position(|step| *step == name);
        assert!(position("inspector") < position("browser"));
        assert!(position("inspector").is_some());
    }

    #[test]
    fn the_browser_bench_smoke_brings_the_router_and_the_tarball() {
        assert_eq!(
            selected(&["browser-bench-smoke"]),
            ["router", "browser-deps", "browser-bench-smoke"]
        );
    }

    #[test]
    fn unknown_names_are_refused() {
        assert!(Options::parse(&["nope".to_owned()]).is_err());
        assert!(Options::parse(&["--nope".to_owned()]).is_err());
    }
}
