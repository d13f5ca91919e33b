//! Interop with other tools (issue 5): curl commands in and out, and exports
//! of captures and sends (HAR 1.2, NDJSON, JSON) with optional redaction.

pub mod curl;
pub mod export;
