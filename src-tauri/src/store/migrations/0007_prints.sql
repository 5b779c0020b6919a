-- Every print of a card: a valid credential exists only on a card the station
-- recorded here. The credential is signed as part of the print job, with the
-- print's own serial in its `cti`, and kept with it. 'sending' is a job given
-- to the printer and not yet confirmed; 'printed' the one card of its pass
-- version that came out; 'abandoned' a print that failed or was superseded,
-- whose credential central has been told to revoke.
CREATE TABLE prints (
    pass_id    TEXT NOT NULL,
    version    INTEGER NOT NULL,
    print      INTEGER NOT NULL CHECK (print >= 1),
    qr_text    TEXT NOT NULL,
    signed_at  TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('sending', 'printed', 'abandoned')),
    PRIMARY KEY (pass_id, version, print)
) WITHOUT ROWID;

-- Credentials signed per pass version outside any print: none is valid any more.
DROP TABLE credentials;

-- The print a chip was written for: the chip and the card's face name the same card.
ALTER TABLE cards ADD COLUMN print INTEGER;

-- The card of the current version that left the office with its holder, here
-- or at another desk of the office (central's feed says so): the gate refuses
-- every other card of the pass.
ALTER TABLE items ADD COLUMN handed_over_print INTEGER;
ALTER TABLE items ADD COLUMN handed_over_uid TEXT;
ALTER TABLE items ADD COLUMN handed_over_at TEXT;
