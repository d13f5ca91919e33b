//! The harness: runs the real `hookbench serve` binary on loopback with a
//! private data directory, waits for its ready file, and offers helpers for the
//! control API (authed reqwest client) and for exact wire bytes (plain
//! `TcpStream`). Every wait is bounded; dropping a [`Hookbench`] kills its process.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// How long a server gets to write its ready file.
pub const READY_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a process gets to exit after a signal.
pub const EXIT_TIMEOUT: Duration = Duration::from_secs(30);
/// Bound on every socket read and API call.
pub const IO_TIMEOUT: Duration = Duration::from_secs(20);

pub const CAPTURE_ID_HEADER: &str = "x-hookbench-capture-id";

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The base URL's `host:port` as an address.
fn addr_of(url: &str) -> SocketAddr {
    url.strip_prefix("http://")
        .and_then(|a| a.trim_end_matches('/').parse().ok())
        .unwrap_or_else(|| panic!("not an http://IP:PORT URL: {url}"))
}

/// A running (or stopped) `hookbench serve`.
pub struct Hookbench {
    /// Holds the data directory, the ready file and the process logs.
    pub root: tempfile::TempDir,
    pub data_dir: PathBuf,
    args: Vec<String>,
    child: Option<Child>,
    starts: u32,
    pub capture_url: String,
    pub api_url: String,
    pub token: String,
    pub capture_addr: SocketAddr,
    pub api_addr: SocketAddr,
    /// A client that sends `Authorization: Bearer <token>`.
    pub http: reqwest::Client,
}

/// A client without credentials that never follows redirects.
pub fn anon_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(IO_TIMEOUT)
        .build()
        .expect("building a client")
}

fn authed_client(token: &str) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {token}")).expect("token header"));
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(IO_TIMEOUT)
        .build()
        .expect("building a client")
}

/// Spawn `hookbench serve` for `data_dir`, logs into `root/{name}.stdout|stderr`.
pub fn spawn_serve(root: &Path, data_dir: &Path, ready: &Path, args: &[String], name: &str) -> Child {
    let stdout = std::fs::File::create(root.join(format!("{name}.stdout"))).expect("stdout log");
    let stderr = std::fs::File::create(root.join(format!("{name}.stderr"))).expect("stderr log");
    Command::new(env!("CARGO_BIN_EXE_hookbench"))
        .arg("serve")
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--capture-addr", "127.0.0.1:0", "--api-addr", "127.0.0.1:0"])
        .arg("--ready-file")
        .arg(ready)
        .args(args)
        .env("HOOKBENCH_LOG", "warn")
        .env_remove("HOOKBENCH_TOKEN")
        .env_remove("HOOKBENCH_DATA_DIR")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::from(stdout))
        .stderr(Stdio::from(stderr))
        .spawn()
        .expect("spawning hookbench serve")
}

/// Run `hookbench serve` on a fresh data dir with `addrs` (capture, control)
/// until it exits by itself; returns whether it succeeded and its stderr.
pub fn serve_once(capture_addr: &str, api_addr: &str) -> (bool, String) {
    let root = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_hookbench"))
        .arg("serve")
        .arg("--data-dir")
        .arg(root.path().join("data"))
        .args(["--capture-addr", capture_addr, "--api-addr", api_addr])
        .env("HOOKBENCH_LOG", "warn")
        .env_remove("HOOKBENCH_TOKEN")
        .env_remove("HOOKBENCH_DATA_DIR")
        .stdin(Stdio::null())
        .output()
        .expect("running hookbench serve");
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Wait (bounded) for `child` to exit.
pub fn wait_exit(child: &mut Child, timeout: Duration) -> ExitStatus {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().expect("waiting for the server") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server did not exit within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Hookbench {
    /// A server with a fresh data directory and no extra flags.
    pub async fn start() -> Hookbench {
        Self::start_with(&[]).await
    }

    /// A server with a fresh data directory (`<tmp>/data`, created by the server).
    pub async fn start_with(args: &[&str]) -> Hookbench {
        let root = tempfile::tempdir().expect("tempdir");
        let data_dir = root.path().join("data");
        Self::start_in(root, data_dir, args).await
    }

    /// A server on a given data directory inside `root`.
    pub async fn start_in(root: tempfile::TempDir, data_dir: PathBuf, args: &[&str]) -> Hookbench {
        let mut hb = Hookbench {
            root,
            data_dir,
            args: args.iter().map(|s| (*s).to_owned()).collect(),
            child: None,
            starts: 0,
            capture_url: String::new(),
            api_url: String::new(),
            token: String::new(),
            capture_addr: ([127, 0, 0, 1], 0).into(),
            api_addr: ([127, 0, 0, 1], 0).into(),
            http: anon_client(),
        };
        hb.launch().await;
        hb
    }

    fn ready_path(&self) -> PathBuf {
        self.root.path().join("ready.json")
    }

    fn log_name(&self) -> String {
        format!("serve-{}", self.starts)
    }

    /// What the current (or last) process wrote to stderr.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.root.path().join(format!("{}.stderr", self.log_name())))
            .unwrap_or_default()
    }

    async fn launch(&mut self) {
        assert!(self.child.is_none(), "a server is already running");
        let ready = self.ready_path();
        let _ = std::fs::remove_file(&ready);
        self.starts += 1;
        let child = spawn_serve(self.root.path(), &self.data_dir, &ready, &self.args, &self.log_name());
        self.child = Some(child);
        let deadline = Instant::now() + READY_TIMEOUT;
        let info: Value = loop {
            if let Ok(text) = std::fs::read_to_string(&ready)
                && let Ok(v) = serde_json::from_str::<Value>(&text)
            {
                break v;
            }
            let child = self.child.as_mut().expect("child");
            if let Some(status) = child.try_wait().expect("try_wait") {
                self.child = None;
                panic!("hookbench serve exited early ({status}); stderr:\n{}", self.stderr());
            }
            assert!(
                Instant::now() < deadline,
                "no ready file within {READY_TIMEOUT:?}; stderr:\n{}",
                self.stderr()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let field =
            |k: &str| info[k].as_str().unwrap_or_else(|| panic!("ready file lacks {k:?}: {info}")).to_owned();
        self.capture_url = field("capture_url");
        self.api_url = field("api_url");
        self.token = field("token");
        self.capture_addr = addr_of(&self.capture_url);
        self.api_addr = addr_of(&self.api_url);
        self.http = authed_client(&self.token);
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("the server is not running").id()
    }

    /// SIGKILL the server and reap it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL");
            child.wait().expect("reaping the server");
        }
    }

    /// Send `signal` (`TERM`, `INT`…) with the `kill` command and wait (bounded) for the exit.
    pub fn signal_and_wait(&mut self, signal: &str) -> ExitStatus {
        let pid = self.pid();
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(pid.to_string())
            .status()
            .expect("running kill");
        assert!(status.success(), "kill -{signal} {pid} failed");
        let mut child = self.child.take().expect("child");
        wait_exit(&mut child, EXIT_TIMEOUT)
    }

    /// Start the server again on the same data directory (killing it first if it
    /// still runs). Ports change; the token is whatever the new process reports.
    pub async fn restart(&mut self) {
        self.kill();
        self.launch().await;
    }

    /// Start the server again with other flags.
    pub async fn restart_with(&mut self, args: &[&str]) {
        self.args = args.iter().map(|s| (*s).to_owned()).collect();
        self.restart().await;
    }

    /// Run a second `serve` on the same data directory; returns its exit status
    /// and stderr (bounded wait; it must exit by itself).
    pub fn run_second(&self) -> (ExitStatus, String) {
        let ready = self.root.path().join("second-ready.json");
        let mut child = spawn_serve(self.root.path(), &self.data_dir, &ready, &[], "second");
        let status = wait_exit(&mut child, READY_TIMEOUT);
        let stderr = std::fs::read_to_string(self.root.path().join("second.stderr")).unwrap_or_default();
        assert!(!ready.exists(), "the second server must not report ready");
        (status, stderr)
    }

    // ------------------------------------------------------------ control API

    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.api_url)
    }

    /// An authed request to the control API; returns status and JSON body (Null if none).
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.http.request(method.clone(), self.api(path));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = resp.status();
        let bytes = resp.bytes().await.expect("reading an API response");
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!("{method} {path}: not JSON ({e}): {}", String::from_utf8_lossy(&bytes))
            })
        };
        (status, json)
    }

    /// GET, expecting 200.
    pub async fn get_json(&self, path: &str) -> Value {
        let (status, v) = self.call(Method::GET, path, None).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {v}");
        v
    }

    /// Raw bytes of an API GET, expecting 200.
    pub async fn get_bytes(&self, path: &str) -> Vec<u8> {
        let resp = self.http.get(self.api(path)).send().await.expect("API GET");
        assert_eq!(resp.status(), StatusCode::OK, "GET {path}");
        resp.bytes().await.expect("reading bytes").to_vec()
    }

    /// Create an endpoint; returns its id and URL.
    pub async fn create_endpoint(&self, name: &str) -> (i64, String) {
        let e = self.create_endpoint_full(name).await;
        (e["id"].as_i64().expect("id"), e["url"].as_str().expect("url").to_owned())
    }

    /// Create an endpoint; returns the whole endpoint object.
    pub async fn create_endpoint_full(&self, name: &str) -> Value {
        let (status, e) =
            self.call(Method::POST, "/endpoints", Some(serde_json::json!({ "name": name }))).await;
        assert_eq!(status, StatusCode::CREATED, "creating an endpoint: {e}");
        e
    }

    pub async fn get_capture(&self, id: i64) -> Value {
        self.get_json(&format!("/captures/{id}")).await
    }

    pub async fn get_body(&self, id: i64) -> Vec<u8> {
        self.get_bytes(&format!("/captures/{id}/body")).await
    }

    /// Capture ids of a capture list query (`endpoint=1&limit=10`…), in order.
    pub async fn capture_ids(&self, query: &str) -> Vec<i64> {
        let page = self.get_json(&format!("/captures?{query}")).await;
        ids_of(&page)
    }

    pub async fn default_endpoint_id(&self) -> i64 {
        self.get_json("/info").await["default_endpoint_id"].as_i64().expect("default_endpoint_id")
    }

    // ------------------------------------------------------------ capture listener

    /// Send a request with reqwest to a capture URL; expects 200 and returns the capture id.
    pub async fn send_capture(&self, method: &str, url: &str, content_type: &str, body: Vec<u8>) -> i64 {
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let resp = anon_client()
            .request(method, url)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("sending to the capture listener");
        assert_eq!(resp.status(), StatusCode::OK, "capture of {url}");
        capture_id_of(resp.headers())
    }

    /// POST a text body to a capture URL; returns the capture id.
    pub async fn post_text(&self, url: &str, body: &str) -> i64 {
        self.send_capture("POST", url, "text/plain", body.as_bytes().to_vec()).await
    }

    /// One request over a new plain TCP connection to the capture listener.
    pub fn raw(&self, bytes: &[u8]) -> RawResponse {
        raw_request(self.capture_addr, bytes)
    }
}

impl Drop for Hookbench {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The `x-hookbench-capture-id` of a response.
pub fn capture_id_of(headers: &HeaderMap) -> i64 {
    headers
        .get(CAPTURE_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {CAPTURE_ID_HEADER} header in {headers:?}"))
}

/// The ids of a capture page, in order.
pub fn ids_of(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("not a page: {page}"))
        .iter()
        .map(|c| c["id"].as_i64().expect("capture id"))
        .collect()
}

/// A capture's header list as (name, value) pairs.
pub fn header_pairs(capture: &Value) -> Vec<(String, String)> {
    capture["headers"]
        .as_array()
        .unwrap_or_else(|| panic!("no headers in {capture}"))
        .iter()
        .map(|h| {
            (h["name"].as_str().expect("name").to_owned(), h["value"].as_str().expect("value").to_owned())
        })
        .collect()
}

// ---------------------------------------------------------------- raw HTTP/1

/// One HTTP/1 response as read off the wire.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The response's exact bytes.
    pub raw: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn capture_id(&self) -> i64 {
        self.header(CAPTURE_ID_HEADER)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no capture id in {}", String::from_utf8_lossy(&self.raw)))
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.raw)))
    }
}

/// A connection with bounded reads and writes.
pub fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connecting to {addr}: {e}"));
    s.set_read_timeout(Some(IO_TIMEOUT)).expect("read timeout");
    s.set_write_timeout(Some(IO_TIMEOUT)).expect("write timeout");
    s.set_nodelay(true).expect("nodelay");
    s
}

/// Send `bytes` on a new connection and read one response.
pub fn raw_request(addr: SocketAddr, bytes: &[u8]) -> RawResponse {
    let mut s = connect(addr);
    s.write_all(bytes).expect("writing the request");
    let mut buf = Vec::new();
    read_response(&mut s, &mut buf)
}

/// Parse a complete response at the start of `buf`; returns it and its length.
/// Bodies are framed by Content-Length, else run to the end of `buf` when `eof`.
fn parse_response(buf: &[u8], eof: bool) -> Option<(RawResponse, usize)> {
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&buf[..head_end]).expect("response head is text");
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let status: u16 = status_line.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (n, v) = l.split_once(':').expect("header line");
            (n.to_owned(), v.trim().to_owned())
        })
        .collect();
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse::<usize>().expect("content-length"));
    assert!(
        !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("transfer-encoding")),
        "the harness reads only Content-Length framed responses: {head}"
    );
    let end = match length {
        Some(n) if buf.len() >= head_end + n => head_end + n,
        Some(_) => return None,
        None if status == 100 || status == 204 || status == 304 => head_end,
        None if eof => buf.len(),
        None => return None,
    };
    let resp = RawResponse { status, headers, body: buf[head_end..end].to_vec(), raw: buf[..end].to_vec() };
    Some((resp, end))
}

/// Read the next response from `s`; `buf` carries bytes read past it to the next call.
pub fn read_response(s: &mut TcpStream, buf: &mut Vec<u8>) -> RawResponse {
    let mut eof = false;
    loop {
        if let Some((resp, used)) = parse_response(buf, eof) {
            buf.drain(..used);
            return resp;
        }
        assert!(!eof, "the connection closed before a whole response: {:?}", String::from_utf8_lossy(buf));
        let mut chunk = [0u8; 16 * 1024];
        match s.read(&mut chunk) {
            Ok(0) => eof = true,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => panic!("reading a response: {e} (got so far: {:?})", String::from_utf8_lossy(buf)),
        }
    }
}

/// True when the peer closed `s` (EOF or reset) before `timeout`; any bytes
/// that arrive first (an error response) are skipped.
pub fn closed_by_peer(s: &mut TcpStream, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    let mut chunk = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        s.set_read_timeout(Some(left)).expect("read timeout");
        match s.read(&mut chunk) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                return false;
            }
            Err(_) => return true,
        }
    }
}

// ---------------------------------------------------------------- server-sent events

/// A subscription to `GET /api/v1/events`.
pub struct EventStream {
    resp: reqwest::Response,
    buf: Vec<u8>,
}

impl EventStream {
    pub async fn open(hb: &Hookbench) -> EventStream {
        // No overall timeout on this client: the stream stays open; each read is bounded.
        let client = reqwest::Client::builder().build().expect("client");
        let resp = client
            .get(hb.api("/events"))
            .bearer_auth(&hb.token)
            .send()
            .await
            .expect("opening the event stream");
        assert_eq!(resp.status(), StatusCode::OK);
        let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
        assert!(ct.starts_with("text/event-stream"), "content-type {ct}");
        EventStream { resp, buf: Vec::new() }
    }

    /// The next event (name, data), skipping comments; bounded by `IO_TIMEOUT`.
    pub async fn next(&mut self) -> (String, String) {
        let deadline = tokio::time::Instant::now() + IO_TIMEOUT;
        loop {
            if let Some(end) = self.buf.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = self.buf.drain(..end + 2).collect();
                let text = String::from_utf8(block).expect("event text");
                let mut name = String::from("message");
                let mut data = Vec::new();
                for line in text.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push(v.strip_prefix(' ').unwrap_or(v).to_owned());
                    }
                }
                if data.is_empty() && name == "message" {
                    continue; // a keep-alive comment
                }
                return (name, data.join("\n"));
            }
            let chunk = tokio::time::timeout_at(deadline, self.resp.chunk())
                .await
                .expect("no event within the time limit")
                .expect("reading the event stream")
                .expect("the event stream ended");
            self.buf.extend_from_slice(&chunk);
        }
    }

    /// Skip events until one named `name`; returns its data as JSON.
    pub async fn next_named(&mut self, name: &str) -> Value {
        for _ in 0..1000 {
            let (n, data) = self.next().await;
            if n == name {
                return serde_json::from_str(&data).unwrap_or_else(|e| panic!("{name} data {data:?}: {e}"));
            }
        }
        panic!("no {name} event among the next 1000");
    }
}
