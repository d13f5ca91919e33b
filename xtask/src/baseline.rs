//! `cargo xtask bench-baseline-server --ready-file F [--exit-on-stdin-eof]`:
//! a "store-nothing" axum server used as the benchmark baseline. It reads every
//! request body fully, answers 200 with a small JSON body, and writes
//! `{"url":"http://127.0.0.1:PORT/h/x"}` to the ready file once listening.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use axum::Router;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};

use crate::util::ArgParser;

pub fn cli(args: &[String]) -> Result<()> {
    let mut ready_file: Option<PathBuf> = None;
    let mut exit_on_stdin_eof = false;
    let mut p = ArgParser::new(args);
    while let Some(flag) = p.next_arg()? {
        match flag.as_str() {
            "--ready-file" => ready_file = Some(p.value(&flag)?.into()),
            "--exit-on-stdin-eof" => exit_on_stdin_eof = true,
            other => bail!("bench-baseline-server: unknown argument {other:?}"),
        }
    }
    let ready_file = ready_file.context("bench-baseline-server: --ready-file is required")?;

    if exit_on_stdin_eof {
        // The parent holds our stdin open; if it goes away, so do we.
        std::thread::spawn(|| {
            let mut stdin = std::io::stdin();
            let mut buf = [0u8; 64];
            while matches!(stdin.read(&mut buf), Ok(n) if n > 0) {}
            std::process::exit(0);
        });
    }

    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(serve(&ready_file))
}

async fn serve(ready_file: &Path) -> Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = Router::new().fallback(sink).layer(DefaultBodyLimit::disable());

    let ready = serde_json::json!({ "url": format!("http://{addr}/h/x") });
    write_atomically(ready_file, ready.to_string().as_bytes())?;
    eprintln!("baseline server listening on http://{addr}");

    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::select! {
        r = axum::serve(listener, app) => r?,
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    Ok(())
}

/// Read the whole body, store nothing, answer with a small JSON object.
async fn sink(body: Bytes) -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], format!(r#"{{"ok":true,"bytes":{}}}"#, body.len()))
}

/// Write `bytes` to `path` via a temporary file and a rename, so readers never
/// see a partial file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
