-- Credentials this station signed, one per pass version, so the card printed
-- and any reprint of the same version carry the same signed text.
CREATE TABLE credentials (
    pass_id    TEXT NOT NULL,
    version    INTEGER NOT NULL,
    qr_text    TEXT NOT NULL,
    issued_at  TEXT NOT NULL,
    PRIMARY KEY (pass_id, version)
) WITHOUT ROWID;

-- What verification rests on, as central signed it: the trust list (COSE
-- bytes, verified again on every load) and the hotlist (its compact cache
-- form, with a checksum).
CREATE TABLE trust_documents (
    name       TEXT PRIMARY KEY CHECK (name IN ('trust_list', 'hotlist')),
    bytes      BLOB NOT NULL,
    fetched_at TEXT NOT NULL
);
