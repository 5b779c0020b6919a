//! Layout promises, checked on the layout itself: text stays in its field and the
//! safe area, long names shrink then wrap, photos are cropped rather than
//! stretched, missing glyphs and unreadable QR sizes are refused, PDFs stay small.

mod common;

use image::ImageFormat;
use pass_credential::PassKind;
use pass_printer::{
    Element, Field, Holder, MIN_MODULE_MM, Orientation, PRINTER_DOT_MM, PrinterError, QUIET_ZONE_MODULES, Side,
    roc_date,
};
use time::macros::date;

const ORIENTATIONS: [Orientation; 2] = [Orientation::Landscape, Orientation::Portrait];

fn person_with_name(name: &str) -> pass_printer::CardData {
    let mut card = common::card(PassKind::Person);
    if let Holder::Person { name: held, .. } = &mut card.holder {
        *held = name.to_owned();
    }
    card
}

fn unwrap_card_error(error: PrinterError) -> PrinterError {
    match error {
        PrinterError::Card { source, .. } => *source,
        other => other,
    }
}

#[test]
fn every_run_of_every_variant_stays_inside_its_field_and_the_safe_area() {
    for orientation in ORIENTATIONS {
        let renderer = common::renderer(orientation);
        for kind in PassKind::ALL {
            let layout = renderer.layout(&common::card(kind)).expect("layout");
            let safe = layout.template.safe_area();
            for run in layout.text_runs() {
                assert!(
                    run.field_area.contains(&run.ink),
                    "{orientation:?} {kind:?}: {run:?} leaves its field"
                );
                assert!(
                    safe.contains(&run.ink),
                    "{orientation:?} {kind:?}: {run:?} leaves the safe area"
                );
            }
        }
    }
}

#[test]
fn a_long_name_is_shrunk_then_wrapped_and_never_clipped() {
    for orientation in ORIENTATIONS {
        let renderer = common::renderer(orientation);
        let name_runs = |name: &str| {
            let layout = renderer.layout(&person_with_name(name)).expect("layout");
            layout
                .front
                .iter()
                .filter_map(|e| match e {
                    Element::Text(run) if run.field == Field::HolderName => Some(run.clone()),
                    _ => None,
                })
                .collect::<Vec<_>>()
        };
        let short = name_runs("陳志明");
        assert_eq!(short.len(), 1);
        assert_eq!(short[0].size_pt, 12.0, "a short name is set at full size");

        let longer = name_runs("歐陽志明志明志明志明志明志明");
        assert_eq!(longer.len(), 1, "{orientation:?}: shrunk before wrapped: {longer:?}");
        assert!(longer[0].size_pt < 12.0 && longer[0].size_pt >= 7.0);

        let long = name_runs("歐陽志明志明志明志明志明志明志明志明志明志明志明志明");
        assert_eq!(long.len(), 2, "{orientation:?}: wrapped: {long:?}");
        assert_eq!(
            long.iter().map(|r| r.text.as_str()).collect::<String>(),
            "歐陽志明志明志明志明志明志明志明志明志明志明志明志明"
        );
        for run in &long {
            assert!(run.size_pt >= 7.0);
            assert!(run.field_area.contains(&run.ink), "clipped: {run:?}");
        }
        assert!(long[0].ink.y >= long[1].ink.top() - 0.01, "lines overlap: {long:?}");

        let error = renderer
            .layout(&person_with_name(&"志明".repeat(40)))
            .expect_err("does not fit");
        assert!(
            matches!(
                unwrap_card_error(error),
                PrinterError::TextDoesNotFit {
                    field: Field::HolderName,
                    ..
                }
            ),
            "{orientation:?}"
        );
    }
}

#[test]
fn a_character_the_font_lacks_is_refused_by_name() {
    let renderer = common::renderer(Orientation::Landscape);
    let error = unwrap_card_error(renderer.render(&person_with_name("陳𠀋明")).expect_err("refused"));
    assert!(
        matches!(
            error,
            PrinterError::MissingGlyph {
                field: Field::HolderName,
                character: '𠀋'
            }
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("U+2000B") && message.contains("holder name"),
        "{message}"
    );
}

#[test]
fn photos_from_portrait_to_landscape_are_cropped_to_the_frame_never_stretched() {
    let renderer = common::renderer(Orientation::Landscape);
    for (width, height, format) in [
        (300, 1200, ImageFormat::Png),
        (600, 1000, ImageFormat::Jpeg),
        (800, 800, ImageFormat::Png),
        (1600, 900, ImageFormat::Jpeg),
        (1600, 400, ImageFormat::Png),
    ] {
        let mut card = common::card(PassKind::Person);
        if let Holder::Person { photo, .. } = &mut card.holder {
            *photo = common::photo(width, height, format);
        }
        let layout = renderer.layout(&card).expect("layout");
        let (area, photo) = layout
            .front
            .iter()
            .find_map(|e| match e {
                Element::Photo { area, photo } => Some((*area, photo.clone())),
                _ => None,
            })
            .expect("a photo");
        let frame_aspect = area.width / area.height;
        let photo_aspect = photo.width as f32 / photo.height as f32;
        assert!(
            (frame_aspect - photo_aspect).abs() < 0.01,
            "{width}x{height}: {photo:?} in a {frame_aspect} frame"
        );
        // The outer sixths of a picture more elongated than 3:4 are red; a centre crop drops them.
        let elongated = (width as f32 / height as f32 - 0.75).abs() > 0.2;
        let red = photo.rgb.chunks(3).filter(|px| px[0] > 180 && px[1] < 80).count();
        if elongated && width != height {
            assert!(
                red * 100 < photo.rgb.len() / 3,
                "{width}x{height}: edges kept, {red} red pixels"
            );
        }
    }
    let mut card = common::card(PassKind::Person);
    if let Holder::Person { photo, .. } = &mut card.holder {
        *photo = b"not an image".to_vec();
    }
    assert!(matches!(
        unwrap_card_error(renderer.layout(&card).expect_err("refused")),
        PrinterError::Photo { .. }
    ));
}

#[test]
fn the_qr_code_is_on_the_back_with_a_quiet_zone_and_modules_of_whole_printer_dots() {
    for orientation in ORIENTATIONS {
        let renderer = common::renderer(orientation);
        let mut card = common::card(PassKind::Person);
        // The longest real credential: a 20-character name and every port.
        let name = "歐陽志明志明志明志明志明志明志明志明志明";
        let (qr_text, _) = common::credential(PassKind::Person, name, 7);
        card.qr_text = qr_text;
        card.ports = common::ports(7);
        let layout = renderer.layout(&card).expect("layout");
        assert_eq!(layout.qr_side, Side::Back);
        let qr = layout.qr().expect("QR");
        let dots = qr.module_mm / PRINTER_DOT_MM;
        assert!(
            qr.module_mm >= MIN_MODULE_MM,
            "{orientation:?}: {} mm modules",
            qr.module_mm
        );
        assert!((dots - dots.round()).abs() < 1e-3, "{dots} dots a module");
        let side = (qr.modules + 2 * QUIET_ZONE_MODULES) as f32 * qr.module_mm;
        assert!((qr.area.width - side).abs() < 1e-3);
        assert!(
            layout.template.safe_area().contains(&qr.area),
            "{orientation:?}: {:?}",
            qr.area
        );
        eprintln!(
            "{orientation:?}: {} modules, {:.3} mm a module, {:.1} mm square",
            qr.modules, qr.module_mm, qr.area.width
        );
    }
}

#[test]
fn a_credential_too_long_to_read_at_033_mm_is_refused() {
    let mut card = common::card(PassKind::Person);
    card.qr_text = format!("PP1:{}", "A".repeat(1500));
    let error = unwrap_card_error(
        common::renderer(Orientation::Portrait)
            .layout(&card)
            .expect_err("refused"),
    );
    assert!(matches!(error, PrinterError::QrTooDense { .. }), "{error:?}");
}

#[test]
fn a_card_pdf_with_a_cjk_name_is_small() {
    let renderer = common::renderer(Orientation::Landscape);
    let document = renderer.render(&common::card(PassKind::Person)).expect("render");
    eprintln!("card PDF with a CJK name and a photo: {} bytes", document.pdf.len());
    assert!(document.pdf.len() < 150 * 1024, "{} bytes", document.pdf.len());
    assert!(document.pdf.starts_with(b"%PDF-"));
    assert_eq!(document.media(), "Custom.243x153");
}

#[test]
fn validity_is_printed_in_gregorian_and_roc_years() {
    assert_eq!(roc_date(date!(2026 - 01 - 01)).expect("ROC"), "民國115年1月1日");
    assert!(roc_date(date!(1900 - 01 - 01)).is_err());
    let layout = common::renderer(Orientation::Landscape)
        .layout(&common::card(PassKind::Vehicle))
        .expect("layout");
    let validity: Vec<&str> = layout
        .text_runs()
        .filter(|run| run.field == Field::Validity)
        .map(|run| run.text.as_str())
        .collect();
    assert_eq!(validity, ["2026-01-01 – 2026-12-31", "民國115年1月1日至115年12月31日"]);
}

#[test]
fn a_batch_is_one_document_and_names_the_card_that_fails() {
    let renderer = common::renderer(Orientation::Portrait);
    let cards: Vec<_> = PassKind::ALL.into_iter().map(common::card).collect();
    let document = renderer.render_batch(&cards).expect("batch");
    assert_eq!(document.cards, 4);
    let mut bad = cards.clone();
    bad[2].pass_id = "KEL-2026-000999".into();
    bad[2].ports.clear();
    let error = renderer.render_batch(&bad).expect_err("refused");
    assert!(error.to_string().starts_with("pass KEL-2026-000999: "), "{error}");
}
