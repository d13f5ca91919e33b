-- Mapping references (HighLevel Inbound Webhook): one per endpoint. `rev`
-- changes with every replacement, so a check made against an older reference
-- is never stored over a newer one.
CREATE TABLE mapping_references (
    endpoint_id INTEGER PRIMARY KEY REFERENCES endpoints(id) ON DELETE CASCADE,
    capture_id  INTEGER,                 -- the capture it was made from (NULL: imported)
    rev         INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    fields      TEXT    NOT NULL         -- JSON array of {path, tag, type, sample}
);

-- Mapping rules from reference fields to target fields, per endpoint.
CREATE TABLE mappings (
    endpoint_id INTEGER PRIMARY KEY REFERENCES endpoints(id) ON DELETE CASCADE,
    rules       TEXT    NOT NULL,        -- JSON array of {target, source, transforms}
    updated_at  INTEGER NOT NULL
);

-- The check of a capture against its endpoint's reference, made after the
-- capture is committed (never on the capture path).
CREATE TABLE capture_mapping_checks (
    capture_id  INTEGER PRIMARY KEY REFERENCES captures(id) ON DELETE CASCADE,
    endpoint_id INTEGER NOT NULL,
    rev         INTEGER NOT NULL,
    check_json  TEXT    NOT NULL,        -- {missing, null, type_changed, new}
    issues      INTEGER NOT NULL         -- missing + null + type_changed
);
CREATE INDEX capture_mapping_checks_by_endpoint ON capture_mapping_checks(endpoint_id);
