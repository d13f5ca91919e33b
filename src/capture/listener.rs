//! The capture listener as something that can change while the engine runs:
//! moved to another address (the old socket closes only once the new one is
//! bound), paused (senders get 503 with `Retry-After`, nothing is stored), and
//! given another body limit. Both shells and the control API drive it; every
//! change is published as a `listener.changed` event.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use utoipa::ToSchema;

use crate::events::{Event, Events};
use crate::store::Store;

/// What the request handler reads on every request.
pub struct Limits {
    pub max_body: AtomicUsize,
    pub paused: AtomicBool,
    pub header_timeout: Duration,
    /// Answers captures of some endpoints itself (forward-to that answers with
    /// the target's response); set once the engine has one.
    pub responder: std::sync::OnceLock<std::sync::Arc<dyn super::Responder>>,
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limits")
            .field("max_body", &self.max_body)
            .field("paused", &self.paused)
            .field("header_timeout", &self.header_timeout)
            .field("responder", &self.responder.get().is_some())
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum ListenerState {
    /// Bound and capturing.
    Listening,
    /// Bound; senders get 503 and nothing is stored.
    Paused,
    /// Not bound: see `error`.
    Failed,
}

/// The capture listener as the UI shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct ListenerStatus {
    pub state: ListenerState,
    /// The address asked for (`host:port`); when bound, the real one (port 0 resolved).
    pub addr: String,
    /// The capture base URL while bound.
    pub url: Option<String>,
    /// Why the listener is not bound, for people.
    pub error: Option<String>,
    /// A free address to offer instead, when `addr` is taken.
    pub suggested_addr: Option<String>,
    /// Largest body accepted, in bytes.
    #[ts(type = "number")]
    pub max_body: u64,
    /// Capture is paused (also while `failed`: it stays paused once bound).
    pub paused: bool,
}

/// A change asked for through the API or a shell. Absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, ts_rs::TS)]
pub struct ListenerChange {
    /// Move the listener to `host:port`.
    #[ts(optional)]
    pub addr: Option<String>,
    #[ts(optional)]
    pub paused: Option<bool>,
    #[ts(optional, type = "number")]
    pub max_body: Option<u64>,
}

/// Why a change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenerError {
    /// Not an address, or a limit out of range.
    Invalid(String),
    /// The address could not be bound (in use, not ours, needs privileges).
    Bind { message: String, suggested_addr: Option<String> },
}

impl std::fmt::Display for ListenerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ListenerError::Invalid(m) | ListenerError::Bind { message: m, suggested_addr: None } => {
                f.write_str(m)
            }
            ListenerError::Bind { message, suggested_addr: Some(s) } => write!(f, "{message} ({s} is free)"),
        }
    }
}

/// Smallest and largest body limit a user can set.
pub const MIN_MAX_BODY: u64 = 1024;
pub const MAX_MAX_BODY: u64 = 1024 * 1024 * 1024;

struct Current {
    /// Asked for, or bound (then with the real port).
    addr: SocketAddr,
    bound: bool,
    error: Option<String>,
    suggested: Option<SocketAddr>,
    /// Stops the serving task of the bound socket, which answers once the
    /// socket is closed.
    stop: Option<(CancellationToken, tokio::sync::oneshot::Receiver<()>)>,
}

struct Inner {
    store: Store,
    events: Events,
    limits: Arc<Limits>,
    grace: Duration,
    /// The engine's shutdown: every serving task stops with it.
    shutdown: CancellationToken,
    current: tokio::sync::Mutex<Current>,
    /// Serving tasks, current and draining, awaited at shutdown.
    tasks: std::sync::Mutex<Vec<JoinHandle<()>>>,
}

/// A handle on the capture listener; cheap to clone.
#[derive(Clone)]
pub struct Listener {
    inner: Arc<Inner>,
}

/// The text a person reads when `addr` cannot be bound.
pub fn bind_error_message(addr: SocketAddr, e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::AddrInUse => format!("{addr} is already in use by another program"),
        std::io::ErrorKind::AddrNotAvailable => format!("this machine has no address {}", addr.ip()),
        std::io::ErrorKind::PermissionDenied => {
            format!("port {} needs administrator rights; use a port above 1023", addr.port())
        }
        _ => format!("{addr} cannot be used: {e}"),
    }
}

/// A nearby port on the same host that can be bound right now, to offer instead.
pub fn suggest_free(addr: SocketAddr) -> Option<SocketAddr> {
    let start = addr.port().max(1024);
    (1..=50u16)
        .filter_map(|i| start.checked_add(i))
        .map(|p| SocketAddr::new(addr.ip(), p))
        .find(|a| std::net::TcpListener::bind(a).is_ok())
}

pub fn parse_addr(s: &str) -> Result<SocketAddr, ListenerError> {
    let s = s.trim();
    s.parse::<SocketAddr>().map_err(|_| {
        ListenerError::Invalid(format!(
            "“{s}” is not an address: write host:port with an IP address, e.g. 127.0.0.1:8787"
        ))
    })
}

pub fn check_max_body(n: u64) -> Result<usize, ListenerError> {
    if !(MIN_MAX_BODY..=MAX_MAX_BODY).contains(&n) {
        return Err(ListenerError::Invalid(format!(
            "the body limit must be between 1 KiB and 1 GiB, not {n} bytes"
        )));
    }
    usize::try_from(n).map_err(|_| ListenerError::Invalid("the body limit is too large".into()))
}

impl Listener {
    /// A listener that is not bound yet; [`Listener::bind_initial`] binds it.
    pub fn new(
        store: Store,
        events: Events,
        limits: Limits,
        addr: SocketAddr,
        grace: Duration,
        shutdown: CancellationToken,
    ) -> Listener {
        let current = Current { addr, bound: false, error: None, suggested: None, stop: None };
        Listener {
            inner: Arc::new(Inner {
                store,
                events,
                limits: Arc::new(limits),
                grace,
                shutdown,
                current: tokio::sync::Mutex::new(current),
                tasks: std::sync::Mutex::new(Vec::new()),
            }),
        }
    }

    /// Bind the address given at start. On failure the listener stays unbound
    /// with the reason (and a free address to offer) in its status.
    pub async fn bind_initial(&self) -> Result<SocketAddr, ListenerError> {
        let mut cur = self.inner.current.lock().await;
        let addr = cur.addr;
        match TcpListener::bind(addr).await {
            Ok(l) => {
                let bound = self.start_serving(&mut cur, l)?;
                Ok(bound)
            }
            Err(e) => {
                let message = bind_error_message(addr, &e);
                let suggested = suggest_free(addr);
                cur.error = Some(message.clone());
                cur.suggested = suggested;
                self.inner.store.set_capture_base(&crate::server::url_for(addr));
                tracing::warn!(%addr, error = %message, "the capture listener is not listening");
                Err(ListenerError::Bind { message, suggested_addr: suggested.map(|a| a.to_string()) })
            }
        }
    }

    fn start_serving(&self, cur: &mut Current, l: TcpListener) -> Result<SocketAddr, ListenerError> {
        let bound = l.local_addr().map_err(|e| ListenerError::Bind {
            message: format!("the new socket has no address: {e}"),
            suggested_addr: None,
        })?;
        let stop = self.inner.shutdown.child_token();
        let (closed_tx, closed) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(super::serve(
            l,
            closed_tx,
            self.inner.store.clone(),
            self.inner.limits.clone(),
            stop.clone(),
            self.inner.grace,
        ));
        self.track(task);
        self.inner.store.set_capture_base(&crate::server::url_for(bound));
        *cur = Current { addr: bound, bound: true, error: None, suggested: None, stop: Some((stop, closed)) };
        tracing::info!(capture = %crate::server::url_for(bound), "capture listener bound");
        if !bound.ip().is_loopback() {
            tracing::warn!(%bound, "the capture listener is reachable from other machines");
        }
        Ok(bound)
    }

    fn track(&self, task: JoinHandle<()>) {
        let mut tasks = self.inner.tasks.lock().unwrap_or_else(|p| p.into_inner());
        tasks.retain(|t| !t.is_finished());
        tasks.push(task);
    }

    fn status_of(&self, cur: &Current) -> ListenerStatus {
        let state = if !cur.bound {
            ListenerState::Failed
        } else if self.inner.limits.paused.load(Ordering::Relaxed) {
            ListenerState::Paused
        } else {
            ListenerState::Listening
        };
        ListenerStatus {
            state,
            addr: cur.addr.to_string(),
            url: cur.bound.then(|| crate::server::url_for(cur.addr)),
            error: cur.error.clone(),
            suggested_addr: cur.suggested.map(|a| a.to_string()),
            max_body: self.inner.limits.max_body.load(Ordering::Relaxed) as u64,
            paused: self.inner.limits.paused.load(Ordering::Relaxed),
        }
    }

    pub async fn status(&self) -> ListenerStatus {
        let cur = self.inner.current.lock().await;
        self.status_of(&cur)
    }

    /// Apply a change: validate all of it first, then move, then set the rest.
    /// A refused move leaves the listener where it was. The change runs to its
    /// end even if the caller goes away (a dropped request must not leave the
    /// listener half-moved), and every change that took effect is published.
    pub async fn apply(&self, change: &ListenerChange) -> Result<ListenerStatus, ListenerError> {
        let this = self.clone();
        let change = change.clone();
        tokio::spawn(async move { this.apply_now(&change).await })
            .await
            .unwrap_or_else(|e| Err(ListenerError::Invalid(format!("the listener change failed: {e}"))))
    }

    /// Pause if capturing, resume if paused, in one step.
    pub async fn toggle_pause(&self) -> ListenerStatus {
        let cur = self.inner.current.lock().await;
        let paused = !self.inner.limits.paused.load(Ordering::Relaxed);
        self.set_paused(paused);
        self.publish(&cur)
    }

    fn set_paused(&self, paused: bool) {
        self.inner.limits.paused.store(paused, Ordering::Relaxed);
        tracing::info!(paused, "capture {}", if paused { "paused" } else { "resumed" });
    }

    /// Publish the state while still holding the lock, so events follow changes in order.
    fn publish(&self, cur: &Current) -> ListenerStatus {
        let status = self.status_of(cur);
        self.inner.events.publish(Event::ListenerChanged(status.clone()));
        status
    }

    async fn apply_now(&self, change: &ListenerChange) -> Result<ListenerStatus, ListenerError> {
        let addr = change.addr.as_deref().map(parse_addr).transpose()?;
        let max_body = change.max_body.map(check_max_body).transpose()?;
        let mut cur = self.inner.current.lock().await;
        if let Some(addr) = addr {
            let before = self.status_of(&cur);
            if let Err(e) = self.move_to(&mut cur, addr).await {
                // A failed move may still have changed something (the old address lost).
                if self.status_of(&cur) != before {
                    self.publish(&cur);
                }
                return Err(e);
            }
        }
        if let Some(n) = max_body {
            self.inner.limits.max_body.store(n, Ordering::Relaxed);
        }
        if let Some(p) = change.paused {
            self.set_paused(p);
        }
        Ok(self.publish(&cur))
    }

    async fn move_to(&self, cur: &mut Current, addr: SocketAddr) -> Result<(), ListenerError> {
        // Port 0 always means "a new free port"; otherwise the same address is no move.
        if cur.bound && addr == cur.addr && addr.port() != 0 {
            return Ok(());
        }
        // Bind the new socket first, so a refused move changes nothing. Only
        // when our own socket is in the way (same port, and one side the
        // wildcard address) must the old go first.
        let ours_in_the_way = cur.bound
            && addr.port() == cur.addr.port()
            && addr.port() != 0
            && (addr.ip().is_unspecified() || cur.addr.ip().is_unspecified());
        let new = match TcpListener::bind(addr).await {
            Ok(l) => l,
            Err(e) if ours_in_the_way && e.kind() == std::io::ErrorKind::AddrInUse => {
                let old = cur.addr;
                self.stop_current(cur).await;
                match bind_retrying(addr).await {
                    Ok(l) => l,
                    Err(e) => {
                        let message = bind_error_message(addr, &e);
                        // Take the old address back.
                        if let Ok(l) = bind_retrying(old).await {
                            self.start_serving(cur, l)?;
                        } else {
                            cur.addr = old;
                            cur.error = Some(format!("{message}; and {old} could not be taken back"));
                        }
                        return Err(ListenerError::Bind { message, suggested_addr: None });
                    }
                }
            }
            Err(e) => {
                return Err(ListenerError::Bind {
                    message: bind_error_message(addr, &e),
                    suggested_addr: suggest_free(addr).map(|a| a.to_string()),
                });
            }
        };
        self.stop_current(cur).await;
        self.start_serving(cur, new)?;
        Ok(())
    }

    /// Stop accepting on the bound socket and wait until it is closed (so a
    /// move is complete when it is answered: the old port refuses); its open
    /// connections finish on their own (bounded).
    async fn stop_current(&self, cur: &mut Current) {
        if let Some((stop, closed)) = cur.stop.take() {
            stop.cancel();
            if tokio::time::timeout(Duration::from_secs(5), closed).await.is_err() {
                tracing::warn!(addr = %cur.addr, "the old capture socket was slow to close");
            }
        }
        cur.bound = false;
    }

    /// Wait for every serving task (after the engine's shutdown was signalled).
    pub async fn join(&self, limit: Duration) {
        let tasks = std::mem::take(&mut *self.inner.tasks.lock().unwrap_or_else(|p| p.into_inner()));
        for mut t in tasks {
            if tokio::time::timeout(limit, &mut t).await.is_err() {
                t.abort();
            }
        }
    }
}

/// Binding an address a just-closed socket of ours held can race its close.
async fn bind_retrying(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let mut last = None;
    for _ in 0..20 {
        match TcpListener::bind(addr).await {
            Ok(l) => return Ok(l),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                last = Some(e);
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("bind failed")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_limits_are_checked() {
        assert!(parse_addr("127.0.0.1:9000").is_ok());
        assert!(parse_addr(" [::1]:9000 ").is_ok());
        let e = parse_addr("localhost:9000").unwrap_err().to_string();
        assert!(e.contains("localhost:9000") && e.contains("host:port"), "{e}");
        assert!(check_max_body(1024).is_ok());
        assert!(check_max_body(10).is_err());
        assert!(check_max_body(2 * 1024 * 1024 * 1024).is_err());
    }

    #[test]
    fn a_taken_port_is_named_and_another_offered() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap();
        let err = std::net::TcpListener::bind(addr).unwrap_err();
        let msg = bind_error_message(addr, &err);
        assert_eq!(msg, format!("{addr} is already in use by another program"));
        let other = suggest_free(addr).expect("a free port nearby");
        assert_ne!(other, addr);
        assert!(std::net::TcpListener::bind(other).is_ok());
    }
}
