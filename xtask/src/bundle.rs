//! `cargo xtask bundle`: an installable `.deb` of the desktop app (release
//! build, the UI build inside as a resource), checked after it is built: the
//! package's files, its dependencies, and the packaged app starting from an
//! unpacked copy and serving its bundled UI.
//!
//! AppImage is not built: Tauri's bundler downloads linuxdeploy and its plugins
//! from the network when it makes one, and this project builds offline.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::proc::ServerProc;
use crate::setup::setup;
use crate::util::{self, TempDir, cmd, repo_root, target_dir};

/// What the package must hold (paths inside the `.deb`).
const MUST_HOLD: &[&str] = &[
    "usr/bin/hookbench-desktop",
    "usr/lib/Hookbench/ui/index.html",
    "usr/share/applications/Hookbench.desktop",
    "usr/share/icons/hicolor/128x128/apps/hookbench-desktop.png",
];

/// Packages the `.deb` must depend on (the WebKitGTK runtime and the tray).
const MUST_DEPEND: &[&str] = &["libwebkit2gtk-4.1-0", "libgtk-3-0"];

pub fn bundle(args: &[String]) -> Result<i32> {
    let verify_only = match args {
        [] => false,
        [a] if a == "--verify-only" => true,
        _ => bail!("usage: cargo xtask bundle [--verify-only]"),
    };
    let root = repo_root();
    if !verify_only {
        setup()?;
        let ui = root.join("ui");
        util::run(cmd("npm").current_dir(&ui).args(["run", "build"]))?;
        let dist = ui.join("dist");
        // The UI build goes in as a resource only here, so debug builds never
        // carry a stale copy of it.
        let config = serde_json::json!({
            "bundle": { "resources": { format!("{}/", dist.display()): "ui/" } }
        });
        let tauri = tauri_cli()?;
        util::run(cmd(&tauri).current_dir(&root).args([
            "build",
            "--ci",
            "--bundles",
            "deb",
            "--config",
            &config.to_string(),
        ]))?;
    }
    let deb = find_deb()?;
    verify(&deb)?;
    println!("{}", deb.display());
    eprintln!("bundle: {} is ready; install it with: sudo apt install {}", deb.display(), deb.display());
    Ok(0)
}

/// Tauri's CLI, pinned. Not in the UI's package.json: its platform packages are
/// optional dependencies, and `npm ci` insists on lock entries for every
/// platform's, which a registry that only mirrors Linux cannot provide. It is
/// installed once into a cache directory outside the checkout.
const TAURI_CLI_VERSION: &str = "2.12.5";

fn tauri_cli() -> Result<PathBuf> {
    let dir =
        util::home_dir().join(".cache").join("hookbench").join(format!("tauri-cli-{TAURI_CLI_VERSION}"));
    let bin = dir.join("node_modules").join(".bin").join("tauri");
    if !bin.is_file() {
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        util::run(
            cmd("npm")
                .args(["install", "--no-save", "--no-package-lock", "--no-audit", "--no-fund", "--prefix"])
                .arg(&dir)
                .arg(format!("@tauri-apps/cli@{TAURI_CLI_VERSION}")),
        )?;
    }
    if !bin.is_file() {
        bail!("installing Tauri's CLI {TAURI_CLI_VERSION} left no {}", bin.display());
    }
    Ok(bin)
}

/// The newest `.deb` the bundler wrote.
fn find_deb() -> Result<PathBuf> {
    let dir = target_dir().join("release").join("bundle").join("deb");
    let newest = std::fs::read_dir(&dir)
        .with_context(|| format!("no bundle directory {}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "deb"))
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    newest.with_context(|| format!("no .deb in {}", dir.display()))
}

fn output(c: &mut std::process::Command) -> Result<String> {
    let what = util::describe(c);
    let out = c.output().with_context(|| format!("cannot run `{what}`"))?;
    if !out.status.success() {
        bail!("`{what}` failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn verify(deb: &Path) -> Result<()> {
    let listing = output(cmd("dpkg-deb").arg("--contents").arg(deb))?;
    let files: Vec<&str> = listing
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .map(|f| f.trim_start_matches("./").trim_end_matches('/'))
        .collect();
    for want in MUST_HOLD {
        if !files.contains(want) {
            bail!("{} lacks {want}; it holds:\n{}", deb.display(), files.join("\n"));
        }
    }
    let depends = output(cmd("dpkg-deb").arg("--field").arg(deb).arg("Depends"))?;
    for want in MUST_DEPEND {
        if !depends.contains(want) {
            bail!("{} does not depend on {want} (Depends: {})", deb.display(), depends.trim());
        }
    }
    eprintln!("bundle: {} files, Depends: {}", files.len(), depends.trim());

    // Unpack it and start the packaged app (engine and UI from the package).
    let tmp = TempDir::new_in(&std::env::temp_dir(), "hookbench-deb")?;
    let unpacked = tmp.path().join("root");
    util::run(cmd("dpkg-deb").arg("--extract").arg(deb).arg(&unpacked))?;
    smoke(&unpacked, tmp.path())
}

/// Start the unpacked app under Xvfb (or the display) on a throwaway data dir;
/// its control listener must serve the bundled UI.
fn smoke(unpacked: &Path, tmp: &Path) -> Result<()> {
    let bin = &unpacked.join("usr/bin/hookbench-desktop");
    let version = output(cmd(bin).arg("--version"))?;
    eprintln!("bundle: {}", version.trim());
    let ready = tmp.join("ready.json");
    let data = tmp.join("data");
    let app_args = [
        "--data-dir".as_ref(),
        data.as_os_str(),
        "--capture-addr".as_ref(),
        "127.0.0.1:0".as_ref(),
        "--api-addr".as_ref(),
        "127.0.0.1:0".as_ref(),
        "--ready-file".as_ref(),
        ready.as_os_str(),
    ];
    let mut c = if util::has_display() {
        cmd(bin)
    } else {
        let mut c = cmd("xvfb-run");
        c.args(["-a", "--"]).arg(bin);
        c
    };
    c.args(app_args)
        .env("HOME", tmp)
        .env("XDG_CONFIG_HOME", tmp.join("config"))
        .env("XDG_DATA_HOME", tmp.join("share"))
        .env("XDG_CACHE_HOME", tmp.join("cache"))
        .env_remove("HOOKBENCH_UI_DIR")
        // Not the developer's session: no tray or notifications there from a test.
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("XDG_RUNTIME_DIR")
        .env("HOOKBENCH_LOG", "hookbench=info,warn")
        .stdin(Stdio::null());
    let log = tmp.join("app.log");
    // Stopped, with Xvfb and WebKit's helpers, when it goes out of scope.
    let mut app = ServerProc::spawn("the packaged app", c, &log)?;
    let result = app
        .wait_ready(&ready, Duration::from_secs(60), |v| {
            Some((v["api_url"].as_str()?.to_owned(), v["token"].as_str()?.to_owned()))
        })
        .and_then(|(api, token)| check_ui(&api, &token))
        .and_then(|()| {
            // Served from the package, not from a source tree that happens to be here.
            let ui = unpacked.join("usr/lib/Hookbench/ui");
            let ui = ui.canonicalize().unwrap_or(ui);
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            if log.contains(&format!("ui={}", ui.display())) {
                Ok(())
            } else {
                bail!("the app did not serve the UI from {}", ui.display())
            }
        });
    drop(app);
    if let Err(e) = result {
        let log = std::fs::read_to_string(tmp.join("app.log")).unwrap_or_default();
        bail!("the packaged app did not serve its UI: {e:#}\napp log:\n{log}");
    }
    eprintln!("bundle: the packaged app started and served its bundled UI");
    Ok(())
}

fn check_ui(api: &str, token: &str) -> Result<()> {
    let (status, body) = crate::http::get(&format!("{api}/"), Some(token))?;
    if status != 200 || !body.contains("<div id=\"app\"") {
        bail!("GET {api}/ answered {status}: {}", body.chars().take(300).collect::<String>());
    }
    Ok(())
}
