-- Search, duplicate deliveries and dialects (issue 4). Depends on 0001 only.

-- Named queries per endpoint.
CREATE TABLE saved_filters (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id INTEGER NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    query       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX saved_filters_by_endpoint ON saved_filters(endpoint_id, id);

-- Where an endpoint's event ids come from: header | json_path (NULL: body hash).
ALTER TABLE endpoints ADD COLUMN event_id_kind TEXT;
ALTER TABLE endpoints ADD COLUMN event_id_name TEXT;

-- The payload family of a capture (highlevel-marketplace | highlevel-workflow),
-- found when it is stored.
ALTER TABLE captures ADD COLUMN dialect TEXT;

-- The event id of every capture; repeated deliveries share one per endpoint.
CREATE TABLE capture_event_ids (
    capture_id  INTEGER PRIMARY KEY,
    endpoint_id INTEGER NOT NULL,
    event_id    TEXT    NOT NULL,
    source      TEXT    NOT NULL           -- header | json_path | body_hash
);
CREATE INDEX capture_event_ids_by_event ON capture_event_ids(endpoint_id, event_id, capture_id);
CREATE TRIGGER capture_event_ids_delete AFTER DELETE ON captures BEGIN
    DELETE FROM capture_event_ids WHERE capture_id = old.id;
END;

-- Captures stored before this migration: their body hash is their event id.
INSERT INTO capture_event_ids (capture_id, endpoint_id, event_id, source)
    SELECT id, endpoint_id, body_sha256, 'body_hash' FROM captures;
