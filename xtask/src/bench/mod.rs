//! `cargo xtask bench [NAME...] [--duration SECS] [--rounds N] [--strict] [--list]`.
//!
//! Benchmarks live in a registry; with no name, all of them run in order.

mod capture;
mod diff;
mod replay;
mod search;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::loadgen;
use crate::util::{self, ArgParser, built_binary, cargo, cmd, fmt_duration};

/// Options shared by all benchmarks.
#[derive(Debug, Clone)]
pub struct BenchOpts {
    /// Measured time per scenario (the warm-up comes on top).
    pub duration: Duration,
    /// Measurements per server and scenario, interleaved; the figures are their mean.
    pub rounds: usize,
    /// A prebuilt engine binary to measure instead of building one.
    pub engine: Option<PathBuf>,
}

/// What a benchmark reports back: whether every target was met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    TargetsMet,
    BelowTarget,
}

struct Bench {
    name: &'static str,
    about: &'static str,
    run: fn(&BenchOpts) -> Result<Verdict>,
}

/// Every benchmark, in the order `cargo xtask bench` runs them.
const BENCHES: &[Bench] = &[
    Bench {
        name: "capture",
        about: "capture throughput of the engine vs a store-nothing axum server (1 KiB x16, 1 MiB x4)",
        run: capture::run,
    },
    Bench {
        name: "diff",
        about: "diff of two ~1 MiB JSON payloads vs serde_json parsing them",
        run: diff::run,
    },
    Bench {
        name: "replay",
        about: "bulk replay of 1 KiB captures to a store-nothing sink, rate limit off (goal >= 5,000/s) vs a load generator",
        run: replay::run,
    },
    Bench {
        name: "search",
        about: "search p50/p95 over 100,000 captures per query kind vs the unfiltered page",
        run: search::run,
    },
];

/// Set in the re-executed release process.
const REEXEC_ENV: &str = "HOOKBENCH_XTASK_RELEASE";

pub fn cli(args: &[String]) -> Result<i32> {
    let mut names: Vec<String> = Vec::new();
    let mut duration = 10.0f64;
    let mut rounds = 2usize;
    let mut strict = false;
    let mut engine = None;
    let mut p = ArgParser::new(args);
    while let Some(a) = p.next_arg()? {
        match a.as_str() {
            "--duration" => duration = p.parse(&a)?,
            "--rounds" => rounds = p.parse(&a)?,
            "--strict" => strict = true,
            "--engine" => {
                let path = PathBuf::from(p.value(&a)?);
                engine = Some(path.canonicalize().with_context(|| format!("--engine {}", path.display()))?);
            }
            "--list" => {
                for b in BENCHES {
                    println!("{:<12} {}", b.name, b.about);
                }
                return Ok(0);
            }
            flag if flag.starts_with('-') => bail!("bench: unknown option {flag:?}"),
            _ => names.push(a),
        }
    }
    if duration <= 0.0 {
        bail!("--duration must be positive");
    }
    if !(1..=20).contains(&rounds) {
        bail!("--rounds must be between 1 and 20");
    }
    let opts = BenchOpts { duration: loadgen::secs(duration, "--duration")?, rounds, engine };

    let selected: Vec<&Bench> = if names.is_empty() {
        BENCHES.iter().collect()
    } else {
        names
            .iter()
            .map(|n| match BENCHES.iter().find(|b| b.name == n) {
                Some(b) => Ok(b),
                None => bail!(
                    "unknown benchmark {n:?}; available: {}",
                    BENCHES.iter().map(|b| b.name).collect::<Vec<_>>().join(", ")
                ),
            })
            .collect::<Result<_>>()?
    };

    if needs_reexec()? {
        return reexec_release(args);
    }

    let mut below = Vec::new();
    for b in selected {
        eprintln!("== bench {} ==", b.name);
        let t = Instant::now();
        let verdict = (b.run)(&opts)?;
        eprintln!("== bench {} done in {} ==", b.name, fmt_duration(t.elapsed()));
        if verdict == Verdict::BelowTarget {
            below.push(b.name);
        }
    }
    if !below.is_empty() {
        let msg = format!("below target: {}", below.join(", "));
        if strict {
            bail!(msg);
        }
        eprintln!("xtask: {msg}");
    }
    Ok(0)
}

/// The load generator and the baseline server live in this binary; measuring a
/// release engine with them unoptimised would skew the numbers. So unless we
/// are the release build already, build it and run the same command there.
fn needs_reexec() -> Result<bool> {
    if std::env::var_os(REEXEC_ENV).is_some() {
        return Ok(false);
    }
    let current = std::env::current_exe()?;
    let release = built_binary("release", "xtask");
    let same = match (current.canonicalize(), release.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    Ok(!same)
}

fn reexec_release(args: &[String]) -> Result<i32> {
    util::run(cargo().args(["build", "--release", "-p", "xtask"]))?;
    let mut c = cmd(built_binary("release", "xtask"));
    c.arg("bench").args(args).env(REEXEC_ENV, "1");
    crate::run::supervise(c)
}
