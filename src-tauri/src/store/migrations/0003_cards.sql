-- Chips this station wrote: which card carries which pass version. A card
-- written again (a reissue) keeps its row with the newer version.
CREATE TABLE cards (
    card_uid   BLOB PRIMARY KEY,
    pass_id    TEXT NOT NULL,
    version    INTEGER NOT NULL,
    encoded_at TEXT NOT NULL
);
CREATE INDEX cards_by_pass ON cards (pass_id);
