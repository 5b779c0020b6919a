//! What a laid-out card is drawn with: rectangles in mm, sRGB colours and
//! lines of text placed on the card. Layout, text fitting, QR placement and
//! the PDF writer all speak in these, so each can be checked on its own.
//!
//! What it is not for: where anything goes on the card (the layout), the
//! card's sizes, bleed and palette (the layout too), or how text is measured
//! (the font and the fitter).

use crate::error::Field;
use crate::font::Weight;

/// A rectangle in mm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl Area {
    pub fn right(&self) -> f32 {
        self.x + self.width
    }

    pub fn top(&self) -> f32 {
        self.y + self.height
    }

    /// Whether `other` lies inside this area (to a thousandth of a mm).
    pub fn contains(&self, other: &Area) -> bool {
        const EPS: f32 = 1e-3;
        other.x >= self.x - EPS
            && other.y >= self.y - EPS
            && other.right() <= self.right() + EPS
            && other.top() <= self.top() + EPS
    }

    /// This area with `by` mm added on every side (taken away when negative).
    pub(crate) fn grown(self, by: f32) -> Area {
        Area {
            x: self.x - by,
            y: self.y - by,
            width: self.width + 2.0 * by,
            height: self.height + 2.0 * by,
        }
    }
}

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

/// A line of text placed on the card.
#[derive(Debug, Clone, PartialEq)]
pub struct TextRun {
    pub field: Field,
    pub text: String,
    /// Pen origin of the first character on the baseline, in mm.
    pub x: f32,
    pub baseline: f32,
    pub size_pt: f32,
    pub weight: Weight,
    pub colour: Rgb,
    /// Where the glyphs' ink lies, from the font's glyph boxes.
    pub ink: Area,
    /// The field the run was fitted into; `ink` lies inside it.
    pub field_area: Area,
}
