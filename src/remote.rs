//! A client of a running engine's control API, for the CLI's `send`, `replay`
//! and `listen`: they work against the desktop app or `hookbench serve` on the
//! same data directory, or start an engine of their own when none runs.

use std::path::Path;

use bytes::Bytes;
use serde_json::Value;

use crate::config::EngineOptions;
use crate::outbound::build::finish;
use crate::outbound::client::{Client, ClientOptions};
use crate::outbound::wire::{Target, WireHeader};
use crate::server::{RUNNING_FILE, ReadyInfo, Server};

/// How long one call of the control API may take.
const CALL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// Whether an engine holds `data_dir` (its lock file is locked).
fn engine_running(data_dir: &Path) -> bool {
    match std::fs::File::open(data_dir.join("hookbench.lock")) {
        // We could lock it: nobody holds it (dropping the file lets it go again).
        Ok(f) => f.try_lock().is_err(),
        Err(_) => false,
    }
}

/// The control API of one engine.
pub struct Remote {
    pub info: ReadyInfo,
    client: Client,
    /// The engine this process started, when none was running.
    own: Option<Server>,
}

/// An API answer that is not a success: its status and `{"error": …}` body.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct RemoteError {
    pub status: Option<u16>,
    pub message: String,
    pub body: Value,
}

impl Remote {
    /// The engine running on `data_dir`, else one started here (with the
    /// capture listener on a free loopback port) for as long as this lives.
    pub async fn connect(data_dir: &Path) -> anyhow::Result<Remote> {
        Self::connect_with(data_dir, ([127, 0, 0, 1], 0).into()).await
    }

    /// [`Remote::connect`], with the capture listener of an engine started
    /// here on `capture_addr` (for `listen`, where senders must reach it).
    pub async fn connect_with(data_dir: &Path, capture_addr: std::net::SocketAddr) -> anyhow::Result<Remote> {
        // `running.json` is trusted only while its engine holds the data
        // directory's lock: a stale one could point at a port someone else holds now.
        if engine_running(data_dir)
            && let Ok(text) = std::fs::read_to_string(data_dir.join(RUNNING_FILE))
            && let Ok(info) = serde_json::from_str::<ReadyInfo>(&text)
        {
            let remote = Remote { info, client: Client::default(), own: None };
            if remote.call("GET", "/api/v1/info", None).await.is_ok() {
                return Ok(remote);
            }
        }
        let opts = EngineOptions {
            data_dir: Some(data_dir.to_owned()),
            capture_addr,
            api_addr: ([127, 0, 0, 1], 0).into(),
            ..EngineOptions::default()
        };
        let server = Server::start(opts).await?;
        Ok(Remote { info: server.info.clone(), client: Client::default(), own: Some(server) })
    }

    /// Whether this process started the engine itself.
    pub fn is_own(&self) -> bool {
        self.own.is_some()
    }

    /// Stop the engine this process started, if any.
    pub async fn close(self) {
        if let Some(s) = self.own {
            s.shutdown().await;
        }
    }

    /// `method path` with an optional JSON body; the JSON answer of a 2xx.
    pub async fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, RemoteError> {
        let payload =
            body.map(|v| (Bytes::from(serde_json::to_vec(v).unwrap_or_default()), "application/json"));
        let bytes = self.call_raw(method, path, payload).await?;
        if bytes.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes).map_err(|e| RemoteError {
            status: None,
            message: format!("the control API answered with no JSON: {e}"),
            body: Value::Null,
        })
    }

    /// `method path` with an optional body of a content type; the bytes of a 2xx answer.
    pub async fn call_raw(
        &self,
        method: &str,
        path: &str,
        body: Option<(Bytes, &str)>,
    ) -> Result<Bytes, RemoteError> {
        let fail = |m: String| RemoteError { status: None, message: m, body: Value::Null };
        let target =
            Target::parse(&format!("{}{path}", self.info.api_url)).map_err(|e| fail(e.to_string()))?;
        let mut headers = vec![
            WireHeader::secret("Authorization", format!("Bearer {}", self.info.token)),
            WireHeader::new("Accept", "application/json"),
        ];
        let payload = match body {
            Some((bytes, content_type)) => {
                headers.push(WireHeader::new("Content-Type", content_type));
                bytes
            }
            None => Bytes::new(),
        };
        let p = finish(method.to_owned(), target, headers, payload, None, &mut |_, _| {});
        let opts = ClientOptions { verify_tls: true, proxy: None, max_body: 1024 * 1024 * 1024 };
        let head = self.client.head(&p, &opts);
        let resp = tokio::time::timeout(CALL_TIMEOUT, self.client.exchange(&p, &head, &opts))
            .await
            .map_err(|_| {
                fail(format!(
                    "the control API at {} did not answer within {CALL_TIMEOUT:?}",
                    self.info.api_url
                ))
            })?
            .map_err(|e| fail(format!("the control API at {}: {e}", self.info.api_url)))?;
        if (200..300).contains(&resp.status) {
            return Ok(resp.body);
        }
        let json: Value = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
        let message = json["error"]["message"]
            .as_str()
            .map_or_else(|| format!("the control API answered {}", resp.status), str::to_owned);
        Err(RemoteError { status: Some(resp.status), message, body: json })
    }
}
