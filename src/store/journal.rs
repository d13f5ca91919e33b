//! The capture journal: an append-only file that makes a capture durable
//! before the sender is answered, at the cost of one `write` per batch.
//!
//! SQLite is where captures are read from, but committing each wave of
//! captures there before answering put every request behind a B-tree insert
//! and a WAL commit. Instead the appender thread ([`super::appender`]) writes a
//! batch of records here with one system call, answers, and hands the batch to
//! the store writer, which inserts it into SQLite (in batches that grow under
//! load, so the per-row cost falls as load rises). Readers of the API wait for
//! that hand-over ([`super::Store::caught_up`]), so a capture id a sender was
//! given can always be read back.
//!
//! On start, records whose id is not yet in the database are inserted, then
//! the journal is emptied. Once everything written to it is in the database,
//! the appender empties it again when it has grown large.
//!
//! Emptying does not truncate: it starts a new *epoch* and writes from the top
//! of the file again, over pages the OS already has (allocating fresh page
//! cache for every write costs far more than the write itself). A header at
//! offset 0 holds the current epoch; every frame carries the epoch it was
//! written in, so frames left over from earlier epochs are never read back.
//!
//! Header: `b"HBJ1" | u64 epoch`. Frame: `u32 length | u32 crc32(epoch ‖
//! payload) | u64 epoch | payload`, little-endian. A frame cut short by a crash
//! was never acknowledged: reading stops at the first frame that is short,
//! fails its checksum or belongs to another epoch.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use bytes::Bytes;

use super::{NewCapture, StoreError};
use crate::model::{Header, HeaderSource, SentResponse};

const VERSION: u8 = 1;
const MAGIC: &[u8; 4] = b"HBJ1";
const HEADER: u64 = 12;

/// A capture as journaled: its id, the request, and what was answered.
#[derive(Debug, Clone)]
pub struct Record {
    pub id: i64,
    pub capture: NewCapture,
    pub sent: SentResponse,
}

struct Enc<'a>(&'a mut Vec<u8>);

impl Enc<'_> {
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.0.extend_from_slice(&(b.len() as u32).to_le_bytes());
        self.0.extend_from_slice(b);
    }
    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.0.push(1);
                self.str(s);
            }
            None => self.0.push(0),
        }
    }
    fn opt_i64(&mut self, v: Option<i64>) {
        match v {
            Some(v) => {
                self.0.push(1);
                self.i64(v);
            }
            None => self.0.push(0),
        }
    }
}

struct Dec<'a>(&'a [u8]);

impl Dec<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn i64(&mut self) -> Option<i64> {
        self.take(8).map(|b| i64::from_le_bytes(b.try_into().unwrap_or_default()))
    }
    fn bytes(&mut self) -> Option<&[u8]> {
        let n = u32::from_le_bytes(self.take(4)?.try_into().ok()?) as usize;
        self.take(n)
    }
    fn string(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?.to_vec()).ok()
    }
    fn opt_string(&mut self) -> Option<Option<String>> {
        match self.u8()? {
            0 => Some(None),
            _ => Some(Some(self.string()?)),
        }
    }
    fn opt_i64(&mut self) -> Option<Option<i64>> {
        match self.u8()? {
            0 => Some(None),
            _ => Some(Some(self.i64()?)),
        }
    }
}

/// Append the frame of `r`, written in `epoch`, to `out`.
pub fn encode(r: &Record, epoch: u64, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[0u8; 8]);
    out.extend_from_slice(&epoch.to_le_bytes());
    let mut e = Enc(out);
    let c = &r.capture;
    e.0.push(VERSION);
    e.i64(r.id);
    e.i64(c.endpoint_id);
    e.i64(c.received_at);
    e.str(&c.method);
    e.str(&c.path);
    e.opt_str(c.query.as_deref());
    e.str(&c.http_version);
    e.str(&c.remote_addr);
    e.str(&c.headers_json);
    e.0.push(matches!(c.header_source, HeaderSource::Wire) as u8);
    e.opt_str(c.content_type.as_deref());
    e.0.push(c.body_external as u8);
    e.i64(c.body_size);
    e.bytes(if c.body_external { &[] } else { &c.body });
    e.str(&c.body_sha256);
    e.opt_i64(c.declared_length);
    e.opt_str(c.rejected.as_deref());
    e.i64(i64::from(r.sent.status));
    e.str(&serde_json::to_string(&r.sent.headers).unwrap_or_else(|_| "[]".into()));
    e.str(&r.sent.body);
    let payload_len = (out.len() - start - 16) as u32;
    let crc = crc32fast::hash(&out[start + 8..]);
    out[start..start + 4].copy_from_slice(&payload_len.to_le_bytes());
    out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
}

fn decode_payload(p: &[u8]) -> Option<Record> {
    let mut d = Dec(p);
    if d.u8()? != VERSION {
        return None;
    }
    let id = d.i64()?;
    let endpoint_id = d.i64()?;
    let received_at = d.i64()?;
    let method = d.string()?;
    let path = d.string()?;
    let query = d.opt_string()?;
    let http_version = d.string()?;
    let remote_addr = d.string()?;
    let headers_json = d.string()?;
    let header_source = if d.u8()? == 1 { HeaderSource::Wire } else { HeaderSource::Parsed };
    let content_type = d.opt_string()?;
    let body_external = d.u8()? == 1;
    let body_size = d.i64()?;
    let body = Bytes::copy_from_slice(d.bytes()?);
    let body_sha256 = d.string()?;
    let declared_length = d.opt_i64()?;
    let rejected = d.opt_string()?;
    let status = u16::try_from(d.i64()?).ok()?;
    let headers: Vec<Header> = serde_json::from_str(&d.string()?).ok()?;
    let body_text = d.string()?;
    Some(Record {
        id,
        capture: NewCapture {
            endpoint_id,
            received_at,
            method,
            path,
            query,
            http_version,
            remote_addr,
            headers_json,
            header_source,
            content_type,
            body,
            body_external,
            body_size,
            body_sha256,
            declared_length,
            rejected,
        },
        sent: SentResponse { status, headers, body: body_text },
    })
}

/// Every whole, intact record of `epoch` at the start of `data`, in order.
pub fn decode_all(mut data: &[u8], epoch: u64) -> Vec<Record> {
    let mut out = Vec::new();
    while data.len() >= 16 {
        let len = u32::from_le_bytes([data[0], data[1], data[2], data[3]]) as usize;
        let crc = u32::from_le_bytes([data[4], data[5], data[6], data[7]]);
        let Some(checked) = data.get(8..16 + len) else { break };
        if crc32fast::hash(checked) != crc || checked[..8] != epoch.to_le_bytes() {
            break;
        }
        match decode_payload(&checked[8..]) {
            Some(r) => out.push(r),
            None => break,
        }
        data = &data[16 + len..];
    }
    out
}

/// The journal file.
pub struct Journal {
    path: PathBuf,
    file: File,
    epoch: u64,
    /// Where the next frame goes.
    pos: u64,
}

fn io_err(path: &Path, source: std::io::Error) -> StoreError {
    StoreError::Io { path: path.to_owned(), source }
}

impl Journal {
    /// Open (or create) the journal and read what it holds.
    pub fn open(path: &Path) -> Result<(Journal, Vec<Record>), StoreError> {
        let mut opts = File::options();
        opts.read(true).write(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut file = opts.open(path).map_err(|e| io_err(path, e))?;
        let mut data = Vec::new();
        file.read_to_end(&mut data).map_err(|e| io_err(path, e))?;
        let (epoch, records) = match data.get(..HEADER as usize) {
            Some(h) if &h[..4] == MAGIC => {
                let epoch = u64::from_le_bytes(h[4..12].try_into().unwrap_or_default());
                (epoch, decode_all(&data[HEADER as usize..], epoch))
            }
            _ => (0, Vec::new()),
        };
        let mut j = Journal { path: path.to_owned(), file, epoch, pos: HEADER };
        if epoch == 0 {
            j.clear()?;
        }
        Ok((j, records))
    }

    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Bytes written in this epoch.
    pub fn written(&self) -> u64 {
        self.pos - HEADER
    }

    /// Write `frames` (encoded with [`Journal::epoch`]) after the last ones,
    /// with one write. A failed write is overwritten by the next one.
    pub fn append(&mut self, frames: &[u8], sync: bool) -> Result<(), StoreError> {
        self.file
            .write_all_at(frames, self.pos)
            .and_then(|()| if sync { self.file.sync_data() } else { Ok(()) })
            .map_err(|e| io_err(&self.path, e))?;
        self.pos += frames.len() as u64;
        Ok(())
    }

    /// Start a new epoch at the top of the file (everything in the journal is
    /// in the database).
    pub fn clear(&mut self) -> Result<(), StoreError> {
        let epoch = self.epoch + 1;
        let mut header = MAGIC.to_vec();
        header.extend_from_slice(&epoch.to_le_bytes());
        self.file.write_all_at(&header, 0).map_err(|e| io_err(&self.path, e))?;
        self.epoch = epoch;
        self.pos = HEADER;
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn sample(id: i64, body: &[u8]) -> Record {
        Record {
            id,
            capture: NewCapture {
                endpoint_id: 1,
                received_at: 1_700_000_000_000 + id,
                method: "POST".into(),
                path: "/h/x/é".into(),
                query: Some("a=1&a=2".into()),
                http_version: "HTTP/1.1".into(),
                remote_addr: "127.0.0.1:5000".into(),
                headers_json: r#"[{"name":"X-A","value":"1"}]"#.into(),
                header_source: HeaderSource::Wire,
                content_type: None,
                body: Bytes::copy_from_slice(body),
                body_external: false,
                body_size: body.len() as i64,
                body_sha256: "ab".repeat(32),
                declared_length: Some(body.len() as i64),
                rejected: None,
            },
            sent: SentResponse {
                status: 200,
                headers: vec![Header::new("x-id", id.to_string())],
                body: "{}".into(),
            },
        }
    }

    #[test]
    fn round_trip_and_torn_tail() {
        let mut buf = Vec::new();
        for i in 1..=3 {
            encode(&sample(i, &[i as u8, 0, 255]), 5, &mut buf);
        }
        assert!(decode_all(&buf, 4).is_empty(), "another epoch's frames are not read");
        let all = decode_all(&buf, 5);
        assert_eq!(all.len(), 3);
        assert_eq!(all[2].id, 3);
        assert_eq!(&all[1].capture.body[..], &[2, 0, 255]);
        assert_eq!(all[0].capture.query.as_deref(), Some("a=1&a=2"));
        assert_eq!(all[0].sent.headers[0].value, "1");
        // A crash mid-write leaves a short or corrupt last frame: it is ignored.
        assert_eq!(decode_all(&buf[..buf.len() - 1], 5).len(), 2);
        let mut bad = buf.clone();
        let n = bad.len();
        bad[n - 2] ^= 0xff;
        assert_eq!(decode_all(&bad, 5).len(), 2);
    }

    #[test]
    fn file_append_reopen_clear() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let (mut j, recs) = Journal::open(&path).unwrap();
        assert!(recs.is_empty());
        let mut buf = Vec::new();
        encode(&sample(7, b"hello"), j.epoch(), &mut buf);
        encode(&sample(8, b"world"), j.epoch(), &mut buf);
        j.append(&buf, true).unwrap();
        drop(j);
        let (mut j, recs) = Journal::open(&path).unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(&recs[0].capture.body[..], b"hello");
        // A new epoch writes over the old frames; only the new one is read back.
        j.clear().unwrap();
        let mut buf = Vec::new();
        encode(&sample(9, b"again"), j.epoch(), &mut buf);
        j.append(&buf, false).unwrap();
        drop(j);
        let (_, recs) = Journal::open(&path).unwrap();
        assert_eq!(recs.iter().map(|r| r.id).collect::<Vec<_>>(), [9]);
    }
}
