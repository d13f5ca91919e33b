//! Starting and stopping the engine: the data directory, the store, both
//! listeners and the ready file. Shells (CLI, desktop) call [`Server::start`].

use std::fs::File;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::api::{ApiState, router};
use crate::capture::{Limits, Listener};
use crate::config::{EngineOptions, default_data_dir};
use crate::events::{Event, Events};
use crate::store::journal::Record;
use crate::store::{OnIngested, Store};
use crate::util::new_token;

/// What `--ready-file` holds.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct ReadyInfo {
    pub capture_url: String,
    pub api_url: String,
    pub token: String,
}

/// A running engine.
pub struct Server {
    pub store: Store,
    pub events: Events,
    pub info: ReadyInfo,
    pub data_dir: PathBuf,
    /// The capture listener: move, pause, limit it while running.
    pub listener: Listener,
    pub api_addr: SocketAddr,
    shutdown: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
    _lock: File,
}

/// In the data directory while an engine runs there: its [`ReadyInfo`] (owner-only).
pub const RUNNING_FILE: &str = "running.json";

/// How long open connections get to finish at shutdown.
const GRACE: Duration = Duration::from_secs(5);

pub(crate) fn url_for(addr: SocketAddr) -> String {
    let host = match addr.ip() {
        ip if ip.is_unspecified() => "127.0.0.1".to_owned(),
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        ip => ip.to_string(),
    };
    format!("http://{host}:{}", addr.port())
}

#[cfg(unix)]
fn make_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    if !dir.exists() {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    }
    let meta = std::fs::metadata(dir)?;
    if meta.permissions().mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn make_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(&tmp)?;
    f.write_all(contents)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// The token from `--token`, else the one kept in the data directory, else a new one (kept).
fn load_token(data_dir: &Path, given: Option<String>) -> anyhow::Result<String> {
    if let Some(t) = given.filter(|t| !t.is_empty()) {
        return Ok(t);
    }
    let path = data_dir.join("token");
    match std::fs::read_to_string(&path) {
        Ok(t) if !t.trim().is_empty() => Ok(t.trim().to_owned()),
        _ => {
            let t = new_token();
            write_private(&path, t.as_bytes()).with_context(|| format!("writing {}", path.display()))?;
            Ok(t)
        }
    }
}

impl Server {
    /// Open the store and start both listeners. Returns once both listen.
    pub async fn start(opts: EngineOptions) -> anyhow::Result<Server> {
        if !opts.api_addr.ip().is_loopback() {
            bail!("the control listener must be on a loopback address, not {}", opts.api_addr);
        }
        let data_dir = opts.data_dir.clone().unwrap_or_else(default_data_dir);
        make_private_dir(&data_dir).with_context(|| format!("creating {}", data_dir.display()))?;

        let lock_path = data_dir.join("hookbench.lock");
        let lock = File::create(&lock_path).with_context(|| format!("creating {}", lock_path.display()))?;
        if lock.try_lock().is_err() {
            bail!("another Hookbench is already using {} (stop it, or pass --data-dir)", data_dir.display());
        }

        let db_path = data_dir.join("hookbench.db");
        let durability = opts.durability;
        let events = Events::default();
        let publisher = events.clone();
        let on_ingested: OnIngested = Arc::new(move |r: &Record, inserted| {
            if publisher.has_subscribers() {
                publisher.publish(Event::CaptureCreated(r.capture.summary(r.id, r.sent.status, inserted)));
            }
        });
        let store = tokio::task::spawn_blocking(move || Store::open(&db_path, durability, on_ingested))
            .await?
            .context("opening the database")?;
        let token = load_token(&data_dir, opts.token.clone())?;

        let shutdown = CancellationToken::new();
        // Whatever started is stopped again if the start fails part-way.
        let stop_on_error = shutdown.clone().drop_guard();
        // Bulk replays an earlier run left unfinished can be resumed.
        store
            .write(|c, _| crate::outbound::bulk::interrupted(c))
            .await
            .context("marking interrupted bulk replays")?;
        let outbound = crate::outbound::Outbound::new(store.clone(), events.clone(), shutdown.clone());
        outbound.reload_answering().await.context("reading the forwards")?;
        let limits = Limits {
            max_body: opts.max_body.into(),
            paused: false.into(),
            header_timeout: opts.header_timeout,
            responder: Default::default(),
        };
        let _ = limits.responder.set(Arc::new(outbound.clone()));
        let listener =
            Listener::new(store.clone(), events.clone(), limits, opts.capture_addr, GRACE, shutdown.clone());
        if let Err(e) = listener.bind_initial().await
            && !opts.keep_going_without_capture
        {
            bail!("the capture listener cannot start: {e} (choose another with --capture-addr)");
        }
        let api_listener = TcpListener::bind(opts.api_addr)
            .await
            .with_context(|| format!("the control listener cannot use {}", opts.api_addr))?;
        let api_addr = api_listener.local_addr()?;
        let mut tasks = Vec::new();
        tasks.push(crate::analysis::checker::spawn(store.clone(), events.clone(), shutdown.clone()));
        tasks.push(crate::events::spawn_repeat_publisher(store.clone(), events.clone(), shutdown.clone()));
        tasks.push(crate::outbound::forward::spawn(outbound.clone(), shutdown.clone()));

        let ui_dir = crate::api::resolve_ui_dir(opts.ui_dir.clone());
        let state = ApiState {
            store: store.clone(),
            events: events.clone(),
            token: Arc::from(token.as_str()),
            listener: listener.clone(),
            outbound: outbound.clone(),
            api_addr,
            data_dir: Arc::from(data_dir.as_path()),
            ui_dir: ui_dir.as_deref().map(Arc::from),
            shutdown: shutdown.clone(),
        };
        let app = router(state);
        let api_shutdown = shutdown.clone();
        tasks.push(tokio::spawn(async move {
            let serve = axum::serve(api_listener, app).with_graceful_shutdown(async move {
                api_shutdown.cancelled().await;
            });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "control listener failed");
            }
        }));

        let capture_url = listener.status().await.url.unwrap_or_default();
        let info = ReadyInfo { capture_url, api_url: url_for(api_addr), token };
        let ui = ui_dir.as_deref().map_or_else(|| "none (status page)".into(), |d| d.display().to_string());
        tracing::info!(capture = %info.capture_url, api = %info.api_url, data_dir = %data_dir.display(), %ui, "listening");
        let json = serde_json::to_vec_pretty(&info)?;
        if let Some(path) = &opts.ready_file {
            write_private(path, &json)
                .with_context(|| format!("writing the ready file {}", path.display()))?;
        }
        // Where `hookbench send`, `replay` and `listen` find this engine.
        let running = data_dir.join(RUNNING_FILE);
        write_private(&running, &json).with_context(|| format!("writing {}", running.display()))?;
        stop_on_error.disarm();
        Ok(Server { store, events, info, data_dir, listener, api_addr, shutdown, tasks, _lock: lock })
    }

    /// Stop accepting, let open requests finish (bounded), flush the store.
    pub async fn shutdown(self) {
        self.shutdown.cancel();
        self.listener.join(GRACE + Duration::from_secs(1)).await;
        for mut t in self.tasks {
            // Event streams end at shutdown; a request still running after the
            // grace period is cut off.
            if tokio::time::timeout(GRACE + Duration::from_secs(1), &mut t).await.is_err() {
                tracing::warn!("control connections were still open after the grace period; closed them");
                t.abort();
            }
        }
        self.store.close().await;
        let _ = std::fs::remove_file(self.data_dir.join(RUNNING_FILE));
    }
}
