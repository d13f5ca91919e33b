//! Small helpers shared by the subcommands: paths, child processes, timing.

use std::env;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// The workspace root (the directory holding the root `Cargo.toml`).
pub fn repo_root() -> PathBuf {
    // `cargo run` sets CARGO_MANIFEST_DIR for the process: prefer it to the
    // compile-time value, which is stale when a shared target dir holds an
    // xtask built from another checkout.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir.parent().map(Path::to_path_buf).unwrap_or(manifest_dir)
}

/// The target directory used by every child cargo invocation.
///
/// `CARGO_TARGET_DIR` when set (made absolute), otherwise
/// `$HOME/.cache/hookbench/target`. The directory is created if missing; its
/// contents are never relied upon.
pub fn target_dir() -> PathBuf {
    let dir = match env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        Some(v) => {
            let p = PathBuf::from(v);
            if p.is_absolute() { p } else { env::current_dir().map(|cwd| cwd.join(&p)).unwrap_or(p) }
        }
        None => home_dir().join(".cache").join("hookbench").join("target"),
    };
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("xtask: warning: cannot create {}: {e}", dir.display());
    }
    dir
}

/// `$HOME`, or the current directory when unset.
pub fn home_dir() -> PathBuf {
    env::var_os("HOME").filter(|v| !v.is_empty()).map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."))
}

/// Path of a binary built by cargo in `profile` (`debug` or `release`).
pub fn built_binary(profile: &str, name: &str) -> PathBuf {
    target_dir().join(profile).join(name)
}

/// A command that runs in the repo root with `CARGO_TARGET_DIR` exported.
pub fn cmd(program: impl AsRef<OsStr>) -> Command {
    let mut c = Command::new(program);
    c.current_dir(repo_root());
    c.env("CARGO_TARGET_DIR", target_dir());
    c
}

/// A `cargo` command (the cargo that started us, if known).
pub fn cargo() -> Command {
    let program = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    cmd(program)
}

/// Render a command line for logs.
pub fn describe(c: &Command) -> String {
    let mut s = c.get_program().to_string_lossy().into_owned();
    if s.ends_with("/cargo") {
        s = "cargo".into();
    }
    for a in c.get_args() {
        let a = a.to_string_lossy();
        if a.is_empty() || a.contains(|ch: char| ch.is_whitespace() || ch == '\'' || ch == '"') {
            s.push_str(&format!(" '{}'", a.replace('\'', r"'\''")));
        } else {
            s.push(' ');
            s.push_str(&a);
        }
    }
    s
}

/// Run a command with inherited stdio; return its status.
pub fn status(c: &mut Command) -> Result<ExitStatus> {
    eprintln!("$ {}", describe(c));
    c.status().with_context(|| format!("cannot start `{}`", describe(c)))
}

/// Run a command with inherited stdio and fail unless it succeeds.
pub fn run(c: &mut Command) -> Result<()> {
    let st = status(c)?;
    if !st.success() {
        bail!("`{}` failed ({})", describe(c), describe_status(st));
    }
    Ok(())
}

/// Run a command quietly; true when it could start and exited 0.
pub fn succeeds(c: &mut Command) -> bool {
    c.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// "exit code N" or "killed by signal N".
pub fn describe_status(st: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (st.code(), st.signal()) {
        (Some(c), _) => format!("exit code {c}"),
        (None, Some(s)) => format!("killed by signal {s}"),
        _ => "unknown status".into(),
    }
}

/// Exit code to forward for a child's status (128 + signal when killed).
pub fn exit_code_of(st: ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    st.code().or_else(|| st.signal().map(|s| 128 + s)).unwrap_or(1)
}

/// Find an executable on `PATH`.
pub fn which(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.metadata().map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false))
}

/// True when an X11 or Wayland display is available.
pub fn has_display() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"].iter().any(|v| env::var_os(v).is_some_and(|s| !s.is_empty()))
}

/// Effective user id, via `id -u`.
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .is_some_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// "1.23 s" or "2 m 03 s".
pub fn fmt_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.2} s")
    } else {
        let whole = d.as_secs();
        format!("{} m {:02} s", whole / 60, whole % 60)
    }
}

/// A scratch directory, removed with its contents on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// A fresh directory named `<prefix>-…` inside `base`.
    pub fn new_in(base: &Path, prefix: &str) -> Result<Self> {
        std::fs::create_dir_all(base).with_context(|| format!("cannot create {}", base.display()))?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        for attempt in 0..100u32 {
            let path = base.join(format!("{prefix}-{}-{nanos:x}-{attempt}", std::process::id()));
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(Self { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot create {}", path.display()));
                }
            }
        }
        bail!("cannot create a temporary directory in {}", base.display())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Tiny command-line parser: flags with values as `--flag VALUE` or `--flag=VALUE`.
pub struct ArgParser {
    args: std::collections::VecDeque<String>,
    inline: Option<(String, String)>,
}

impl ArgParser {
    pub fn new(args: &[String]) -> Self {
        Self { args: args.iter().cloned().collect(), inline: None }
    }

    /// The next flag or positional argument.
    pub fn next_arg(&mut self) -> Result<Option<String>> {
        if let Some((flag, _)) = self.inline.take() {
            bail!("{flag} does not take a value");
        }
        let Some(a) = self.args.pop_front() else {
            return Ok(None);
        };
        if let Some((flag, value)) = a.split_once('=').filter(|(f, _)| f.starts_with("--")) {
            self.inline = Some((flag.to_string(), value.to_string()));
            return Ok(Some(flag.to_string()));
        }
        Ok(Some(a))
    }

    /// The value of `flag` just returned by `next_arg`.
    pub fn value(&mut self, flag: &str) -> Result<String> {
        if let Some((_, v)) = self.inline.take() {
            return Ok(v);
        }
        self.args.pop_front().with_context(|| format!("{flag} needs a value"))
    }

    /// The value of `flag`, parsed.
    pub fn parse<T>(&mut self, flag: &str) -> Result<T>
    where
        T: std::str::FromStr,
        T::Err: std::error::Error + Send + Sync + 'static,
    {
        let v = self.value(flag)?;
        v.parse().with_context(|| format!("invalid value {v:?} for {flag}"))
    }
}
