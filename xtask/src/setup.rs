//! Idempotent machine set-up shared by `run` and `test`: system packages,
//! `tauri-driver`, and the UI's npm packages.

use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

use anyhow::{Result, bail};

use crate::util::{self, cargo, cmd, home_dir, repo_root, which};

/// Debian packages needed to build and test the engine, the desktop shell
/// (WebKitGTK) and the browser end-to-end tests.
pub const SYSTEM_PACKAGES: &[&str] = &[
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "libsoup-3.0-dev",
    "libjavascriptcoregtk-4.1-dev",
    "librsvg2-dev",
    "libayatana-appindicator3-dev",
    "libxdo-dev",
    "libssl-dev",
    "pkg-config",
    "build-essential",
    "file",
    "xvfb",
    "webkit2gtk-driver",
    "chromium",
    // The desktop end-to-end test reads the clipboard the tray wrote.
    "xclip",
];

/// Stamp written into `ui/node_modules` after a successful install.
const NPM_STAMP: &str = ".xtask-installed";

pub fn setup() -> Result<()> {
    system_packages()?;
    tauri_driver()?;
    ui_packages()?;
    Ok(())
}

fn system_packages() -> Result<()> {
    if which("dpkg-query").is_none() {
        eprintln!(
            "xtask: not a Debian-based system (no dpkg-query); make sure the equivalents of \
             these packages are installed: {}",
            SYSTEM_PACKAGES.join(" ")
        );
        return Ok(());
    }
    let missing: Vec<&str> = SYSTEM_PACKAGES.iter().copied().filter(|p| !dpkg_installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: missing system packages: {}", missing.join(" "));

    let sudo: &[&str] = if util::is_root() {
        &[]
    } else if util::succeeds(Command::new("sudo").args(["-n", "true"])) {
        &["sudo", "-n"]
    } else {
        bail!(
            "missing system packages and no root or passwordless sudo; install them with:\n  \
             sudo apt-get install -y {}",
            missing.join(" ")
        );
    };

    let apt = |args: &[&str]| {
        let mut c = if sudo.is_empty() {
            Command::new("apt-get")
        } else {
            // sudo resets the environment; pass the frontend through env(1).
            let mut c = Command::new(sudo[0]);
            c.args(&sudo[1..]).args(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]);
            c
        };
        // Wait for a concurrent apt/dpkg run instead of failing on its lock.
        c.args(["-o", "DPkg::Lock::Timeout=300"]).args(args).env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    util::run(&mut apt(&["update"]))?;
    let mut install = vec!["install", "-y", "--no-install-recommends"];
    install.extend(missing.iter().copied());
    util::run(&mut apt(&install))?;

    let still: Vec<&str> = missing.iter().copied().filter(|p| !dpkg_installed(p)).collect();
    if !still.is_empty() {
        bail!("apt-get finished but these packages are still not installed: {}", still.join(" "));
    }
    Ok(())
}

fn dpkg_installed(pkg: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", pkg])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .is_some_and(|o| {
            let s = String::from_utf8_lossy(&o.stdout);
            s.split_whitespace().last() == Some("installed") && s.starts_with("install ")
        })
}

fn tauri_driver() -> Result<()> {
    if !repo_root().join("src-tauri").is_dir() {
        return Ok(());
    }
    if which("tauri-driver").is_some() || home_dir().join(".cargo").join("bin").join("tauri-driver").is_file()
    {
        return Ok(());
    }
    eprintln!("xtask: installing tauri-driver");
    util::run(cargo().args(["install", "tauri-driver", "--locked"]))
}

fn ui_packages() -> Result<()> {
    let ui = repo_root().join("ui");
    if !ui.join("package.json").is_file() {
        return Ok(());
    }
    let lock = ui.join("package-lock.json");
    let modules = ui.join("node_modules");
    let has_lock = lock.is_file();
    let stale = match installed_at(&modules) {
        None => true,
        Some(t) => has_lock && mtime(&lock).is_some_and(|l| l > t),
    };
    if !stale {
        return Ok(());
    }
    let mut c = cmd("npm");
    c.current_dir(&ui)
        .arg(if has_lock { "ci" } else { "install" })
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        .env("PUPPETEER_SKIP_DOWNLOAD", "1");
    util::run(&mut c)?;
    // npm may write package-lock.json after node_modules (and creates no
    // node_modules at all with no dependencies); record when we finished.
    if let Err(e) =
        std::fs::create_dir_all(&modules).and_then(|()| std::fs::write(modules.join(NPM_STAMP), b""))
    {
        eprintln!("xtask: warning: cannot write install stamp: {e}");
    }
    Ok(())
}

/// When `node_modules` was last installed: the newest of the directory itself,
/// npm's hidden lockfile and our stamp. `None` when `node_modules` is missing.
fn installed_at(modules: &Path) -> Option<SystemTime> {
    if !modules.is_dir() {
        return None;
    }
    [modules.to_path_buf(), modules.join(".package-lock.json"), modules.join(NPM_STAMP)]
        .iter()
        .filter_map(|p| mtime(p))
        .max()
}

fn mtime(p: &Path) -> Option<SystemTime> {
    p.metadata().and_then(|m| m.modified()).ok()
}
