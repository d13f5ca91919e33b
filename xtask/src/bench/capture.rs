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
struct EngineReady {
    api_url: String,
    token: String,
}

pub fn run(opts: &BenchOpts) -> Result<Verdict> {
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

    // Catch Ctrl-C / SIGTERM from here on so the servers are always stopped.
    let rt = tokio::runtime::Runtime::new()?;
    proc::catch_interrupts(&rt)?;

    let bench_dir = target_dir().join("bench");
    let tmp = TempDir::new_in(&bench_dir, "capture")?;
    let data_dir = tmp.path().join("data");
    std::fs::create_dir_all(&data_dir)?;
    let baseline_ready = tmp.path().join("baseline-ready.json");
    let engine_ready = tmp.path().join("ready.json");

    let exe = std::env::current_exe().context("cannot locate the xtask executable")?;
    let mut c = cmd(&exe);
    c.arg("bench-baseline-server")
        .arg("--ready-file")
        .arg(&baseline_ready)
        .arg("--exit-on-stdin-eof")
        .stdin(Stdio::piped());
    let mut baseline = ServerProc::spawn("baseline server", c, &bench_dir.join("capture-baseline.log"))?;

    let mut c = cmd(&engine_bin);
    c.arg("serve")
        .arg("--data-dir")
        .arg(&data_dir)
        .args(["--capture-addr", "127.0.0.1:0"])
        .args(["--api-addr", "127.0.0.1:0"])
        .arg("--ready-file")
        .arg(&engine_ready)
        .stdin(Stdio::null());
    let mut engine = ServerProc::spawn("hookbench", c, &bench_dir.join("capture-hookbench.log"))?;

    let baseline_url = baseline
        .wait_ready(&baseline_ready, READY_TIMEOUT, |v| v.get("url")?.as_str().map(str::to_string))?;
    let ready = engine.wait_ready(&engine_ready, READY_TIMEOUT, |v| {
        let field = |k: &str| v.get(k)?.as_str().map(str::to_string);
        // capture_url is part of the contract; require it even though the
        // endpoint's own URL is what gets loaded.
        field("capture_url")?;
        Some(EngineReady { api_url: field("api_url")?, token: field("token")? })
    })?;

    let endpoint_url = rt.block_on(create_endpoint(&ready))?;
    eprintln!("baseline:  {baseline_url}\nhookbench: {endpoint_url}");

    let mut rows = Vec::new();
    for sc in SCENARIOS {
        let spec = |url: &str| LoadSpec {
            url: url.to_string(),
            conns: sc.conns,
            body: if sc.binary { loadgen::binary_body(sc.size) } else { loadgen::json_body(sc.size) },
            content_type: if sc.binary { "application/octet-stream" } else { "application/json" },
            warmup: WARMUP,
            duration: opts.duration,
            request_timeout: REQUEST_TIMEOUT,
        };
        let mut results = Vec::new();
        for (server, server_proc, url) in
            [("baseline", &mut baseline, &baseline_url), ("hookbench", &mut engine, &endpoint_url)]
        {
            eprintln!(
                "-- {} against {server} ({:.0} s + {:.0} s warm-up)",
                sc.name,
                opts.duration.as_secs_f64(),
                WARMUP.as_secs_f64()
            );
            let r = rt.block_on(loadgen::run(&spec(url)))?;
            if proc::interrupted() {
                bail!("interrupted");
            }
            eprintln!("   {}", r.summary());
            server_proc.ensure_running()?;
            results.push(r);
        }
        let hookbench = results.pop().context("missing hookbench result")?;
        let baseline_r = results.pop().context("missing baseline result")?;
        rows.push((sc, baseline_r, hookbench));
    }
    engine.stop();
    baseline.stop();

    Ok(print_table(&rows))
}

async fn create_endpoint(ready: &EngineReady) -> Result<String> {
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

fn print_table(rows: &[(&Scenario, LoadResult, LoadResult)]) -> Verdict {
    let ms =
        |r: &LoadResult, q: f64| r.percentile_ms(q).map(|v| format!("{v:.2}")).unwrap_or_else(|| "-".into());
    let mut verdict = Verdict::TargetsMet;
    println!();
    println!(
        "{:<18} {:<10} {:>10} {:>9} {:>9} {:>8} {:>7} {:>7} {:>8}  status",
        "scenario", "server", "req/s", "p50 ms", "p99 ms", "non-2xx", "errors", "ratio", "target"
    );
    for (sc, base, hb) in rows {
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
            println!(
                "{line} {:>7} {:>8}  {status}",
                ratio.map(|q| format!("{q:.2}")).unwrap_or_else(|| "-".into()),
                format!(">= {:.2}", sc.target),
            );
        }
    }
    println!();
    verdict
}
