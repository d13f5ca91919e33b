//! The capture listener: every request to `/h/{slug}/…` (and, for the Default
//! endpoint, to any other path) is read with a bound, committed to the store,
//! and only then answered.

pub mod listener;
pub mod tap;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::model::{Header, HeaderSource, SentResponse};
use crate::store::{EXTERNAL_THRESHOLD, NewCapture, Store, StoreError};
use crate::util::now_ms;

pub const CAPTURE_ID_HEADER: &str = "x-hookbench-capture-id";

pub use listener::{Limits, Listener, ListenerChange, ListenerError, ListenerState, ListenerStatus};

struct Ctx {
    store: Store,
    limits: Arc<Limits>,
}

/// A request as received, for a [`Responder`].
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub query: Option<String>,
    pub headers: Vec<Header>,
    pub body: Bytes,
}

/// What runs once the capture answered by a [`Responder`] is stored (with its id).
pub type AfterStore = Box<dyn FnOnce(i64) + Send>;

/// Answers the captures of some endpoints instead of the listener's own 200:
/// forward-to with "answer with the target's response". The capture is still
/// stored, with this answer, before the sender gets it.
pub trait Responder: Send + Sync {
    /// Whether this endpoint's captures are answered here. Called for every capture: cheap.
    fn answers(&self, endpoint_id: i64) -> bool;
    /// The answer to send and store, and what to do once the capture has its id.
    fn respond(
        &self,
        endpoint_id: i64,
        request: Received,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = (SentResponse, AfterStore)> + Send>>;
}

/// Accept connections on `listener` until `shutdown` fires, then close it
/// (and say so on `closed`) and let open connections finish (bounded by `grace`).
pub async fn serve(
    listener: TcpListener,
    closed: tokio::sync::oneshot::Sender<()>,
    store: Store,
    limits: Arc<Limits>,
    shutdown: CancellationToken,
    grace: Duration,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).keep_alive(true);
    builder.http2().timer(TokioTimer::new());
    let ctx = Arc::new(Ctx { store, limits });
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        let (stream, remote) = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off, keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let tap_handle = tap::new_handle();
        let io = TokioIo::new(tap::Tap::new(stream, tap_handle.clone()));
        let ctx = ctx.clone();
        let svc = hyper::service::service_fn(move |req| {
            let ctx = ctx.clone();
            let tap_handle = tap_handle.clone();
            async move { Ok::<_, Infallible>(handle(&ctx, remote, &tap_handle, req).await) }
        });
        let conn = graceful.watch(builder.serve_connection(io, svc).into_owned());
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, %remote, "capture connection ended with an error");
            }
        });
    }
    drop(listener);
    let _ = closed.send(());
    if tokio::time::timeout(grace, graceful.shutdown()).await.is_err() {
        tracing::warn!("some capture connections were still open at shutdown");
    }
}

/// A JSON answer, as it will be stored with the capture.
fn sent_json(status: StatusCode, body: String, extra: &[(&str, String)]) -> SentResponse {
    let mut headers = Vec::with_capacity(2 + extra.len());
    headers.push(Header::new("content-type", "application/json"));
    headers.push(Header::new("content-length", body.len().to_string()));
    headers.extend(extra.iter().map(|(n, v)| Header::new(*n, v.clone())));
    SentResponse { status: status.as_u16(), headers, body }
}

/// The HTTP response for a stored answer.
fn to_http(sent: SentResponse) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(sent.body)));
    *resp.status_mut() = StatusCode::from_u16(sent.status).unwrap_or(StatusCode::OK);
    for h in &sent.headers {
        if let (Ok(name), Ok(value)) =
            (header::HeaderName::from_bytes(h.name.as_bytes()), HeaderValue::from_str(&h.value))
        {
            resp.headers_mut().append(name, value);
        }
    }
    resp
}

fn json_response(status: StatusCode, body: String, extra: &[(&str, String)]) -> Response<Full<Bytes>> {
    to_http(sent_json(status, body, extra))
}

/// What the listener answers for capture `id`. Cheap: it runs on the writer.
fn capture_answer(id: i64, too_large: bool, max: usize) -> SentResponse {
    if too_large {
        sent_json(
            StatusCode::PAYLOAD_TOO_LARGE,
            error_body(
                "payload_too_large",
                &format!(
                    "the body is larger than this listener's limit of {} (the body limit in the settings, or --max-body)",
                    human_size(max)
                ),
            ),
            &[(CAPTURE_ID_HEADER, id.to_string()), ("connection", "close".into())],
        )
    } else {
        sent_json(
            StatusCode::OK,
            format!("{{\"capture_id\":{id},\"ok\":true}}"),
            &[(CAPTURE_ID_HEADER, id.to_string())],
        )
    }
}

fn error_body(code: &str, message: &str) -> String {
    serde_json::json!({ "error": { "code": code, "message": message } }).to_string()
}

fn human_size(n: usize) -> String {
    if n >= 1024 * 1024 && n.is_multiple_of(1024 * 1024) {
        format!("{} MiB", n / (1024 * 1024))
    } else if n >= 1024 && n.is_multiple_of(1024) {
        format!("{} KiB", n / 1024)
    } else {
        format!("{n} bytes")
    }
}

/// Which endpoint a path belongs to; `None` for an unknown slug under `/h/`.
fn route(store: &Store, path: &str) -> Option<i64> {
    match path.strip_prefix("/h/").or_else(|| (path == "/h").then_some("")) {
        Some(rest) => store.endpoint_for_slug(rest.split('/').next().unwrap_or("")),
        None => Some(store.default_endpoint_id()),
    }
}

async fn handle(
    ctx: &Ctx,
    remote: SocketAddr,
    tap_handle: &tap::TapHandle,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let received_at = now_ms();
    let (parts, body) = req.into_parts();
    // Headers exactly as sent when the wire tap has them, else as parsed. The
    // head is taken for every request, answered or not, to keep the tap in step.
    let target = parts.uri.to_string();
    let (headers_json, header_source) =
        match tap::take_head(tap_handle, parts.method.as_str().as_bytes(), target.as_bytes()) {
            Some(raw) => (crate::model::headers_json(raw.headers()), HeaderSource::Wire),
            None => (
                crate::model::headers_json(
                    parts.headers.iter().map(|(n, v)| (n.as_str().as_bytes(), v.as_bytes())),
                ),
                HeaderSource::Parsed,
            ),
        };
    if ctx.limits.paused.load(Ordering::Relaxed) {
        // The body is not read: close, so the sender is not left writing it.
        return json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            error_body("capture_paused", "capture is paused in Hookbench; try again later"),
            &[("retry-after", "30".into()), ("connection", "close".into())],
        );
    }
    let endpoint_id = match route(&ctx.store, parts.uri.path()) {
        Some(id) => id,
        None => {
            return json_response(
                StatusCode::NOT_FOUND,
                error_body(
                    "unknown_endpoint",
                    "no endpoint has this URL (it may have been rotated or deleted)",
                ),
                &[],
            );
        }
    };

    let declared_length: Option<i64> = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let content_type =
        parts.headers.get(header::CONTENT_TYPE).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());

    // Read the body, never more than the limit.
    let max = ctx.limits.max_body.load(Ordering::Relaxed);
    let mut rejected: Option<String> = None;
    let mut buf: Vec<u8> = Vec::new();
    if declared_length.is_some_and(|n| n as u128 > max as u128) {
        rejected = Some("too_large".into());
    } else {
        // Trust a declared length only so far: a sender may declare and not send.
        buf.reserve(declared_length.map_or(0, |n| (n as usize).min(1024 * 1024)));
        let mut body = body;
        loop {
            match body.frame().await {
                None => break,
                Some(Ok(frame)) => {
                    if let Some(data) = frame.data_ref() {
                        if buf.len() + data.len() > max {
                            rejected = Some("too_large".into());
                            buf = Vec::new();
                            break;
                        }
                        buf.extend_from_slice(data);
                    }
                }
                Some(Err(e)) => {
                    rejected = Some(format!("body_error: {e}"));
                    break;
                }
            }
        }
    }
    let body = Bytes::from(buf);
    let too_large = rejected.as_deref() == Some("too_large");
    let cap = NewCapture {
        endpoint_id,
        received_at,
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        http_version: format!("{:?}", parts.version),
        remote_addr: remote.to_string(),
        headers_json,
        header_source,
        content_type,
        body: Bytes::new(),
        body_external: false,
        body_size: body.len() as i64,
        body_sha256: String::new(),
        declared_length,
        rejected,
    };
    let store = ctx.store.clone();
    let stored = match ctx.limits.responder.get() {
        // Forward-to that answers with the target's response: ask the target
        // first. In a task of its own, so a sender that hangs up meanwhile
        // does not take the capture with it.
        Some(r) if cap.rejected.is_none() && r.answers(endpoint_id) => {
            let responder = r.clone();
            let task = tokio::spawn(async move {
                let headers: Vec<Header> = serde_json::from_str(&cap.headers_json).unwrap_or_default();
                let request = Received {
                    method: cap.method.clone(),
                    query: cap.query.clone(),
                    headers,
                    body: body.clone(),
                };
                let (mut sent, after) = responder.respond(endpoint_id, request).await;
                let answer: crate::store::Answer = Box::new(move |id| {
                    sent.headers.push(Header::new(CAPTURE_ID_HEADER, id.to_string()));
                    sent
                });
                let stored = store_capture(&store, cap, body, answer).await;
                if let Ok((id, _)) = &stored {
                    after(*id);
                }
                stored
            });
            task.await.unwrap_or_else(|e| Err(StoreError::Corrupt(format!("the capture task failed: {e}"))))
        }
        _ => {
            let answer: crate::store::Answer = Box::new(move |id| capture_answer(id, too_large, max));
            store_capture(&store, cap, body, answer).await
        }
    };
    match stored {
        Ok((id, sent)) => {
            tracing::debug!(id, endpoint = endpoint_id, status = sent.status, "captured");
            to_http(sent)
        }
        Err(e) => store_failed(&e),
    }
}

/// Place the body (a blob file when large) and store the capture with its answer.
async fn store_capture(
    store: &Store,
    mut cap: NewCapture,
    body: Bytes,
    answer: crate::store::Answer,
) -> Result<(i64, SentResponse), StoreError> {
    let (body, sha, external) = place_body(store, body).await?;
    cap.body = body;
    cap.body_sha256 = sha;
    cap.body_external = external;
    store.capture(cap, answer).await
}

/// A body ready to store: large ones go to a blob file first (hashing on a
/// blocking thread too). The bytes to keep in the row, the SHA-256, and
/// whether the bytes are in a blob file.
async fn place_body(store: &Store, body: Bytes) -> Result<(Bytes, String, bool), StoreError> {
    if body.len() > EXTERNAL_THRESHOLD {
        let store = store.clone();
        let put = tokio::task::spawn_blocking(move || {
            let sha = hex::encode(Sha256::digest(&body));
            store.blobs().put(&sha, &body).map(|()| sha)
        })
        .await;
        match put {
            Ok(Ok(sha)) => Ok((Bytes::new(), sha, true)),
            Ok(Err(e)) => Err(e),
            Err(e) => Err(StoreError::Corrupt(format!("blob writer panicked: {e}"))),
        }
    } else {
        let sha = hex::encode(Sha256::digest(&body));
        Ok((body, sha, false))
    }
}

/// Store a request that did not come through the listener (a HAR import) as a
/// capture of `endpoint_id`, with `remote` as its remote address.
pub async fn store_imported(
    store: &Store,
    endpoint_id: i64,
    r: crate::interop::export::HarRequest,
    remote: &str,
) -> Result<i64, StoreError> {
    let content_type =
        r.headers.iter().find(|h| h.name.eq_ignore_ascii_case("content-type")).map(|h| h.value.clone());
    let headers_json = serde_json::to_string(&r.headers).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let body_size = r.body.len() as i64;
    let cap = NewCapture {
        endpoint_id,
        received_at: r.received_at.unwrap_or_else(now_ms),
        method: r.method,
        path: r.path,
        query: r.query,
        http_version: r.http_version,
        remote_addr: remote.to_owned(),
        headers_json,
        header_source: HeaderSource::Parsed,
        content_type,
        body: Bytes::new(),
        body_external: false,
        body_size,
        body_sha256: String::new(),
        declared_length: None,
        rejected: None,
    };
    let sent = match r.response {
        Some((status, headers, body)) => SentResponse { status, headers, body },
        None => SentResponse { status: 0, headers: Vec::new(), body: String::new() },
    };
    let answer = Box::new(move |_id| sent);
    store_capture(store, cap, Bytes::from(r.body), answer).await.map(|(id, _)| id)
}

/// The answer when a capture could not be stored: 507 when the disk is full.
fn store_failed(e: &StoreError) -> Response<Full<Bytes>> {
    let (status, code, message) = if e.is_disk_full() {
        (
            StatusCode::INSUFFICIENT_STORAGE,
            "disk_full",
            "the capture could not be stored: the disk is full".into(),
        )
    } else {
        (StatusCode::INTERNAL_SERVER_ERROR, "store_failed", format!("the capture could not be stored: {e}"))
    };
    tracing::error!(error = %e, "capture not stored");
    json_response(status, error_body(code, &message), &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_size(25 * 1024 * 1024), "25 MiB");
        assert_eq!(human_size(2048), "2 KiB");
        assert_eq!(human_size(1000), "1000 bytes");
    }
}
