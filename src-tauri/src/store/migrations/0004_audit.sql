-- What happened at this station, who did it and when, each entry chained to
-- the one before by its hash, so an edit, a deletion or a reordering of rows
-- is found by `passctl audit verify`.
CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,           -- 1, 2, 3, ... without gaps
    at        TEXT NOT NULL,                 -- RFC 3339, UTC
    actor     TEXT NOT NULL,                 -- who: a user, or station:<id> for the station itself
    action    TEXT NOT NULL,                 -- such as printed, encoded
    pass_id   TEXT,
    detail    TEXT NOT NULL,                 -- JSON object
    prev_hash TEXT NOT NULL,                 -- hex SHA-256 of the entry before ('' for the first)
    hash      TEXT NOT NULL                  -- hex SHA-256 of this entry, prev_hash included
);
CREATE INDEX audit_by_pass ON audit (pass_id, seq);
