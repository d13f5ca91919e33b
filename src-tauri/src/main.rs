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
use hookbench::capture::ListenerStatus;
use hookbench::capture::listener::{check_max_body, parse_addr};
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
    /// The engine's own runtime: the shell's blocking calls (window getters,
    /// D-Bus notifications) never hold up capture, and capture never the window.
    engine_rt: tokio::runtime::Runtime,
    /// Taken at exit to shut the engine down.
    server: Mutex<Option<Server>>,
    data_dir: PathBuf,
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

    /// Keep `prefs` in memory and write them to the preferences file.
    fn save(&self, prefs: Preferences) -> anyhow::Result<()> {
        self.prefs_file.set(PREFS_KEY, serde_json::to_value(&prefs)?);
        *self.prefs.lock().unwrap_or_else(|p| p.into_inner()) = prefs;
        self.prefs_file.save().context("writing the preferences")?;
        Ok(())
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
            remember_geometry(handle);
        }
        RunEvent::Exit => {
            let Some(desktop) = handle.try_state::<Desktop>() else { return };
            if let Err(e) = desktop.save(desktop.prefs()) {
                tracing::warn!("{e:#}");
            }
            let _ = std::fs::remove_file(instance::socket_path(&desktop.data_dir));
            let server = desktop.server.lock().ok().and_then(|mut s| s.take());
            if let Some(server) = server {
                desktop.engine_rt.block_on(server.shutdown());
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
    // Written only when they change and at exit (not on every window move).
    let prefs_file = app
        .store_builder(data_dir.join("preferences.json"))
        .disable_auto_save()
        .build()
        .context("opening the preferences")?;
    let prefs = prefs_file.get(PREFS_KEY).map(|v| Preferences::from_json(&v)).unwrap_or_default();
    if !explicit.capture_addr
        && let Some(addr) = prefs.capture_addr.as_deref().and_then(|a| parse_addr(a).ok())
    {
        opts.capture_addr = addr;
    }
    if !explicit.max_body
        && let Some(n) = prefs.max_body.and_then(|n| check_max_body(n).ok())
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
    let engine_rt = tokio::runtime::Builder::new_multi_thread()
        .thread_name("hookbench-engine")
        .enable_all()
        .build()
        .context("starting the engine's runtime")?;
    let server = engine_rt.block_on(Server::start(opts)).context("starting the engine")?;
    let api_url = server.info.api_url.clone();
    let url = format!("{api_url}/?token={}", server.info.token).parse().context("the engine's UI URL")?;
    app.manage(Desktop {
        engine_rt,
        data_dir: data_dir.clone(),
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

/// Note where the window is (in memory; written with the other preferences at exit).
fn remember_geometry(app: &AppHandle) {
    let Some(desktop) = app.try_state::<Desktop>() else { return };
    let Some(w) = app.get_webview_window(WINDOW) else { return };
    let mut prefs = desktop.prefs.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(g) = current_geometry(&w, prefs.window) {
        prefs.window = Some(g);
    }
}

fn current_geometry(w: &WebviewWindow, before: Option<WindowGeometry>) -> Option<WindowGeometry> {
    if w.is_minimized().unwrap_or(false) {
        return before;
    }
    let sf = w.scale_factor().ok()?;
    let pos = w.outer_position().ok()?.to_logical::<f64>(sf);
    let size = w.inner_size().ok()?.to_logical::<f64>(sf);
    let now = WindowGeometry {
        x: pos.x.round() as i32,
        y: pos.y.round() as i32,
        width: size.width.round() as u32,
        height: size.height.round() as u32,
        maximized: false,
    };
    if w.is_maximized().unwrap_or(false) {
        // Keep the size to come back to (none yet: the maximized one).
        return Some(WindowGeometry { maximized: true, ..before.unwrap_or(now) });
    }
    Some(now)
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
            // Off the main thread: the actions wait for the engine and the window.
            if let Some(action) = Action::parse(event.id().as_ref()) {
                let app = app.clone();
                std::thread::spawn(move || {
                    if let Err(e) = run_action(&app, action) {
                        tracing::warn!(action = action.id(), error = %e, "tray action failed");
                    }
                });
            }
        })
        .build(app)?;
    *app.state::<Desktop>().pause_item.lock().unwrap_or_else(|p| p.into_inner()) = Some(pause);
    Ok(())
}

/// What the tray menu (and a second launch) asks for. Blocks: call it from a
/// thread of its own, never from the main thread or an async task.
fn run_action(app: &AppHandle, action: Action) -> Result<(), String> {
    let desktop = app.state::<Desktop>();
    match action {
        Action::Show => {
            let w = app.get_webview_window(WINDOW).ok_or("the window is gone")?;
            w.show().and_then(|()| w.unminimize()).and_then(|()| w.set_focus()).map_err(|e| e.to_string())?;
        }
        Action::CopyUrl => {
            let url = desktop.engine_rt.block_on(selected_endpoint_url(&desktop))?;
            app.clipboard().write_text(url.clone()).map_err(|e| e.to_string())?;
            tracing::info!(%url, "copied the endpoint URL");
        }
        Action::TogglePause => {
            desktop.engine_rt.block_on(desktop.listener.toggle_pause());
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

/// Relabel the tray's pause item, on the main thread, without waiting for it.
fn relabel_pause(app: &AppHandle, status: &ListenerStatus) {
    let text = if status.paused { "Resume capture" } else { "Pause capture" };
    let item = app.state::<Desktop>().pause_item.lock().unwrap_or_else(|p| p.into_inner()).clone();
    if let Some(item) = item {
        let _ = app.run_on_main_thread(move || {
            let _ = item.set_text(text);
        });
    }
}

/// Engine events the shell acts on: new captures (notifications) and the
/// listener's state (the tray's pause item).
fn spawn_event_watch(app: AppHandle, window: WebviewWindow) {
    let mut rx = app.state::<Desktop>().events.subscribe();
    tauri::async_runtime::spawn(async move {
        let mut throttle = notify::Throttle::default();
        // Asking the window is a round trip to the main thread: at most once a second.
        let mut seen: Option<(Instant, bool)> = None;
        let mut in_front = move || match seen {
            Some((t, focused)) if t.elapsed() < std::time::Duration::from_secs(1) => focused,
            _ => {
                let focused = window.is_focused().unwrap_or(false) && window.is_visible().unwrap_or(false);
                seen = Some((Instant::now(), focused));
                focused
            }
        };
        loop {
            let due = throttle.due();
            let event = tokio::select! {
                e = rx.recv() => e,
                () = sleep_until(due) => {
                    if let Some(n) = throttle.flush(Instant::now())
                        && app.state::<Desktop>().prefs().notifications
                        && !in_front()
                    {
                        let more = if n == 1 { "1 more capture".to_owned() } else { format!("{n} more captures") };
                        show_notification(&app, "New captures", &format!("{more} arrived"));
                    }
                    continue;
                }
            };
            match event {
                Ok(Event::CaptureCreated(c)) => {
                    // Only in the background, and only when wanted (checked in that
                    // order of cost).
                    if app.state::<Desktop>().prefs().notifications
                        && !in_front()
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
        // A second signal while stopping: stop now (what was answered is journaled).
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        tracing::warn!("second signal: exiting without waiting");
        std::process::exit(130);
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
    desktop.save(prefs.clone()).map_err(|e| format!("{e:#}"))?;
    Ok(prefs)
}

#[tauri::command]
fn copy_text(app: AppHandle, text: String) -> Result<(), String> {
    app.clipboard().write_text(text).map_err(|e| e.to_string())
}
