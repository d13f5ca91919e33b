-- The execution log: every outbound request (send, replay, forward, bulk item)
-- with the request head exactly as written, the response and any error.
CREATE TABLE sends (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at         INTEGER NOT NULL,
    kind               TEXT    NOT NULL,            -- send | replay | forward | bulk
    capture_id         INTEGER,                     -- the capture replayed or forwarded (kept if it is deleted)
    batch_id           INTEGER,                     -- the bulk replay this belongs to
    method             TEXT    NOT NULL,
    url                TEXT    NOT NULL,            -- secrets masked
    request_head       BLOB    NOT NULL,            -- exactly as written
    request_secrets    TEXT    NOT NULL DEFAULT '[]', -- byte ranges of request_head masked when shown
    request_body       BLOB    NOT NULL,
    response_status    INTEGER,                     -- null: no response (see error)
    response_reason    TEXT,
    response_version   TEXT,
    response_headers   TEXT,                        -- JSON array of {name, value, value_base64?}
    response_body      BLOB,
    response_truncated INTEGER NOT NULL DEFAULT 0,
    error              TEXT,
    duration_ms        INTEGER,
    redirects          TEXT    NOT NULL DEFAULT '[]',
    diagnostics        TEXT    NOT NULL DEFAULT '[]'
);
CREATE INDEX sends_by_capture ON sends(capture_id) WHERE capture_id IS NOT NULL;
CREATE INDEX sends_by_batch ON sends(batch_id) WHERE batch_id IS NOT NULL;
