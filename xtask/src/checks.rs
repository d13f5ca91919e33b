//! `cargo xtask test`: set-up, then every check in order, stopping at the first
//! failure. The plan is data: add a row to one of the tables below (or a
//! conditional push in `plan`) to add a step.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::setup::setup;
use crate::util::{self, built_binary, cargo, cmd, describe, describe_status, fmt_duration};

/// One step: a name for the report and the command to run.
struct Step {
    name: String,
    cmd: Command,
}

/// Cargo steps that always run, in order: (name, cargo arguments).
const CARGO_CHECKS: &[(&str, &[&str])] = &[
    ("fmt", &["fmt", "--all", "--", "--check"]),
    ("clippy", &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]),
];

/// UI scripts run when `ui/package.json` defines them: (script, npm arguments).
const UI_SCRIPTS: &[(&str, &[&str])] =
    &[("lint", &["run", "lint"]), ("check", &["run", "check"]), ("test", &["test"])];

/// Browser end-to-end script (needs the engine binary).
const UI_E2E_SCRIPT: &str = "e2e";
/// Desktop end-to-end script (needs the desktop binary and a display).
const UI_DESKTOP_E2E_SCRIPT: &str = "e2e:desktop";

pub fn test() -> Result<()> {
    let mut timings: Vec<(String, Outcome)> = Vec::new();

    let t = Instant::now();
    let r = setup();
    let outcome = if r.is_ok() { Outcome::Ok(t.elapsed()) } else { Outcome::Failed(t.elapsed()) };
    timings.push(("setup".into(), outcome));
    if let Err(e) = r {
        eprintln!("\nFAILED: setup: {e:#}");
        print_summary(&timings, &[]);
        bail!("setup failed");
    }

    let steps = match plan() {
        Ok(steps) => steps,
        Err(e) => {
            eprintln!("\nFAILED: planning the steps: {e:#}");
            print_summary(&timings, &[]);
            bail!("cannot plan the steps");
        }
    };
    eprintln!(
        "xtask: {} steps: {}",
        steps.len(),
        steps.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
    );

    let mut steps = steps.into_iter();
    while let Some(mut step) = steps.next() {
        eprintln!("\n== {} ==", step.name);
        let t = Instant::now();
        let result = util::status(&mut step.cmd);
        let elapsed = t.elapsed();
        let failure = match result {
            Ok(st) if st.success() => None,
            Ok(st) => Some(describe_status(st)),
            Err(e) => Some(format!("{e:#}")),
        };
        match failure {
            None => timings.push((step.name, Outcome::Ok(elapsed))),
            Some(why) => {
                eprintln!("\nFAILED: {} (`{}`: {why})", step.name, describe(&step.cmd));
                timings.push((step.name.clone(), Outcome::Failed(elapsed)));
                let skipped: Vec<String> = steps.map(|s| s.name).collect();
                print_summary(&timings, &skipped);
                bail!("step {:?} failed", step.name);
            }
        }
    }
    print_summary(&timings, &[]);
    eprintln!("all steps passed");
    Ok(())
}

/// The ordered list of steps for this checkout.
fn plan() -> Result<Vec<Step>> {
    let root = util::repo_root();
    let mut steps = Vec::new();

    for (name, args) in CARGO_CHECKS {
        let mut c = cargo();
        c.args(*args);
        steps.push(Step { name: (*name).to_string(), cmd: c });
    }

    if util::succeeds(cargo().args(["nextest", "--version"])) {
        let mut c = cargo();
        // An empty test suite is not a failure (same as `cargo test`).
        c.args(["nextest", "run", "--workspace", "--no-tests=warn"]);
        steps.push(Step { name: "tests (nextest)".into(), cmd: c });
        let mut c = cargo();
        c.args(["test", "--workspace", "--doc"]);
        steps.push(Step { name: "doctests".into(), cmd: c });
    } else {
        let mut c = cargo();
        c.args(["test", "--workspace"]);
        steps.push(Step { name: "tests".into(), cmd: c });
    }

    let ui = root.join("ui");
    let scripts = ui_scripts(&ui.join("package.json"))?;
    let has = |s: &str| scripts.iter().any(|k| k == s);
    let npm = |args: &[&str]| {
        let mut c = cmd("npm");
        c.current_dir(&ui).args(args);
        ui_env(&mut c);
        c
    };

    for (script, args) in UI_SCRIPTS {
        if has(script) {
            steps.push(Step { name: format!("ui {script}"), cmd: npm(args) });
        }
    }

    if has(UI_E2E_SCRIPT) {
        if has("build") {
            // The engine serves this build in the end-to-end tests.
            steps.push(Step { name: "ui build".into(), cmd: npm(&["run", "build"]) });
        }
        let mut c = cargo();
        c.args(["build", "-p", "hookbench"]);
        steps.push(Step { name: "build engine".into(), cmd: c });
        steps.push(Step { name: format!("ui {UI_E2E_SCRIPT}"), cmd: npm(&["run", UI_E2E_SCRIPT]) });
    }

    if root.join("src-tauri").is_dir() && has(UI_DESKTOP_E2E_SCRIPT) {
        let mut c = cargo();
        c.args(["build", "-p", "hookbench-desktop"]);
        steps.push(Step { name: "build desktop".into(), cmd: c });
        let display = util::has_display();
        let mut c = if display {
            npm(&["run", UI_DESKTOP_E2E_SCRIPT])
        } else {
            if util::which("xvfb-run").is_none() {
                bail!("no DISPLAY and no xvfb-run: cannot run the desktop end-to-end tests");
            }
            let mut c = cmd("xvfb-run");
            c.current_dir(&ui).args(["-a", "npm", "run", UI_DESKTOP_E2E_SCRIPT]);
            ui_env(&mut c);
            c
        };
        c.env("HOOKBENCH_DESKTOP_BIN", built_binary("debug", "hookbench-desktop"));
        steps.push(Step { name: format!("ui {UI_DESKTOP_E2E_SCRIPT}"), cmd: c });

        // The installable package, built and checked as `cargo xtask bundle` does.
        let mut c = cmd(std::env::current_exe().context("the xtask binary")?);
        c.arg("bundle");
        steps.push(Step { name: "bundle (.deb)".into(), cmd: c });
    }

    Ok(steps)
}

/// Environment for UI scripts: where the engine binary is, and CI mode (so
/// test runners never start in watch mode).
fn ui_env(c: &mut Command) {
    c.env("HOOKBENCH_BIN", built_binary("debug", "hookbench"));
    if std::env::var_os("CI").is_none() {
        c.env("CI", "1");
    }
}

/// Script names defined in `package.json` (empty if the file is absent).
pub fn ui_scripts(package_json: &Path) -> Result<Vec<String>> {
    if !package_json.is_file() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(package_json)
        .with_context(|| format!("cannot read {}", package_json.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON", package_json.display()))?;
    Ok(v.get("scripts").and_then(|s| s.as_object()).map(|m| m.keys().cloned().collect()).unwrap_or_default())
}

enum Outcome {
    Ok(Duration),
    Failed(Duration),
}

fn print_summary(timings: &[(String, Outcome)], not_run: &[String]) {
    eprintln!("\n== summary ==");
    let mut total = Duration::ZERO;
    for (name, outcome) in timings {
        let (label, d) = match outcome {
            Outcome::Ok(d) => ("ok", *d),
            Outcome::Failed(d) => ("FAILED", *d),
        };
        total += d;
        eprintln!("  {label:<8} {:>10}  {name}", fmt_duration(d));
    }
    for name in not_run {
        eprintln!("  {:<8} {:>10}  {name}", "not run", "-");
    }
    eprintln!("  {:<8} {:>10}", "total", fmt_duration(total));
}
