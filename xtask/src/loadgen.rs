//! Closed-loop HTTP/1.1 load generator: N keep-alive connections, one request
//! in flight on each, fixed body, a warm-up that is not counted.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use hyper::Method;

use crate::http::{self, Sender, Target};
use crate::util::ArgParser;

/// What to send and for how long.
#[derive(Debug, Clone)]
pub struct LoadSpec {
    pub url: String,
    pub conns: usize,
    pub body: Bytes,
    pub content_type: &'static str,
    pub warmup: Duration,
    pub duration: Duration,
    /// Bound on a single request (connect excluded).
    pub request_timeout: Duration,
}

/// Counts and latencies from the measured window (warm-up excluded).
#[derive(Debug, Default)]
pub struct LoadResult {
    /// 2xx responses completed inside the window.
    pub ok: u64,
    /// Non-2xx responses to requests started inside the window.
    pub non_2xx: u64,
    /// Transport errors and timeouts for requests started inside the window.
    pub errors: u64,
    /// Latencies in microseconds of responses completed inside the window, sorted.
    pub latencies_us: Vec<u32>,
    /// Length of the measured window.
    pub window: Duration,
}

impl LoadResult {
    /// Measurements taken one after another, as one: counts and windows
    /// added, latencies pooled.
    pub fn sequential(runs: Vec<LoadResult>) -> LoadResult {
        let mut out =
            LoadResult { ok: 0, non_2xx: 0, errors: 0, latencies_us: Vec::new(), window: Duration::ZERO };
        for r in runs {
            out.window += r.window;
            out.merge(r);
        }
        out.latencies_us.sort_unstable();
        out
    }

    pub fn req_per_sec(&self) -> f64 {
        let secs = self.window.as_secs_f64();
        if secs > 0.0 { self.ok as f64 / secs } else { 0.0 }
    }

    /// Latency percentile in milliseconds (`q` in 0..=1); `None` with no samples.
    pub fn percentile_ms(&self, q: f64) -> Option<f64> {
        let n = self.latencies_us.len();
        if n == 0 {
            return None;
        }
        let rank = (q.clamp(0.0, 1.0) * n as f64).ceil() as usize;
        let idx = rank.clamp(1, n) - 1;
        Some(f64::from(self.latencies_us[idx]) / 1000.0)
    }

    fn merge(&mut self, other: Self) {
        self.ok += other.ok;
        self.non_2xx += other.non_2xx;
        self.errors += other.errors;
        self.latencies_us.extend(other.latencies_us);
    }

    /// One-line human summary.
    pub fn summary(&self) -> String {
        let p = |q| self.percentile_ms(q).map(|v| format!("{v:.2}")).unwrap_or_else(|| "-".into());
        format!(
            "{:.0} req/s  p50 {} ms  p99 {} ms  max {} ms  ({} ok, {} non-2xx, {} errors in {:.1} s)",
            self.req_per_sec(),
            p(0.5),
            p(0.99),
            p(1.0),
            self.ok,
            self.non_2xx,
            self.errors,
            self.window.as_secs_f64()
        )
    }
}

/// A JSON object of exactly `size` bytes (at least `{}`).
pub fn json_body(size: usize) -> Bytes {
    let head = r#"{"event":"bench","pad":""#;
    let tail = r#""}"#;
    let mut s = String::with_capacity(size.max(2));
    if size >= head.len() + tail.len() {
        s.push_str(head);
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let pad = size - head.len() - tail.len();
        s.extend((0..pad).map(|i| char::from(ALPHABET[i % ALPHABET.len()])));
        s.push_str(tail);
    } else {
        s.push_str("{}");
        s.extend(std::iter::repeat_n(' ', size.saturating_sub(2)));
    }
    Bytes::from(s)
}

/// `size` bytes of a non-repeating-looking binary pattern.
pub fn binary_body(size: usize) -> Bytes {
    (0..size).map(|i| ((i.wrapping_mul(31) ^ (i >> 8)) % 251) as u8).collect::<Vec<u8>>().into()
}

/// Run the load described by `spec` and collect the results.
pub async fn run(spec: &LoadSpec) -> Result<LoadResult> {
    if spec.conns == 0 {
        bail!("need at least one connection");
    }
    let target = Arc::new(Target::parse(&spec.url)?);
    let t0 = Instant::now();
    let window = Window { measure_from: t0 + spec.warmup, end: t0 + spec.warmup + spec.duration };
    let mut tasks = Vec::with_capacity(spec.conns);
    for worker_id in 0..spec.conns {
        let target = Arc::clone(&target);
        let body = spec.body.clone();
        let content_type = spec.content_type;
        let timeout = spec.request_timeout;
        let first_seq = (worker_id as u64) << 40;
        tasks.push(tokio::spawn(async move {
            worker(&target, body, first_seq, content_type, window, timeout).await
        }));
    }
    let mut total = LoadResult::default();
    for t in tasks {
        total.merge(t.await.context("load worker panicked")?);
    }
    total.window = spec.duration;
    total.latencies_us.sort_unstable();
    Ok(total)
}

#[derive(Debug, Clone, Copy)]
struct Window {
    measure_from: Instant,
    end: Instant,
}

impl Window {
    fn counts_start(&self, t: Instant) -> bool {
        t >= self.measure_from && t < self.end
    }
}

/// `body` with `seq` written as 16 hex digits just before its last two bytes
/// (inside the JSON padding), so no two requests carry the same bytes and a
/// server cannot get away with storing one copy.
pub fn stamped(body: &Bytes, seq: u64) -> Bytes {
    if body.len() < 64 {
        return body.clone();
    }
    let mut b = body.to_vec();
    let at = b.len() - 18;
    b[at..at + 16].copy_from_slice(format!("{seq:016x}").as_bytes());
    Bytes::from(b)
}

async fn worker(
    target: &Target,
    body: Bytes,
    mut seq: u64,
    content_type: &str,
    window: Window,
    timeout: Duration,
) -> LoadResult {
    let mut out = LoadResult::default();
    let mut sender: Option<Sender> = None;
    let headers = [("content-type", content_type)];
    loop {
        let now = Instant::now();
        if now >= window.end || crate::proc::interrupted() {
            break;
        }
        // Reconnect when there is no connection or the server closed it.
        let conn = match sender.as_mut() {
            Some(s) if !s.is_closed() => s,
            _ => {
                sender = None;
                match tokio::time::timeout(timeout, http::connect(target)).await {
                    Ok(Ok(s)) => sender.insert(s),
                    Ok(Err(_)) | Err(_) => {
                        if window.counts_start(now) {
                            out.errors += 1;
                        }
                        // Avoid spinning on a refused port.
                        let pause = Duration::from_millis(20)
                            .min(window.end.saturating_duration_since(Instant::now()));
                        tokio::time::sleep(pause).await;
                        continue;
                    }
                }
            }
        };
        seq += 1;
        let req = match http::build_request(target, Method::POST, &headers, stamped(&body, seq)) {
            Ok(r) => r,
            Err(_) => {
                out.errors += 1;
                break;
            }
        };
        let start = Instant::now();
        let res = tokio::time::timeout(timeout, http::exchange(conn, req)).await;
        let done = Instant::now();
        let counted_start = window.counts_start(start);
        match res {
            Ok(Ok((status, _))) => {
                if status.is_success() {
                    if counted_start && done <= window.end {
                        out.ok += 1;
                        let us = done.duration_since(start).as_micros();
                        out.latencies_us.push(u32::try_from(us).unwrap_or(u32::MAX));
                    }
                } else if counted_start {
                    out.non_2xx += 1;
                    if done <= window.end {
                        let us = done.duration_since(start).as_micros();
                        out.latencies_us.push(u32::try_from(us).unwrap_or(u32::MAX));
                    }
                }
            }
            Ok(Err(_)) | Err(_) => {
                if counted_start {
                    out.errors += 1;
                }
                sender = None;
            }
        }
    }
    out
}

/// `cargo xtask loadgen --url U [--conns N] [--size BYTES] [--duration S]
/// [--warmup S] [--binary]`: run load against any URL and print a summary.
pub fn cli(args: &[String]) -> Result<()> {
    let mut url = None;
    let mut conns = 16usize;
    let mut size = 1024usize;
    let mut duration = 10.0f64;
    let mut warmup = 1.0f64;
    let mut binary = false;
    let mut p = ArgParser::new(args);
    while let Some(flag) = p.next_arg()? {
        match flag.as_str() {
            "--url" => url = Some(p.value(&flag)?),
            "--conns" => conns = p.parse(&flag)?,
            "--size" => size = p.parse(&flag)?,
            "--duration" => duration = p.parse(&flag)?,
            "--warmup" => warmup = p.parse(&flag)?,
            "--binary" => binary = true,
            other => bail!("loadgen: unknown argument {other:?}"),
        }
    }
    let url = url.context("loadgen: --url is required")?;
    let spec = LoadSpec {
        url,
        conns,
        body: if binary { binary_body(size) } else { json_body(size) },
        content_type: if binary { "application/octet-stream" } else { "application/json" },
        warmup: secs(warmup, "--warmup")?,
        duration: secs(duration, "--duration")?,
        request_timeout: Duration::from_secs(10),
    };
    let rt = tokio::runtime::Runtime::new()?;
    let result = rt.block_on(run(&spec))?;
    println!("{} conns, {} B {}: {}", spec.conns, spec.body.len(), spec.content_type, result.summary());
    Ok(())
}

/// Seconds from the command line as a `Duration` (bounded to a day).
pub fn secs(v: f64, name: &str) -> Result<Duration> {
    if !(0.0..=86_400.0).contains(&v) {
        bail!("{name} must be between 0 and 86400 seconds");
    }
    Ok(Duration::from_secs_f64(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamped_bodies_differ_and_stay_json() {
        let b = json_body(1024);
        let (x, y) = (stamped(&b, 1), stamped(&b, 2));
        assert_ne!(x, y);
        assert_eq!(x.len(), 1024);
        serde_json::from_slice::<serde_json::Value>(&x).unwrap();
    }

    #[test]
    fn json_body_has_exact_size_and_parses() {
        for size in [0usize, 1, 2, 10, 30, 1024, 65_536] {
            let b = json_body(size);
            assert_eq!(b.len(), size.max(2), "size {size}");
            serde_json::from_slice::<serde_json::Value>(&b).expect("valid JSON");
        }
    }

    #[test]
    fn percentiles() {
        let r = LoadResult { latencies_us: (1..=100).map(|v| v * 1000).collect(), ..LoadResult::default() };
        assert_eq!(r.percentile_ms(0.5), Some(50.0));
        assert_eq!(r.percentile_ms(0.99), Some(99.0));
        assert_eq!(r.percentile_ms(1.0), Some(100.0));
        assert_eq!(LoadResult::default().percentile_ms(0.5), None);
    }

    #[test]
    fn target_parse() {
        let t = Target::parse("http://127.0.0.1:8080/h/abc?x=1").expect("parse");
        assert_eq!(t.addr, "127.0.0.1:8080");
        assert_eq!(t.host, "127.0.0.1:8080");
        assert_eq!(t.path, "/h/abc?x=1");
        assert!(Target::parse("https://127.0.0.1/").is_err());
    }
}
