-- Bulk replays: a set of captures sent again to one URL, and each item's outcome.
CREATE TABLE bulk_replays (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at  INTEGER NOT NULL,
    spec        TEXT    NOT NULL,     -- JSON of the request (URL, overrides, options, limits)
    status      TEXT    NOT NULL,     -- running | stopped | finished
    total       INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE TABLE bulk_items (
    batch_id   INTEGER NOT NULL REFERENCES bulk_replays(id) ON DELETE CASCADE,
    idx        INTEGER NOT NULL,
    capture_id INTEGER NOT NULL,
    state      TEXT    NOT NULL DEFAULT 'pending',   -- pending | ok | failed
    status     INTEGER,
    error      TEXT,
    attempts   INTEGER NOT NULL DEFAULT 0,
    send_id    INTEGER,
    PRIMARY KEY (batch_id, idx)
) WITHOUT ROWID;
