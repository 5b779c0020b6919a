//! The block-level cryptography of DESFire EV1 secure messaging, on RustCrypto.
//!
//! Both ends of a DESFire session (this crate's host side and the virtual
//! card) need the same few operations: CBC with an IV that carries over from
//! one message to the next, the CMAC of a message chained on that IV, the
//! DESFire CRC32, and the session key taken from the two random challenges.
//! They live here once; what each end does with them is the protocol, kept
//! with that end.

use aes::Aes128;
use aes::cipher::block_padding::NoPadding;
use aes::cipher::{BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit};
use cmac::block_api::CmacCipher;
use cmac::{Cmac, Mac};
use des::TdesEde2;
use zeroize::Zeroizing;

use crate::ReaderError;

/// Length of every key this crate handles: AES-128, and DES / 2K3DES (two
/// 8-byte halves; equal halves make it single DES).
pub const KEY_LEN: usize = 16;

/// The cipher a DESFire key is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// AES-128: EV1 authentication 0xAA, 16-byte blocks.
    Aes128,
    /// DES or 2K3DES: ISO authentication 0x1A, 8-byte blocks. The factory key of a new card.
    Des,
}

impl KeyKind {
    /// Cipher block length in bytes: the length of IVs, challenges and padding units.
    pub fn block_len(self) -> usize {
        match self {
            KeyKind::Aes128 => 16,
            KeyKind::Des => 8,
        }
    }
}

/// A key with the cipher it is for. Its bytes never reach `Debug` output.
#[derive(Clone)]
pub struct BlockKey {
    kind: KeyKind,
    bytes: Zeroizing<[u8; KEY_LEN]>,
}

impl std::fmt::Debug for BlockKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockKey")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl BlockKey {
    pub fn new(kind: KeyKind, bytes: &[u8; KEY_LEN]) -> Self {
        Self {
            kind,
            bytes: Zeroizing::new(*bytes),
        }
    }

    /// The all-zero key of that kind: what a new card and a new application hold.
    pub fn zero(kind: KeyKind) -> Self {
        Self::new(kind, &[0; KEY_LEN])
    }

    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    pub fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.bytes
    }

    pub fn block_len(&self) -> usize {
        self.kind.block_len()
    }

    /// CBC-encrypts `data` in place from `iv`, and leaves in `iv` the last
    /// ciphertext block: the IV of whatever comes next in the session.
    pub fn encrypt_cbc(&self, iv: &mut [u8], data: &mut [u8]) -> Result<(), ReaderError> {
        self.check_lengths(iv, data)?;
        match self.kind {
            KeyKind::Aes128 => encrypt_cbc_with::<Aes128>(&self.bytes[..], iv, data),
            KeyKind::Des => encrypt_cbc_with::<TdesEde2>(&self.bytes[..], iv, data),
        }?;
        if let Some(last) = data.rchunks_exact(iv.len()).next() {
            iv.copy_from_slice(last);
        }
        Ok(())
    }

    /// CBC-decrypts `data` in place from `iv`, and leaves in `iv` the last
    /// ciphertext block it was given.
    pub fn decrypt_cbc(&self, iv: &mut [u8], data: &mut [u8]) -> Result<(), ReaderError> {
        self.check_lengths(iv, data)?;
        let next_iv = data.rchunks_exact(iv.len()).next().map(<[u8]>::to_vec);
        match self.kind {
            KeyKind::Aes128 => decrypt_cbc_with::<Aes128>(&self.bytes[..], iv, data),
            KeyKind::Des => decrypt_cbc_with::<TdesEde2>(&self.bytes[..], iv, data),
        }?;
        if let Some(next_iv) = next_iv {
            iv.copy_from_slice(&next_iv);
        }
        Ok(())
    }

    /// The EV1 CMAC of `message` chained on the session IV, which it then
    /// replaces: CMAC is CBC-MAC with the last block masked by a subkey, so
    /// starting the chain at `iv` is the CMAC of one block that encrypts to
    /// `iv` (its decryption) followed by the message.
    pub fn cmac(&self, iv: &mut [u8], message: &[u8]) -> Result<Vec<u8>, ReaderError> {
        if message.is_empty() {
            return Err(ReaderError::Crypto {
                what: "a CMAC over nothing",
            });
        }
        let mut chain_start = iv.to_vec();
        self.decrypt_cbc(&mut vec![0; iv.len()], &mut chain_start)?;
        chain_start.extend_from_slice(message);
        let mac = match self.kind {
            KeyKind::Aes128 => cmac_with::<Aes128>(&self.bytes[..], &chain_start),
            KeyKind::Des => cmac_with::<TdesEde2>(&self.bytes[..], &chain_start),
        }?;
        iv.copy_from_slice(&mac);
        Ok(mac)
    }

    /// The two CMAC subkeys K1 and K2 (NIST SP 800-38B), as AN10922 needs K2
    /// for its own padding rule.
    pub fn cmac_subkeys(&self) -> Result<(Vec<u8>, Vec<u8>), ReaderError> {
        let mut encrypted_zero = vec![0; self.block_len()];
        self.encrypt_cbc(&mut vec![0; self.block_len()], &mut encrypted_zero)?;
        match self.kind {
            KeyKind::Aes128 => subkeys_with::<Aes128>(&encrypted_zero),
            KeyKind::Des => subkeys_with::<TdesEde2>(&encrypted_zero),
        }
    }

    fn check_lengths(&self, iv: &[u8], data: &[u8]) -> Result<(), ReaderError> {
        if iv.len() != self.block_len() || !data.len().is_multiple_of(self.block_len()) {
            return Err(ReaderError::Crypto {
                what: "data that is not whole cipher blocks",
            });
        }
        Ok(())
    }
}

fn encrypt_cbc_with<C: BlockCipherEncrypt + KeyInit>(
    key: &[u8],
    iv: &[u8],
    data: &mut [u8],
) -> Result<(), ReaderError> {
    let len = data.len();
    cbc::Encryptor::<C>::new_from_slices(key, iv)
        .map_err(|_| ReaderError::Crypto {
            what: "a key or IV of the wrong length",
        })?
        .encrypt_padded::<NoPadding>(data, len)
        .map_err(|_| ReaderError::Crypto {
            what: "data that is not whole cipher blocks",
        })?;
    Ok(())
}

fn decrypt_cbc_with<C: aes::cipher::BlockCipherDecrypt + KeyInit>(
    key: &[u8],
    iv: &[u8],
    data: &mut [u8],
) -> Result<(), ReaderError> {
    cbc::Decryptor::<C>::new_from_slices(key, iv)
        .map_err(|_| ReaderError::Crypto {
            what: "a key or IV of the wrong length",
        })?
        .decrypt_padded::<NoPadding>(data)
        .map_err(|_| ReaderError::Crypto {
            what: "data that is not whole cipher blocks",
        })?;
    Ok(())
}

fn cmac_with<C: CmacCipher + KeyInit>(key: &[u8], message: &[u8]) -> Result<Vec<u8>, ReaderError> {
    let mut mac = <Cmac<C> as KeyInit>::new_from_slice(key).map_err(|_| ReaderError::Crypto {
        what: "a CMAC key of the wrong length",
    })?;
    mac.update(message);
    Ok(mac.finalize().into_bytes().to_vec())
}

fn subkeys_with<C: CmacCipher>(encrypted_zero: &[u8]) -> Result<(Vec<u8>, Vec<u8>), ReaderError> {
    let block = aes::cipher::Block::<C>::try_from(encrypted_zero).map_err(|_| ReaderError::Crypto {
        what: "a block of the wrong length",
    })?;
    let k1 = C::dbl(block);
    let k2 = C::dbl(k1.clone());
    Ok((k1.to_vec(), k2.to_vec()))
}

const DESFIRE_CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_JAMCRC);

/// The DESFire CRC32 (IEEE 802.3 polynomial, no final inversion: CRC-32/JAMCRC),
/// little-endian, over the concatenation of `parts`.
pub fn crc32(parts: &[&[u8]]) -> [u8; 4] {
    let mut digest = DESFIRE_CRC32.digest();
    for part in parts {
        digest.update(part);
    }
    digest.finalize().to_le_bytes()
}

/// The challenge rotated one byte to the left, as each side returns the other's.
pub fn rotate_left(challenge: &[u8]) -> Vec<u8> {
    let mut rotated = challenge.to_vec();
    rotated.rotate_left(1);
    rotated
}

/// The session key of an authentication from the two challenges (EV1
/// datasheet): AES takes bytes 0–3 and 12–15 of each; 2K3DES bytes 0–3 and
/// 4–7, and single DES (equal key halves) stays single DES.
pub fn session_key(key: &BlockKey, rnd_a: &[u8], rnd_b: &[u8]) -> Result<BlockKey, ReaderError> {
    let block = key.block_len();
    if rnd_a.len() != block || rnd_b.len() != block {
        return Err(ReaderError::Crypto {
            what: "challenges of the wrong length",
        });
    }
    let (first, second) = match key.kind() {
        KeyKind::Aes128 => (0..4, 12..16),
        KeyKind::Des if key.bytes()[..8] == key.bytes()[8..] => (0..4, 0..4),
        KeyKind::Des => (0..4, 4..8),
    };
    let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
    bytes[0..4].copy_from_slice(&rnd_a[first.clone()]);
    bytes[4..8].copy_from_slice(&rnd_b[first]);
    bytes[8..12].copy_from_slice(&rnd_a[second.clone()]);
    bytes[12..16].copy_from_slice(&rnd_b[second]);
    Ok(BlockKey::new(key.kind(), &bytes))
}

/// `len` bytes from the operating system's random source: the challenges.
pub fn random_bytes(len: usize) -> Result<Vec<u8>, ReaderError> {
    let mut bytes = vec![0; len];
    getrandom::fill(&mut bytes).map_err(|_| ReaderError::Crypto {
        what: "no system randomness",
    })?;
    Ok(bytes)
}

/// Zero bytes appended up to the next whole block, as EV1 pads enciphered data.
pub fn pad_with_zeros(data: &mut Vec<u8>, block: usize) {
    data.resize(data.len().next_multiple_of(block), 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(text: &str) -> Vec<u8> {
        hex::decode(text.replace(' ', "")).expect("test hex")
    }

    #[test]
    fn cmac_from_zero_iv_is_standard_aes_cmac() {
        // NIST SP 800-38B, CMAC-AES128 examples 2 and 3.
        let key = BlockKey::new(
            KeyKind::Aes128,
            &unhex("2b7e151628aed2a6abf7158809cf4f3c").try_into().expect("key"),
        );
        let mut iv = vec![0; 16];
        let mac = key
            .cmac(&mut iv, &unhex("6bc1bee22e409f96e93d7e117393172a"))
            .expect("cmac");
        assert_eq!(mac, unhex("070a16b46b4d4144f79bdd9dd04a287c"));
        assert_eq!(iv, mac, "the MAC becomes the next IV");
        let mut iv = vec![0; 16];
        let message = unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411");
        assert_eq!(
            key.cmac(&mut iv, &message).expect("cmac"),
            unhex("dfa66747de9ae63030ca32611497c827")
        );
    }

    #[test]
    fn subkeys_match_sp800_38b() {
        let key = BlockKey::new(
            KeyKind::Aes128,
            &unhex("2b7e151628aed2a6abf7158809cf4f3c").try_into().expect("key"),
        );
        let (k1, k2) = key.cmac_subkeys().expect("subkeys");
        assert_eq!(k1, unhex("fbeed618357133667c85e08f7236a8de"));
        assert_eq!(k2, unhex("f7ddac306ae266ccf90bc11ee46d513b"));
    }

    #[test]
    fn cbc_chains_the_iv_across_calls() {
        let key = BlockKey::new(KeyKind::Aes128, &[7; KEY_LEN]);
        let plain = (0u8..48).collect::<Vec<_>>();
        let mut whole = plain.clone();
        key.encrypt_cbc(&mut [0; 16], &mut whole).expect("encrypt");
        let mut iv = vec![0; 16];
        let mut first = plain[..16].to_vec();
        let mut rest = plain[16..].to_vec();
        key.encrypt_cbc(&mut iv, &mut first).expect("encrypt");
        key.encrypt_cbc(&mut iv, &mut rest).expect("encrypt");
        assert_eq!([first, rest].concat(), whole);
        let mut iv = vec![0; 16];
        key.decrypt_cbc(&mut iv, &mut whole).expect("decrypt");
        assert_eq!(whole, plain);
    }

    #[test]
    fn desfire_crc32_is_jamcrc() {
        // CRC-32/JAMCRC check value for "123456789".
        assert_eq!(crc32(&[b"1234", b"56789"]), 0x340B_C6D9u32.to_le_bytes());
    }

    /// One EV1 AES authentication (0xAA) and the first command of its session,
    /// step by step, from a session recorded with a real card: Elmü's "DESFire
    /// EV1 Communication Examples", github.com/sotechcllc/RFDoorLock, file
    /// `Desfire EV1 Communication Examples.htm` (commit
    /// ba46f71bea61edfcdb86ab2008f0cbaa212b5ccd), section "AES",
    /// `Authenticate(KeyNo= 0, Key= 10 18 20 28 … (AES))` and the
    /// `GetKeyVersion()` after it. `desfire::tests` replays the whole section.
    #[test]
    fn ev1_aes_authentication_session_key_and_cmac_match_a_recorded_session() {
        let key = BlockKey::new(
            KeyKind::Aes128,
            &unhex("10 18 20 28 30 38 40 48 50 58 60 68 70 78 80 88")
                .try_into()
                .expect("key"),
        );
        // The card's challenge, deciphered from a zero IV; the IV carries on.
        let mut iv = vec![0; 16];
        let mut rnd_b = unhex("3E 2B E6 26 C0 5E 77 98 EE 51 83 55 A7 51 64 8E");
        key.decrypt_cbc(&mut iv, &mut rnd_b).expect("decrypt");
        assert_eq!(rnd_b, unhex("91 03 68 45 7E 2E 9A A1 67 35 5B FB 54 4B 99 31"));
        assert_eq!(
            rotate_left(&rnd_b),
            unhex("03 68 45 7E 2E 9A A1 67 35 5B FB 54 4B 99 31 91")
        );
        // RndA || RndB rotated, enciphered on the same chain.
        let rnd_a = unhex("90 F7 A2 01 C4 DB 76 05 38 FF 8A 49 EC 63 DE CD");
        let mut token = [rnd_a.as_slice(), &rotate_left(&rnd_b)].concat();
        key.encrypt_cbc(&mut iv, &mut token).expect("encrypt");
        assert_eq!(
            token,
            unhex("FA BF 71 BB 0D C4 5B 8F 31 BA ED DF F7 F3 43 96 52 D4 09 4D F1 2C 17 EF 0C 94 35 3E 6D 77 70 C8")
        );
        // The card's proof: RndA rotated.
        let mut proof = unhex("1C E6 C5 74 E2 49 23 D4 04 E1 8B 6A 24 0C 1B 08");
        key.decrypt_cbc(&mut iv, &mut proof).expect("decrypt");
        assert_eq!(proof, rotate_left(&rnd_a));
        let session = session_key(&key, &rnd_a, &rnd_b).expect("session key");
        assert_eq!(
            session.bytes()[..],
            unhex("90 F7 A2 01 91 03 68 45 EC 63 DE CD 54 4B 99 31")
        );
        // GetKeyVersion(0): the CMAC of the command from a zero IV, then the
        // CMAC of the answer (version 0x10, status 00) chained on it; the card
        // sends its first 8 bytes.
        let mut iv = vec![0; 16];
        let tx = session.cmac(&mut iv, &[0x64, 0x00]).expect("cmac");
        assert_eq!(tx, unhex("25 7F C5 38 61 8A 94 4A 3A 20 96 7B 6F 31 43 48"));
        let rx = session.cmac(&mut iv, &[0x10, 0x00]).expect("cmac");
        assert_eq!(rx, unhex("8A 8F A3 6F 55 CD 21 0D D8 05 46 58 AC 70 D9 9A"));
        assert_eq!(iv, rx);
    }

    #[test]
    fn single_des_session_key_stays_single_des() {
        let zero = BlockKey::zero(KeyKind::Des);
        let session = session_key(&zero, &[1, 2, 3, 4, 5, 6, 7, 8], &[9, 10, 11, 12, 13, 14, 15, 16]).expect("key");
        assert_eq!(session.bytes()[..8], session.bytes()[8..]);
        assert_eq!(session.bytes()[..8], [1, 2, 3, 4, 9, 10, 11, 12]);
    }
}
