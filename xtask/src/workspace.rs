//! Where things are, and how external commands are run.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// The repository this xtask belongs to.
pub(crate) struct Workspace {
    root: PathBuf,
    target_dir: PathBuf,
    cargo: OsString,
}

impl Workspace {
    /// Finds the repository root from this crate's location, and the target directory and
    /// `cargo` binary from the environment cargo gives us.
    pub(crate) fn locate() -> Result<Self> {
        let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = manifest_dir
            .parent()
            .context("xtask/ has no parent directory")?
            .to_path_buf();
        let target_dir = match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) => root.join(dir),
            None => root.join("target"),
        };
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        Ok(Self {
            root,
            target_dir,
            cargo,
        })
    }

    /// The repository root.
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// A path relative to the repository root.
    pub(crate) fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// The cargo target directory.
    pub(crate) fn target_dir(&self) -> &Path {
        &self.target_dir
    }

    /// The release build of the router, as `cargo build --release -p dev-router` leaves it.
    pub(crate) fn router_binary(&self) -> PathBuf {
        self.target_dir
            .join("release")
            .join(format!("dev-router{}", std::env::consts::EXE_SUFFIX))
    }

    /// A `cargo` command run at the repository root.
    pub(crate) fn cargo(&self) -> Command {
        let mut command = Command::new(&self.cargo);
        command.current_dir(&self.root);
        command
    }

    /// The `cargo build` invocation for the router, shared by `run` and `test`.
    pub(crate) fn build_router(&self) -> Result<()> {
        run(self
            .cargo()
            .args(["build", "--release", "--package", "dev-router"]))
    }
}

/// Runs `command` with inherited stdin/stdout/stderr and waits for it.
///
/// # Errors
/// If the program cannot be started or exits unsuccessfully; the message names the command.
pub(crate) fn run(command: &mut Command) -> Result<()> {
    let shown = display(command);
    println!("$ {shown}");
    let status = command
        .status()
        .with_context(|| format!("could not start `{shown}` (is it installed?)"))?;
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    Ok(())
}

/// Runs `command` and returns its standard output, trimmed.
///
/// # Errors
/// If the program cannot be started or exits unsuccessfully.
pub(crate) fn output(command: &mut Command) -> Result<String> {
    let shown = display(command);
    let output = command
        .output()
        .with_context(|| format!("could not start `{shown}` (is it installed?)"))?;
    if !output.status.success() {
        bail!(
            "`{shown}` failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    // Some tools (old Pythons) print their version on stderr.
    let mut text = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if text.is_empty() {
        text = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    }
    Ok(text)
}

/// `program arg arg` for messages, with the directory it runs in when that is not the root.
fn display(command: &Command) -> String {
    let program = Path::new(command.get_program());
    // `$CARGO` is a long toolchain path; the reader knows it as `cargo`.
    let mut shown = if program.file_stem().is_some_and(|stem| stem == "cargo") {
        "cargo".to_owned()
    } else {
        program.to_string_lossy().into_owned()
    };
    for arg in command.get_args() {
        shown.push(' ');
        shown.push_str(&arg.to_string_lossy());
    }
    if let Some(dir) = command.get_current_dir() {
        let here = std::env::current_dir().unwrap_or_default();
        if dir != here {
            shown = format!("(cd {} && {shown})", dir.display());
        }
    }
    shown
}

/// Prints a section header and returns the moment it started.
pub(crate) fn header(title: &str) -> Instant {
    println!();
    println!("==> {title}");
    Instant::now()
}

/// `12.3s` or `2m05s`.
pub(crate) fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds < 60.0 {
        format!("{seconds:.1}s")
    } else {
        let whole = duration.as_secs();
        format!("{}m{:02}s", whole / 60, whole % 60)
    }
}

/// A stable 64-bit FNV-1a hash, for stamp files: unlike `DefaultHasher` it never changes
/// between Rust releases.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_reference_vectors() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(Duration::from_millis(1234)), "1.2s");
        assert_eq!(format_duration(Duration::from_secs(125)), "2m05s");
    }
}
