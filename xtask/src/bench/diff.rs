//! Diff speed: two ~1 MiB JSON webhook payloads (nested objects, arrays of
//! objects with ids, some differences), our full diff (parse both + diff)
//! against `serde_json` parsing the same two payloads, in the same run,
//! interleaved. Target: under 50 ms.

use std::hint::black_box;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use hookbench::analysis::diff::{CaptureRef, DiffSide, json_diff};
use hookbench::analysis::{DiffOptions, diff, sha256_hex};
use hookbench::model::Header;
use serde_json::{Value, json};

use super::{BenchOpts, Verdict};

const TARGET: Duration = Duration::from_millis(50);
const PAYLOAD_SIZE: usize = 1024 * 1024;
const MIN_ITERATIONS: usize = 20;

/// A small deterministic generator (xorshift64*), so every run diffs the same payloads.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn word(&mut self) -> String {
        const WORDS: &[&str] =
            &["alpha", "bravo", "delta", "echo", "lima", "oscar", "romeo", "tango", "zulu"];
        WORDS[self.below(WORDS.len() as u64) as usize].to_owned()
    }
}

fn contact(rng: &mut Rng, i: usize) -> Value {
    let first = rng.word();
    let last = rng.word();
    json!({
        "id": format!("ct_{i:06}"),
        "email": format!("{first}.{last}{i}@example.com"),
        "name": format!("{first} {last}"),
        "phone": format!("+1555{:07}", rng.below(10_000_000)),
        "tags": [rng.word(), rng.word()],
        "score": rng.below(1000),
        "active": rng.below(2) == 1,
        "address": {"line1": format!("{} {} St", rng.below(999), rng.word()), "city": rng.word(), "zip": format!("{:05}", rng.below(99_999))},
        "customFields": [
            {"fieldId": format!("cf_{i}_a"), "value": rng.word()},
            {"fieldId": format!("cf_{i}_b"), "value": rng.below(100)}
        ],
        "dateAdded": format!("2026-11-{:02}T10:{:02}:00Z", 1 + rng.below(28), rng.below(60)),
    })
}

/// Two payloads of about [`PAYLOAD_SIZE`] each: `b` is `a` with a few hundred changes.
fn payloads() -> (Vec<u8>, Vec<u8>) {
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mut contacts = Vec::new();
    let mut size = 0;
    while size < PAYLOAD_SIZE - 400 {
        let c = contact(&mut rng, contacts.len());
        size += c.to_string().len() + 1;
        contacts.push(c);
    }
    let a = json!({
        "type": "ContactBatch", "locationId": "loc_8f2k", "webhookId": "wh_1", "timestamp": "2026-12-03T12:00:00Z",
        "data": {"contacts": contacts.clone(), "meta": {"page": 1, "source": "bench"}}
    });
    let mut b = a.clone();
    b["timestamp"] = json!("2026-12-03T12:00:05Z");
    b["webhookId"] = json!("wh_2");
    if let Some(list) = b["data"]["contacts"].as_array_mut() {
        for (i, c) in list.iter_mut().enumerate() {
            match i % 37 {
                0 => c["email"] = json!(format!("changed{i}@example.com")),
                5 => c["tags"] = json!("vip"),
                11 => c["address"]["city"] = json!("Springfield"),
                17 => {
                    if let Some(m) = c.as_object_mut() {
                        m.remove("phone");
                    }
                }
                23 => c["customFields"][1]["value"] = json!("text now"),
                _ => {}
            }
        }
        // Some contacts gone, some new at the front (arrays are matched by `id`).
        list.retain(|c| c["id"].as_str().is_none_or(|id| !id.ends_with("99")));
        let mut rng = Rng(42);
        for k in 0..10 {
            list.insert(0, contact(&mut rng, 900_000 + k));
        }
    }
    (a.to_string().into_bytes(), b.to_string().into_bytes())
}

fn side(id: i64, body: Vec<u8>) -> DiffSide {
    DiffSide {
        capture: CaptureRef {
            id,
            endpoint_id: 1,
            method: "POST".into(),
            path: "/h/bench".into(),
            received_at: id,
        },
        query: Some("attempt=1".into()),
        headers: vec![
            Header::new("Host", "127.0.0.1:8787"),
            Header::new("Content-Type", "application/json"),
            Header::new("Content-Length", body.len().to_string()),
            Header::new("webhook-id", format!("msg_{id}")),
        ],
        content_type: Some("application/json".into()),
        body_sha256: sha256_hex(&body),
        body: body.into(),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

pub fn run(opts: &BenchOpts) -> Result<Verdict> {
    let (a, b) = payloads();
    let (sa, sb) = (side(1, a.clone()), side(2, b.clone()));
    let check = diff(&sa, &sb, DiffOptions::default());
    if check.changes.is_empty() {
        bail!("the benchmark payloads do not differ");
    }
    eprintln!(
        "payloads: {} and {} bytes; {} changes ({} volatile)",
        a.len(),
        b.len(),
        check.changes.len(),
        check.changes.iter().filter(|c| c.volatile).count()
    );

    let (va, vb): (Value, Value) = (serde_json::from_slice(&a)?, serde_json::from_slice(&b)?);
    let mut ours = Vec::new();
    let mut baseline = Vec::new();
    let mut walk_only = Vec::new();
    let deadline = Instant::now() + opts.duration;
    // Warm-up: one of each.
    black_box(diff(&sa, &sb, DiffOptions::default()));
    black_box(serde_json::from_slice::<Value>(&a)?);
    while ours.len() < MIN_ITERATIONS || Instant::now() < deadline {
        let t = Instant::now();
        black_box(serde_json::from_slice::<Value>(black_box(&a))?);
        black_box(serde_json::from_slice::<Value>(black_box(&b))?);
        baseline.push(t.elapsed());

        let t = Instant::now();
        black_box(diff(black_box(&sa), black_box(&sb), DiffOptions::default()));
        ours.push(t.elapsed());

        let t = Instant::now();
        let mut changes = Vec::new();
        json_diff(black_box(&va), black_box(&vb), &mut changes);
        black_box(changes);
        walk_only.push(t.elapsed());
        if ours.len() >= 10_000 {
            break;
        }
    }
    ours.sort_unstable();
    baseline.sort_unstable();
    let (om, op) = (percentile(&ours, 0.5), percentile(&ours, 0.95));
    let (bm, bp) = (percentile(&baseline, 0.5), percentile(&baseline, 0.95));
    walk_only.sort_unstable();
    let (wm, wp) = (percentile(&walk_only, 0.5), percentile(&walk_only, 0.95));
    println!("diff of two ~1 MiB JSON payloads, {} iterations", ours.len());
    println!("  hookbench diff (parse + diff)   median {:>10}   p95 {:>10}", ms(om), ms(op));
    println!("  baseline: serde_json parse x2   median {:>10}   p95 {:>10}", ms(bm), ms(bp));
    println!("  (structural diff of parsed docs  median {:>10}   p95 {:>10})", ms(wm), ms(wp));
    println!("  ratio diff/parse (median)       {:.2}x", om.as_secs_f64() / bm.as_secs_f64().max(1e-9));
    let met = om < TARGET;
    println!("  target: under {} (median) … {}", ms(TARGET), if met { "met" } else { "NOT met" });
    Ok(if met { Verdict::TargetsMet } else { Verdict::BelowTarget })
}
