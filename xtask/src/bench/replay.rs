//! Bulk replay throughput: the release engine replays captured 1 KiB JSON
//! webhooks to a store-nothing sink with the rate limit off (16 in flight), and
//! a plain load generator sends the same load to the same sink in the same run,
//! as the baseline. The goal is absolute: at least 5,000 replays a second.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use hyper::Method;

use super::capture::{EngineReady, create_endpoint, engine_binary, start_baseline, start_engine};
use super::{BenchOpts, Verdict};
use crate::http;
use crate::loadgen::{self, LoadSpec};
use crate::proc;
use crate::util::{TempDir, target_dir};

const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const CONCURRENCY: usize = 16;
const GOAL: f64 = 5000.0;

async fn api(
    ready: &EngineReady,
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> Result<serde_json::Value> {
    let url = format!("{}{path}", ready.api_url.trim_end_matches('/'));
    let auth = format!("Bearer {}", ready.token);
    let payload = body.map(|b| Bytes::from(b.to_string())).unwrap_or_default();
    let (status, resp) = http::request(
        method.clone(),
        &url,
        &[("authorization", auth.as_str()), ("content-type", "application/json")],
        payload,
        REQUEST_TIMEOUT,
    )
    .await?;
    if !status.is_success() {
        bail!("{method} {url} answered {status}: {}", String::from_utf8_lossy(&resp));
    }
    serde_json::from_slice(&resp).with_context(|| format!("{method} {url}: not JSON"))
}

pub fn run(opts: &BenchOpts) -> Result<Verdict> {
    let engine_bin = engine_binary(opts)?;
    let rt = tokio::runtime::Runtime::new()?;
    proc::catch_interrupts(&rt)?;
    let bench_dir = target_dir().join("bench");
    let tmp = TempDir::new_in(&bench_dir, "replay")?;
    let (mut sink, sink_url) = start_baseline(&tmp, &bench_dir, "replay-sink.log")?;
    eprintln!("sink:      {sink_url}");

    let data_dir = tmp.path().join("data");
    let mut engine = start_engine(&engine_bin, &data_dir, &bench_dir)?;
    let ready = engine.ready()?;
    let endpoint_url = rt.block_on(create_endpoint(&ready))?;

    // Enough captures for a replay of about the measured duration at the goal.
    let wanted = ((GOAL * opts.duration.as_secs_f64()) as usize).clamp(1000, 100_000);
    eprintln!("-- capturing about {wanted} webhooks of 1 KiB to replay");
    let mut seeded = 0u64;
    while (seeded as usize) < wanted {
        let spec = LoadSpec {
            url: endpoint_url.clone(),
            conns: CONCURRENCY,
            body: loadgen::json_body(1024),
            content_type: "application/json",
            warmup: Duration::ZERO,
            duration: Duration::from_secs(1),
            request_timeout: REQUEST_TIMEOUT,
        };
        let r = rt.block_on(loadgen::run(&spec))?;
        if r.ok == 0 {
            bail!("the engine captured nothing while seeding: {}", r.summary());
        }
        seeded += r.ok;
    }

    let mut base_rates = Vec::new();
    let mut our_rates = Vec::new();
    let mut failures = 0u64;
    for round in 1..=opts.rounds {
        eprintln!(
            "-- round {round} of {}: load generator -> sink ({:.0} s)",
            opts.rounds,
            opts.duration.as_secs_f64()
        );
        let spec = LoadSpec {
            url: sink_url.clone(),
            conns: CONCURRENCY,
            body: loadgen::json_body(1024),
            content_type: "application/json",
            warmup: Duration::from_secs(1),
            duration: opts.duration,
            request_timeout: REQUEST_TIMEOUT,
        };
        let r = rt.block_on(loadgen::run(&spec))?;
        eprintln!("   {}", r.summary());
        base_rates.push(r.req_per_sec());

        eprintln!("-- round {round} of {}: hookbench bulk replay of {wanted} captures -> sink", opts.rounds);
        let body = serde_json::json!({
            "url": sink_url, "q": "", "max": wanted, "concurrency": CONCURRENCY, "retries": 0,
            "rate_limit": {"enabled": false},
        });
        let started = Instant::now();
        let job = rt.block_on(api(&ready, Method::POST, "/api/v1/replays", Some(body)))?;
        let id = job["id"].as_i64().context("the replay has no id")?;
        let job = loop {
            if proc::interrupted() {
                bail!("interrupted");
            }
            let job = rt.block_on(api(&ready, Method::GET, &format!("/api/v1/replays/{id}"), None))?;
            if job["status"] != "running" {
                break job;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let secs = started.elapsed().as_secs_f64();
        let total = job["total"].as_u64().unwrap_or(0);
        failures += job["failed"].as_u64().unwrap_or(0);
        let rate = total as f64 / secs;
        eprintln!("   {total} replayed in {secs:.2} s: {rate:.0}/s, {} failed", job["failed"]);
        our_rates.push(rate);
        engine.proc.ensure_running()?;
        sink.ensure_running()?;
    }
    engine.proc.stop();
    sink.stop();

    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let (base, ours) = (mean(&base_rates), mean(&our_rates));
    let status = if failures > 0 {
        "ERRORS"
    } else if ours >= GOAL {
        "ok"
    } else {
        "BELOW TARGET"
    };
    println!();
    println!(
        "{:<28} {:>12} {:>12} {:>7} {:>12}  status",
        "scenario", "baseline/s", "hookbench/s", "ratio", "target"
    );
    println!(
        "{:<28} {:>12.0} {:>12.0} {:>7.2} {:>12}  {status}",
        format!("bulk replay 1 KiB x{CONCURRENCY}"),
        base,
        ours,
        if base > 0.0 { ours / base } else { 0.0 },
        format!(">= {GOAL:.0}/s"),
    );
    println!("(baseline: a plain load generator against the same sink, same connections)");
    println!();
    Ok(if status == "ok" { Verdict::TargetsMet } else { Verdict::BelowTarget })
}
