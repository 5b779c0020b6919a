//! Per-card keys from an office master key: NXP AN10922 §2.2, AES-128.
//!
//! A card holds only keys derived from the office's master keys and its own
//! UID, so one card's keys, read out, open no other card. The derivation is
//! the CMAC-based one of AN10922: a CMAC under the master key of
//! `0x01 || UID || AID || system identifier`, padded to two blocks.

use crate::ReaderError;
use crate::desfire::crypto::{BlockKey, KEY_LEN, KeyKind};

/// AN10922's diversification constant for an AES-128 key.
const AES128_DIVERSIFICATION_CONSTANT: u8 = 0x01;
/// The CMAC input is exactly two AES blocks: shorter input is padded to it.
const PADDED_LEN: usize = 32;

/// The diversification input AN10922 recommends for a DESFire key: the card
/// UID, the application identifier and the system identifier, in that order.
pub fn diversification_input(uid: &[u8], aid: [u8; 3], system_identifier: &[u8]) -> Vec<u8> {
    [uid, &aid, system_identifier].concat()
}

/// The AES-128 key that `master` diversifies to for `input` (1 to 31 bytes).
///
/// AN10922 §2.2: M = 0x01 || input; when M is shorter than 32 bytes it is
/// padded with 0x80 and zeros to 32 and its last block masked with CMAC
/// subkey K2, otherwise masked with K1; the key is the CBC-MAC of that.
/// (Ordinary CMAC would pad a short M only to 16 bytes: a different key.)
pub fn diversify_aes128(master: &[u8; KEY_LEN], input: &[u8]) -> Result<[u8; KEY_LEN], ReaderError> {
    if input.is_empty() || input.len() >= PADDED_LEN {
        return Err(ReaderError::InvalidLayout {
            what: "a diversification input outside 1 to 31 bytes",
        });
    }
    let key = BlockKey::new(KeyKind::Aes128, master);
    let (k1, k2) = key.cmac_subkeys()?;
    let mut message = Vec::with_capacity(PADDED_LEN);
    message.push(AES128_DIVERSIFICATION_CONSTANT);
    message.extend_from_slice(input);
    let subkey = if message.len() < PADDED_LEN {
        message.push(0x80);
        message.resize(PADDED_LEN, 0);
        k2
    } else {
        k1
    };
    let last_block = PADDED_LEN - KEY_LEN;
    for (byte, mask) in message[last_block..].iter_mut().zip(subkey) {
        *byte ^= mask;
    }
    let mut chain = vec![0; KEY_LEN];
    key.encrypt_cbc(&mut chain, &mut message)?;
    chain.try_into().map_err(|_| ReaderError::Crypto {
        what: "a CBC-MAC of the wrong length",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex<const N: usize>(text: &str) -> [u8; N] {
        hex::decode(text).expect("test hex").try_into().expect("test length")
    }

    /// NXP AN10922 "Symmetric key diversifications", §2.2.1, the AES-128
    /// example; the same vector is the test of libfreefare
    /// (test/test_mifare_key_deriver.c, `test_mifare_key_deriver_an10922_aes128`)
    /// and of the Proxmark3 client's DESFire crypto tests (`TestAn10922KDFAES`).
    #[test]
    fn an10922_aes128_example() {
        let master = unhex::<16>("00112233445566778899AABBCCDDEEFF");
        let input = diversification_input(&unhex::<7>("04782E21801D80"), [0x30, 0x42, 0xF5], b"NXP Abu");
        assert_eq!(hex::encode_upper(&input), "04782E21801D803042F54E585020416275");
        let key = diversify_aes128(&master, &input).expect("diversify");
        assert_eq!(key, unhex::<16>("A8DD63A3B89D54B37CA802473FDA9175"));
    }

    /// NXP AN10957 pages 13–14, as libfreefare's
    /// `test_mifare_key_deriver_an10922_aes128_short_m` quotes it: an input
    /// under 16 bytes, where AN10922's padding to 32 bytes differs from CMAC's own.
    #[test]
    fn an10957_short_input_pads_to_two_blocks() {
        let master = unhex::<16>("f3f9377698707b688eaf84abe39e3791");
        let key = diversify_aes128(&master, &unhex::<7>("04deadbeeffeed")).expect("diversify");
        assert_eq!(key, unhex::<16>("0bb408baff98b6ee9f2e1585777f6a51"));
    }

    /// With 31 input bytes M fills both blocks: no padding, subkey K1, which
    /// is then the ordinary CMAC of M.
    #[test]
    fn full_input_is_ordinary_cmac() {
        let master = [0x5A; KEY_LEN];
        let input: Vec<u8> = (1..=31).collect();
        let key = BlockKey::new(KeyKind::Aes128, &master);
        let cmac = key.cmac(
            &mut [0; KEY_LEN],
            &[&[AES128_DIVERSIFICATION_CONSTANT], input.as_slice()].concat(),
        );
        assert_eq!(
            diversify_aes128(&master, &input).expect("diversify").to_vec(),
            cmac.expect("cmac")
        );
        assert!(
            diversify_aes128(&master, &[0; 32]).is_err(),
            "input over 31 bytes is refused"
        );
    }
}
