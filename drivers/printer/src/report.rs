//! Reports on A4 paper (an office day's closing report): headings and lines
//! of text, one after another, onto as many pages as they take, in the
//! card font, so Chinese prints as on the cards.
//!
//! Not for cards (see `layout`) or for tables that need columns drawn: a
//! report's columns are its lines' own spacing.

use crate::error::Result;
use crate::font::{CardFont, Weight};
use crate::pdf::{PlacedLine, write_text_pdf};

/// What a report prints for a character the font cannot draw (an emoji in
/// a typed reason): the report must still print, and its CSV and signed
/// forms keep the text as typed.
const UNDRAWABLE: char = '?';
/// A4, portrait, in mm.
const PAGE_MM: (f32, f32) = (210.0, 297.0);
const MARGIN_MM: f32 = 20.0;
const BODY_PT: f32 = 10.5;
const HEADING_PT: f32 = 14.0;
/// Line height as a multiple of the text's size.
const LEADING: f32 = 1.5;
const MM_PER_PT: f32 = 25.4 / 72.0;

/// One line of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportLine {
    Heading(String),
    Text(String),
    /// A gap of one body line.
    Gap,
}

/// The report as a PDF: the lines top to bottom, a new page when one is
/// full; a character the font lacks prints as `?`.
pub fn report_pdf(font: &CardFont, title: &str, lines: &[ReportLine]) -> Result<Vec<u8>> {
    let drawn: Vec<(String, f32, Weight)> = lines
        .iter()
        .map(|line| {
            let (text, size_pt, weight) = match line {
                ReportLine::Heading(text) => (text.as_str(), HEADING_PT, Weight::Bold),
                ReportLine::Text(text) => (text.as_str(), BODY_PT, Weight::Regular),
                ReportLine::Gap => ("", BODY_PT, Weight::Regular),
            };
            let text = text
                .chars()
                .map(|c| if font.has_glyph(c) { c } else { UNDRAWABLE })
                .collect();
            (text, size_pt, weight)
        })
        .collect();
    let mut pages: Vec<Vec<PlacedLine<'_>>> = vec![Vec::new()];
    let mut baseline = PAGE_MM.1 - MARGIN_MM;
    for (text, size_pt, weight) in &drawn {
        let step = size_pt * MM_PER_PT * LEADING;
        if baseline - step < MARGIN_MM {
            pages.push(Vec::new());
            baseline = PAGE_MM.1 - MARGIN_MM;
        }
        baseline -= step;
        if !text.is_empty() {
            pages.last_mut().expect("a page").push(PlacedLine {
                text,
                x_mm: MARGIN_MM,
                baseline_mm: baseline,
                size_pt: *size_pt,
                weight: *weight,
            });
        }
    }
    write_text_pdf(font, PAGE_MM, &pages, title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_report_runs_onto_pages_and_keeps_its_chinese() {
        let font = CardFont::bundled().expect("the bundled font");
        let mut lines = vec![ReportLine::Heading("基隆港製證櫃檯 日結報表 2026-12-01".into())];
        lines.extend((0..80).map(|n| ReportLine::Text(format!("第 {n} 行：製卡 12 張，作廢 1 張（印刷不良）"))));
        let pdf = report_pdf(&font, "日結報表", &lines).expect("a PDF");
        assert!(pdf.starts_with(b"%PDF-"));
        let pages = crate::raster::rasterise(&pdf, 40).expect("it renders");
        assert_eq!(pages.len(), 2, "80 lines take two A4 pages");
    }

    #[test]
    fn a_character_the_font_lacks_prints_as_a_question_mark() {
        let font = CardFont::bundled().expect("the bundled font");
        assert!(!font.has_glyph('😀'), "the card font has no emoji");
        let with_emoji = report_pdf(&font, "x", &[ReportLine::Text("卡紙😀".into())]).expect("a PDF all the same");
        let as_shown = report_pdf(&font, "x", &[ReportLine::Text("卡紙?".into())]).expect("a PDF");
        let drawn = |pdf: &[u8]| crate::raster::rasterise(pdf, 40).expect("it renders");
        assert_eq!(drawn(&with_emoji), drawn(&as_shown), "the emoji prints as ?");
    }
}
