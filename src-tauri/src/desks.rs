//! This desk among the office's desks: claiming passes at central before
//! printing them, the offline rule, and a supervisor's take-over of another
//! desk's claim.
//!
//! Why claims: two desks of one office must never print the same pass, and
//! they share no database; central grants each pass's card work to one desk
//! at a time (a lease, see `openapi.yaml`'s `claimPasses`). Online, every
//! print asks central first; offline, a desk prints only what it claimed
//! while it could still ask, and says so for the rest.
//!
//! Not for keeping claims or carrying on another desk's card (the cache's
//! `desks` module does both as the feed reports them), nor for deciding who
//! may print (the callers check duties).

use pass_central::CentralError;
use pass_central::api::{Claim, ClaimOutcome, TakeOverRequest};

use crate::auth::{Duty, Session};
use crate::credentials::OFFICE_UTC_OFFSET;
use crate::store::DeskClaim;
use crate::{Station, StationError};

impl Station {
    /// The claim on the pass's current version that binds now, if another desk holds it.
    pub(crate) fn claimed_elsewhere(&self, pass_id: &str, version: u32) -> Result<Option<DeskClaim>, StationError> {
        let now = self.now();
        Ok(self
            .store()
            .claim(pass_id)?
            .filter(|claim| claim.version == version && claim.live_at(now))
            .filter(|claim| claim.station_id != self.config().station_id)
            .as_ref()
            .map(DeskClaim::of))
    }

    /// Where this desk numbers its prints of a pass version from: its claim's range.
    pub(crate) fn first_print(&self, pass_id: &str, version: u32) -> Result<u32, StationError> {
        Ok(self
            .store()
            .claim(pass_id)?
            .filter(|claim| claim.version == version && claim.station_id == self.config().station_id)
            .map_or(1, |claim| claim.first_print))
    }

    /// Claims each pass for this desk at central (or extends the claim), and
    /// keeps what central answered; one answer per pass, in order. Central
    /// out of reach, a pass passes only if this desk's own claim on it still
    /// runs by the station's clock.
    pub(crate) async fn claim_passes(
        &mut self,
        pass_ids: &[String],
    ) -> Result<Vec<Result<(), StationError>>, StationError> {
        if pass_ids.is_empty() {
            return Ok(Vec::new());
        }
        let answered = match self.client()?.claim(pass_ids).await {
            Ok(answered) => answered,
            Err(CentralError::Unreachable { .. }) => {
                return pass_ids.iter().map(|pass_id| self.claimed_offline(pass_id)).collect();
            }
            Err(source) => {
                return Err(StationError::Central {
                    stage: "claiming the passes for this desk before printing".to_owned(),
                    source,
                });
            }
        };
        let kept: Vec<(String, Claim)> = answered
            .results
            .iter()
            .filter_map(|result| Some((result.pass_id.clone(), result.claim.clone()?)))
            .collect();
        self.store_mut().record_claims(&kept)?;
        Ok(answered
            .results
            .into_iter()
            .map(|result| match (result.outcome, result.claim) {
                (ClaimOutcome::Granted, _) => Ok(()),
                (ClaimOutcome::HeldElsewhere, Some(claim)) => Err(claimed_elsewhere(&result.pass_id, &claim)),
                (_, _) => Err(StationError::NotClaimable {
                    pass_id: result.pass_id,
                    reason: result.reason.unwrap_or_else(|| "central gave no reason".to_owned()),
                }),
            })
            .collect())
    }

    fn claimed_offline(&self, pass_id: &str) -> Result<Result<(), StationError>, StationError> {
        let version = self.item(pass_id)?.item.version;
        let own = self.store().claim(pass_id)?.is_some_and(|claim| {
            claim.version == version && claim.station_id == self.config().station_id && claim.live_at(self.now())
        });
        Ok(if own {
            Ok(())
        } else {
            Err(StationError::NotClaimedOffline {
                pass_id: pass_id.to_owned(),
            })
        })
    }

    /// Gives this desk's claims on the passes back at central (the clerk
    /// will not make them after all), so another desk may print them now.
    pub(crate) async fn release_claims(&mut self, pass_ids: &[String]) -> Result<(), StationError> {
        let client = self.client()?;
        for pass_id in pass_ids {
            self.item(pass_id)?;
            client
                .release_claim(pass_id)
                .await
                .map_err(|source| StationError::Central {
                    stage: format!("giving the claim on {pass_id} back"),
                    source,
                })?;
            if let Some(claim) = self.store().claim(pass_id)? {
                let ended = Claim {
                    expires_at: self.now(),
                    ..claim
                };
                self.store_mut().record_claims(&[(pass_id.clone(), ended)])?;
            }
        }
        Ok(())
    }

    /// Moves a pass's claim to this desk at central (a supervisor's decision,
    /// with a reason central keeps and the audit trail records).
    pub(crate) async fn take_over_claim(
        &mut self,
        pass_id: &str,
        reason: &str,
        session: &Session,
    ) -> Result<DeskClaim, StationError> {
        let actor = self.authorise(session, Duty::Approve)?;
        let reason = crate::workflow::required_reason(reason)?;
        self.item(pass_id)?;
        let before = self.store().claim(pass_id)?;
        let request = TakeOverRequest {
            reason: reason.to_owned(),
            approved_by: actor.username.clone(),
        };
        let claim = self
            .client()?
            .take_over_claim(pass_id, &request)
            .await
            .map_err(|source| StationError::Central {
                stage: "taking the claim over for this desk".to_owned(),
                source,
            })?;
        let detail = actor.detail(serde_json::json!({
            "reason": reason,
            "from_desk": before.map(|claim| claim.desk),
            "first_print": claim.first_print,
        }));
        self.store_mut()
            .record_take_over(pass_id, &claim, &actor.username, &detail)?;
        Ok(DeskClaim::of(&claim))
    }
}

/// The refusal to print a pass another desk holds, its claim's time in the office's zone.
fn claimed_elsewhere(pass_id: &str, claim: &Claim) -> StationError {
    let since = claim.since.to_offset(OFFICE_UTC_OFFSET);
    StationError::ClaimedElsewhere {
        pass_id: pass_id.to_owned(),
        desk: claim.desk.clone(),
        since: format!("{} {:02}:{:02}", since.date(), since.hour(), since.minute()),
    }
}
