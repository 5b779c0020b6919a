//! The key ID: the first 8 bytes of SHA-256 of a public key, the name by
//! which a credential, the trust list and an error message point at a signer.
//!
//! What it is not for: the keys themselves, signing or verifying (see
//! [`keys`](crate::keys)); a key ID only names a key, it proves nothing.

use std::fmt;

use sha2::{Digest as _, Sha256};

/// The first 8 bytes of SHA-256 of a public key: how a credential names its signer.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Kid(pub [u8; 8]);

impl Kid {
    pub(crate) fn of_public_key_bytes(bytes: &[u8]) -> Kid {
        let digest = Sha256::digest(bytes);
        let mut kid = [0; 8];
        kid.copy_from_slice(&digest[..8]);
        Kid(kid)
    }

    pub fn from_slice(bytes: &[u8]) -> Option<Kid> {
        <[u8; 8]>::try_from(bytes).ok().map(Kid)
    }

    pub fn as_bytes(&self) -> &[u8; 8] {
        &self.0
    }
}

impl fmt::Display for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Kid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Kid({self})")
    }
}
