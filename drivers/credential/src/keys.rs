//! Signing keys and public keys for the two supported algorithms, and the key ID
//! that names a public key inside credentials and the trust list ([`Kid`], kept
//! in a module of its own so that errors can name a key without using this one).
//!
//! Ed25519 (COSE `EdDSA`, -8) is the default: small keys, deterministic signatures,
//! fast verification. P-256 (COSE `ES256`, -7) is supported for offices whose keys
//! must live in hardware that only does NIST curves. Both give 64-byte signatures,
//! so the QR budget is the same.
//!
//! Private keys are stored as PKCS#8 (DER or PEM), the format `openssl genpkey`
//! writes and reads, which names its algorithm so one loader takes either kind.
//! Public keys travel as COSE_Key (RFC 9052 §7) and are shown as JWK (RFC 8037 /
//! RFC 7518). No secret byte ever appears in `Debug` output or an error.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ciborium::value::Value;
use coset::iana::{self, EnumI64 as _};
use coset::{CborSerializable as _, CoseKey, CoseKeyBuilder, KeyType, Label, RegisteredLabelWithPrivate};
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::elliptic_curve::Generate as _;
use p256::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _, LineEnding};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use crate::error::{CredentialError, Result};
pub use crate::kid::Kid;

/// A COSE signature algorithm this crate signs and verifies with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// Ed25519, COSE -8. The default.
    EdDsa,
    /// ECDSA P-256 with SHA-256, COSE -7.
    Es256,
}

impl Algorithm {
    pub(crate) fn cose(self) -> iana::Algorithm {
        match self {
            Algorithm::EdDsa => iana::Algorithm::EdDSA,
            Algorithm::Es256 => iana::Algorithm::ES256,
        }
    }

    pub(crate) fn from_cose(alg: &coset::Algorithm) -> Option<Algorithm> {
        match alg {
            coset::Algorithm::Assigned(iana::Algorithm::EdDSA) => Some(Algorithm::EdDsa),
            coset::Algorithm::Assigned(iana::Algorithm::ES256) => Some(Algorithm::Es256),
            _ => None,
        }
    }
}

/// A signer's private key: a station's credential key, or the authority's root key.
pub enum SigningKey {
    Ed25519(ed25519_dalek::SigningKey),
    Es256(p256::ecdsa::SigningKey),
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SigningKey({:?}, kid {}, secret withheld)",
            self.algorithm(),
            self.kid()
        )
    }
}

impl SigningKey {
    /// A new random key from the operating system's random source.
    pub fn generate(algorithm: Algorithm) -> Result<SigningKey> {
        match algorithm {
            Algorithm::EdDsa => {
                let mut seed = Zeroizing::new([0u8; ed25519_dalek::SECRET_KEY_LENGTH]);
                getrandom::fill(seed.as_mut()).map_err(|_| CredentialError::Random)?;
                Ok(SigningKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&seed)))
            }
            Algorithm::Es256 => p256::ecdsa::SigningKey::try_generate()
                .map(SigningKey::Es256)
                .map_err(|_| CredentialError::Random),
        }
    }

    pub fn algorithm(&self) -> Algorithm {
        match self {
            SigningKey::Ed25519(_) => Algorithm::EdDsa,
            SigningKey::Es256(_) => Algorithm::Es256,
        }
    }

    pub fn public(&self) -> PublicKey {
        match self {
            SigningKey::Ed25519(key) => PublicKey::new(VerifyingKey::Ed25519(key.verifying_key())),
            SigningKey::Es256(key) => PublicKey::new(VerifyingKey::Es256(*key.verifying_key())),
        }
    }

    pub fn kid(&self) -> Kid {
        self.public().kid()
    }

    /// Reads a PKCS#8 DER private key, Ed25519 or P-256.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<SigningKey> {
        ed25519_dalek::SigningKey::from_pkcs8_der(der)
            .map(SigningKey::Ed25519)
            .or_else(|_| p256::ecdsa::SigningKey::from_pkcs8_der(der).map(SigningKey::Es256))
            .map_err(|_| not_a_private_key())
    }

    /// Reads a PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`), Ed25519 or P-256.
    pub fn from_pkcs8_pem(pem: &str) -> Result<SigningKey> {
        let (_label, der) = p256::pkcs8::SecretDocument::from_pem(pem).map_err(|_| not_a_private_key())?;
        SigningKey::from_pkcs8_der(der.as_bytes())
    }

    /// PKCS#8 DER. Ed25519 keys are written in the RFC 8410 form without the public
    /// key, as `openssl genpkey` does: OpenSSL 3.0 and Python's `cryptography` refuse
    /// the RFC 5958 form that carries it.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        let document = match self {
            SigningKey::Ed25519(key) => ed25519_dalek::pkcs8::KeypairBytes {
                secret_key: key.to_bytes(),
                public_key: None,
            }
            .to_pkcs8_der(),
            SigningKey::Es256(key) => key.to_pkcs8_der(),
        }
        .map_err(|e| CredentialError::Key(format!("cannot write the key as PKCS#8: {e}")))?;
        Ok(Zeroizing::new(document.as_bytes().to_vec()))
    }

    /// PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), in the form [`SigningKey::to_pkcs8_der`] writes.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>> {
        let der = self.to_pkcs8_der()?;
        p256::pkcs8::SecretDocument::try_from(der.as_slice())
            .and_then(|document| document.to_pem("PRIVATE KEY", LineEnding::LF))
            .map_err(|e| CredentialError::Key(format!("cannot write the key as PEM: {e}")))
    }

    /// The signature over `message` in COSE form (for ES256, `r || s`, 64 bytes).
    pub(crate) fn sign_bytes(&self, message: &[u8]) -> Result<Vec<u8>> {
        match self {
            SigningKey::Ed25519(key) => Ok(key.sign(message).to_bytes().to_vec()),
            SigningKey::Es256(key) => {
                let signature: p256::ecdsa::Signature = key
                    .try_sign(message)
                    .map_err(|e| CredentialError::Signing(format!("ES256: {e}")))?;
                Ok(signature.to_bytes().to_vec())
            }
        }
    }
}

fn not_a_private_key() -> CredentialError {
    CredentialError::Key("not a PKCS#8 Ed25519 or P-256 private key (is it the right file, unencrypted?)".into())
}

/// A signer's public key: in the trust list for station keys, pinned for the root key.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
    /// Computed once: verification looks signers up by it.
    kid: Kid,
}

#[derive(Clone, PartialEq, Eq)]
enum VerifyingKey {
    Ed25519(ed25519_dalek::VerifyingKey),
    Es256(p256::ecdsa::VerifyingKey),
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({:?}, kid {})", self.algorithm(), self.kid)
    }
}

/// The two coordinates of a P-256 point, 32 bytes each.
struct EcPoint {
    x: Vec<u8>,
    y: Vec<u8>,
}

impl PublicKey {
    fn new(key: VerifyingKey) -> PublicKey {
        // The key ID is taken over 32 raw bytes for Ed25519 and the 65-byte
        // uncompressed SEC1 point for P-256.
        let kid = match &key {
            VerifyingKey::Ed25519(key) => Kid::of_public_key_bytes(key.as_bytes()),
            VerifyingKey::Es256(key) => Kid::of_public_key_bytes(key.to_sec1_point(false).as_bytes()),
        };
        PublicKey { key, kid }
    }

    pub fn algorithm(&self) -> Algorithm {
        match self.key {
            VerifyingKey::Ed25519(_) => Algorithm::EdDsa,
            VerifyingKey::Es256(_) => Algorithm::Es256,
        }
    }

    pub fn kid(&self) -> Kid {
        self.kid
    }

    /// Lower-case hex SHA-256 of the public key's bytes (the same bytes its
    /// kid is cut from): what the authority publishes out of band, so a
    /// station can check at enrolment that the root key it is handed is the
    /// authority's.
    pub fn fingerprint(&self) -> String {
        let bytes = match &self.key {
            VerifyingKey::Ed25519(key) => Sha256::digest(key.as_bytes()),
            VerifyingKey::Es256(key) => Sha256::digest(key.to_sec1_point(false).as_bytes()),
        };
        hex::encode(bytes)
    }

    fn ec_point(key: &p256::ecdsa::VerifyingKey) -> EcPoint {
        let point = key.to_sec1_point(false);
        let (x, y) = point.as_bytes()[1..].split_at(32);
        EcPoint {
            x: x.to_vec(),
            y: y.to_vec(),
        }
    }

    /// The key as COSE_Key CBOR bytes, with `alg` and `kid`.
    pub fn to_cose_key(&self) -> Result<Vec<u8>> {
        let builder = match &self.key {
            VerifyingKey::Ed25519(key) => CoseKeyBuilder::new_okp_key()
                .param(
                    iana::OkpKeyParameter::Crv.to_i64(),
                    Value::from(iana::EllipticCurve::Ed25519.to_i64()),
                )
                .param(iana::OkpKeyParameter::X.to_i64(), Value::Bytes(key.to_bytes().to_vec())),
            VerifyingKey::Es256(key) => {
                let EcPoint { x, y } = PublicKey::ec_point(key);
                CoseKeyBuilder::new_ec2_pub_key(iana::EllipticCurve::P_256, x, y)
            }
        };
        builder
            .algorithm(self.algorithm().cose())
            .key_id(self.kid().0.to_vec())
            .build()
            .to_vec()
            .map_err(|e| CredentialError::Key(format!("cannot encode the COSE_Key: {e}")))
    }

    /// Reads a COSE_Key: OKP/Ed25519 or EC2/P-256. A `kid` or `alg` it carries must
    /// match the key, so a mislabelled key is refused rather than trusted.
    pub fn from_cose_key(bytes: &[u8]) -> Result<PublicKey> {
        let bad = |detail: &str| CredentialError::Key(format!("not a usable COSE_Key: {detail}"));
        let cose_key = CoseKey::from_slice(bytes).map_err(|e| bad(&e.to_string()))?;
        let param = |label: i64| {
            cose_key
                .params
                .iter()
                .find(|(l, _)| *l == Label::Int(label))
                .map(|(_, value)| value)
        };
        // OKP and EC2 keys both put the curve at label -1.
        let curve = param(iana::OkpKeyParameter::Crv.to_i64())
            .and_then(Value::as_integer)
            .and_then(|crv| i64::try_from(crv).ok());
        let key = match (&cose_key.kty, curve) {
            (KeyType::Assigned(iana::KeyType::OKP), Some(crv)) if crv == iana::EllipticCurve::Ed25519.to_i64() => {
                let x = param(iana::OkpKeyParameter::X.to_i64())
                    .and_then(Value::as_bytes)
                    .ok_or_else(|| bad("x is missing"))?;
                PublicKey::from_ed25519_bytes(x)?
            }
            (KeyType::Assigned(iana::KeyType::EC2), Some(crv)) if crv == iana::EllipticCurve::P_256.to_i64() => {
                let sec1 = cose_key.to_sec1_octet_string().map_err(|e| bad(&e.to_string()))?;
                PublicKey::from_p256_sec1(&sec1)?
            }
            _ => return Err(bad("only OKP/Ed25519 and EC2/P-256 keys are supported")),
        };
        let alg_matches = match &cose_key.alg {
            None => true,
            Some(RegisteredLabelWithPrivate::Assigned(alg)) => *alg == key.algorithm().cose(),
            Some(_) => false,
        };
        if !alg_matches {
            return Err(bad("its alg does not match the key type"));
        }
        if !cose_key.key_id.is_empty() && cose_key.key_id != key.kid().0 {
            return Err(bad("its kid is not the SHA-256 prefix of the key"));
        }
        Ok(key)
    }

    fn from_ed25519_bytes(bytes: &[u8]) -> Result<PublicKey> {
        <[u8; 32]>::try_from(bytes)
            .ok()
            .and_then(|raw| ed25519_dalek::VerifyingKey::from_bytes(&raw).ok())
            .map(|key| PublicKey::new(VerifyingKey::Ed25519(key)))
            .ok_or_else(|| CredentialError::Key("not a valid Ed25519 public key".into()))
    }

    fn from_p256_sec1(bytes: &[u8]) -> Result<PublicKey> {
        p256::ecdsa::VerifyingKey::from_sec1_bytes(bytes)
            .map(|key| PublicKey::new(VerifyingKey::Es256(key)))
            .map_err(|_| CredentialError::Key("not a valid P-256 public key".into()))
    }

    /// The key as a JWK (OKP/Ed25519 or EC/P-256) with base64url `kid`, for other verifiers.
    pub fn to_jwk(&self) -> serde_json::Value {
        let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
        let kid = b64(&self.kid().0);
        match &self.key {
            VerifyingKey::Ed25519(key) => serde_json::json!({
                "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "kid": kid, "x": b64(key.as_bytes()),
            }),
            VerifyingKey::Es256(key) => {
                let EcPoint { x, y } = PublicKey::ec_point(key);
                serde_json::json!({
                    "kty": "EC", "crv": "P-256", "alg": "ES256", "kid": kid, "x": b64(&x), "y": b64(&y),
                })
            }
        }
    }

    /// Checks a COSE signature (`r || s` for ES256) made with `algorithm` over `message`.
    /// Ed25519 uses strict verification, refusing weak keys and malleable signatures.
    pub(crate) fn verify_bytes(&self, algorithm: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        match (&self.key, algorithm) {
            (VerifyingKey::Ed25519(key), Algorithm::EdDsa) => ed25519_dalek::Signature::from_slice(signature)
                .is_ok_and(|signature| key.verify_strict(message, &signature).is_ok()),
            (VerifyingKey::Es256(key), Algorithm::Es256) => p256::ecdsa::Signature::from_slice(signature)
                .is_ok_and(|signature| key.verify(message, &signature).is_ok()),
            _ => false,
        }
    }
}
