-- Endpoints: named capture URLs.
CREATE TABLE endpoints (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL,
    slug        TEXT    NOT NULL UNIQUE,
    is_default  INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- Captures: every request exactly as it arrived, and what was answered.
CREATE TABLE captures (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id      INTEGER NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
    received_at      INTEGER NOT NULL,
    method           TEXT    NOT NULL,
    path             TEXT    NOT NULL,
    query            TEXT,
    http_version     TEXT    NOT NULL,
    remote_addr      TEXT    NOT NULL,
    headers          TEXT    NOT NULL,           -- JSON array of {name, value, value_base64?}
    header_source    TEXT    NOT NULL,           -- wire | parsed
    content_type     TEXT,
    body_size        INTEGER NOT NULL,
    body_sha256      TEXT    NOT NULL,
    body             BLOB    NOT NULL,           -- empty when body_external
    body_external    INTEGER NOT NULL DEFAULT 0,  -- 1: the bytes are in blobs/<sha[0:2]>/<sha>
    declared_length  INTEGER,
    rejected         TEXT,
    response_status  INTEGER NOT NULL,
    response_headers TEXT    NOT NULL,           -- JSON array of {name, value}
    response_body    TEXT    NOT NULL,
    starred          INTEGER NOT NULL DEFAULT 0,
    note             TEXT    NOT NULL DEFAULT '',
    tags             TEXT    NOT NULL DEFAULT '[]'
);
CREATE INDEX captures_by_endpoint ON captures(endpoint_id, id);
CREATE INDEX captures_external_bodies ON captures(body_sha256) WHERE body_external = 1;

-- Full-text search (substring, case-insensitive) over path, header text and the
-- first part of text bodies. Rows share the capture's id as rowid.
CREATE VIRTUAL TABLE captures_fts USING fts5(path, headers, body, tokenize = 'trigram');
CREATE TRIGGER captures_fts_delete AFTER DELETE ON captures BEGIN
    DELETE FROM captures_fts WHERE rowid = old.id;
END;

-- Key/value settings (JSON values).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
