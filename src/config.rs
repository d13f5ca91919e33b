//! Options shared by every shell that runs the engine (`hookbench serve`, the
//! desktop app): where data lives, where to listen, limits.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::store::Durability;

/// The data directory when none is given: `~/.local/share/hookbench` on Linux.
pub fn default_data_dir() -> PathBuf {
    dirs::data_dir().unwrap_or_else(std::env::temp_dir).join("hookbench")
}

/// Parse a byte size: `26214400`, `25MiB`, `25mb`, `512k`.
pub fn parse_size(s: &str) -> Result<usize, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: usize = num.parse().map_err(|_| format!("{s:?} is not a size (try 25MiB or 1048576)"))?;
    let mult: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => 1024 * 1024,
        "g" | "gb" | "gib" => 1024 * 1024 * 1024,
        other => return Err(format!("unknown size unit {other:?} (use KiB, MiB or GiB)")),
    };
    n.checked_mul(mult).ok_or_else(|| format!("{s:?} is too large"))
}

fn parse_seconds(s: &str) -> Result<Duration, String> {
    s.trim_end_matches('s')
        .parse::<u64>()
        .map(Duration::from_secs)
        .map_err(|_| format!("{s:?} is not a number of seconds"))
}

/// Engine options, as command-line flags.
#[derive(Debug, Clone, Args)]
pub struct EngineOptions {
    /// Where the database and the token live.
    #[arg(long, env = "HOOKBENCH_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Address of the capture listener (port 0 picks a free one). Loopback by
    /// default; a LAN address exposes it to your network.
    #[arg(long, default_value = "127.0.0.1:8787", value_name = "HOST:PORT")]
    pub capture_addr: SocketAddr,
    /// Address of the control listener (UI and API); loopback only.
    #[arg(long, default_value = "127.0.0.1:8788", value_name = "HOST:PORT")]
    pub api_addr: SocketAddr,
    /// API token (default: generated once and kept in the data directory).
    #[arg(long, env = "HOOKBENCH_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Largest body the capture listener accepts; larger ones get 413 and are
    /// recorded as rejected.
    #[arg(long, default_value = "25MiB", value_parser = parse_size, value_name = "BYTES")]
    pub max_body: usize,
    /// Time a sender has to send its request headers.
    #[arg(long, default_value = "30", value_parser = parse_seconds, value_name = "SECONDS")]
    pub header_timeout: Duration,
    /// `process`: a capture that was answered survives the process being killed;
    /// `power`: also a power cut (an fsync per commit).
    #[arg(long, value_enum, default_value_t = Durability::Process)]
    pub durability: Durability,
    /// The UI build to serve (default: `ui/dist` of the source tree, if built).
    #[arg(long, env = "HOOKBENCH_UI_DIR", value_name = "DIR")]
    pub ui_dir: Option<PathBuf>,
    /// Write `{"capture_url", "api_url", "token"}` here once both listeners listen.
    #[arg(long, value_name = "PATH")]
    pub ready_file: Option<PathBuf>,
    /// Keep running (control API and UI up) when the capture address cannot be
    /// bound, so a person can choose another; the desktop app does this.
    #[arg(skip)]
    pub keep_going_without_capture: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            data_dir: None,
            capture_addr: ([127, 0, 0, 1], 8787).into(),
            api_addr: ([127, 0, 0, 1], 8788).into(),
            token: None,
            max_body: 25 * 1024 * 1024,
            header_timeout: Duration::from_secs(30),
            durability: Durability::Process,
            ui_dir: None,
            ready_file: None,
            keep_going_without_capture: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("25MiB"), Ok(25 * 1024 * 1024));
        assert_eq!(parse_size("512k"), Ok(512 * 1024));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("5 parsecs").is_err());
    }
}
