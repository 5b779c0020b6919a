-- Items approved for pickup at this office, one row per pass, at its latest version.
CREATE TABLE items (
    id                 INTEGER PRIMARY KEY,   -- stable row id, shared with item_search
    pass_id            TEXT NOT NULL UNIQUE,
    version            INTEGER NOT NULL CHECK (version > 0),
    application_id     TEXT NOT NULL,
    holder_kind        TEXT NOT NULL CHECK (holder_kind IN ('person', 'vehicle')),
    holder_name        TEXT,                  -- person
    holder_name_latin  TEXT,                  -- person, optional
    national_id_masked TEXT,                  -- person; never the full number
    plate              TEXT,                  -- vehicle
    vehicle_type       TEXT,                  -- vehicle
    temporary          INTEGER NOT NULL CHECK (temporary IN (0, 1)),
    company_name       TEXT NOT NULL,
    company_tax_id     TEXT NOT NULL,
    ports              TEXT NOT NULL,         -- space-separated port codes
    valid_from         TEXT NOT NULL,         -- YYYY-MM-DD
    valid_to           TEXT NOT NULL,
    pickup_office      TEXT NOT NULL,
    photo_sha256       TEXT,
    state              TEXT NOT NULL,
    received_at        TEXT NOT NULL,         -- first seen by this station
    updated_at         TEXT NOT NULL          -- last changed here
);
CREATE INDEX items_state ON items (state, id);
CREATE INDEX items_photo ON items (photo_sha256) WHERE photo_sha256 IS NOT NULL;

-- Queue search: each field as overlapping character pairs (see store/search.rs).
-- Contentless: the text lives in items; the index holds only the tokens.
CREATE VIRTUAL TABLE item_search USING fts5(
    name, company, pass_id, plate,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0',
    prefix = '1'                          -- one-character queries read one list
);

-- Holder photos, by the SHA-256 of their bytes.
CREATE TABLE photos (
    sha256 TEXT PRIMARY KEY,
    bytes  BLOB NOT NULL
);

-- Records central sent that failed their checks: what, why, when. The record
-- itself is not kept (it may carry personal data we cannot vouch for).
CREATE TABLE rejected_items (
    pass_id   TEXT NOT NULL PRIMARY KEY,      -- '' when the record had none
    reason    TEXT NOT NULL,
    seen_at   TEXT NOT NULL
);

-- Small named values: the sync cursor, the time of the last full sync.
CREATE TABLE station_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Events for central, written in the same transaction as what they report,
-- sent in seq order, each under its own idempotency key.
CREATE TABLE outbox (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,
    occurred_at     TEXT NOT NULL,
    payload         TEXT NOT NULL,            -- JSON object
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    outcome         TEXT CHECK (outcome IN ('accepted', 'duplicate', 'rejected')),
    outcome_reason  TEXT,
    sent_at         TEXT
);
CREATE INDEX outbox_unsent ON outbox (seq) WHERE outcome IS NULL;
