-- Several desks of one office: which desk holds each pass's card work (a
-- lease central grants; the feed and the claim answers report it), so a desk
-- prints only what it claimed, offline too.
CREATE TABLE claims (
    pass_id     TEXT PRIMARY KEY,
    version     INTEGER NOT NULL,
    station_id  TEXT NOT NULL,
    desk        TEXT NOT NULL,
    since       TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    first_print INTEGER NOT NULL CHECK (first_print >= 1)
) WITHOUT ROWID;

-- Who wrote each chip: its release needs another supervisor, at any desk,
-- and a card begun at another desk has no entry in this station's trail.
ALTER TABLE cards ADD COLUMN encoded_by TEXT;
UPDATE cards SET encoded_by = (
    SELECT actor FROM audit
    WHERE audit.pass_id = cards.pass_id AND audit.action = 'encoded'
    ORDER BY seq DESC LIMIT 1
);
