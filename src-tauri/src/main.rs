//! The desktop shell: starts the engine in-process (same options as
//! `hookbench serve`) and opens a window on its UI. Everything the UI does goes
//! through the engine's control API, as it does in a browser; the few Tauri
//! commands are for what only a desktop has (preferences, the clipboard).
//! Beside the window: a tray menu, notifications of new captures, one
//! instance per data directory, and the window's place remembered.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod geometry;
mod instance;
mod notify;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context;
use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches, Parser};
use hookbench::capture::{ListenerChange, ListenerState, ListenerStatus};
use hookbench::config::{EngineOptions, default_data_dir};
use hookbench::events::Event;
use hookbench::prefs::{Preferences, PreferencesPatch, WindowGeometry};
use hookbench::server::Server;
use instance::Action;
use tauri::ipc::CapabilityBuilder;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{
    AppHandle, Manager, RunEvent, WebviewUrl, WebviewWindow, WebviewWindowBuilder, WindowEvent, Wry,
};
use tauri_plugin_clipboard_manager::ClipboardExt;
use tauri_plugin_notification::NotificationExt;
use tauri_plugin_store::StoreExt;

#[derive(Parser)]
#[command(name = "hookbench-desktop", version, about = "Hookbench desktop app")]
struct Args {
    #[command(flatten)]
    engine: EngineOptions,
}

const PREFS_KEY: &str = "preferences";
const WINDOW: &str = "main";

/// What the shell keeps while it runs.
struct Desktop {
    /// Taken at exit to shut the engine down.
    server: Mutex<Option<Server>>,
    store: hookbench::store::Store,
    listener: hookbench::capture::Listener,
    events: hookbench::events::Events,
    prefs: Mutex<Preferences>,
    prefs_file: Arc<tauri_plugin_store::Store<Wry>>,
    /// The tray's pause item, relabelled as capture pauses and resumes.
    pause_item: Mutex<Option<MenuItem<Wry>>>,
}

impl Desktop {
    fn prefs(&self) -> Preferences {
        self.prefs.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Keep `prefs` (in memory and in the preferences file).
    fn keep(&self, prefs: Preferences, save_now: bool) {
        match serde_json::to_value(&prefs) {
            Ok(v) => self.prefs_file.set(PREFS_KEY, v),
            Err(e) => tracing::warn!(error = %e, "preferences not serialisable"),
        }
        *self.prefs.lock().unwrap_or_else(|p| p.into_inner()) = prefs;
        if save_now && let Err(e) = self.prefs_file.save() {
            tracing::warn!(error = %e, "saving the preferences failed");
        }
    }
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HOOKBENCH_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("hookbench=info,warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let matches = Args::command().get_matches();
    let args = Args::from_arg_matches(&matches)?;
    let given = |id: &str| !matches!(matches.value_source(id), None | Some(ValueSource::DefaultValue));
    let explicit = Explicit { capture_addr: given("capture_addr"), max_body: given("max_body") };

    let mut opts = args.engine;
    let data_dir = opts.data_dir.clone().unwrap_or_else(default_data_dir);
    opts.data_dir = Some(data_dir.clone());
    // One app per data directory: a second launch brings the first to the front.
    match instance::send(&data_dir, Action::Show) {
        Ok(true) => {
            eprintln!(
                "Hookbench is already running on {}; its window was brought to the front.",
                data_dir.display()
            );
            return Ok(());
        }
        Ok(false) => {}
        Err(e) => tracing::warn!(error = %e, "could not reach a running instance"),
    }
    opts.keep_going_without_capture = true;

    let app = tauri::Builder::default()
        .plugin(tauri_plugin_store::Builder::new().build())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .invoke_handler(tauri::generate_handler![get_preferences, update_preferences, copy_text])
        .setup(move |app| {
            if let Err(e) = setup(app.handle(), opts, explicit, data_dir) {
                // Nothing is open yet: say why, whole, and stop (Tauri would panic).
                eprintln!("hookbench-desktop: {e:#}");
                tracing::error!("cannot start: {e:#}");
                std::process::exit(1);
            }
            Ok(())
        })
        .build(tauri::generate_context!())
        .context("starting the desktop app")?;
    app.run(|handle, event| match event {
        RunEvent::WindowEvent { label, event: WindowEvent::Moved(_) | WindowEvent::Resized(_), .. }
            if label == WINDOW =>
        {
            remember_geometry(handle, false);
        }
        RunEvent::Exit => {
            remember_geometry(handle, true);
            let server = handle.state::<Desktop>().server.lock().ok().and_then(|mut s| s.take());
            if let Some(server) = server {
                tauri::async_runtime::block_on(server.shutdown());
            }
            tracing::info!("stopped");
        }
        _ => {}
    });
    Ok(())
}

/// Which engine options came from the command line (and so win over preferences).
#[derive(Clone, Copy)]
struct Explicit {
    capture_addr: bool,
    max_body: bool,
}

fn setup(
    app: &AppHandle,
    mut opts: EngineOptions,
    explicit: Explicit,
    data_dir: PathBuf,
) -> anyhow::Result<()> {
    // Preferences live beside the data they describe, so `--data-dir` isolates them too.
    let prefs_file = app.store(data_dir.join("preferences.json")).context("opening the preferences")?;
    let prefs = prefs_file.get(PREFS_KEY).map(|v| Preferences::from_json(&v)).unwrap_or_default();
    if !explicit.capture_addr
        && let Some(addr) = prefs.capture_addr.as_deref().and_then(|a| a.parse().ok())
    {
        opts.capture_addr = addr;
    }
    if !explicit.max_body
        && let Some(n) = prefs.max_body.and_then(|n| usize::try_from(n).ok())
    {
        opts.max_body = n;
    }

    // An installed app serves the UI build bundled with it (a resource);
    // `--ui-dir`/`HOOKBENCH_UI_DIR` win, and a source checkout has its own.
    if opts.ui_dir.is_none()
        && let Ok(dir) = app.path().resource_dir().map(|d| d.join("ui"))
        && dir.join("index.html").is_file()
    {
        opts.ui_dir = Some(dir);
    }
    let server = tauri::async_runtime::block_on(Server::start(opts)).context("starting the engine")?;
    let api_url = server.info.api_url.clone();
    let url = format!("{api_url}/?token={}", server.info.token).parse().context("the engine's UI URL")?;
    app.manage(Desktop {
        store: server.store.clone(),
        listener: server.listener.clone(),
        events: server.events.clone(),
        server: Mutex::new(Some(server)),
        prefs: Mutex::new(prefs.clone()),
        prefs_file,
        pause_item: Mutex::new(None),
    });

    // The engine's UI is a remote page to Tauri: only its exact origin, only in
    // the main window, may call the desktop commands.
    app.add_capability(
        CapabilityBuilder::new("engine-ui")
            .remote(api_url)
            .window(WINDOW)
            .permission("allow-get-preferences")
            .permission("allow-update-preferences")
            .permission("allow-copy-text"),
    )
    .context("allowing the UI its desktop commands")?;

    let window = open_window(app, url, prefs.window)?;
    if let Err(e) = build_tray(app) {
        // Some desktops have no tray; the app works without it.
        tracing::warn!(error = %e, "no tray icon");
    }
    spawn_event_watch(app.clone(), window);
    spawn_signal_watch(app.clone());
    let handle = app.clone();
    if let Err(e) = instance::listen(&data_dir, move |action| run_action(&handle, action)) {
        tracing::warn!(error = %e, "a second launch will not find this one");
    }
    Ok(())
}

fn open_window(
    app: &AppHandle,
    url: tauri::Url,
    saved: Option<WindowGeometry>,
) -> anyhow::Result<WebviewWindow> {
    let monitors: Vec<geometry::Area> = app
        .available_monitors()
        .unwrap_or_default()
        .iter()
        .map(|m| {
            let (p, s) = (
                m.position().to_logical::<f64>(m.scale_factor()),
                m.size().to_logical::<f64>(m.scale_factor()),
            );
            geometry::Area { x: p.x, y: p.y, width: s.width, height: s.height }
        })
        .collect();
    let origin = url.origin().ascii_serialization();
    let handle = app.clone();
    let mut builder = WebviewWindowBuilder::new(app, WINDOW, WebviewUrl::External(url))
        .title("Hookbench")
        .min_inner_size(f64::from(geometry::MIN_WIDTH), f64::from(geometry::MIN_HEIGHT))
        .on_download(move |_, event| on_download(&handle, &origin, event));
    let restored = saved.and_then(|g| geometry::restorable(g, &monitors));
    builder = match restored {
        Some(g) => builder
            .inner_size(f64::from(g.width), f64::from(g.height))
            .position(f64::from(g.x), f64::from(g.y))
            .maximized(g.maximized),
        None => builder.inner_size(1280.0, 800.0).center(),
    };
    Ok(builder.build()?)
}

/// Bodies and parts the UI offers for download go to the Downloads folder
/// (`name (1).ext` rather than over an existing file), and say where they went.
/// Only the engine's own URLs may download.
fn on_download(app: &AppHandle, origin: &str, event: tauri::webview::DownloadEvent<'_>) -> bool {
    match event {
        tauri::webview::DownloadEvent::Requested { url, destination } => {
            let ours = url.origin().ascii_serialization() == origin;
            if ours {
                tracing::info!(path = %url.path(), to = %destination.display(), "download");
            } else {
                tracing::warn!(%url, "refused a download from outside the engine");
            }
            ours
        }
        tauri::webview::DownloadEvent::Finished { path, success, .. } => {
            let where_ = path.as_deref().map(|p| p.display().to_string()).unwrap_or_default();
            if success {
                tracing::info!(to = %where_, "downloaded");
                let name =
                    path.as_deref().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned());
                show_notification(app, "Download finished", &format!("Saved {}", name.unwrap_or(where_)));
            } else {
                tracing::warn!(to = %where_, "the download failed");
                show_notification(app, "Download failed", &where_);
            }
            true
        }
        _ => true,
    }
}

/// Note where the window is; written to disk at once only when `save_now`.
fn remember_geometry(app: &AppHandle, save_now: bool) {
    let Some(desktop) = app.try_state::<Desktop>() else { return };
    let mut prefs = desktop.prefs();
    if let Some(w) = app.get_webview_window(WINDOW)
        && let Some(g) = current_geometry(&w, prefs.window)
    {
        prefs.window = Some(g);
    }
    desktop.keep(prefs, save_now);
}

fn current_geometry(w: &WebviewWindow, before: Option<WindowGeometry>) -> Option<WindowGeometry> {
    if w.is_minimized().unwrap_or(false) {
        return before;
    }
    let maximized = w.is_maximized().unwrap_or(false);
    if maximized {
        // Keep the size to come back to.
        return before.map(|g| WindowGeometry { maximized: true, ..g });
    }
    let sf = w.scale_factor().ok()?;
    let pos = w.outer_position().ok()?.to_logical::<f64>(sf);
    let size = w.inner_size().ok()?.to_logical::<f64>(sf);
    Some(WindowGeometry {
        x: pos.x.round() as i32,
        y: pos.y.round() as i32,
        width: size.width.round() as u32,
        height: size.height.round() as u32,
        maximized: false,
    })
}

fn build_tray(app: &AppHandle) -> anyhow::Result<()> {
    let show = MenuItem::with_id(app, Action::Show.id(), "Show Hookbench", true, None::<&str>)?;
    let copy = MenuItem::with_id(app, Action::CopyUrl.id(), "Copy endpoint URL", true, None::<&str>)?;
    let pause = MenuItem::with_id(app, Action::TogglePause.id(), "Pause capture", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, Action::Quit.id(), "Quit Hookbench", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&show, &copy, &pause, &PredefinedMenuItem::separator(app)?, &quit])?;
    let icon = app.default_window_icon().cloned().context("the app has no icon")?;
    TrayIconBuilder::with_id("hookbench")
        .icon(icon)
        .tooltip("Hookbench")
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| {
            if let Some(action) = Action::parse(event.id().as_ref())
                && let Err(e) = run_action(app, action)
            {
                tracing::warn!(action = action.id(), error = %e, "tray action failed");
            }
        })
        .build(app)?;
    *app.state::<Desktop>().pause_item.lock().unwrap_or_else(|p| p.into_inner()) = Some(pause);
    Ok(())
}

/// What the tray menu (and a second launch) asks for.
fn run_action(app: &AppHandle, action: Action) -> Result<(), String> {
    let desktop = app.state::<Desktop>();
    match action {
        Action::Show => {
            let w = app.get_webview_window(WINDOW).ok_or("the window is gone")?;
            w.show().and_then(|()| w.unminimize()).and_then(|()| w.set_focus()).map_err(|e| e.to_string())?;
        }
        Action::CopyUrl => {
            let url = tauri::async_runtime::block_on(selected_endpoint_url(&desktop))?;
            app.clipboard().write_text(url.clone()).map_err(|e| e.to_string())?;
            tracing::info!(%url, "copied the endpoint URL");
        }
        Action::TogglePause => {
            let listener = desktop.listener.clone();
            tauri::async_runtime::block_on(async move {
                let paused = listener.status().await.state == ListenerState::Paused;
                listener.apply(&ListenerChange { paused: Some(!paused), ..Default::default() }).await
            })
            .map_err(|e| e.to_string())?;
        }
        Action::Quit => app.exit(0),
    }
    Ok(())
}

/// The URL of the endpoint selected last in the UI (else the Default endpoint).
async fn selected_endpoint_url(desktop: &Desktop) -> Result<String, String> {
    if let Some(id) = desktop.prefs().last_endpoint_id
        && let Ok(e) = desktop.store.endpoint(id).await
    {
        return Ok(e.url);
    }
    let id = desktop.store.default_endpoint_id();
    desktop.store.endpoint(id).await.map(|e| e.url).map_err(|e| e.to_string())
}

fn relabel_pause(app: &AppHandle, status: &ListenerStatus) {
    let text = if status.state == ListenerState::Paused { "Resume capture" } else { "Pause capture" };
    let desktop = app.state::<Desktop>();
    if let Some(item) = desktop.pause_item.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
        let _ = item.set_text(text);
    }
}

/// Engine events the shell acts on: new captures (notifications) and the
/// listener's state (the tray's pause item).
fn spawn_event_watch(app: AppHandle, window: WebviewWindow) {
    let mut rx = app.state::<Desktop>().events.subscribe();
    tauri::async_runtime::spawn(async move {
        let mut throttle = notify::Throttle::default();
        loop {
            let due = throttle.due();
            let event = tokio::select! {
                e = rx.recv() => e,
                () = sleep_until(due) => {
                    if let Some(n) = throttle.flush(Instant::now()) {
                        show_notification(&app, "New captures", &format!("{n} more captures arrived"));
                    }
                    continue;
                }
            };
            match event {
                Ok(Event::CaptureCreated(c)) => {
                    let enabled = app.state::<Desktop>().prefs().notifications;
                    let focused =
                        window.is_focused().unwrap_or(false) && window.is_visible().unwrap_or(false);
                    if notify::wanted(enabled, focused)
                        && throttle.on_capture(Instant::now()) == notify::Decision::Show
                    {
                        let kind = c.content_type.as_deref().unwrap_or("no content type");
                        show_notification(
                            &app,
                            &format!("{} {}", c.method, c.path),
                            &format!("{} · {}", kind, human_bytes(c.body_size)),
                        );
                    }
                }
                Ok(Event::ListenerChanged(status)) => relabel_pause(&app, &status),
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}

async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(t) => tokio::time::sleep_until(tokio::time::Instant::from_std(t)).await,
        None => std::future::pending().await,
    }
}

fn show_notification(app: &AppHandle, title: &str, body: &str) {
    tracing::info!(title, "notification");
    if let Err(e) = app.notification().builder().title(title).body(body).show() {
        tracing::warn!(error = %e, "the notification could not be shown");
    }
}

fn human_bytes(n: i64) -> String {
    match n {
        n if n >= 1024 * 1024 => format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0)),
        n if n >= 1024 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} bytes"),
    }
}

/// SIGTERM and SIGINT end the app as its Quit does: engine flushed, exit 0.
fn spawn_signal_watch(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt()))
        else {
            tracing::warn!("signals cannot be watched");
            return;
        };
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: quitting"),
            _ = int.recv() => tracing::info!("SIGINT: quitting"),
        }
        app.exit(0);
    });
}

// ---------------------------------------------------------------- commands

#[tauri::command]
fn get_preferences(desktop: tauri::State<'_, Desktop>) -> Preferences {
    desktop.prefs()
}

#[tauri::command]
fn update_preferences(
    desktop: tauri::State<'_, Desktop>,
    patch: PreferencesPatch,
) -> Result<Preferences, String> {
    let mut prefs = desktop.prefs();
    prefs.apply(&patch).map_err(|e| e.to_string())?;
    desktop.keep(prefs.clone(), true);
    Ok(prefs)
}

#[tauri::command]
fn copy_text(app: AppHandle, text: String) -> Result<(), String> {
    app.clipboard().write_text(text).map_err(|e| e.to_string())
}
