-- Who may take a card at the counter: the holder's ID document as central
-- hashed it (Argon2id, never the number), each pick-up code accepted (a code
-- is good once), and why each hand-over was allowed.
ALTER TABLE items ADD COLUMN holder_id_hash TEXT;

CREATE TABLE pickup_codes_used (
    code_id  TEXT PRIMARY KEY,
    pass_id  TEXT NOT NULL,
    version  INTEGER NOT NULL,
    used_at  TEXT NOT NULL,
    clerk    TEXT NOT NULL
) WITHOUT ROWID;

-- holder: the recipient showed the holder's own document; pickup_code: the
-- company's delegate with the card's code; supervisor: someone else, with a
-- supervisor's approval and reason. Hand-overs before this have none.
ALTER TABLE handovers ADD COLUMN authorised_by TEXT
    CHECK (authorised_by IN ('holder', 'pickup_code', 'supervisor'));
ALTER TABLE handovers ADD COLUMN pickup_code_id TEXT;
ALTER TABLE handovers ADD COLUMN approved_by TEXT;
ALTER TABLE handovers ADD COLUMN approval_reason TEXT;
