//! The station's side of the signed credential: the claims it signs for a
//! pass, and the trust documents (trust list, hotlist) it verifies against.
//!
//! Why credentials are signed inside a print job, never before: a valid
//! credential must exist only on a card the station recorded as printed.
//! Each print has its own serial in the credential (`cti`), so one misprint
//! can be revoked without the rest; previews carry a specimen instead.
//!
//! Why trust documents are verified on every load: the cache file could be
//! edited; only the authority's root key, pinned at enrolment, is trusted.
//!
//! What it is not for: this office's own ruling on a card the verifier found
//! valid, or the verification log ([`crate::checking`]): both need the open
//! station's records.

use pass_central::client::CentralClient;
use pass_credential::{Hotlist, HotlistDelta, PassClaims, PublicKey, TrustList, Verifier};
use time::{Duration, OffsetDateTime, Time, UtcOffset};

use crate::StationError;
use crate::model::PassItem;
use crate::retry::{RetryPolicy, with_retries};
use crate::store::{Store, TrustDocument, now_rfc3339, rfc3339};
/// What a card was checked by: the log and central name it alike.
pub use pass_central::events::CheckSource;

/// Card offices keep Taiwan time: a pass is valid from 00:00 of its first day
/// to the end of its last day there.
pub const OFFICE_UTC_OFFSET: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// The claims this office signs for print `print` of a pass item.
pub fn claims_for(item: &PassItem, office: &str, issued_at: OffsetDateTime, print: u32) -> PassClaims {
    let start_of = |date: time::Date| date.with_time(Time::MIDNIGHT).assume_offset(OFFICE_UTC_OFFSET);
    PassClaims {
        issuer: office.to_owned(),
        pass_id: item.pass_id.clone(),
        version: item.version,
        print,
        kind: item.kind(),
        holder: item.holder.display_name().to_owned(),
        company_tax_id: item.company_tax_id.clone(),
        ports: item.ports.clone(),
        valid_from: start_of(item.valid_from),
        // `exp` is the first moment no longer valid: midnight after the last day.
        valid_to: start_of(item.valid_to) + Duration::days(1),
        issued_at,
        card_uid: None,
        photo_sha256: None,
    }
}

/// What the latest trust refresh found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct TrustSummary {
    pub trust_list_sequence: u64,
    pub signers: usize,
    pub hotlist_sequence: u64,
    pub hotlist_entries: usize,
}

/// A verifier from the cached trust documents, each verified again under `root`.
pub fn cached_verifier(store: &Store, root: &PublicKey, hotlist_max_age: Duration) -> Result<Verifier, StationError> {
    let mut verifier = Verifier::new(root.clone());
    verifier.set_hotlist_max_age(hotlist_max_age);
    if let Some((bytes, _)) = store.trust_document(TrustDocument::TrustList)? {
        verifier
            .load_trust_list(&bytes)
            .map_err(|e| StationError::Corrupt(format!("the cached trust list fails its check ({e}); sync again")))?;
    }
    if let Some(hotlist) = cached_hotlist(store)? {
        verifier.set_hotlist(hotlist);
    }
    Ok(verifier)
}

/// The cached hotlist, if one is held.
fn cached_hotlist(store: &Store) -> Result<Option<Hotlist>, StationError> {
    let Some((bytes, _)) = store.trust_document(TrustDocument::Hotlist)? else {
        return Ok(None);
    };
    Hotlist::from_cache_bytes(&bytes)
        .map(Some)
        .map_err(|e| StationError::Corrupt(format!("the cached hotlist fails its check ({e}); sync again")))
}

/// When central issued the cached hotlist, if one is held.
pub fn cached_hotlist_issued_at(store: &Store) -> Result<Option<OffsetDateTime>, StationError> {
    Ok(cached_hotlist(store)?.and_then(|hotlist| hotlist.issued_at()))
}

/// Fetches the trust list and the hotlist entries after the ones held,
/// verifies both under `root`, and keeps them.
pub async fn refresh(
    store: &Store,
    client: &CentralClient,
    root: &PublicKey,
    verifier: &mut Verifier,
    retry: RetryPolicy,
    retried: &mut Vec<String>,
) -> Result<TrustSummary, StationError> {
    let central = |stage: &str| {
        let stage = stage.to_owned();
        move |source| StationError::Central { stage, source }
    };
    let untrusted = |what: &'static str| {
        move |e: pass_credential::CredentialError| StationError::Untrusted {
            what,
            detail: e.to_string(),
        }
    };

    let signed = with_retries(retry, retried, || client.trust_list())
        .await
        .map_err(central("fetching the trust list"))?;
    verifier.load_trust_list(&signed).map_err(untrusted("trust list"))?;
    store.put_trust_document(TrustDocument::TrustList, &signed, &now_rfc3339())?;

    let held = verifier.hotlist().sequence();
    let now = OffsetDateTime::now_utc();
    let today = now.to_offset(OFFICE_UTC_OFFSET).date();
    // A "cursor expired" (410) is unsigned: it asks for the whole list, and
    // the list held stays until a signed one that reaches its sequence comes.
    let (signed, whole) = match with_retries(retry, retried, || client.hotlist(held)).await {
        Err(pass_central::CentralError::CursorExpired) => (
            with_retries(retry, retried, || client.hotlist(0))
                .await
                .map_err(central("fetching the whole hotlist"))?,
            true,
        ),
        result => (result.map_err(central("fetching the hotlist"))?, false),
    };
    let delta = HotlistDelta::verify(&signed, root).map_err(untrusted("hotlist"))?;
    if whole {
        if delta.to_sequence < held {
            return Err(StationError::Untrusted {
                what: "hotlist",
                detail: format!(
                    "central's hotlist ends at sequence {}, before the {held} this station holds; the held \
                     list is kept. Report this to central",
                    delta.to_sequence
                ),
            });
        }
        verifier.set_hotlist(Hotlist::new());
    }
    let hotlist = verifier.hotlist_mut();
    hotlist.apply(&delta).map_err(untrusted("hotlist"))?;
    hotlist.drop_expired(today);
    hotlist.fetched_at = Some(now);
    store.put_trust_document(TrustDocument::Hotlist, &hotlist.to_cache_bytes(), &rfc3339(now))?;

    Ok(summary(verifier))
}

/// The sequence numbers and sizes of what a verifier holds.
pub fn summary(verifier: &Verifier) -> TrustSummary {
    let trust_list = verifier.trust_list();
    TrustSummary {
        trust_list_sequence: trust_list.map_or(0, |t| t.sequence),
        signers: trust_list.map_or(0, |t| t.signers.len()),
        hotlist_sequence: verifier.hotlist().sequence(),
        hotlist_entries: verifier.hotlist().len(),
    }
}

/// The trust list as a person or another agency's tool reads it: each signer
/// with its public key as a JWK.
pub fn trust_list_json(trust_list: &TrustList) -> serde_json::Value {
    let signers: Vec<serde_json::Value> = trust_list
        .signers
        .iter()
        .map(|signer| {
            serde_json::json!({
                "kid": signer.kid().to_string(),
                "office": signer.office,
                "valid_from": rfc3339(signer.valid_from),
                "valid_to": rfc3339(signer.valid_to),
                "status": format!("{:?}", signer.status).to_lowercase(),
                "jwk": signer.public_key.to_jwk(),
            })
        })
        .collect();
    serde_json::json!({
        "sequence": trust_list.sequence,
        "issued_at": rfc3339(trust_list.issued_at),
        "signers": signers,
    })
}

/// How a check came out, as the log and central record it: `valid`, the
/// reason's code, or `not_our_card` for a chip with no verdict.
pub fn outcome_code(verdict: Option<&pass_credential::Verdict>) -> &'static str {
    match verdict.map(|v| &v.outcome) {
        Some(Ok(())) => "valid",
        Some(Err(reason)) => reason.code(),
        None => "not_our_card",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{check_wire_item, sample_wire};

    #[test]
    fn a_pass_is_valid_from_the_first_to_the_end_of_the_last_day_in_taiwan() {
        let item = check_wire_item(&sample_wire("KEL-1", "王小明"), "TWKEL").expect("valid");
        let claims = claims_for(&item, "TWKEL", OffsetDateTime::UNIX_EPOCH, 1);
        assert_eq!(claims.valid_from, time::macros::datetime!(2026-11-30 16:00 UTC));
        assert_eq!(claims.valid_to, time::macros::datetime!(2027-11-30 16:00 UTC));
        assert_eq!((claims.holder.as_str(), claims.version), ("王小明", 1));
        assert!(claims.card_uid.is_none(), "a printed credential is bound to no card");
    }
}
