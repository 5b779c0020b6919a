//! Port pass cards on paper and plastic: lays out a CR80 card (front and back,
//! person, vehicle and temporary variants, landscape or portrait), writes it as a
//! small PDF with the card font cut to the characters used, and prints it through
//! CUPS or into a folder, as the PDF or as 300 dpi bitmaps. The same PDF,
//! rasterised, is the on-screen preview.
//!
//! - [`CardData`]: what goes on a card, filled in by the caller.
//! - [`CardRenderer`]: layout ([`CardLayout`]) and rendering ([`CardDocument`]).
//! - [`CardFont`]: the bundled Noto Sans CJK TC subset; characters it lacks are
//!   refused before anything prints.
//! - [`report_pdf`]: an A4 report of [`ReportLine`]s (an office day's closing
//!   report) in the same font, Chinese included.
//! - [`PrintTarget`]: a [`CupsQueue`] (jobs followed to completion over IPP) or a
//!   [`PdfFolder`].
//! - [`lab`]: test equipment, a private cupsd with a cups-pdf queue for tests,
//!   and reading QR codes off printed pages.
//!
//! Not here: which passes to print and their states (the station), signing the
//! credential (`pass-credential` makes the QR text), and reading the printed QR
//! back from a camera (the camera driver).

mod card;
mod error;
mod fit;
mod font;
mod geometry;
mod ipp;
#[cfg(feature = "lab")]
pub mod lab;
mod layout;
mod pdf;
mod photo;
mod print;
mod qr;
mod raster;
mod render;
mod report;

pub use card::{CardData, CardPort, Holder};
pub use error::{Field, JobEnd, PrinterError, Result};
pub use font::{CardFont, Weight};
pub use geometry::{Area, Rgb, TextRun};
pub use layout::{
    BLEED_MM, CARD_LONG_MM, CARD_SHORT_MM, CardLayout, CardTemplate, Element, Orientation, SAFE_MM, Side, layout_card,
    roc_date,
};
pub use photo::{Photo, centre_crop, decode_photo, fit_photo, print_width_px};
pub use print::{CupsQueue, JobState, PdfFolder, PrintFormat, PrintTarget, Printed, QueueStatus};
pub use qr::{MIN_MODULE_MM, PRINTER_DOT_MM, QUIET_ZONE_MODULES, QrMark};
pub use raster::{PRINT_DPI, rasterise};
pub use render::{CardDocument, CardRenderer};
pub use report::{ReportLine, report_pdf};
