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

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("HOOKBENCH_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new("hookbench=info,warn"));
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
    init_logging();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(opts) => serve(opts).await,
        Command::Diff(args) => tokio::task::spawn_blocking(move || diff(args)).await?,
    }
}
