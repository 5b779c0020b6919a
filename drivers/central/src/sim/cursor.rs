//! The feed cursor: where a station's last page ended, as opaque text
//! `<epoch>.<seq>`.
//!
//! It exists so that a cursor made before the feed was rebuilt (a new epoch)
//! is told apart from one that is merely old: the first answers 410 and the
//! station starts again, the second pages on. Text that is no cursor at all is
//! the station's mistake and answers 400.
//!
//! Not for reading the feed (see the store's `feed`); it knows only errors.

use std::fmt;
use std::str::FromStr;

use super::error::SimError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cursor {
    /// Which build of the feed the cursor belongs to.
    pub epoch: u32,
    /// The sequence number of the last change the station has.
    pub seq: i64,
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.epoch, self.seq)
    }
}

impl FromStr for Cursor {
    type Err = SimError;

    fn from_str(text: &str) -> Result<Self, SimError> {
        let malformed = || {
            SimError::BadRequest(format!(
                "{text:?} is not a cursor this server made; leave `after` out to start from the beginning"
            ))
        };
        let (epoch, seq) = text.split_once('.').ok_or_else(malformed)?;
        let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        if !digits(epoch) || !digits(seq) {
            return Err(malformed());
        }
        Ok(Cursor {
            epoch: epoch.parse().map_err(|_| malformed())?,
            seq: seq.parse().map_err(|_| malformed())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_what_it_writes() {
        let cursor = Cursor {
            epoch: 3_000_000_000,
            seq: 42,
        };
        assert_eq!(cursor.to_string(), "3000000000.42");
        assert_eq!("3000000000.42".parse::<Cursor>().ok(), Some(cursor));
        assert_eq!("7.0".parse::<Cursor>().ok(), Some(Cursor { epoch: 7, seq: 0 }));
    }

    #[test]
    fn text_that_is_no_cursor_is_a_bad_request() {
        for bad in [
            "",
            "7",
            "7.",
            ".5",
            "7.5.1",
            "-1.5",
            "7.-5",
            "a.b",
            "7.5 ",
            "99999999999.1",
            "1.99999999999999999999",
            "+7.5",
        ] {
            assert!(
                matches!(bad.parse::<Cursor>(), Err(SimError::BadRequest(_))),
                "{bad:?} was taken for a cursor"
            );
        }
    }
}
