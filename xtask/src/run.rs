//! `cargo xtask run`: build what the router serves, build the router, start it.

use std::process::{Command, ExitCode};

use anyhow::{Context, Result};

use crate::workspace::{Workspace, format_duration, header};

/// Builds the inspector and the dev-router (release) and runs the router with `args` (a
/// leading `--` is dropped) and `--inspector-dir target/inspector/dist` (unless `args` name
/// another), in the foreground, until it exits.
///
/// # Errors
/// If a build fails or the router cannot be started.
pub(crate) fn run(workspace: &Workspace, args: &[String]) -> Result<ExitCode> {
    let args = match args.split_first() {
        Some((first, rest)) if first == "--" => rest,
        _ => args,
    };

    // The inspector (a Leptos wasm app) first: the router serves it at `/`.
    let started = header("build the inspector (wasm)");
    let inspector = crate::inspector::build(workspace)?;
    println!("--- built in {}", format_duration(started.elapsed()));

    let started = header("build dev-router (release)");
    workspace.build_router()?;
    println!("--- built in {}", format_duration(started.elapsed()));

    let binary = workspace.router_binary();
    header(&format!("{} {}", binary.display(), args.join(" ")));
    let mut command = Command::new(&binary);
    command.args(args).current_dir(workspace.root());
    if !args.iter().any(|arg| arg.starts_with("--inspector-dir")) {
        command.arg("--inspector-dir").arg(&inspector);
    }
    start(command, &binary)
}

/// Replaces this process with the router, so that signals (Ctrl-C) and the exit status are
/// the router's own.
#[cfg(unix)]
fn start(mut command: Command, binary: &std::path::Path) -> Result<ExitCode> {
    use std::os::unix::process::CommandExt;
    let error = command.exec();
    Err(error).with_context(|| format!("could not start {}", binary.display()))
}

#[cfg(not(unix))]
fn start(mut command: Command, binary: &std::path::Path) -> Result<ExitCode> {
    let status = command
        .status()
        .with_context(|| format!("could not start {}", binary.display()))?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
