//! What the integration tests share: a simulator in a temporary directory,
//! a plain HTTP client for the calls the crate's client does not make, and
//! the contract ([`contract`]) to hold answers to.

#![allow(dead_code)] // each test binary uses its own part of these helpers

pub mod contract;

use pass_central::api::{EnrolmentRequest, encode_key};
use pass_central::sim::{SimConfig, SimHandle};
use pass_credential::{Algorithm, SigningKey};

/// A simulator with `generate` items at TWKEL, its database in a directory
/// that lives as long as the returned guard.
pub fn start_sim(generate: u32, photos: bool) -> (SimHandle, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = SimConfig {
        generate,
        photos,
        ..SimConfig::new(dir.path().join("central.db"))
    };
    let sim = SimHandle::spawn(config).expect("the simulator starts");
    (sim, dir)
}

/// A plain HTTP client, with the ring provider installed as the crate's client does.
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// An enrolment request with a fresh station signing key.
pub fn enrolment_request(code: &str, station_name: &str) -> EnrolmentRequest {
    let signer = SigningKey::generate(Algorithm::EdDsa).expect("a signing key");
    EnrolmentRequest {
        code: code.to_owned(),
        station_name: station_name.to_owned(),
        signer_key: encode_key(&signer.public()).expect("a COSE_Key"),
    }
}

/// A JPEG of `width` × `height` pixels (a grey gradient), as a desk sends one.
pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        let v = ((x + y) % 256) as u8;
        image::Rgb([v, v, 128])
    });
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 85)
        .encode_image(&image)
        .expect("a JPEG");
    bytes
}
