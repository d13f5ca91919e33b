-- The request builder's library: environments, saved responses (steps), saved requests.
CREATE TABLE environments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL UNIQUE,
    variables  TEXT    NOT NULL,     -- JSON array of {name, value, secret}
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE steps (
    name     TEXT PRIMARY KEY,
    send_id  INTEGER NOT NULL,
    saved_at INTEGER NOT NULL,
    response TEXT    NOT NULL        -- JSON {status, headers, body}
);
CREATE TABLE saved_requests (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    request    TEXT    NOT NULL,     -- JSON of the builder's request
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
