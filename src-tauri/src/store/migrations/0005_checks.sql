-- Every check of a card at this station (a gate, or the counter): when, by
-- whom, what was shown, and the verdict. Sent to central through the outbox.
CREATE TABLE checks (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,                 -- RFC 3339, UTC
    actor     TEXT NOT NULL,
    source    TEXT NOT NULL CHECK (source IN ('qr', 'chip')),
    pass_id   TEXT,                          -- when the credential could be read
    version   INTEGER,
    card_uid  TEXT,                          -- chip checks
    port      TEXT,
    outcome   TEXT NOT NULL                  -- 'valid', or the reason's code
);
CREATE INDEX checks_by_time ON checks (at);
