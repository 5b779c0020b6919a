//! COSE_Sign1 (RFC 9052 §4.2), the envelope shared by credentials, the trust list,
//! the hotlist and audit heads: tagged (CBOR tag 18), `alg` and `kid` in the
//! protected header, payload attached, no external AAD but the audit head's
//! (see [`crate::audit_head`]). Any COSE library verifies what this writes.

use ciborium::value::Value;
use coset::{CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable as _};

use crate::cbor::{self, IntMap};
use crate::claims::PassClaims;
use crate::error::{CredentialError, Result};
use crate::keys::{Algorithm, Kid, PublicKey, SigningKey};

/// Signs pass claims as a credential: the COSE bytes that go into the QR text or onto the chip.
///
/// Claims the verifier would call malformed are refused here (see [`PassClaims::to_cwt_bytes`]).
pub fn sign(claims: &PassClaims, key: &SigningKey) -> Result<Vec<u8>> {
    sign_payload(claims.to_cwt_bytes()?, key, &[])
}

/// Signs an integer-keyed map: the trust list and hotlist deltas, under the root key.
pub(crate) fn sign_map(entries: impl IntoIterator<Item = (i64, Value)>, key: &SigningKey) -> Result<Vec<u8>> {
    sign_payload(cbor::encode(&cbor::int_map(entries))?, key, &[])
}

/// Signs an integer-keyed map bound to `external_aad` (RFC 9052 §4.3): the
/// signature holds only for a verifier that supplies the same bytes, so a
/// document signed for one purpose never verifies as one of another.
pub(crate) fn sign_map_bound(
    entries: impl IntoIterator<Item = (i64, Value)>,
    key: &SigningKey,
    external_aad: &[u8],
) -> Result<Vec<u8>> {
    sign_payload(cbor::encode(&cbor::int_map(entries))?, key, external_aad)
}

fn sign_payload(payload: Vec<u8>, key: &SigningKey, external_aad: &[u8]) -> Result<Vec<u8>> {
    let protected = HeaderBuilder::new()
        .algorithm(key.algorithm().cose())
        .key_id(key.kid().0.to_vec())
        .build();
    CoseSign1Builder::new()
        .protected(protected)
        .payload(payload)
        .try_create_signature(external_aad, |to_be_signed| key.sign_bytes(to_be_signed))?
        .build()
        .to_tagged_vec()
        .map_err(|e| CredentialError::Signing(format!("COSE encoding: {e}")))
}

/// A parsed COSE_Sign1 whose signature is not checked yet.
pub(crate) struct Signed {
    pub(crate) algorithm: Algorithm,
    pub(crate) kid: Kid,
    /// Holds an attached payload: [`Signed::parse`] refuses a detached one.
    message: CoseSign1,
}

impl Signed {
    /// Parses the envelope; `what` names the document in errors.
    pub(crate) fn parse(bytes: &[u8], what: &'static str) -> Result<Signed> {
        let malformed = |detail: &str| CredentialError::Malformed(format!("{what}: {detail}"));
        let message = CoseSign1::from_tagged_slice(bytes).map_err(|e| malformed(&format!("not a COSE_Sign1 ({e})")))?;
        let header = &message.protected.header;
        if !header.crit.is_empty() {
            // RFC 9052 §3.1: a verifier must refuse critical parameters it does not understand.
            return Err(malformed("it names critical header parameters"));
        }
        let algorithm = header
            .alg
            .as_ref()
            .and_then(Algorithm::from_cose)
            .ok_or_else(|| malformed("the protected header's alg is missing or not EdDSA/ES256"))?;
        let kid = Kid::from_slice(&header.key_id)
            .ok_or_else(|| malformed("the protected header's kid is missing or not 8 bytes"))?;
        if message.payload.is_none() {
            return Err(malformed("the payload is detached"));
        }
        Ok(Signed {
            algorithm,
            kid,
            message,
        })
    }

    pub(crate) fn payload(&self) -> &[u8] {
        self.message.payload.as_deref().unwrap_or_default()
    }

    /// Whether `key` made the signature, under the algorithm the protected header names.
    pub(crate) fn is_signed_by(&self, key: &PublicKey) -> bool {
        self.is_signed_by_bound(key, &[])
    }

    /// Whether `key` made the signature over the payload bound to `external_aad`
    /// (see [`sign_map_bound`]).
    pub(crate) fn is_signed_by_bound(&self, key: &PublicKey, external_aad: &[u8]) -> bool {
        self.message
            .verify_signature(external_aad, |signature, to_be_signed| {
                key.verify_bytes(self.algorithm, to_be_signed, signature)
                    .then_some(())
                    .ok_or(())
            })
            .is_ok()
    }

    /// Opens a document a station signs with its own key for one purpose
    /// (`external_aad`: an audit head, a day report) and returns its payload map.
    pub(crate) fn open_station_signed(
        bytes: &[u8],
        station_key: &PublicKey,
        external_aad: &[u8],
        what: &'static str,
    ) -> Result<IntMap> {
        let signed = Signed::parse(bytes, what)?;
        let expected = station_key.kid();
        if signed.kid != expected {
            return Err(CredentialError::NotSignedByStation {
                what,
                found: signed.kid,
                expected,
            });
        }
        if !signed.is_signed_by_bound(station_key, external_aad) {
            return Err(CredentialError::BadSignature { what });
        }
        IntMap::new(cbor::decode(signed.payload(), what)?, what)
    }

    /// Opens a document only the authority's root key may sign (trust list, hotlist
    /// delta) and returns its payload map.
    pub(crate) fn open_root_signed(bytes: &[u8], root: &PublicKey, what: &'static str) -> Result<IntMap> {
        let signed = Signed::parse(bytes, what)?;
        let expected = root.kid();
        if signed.kid != expected {
            return Err(CredentialError::NotSignedByRoot {
                what,
                found: signed.kid,
                expected,
            });
        }
        if !signed.is_signed_by(root) {
            return Err(CredentialError::BadSignature { what });
        }
        IntMap::new(cbor::decode(signed.payload(), what)?, what)
    }
}
