//! Sealing bytes under a passphrase: Argon2id stretches the passphrase into
//! an AES-256-GCM key, which seals the bytes with associated data that binds
//! them to their label. One place for both files the station seals, the
//! chip key exports ([`crate::chip_keys`]) and the station backups
//! ([`crate::backup`]).
//!
//! Why these settings: RFC 9106's second recommended setting for Argon2id
//! (64 MiB, 3 passes, one lane) makes each guess at a passphrase cost a
//! guesser what it costs the station; the settings and the salt travel with
//! the file, so a file opens with the settings it was sealed with, within
//! bounds that stop a forged file from asking for gigabytes.
//!
//! Not here: what is sealed, the files' formats, or who may seal (the
//! callers and their use cases in [`crate::ops`]).

use aes_gcm::aead::{Aead as _, Payload};
use aes_gcm::{Aes256Gcm, KeyInit as _};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::StationError;

const ARGON2_MEMORY_KIB: u32 = 64 * 1024;
const ARGON2_PASSES: u32 = 3;
/// AES-256-GCM's nonce length.
pub(crate) const NONCE_LEN: usize = 12;

/// How a key was stretched from a passphrase: Argon2id's settings and the salt (hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Kdf {
    pub algorithm: String,
    pub memory_kib: u32,
    pub passes: u32,
    /// Hex.
    pub salt: String,
}

/// Random bytes from the system, or the error that names what needed them.
pub(crate) fn random<const N: usize>() -> Result<[u8; N], StationError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| StationError::SignerKey(format!("no random source: {e}")))?;
    Ok(bytes)
}

impl Kdf {
    /// The station's settings with a new random salt.
    pub(crate) fn new() -> Result<Kdf, StationError> {
        Ok(Kdf {
            algorithm: "argon2id".to_owned(),
            memory_kib: ARGON2_MEMORY_KIB,
            passes: ARGON2_PASSES,
            salt: hex::encode(random::<16>()?),
        })
    }

    /// The key `passphrase` stretches to under these settings; `damaged`
    /// names the file's part that is wrong when the settings cannot be used.
    pub(crate) fn derive(
        &self,
        passphrase: &str,
        damaged: impl Fn(&str) -> StationError,
    ) -> Result<SealingKey, StationError> {
        if self.algorithm != "argon2id" || self.memory_kib > 4 * ARGON2_MEMORY_KIB || self.passes > 16 {
            return Err(damaged("key derivation setting"));
        }
        let salt = hex::decode(&self.salt).map_err(|_| damaged("salt"))?;
        let params = argon2::Params::new(self.memory_kib, self.passes, 1, Some(32))
            .map_err(|_| damaged("key derivation setting"))?;
        let mut key = Zeroizing::new([0u8; 32]);
        argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
            .hash_password_into(passphrase.as_bytes(), &salt, key.as_mut())
            .map_err(|_| damaged("salt"))?;
        Ok(SealingKey(key))
    }
}

/// A key stretched from a passphrase, wiped when dropped; never printed.
pub(crate) struct SealingKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey(..)")
    }
}

impl SealingKey {
    /// The key from its bytes, as a scheduled backup keeps it.
    pub(crate) fn from_bytes(bytes: [u8; 32]) -> SealingKey {
        SealingKey(Zeroizing::new(bytes))
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A short value that tells whether a passphrase gave this key, without
    /// revealing the key: SHA-256 of a label and the key, 8 bytes, hex. It
    /// lets a file say "wrong passphrase" apart from "altered or cut short".
    pub(crate) fn check_value(&self) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::new()
            .chain_update(b"PP1 sealing key check")
            .chain_update(self.0.as_ref())
            .finalize();
        hex::encode(&digest[..8])
    }

    fn cipher(&self) -> Aes256Gcm {
        let key: &[u8; 32] = &self.0;
        Aes256Gcm::new(key.into())
    }

    /// Seals `plain` with `aad` under a new random nonce; returns the nonce
    /// and the ciphertext with its tag.
    pub(crate) fn seal(&self, aad: &[u8], plain: &[u8]) -> Result<([u8; NONCE_LEN], Vec<u8>), StationError> {
        let nonce = random::<NONCE_LEN>()?;
        let sealed = self
            .cipher()
            .encrypt(&nonce.into(), Payload { msg: plain, aad })
            .map_err(|_| StationError::SignerKey("sealing failed".to_owned()))?;
        Ok((nonce, sealed))
    }

    /// Opens what [`SealingKey::seal`] sealed; `None` when the key, the
    /// associated data or any byte differs.
    pub(crate) fn open(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        self.cipher()
            .decrypt(nonce.into(), Payload { msg: sealed, aad })
            .ok()
            .map(Zeroizing::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_text_opens_only_with_its_key_and_label() {
        let kdf = Kdf::new().expect("salt");
        let damaged = |what: &str| StationError::Usage(what.to_owned());
        let key = kdf.derive("a long passphrase", damaged).expect("key");
        let (nonce, sealed) = key.seal(b"label", b"secret").expect("sealed");
        assert_eq!(
            key.open(&nonce, b"label", &sealed).expect("opens").as_slice(),
            b"secret"
        );
        assert!(key.open(&nonce, b"other", &sealed).is_none());
        let other = kdf.derive("another passphrase", damaged).expect("key");
        assert!(other.open(&nonce, b"label", &sealed).is_none());
        assert_ne!(key.check_value(), other.check_value());
        let again = kdf.derive("a long passphrase", damaged).expect("key");
        assert_eq!(
            key.check_value(),
            again.check_value(),
            "the same passphrase and salt give the same key"
        );
        let forged = Kdf {
            memory_kib: 1 << 30,
            ..kdf
        };
        assert!(
            forged.derive("a long passphrase", damaged).is_err(),
            "no file asks for a terabyte"
        );
    }
}
