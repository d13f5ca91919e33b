//! Large bodies live outside the database, in files named by their SHA-256
//! (`blobs/ab/abcdef…`). Writing a 1 MiB body once to a file is far cheaper than
//! pushing 256 pages through the WAL and checkpointing them again. A blob is
//! written (and, for `--durability power`, fsynced) before the capture that
//! points at it is committed, so a committed capture always has its bytes.
//! Unreferenced blobs are swept once they are old enough that no capture being
//! written can still be about to point at them.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use rusqlite::Connection;

use super::{Durability, StoreError};

/// Bodies larger than this are kept in blob files.
pub const EXTERNAL_THRESHOLD: usize = 128 * 1024;

/// A blob younger than this is never swept.
const SWEEP_MIN_AGE: Duration = Duration::from_secs(600);

#[derive(Debug, Clone)]
pub struct Blobs {
    dir: PathBuf,
    durability: Durability,
}

fn io_err(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Io { path: path.to_owned(), source }
}

fn valid_sha(sha: &str) -> bool {
    sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// Blob files are written past the page cache (`O_DIRECT`) where the file
/// system allows it: a large body is written once and rarely read again, and
/// copying it into the page cache cost more CPU than everything else a capture
/// does (and pushed the database's pages out). Data goes through one reused
/// aligned buffer per thread, a chunk at a time; the file is then cut to size.
#[cfg(target_os = "linux")]
mod direct {
    use std::cell::RefCell;
    use std::fs::{File, OpenOptions};
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    use std::path::Path;

    const ALIGN: usize = 4096;
    const CHUNK: usize = 1024 * 1024;

    thread_local! {
        static BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }

    /// `None` when the file system refuses `O_DIRECT` (tmpfs, some network
    /// file systems) or the write failed: the caller then writes normally.
    pub fn write(opts: &OpenOptions, path: &Path, bytes: &[u8]) -> Option<File> {
        let mut opts = opts.clone();
        opts.custom_flags(libc::O_DIRECT);
        let mut f = opts.open(path).ok()?;
        let ok = BUF.with_borrow_mut(|buf| {
            if buf.len() < CHUNK + ALIGN {
                *buf = vec![0; CHUNK + ALIGN];
            }
            let start = buf.as_ptr().align_offset(ALIGN);
            let aligned = &mut buf[start..start + CHUNK];
            for chunk in bytes.chunks(CHUNK) {
                let padded = chunk.len().div_ceil(ALIGN) * ALIGN;
                aligned[..chunk.len()].copy_from_slice(chunk);
                aligned[chunk.len()..padded].fill(0);
                if f.write_all(&aligned[..padded]).is_err() {
                    return false;
                }
            }
            true
        });
        (ok && f.set_len(bytes.len() as u64).is_ok()).then_some(f)
    }
}

#[cfg(target_os = "linux")]
fn open_direct(opts: &std::fs::OpenOptions, path: &Path, bytes: &[u8]) -> Option<std::fs::File> {
    direct::write(opts, path, bytes)
}

#[cfg(not(target_os = "linux"))]
fn open_direct(_: &std::fs::OpenOptions, _: &Path, _: &[u8]) -> Option<std::fs::File> {
    None
}

impl Blobs {
    pub fn new(dir: PathBuf, durability: Durability) -> Self {
        Blobs { dir, durability }
    }

    pub fn path(&self, sha: &str) -> PathBuf {
        self.dir.join(&sha[..2]).join(sha)
    }

    /// Store `bytes` under `sha` (their SHA-256, hex). Blocking.
    pub fn put(&self, sha: &str, bytes: &[u8]) -> Result<(), StoreError> {
        if !valid_sha(sha) {
            return Err(StoreError::Corrupt(format!("not a SHA-256: {sha}")));
        }
        let path = self.path(sha);
        if let Ok(f) = std::fs::File::options().write(true).open(&path)
            && f.metadata().is_ok_and(|m| m.len() == bytes.len() as u64)
        {
            // Same content already there: mark it fresh so a sweep leaves it.
            f.set_modified(SystemTime::now()).map_err(|e| io_err(&path, e))?;
            return Ok(());
        }
        let parent = path.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(parent).map_err(|e| io_err(parent, e))?;
        let tmp = parent.join(format!(".{sha}.{}.tmp", std::process::id()));
        let mut opts = std::fs::File::options();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let f = match open_direct(&opts, &tmp, bytes) {
            Some(f) => f,
            None => {
                let mut f = opts.open(&tmp).map_err(|e| io_err(&tmp, e))?;
                f.write_all(bytes).map_err(|e| io_err(&tmp, e))?;
                f
            }
        };
        if self.durability == Durability::Power {
            f.sync_all().map_err(|e| io_err(&tmp, e))?;
        }
        drop(f);
        std::fs::rename(&tmp, &path).map_err(|e| io_err(&path, e))?;
        if self.durability == Durability::Power {
            std::fs::File::open(parent).and_then(|d| d.sync_all()).map_err(|e| io_err(parent, e))?;
        }
        Ok(())
    }

    /// The whole blob. Blocking.
    pub fn read(&self, sha: &str) -> Result<Bytes, StoreError> {
        let path = self.path(sha);
        std::fs::read(&path).map(Bytes::from).map_err(|e| io_err(&path, e))
    }

    /// The first `n` bytes of the blob. Blocking.
    pub fn read_prefix(&self, sha: &str, n: usize) -> Result<Vec<u8>, StoreError> {
        let path = self.path(sha);
        let f = std::fs::File::open(&path).map_err(|e| io_err(&path, e))?;
        let mut out = Vec::with_capacity(n);
        f.take(n as u64).read_to_end(&mut out).map_err(|e| io_err(&path, e))?;
        Ok(out)
    }

    /// Delete blobs no capture points at (and old enough). Returns how many.
    pub fn sweep(&self, conn: &Connection) -> Result<usize, StoreError> {
        let Ok(dirs) = std::fs::read_dir(&self.dir) else { return Ok(0) };
        let mut referenced = conn
            .prepare_cached("SELECT 1 FROM captures WHERE body_external = 1 AND body_sha256 = ?1 LIMIT 1")?;
        let now = SystemTime::now();
        let mut removed = 0;
        for sub in dirs.flatten() {
            let Ok(files) = std::fs::read_dir(sub.path()) else { continue };
            for file in files.flatten() {
                let name = file.file_name().to_string_lossy().into_owned();
                let old_enough = file
                    .metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| now.duration_since(t).unwrap_or_default() >= SWEEP_MIN_AGE);
                if !old_enough {
                    continue;
                }
                // Leftover temporary files from a crash, and unreferenced blobs.
                let unreferenced =
                    name.ends_with(".tmp") || (valid_sha(&name) && !referenced.exists([&name])?);
                if unreferenced && std::fs::remove_file(file.path()).is_ok() {
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;

    #[test]
    fn put_read_and_dedupe() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::new(dir.path().join("blobs"), Durability::Power);
        let data = vec![7u8; 300_000];
        let sha = hex::encode(sha2::Sha256::digest(&data));
        blobs.put(&sha, &data).unwrap();
        blobs.put(&sha, &data).unwrap();
        assert_eq!(&blobs.read(&sha).unwrap()[..], &data[..]);
        assert_eq!(blobs.read_prefix(&sha, 10).unwrap(), vec![7u8; 10]);
        assert!(blobs.put("../../etc/passwd", b"x").is_err(), "names are SHA-256 hex only");
    }

    /// Sizes around the page and chunk boundaries of the `O_DIRECT` path come
    /// back byte for byte, with the file cut to the body's length.
    #[test]
    fn odd_sizes_round_trip() {
        // Not /tmp: it may be a tmpfs, which refuses O_DIRECT.
        let dir = tempfile::tempdir_in(env!("CARGO_MANIFEST_DIR")).unwrap();
        let blobs = Blobs::new(dir.path().join("blobs"), Durability::Process);
        for size in [1, 4095, 4096, 4097, 1024 * 1024 - 1, 1024 * 1024 + 3, 2 * 1024 * 1024 + 4096 * 3 + 17] {
            let data: Vec<u8> = (0..size).map(|i| (i * 7 + i / 4096) as u8).collect();
            let sha = hex::encode(sha2::Sha256::digest(&data));
            blobs.put(&sha, &data).unwrap();
            let back = blobs.read(&sha).unwrap();
            assert_eq!(back.len(), size, "size {size}");
            assert!(back[..] == data[..], "bytes of size {size}");
        }
    }
}
