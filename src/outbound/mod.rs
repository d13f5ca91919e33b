//! Outbound requests (issue 5): build a request from the builder's fields with
//! merge tags, apply auth (OAuth 2.0 tokens fetched and cached), send it with
//! our own HTTP/1.1 client (exact bytes, timeout, redirects, TLS verification
//! on or off, proxy), and keep request, response, timing and any error in the
//! execution log.
//!
//! - [`spec`]: what the API and the CLI ask for.
//! - [`build`]: fields → [`wire::Prepared`].
//! - [`wire`], [`client`]: HTTP/1.1 on the wire, connections and the pool.
//! - [`oauth`]: token fetching and caching.
//! - [`replay`]: a capture as a request to another URL.
//! - [`log`]: the execution log in SQLite.

pub mod build;
pub mod bulk;
pub mod client;
pub mod forward;
pub mod library;
pub mod log;
pub mod oauth;
pub mod presets;
pub mod print;
pub mod replay;
pub mod spec;
pub mod wire;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::events::{Event, Events};
use crate::store::{Store, StoreError};
use build::{Built, OAuth};
use client::{Client, ClientOptions, Proxy};
use log::{Record, Redirect, SendKind, StoredSend};
use spec::{FieldDiagnostic, SendOptions};
use wire::{Prepared, Response, Target, WireHeader};

/// Responses are kept up to this size.
pub const MAX_RESPONSE_BODY: usize = 25 * 1024 * 1024;
/// Redirects followed at most.
pub const MAX_REDIRECTS: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    #[error("bad URL {0}")]
    BadUrl(String),
    #[error("{0}")]
    Invalid(String),
    #[error("the template has errors")]
    Template(Vec<FieldDiagnostic>),
    #[error("cannot connect to {0}")]
    Connect(String),
    #[error("TLS handshake failed {0}")]
    Tls(String),
    #[error("I/O error: {0}")]
    Io(String),
    #[error("the server closed the connection without answering")]
    Closed,
    #[error("the answer is not valid HTTP: {0}")]
    Protocol(String),
    #[error("OAuth 2.0 {0}")]
    OAuth(String),
    #[error("no answer within {0} ms (the timeout)")]
    Timeout(u64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One request to run.
#[derive(Debug, Clone)]
pub struct Job {
    pub built: Built,
    pub options: SendOptions,
    pub dry_run: bool,
    pub kind: SendKind,
    pub capture_id: Option<i64>,
    pub batch_id: Option<i64>,
}

/// The outbound engine: one per server, shared by the API, replays and forwards.
#[derive(Clone)]
pub struct Outbound {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    tokens: oauth::TokenCache,
    store: Store,
    events: Events,
    /// Bulk replays running now, by id.
    bulk: tokio::sync::Mutex<std::collections::HashMap<i64, bulk::Running>>,
    /// The engine's shutdown: bulk replays stop with it (and resume later).
    shutdown: tokio_util::sync::CancellationToken,
    /// Forwards that answer the sender with the target's response, by endpoint.
    answering: std::sync::RwLock<std::collections::HashMap<i64, forward::ForwardConfig>>,
}

impl Outbound {
    pub fn new(store: Store, events: Events, shutdown: tokio_util::sync::CancellationToken) -> Self {
        Outbound {
            inner: Arc::new(Inner {
                client: Client::default(),
                tokens: Default::default(),
                store,
                events,
                bulk: Default::default(),
                shutdown,
                answering: Default::default(),
            }),
        }
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Send (or only build, for a dry run) and log it. Fails only when the job
    /// itself is unusable (a bad proxy URL) or the log cannot be written; a
    /// send that fails is logged with its error.
    pub async fn run(&self, job: Job) -> Result<StoredSend, OutboundError> {
        let record = self.exchange(&job).await?;
        if job.dry_run {
            return Ok(record.to_stored(None, true));
        }
        let stored = record.to_stored(None, false);
        let id = self.log(record).await?;
        Ok(StoredSend { id: Some(id), ..stored })
    }

    /// Write a record to the execution log and announce it; its id.
    pub async fn log(&self, record: Record) -> Result<i64, OutboundError> {
        let summary_of = record.clone();
        let id = self.inner.store.write(move |c, _| log::insert(c, &record)).await?;
        self.inner.events.publish(Event::SendCreated(summary_of.summary(id)));
        Ok(id)
    }

    /// Run `job` without logging it.
    pub async fn exchange(&self, job: &Job) -> Result<Record, OutboundError> {
        let opts = ClientOptions {
            verify_tls: job.options.verify_tls,
            proxy: job
                .options
                .proxy
                .as_deref()
                .filter(|p| !p.trim().is_empty())
                .map(Proxy::parse)
                .transpose()?,
            max_body: MAX_RESPONSE_BODY,
        };
        let created_at = crate::util::now_ms();
        let mut diagnostics = job.built.diagnostics.clone();
        let mut sent = job.built.prepared.clone();
        if job.dry_run {
            if let Some(o) = &job.built.oauth
                && let Some(token) = self.inner.tokens.cached(o).await
            {
                set_bearer(&mut sent, &token);
            }
            return Ok(self.record(job, created_at, &sent, &opts, None, None, None, vec![], diagnostics));
        }
        let started = Instant::now();
        let timeout = Duration::from_millis(job.options.timeout_ms.max(1));
        let outcome =
            tokio::time::timeout(timeout, self.deliver(job, &opts, &mut sent, &mut diagnostics)).await;
        let duration = Some(started.elapsed().as_millis() as i64);
        let (response, error, redirects) = match outcome {
            Ok(Ok((resp, redirects))) => (Some(resp), None, redirects),
            Ok(Err((e, redirects))) => (None, Some(e.to_string()), redirects),
            Err(_) => (None, Some(OutboundError::Timeout(job.options.timeout_ms).to_string()), vec![]),
        };
        Ok(self.record(job, created_at, &sent, &opts, response, error, duration, redirects, diagnostics))
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        job: &Job,
        created_at: i64,
        sent: &Prepared,
        opts: &ClientOptions,
        response: Option<Response>,
        error: Option<String>,
        duration_ms: Option<i64>,
        redirects: Vec<Redirect>,
        diagnostics: Vec<FieldDiagnostic>,
    ) -> Record {
        let mut url_ranges = sent.url_secrets.clone();
        url_ranges.extend(wire::occurrences(sent.target.url.as_bytes(), &sent.secret_values));
        let url = String::from_utf8_lossy(&wire::mask(sent.target.url.as_bytes(), &url_ranges)).into_owned();
        Record {
            created_at,
            kind: job.kind,
            capture_id: job.capture_id,
            batch_id: job.batch_id,
            method: sent.method.clone(),
            url,
            head: self.inner.client.head(sent, opts),
            body: sent.body.clone(),
            response,
            error,
            duration_ms,
            redirects,
            diagnostics,
        }
    }

    /// The exchange proper: token, request, a new token and one retry on 401,
    /// redirects. `sent` ends as the request the log shows (the first one,
    /// or its retry with a new token).
    async fn deliver(
        &self,
        job: &Job,
        opts: &ClientOptions,
        sent: &mut Prepared,
        diagnostics: &mut Vec<FieldDiagnostic>,
    ) -> Result<(Response, Vec<Redirect>), (OutboundError, Vec<Redirect>)> {
        let client = &self.inner.client;
        let oauth: Option<&OAuth> = job.built.oauth.as_ref();
        if let Some(o) = oauth {
            let token = self.inner.tokens.token(client, o, opts, false).await.map_err(|e| (e, vec![]))?;
            set_bearer(sent, &token);
        }
        let mut current = sent.clone();
        let mut redirects = Vec::new();
        // What must not show in a redirect's URL either: the API key, secret variables.
        let hidden: Vec<String> = sent
            .url_secrets
            .iter()
            .filter_map(|&(s, e)| sent.target.url.get(s..e).map(str::to_owned))
            .chain(sent.secret_values.iter().cloned())
            .collect();
        let mut retried = false;
        loop {
            let head = client.head(&current, opts);
            let resp = client.exchange(&current, &head, opts).await.map_err(|e| (e, redirects.clone()))?;
            if resp.status == 401
                && !retried
                && redirects.is_empty()
                && let Some(o) = oauth
            {
                retried = true;
                let token = self.inner.tokens.token(client, o, opts, true).await.map_err(|e| (e, vec![]))?;
                set_bearer(sent, &token);
                current = sent.clone();
                diagnostics.push(note(
                    "auth",
                    "the target answered 401: a new token was fetched and the request sent again",
                ));
                continue;
            }
            let location = resp.header_str("location").filter(|l| !l.is_empty());
            let is_redirect = matches!(resp.status, 301 | 302 | 303 | 307 | 308);
            if !(job.options.follow_redirects && is_redirect) || location.is_none() {
                return Ok((resp, redirects));
            }
            if redirects.len() == MAX_REDIRECTS {
                diagnostics.push(note("options", &format!("stopped after {MAX_REDIRECTS} redirects")));
                return Ok((resp, redirects));
            }
            let next = follow(&current, resp.status, location.unwrap_or_default())
                .map_err(|e| (e, redirects.clone()))?;
            redirects
                .push(Redirect { status: resp.status, url: wire::mask_values(&next.target.url, &hidden) });
            current = next;
        }
    }
}

fn note(field: &str, message: &str) -> FieldDiagnostic {
    FieldDiagnostic {
        field: field.to_owned(),
        diagnostic: crate::template::Diagnostic::warning(message.to_owned(), 0, 0, None),
    }
}

/// Write `Authorization: Bearer <token>` in place of the OAuth placeholder.
fn set_bearer(p: &mut Prepared, token: &str) {
    let value = format!("Bearer {token}").into_bytes();
    match p.headers.iter_mut().find(|h| h.name.eq_ignore_ascii_case("authorization")) {
        Some(h) => h.value = value,
        None => p.headers.push(WireHeader::secret("Authorization", value)),
    }
}

/// The request a redirect asks for: 303 (and 301/302 after a POST) becomes a
/// GET without body; credentials go only to the same origin.
fn follow(p: &Prepared, status: u16, location: &str) -> Result<Prepared, OutboundError> {
    let base = url::Url::parse(&p.target.url).map_err(|e| OutboundError::BadUrl(e.to_string()))?;
    let next = base
        .join(location)
        .map_err(|e| OutboundError::Protocol(format!("the redirect to {location:?} is not a URL: {e}")))?;
    let target = Target::parse(next.as_str())?;
    let m = p.method.to_ascii_uppercase();
    let to_get = (status == 303 && m != "HEAD") || (matches!(status, 301 | 302) && m == "POST");
    let same_origin = target.same_origin(&p.target);
    let mut headers: Vec<WireHeader> = p
        .headers
        .iter()
        .filter(|h| {
            let n = h.name.to_ascii_lowercase();
            !(n == "host" || n == "content-length" || (to_get && n.starts_with("content-")))
                && (same_origin || !(h.secret || build::is_secret_header(&n)))
        })
        .cloned()
        .collect();
    headers.insert(0, WireHeader::new("Host", target.authority.as_bytes()));
    let (method, body) =
        if to_get { ("GET".to_owned(), Bytes::new()) } else { (p.method.clone(), p.body.clone()) };
    if !body.is_empty() || matches!(method.to_ascii_uppercase().as_str(), "POST" | "PUT" | "PATCH") {
        headers.push(WireHeader::new("Content-Length", body.len().to_string()));
    }
    Ok(Prepared {
        method,
        target,
        headers,
        body,
        url_secrets: Vec::new(),
        secret_values: p.secret_values.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(url: &str) -> Prepared {
        let target = Target::parse(url).unwrap();
        build::finish(
            "POST".into(),
            target,
            vec![WireHeader::secret("Authorization", "Bearer t"), WireHeader::new("X-A", "1")],
            Bytes::from_static(b"{}"),
            Some("application/json".into()),
            &mut |_, _| {},
        )
    }

    fn names(p: &Prepared) -> Vec<String> {
        p.headers.iter().map(|h| format!("{}: {}", h.name, String::from_utf8_lossy(&h.value))).collect()
    }

    #[test]
    fn a_303_becomes_a_get_and_credentials_stay_home() {
        let next = follow(&post("http://a.test/x"), 303, "http://b.test/y?z=1").unwrap();
        assert_eq!(
            (next.method.as_str(), next.body.len(), next.target.url.as_str()),
            ("GET", 0, "http://b.test/y?z=1")
        );
        assert_eq!(
            names(&next),
            vec!["Host: b.test", "X-A: 1", format!("User-Agent: {}", build::USER_AGENT).as_str()]
        );
    }

    #[test]
    fn a_307_keeps_method_body_and_same_origin_credentials() {
        let next = follow(&post("http://a.test/x"), 307, "/moved").unwrap();
        assert_eq!(
            (next.method.as_str(), &next.body[..], next.target.url.as_str()),
            ("POST", &b"{}"[..], "http://a.test/moved")
        );
        let n = names(&next);
        assert!(
            n.contains(&"Authorization: Bearer t".to_owned()) && n.contains(&"Content-Length: 2".to_owned()),
            "{n:?}"
        );
    }
}
