//! Background server processes: start with a log file, wait for a ready file,
//! stop with SIGTERM then SIGKILL (also on drop). Each runs in a process group
//! of its own, so what it starts (Xvfb under xvfb-run, WebKit's helpers) stops
//! with it.

use std::fs::File;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tokio::signal::unix::{SignalKind, signal};

use crate::util::{describe, describe_status};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// True once SIGINT, SIGTERM or SIGHUP arrived after `catch_interrupts`.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::Relaxed)
}

/// From now on SIGINT, SIGTERM and SIGHUP only set the `interrupted` flag, so
/// long-running work can stop and servers get cleaned up instead of orphaned.
/// The listener runs on `rt`, which must be a multi-thread runtime.
pub fn catch_interrupts(rt: &tokio::runtime::Runtime) -> Result<()> {
    let _guard = rt.enter();
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    rt.spawn(async move {
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
        INTERRUPTED.store(true, Ordering::Relaxed);
        eprintln!("xtask: interrupted; cleaning up");
    });
    Ok(())
}

/// Send `signal` (a name such as `TERM`) to `pid` with kill(1).
pub fn send_signal(pid: u32, signal: &str) -> bool {
    send_signal_to(&pid.to_string(), signal)
}

/// Send `signal` to `target`: a pid, or `-PGID` for a whole process group.
fn send_signal_to(target: &str, signal: &str) -> bool {
    Command::new("kill")
        .arg(format!("-{signal}"))
        .arg("--")
        .arg(target)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// A child server process that is stopped when dropped.
pub struct ServerProc {
    name: String,
    child: Option<Child>,
    log: PathBuf,
}

impl ServerProc {
    /// Start `cmd` with stdout and stderr appended to `log`.
    pub fn spawn(name: &str, mut cmd: Command, log: &Path) -> Result<Self> {
        if let Some(dir) = log.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let out = File::create(log).with_context(|| format!("cannot create {}", log.display()))?;
        let err = out.try_clone()?;
        cmd.stdout(out).stderr(err).process_group(0);
        eprintln!("$ {}  (log: {})", describe(&cmd), log.display());
        let child = cmd.spawn().with_context(|| format!("cannot start {name}: `{}`", describe(&cmd)))?;
        Ok(Self { name: name.to_string(), child: Some(child), log: log.to_path_buf() })
    }

    /// `Some(status)` once the process has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.as_mut().and_then(|c| c.try_wait().ok().flatten())
    }

    /// Fail with the log's tail if the process has exited.
    pub fn ensure_running(&mut self) -> Result<()> {
        match self.exited() {
            Some(st) => bail!(
                "{} exited unexpectedly ({}); last lines of {}:\n{}",
                self.name,
                describe_status(st),
                self.log.display(),
                self.log_tail(30)
            ),
            None => Ok(()),
        }
    }

    /// Poll (bounded by `timeout`) until `ready` holds a JSON object that
    /// `accept` takes; fail early if the process exits.
    pub fn wait_ready<T>(
        &mut self,
        ready: &Path,
        timeout: Duration,
        accept: impl Fn(&serde_json::Value) -> Option<T>,
    ) -> Result<T> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(text) = std::fs::read_to_string(ready)
                && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
                && let Some(t) = accept(&v)
            {
                return Ok(t);
            }
            self.ensure_running()?;
            if interrupted() {
                bail!("interrupted while waiting for {}", self.name);
            }
            if Instant::now() >= deadline {
                bail!(
                    "{} did not write a usable ready file {} within {:?}; last lines of {}:\n{}",
                    self.name,
                    ready.display(),
                    timeout,
                    self.log.display(),
                    self.log_tail(30)
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The last `n` lines of the log.
    pub fn log_tail(&self, n: usize) -> String {
        let text =
            std::fs::read(&self.log).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    /// SIGTERM to the group, wait up to 5 s for the process, then SIGKILL to
    /// whatever of the group is left.
    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let group = format!("-{}", child.id());
        if matches!(child.try_wait(), Ok(None)) && send_signal_to(&group, "TERM") {
            let deadline = Instant::now() + Duration::from_secs(5);
            while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            if matches!(child.try_wait(), Ok(None)) {
                eprintln!("xtask: {} ignored SIGTERM for 5 s; killing it", self.name);
            }
        }
        send_signal_to(&group, "KILL");
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for ServerProc {
    fn drop(&mut self) {
        self.stop();
    }
}
