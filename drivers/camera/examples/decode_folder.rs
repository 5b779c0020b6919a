//! Decodes every image in a folder with [`pass_camera::decode_qr`] and prints
//! one JSON line per image: file, text (or null), milliseconds, attempts,
//! strategy. Used by `bench/compare.py`; the time covers decoding only, not
//! reading the file, to match the other decoders' measurement.
//!
//! `cargo run --release -p pass-camera --example decode_folder -- DIR`

use std::time::Instant;

use pass_camera::{ImageSource, decode_qr, load_image};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let folder = std::env::args().nth(1).ok_or("usage: decode_folder DIR")?;
    let is_credential = |text: &str| pass_credential::from_qr_text(text).is_ok();
    for path in ImageSource::folder(&folder)?.paths() {
        let gray = load_image(path)?.into_luma8();
        let started = Instant::now();
        let decoded = decode_qr(&gray, &is_credential);
        let milliseconds = started.elapsed().as_secs_f64() * 1000.0;
        let file = path.file_name().map(|name| name.to_string_lossy());
        let line = serde_json::json!({
            "image": file,
            "text": decoded.as_ref().map(|d| &d.text),
            "ms": milliseconds,
            "attempts": decoded.as_ref().map(|d| d.attempts),
            "strategy": decoded.as_ref().map(|d| d.strategy.to_string()),
        });
        println!("{line}");
    }
    Ok(())
}
