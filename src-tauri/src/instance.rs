//! One app per data directory. The first instance listens on a Unix socket in
//! its data directory; a second launch sends it an action ("show") and exits.
//! The socket also carries the tray's actions, so scripts and tests reach the
//! same code the tray menu runs.
//!
//! A socket in the data directory (owner-only, 0700) rather than a D-Bus name:
//! it needs no session bus (CI, SSH, containers) and is per data directory,
//! like the engine's own lock.

use std::io::{BufRead, BufReader, Read as _, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What can be asked of a running instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Show,
    CopyUrl,
    TogglePause,
    Quit,
}

impl Action {
    pub fn id(self) -> &'static str {
        match self {
            Action::Show => "show",
            Action::CopyUrl => "copy-url",
            Action::TogglePause => "toggle-pause",
            Action::Quit => "quit",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        [Action::Show, Action::CopyUrl, Action::TogglePause, Action::Quit].into_iter().find(|a| a.id() == s)
    }
}

pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join("desktop.sock")
}

/// Ask a running instance to do `action`. `Ok(true)`: it answered "ok";
/// `Ok(false)`: no instance runs on this data directory.
pub fn send(data_dir: &Path, action: Action) -> std::io::Result<bool> {
    let mut stream = match UnixStream::connect(socket_path(data_dir)) {
        Ok(s) => s,
        Err(e)
            if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused) =>
        {
            return Ok(false);
        }
        Err(e) => return Err(e),
    };
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    writeln!(stream, "{}", action.id())?;
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer)?;
    match answer.trim() {
        "ok" => Ok(true),
        other => Err(std::io::Error::other(format!("the running Hookbench answered {other:?}"))),
    }
}

/// Listen for actions; `handle` runs each and says whether it was done.
/// Call only while holding the engine's lock on the data directory (so a stale
/// socket file left by a killed instance can be replaced safely).
pub fn listen(
    data_dir: &Path,
    handle: impl Fn(Action) -> Result<(), String> + Send + 'static,
) -> std::io::Result<()> {
    let path = socket_path(data_dir);
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let listener = UnixListener::bind(&path)?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    std::thread::Builder::new().name("hookbench-instance".into()).spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut line = String::new();
            if BufReader::new(&stream).take(256).read_line(&mut line).is_err() {
                continue;
            }
            let answer = match Action::parse(line.trim()) {
                Some(action) => {
                    tracing::info!(action = action.id(), "asked by another launch");
                    match handle(action) {
                        Ok(()) => "ok".to_owned(),
                        Err(e) => format!("error: {e}"),
                    }
                }
                None => "error: unknown action".to_owned(),
            };
            let _ = writeln!(stream, "{answer}");
        }
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn a_second_launch_reaches_the_first() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!send(dir.path(), Action::Show).unwrap(), "nobody listens yet");
        // A stale socket file from a killed instance is no instance either.
        drop(UnixListener::bind(socket_path(dir.path())).unwrap());
        assert!(!send(dir.path(), Action::Show).unwrap());

        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        listen(dir.path(), move |a| {
            record.lock().unwrap().push(a);
            if a == Action::Quit { Err("not now".into()) } else { Ok(()) }
        })
        .unwrap();
        assert!(send(dir.path(), Action::Show).unwrap());
        assert!(send(dir.path(), Action::TogglePause).unwrap());
        let e = send(dir.path(), Action::Quit).unwrap_err().to_string();
        assert!(e.contains("not now"), "{e}");
        assert_eq!(*seen.lock().unwrap(), vec![Action::Show, Action::TogglePause, Action::Quit]);
    }

    #[test]
    fn actions_round_trip_their_ids() {
        for a in [Action::Show, Action::CopyUrl, Action::TogglePause, Action::Quit] {
            assert_eq!(Action::parse(a.id()), Some(a));
        }
        assert_eq!(Action::parse("rm -rf"), None);
    }
}
