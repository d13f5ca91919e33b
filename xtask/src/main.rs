//! Project automation for Hookbench: `cargo xtask <command>`.

mod baseline;
mod bench;
mod bundle;
mod checks;
mod http;
mod loadgen;
mod proc;
mod run;
mod setup;
mod util;

use std::process::ExitCode;

use anyhow::{Result, bail};

const HELP: &str = "\
Usage: cargo xtask <command> [args]

Commands:
  run [-- ARGS...]     set up, build, then run the desktop app (with a display and
                       src-tauri/) or `hookbench serve ARGS`
  test                 set up, then fmt, clippy, tests, UI checks and end-to-end tests
  bench [NAME...]      benchmarks (all when no name); options:
                         --duration SECS  measured seconds per scenario (default 10)
                         --rounds N       measurements per server, interleaved (default 2)
                         --strict         fail when a target is missed
                         --engine PATH    measure this engine binary instead of
                                          building target/release/hookbench
                         --list           list benchmarks
  bundle               set up, then build an installable .deb of the desktop app
                       (release; the UI inside) and check it: files, dependencies,
                       and the unpacked app serving its UI (--verify-only: only check
                       the newest .deb already built)
  setup                only the set-up (system packages, tauri-driver, UI packages)
  help                 this text

Child cargo commands use $CARGO_TARGET_DIR, or $HOME/.cache/hookbench/target.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match dispatch(&args) {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(e) => {
            eprintln!("xtask: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(args: &[String]) -> Result<i32> {
    let Some((command, rest)) = args.split_first() else {
        eprint!("{HELP}");
        return Ok(2);
    };
    match command.as_str() {
        "run" => {
            let rest = match rest.split_first() {
                Some((dashdash, tail)) if dashdash == "--" => tail,
                _ => rest,
            };
            run::run(rest)
        }
        "test" => {
            no_args(command, rest)?;
            checks::test().map(|()| 0)
        }
        "bench" => bench::cli(rest),
        "bundle" => bundle::bundle(rest),
        "setup" => {
            no_args(command, rest)?;
            setup::setup().map(|()| 0)
        }
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(0)
        }
        // Hidden helpers.
        "bench-baseline-server" => baseline::cli(rest).map(|()| 0),
        "loadgen" => loadgen::cli(rest).map(|()| 0),
        other => {
            eprint!("{HELP}");
            bail!("unknown command {other:?}")
        }
    }
}

fn no_args(command: &str, rest: &[String]) -> Result<()> {
    if !rest.is_empty() {
        bail!("`{command}` takes no arguments (got {rest:?})");
    }
    Ok(())
}
