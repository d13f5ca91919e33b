//! The desktop shell: starts the engine in-process (same options as
//! `hookbench serve`) and opens a window on its UI. Everything the UI does goes
//! through the engine's control API, as it does in a browser.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use anyhow::Context;
use clap::Parser;
use hookbench::config::EngineOptions;
use hookbench::server::Server;
use tauri::{Manager, RunEvent, WebviewUrl, WebviewWindowBuilder};

#[derive(Parser)]
#[command(name = "hookbench-desktop", version, about = "Hookbench desktop app")]
struct Args {
    #[command(flatten)]
    engine: EngineOptions,
}

/// The engine, kept so it can be shut down when the app exits.
struct Engine(std::sync::Mutex<Option<Server>>);

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HOOKBENCH_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("hookbench=info,warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let args = Args::parse();
    let server = tauri::async_runtime::block_on(Server::start(args.engine)).context("starting the engine")?;
    let url = format!("{}/?token={}", server.info.api_url, server.info.token);
    let url = url.parse().context("the engine's UI URL")?;

    let app = tauri::Builder::default()
        .manage(Engine(std::sync::Mutex::new(Some(server))))
        .setup(move |app| {
            WebviewWindowBuilder::new(app, "main", WebviewUrl::External(url))
                .title("Hookbench")
                .inner_size(1280.0, 800.0)
                .min_inner_size(720.0, 480.0)
                .build()?;
            Ok(())
        })
        .build(tauri::generate_context!())
        .context("building the window")?;
    app.run(|handle, event| {
        if let RunEvent::Exit = event {
            let server = handle.state::<Engine>().0.lock().ok().and_then(|mut s| s.take());
            if let Some(server) = server {
                tauri::async_runtime::block_on(server.shutdown());
            }
        }
    });
    Ok(())
}
