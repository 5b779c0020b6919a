//! Who may take a released card at the counter, and why.
//!
//! Why it works this way: a card opens a port, so it goes only to someone
//! the pass system names for it, and the station can tell offline:
//! - the holder, who shows their own ID document: central sends each
//!   person's document only as a slow salted hash
//!   ([`pass_central::identity`]), and the station hashes the document shown
//!   the same way and compares;
//! - the company's named delegate (代理人), who brings the card's pick-up
//!   code: central signed it at release with a key of the trust list, so the
//!   station checks it without the network; it names one card at one
//!   version and the delegate's name, and is good once (this station keeps
//!   every code it accepted);
//! - anyone else only with a supervisor's approval and a reason, both in the
//!   audit trail (see [`crate::workflow`]).
//!
//! What it is not for: recording the hand-over (the workflow does, one
//! transaction per card) or verifying credentials at the gate.

use pass_central::identity::{IdDocument, is_holder};
use pass_credential::PickupCode;
use serde::Serialize;

pub use crate::policy::PickupRefusal;
use crate::store::ItemRecord;
use crate::{Station, StationError};

/// Why a recipient may take one card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Entitlement {
    /// The recipient showed the holder's own ID document.
    Holder,
    /// The recipient is the company's delegate named in the card's pick-up code.
    PickupCode {
        delegate: String,
        /// The code's ID (hex), recorded as used when the card goes.
        code_id: String,
    },
}

/// One card of a hand-over, and whether the recipient may take it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct CardEntitlement {
    pub pass_id: String,
    /// The holder's name, or the vehicle's plate.
    pub holder: String,
    /// `None`: only with a supervisor's approval.
    pub entitlement: Option<Entitlement>,
}

impl Station {
    /// For each card, whether `recipient` (as their ID document shows them)
    /// may take it: as its holder, or as the delegate of a pick-up code
    /// among `codes`. Every code must be good and for one of the cards, or
    /// the answer is its refusal. The document must be checked already.
    pub(crate) fn entitlements(
        &self,
        records: &[ItemRecord],
        recipient: &str,
        document: Option<&IdDocument>,
        codes: &[String],
    ) -> Result<Vec<CardEntitlement>, StationError> {
        let mut by_code = Vec::with_capacity(codes.len());
        if !codes.is_empty() {
            let verifier = self.verifier()?;
            let trust = verifier.trust_list().ok_or(StationError::NoTrustList)?;
            for text in codes {
                let code = PickupCode::verify(text, trust, self.now()).map_err(PickupRefusal::from)?;
                by_code.push(self.code_for(records, code, recipient)?);
            }
        }
        records
            .iter()
            .map(|record| {
                let item = &record.item;
                let as_holder = match (document, &item.holder_id_hash) {
                    // A hash this station cannot use (too cheap, damaged) vouches for nobody.
                    (Some(document), Some(hash)) => is_holder(hash, document).unwrap_or(false),
                    _ => false,
                };
                let entitlement = if as_holder {
                    Some(Entitlement::Holder)
                } else {
                    by_code
                        .iter()
                        .find(|code| code.pass_id == item.pass_id)
                        .map(|code| Entitlement::PickupCode {
                            delegate: code.delegate.clone(),
                            code_id: code.id_hex(),
                        })
                };
                Ok(CardEntitlement {
                    pass_id: item.pass_id.clone(),
                    holder: item.holder.display_name().to_owned(),
                    entitlement,
                })
            })
            .collect()
    }

    /// A verified code, once it is for one of `records` at its version, for
    /// this recipient, and not used here before.
    fn code_for(&self, records: &[ItemRecord], code: PickupCode, recipient: &str) -> Result<PickupCode, StationError> {
        let record = records
            .iter()
            .find(|record| record.item.pass_id == code.pass_id && record.item.pickup_office == self.config().office)
            .ok_or_else(|| PickupRefusal::OtherCard {
                pass_id: code.pass_id.clone(),
            })?;
        if record.item.version != code.version {
            return Err(PickupRefusal::OldVersion {
                pass_id: code.pass_id.clone(),
                code_version: code.version,
                version: record.item.version,
            }
            .into());
        }
        if let Some(used_at) = self.store().pickup_code_used(&code.id_hex())? {
            return Err(PickupRefusal::Used {
                pass_id: code.pass_id.clone(),
                used_at,
            }
            .into());
        }
        if !same_name(&code.delegate, recipient) {
            return Err(PickupRefusal::OtherPerson {
                delegate: code.delegate.clone(),
                recipient: recipient.to_owned(),
            }
            .into());
        }
        Ok(code)
    }
}

/// Names compared as people write them: spaces and letter case aside.
fn same_name(a: &str, b: &str) -> bool {
    let key = |name: &str| -> String {
        name.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect()
    };
    key(a) == key(b)
}

#[cfg(test)]
mod tests {
    use super::same_name;

    #[test]
    fn names_match_across_spaces_and_case_only() {
        assert!(same_name("林小美", " 林 小美 "));
        assert!(same_name("Lin Hsiao-mei", "LIN HSIAO-MEI"));
        assert!(!same_name("林小美", "林小華"));
    }
}
