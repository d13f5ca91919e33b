-- Event ids are recorded after captures are committed (by the writer, off the
-- capture path). Every capture stored so far already has its event id.
INSERT INTO settings (key, value)
    SELECT 'event_ids_upto', coalesce(max(id), 0) FROM captures WHERE true
    ON CONFLICT(key) DO UPDATE SET value = excluded.value;
