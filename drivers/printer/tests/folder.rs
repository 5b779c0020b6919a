//! Printing into a folder, as the PDF or as 300 dpi PNGs of each side, and the QR
//! code read back from those bitmaps.

mod common;

use pass_credential::PassKind;
use pass_printer::{Orientation, PdfFolder, PrintFormat, PrintTarget, Printed};

#[test]
fn a_batch_goes_to_the_folder_as_one_pdf_or_as_a_png_per_side() {
    let dir = tempfile::tempdir().expect("folder");
    let target = PrintTarget::Folder(PdfFolder::new(dir.path()));
    for orientation in [Orientation::Landscape, Orientation::Portrait] {
        let cards: Vec<_> = [PassKind::Person, PassKind::TemporaryVehicle]
            .map(common::card)
            .to_vec();
        let document = common::renderer(orientation).render_batch(&cards).expect("render");

        let Printed::Files(pdf) = target.print(&document, PrintFormat::Pdf).expect("write PDF") else {
            panic!("a folder writes files");
        };
        assert_eq!(pdf.len(), 1);
        assert_eq!(std::fs::read(&pdf[0]).expect("read back"), document.pdf);

        let Printed::Files(pngs) = target.print(&document, PrintFormat::Raster).expect("write PNGs") else {
            panic!("a folder writes files");
        };
        assert_eq!(pngs.len(), 4, "front and back of two cards: {pngs:?}");
        let (width_mm, height_mm) = document.template.card_size();
        for (index, path) in pngs.iter().enumerate() {
            let png = std::fs::read(path).expect("read PNG");
            let page = common::decode_png(&png);
            let expected = |mm: f32| (mm / 25.4 * 300.0).round() as i64;
            assert!(
                (i64::from(page.width()) - expected(width_mm)).abs() <= 1,
                "{path:?}: {:?}",
                page.dimensions()
            );
            assert!((i64::from(page.height()) - expected(height_mm)).abs() <= 1);
            let codes = pass_printer::lab::read_qr_codes(&png);
            if index % 2 == 1 {
                assert_eq!(
                    codes,
                    [common::fixed_qr_text()],
                    "{orientation:?} back of card {}",
                    index / 2 + 1
                );
            } else {
                assert!(codes.is_empty(), "the QR code is on the back only");
            }
        }
        for path in pdf.iter().chain(&pngs) {
            std::fs::remove_file(path).expect("clear the folder");
        }
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("list").count(),
        0,
        "no partial files left behind"
    );
}
