//! `cargo xtask`: set-up, build and test orchestration for this workspace.
//!
//! ```text
//! cargo xtask run [-- ROUTER ARGS]   build the dev-router (release) and start it
//! cargo xtask test [--quick] [STEP]  install what this machine lacks, then run every test
//! cargo xtask setup                  only install what this machine lacks
//! ```
//!
//! Layout: [`workspace`] finds the repository and runs external commands with a header and
//! a timer; [`setup`] holds the install steps, each guarded so that it does nothing when its
//! result is already there; [`test`] is the test pipeline; [`run`] is the `run` command.
//! Only `std` and `anyhow`, so that the first `cargo xtask` on a fresh machine is quick.

mod run;
mod setup;
mod test;
mod workspace;

use std::process::ExitCode;

use anyhow::{Result, bail};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  run [-- ROUTER ARGS]    build dev-router (release) and start it; ROUTER ARGS go to the
                          router (try `cargo xtask run -- --help`)
  test [--quick] [STEP]   install what this machine lacks, then run every test, failing fast;
                          --quick skips fmt and clippy; STEP names run only those steps
                          (and what they need): fmt clippy cargo-test router
                          python-env python node-deps node
  setup                   install what this machine lacks (Python venv, npm packages)
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
            Ok(ExitCode::SUCCESS)
        }
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}
