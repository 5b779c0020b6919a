//! Offline verification at the gate: from the QR text or the chip's credential to
//! "valid", or exactly one reason why not, in words a gate officer can act on.
//!
//! Checks run in this fixed order and the first failure is the verdict:
//!
//! 1. a specimen (a preview's QR, which is no credential), then malformed (QR
//!    text or COSE envelope unreadable)
//! 2. no trust list loaded
//! 3. unknown signer (no signer with the credential's kid; or, on a card of
//!    format 1, not certified for the issuer it names), then malformed claims
//!    (unreadable; a QR credential that carries a card UID, or a chip
//!    credential that does not): the signer's office is the claims' issuer
//! 4. bad signature
//! 5. signer revoked, then signer out of validity (at the credential's `iat`)
//! 6. not yet valid (`now < nbf`), then expired (`now >= exp`)
//! 7. revoked (hotlist): the pass version, then the print (both faces carry
//!    it), then, for a chip, the chip's UID; the reason says why (spoiled, voided,
//!    withdrawn, uncollected, replaced)
//! 8. chip bound to another card, then its photo altered: the photo read from
//!    the chip is not the one its credential's hash names (chip only)
//! 9. not valid at this port
//!
//! The issuing station adds one check of its own records after these
//! ([`Reason::NotHandedOver`]); a verifier without them cannot.
//!
//! Warnings (stale or missing hotlist, judged by the authority's signed time)
//! come with every verdict, valid or not.

use time::{Duration, OffsetDateTime};

use crate::claims::PassClaims;
use crate::error::{CredentialError, Result};
use crate::hotlist::{Hotlist, Revocation};
use crate::keys::PublicKey;
use crate::qr::{MAX_CREDENTIAL_LEN, SPECIMEN_PREFIX, from_qr_text};
use crate::sign::Signed;
use crate::trust::{SignerEntry, SignerStatus, TrustList};

/// Why a credential is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// A specimen printed on a preview or shown on a screen: never a card.
    Specimen,
    /// Unreadable; the detail says where (in English, for the log and support).
    Malformed(String),
    NoTrustList,
    UnknownSigner,
    BadSignature,
    SignerRevoked,
    SignerOutOfValidity,
    NotYetValid,
    Expired,
    /// On the hotlist: the pass version, this print or this chip, and why.
    Revoked(Revocation),
    NotValidAtThisPort,
    ChipBoundToAnotherCard,
    /// The chip's photo is not the one its signed credential names (or is missing).
    PhotoAltered,
    /// The issuing office's records say this card never left the office:
    /// `state` is where the card stands there (`printed`, `encoded`, …), or
    /// `superseded` when another card of the pass was handed over.
    NotHandedOver {
        state: String,
    },
}

/// Something the officer should know although it does not decide the verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// The authority signed the hotlist held longer ago than the configured maximum age.
    HotlistStale { age: Duration },
    /// No hotlist has been fetched: revoked passes and voided cards are not caught.
    NoHotlist,
}

/// The language of messages shown to the officer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Traditional Chinese (Taiwan), the default on screen.
    ZhTw,
    En,
}

impl Reason {
    /// A stable name for the reason, for logs, scripts and central's records.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::Specimen => "specimen",
            Reason::Malformed(_) => "malformed",
            Reason::NoTrustList => "no_trust_list",
            Reason::UnknownSigner => "unknown_signer",
            Reason::BadSignature => "bad_signature",
            Reason::SignerRevoked => "signer_revoked",
            Reason::SignerOutOfValidity => "signer_out_of_validity",
            Reason::NotYetValid => "not_yet_valid",
            Reason::Expired => "expired",
            Reason::Revoked(Revocation::Revoked) => "pass_revoked",
            Reason::Revoked(Revocation::Spoiled) => "card_spoiled",
            Reason::Revoked(Revocation::Voided) => "card_voided",
            Reason::Revoked(Revocation::Withdrawn) => "pass_withdrawn",
            Reason::Revoked(Revocation::Uncollected) => "card_uncollected",
            Reason::Revoked(Revocation::Replaced) => "card_replaced",
            Reason::NotValidAtThisPort => "not_valid_at_this_port",
            Reason::ChipBoundToAnotherCard => "chip_bound_to_another_card",
            Reason::PhotoAltered => "photo_altered",
            Reason::NotHandedOver { .. } => "not_handed_over",
        }
    }

    /// What happened and what the officer should do.
    pub fn message(&self, lang: Lang) -> String {
        let (zh, en) = match self {
            Reason::NotHandedOver { state } => {
                let (zh_state, en_state) = office_state_words(state);
                return match lang {
                    Lang::ZhTw => format!(
                        "依本站紀錄，此卡尚未交付（{zh_state}）。拒絕通行並扣留證件；若此卡已在其他櫃台交付，\
                         請同步後再驗證。"
                    ),
                    Lang::En => format!(
                        "By this station's records the card was never handed over ({en_state}). Refuse entry and \
                         retain the card; if it was handed over at another desk, sync and verify again."
                    ),
                };
            }
            Reason::Malformed(detail) => {
                return match lang {
                    Lang::ZhTw => {
                        format!("無法讀取憑證（{detail}）。請重新掃描；仍失敗則拒絕通行，請持證人至發證中心。")
                    }
                    Lang::En => format!(
                        "The credential cannot be read ({detail}). Scan again; if it still fails, refuse entry \
                         and send the holder to the card office."
                    ),
                };
            }
            Reason::NoTrustList => (
                "本站尚無信任清單，無法驗證。請同步信任清單後再驗證，在此之前依人工查驗程序處理。",
                "This station has no trust list and cannot verify. Sync the trust list and verify again; \
                 until then follow the manual check procedure.",
            ),
            Reason::UnknownSigner => (
                "簽發者不在信任清單中（可能偽造，或本站清單過舊）。拒絕通行；同步信任清單後重試，仍失敗請通報主管。",
                "The signer is not in the trust list (possible forgery, or this station's list is out of date). \
                 Refuse entry; sync the trust list and retry, and report to a supervisor if it still fails.",
            ),
            Reason::BadSignature => (
                "簽章驗證失敗，憑證遭竄改或偽造。拒絕通行，扣留證件並通報主管。",
                "The signature does not verify: the credential was altered or forged. Refuse entry, retain \
                 the card and report to a supervisor.",
            ),
            Reason::SignerRevoked => (
                "簽發站的金鑰已被撤銷。拒絕通行，請持證人至發證中心換發新證。",
                "The issuing station's key has been revoked. Refuse entry and send the holder to the card \
                 office for a new card.",
            ),
            Reason::SignerOutOfValidity => (
                "憑證簽發時簽發站不在授權期間內。拒絕通行並通報主管。",
                "The credential was signed outside the issuing station's authorised period. Refuse entry and \
                 report to a supervisor.",
            ),
            Reason::NotYetValid => (
                "通行證尚未生效。拒絕通行，持證人可於生效日起通行。",
                "The pass is not valid yet. Refuse entry; the holder may enter from the valid-from date.",
            ),
            Reason::Expired => (
                "通行證已過期。拒絕通行，請持證人至發證中心辦理。",
                "The pass has expired. Refuse entry and send the holder to the card office.",
            ),
            Reason::Specimen => (
                "這是預覽用的樣張，不是通行證。拒絕通行；請出示發證中心交付的卡片。",
                "This is a specimen from a preview, not a pass. Refuse entry; ask for the card the card office \
                 handed over.",
            ),
            Reason::Revoked(Revocation::Revoked) => (
                "通行證已由主管機關撤銷。拒絕通行，扣留證件並通報主管。",
                "The pass has been revoked by the authority. Refuse entry, retain the card and report to a \
                 supervisor.",
            ),
            Reason::Revoked(Revocation::Spoiled) => (
                "此卡已由發證中心列為損壞報廢（誤印或晶片不良），從未交付。拒絕通行，扣留證件並通報主管。",
                "The card office spoiled this card (misprint or bad chip); it was never handed over. Refuse \
                 entry, retain the card and report to a supervisor.",
            ),
            Reason::Revoked(Revocation::Voided) => (
                "此卡已作廢（掛失或收回）。拒絕通行，扣留證件並通報主管。",
                "This card has been voided (reported lost or taken back). Refuse entry, retain the card and \
                 report to a supervisor.",
            ),
            Reason::Revoked(Revocation::Withdrawn) => (
                "此通行證已被主管機關撤回。拒絕通行，扣留證件並通報主管。",
                "The authority has withdrawn this pass. Refuse entry, retain the card and report to a \
                 supervisor.",
            ),
            Reason::Revoked(Revocation::Uncollected) => (
                "此卡逾期未領，已作廢，從未交付。拒絕通行，扣留證件並通報主管。",
                "This card was never collected within the pick-up period and is void; it was never handed \
                 over. Refuse entry, retain the card and report to a supervisor.",
            ),
            Reason::Revoked(Revocation::Replaced) => (
                "此卡已由新卡取代（補發）。拒絕通行，請持證人出示新卡。",
                "This card has been replaced by a newer card (reprint). Refuse entry; the holder must show \
                 the new card.",
            ),
            Reason::NotValidAtThisPort => (
                "此通行證不適用本港。拒絕通行，持證人須至發證中心申請本港通行。",
                "The pass is not valid at this port. Refuse entry; the holder must apply at the card office \
                 for this port.",
            ),
            Reason::ChipBoundToAnotherCard => (
                "晶片內的憑證屬於另一張卡（疑似複製卡）。拒絕通行，扣留證件並通報主管。",
                "The chip's credential belongs to another card (likely a copied card). Refuse entry, retain \
                 the card and report to a supervisor.",
            ),
            Reason::PhotoAltered => (
                "晶片內的照片與簽章憑證不符（照片遭竄改）。拒絕通行，扣留證件並通報主管。",
                "The photo on the chip is not the one its signed credential names (the photo was altered). \
                 Refuse entry, retain the card and report to a supervisor.",
            ),
        };
        match lang {
            Lang::ZhTw => zh.to_owned(),
            Lang::En => en.to_owned(),
        }
    }
}

/// Where a card stands at the issuing office, in the officer's words.
fn office_state_words(state: &str) -> (&'static str, &'static str) {
    match state {
        "approved" => ("尚未製卡", "no card made yet"),
        "printed" => ("已列印，尚未驗印", "printed, print not checked"),
        "print_verified" => ("已驗印，晶片尚未寫入", "print checked, chip not written"),
        "encoded" => ("晶片已寫入，主管尚未放行", "chip written, not released by a supervisor"),
        "released" => ("已放行，尚未領取", "released, not collected"),
        "superseded" => ("本證已交付另一張卡", "another card of this pass was handed over"),
        _ => ("狀態不明", "state unknown"),
    }
}

impl Warning {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (Warning::HotlistStale { age }, Lang::ZhTw) => {
                format!(
                    "黑名單為 {} 小時前簽發，撤銷資料可能不完整。請盡快同步。",
                    age.whole_hours()
                )
            }
            (Warning::HotlistStale { age }, Lang::En) => format!(
                "The hotlist was signed {} hours ago and may miss revocations. Sync soon.",
                age.whole_hours()
            ),
            (Warning::NoHotlist, Lang::ZhTw) => "本站尚無黑名單，無法檢查撤銷與作廢。請同步黑名單。".to_owned(),
            (Warning::NoHotlist, Lang::En) => {
                "This station has no hotlist, so revoked passes and voided cards are not caught. Sync the hotlist."
                    .to_owned()
            }
        }
    }
}

/// The answer for one credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub outcome: Result<(), Reason>,
    /// Present once the claims were decoded and their signature verified, including
    /// for passes refused later (expired, revoked, wrong port…), so the officer sees whose pass it is.
    pub claims: Option<PassClaims>,
    pub warnings: Vec<Warning>,
}

impl Verdict {
    pub fn is_valid(&self) -> bool {
        self.outcome.is_ok()
    }
}

/// How the credential reached the verifier.
#[derive(Clone, Copy)]
enum Presented<'a> {
    Qr,
    Chip {
        card_uid: &'a [u8],
        photo: Option<&'a [u8]>,
    },
}

/// Holds what a gate station verifies against: the pinned root key, the trust list
/// and the hotlist.
#[derive(Debug, Clone)]
pub struct Verifier {
    root: PublicKey,
    trust_list: Option<TrustList>,
    hotlist: Hotlist,
    hotlist_max_age: Duration,
}

impl Verifier {
    pub const DEFAULT_HOTLIST_MAX_AGE: Duration = Duration::hours(24);

    /// A verifier pinned to the authority's root key, with no trust list or hotlist yet.
    pub fn new(root: PublicKey) -> Verifier {
        Verifier {
            root,
            trust_list: None,
            hotlist: Hotlist::new(),
            hotlist_max_age: Verifier::DEFAULT_HOTLIST_MAX_AGE,
        }
    }

    /// Verifies a signed trust list under the pinned root and adopts it, unless it
    /// is older than the one held (a replayed old list could re-admit a revoked signer).
    pub fn load_trust_list(&mut self, signed: &[u8]) -> Result<&TrustList> {
        let list = TrustList::verify(signed, &self.root)?;
        if let Some(held) = &self.trust_list
            && list.sequence < held.sequence
        {
            return Err(CredentialError::TrustListRollback {
                held: held.sequence,
                offered: list.sequence,
            });
        }
        Ok(self.trust_list.insert(list))
    }

    pub fn trust_list(&self) -> Option<&TrustList> {
        self.trust_list.as_ref()
    }

    pub fn hotlist(&self) -> &Hotlist {
        &self.hotlist
    }

    /// For applying deltas and setting `fetched_at` after a sync.
    pub fn hotlist_mut(&mut self) -> &mut Hotlist {
        &mut self.hotlist
    }

    /// Replaces the hotlist, e.g. with one loaded from the cache file.
    pub fn set_hotlist(&mut self, hotlist: Hotlist) {
        self.hotlist = hotlist;
    }

    pub fn set_hotlist_max_age(&mut self, max_age: Duration) {
        self.hotlist_max_age = max_age;
    }

    /// Verifies the text read from a card's QR code. `at_port` is this gate's port
    /// code, or `None` to skip the port check (e.g. at the card office).
    pub fn verify_qr(&self, qr_text: &str, now: OffsetDateTime, at_port: Option<&str>) -> Verdict {
        if qr_text.starts_with(SPECIMEN_PREFIX) {
            return self.verdict(Err(Reason::Specimen), None, now);
        }
        match from_qr_text(qr_text) {
            Ok(cose) => self.verify_presented(&cose, Presented::Qr, now, at_port),
            Err(error) => self.verdict(Err(Reason::Malformed(error.to_string())), None, now),
        }
    }

    /// Verifies the credential read from a chip whose UID the reader reported
    /// as `card_uid`, with the photo read from the chip's photo file (`None`
    /// for a card that has none, as cards issued before photos).
    pub fn verify_chip(
        &self,
        cose: &[u8],
        card_uid: &[u8],
        photo: Option<&[u8]>,
        now: OffsetDateTime,
        at_port: Option<&str>,
    ) -> Verdict {
        if cose.len() > MAX_CREDENTIAL_LEN {
            let error = CredentialError::CredentialTooLarge {
                len: cose.len(),
                max: MAX_CREDENTIAL_LEN,
            };
            return self.verdict(Err(Reason::Malformed(error.to_string())), None, now);
        }
        self.verify_presented(cose, Presented::Chip { card_uid, photo }, now, at_port)
    }

    fn verify_presented(
        &self,
        cose: &[u8],
        presented: Presented,
        now: OffsetDateTime,
        at_port: Option<&str>,
    ) -> Verdict {
        match self.authenticate(cose, presented) {
            Err(reason) => self.verdict(Err(reason), None, now),
            Ok((claims, signer)) => {
                let outcome = self.check_standing(&claims, signer, presented, now, at_port);
                self.verdict(outcome, Some(claims), now)
            }
        }
    }

    /// Steps 1–4: the claims, once their signature is known to be from a trusted signer.
    /// The claims are read once the signer is found, as its office is their issuer.
    fn authenticate(&self, cose: &[u8], presented: Presented) -> Result<(PassClaims, &SignerEntry), Reason> {
        let malformed = |error: CredentialError| Reason::Malformed(error.to_string());
        let signed = Signed::parse(cose, "credential").map_err(malformed)?;
        let trust_list = self.trust_list.as_ref().ok_or(Reason::NoTrustList)?;
        let signer = trust_list.find(&signed.kid).ok_or(Reason::UnknownSigner)?;
        let claims = PassClaims::from_cwt_bytes(signed.payload(), &signer.office).map_err(|error| match error {
            CredentialError::IssuerNotSigner { .. } => Reason::UnknownSigner,
            error => malformed(error),
        })?;
        match (presented, &claims.card_uid) {
            (Presented::Qr, Some(_)) => {
                return Err(Reason::Malformed("a QR credential must not carry a card UID".into()));
            }
            (Presented::Chip { .. }, None) => {
                return Err(Reason::Malformed("a chip credential must carry its card UID".into()));
            }
            _ => {}
        }
        if !signed.is_signed_by(&signer.public_key) {
            return Err(Reason::BadSignature);
        }
        Ok((claims, signer))
    }

    /// Steps 5–10: whether an authentic credential admits its holder here and now.
    fn check_standing(
        &self,
        claims: &PassClaims,
        signer: &SignerEntry,
        presented: Presented,
        now: OffsetDateTime,
        at_port: Option<&str>,
    ) -> Result<(), Reason> {
        if signer.status == SignerStatus::Revoked {
            return Err(Reason::SignerRevoked);
        }
        if !(signer.valid_from..=signer.valid_to).contains(&claims.issued_at) {
            return Err(Reason::SignerOutOfValidity);
        }
        if now < claims.valid_from {
            return Err(Reason::NotYetValid);
        }
        if now >= claims.valid_to {
            return Err(Reason::Expired);
        }
        let revoked = (self.hotlist.pass_revocation(&claims.pass_id, claims.version))
            .or_else(|| {
                self.hotlist
                    .print_revocation(&claims.pass_id, claims.version, claims.print)
            })
            .or_else(|| {
                claims
                    .card_uid
                    .as_deref()
                    .and_then(|uid| self.hotlist.card_revocation(uid))
            });
        if let Some(why) = revoked {
            return Err(Reason::Revoked(why));
        }
        if let (Presented::Chip { card_uid, .. }, Some(bound_uid)) = (presented, &claims.card_uid)
            && card_uid != bound_uid.as_slice()
        {
            return Err(Reason::ChipBoundToAnotherCard);
        }
        if let Presented::Chip { photo, .. } = presented
            && claims.photo_sha256.is_some()
            && !photo.is_some_and(|photo| claims.signs_photo(photo))
        {
            return Err(Reason::PhotoAltered);
        }
        if let Some(port) = at_port
            && !claims.ports.iter().any(|covered| covered == port)
        {
            return Err(Reason::NotValidAtThisPort);
        }
        Ok(())
    }

    /// What every verdict given at `now` warns of; also for a gate's refusals
    /// that never reach the verifier (a card that is not ours).
    pub fn warnings(&self, now: OffsetDateTime) -> Vec<Warning> {
        match self.hotlist.issued_at() {
            None => vec![Warning::NoHotlist],
            Some(issued_at) if now - issued_at > self.hotlist_max_age => {
                vec![Warning::HotlistStale { age: now - issued_at }]
            }
            Some(_) => Vec::new(),
        }
    }

    fn verdict(&self, outcome: Result<(), Reason>, claims: Option<PassClaims>, now: OffsetDateTime) -> Verdict {
        Verdict {
            outcome,
            claims,
            warnings: self.warnings(now),
        }
    }
}
