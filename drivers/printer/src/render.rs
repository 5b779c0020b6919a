//! From card data to a print-ready document: one card or a batch, laid out with
//! one template and written as a single PDF with a front and back page per card.

use crate::card::CardData;
use crate::error::{PrinterError, Result};
use crate::font::CardFont;
use crate::layout::{CardLayout, CardTemplate, layout_card};
use crate::pdf::write_pdf;
use crate::raster::rasterise;

/// A rendered document: the PDF and what it holds.
#[derive(Clone, PartialEq, Eq)]
pub struct CardDocument {
    pub pdf: Vec<u8>,
    pub cards: usize,
    pub template: CardTemplate,
    /// Job name and file name, e.g. "pass KEL-2026-000123 v2".
    pub title: String,
}

impl std::fmt::Debug for CardDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CardDocument({:?}, {} cards, {} bytes)",
            self.title,
            self.cards,
            self.pdf.len()
        )
    }
}

impl CardDocument {
    /// The card as CUPS media: its size in points, e.g. `Custom.243x153`.
    pub fn media(&self) -> String {
        let (w, h) = self.template.card_size();
        let points = |mm: f32| (mm * 72.0 / 25.4).round();
        format!("Custom.{}x{}", points(w), points(h))
    }

    /// The title reduced to characters every file system and print spooler accepts.
    pub fn file_stem(&self) -> String {
        self.title
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    }

    /// PNGs of every side at `dpi`, cropped to the card: the preview is the same
    /// PDF the printer gets, rasterised.
    pub fn preview(&self, dpi: u32) -> Result<Vec<Vec<u8>>> {
        rasterise(&self.pdf, dpi)
    }
}

/// Lays out and renders cards with one font and template.
#[derive(Debug)]
pub struct CardRenderer {
    font: CardFont,
    template: CardTemplate,
}

impl CardRenderer {
    pub fn new(font: CardFont, template: CardTemplate) -> CardRenderer {
        CardRenderer { font, template }
    }

    pub fn font(&self) -> &CardFont {
        &self.font
    }

    /// The card's layout, for checks and for callers that draw it themselves.
    pub fn layout(&self, card: &CardData) -> Result<CardLayout> {
        layout_card(&self.font, card, self.template).map_err(|source| PrinterError::Card {
            pass_id: card.pass_id.clone(),
            source: Box::new(source),
        })
    }

    /// One card: a PDF of two pages.
    pub fn render(&self, card: &CardData) -> Result<CardDocument> {
        self.render_batch(std::slice::from_ref(card))
    }

    /// Many cards as one document, front and back of each in order. Any card that
    /// cannot be printed fails the batch before anything is written, naming it.
    pub fn render_batch(&self, cards: &[CardData]) -> Result<CardDocument> {
        let title = match cards {
            [] => {
                return Err(PrinterError::InvalidCard {
                    detail: "the batch has no cards".into(),
                });
            }
            [card] => format!("pass {} v{}", card.pass_id, card.version),
            [first, .., last] => format!("passes {} to {} ({} cards)", first.pass_id, last.pass_id, cards.len()),
        };
        let layouts = cards.iter().map(|card| self.layout(card)).collect::<Result<Vec<_>>>()?;
        let pdf = write_pdf(&self.font, &layouts, &title)?;
        Ok(CardDocument {
            pdf,
            cards: cards.len(),
            template: self.template,
            title,
        })
    }
}
