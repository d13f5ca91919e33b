-- Forward-to: an endpoint's captures are also sent to a target.
CREATE TABLE endpoint_forwards (
    endpoint_id INTEGER PRIMARY KEY REFERENCES endpoints(id) ON DELETE CASCADE,
    config      TEXT    NOT NULL,    -- JSON: {url, enabled, keep_host, options}
    since       INTEGER NOT NULL     -- captures after this id are forwarded (set when the forward is saved)
);
