//! `cargo xtask run [-- ARGS...]`: set-up, build, then run the desktop app
//! (display available and `src-tauri/` present) or `hookbench serve ARGS`.

use std::process::Command;

use anyhow::{Context, Result};
use tokio::signal::unix::{SignalKind, signal};

use crate::proc::send_signal;
use crate::setup::setup;
use crate::util::{self, built_binary, cargo, cmd, describe, has_display, repo_root};

/// Returns the exit code to forward.
pub fn run(args: &[String]) -> Result<i32> {
    setup()?;
    // The engine serves the UI build (ui/dist) from its control listener.
    let ui = repo_root().join("ui");
    if crate::checks::ui_scripts(&ui.join("package.json"))?.iter().any(|s| s == "build") {
        util::run(cmd("npm").current_dir(&ui).args(["run", "build"]))?;
    }
    util::run(cargo().args(["build", "-p", "hookbench"]))?;

    let desktop = repo_root().join("src-tauri").join("Cargo.toml").is_file() && has_display();
    let mut c = if desktop {
        let mut c = cargo();
        c.args(["run", "-p", "hookbench-desktop", "--"]).args(args);
        c
    } else {
        let mut c = cmd(built_binary("debug", "hookbench"));
        c.arg("serve").args(args);
        c
    };
    // This checkout's UI build (a `--ui-dir` given by the user still wins).
    c.env("HOOKBENCH_UI_DIR", ui.join("dist"));
    supervise(c)
}

/// Run `c` with inherited stdio until it exits. Ctrl-C reaches the child
/// through the terminal's process group, so we only outlive it; SIGTERM sent to
/// us is passed on. Returns the child's exit code (128 + signal if killed).
pub fn supervise(c: Command) -> Result<i32> {
    let what = describe(&c);
    eprintln!("$ {what}");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async move {
        let mut int = signal(SignalKind::interrupt())?;
        let mut term = signal(SignalKind::terminate())?;
        let mut hup = signal(SignalKind::hangup())?;
        let mut child =
            tokio::process::Command::from(c).spawn().with_context(|| format!("cannot start `{what}`"))?;
        let pid = child.id();
        loop {
            tokio::select! {
                st = child.wait() => return Ok(util::exit_code_of(st?)),
                _ = int.recv() => {}
                _ = term.recv() => forward(pid, "TERM"),
                _ = hup.recv() => forward(pid, "HUP"),
            }
        }
    })
}

fn forward(pid: Option<u32>, signal: &str) {
    if let Some(pid) = pid {
        send_signal(pid, signal);
    }
}
