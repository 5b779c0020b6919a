//! Checking a card as its issuing office: a QR credential verified and then
//! ruled on by this office's own records, and each check written to the
//! verification log.
//!
//! What it is for: the station's word on a card that the verifier (trust
//! list, hotlist, signature) found valid, for the gate, the counter and a
//! chip read-back alike, and the log entry of every check.
//!
//! What it is not for: the signed credential itself, the trust documents
//! or the verifier they make ([`crate::credentials`]), or running a gate
//! with its camera and readers ([`crate::gate`]).

use pass_credential::Verifier;
use time::OffsetDateTime;

use crate::credentials::{CheckSource, outcome_code};
use crate::model::CardState;
use crate::store::Check;
use crate::{Station, StationError};

impl Station {
    /// Verifies a QR credential's text as a gate does: the verifier's verdict,
    /// then this office's own records ([`Station::office_ruling`]).
    pub fn verify_qr(
        &self,
        verifier: &Verifier,
        qr_text: &str,
        now: OffsetDateTime,
        at_port: Option<&str>,
    ) -> Result<pass_credential::Verdict, StationError> {
        let mut verdict = verifier.verify_qr(qr_text.trim(), now, at_port);
        self.office_ruling(&mut verdict)?;
        Ok(verdict)
    }

    /// The issuing office's word on a card the verifier found valid. A card
    /// of a pass this station holds at the same version passes only if it is
    /// the card that was handed over: a card still in the office's work (or
    /// one its records took out of the work, before the hotlist says so) is
    /// refused. A pass this station does not hold, or holds at another
    /// version, is the hotlist's to judge.
    pub fn office_ruling(&self, verdict: &mut pass_credential::Verdict) -> Result<(), StationError> {
        use pass_credential::{Reason, Revocation};
        let (Ok(()), Some(claims)) = (&verdict.outcome, &verdict.claims) else {
            return Ok(());
        };
        let Some(standing) = self.store().issue_standing(&claims.pass_id)? else {
            return Ok(());
        };
        if standing.version != claims.version {
            return Ok(());
        }
        let refusal = match standing.state {
            CardState::HandedOver => {
                let same_print = standing.handed_over_print.is_none_or(|print| print == claims.print);
                let same_chip = match (&claims.card_uid, &standing.handed_over_uid) {
                    (Some(uid), Some(held)) => hex::encode_upper(uid) == *held,
                    _ => true,
                };
                (!(same_print && same_chip)).then(|| Reason::NotHandedOver {
                    state: "superseded".to_owned(),
                })
            }
            CardState::Spoiled => Some(Reason::Revoked(Revocation::Spoiled)),
            CardState::Voided => Some(Reason::Revoked(Revocation::Voided)),
            CardState::Withdrawn => Some(Reason::Revoked(Revocation::Withdrawn)),
            CardState::Uncollected => Some(Reason::Revoked(Revocation::Uncollected)),
            in_the_office => Some(Reason::NotHandedOver {
                state: in_the_office.as_str().to_owned(),
            }),
        };
        if let Some(reason) = refusal {
            verdict.outcome = Err(reason);
        }
        Ok(())
    }

    /// Logs a check of a card (the verification log) with its outcome: `valid`,
    /// the reason's code, or `not_our_card` for a chip this office never wrote.
    /// `actor` is the officer at the gate (the station itself until users sign in).
    pub(crate) fn log_check(
        &mut self,
        actor: &str,
        source: CheckSource,
        verdict: Option<&pass_credential::Verdict>,
        card_uid: Option<&str>,
        port: Option<&str>,
    ) -> Result<(), StationError> {
        let claims = verdict.and_then(|v| v.claims.as_ref());
        let code = outcome_code(verdict);
        let outcome = code.parse().map_err(|_| {
            StationError::Corrupt(format!("the verifier gave an outcome the log does not know: {code}"))
        })?;
        let check = Check {
            at: OffsetDateTime::now_utc(),
            actor: actor.to_owned(),
            source,
            pass_id: claims.map(|c| c.pass_id.clone()),
            version: claims.map(|c| c.version),
            card_uid: card_uid.map(str::to_owned),
            port: port.map(str::to_owned),
            outcome,
        };
        Ok(self.store_mut().record_check(&check)?)
    }
}
