-- The office's day in numbers: blank cards received (a count, and a box's
-- first and last serial when it has them), each office day's closing (the
-- hopper counted, the report as signed with the station key), and the
-- pick-up reminders sent to central (once per card version and mark).
CREATE TABLE stock_received (
    id            INTEGER PRIMARY KEY,
    received_at   TEXT NOT NULL,
    count         INTEGER NOT NULL CHECK (count > 0),
    first_serial  TEXT,
    last_serial   TEXT,
    clerk         TEXT NOT NULL
);

CREATE TABLE day_closings (
    day           TEXT PRIMARY KEY,          -- office day, YYYY-MM-DD (Taiwan time)
    closed_at     TEXT NOT NULL,
    closed_by     TEXT NOT NULL,
    report        TEXT NOT NULL,             -- JSON, exactly as signed
    signature     BLOB NOT NULL              -- COSE_Sign1 by the station key
) WITHOUT ROWID;

CREATE TABLE pickup_reminders (
    pass_id       TEXT NOT NULL,
    version       INTEGER NOT NULL,
    days          INTEGER NOT NULL,          -- 7 or 21 days after the release
    sent_at       TEXT NOT NULL,
    PRIMARY KEY (pass_id, version, days)
) WITHOUT ROWID;
