//! Golden pictures of every variant, both templates, both sides: the card PDF is
//! rasterised with pdftoppm (as the preview is) and compared with the committed
//! PNGs in `tests/golden/`, within a tolerance for rasteriser versions.
//!
//! After an intended change of the layout, regenerate them and look at them:
//!
//!     PASS_PRINTER_BLESS=1 cargo test -p pass-printer --test golden

mod common;

use std::path::PathBuf;

use pass_credential::PassKind;
use pass_printer::Orientation;

/// Small pictures, enough to see any field move: 60 dpi is 202 × 127 px a side.
const GOLDEN_DPI: u32 = 60;
/// A pixel differs when a channel moves by more than this.
const PIXEL_TOLERANCE: u8 = 48;
/// The share of differing pixels allowed (anti-aliasing of another poppler).
const MAX_DIFFERING: f64 = 0.005;

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

#[test]
fn every_variant_matches_its_golden_picture() {
    let bless = std::env::var_os("PASS_PRINTER_BLESS").is_some();
    let mut failures = Vec::new();
    for orientation in [Orientation::Landscape, Orientation::Portrait] {
        let renderer = common::renderer(orientation);
        for kind in PassKind::ALL {
            let document = renderer.render(&common::card(kind)).expect("render");
            let pages = document
                .preview(GOLDEN_DPI)
                .expect("pdftoppm renders the card (apt-get install poppler-utils)");
            assert_eq!(pages.len(), 2, "front and back");
            for (side, png) in ["front", "back"].iter().zip(&pages) {
                let name = format!("{orientation:?}-{kind:?}-{side}.png").to_lowercase();
                let path = golden_dir().join(&name);
                if bless {
                    std::fs::create_dir_all(golden_dir()).expect("golden folder");
                    std::fs::write(&path, png).expect("write golden");
                    continue;
                }
                let golden = std::fs::read(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}; create it with PASS_PRINTER_BLESS=1", path.display()));
                let (expected, actual) = (common::decode_png(&golden), common::decode_png(png));
                if expected.dimensions() != actual.dimensions() {
                    failures.push(format!(
                        "{name}: {:?} now {:?}",
                        expected.dimensions(),
                        actual.dimensions()
                    ));
                    continue;
                }
                let differing = expected
                    .pixels()
                    .zip(actual.pixels())
                    .filter(|(a, b)| a.0.iter().zip(b.0).any(|(x, y)| x.abs_diff(y) > PIXEL_TOLERANCE))
                    .count();
                let share = differing as f64 / f64::from(expected.width() * expected.height());
                if share > MAX_DIFFERING {
                    let actual_path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(&name);
                    std::fs::write(&actual_path, png).expect("write the new picture");
                    failures.push(format!(
                        "{name}: {:.2} % of pixels differ; now {}",
                        share * 100.0,
                        actual_path.display()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "golden pictures differ:\n{}", failures.join("\n"));
}
