//! Printing through a real CUPS: the test starts its own `cupsd` (own config,
//! spool and port) with a cups-pdf queue, prints cards, rasterises the PDF CUPS
//! produced at 300 dpi and reads the QR back, as a webcam would read the card.
//! It also stops the queue, holds and cancels jobs, names an unknown queue and
//! finally stops CUPS, and checks each error.
//!
//! One test drives the one cupsd, so nothing here runs concurrently. Needs root
//! (cups-pdf reads its settings only from /etc/cups) and Debian's `cups`,
//! `cups-client`, `printer-driver-cups-pdf` and `poppler-utils`.

mod common;

use pass_credential::{PassKind, from_qr_text};
use pass_printer::lab::CupsLab;
use pass_printer::{
    CardDocument, CupsQueue, Holder, JobEnd, JobState, Orientation, PRINT_DPI, PrintFormat, PrintTarget, Printed,
    PrinterError, rasterise,
};

/// Every QR code's text found on the pages, checking each page is the card at 100 %
/// (CUPS rounds the media to whole points, so within 1 %).
fn read_qr_codes(pdf: &[u8], document: &CardDocument) -> Vec<String> {
    let (width_mm, height_mm) = document.template.card_size();
    let pixels = |mm: f32| f64::from(mm) / 25.4 * f64::from(PRINT_DPI);
    rasterise(pdf, PRINT_DPI)
        .expect("rasterise at 300 dpi")
        .iter()
        .flat_map(|png| {
            let page = common::decode_png(png);
            for (got, card) in [(page.width(), pixels(width_mm)), (page.height(), pixels(height_mm))] {
                assert!(
                    (f64::from(got) / card - 1.0).abs() < 0.01,
                    "printed page {:?} px",
                    page.dimensions()
                );
            }
            pass_printer::lab::read_qr_codes(png)
        })
        .collect()
}

fn signed_card(kind: PassKind) -> (pass_printer::CardData, Vec<u8>) {
    let mut card = common::card(kind);
    let holder = match &card.holder {
        Holder::Person { name, .. } => name.clone(),
        Holder::Vehicle { plate, .. } => plate.clone(),
    };
    let (qr_text, cose) = common::credential(kind, &holder, 3);
    card.qr_text = qr_text;
    (card, cose)
}

fn check_printed_qr(lab: &CupsLab, document: &CardDocument, expected: &[(String, Vec<u8>)]) {
    let printed = lab.take_output();
    let texts = read_qr_codes(&printed, document);
    assert_eq!(
        texts.len(),
        expected.len(),
        "QR codes read from the printed PDF: {texts:?}"
    );
    for (text, (qr_text, cose)) in texts.iter().zip(expected) {
        assert_eq!(text, qr_text, "{document:?}");
        assert_eq!(&from_qr_text(text).expect("a credential"), cose);
    }
}

#[test]
fn cards_print_through_cups_and_printer_faults_come_back_as_errors() {
    let mut lab = CupsLab::start();
    let renderer = common::renderer(Orientation::Landscape);

    // One card, as PDF: the printed QR reads back as the signed credential.
    let (card, cose) = signed_card(PassKind::Person);
    let document = renderer.render(&card).expect("render");
    let target = PrintTarget::Cups(lab.queue());
    let printed = target.print(&document, PrintFormat::Pdf).expect("print through CUPS");
    assert!(matches!(printed, Printed::Job(id) if id > 0), "{printed:?}");
    check_printed_qr(&lab, &document, &[(card.qr_text.clone(), cose)]);

    // A batch in one job, one card per page pair; then the same batch as bitmaps.
    let batch: Vec<_> = [PassKind::Vehicle, PassKind::TemporaryPerson]
        .into_iter()
        .map(signed_card)
        .collect();
    let cards: Vec<_> = batch.iter().map(|(card, _)| card.clone()).collect();
    let expected: Vec<_> = batch
        .iter()
        .map(|(card, cose)| (card.qr_text.clone(), cose.clone()))
        .collect();
    let document = renderer.render_batch(&cards).expect("render batch");
    for format in [PrintFormat::Pdf, PrintFormat::Raster] {
        lab.queue().print(&document, format).expect("print the batch");
        check_printed_qr(&lab, &document, &expected);
    }

    // The server's queues are listed, each ready or with its problem.
    let listed = CupsQueue::new("")
        .with_server(&lab.server)
        .list()
        .expect("list the queues");
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(
        (listed[0].name.as_str(), listed[0].problem.as_deref()),
        (lab.queue.as_str(), None)
    );

    // A stopped queue is refused before submitting, and listed as stopped.
    lab.admin("cupsdisable", &[&lab.queue]);
    let listed = CupsQueue::new("")
        .with_server(&lab.server)
        .list()
        .expect("list the queues");
    assert!(
        listed[0].problem.as_deref().is_some_and(|p| p.contains("stopped")),
        "{listed:?}"
    );
    let error = lab.queue().print(&document, PrintFormat::Pdf).expect_err("stopped");
    assert!(
        matches!(&error, PrinterError::QueueStopped { job: None, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("cupsenable"), "{error}");

    // A job already queued when the queue stopped, then held, then canceled.
    let queue = lab.queue();
    let job = queue
        .submit(&document, PrintFormat::Pdf)
        .expect("submit to a stopped queue");
    let error = queue.wait(job).expect_err("stopped under the job");
    assert!(
        matches!(error, PrinterError::QueueStopped { job: Some(j), .. } if j == job),
        "{error:?}"
    );
    lab.admin("lp", &["-i", &job.to_string(), "-H", "hold"]);
    assert_eq!(queue.job_state(job).expect("state").0, JobState::Held);
    let error = queue.wait(job).expect_err("held");
    assert!(
        matches!(error, PrinterError::JobHeld { job: j, .. } if j == job),
        "{error:?}"
    );
    lab.admin("cancel", &[&job.to_string()]);
    let error = queue.wait(job).expect_err("canceled");
    assert!(
        matches!(error, PrinterError::JobFailed { end: JobEnd::Canceled, job: j, .. } if j == job),
        "{error:?}"
    );
    lab.admin("cupsenable", &[&lab.queue]);

    // A queue that does not exist.
    let unknown = CupsQueue::new("NoSuchCardPrinter").with_server(&lab.server);
    let error = unknown.print(&document, PrintFormat::Pdf).expect_err("unknown");
    assert!(
        matches!(&error, PrinterError::PrinterUnknown { queue } if queue == "NoSuchCardPrinter"),
        "{error:?}"
    );

    // CUPS itself gone.
    lab.stop();
    let error = lab.queue().print(&document, PrintFormat::Pdf).expect_err("not running");
    assert!(matches!(error, PrinterError::CupsNotRunning { .. }), "{error:?}");
}
