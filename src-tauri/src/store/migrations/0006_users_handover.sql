-- The people who work at this station. Central is the source of users and
-- their roles; a row here is made when a user first signs in online, so the
-- station can let them in offline later. Only an Argon2id hash of the
-- password is kept, never the password.
CREATE TABLE users (
    username        TEXT PRIMARY KEY,
    display_name    TEXT NOT NULL,
    roles           TEXT NOT NULL,              -- space-separated role names
    password_hash   TEXT NOT NULL,              -- Argon2id PHC string
    last_sign_in_at TEXT NOT NULL,              -- RFC 3339, UTC: the 90-day freeze counts from here
    failed_attempts INTEGER NOT NULL DEFAULT 0, -- consecutive, at this station
    locked_until    TEXT                        -- RFC 3339, UTC
);

-- Sign-ins. The holder keeps the token; only its SHA-256 is stored here.
CREATE TABLE sessions (
    token_sha256   TEXT PRIMARY KEY,
    username       TEXT NOT NULL REFERENCES users (username),
    started_at     TEXT NOT NULL,
    last_active_at TEXT NOT NULL,
    ended_at       TEXT,
    ended_why      TEXT                          -- 'signed_out', 'idle', 'replaced'
);

-- A supervisor's approval rights lent to another user for a range of office days.
CREATE TABLE delegations (
    id          INTEGER PRIMARY KEY,
    delegator   TEXT NOT NULL,
    delegate    TEXT NOT NULL,
    first_day   TEXT NOT NULL,                  -- YYYY-MM-DD, office time, inclusive
    last_day    TEXT NOT NULL,                  -- YYYY-MM-DD, office time, inclusive
    created_at  TEXT NOT NULL
);
CREATE INDEX delegations_by_delegate ON delegations (delegate, first_day);

-- Each card handed over: to whom, with the recipient's ID number kept masked only.
CREATE TABLE handovers (
    pass_id             TEXT NOT NULL,
    version             INTEGER NOT NULL,
    recipient_name      TEXT NOT NULL,
    recipient_company   TEXT NOT NULL,
    recipient_id_masked TEXT NOT NULL,
    handed_over_at      TEXT NOT NULL,
    clerk               TEXT NOT NULL,
    PRIMARY KEY (pass_id, version)
);
