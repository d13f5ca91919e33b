//! Understanding payloads: the diff of two captures, the schema of an
//! endpoint's JSON bodies, and mapping references (HighLevel's Inbound Webhook
//! trigger) with the check of every later capture against them. The API
//! (`api::analysis`) and the CLI (`hookbench diff`) are thin over this.

pub mod checker;
pub mod db;
pub mod diff;
pub mod flatten;
pub mod lines;
pub mod mapping;
pub mod path;
pub mod schema;
mod text;
pub mod volatile;

use sha2::{Digest, Sha256};

pub use diff::{DiffOptions, DiffResult, diff};
pub use mapping::MappingCheck;

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Diff two stored captures.
pub fn diff_captures(
    conn: &rusqlite::Connection,
    blobs: &crate::store::Blobs,
    a: i64,
    b: i64,
    opts: DiffOptions,
) -> Result<DiffResult, crate::store::StoreError> {
    let sa = db::diff_side(conn, blobs, a)?;
    let sb = db::diff_side(conn, blobs, b)?;
    Ok(diff(&sa, &sb, opts))
}

pub use text::render_text;

/// Diff two captures of a data directory, reading its database read-only
/// (`hookbench diff`; works while `serve` runs).
pub fn diff_from_data_dir(
    data_dir: &std::path::Path,
    a: i64,
    b: i64,
    opts: DiffOptions,
) -> Result<DiffResult, crate::store::StoreError> {
    let (conn, blobs) = db::open_read_only(data_dir)?;
    diff_captures(&conn, &blobs, a, b, opts)
}
