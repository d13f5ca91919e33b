//! Capture throughput: the release engine against a store-nothing axum
//! baseline, same load, same run.

use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use hyper::Method;

use super::{BenchOpts, Verdict};
use crate::http;
use crate::loadgen::{self, LoadResult, LoadSpec};
use crate::proc::{self, ServerProc};
use crate::util::{self, TempDir, built_binary, cargo, cmd, target_dir};

const READY_TIMEOUT: Duration = Duration::from_secs(30);
const WARMUP: Duration = Duration::from_secs(1);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

struct Scenario {
    name: &'static str,
    size: usize,
    conns: usize,
    binary: bool,
    /// Minimum acceptable hookbench/baseline ratio of req/s.
    target: f64,
}

const SCENARIOS: &[Scenario] = &[
    Scenario { name: "1 KiB JSON x16", size: 1024, conns: 16, binary: false, target: 0.5 },
    Scenario { name: "1 MiB binary x4", size: 1024 * 1024, conns: 4, binary: true, target: 0.25 },
];

/// What the engine writes to `--ready-file`.
pub(super) struct EngineReady {
    pub(super) api_url: String,
    pub(super) token: String,
}

/// The release engine to measure (built unless `--engine` names one).
pub(super) fn engine_binary(opts: &BenchOpts) -> Result<std::path::PathBuf> {
    let engine_bin = match &opts.engine {
        Some(path) => path.clone(),
        None => {
            util::run(cargo().args(["build", "--release", "-p", "hookbench"]))?;
            built_binary("release", "hookbench")
        }
    };
    if !engine_bin.is_file() {
        bail!("engine binary {} does not exist", engine_bin.display());
    }
    Ok(engine_bin)
}

/// The store-nothing axum server, and the URL it answers on.
pub(super) fn start_baseline(
    tmp: &TempDir,
    bench_dir: &std::path::Path,
    log: &str,
) -> Result<(ServerProc, String)> {
    let baseline_ready = tmp.path().join("baseline-ready.json");
    let exe = std::env::current_exe().context("cannot locate the xtask executable")?;
    let mut c = cmd(&exe);
    c.arg("bench-baseline-server")
        .arg("--ready-file")
        .arg(&baseline_ready)
        .arg("--exit-on-stdin-eof")
        .stdin(Stdio::piped());
    let mut baseline = ServerProc::spawn("baseline server", c, &bench_dir.join(log))?;
    let url = baseline
        .wait_ready(&baseline_ready, READY_TIMEOUT, |v| v.get("url")?.as_str().map(str::to_string))?;
    Ok((baseline, url))
}

pub fn run(opts: &BenchOpts) -> Result<Verdict> {
    let engine_bin = engine_binary(opts)?;

    // Catch Ctrl-C / SIGTERM from here on so the servers are always stopped.
    let rt = tokio::runtime::Runtime::new()?;
    proc::catch_interrupts(&rt)?;

    let bench_dir = target_dir().join("bench");
    let tmp = TempDir::new_in(&bench_dir, "capture")?;
    let (mut baseline, baseline_url) = start_baseline(&tmp, &bench_dir, "capture-baseline.log")?;
    eprintln!("baseline:  {baseline_url}");

    let mut rows = Vec::new();
    for (i, sc) in SCENARIOS.iter().enumerate() {
        let spec = |url: &str| LoadSpec {
            url: url.to_string(),
            conns: sc.conns,
            body: if sc.binary { loadgen::binary_body(sc.size) } else { loadgen::json_body(sc.size) },
            content_type: if sc.binary { "application/octet-stream" } else { "application/json" },
            warmup: WARMUP,
            duration: opts.duration,
            request_timeout: REQUEST_TIMEOUT,
        };
        let mut base_runs = Vec::new();
        let mut hb_runs = Vec::new();
        let mut settle = None;
        for round in 1..=opts.rounds {
            let label = format!("{} (round {round} of {})", sc.name, opts.rounds);
            eprintln!("-- {label} against baseline ({})", window(opts.duration));
            let r = rt.block_on(loadgen::run(&spec(&baseline_url)))?;
            eprintln!("   {}", r.summary());
            baseline.ensure_running()?;
            base_runs.push(r);

            // A fresh engine and data directory each time: work an earlier
            // run left behind (full-text indexing) must not share the CPU
            // with this one, or with the baseline.
            let data_dir = tmp.path().join(format!("data-{i}-{round}"));
            let mut engine = start_engine(&engine_bin, &data_dir, &bench_dir)?;
            let ready = engine.ready()?;
            let endpoint_url = rt.block_on(create_endpoint(&ready))?;
            eprintln!("-- {label} against hookbench ({}) at {endpoint_url}", window(opts.duration));
            let r = rt.block_on(loadgen::run(&spec(&endpoint_url)))?;
            if proc::interrupted() {
                bail!("interrupted");
            }
            eprintln!("   {}", r.summary());
            engine.proc.ensure_running()?;
            hb_runs.push(r);
            if round == opts.rounds {
                // How long the engine keeps working once the load stops
                // (putting captures into SQLite and the full-text index).
                settle = engine.proc.pid().map(|pid| wait_idle(pid, SETTLE_LIMIT));
                match settle {
                    Some(Ok(d)) => eprintln!("   hookbench idle {:.1} s after the load", d.as_secs_f64()),
                    Some(Err(d)) => {
                        eprintln!("   hookbench still busy {:.0} s after the load", d.as_secs_f64())
                    }
                    None => {}
                }
            }
            engine.proc.stop();
            let _ = std::fs::remove_dir_all(&data_dir);
        }
        rows.push((sc, LoadResult::sequential(base_runs), LoadResult::sequential(hb_runs), settle));
    }
    baseline.stop();

    Ok(print_table(&rows))
}

/// How long to wait at most for the engine to go idle after the last run.
const SETTLE_LIMIT: Duration = Duration::from_secs(300);

fn window(d: Duration) -> String {
    format!("{:.0} s + {:.0} s warm-up", d.as_secs_f64(), WARMUP.as_secs_f64())
}

pub(super) struct Engine {
    pub(super) proc: ServerProc,
    ready_file: std::path::PathBuf,
}

impl Engine {
    pub(super) fn ready(&mut self) -> Result<EngineReady> {
        self.proc.wait_ready(&self.ready_file, READY_TIMEOUT, |v| {
            let field = |k: &str| v.get(k)?.as_str().map(str::to_string);
            // capture_url is part of the contract; require it even though the
            // endpoint's own URL is what gets loaded.
            field("capture_url")?;
            Some(EngineReady { api_url: field("api_url")?, token: field("token")? })
        })
    }
}

pub(super) fn start_engine(
    bin: &std::path::Path,
    data_dir: &std::path::Path,
    bench_dir: &std::path::Path,
) -> Result<Engine> {
    std::fs::create_dir_all(data_dir)?;
    let ready_file = data_dir.join("ready.json");
    let mut c = cmd(bin);
    c.arg("serve")
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--capture-addr", "127.0.0.1:0"])
        .args(["--api-addr", "127.0.0.1:0"])
        .arg("--ready-file")
        .arg(&ready_file)
        .stdin(Stdio::null());
    let proc = ServerProc::spawn("hookbench", c, &bench_dir.join("capture-hookbench.log"))?;
    Ok(Engine { proc, ready_file })
}

/// CPU time (user + system) of process `pid` so far, in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// Wait until `pid` uses under 5 % of a CPU over a second. `Ok(time taken)`,
/// or `Err(limit)` if it was still busy then.
fn wait_idle(pid: u32, limit: Duration) -> Result<Duration, Duration> {
    const TICKS_PER_SEC: u64 = 100;
    let start = std::time::Instant::now();
    let mut last = cpu_ticks(pid).ok_or(Duration::ZERO)?;
    while start.elapsed() < limit {
        std::thread::sleep(Duration::from_secs(1));
        let now = cpu_ticks(pid).ok_or(start.elapsed())?;
        if now.saturating_sub(last) * 100 < 5 * TICKS_PER_SEC {
            return Ok(start.elapsed().saturating_sub(Duration::from_secs(1)));
        }
        last = now;
    }
    Err(limit)
}

pub(super) async fn create_endpoint(ready: &EngineReady) -> Result<String> {
    let url = format!("{}/api/v1/endpoints", ready.api_url.trim_end_matches('/'));
    let auth = format!("Bearer {}", ready.token);
    let (status, body) = http::request(
        Method::POST,
        &url,
        &[("authorization", auth.as_str()), ("content-type", "application/json")],
        Bytes::from_static(br#"{"name":"bench"}"#),
        REQUEST_TIMEOUT,
    )
    .await?;
    if !status.is_success() {
        bail!("POST {url} answered {status}: {}", String::from_utf8_lossy(&body));
    }
    let v: serde_json::Value =
        serde_json::from_slice(&body).with_context(|| format!("POST {url}: response is not JSON"))?;
    v.get("url")
        .and_then(|u| u.as_str())
        .map(str::to_string)
        .with_context(|| format!("POST {url}: response has no string field \"url\": {v}"))
}

type Row<'a> = (&'a Scenario, LoadResult, LoadResult, Option<Result<Duration, Duration>>);

fn print_table(rows: &[Row]) -> Verdict {
    let ms =
        |r: &LoadResult, q: f64| r.percentile_ms(q).map(|v| format!("{v:.2}")).unwrap_or_else(|| "-".into());
    let mut verdict = Verdict::TargetsMet;
    println!();
    println!(
        "{:<18} {:<10} {:>10} {:>9} {:>9} {:>8} {:>7} {:>7} {:>8}  {:<13} idle after",
        "scenario", "server", "req/s", "p50 ms", "p99 ms", "non-2xx", "errors", "ratio", "target", "status"
    );
    for (sc, base, hb, settle) in rows {
        for (server, r) in [("baseline", base), ("hookbench", hb)] {
            let line = format!(
                "{:<18} {:<10} {:>10.0} {:>9} {:>9} {:>8} {:>7}",
                sc.name,
                server,
                r.req_per_sec(),
                ms(r, 0.5),
                ms(r, 0.99),
                r.non_2xx,
                r.errors
            );
            if server == "baseline" {
                println!("{line}");
                continue;
            }
            let ratio = (base.req_per_sec() > 0.0).then(|| hb.req_per_sec() / base.req_per_sec());
            let status = match ratio {
                _ if hb.non_2xx + hb.errors > 0 || hb.ok == 0 => "ERRORS",
                Some(q) if q >= sc.target => "ok",
                _ => "BELOW TARGET",
            };
            if status != "ok" {
                verdict = Verdict::BelowTarget;
            }
            let settle = match settle {
                Some(Ok(d)) => format!("{:.1} s", d.as_secs_f64()),
                Some(Err(d)) => format!("> {:.0} s", d.as_secs_f64()),
                None => "-".into(),
            };
            println!(
                "{line} {:>7} {:>8}  {status:<13} {settle}",
                ratio.map(|q| format!("{q:.2}")).unwrap_or_else(|| "-".into()),
                format!(">= {:.2}", sc.target),
            );
        }
    }
    println!();
    verdict
}
