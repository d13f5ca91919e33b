//! `hookbench`: the command-line shell over the engine.

use anyhow::Result;
use clap::{Parser, Subcommand};
use hookbench::config::EngineOptions;
use hookbench::server::Server;

// Capture allocates per request (headers, bodies); mimalloc keeps that cheap.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "hookbench", version, about = "Capture, inspect and replay webhooks on your own machine")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the capture listener and the control API (the UI in a browser), headless.
    Serve(EngineOptions),
    /// Compare two captures: method, path, query, headers and body (works while `serve` runs).
    Diff(DiffArgs),
    /// Send a request (merge tags allowed) and print the response; it is kept in the execution log.
    Send(SendArgs),
    /// Send a capture again, to another URL, and print the response.
    Replay(ReplayArgs),
    /// Show captures as they arrive and forward each to a URL (your local server), like `stripe listen`.
    Listen(ListenArgs),
    /// Write captures or sends as HAR 1.2, NDJSON or JSON (to stdout, or --output).
    Export(ExportArgs),
    /// Read a HAR file's requests in as captures.
    Import(ImportArgs),
}

#[derive(clap::Args)]
struct ExportArgs {
    /// captures, sends or all.
    #[arg(long, default_value = "captures")]
    what: String,
    /// har, ndjson or json.
    #[arg(long, default_value = "har")]
    format: String,
    /// Captures: only this endpoint's.
    #[arg(long, value_name = "ID")]
    endpoint: Option<i64>,
    /// Captures: a search, as in the UI's search box. Sends: text anywhere.
    #[arg(long, value_name = "QUERY")]
    query: Option<String>,
    /// At most this many of each, the newest.
    #[arg(long, default_value = "1000")]
    limit: usize,
    /// Mask Authorization, cookies, API keys, signatures and secret-looking query parameters.
    #[arg(long)]
    redact: bool,
    /// A body path to mask (repeatable): customer.email, or a bare key name such as password.
    #[arg(long = "redact-path", value_name = "PATH")]
    redact_paths: Vec<String>,
    /// Write here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    /// The data directory of the app or `serve` to go through (default: the platform's).
    #[arg(long, env = "HOOKBENCH_DATA_DIR")]
    data_dir: Option<std::path::PathBuf>,
}

#[derive(clap::Args)]
struct ImportArgs {
    /// A HAR file (from a browser's developer tools, or an export).
    file: std::path::PathBuf,
    /// The endpoint the requests become captures of (default: the Default endpoint).
    #[arg(long, value_name = "ID")]
    endpoint: Option<i64>,
    /// The data directory of the app or `serve` to go through (default: the platform's).
    #[arg(long, env = "HOOKBENCH_DATA_DIR")]
    data_dir: Option<std::path::PathBuf>,
}

#[derive(clap::Args)]
struct ListenArgs {
    /// Where each capture is also sent, e.g. http://localhost:3000/webhook.
    #[arg(long, value_name = "URL")]
    forward_to: String,
    /// The endpoint whose captures are forwarded (default: the Default endpoint, which
    /// receives every path outside /h/).
    #[arg(long, value_name = "ID")]
    endpoint: Option<i64>,
    /// Where the capture listener listens when no app or `serve` runs on the data directory.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787")]
    capture_addr: std::net::SocketAddr,
    /// Do not check the target's TLS certificate.
    #[arg(short = 'k', long)]
    insecure: bool,
    /// Send the captured Host header instead of the target's.
    #[arg(long)]
    keep_host: bool,
    /// Answer each sender with the target's response (else the listener answers at once).
    #[arg(long)]
    answer_with_target: bool,
    /// The data directory of the app or `serve` to go through (default: the platform's).
    #[arg(long, env = "HOOKBENCH_DATA_DIR")]
    data_dir: Option<std::path::PathBuf>,
}

/// How `send` and `replay` send and print.
#[derive(clap::Args)]
struct Delivery {
    /// Build the request and print it; send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Do not check the server's TLS certificate.
    #[arg(short = 'k', long)]
    insecure: bool,
    /// An HTTP proxy: http://[user:pass@]host:port.
    #[arg(long, value_name = "URL")]
    proxy: Option<String>,
    /// Give up after this many seconds (default 30).
    #[arg(long, value_name = "SECONDS", default_value = "30")]
    timeout: f64,
    /// Do not follow redirects.
    #[arg(long)]
    no_follow: bool,
    /// Print the response's status line and headers before its body.
    #[arg(short = 'i', long)]
    include: bool,
    /// Print the logged send as JSON (as `POST /api/v1/requests/send` returns it).
    #[arg(long)]
    json_output: bool,
    /// The data directory of the app or `serve` to go through (default: the platform's).
    #[arg(long, env = "HOOKBENCH_DATA_DIR")]
    data_dir: Option<std::path::PathBuf>,
}

impl Delivery {
    fn options(&self) -> serde_json::Value {
        serde_json::json!({
            "timeout_ms": (self.timeout.max(0.001) * 1000.0) as u64,
            "follow_redirects": !self.no_follow,
            "verify_tls": !self.insecure,
            "proxy": self.proxy,
        })
    }
}

#[derive(clap::Args)]
struct SendArgs {
    /// The URL; may hold merge tags such as {{env.base}}.
    url: String,
    /// The method (default: POST with a body, else GET).
    #[arg(short = 'X', long = "request", value_name = "METHOD")]
    method: Option<String>,
    /// A header, 'Name: value' (repeatable, order kept).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    headers: Vec<String>,
    /// A raw body (merge tags allowed); @FILE sends a file's bytes as they are, @- reads stdin.
    #[arg(short = 'd', long, value_name = "BODY", conflicts_with_all = ["json", "form"])]
    data: Option<String>,
    /// A JSON body (merge tags allowed, values escaped as JSON); Content-Type: application/json.
    #[arg(long, value_name = "BODY", conflicts_with = "form")]
    json: Option<String>,
    /// A form field name=value (repeatable); application/x-www-form-urlencoded.
    #[arg(short = 'F', long, value_name = "NAME=VALUE")]
    form: Vec<String>,
    /// Authorization: Bearer TOKEN.
    #[arg(long, value_name = "TOKEN", conflicts_with = "basic")]
    bearer: Option<String>,
    /// Authorization: Basic, from USER:PASSWORD.
    #[arg(long, value_name = "USER:PASSWORD")]
    basic: Option<String>,
    /// Take {{inboundWebhookRequest.*}} from this capture.
    #[arg(long, value_name = "ID")]
    capture: Option<i64>,
    /// A variable for {{env.NAME}} (repeatable).
    #[arg(short = 'e', long = "env", value_name = "NAME=VALUE")]
    env: Vec<String>,
    #[command(flatten)]
    delivery: Delivery,
}

#[derive(clap::Args)]
struct ReplayArgs {
    /// The capture's id (or choose several with --ids, --query or --endpoint).
    #[arg(required_unless_present_any = ["ids", "query", "endpoint", "resume"])]
    capture: Option<i64>,
    /// Bulk: these captures, comma-separated, in this order.
    #[arg(long, value_delimiter = ',', value_name = "ID,ID,…", conflicts_with = "capture")]
    ids: Vec<i64>,
    /// Bulk: the captures a search finds (as in the UI's search box), oldest first.
    #[arg(long, value_name = "QUERY", conflicts_with = "capture")]
    query: Option<String>,
    /// Bulk: only this endpoint's captures.
    #[arg(long, value_name = "ID", conflicts_with = "capture")]
    endpoint: Option<i64>,
    /// Bulk: requests in flight at once.
    #[arg(long, default_value = "4")]
    concurrency: u32,
    /// Bulk: at most COUNT/SECONDS requests (HighLevel's burst is 100/10).
    #[arg(long, default_value = "100/10", value_name = "COUNT/SECONDS", conflicts_with = "no_rate_limit")]
    rate: String,
    /// Bulk: no rate limit.
    #[arg(long)]
    no_rate_limit: bool,
    /// Bulk: retries on 429, 5xx and network errors (with backoff, honouring Retry-After).
    #[arg(long, default_value = "3")]
    retries: u32,
    /// Resume a stopped bulk replay by its id.
    #[arg(long, value_name = "JOB", conflicts_with_all = ["capture", "ids", "query", "endpoint"])]
    resume: Option<i64>,
    /// Where to send it (the capture's query string is added when this URL has none).
    #[arg(long, value_name = "URL", required_unless_present = "resume")]
    to: Option<String>,
    /// Another method.
    #[arg(short = 'X', long = "request", value_name = "METHOD")]
    method: Option<String>,
    /// Another path (and query) on the target.
    #[arg(long)]
    path: Option<String>,
    /// Keep the captured Host header.
    #[arg(long)]
    keep_host: bool,
    #[command(flatten)]
    delivery: Delivery,
}

#[derive(clap::Args)]
struct DiffArgs {
    /// The first capture's id.
    a: i64,
    /// The second capture's id.
    b: i64,
    /// Print the same JSON as `GET /api/v1/diff`.
    #[arg(long)]
    json: bool,
    /// Leave out changes that look volatile (times, ids, signatures).
    #[arg(long)]
    ignore_volatile: bool,
    /// The data directory (default: the platform's data directory).
    #[arg(long, env = "HOOKBENCH_DATA_DIR")]
    data_dir: Option<std::path::PathBuf>,
}

fn diff(args: DiffArgs) -> Result<()> {
    use std::io::{IsTerminal, Write};
    let data_dir = args.data_dir.unwrap_or_else(hookbench::config::default_data_dir);
    let opts = hookbench::analysis::DiffOptions { ignore_volatile: args.ignore_volatile };
    let result = hookbench::analysis::diff_from_data_dir(&data_dir, args.a, args.b, opts)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &result)?;
        writeln!(out)?;
    } else {
        let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        out.write_all(hookbench::analysis::render_text(&result, colour).as_bytes())?;
    }
    Ok(())
}

fn pair(s: &str, sep: char, what: &str) -> Result<(String, String)> {
    let (n, v) =
        s.split_once(sep).ok_or_else(|| anyhow::anyhow!("{what} {s:?} must look like NAME{sep}VALUE"))?;
    Ok((n.trim().to_owned(), v.trim_start().to_owned()))
}

/// The `POST /api/v1/requests/send` body for `hookbench send`.
fn send_body(a: &SendArgs) -> Result<serde_json::Value> {
    use base64::Engine as _;
    use serde_json::json;
    let headers = a
        .headers
        .iter()
        .map(|h| pair(h, ':', "the header").map(|(n, v)| json!({"name": n, "value": v})))
        .collect::<Result<Vec<_>>>()?;
    let mut req = json!({"url": a.url, "headers": headers, "options": a.delivery.options(), "dry_run": a.delivery.dry_run});
    let has_body = a.data.is_some() || a.json.is_some() || !a.form.is_empty();
    req["method"] = json!(a.method.clone().unwrap_or_else(|| if has_body { "POST" } else { "GET" }.into()));
    if let Some(d) = &a.data {
        match d.strip_prefix('@') {
            Some(file) => {
                let bytes = if file == "-" {
                    let mut b = Vec::new();
                    std::io::Read::read_to_end(&mut std::io::stdin(), &mut b)?;
                    b
                } else {
                    std::fs::read(file).map_err(|e| anyhow::anyhow!("reading {file}: {e}"))?
                };
                req["body_type"] = json!("raw");
                req["body_base64"] = json!(base64::engine::general_purpose::STANDARD.encode(bytes));
            }
            None => {
                req["body_type"] = json!("raw");
                req["body"] = json!(d);
            }
        }
    } else if let Some(j) = &a.json {
        req["body_type"] = json!("json");
        req["body"] = json!(j);
    } else if !a.form.is_empty() {
        let fields = a
            .form
            .iter()
            .map(|f| pair(f, '=', "the form field").map(|(n, v)| json!({"name": n, "value": v})))
            .collect::<Result<Vec<_>>>()?;
        req["body_type"] = json!("form");
        req["form"] = json!(fields);
    }
    if let Some(t) = &a.bearer {
        req["auth"] = json!({"type": "bearer", "token": t});
    } else if let Some(b) = &a.basic {
        let (u, p) = b.split_once(':').unwrap_or((b, ""));
        req["auth"] = json!({"type": "basic", "username": u, "password": p});
    }
    if let Some(c) = a.capture {
        req["capture_id"] = json!(c);
    }
    if !a.env.is_empty() {
        let mut env = serde_json::Map::new();
        for e in &a.env {
            let (n, v) = pair(e, '=', "the variable")?;
            env.insert(n, json!(v));
        }
        req["env"] = serde_json::Value::Object(env);
    }
    Ok(req)
}

/// Send through the engine's API and print the result; fails (exit 1) when
/// there was no response.
async fn deliver(d: &Delivery, path: &str, body: serde_json::Value) -> Result<()> {
    use std::io::Write;
    let data_dir = d.data_dir.clone().unwrap_or_else(hookbench::config::default_data_dir);
    let remote = hookbench::remote::Remote::connect(&data_dir).await?;
    let result = remote.call("POST", path, Some(&body)).await;
    remote.close().await;
    let sent = match result {
        Ok(v) => v,
        Err(e) => {
            for diag in e.body["error"]["diagnostics"].as_array().into_iter().flatten() {
                eprintln!(
                    "  {} (bytes {}..{}): {}",
                    diag["field"].as_str().unwrap_or(""),
                    diag["start"],
                    diag["end"],
                    diag["message"].as_str().unwrap_or(""),
                );
            }
            anyhow::bail!(e.message);
        }
    };
    let stored: hookbench::outbound::log::StoredSend = serde_json::from_value(sent.clone())?;
    let mut out = std::io::stdout().lock();
    if d.json_output {
        serde_json::to_writer_pretty(&mut out, &sent)?;
        writeln!(out)?;
    } else {
        out.write_all(&hookbench::outbound::print::terminal(&stored, d.include))?;
    }
    out.flush()?;
    eprint!("{}", hookbench::outbound::print::summary(&stored));
    if stored.error.is_some() {
        // The summary said why; no second message.
        std::process::exit(1);
    }
    Ok(())
}

/// `hookbench replay --ids/--query/--endpoint/--resume`: start (or resume) a
/// bulk replay and show its progress until it ends; Ctrl+C stops it.
async fn bulk_replay(a: ReplayArgs) -> Result<()> {
    use serde_json::json;
    use std::io::{IsTerminal, Write};
    let data_dir = a.delivery.data_dir.clone().unwrap_or_else(hookbench::config::default_data_dir);
    let remote = hookbench::remote::Remote::connect(&data_dir).await?;
    let started = match a.resume {
        Some(job) => remote.call("POST", &format!("/api/v1/replays/{job}/resume"), None).await,
        None => {
            let (count, secs) = a
                .rate
                .split_once('/')
                .and_then(|(c, s)| Some((c.trim().parse::<u32>().ok()?, s.trim().parse::<f64>().ok()?)))
                .ok_or_else(|| anyhow::anyhow!("--rate must look like COUNT/SECONDS, e.g. 100/10"))?;
            let mut body = json!({
                "url": a.to,
                "overrides": {"method": a.method, "path": a.path, "keep_host": a.keep_host},
                "options": a.delivery.options(),
                "concurrency": a.concurrency,
                "retries": a.retries,
                "rate_limit": {"enabled": !a.no_rate_limit, "count": count, "per_ms": (secs * 1000.0) as u64},
                "max": 100_000,
            });
            if !a.ids.is_empty() {
                body["capture_ids"] = json!(a.ids);
            } else {
                body["q"] = json!(a.query.clone().unwrap_or_default());
                body["endpoint_id"] = json!(a.endpoint);
            }
            remote.call("POST", "/api/v1/replays", Some(&body)).await
        }
    };
    let job = match started {
        Ok(j) => j,
        Err(e) => {
            remote.close().await;
            anyhow::bail!(e.message);
        }
    };
    let id = job["id"].as_i64().unwrap_or_default();
    let tty = std::io::stderr().is_terminal();
    let begun = std::time::Instant::now();
    let mut last_line = String::new();
    let mut interrupted = false;
    let mut interrupt = interrupts()?;
    let job = loop {
        let job = remote.call("GET", &format!("/api/v1/replays/{id}"), None).await?;
        let n = |k: &str| job[k].as_u64().unwrap_or(0);
        let (total, done) = (n("total").max(1), n("done"));
        let width = 30;
        let filled = (done * width / total) as usize;
        let rate = done as f64 / begun.elapsed().as_secs_f64().max(0.001);
        let line = format!(
            "bulk replay {id} [{}{}] {done}/{} · ok {} · failed {} · retries {} · {rate:.0}/s",
            "#".repeat(filled),
            "-".repeat(width as usize - filled),
            n("total"),
            n("succeeded"),
            n("failed"),
            n("retries"),
        );
        if tty {
            eprint!("\r{line}");
        } else if line != last_line && (done == n("total") || job["status"] != "running") {
            eprintln!("{line}");
        }
        last_line = line;
        if job["status"] != "running" {
            break job;
        }
        tokio::select! {
            _ = interrupt.recv() => {
                interrupted = true;
                let _ = remote.call("POST", &format!("/api/v1/replays/{id}/stop"), None).await;
            }
            _ = tokio::time::sleep(std::time::Duration::from_millis(200)) => {}
        }
    };
    if tty {
        eprintln!();
    }
    remote.close().await;
    let mut err = std::io::stderr().lock();
    match job["status"].as_str() {
        Some("finished") => {
            if let Some(e) = job["last_error"].as_str() {
                writeln!(err, "last failure: {e} (see `GET /api/v1/replays/{id}/items?state=failed`)")?;
            }
            if job["failed"].as_u64().unwrap_or(0) > 0 {
                std::process::exit(1);
            }
        }
        _ => {
            writeln!(err, "stopped; resume with: hookbench replay --resume {id}")?;
            std::process::exit(if interrupted { 130 } else { 1 });
        }
    }
    Ok(())
}

/// `hookbench listen --forward-to URL`: forward an endpoint's captures and
/// print each capture and the target's answer as they happen. Ctrl+C puts the
/// endpoint's forward back as it was.
async fn listen(a: ListenArgs) -> Result<()> {
    use serde_json::json;
    let data_dir = a.data_dir.clone().unwrap_or_else(hookbench::config::default_data_dir);
    let remote = hookbench::remote::Remote::connect_with(&data_dir, a.capture_addr).await?;
    let result = listen_with(&remote, &a).await;
    remote.close().await;
    return result;

    async fn listen_with(remote: &hookbench::remote::Remote, a: &ListenArgs) -> Result<()> {
        let endpoint_id = match a.endpoint {
            Some(id) => id,
            None => {
                remote.call("GET", "/api/v1/info", None).await?["default_endpoint_id"].as_i64().unwrap_or(1)
            }
        };
        let endpoint = remote.call("GET", &format!("/api/v1/endpoints/{endpoint_id}"), None).await?;
        let forward_path = format!("/api/v1/endpoints/{endpoint_id}/forward");
        // Only "there is none" (404) means none: any other failure stops here,
        // before anything is changed.
        let previous = match remote.call("GET", &forward_path, None).await {
            Ok(v) => Some(v),
            Err(e) if e.status == Some(404) => None,
            Err(e) => anyhow::bail!(e.message),
        };
        // Where the stream starts: what is there before the forward is saved
        // (a capture arriving after this is shown, and forwarded once saved).
        let newest = |v: &serde_json::Value| v["items"][0]["id"].as_i64().unwrap_or(0);
        let marks = (
            newest(
                &remote
                    .call("GET", &format!("/api/v1/captures?endpoint={endpoint_id}&limit=1"), None)
                    .await?,
            ),
            newest(&remote.call("GET", "/api/v1/requests?kind=forward&limit=1", None).await?),
        );
        let cfg = json!({"url": a.forward_to, "enabled": true, "keep_host": a.keep_host,
                         "answer_with_target": a.answer_with_target, "options": {"verify_tls": !a.insecure}});
        remote.call("PUT", &forward_path, Some(&cfg)).await?;
        let outcome = stream(remote, a, endpoint_id, &endpoint, marks).await;
        // Put the endpoint's forward back as it was, whatever happened.
        let restored = match previous {
            Some(p) => remote.call("PUT", &forward_path, Some(&p)).await.map(|_| ()),
            None => remote.call("DELETE", &forward_path, None).await.map(|_| ()),
        };
        if let Err(e) = restored {
            eprintln!("could not restore the endpoint's forward: {e}");
        }
        outcome
    }

    async fn stream(
        remote: &hookbench::remote::Remote,
        a: &ListenArgs,
        endpoint_id: i64,
        endpoint: &serde_json::Value,
        (mut last_capture, mut last_send): (i64, i64),
    ) -> Result<()> {
        let is_default = endpoint["is_default"].as_bool().unwrap_or(false);
        println!("Forwarding captures of {:?} to {}", endpoint["name"].as_str().unwrap_or(""), a.forward_to);
        if is_default {
            println!("  send webhooks to {}/… (any path outside /h/)", remote.info.capture_url);
        } else {
            println!("  send webhooks to {}", endpoint["url"].as_str().unwrap_or(""));
        }
        println!("Ready. Press Ctrl+C to stop.");
        let mut interrupt = interrupts()?;
        loop {
            let page = remote
                .call("GET", &format!("/api/v1/captures?endpoint={endpoint_id}&limit=200"), None)
                .await?;
            let mut fresh: Vec<&serde_json::Value> = page["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|c| c["id"].as_i64().unwrap_or(0) > last_capture)
                .collect();
            fresh.reverse();
            for c in fresh {
                last_capture = last_capture.max(c["id"].as_i64().unwrap_or(0));
                let query = c["query"].as_str().map(|q| format!("?{q}")).unwrap_or_default();
                println!(
                    "--> {} {}{} [{} bytes] capture {}",
                    c["method"].as_str().unwrap_or(""),
                    c["path"].as_str().unwrap_or(""),
                    query,
                    c["body_size"],
                    c["id"]
                );
            }
            let sends = remote.call("GET", "/api/v1/requests?kind=forward&limit=200", None).await?;
            let mut fresh: Vec<&serde_json::Value> = sends["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|s| s["id"].as_i64().unwrap_or(0) > last_send)
                .collect();
            fresh.reverse();
            for s in fresh {
                last_send = last_send.max(s["id"].as_i64().unwrap_or(0));
                let ms = s["duration_ms"].as_i64().map(|d| format!(" in {d} ms")).unwrap_or_default();
                match (s["status"].as_u64(), s["error"].as_str()) {
                    (Some(status), _) => {
                        println!(
                            "<-- {status}{ms} from {} (capture {})",
                            s["url"].as_str().unwrap_or(""),
                            s["capture_id"]
                        )
                    }
                    (None, Some(e)) => println!("<-- failed: {e} (capture {})", s["capture_id"]),
                    _ => {}
                }
            }
            tokio::select! {
                _ = interrupt.recv() => break Ok(()),
                _ = tokio::time::sleep(std::time::Duration::from_millis(200)) => {}
            }
        }
    }
}

fn query_string(pairs: &[(&str, String)]) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    ser.finish()
}

async fn export(a: ExportArgs) -> Result<()> {
    use std::io::Write;
    let data_dir = a.data_dir.clone().unwrap_or_else(hookbench::config::default_data_dir);
    let mut pairs =
        vec![("what", a.what.clone()), ("format", a.format.clone()), ("limit", a.limit.to_string())];
    if let Some(e) = a.endpoint {
        pairs.push(("endpoint", e.to_string()));
    }
    if let Some(q) = &a.query {
        pairs.push(("q", q.clone()));
    }
    if a.redact {
        pairs.push(("redact", "true".into()));
    }
    if !a.redact_paths.is_empty() {
        pairs.push(("redact_paths", a.redact_paths.join(",")));
    }
    let remote = hookbench::remote::Remote::connect(&data_dir).await?;
    let result = remote.call_raw("GET", &format!("/api/v1/export?{}", query_string(&pairs)), None).await;
    remote.close().await;
    let bytes = result.map_err(|e| anyhow::anyhow!(e.message))?;
    match &a.output {
        Some(path) => {
            std::fs::write(path, &bytes).map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
            eprintln!("wrote {} ({} bytes)", path.display(), bytes.len());
        }
        None => std::io::stdout().lock().write_all(&bytes)?,
    }
    Ok(())
}

async fn import(a: ImportArgs) -> Result<()> {
    let data_dir = a.data_dir.clone().unwrap_or_else(hookbench::config::default_data_dir);
    let bytes = std::fs::read(&a.file).map_err(|e| anyhow::anyhow!("reading {}: {e}", a.file.display()))?;
    let path = match a.endpoint {
        Some(e) => format!("/api/v1/import/har?endpoint={e}"),
        None => "/api/v1/import/har".to_owned(),
    };
    let remote = hookbench::remote::Remote::connect(&data_dir).await?;
    let result = remote.call_raw("POST", &path, Some((bytes.into(), "application/json"))).await;
    remote.close().await;
    let body = result.map_err(|e| anyhow::anyhow!(e.message))?;
    let v: serde_json::Value = serde_json::from_slice(&body)?;
    for w in v["warnings"].as_array().into_iter().flatten() {
        eprintln!("warning: {}", w.as_str().unwrap_or(""));
    }
    let ids = v["capture_ids"].as_array().map(Vec::len).unwrap_or(0);
    println!("imported {ids} request(s) from {} as captures", a.file.display());
    Ok(())
}

/// Ctrl+C (SIGINT), caught once for the whole command: a signal that arrives
/// while the loop is busy is kept until it looks.
fn interrupts() -> Result<tokio::signal::unix::Signal> {
    Ok(tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?)
}

fn init_logging(default: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("HOOKBENCH_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).expect("installing the SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

async fn serve(opts: EngineOptions) -> Result<()> {
    let server = Server::start(opts).await?;
    let i = &server.info;
    println!("Hookbench {} is running", env!("CARGO_PKG_VERSION"));
    println!(
        "  capture  {}/  (Default endpoint; your endpoints are {}/h/<slug>)",
        i.capture_url, i.capture_url
    );
    println!("  UI       {}/?token={}", i.api_url, i.token);
    println!("  API      {}/api/v1/  (Authorization: Bearer <token>)", i.api_url);
    println!("  token    {}", i.token);
    println!("  data     {}", server.data_dir.display());
    println!("Press Ctrl+C to stop.");
    wait_for_signal().await;
    tracing::info!("stopping");
    server.shutdown().await;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    // Commands that print a result keep the engine's own log to warnings.
    init_logging(if matches!(cli.command, Command::Serve(_)) { "hookbench=info,warn" } else { "warn" });
    match cli.command {
        Command::Serve(opts) => serve(opts).await,
        Command::Diff(args) => tokio::task::spawn_blocking(move || diff(args)).await?,
        Command::Send(args) => {
            let body = send_body(&args)?;
            let path = "/api/v1/requests/send";
            deliver(&args.delivery, path, body).await
        }
        Command::Replay(args) => match args.capture {
            Some(capture) => {
                let body = serde_json::json!({
                    "url": args.to,
                    "overrides": {"method": args.method, "path": args.path, "keep_host": args.keep_host},
                    "options": args.delivery.options(),
                    "dry_run": args.delivery.dry_run,
                });
                let path = format!("/api/v1/captures/{capture}/replay");
                deliver(&args.delivery, &path, body).await
            }
            None => bulk_replay(args).await,
        },
        Command::Listen(args) => listen(args).await,
        Command::Export(args) => export(args).await,
        Command::Import(args) => import(args).await,
    }
}
