//! The card font: its real metrics for layout, the refusal of characters it
//! cannot draw, and a per-document subset so a card PDF carries only the glyphs
//! it prints.
//!
//! printpdf without its layout engine embeds a font whole (4 MB here), so each
//! document gets its own subset cut with allsorts (the font parser printpdf
//! itself uses) and handed to printpdf as a small standalone TrueType font.

use std::collections::BTreeSet;

use allsorts::binary::read::ReadScope;
use allsorts::font_data::FontData;
use allsorts::subset::{CmapTarget, SubsetProfile};
use allsorts::tables::FontTableProvider;
use allsorts::tag;
use printpdf::ParsedFont;

use crate::error::{Field, PrinterError, Result};

/// Noto Sans CJK TC, pre-subset by `fixtures/fonts/make_card_font.py`.
const BUNDLED_FONT: &[u8] = include_bytes!("../../../fixtures/fonts/NotoSansTC-Card.ttf");

/// A glyph's ink box in font units.
#[derive(Debug, Clone, Copy, Default)]
struct InkBox {
    x_min: i16,
    y_min: i16,
    x_max: i16,
    y_max: i16,
}

/// How heavy a run is drawn. Bold is the regular outline filled and stroked,
/// which widens every edge by half the stroke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

impl Weight {
    /// Stroke width of faux bold, in ems.
    pub const BOLD_STROKE_EM: f32 = 0.045;

    /// How far the ink grows past the outline on every side, in ems.
    fn spread_em(self) -> f32 {
        match self {
            Weight::Regular => 0.0,
            Weight::Bold => Weight::BOLD_STROKE_EM / 2.0,
        }
    }
}

/// Where a run's ink lies around its pen origin, in ems (all positive outwards).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct InkExtent {
    /// Ink left of the pen origin (a glyph that overhangs leftwards).
    pub left: f32,
    /// Ink right of the origin: at least the advance of the whole run.
    pub right: f32,
    pub above: f32,
    pub below: f32,
}

/// A TrueType font with the metrics layout needs. Cheap to share between renders.
#[derive(Debug)]
pub struct CardFont {
    parsed: ParsedFont,
    units_per_em: f32,
    /// OS/2 typographic ascender and descender, in ems: the line box every run is
    /// placed in, so baselines do not wander with the characters of a name.
    typo_ascent: f32,
    typo_descent: f32,
    ink: Vec<InkBox>,
}

impl CardFont {
    /// The font the product ships: Noto Sans CJK TC, Big5 and Latin-1 (OFL 1.1).
    pub fn bundled() -> Result<CardFont> {
        CardFont::from_bytes(BUNDLED_FONT)
    }

    /// A TrueType (`glyf`) font from its file bytes; CFF and collections are refused,
    /// since the PDF embeds the font as a CIDFontType2 with identity glyph ids.
    pub fn from_bytes(bytes: &[u8]) -> Result<CardFont> {
        let font_error = |detail: String| PrinterError::Font { detail };
        let file = ReadScope::new(bytes)
            .read::<FontData<'_>>()
            .map_err(|e| font_error(format!("not a font file: {e}")))?;
        let provider = file
            .table_provider(0)
            .map_err(|e| font_error(format!("unreadable table directory: {e}")))?;
        let table = |tag: u32, name: &str| {
            provider
                .read_table_data(tag)
                .map(|data| data.into_owned())
                .map_err(|e| font_error(format!("no usable {name} table: {e}")))
        };
        let head = table(tag::HEAD, "head")?;
        let loca = table(
            tag::LOCA,
            "loca (TrueType outlines are needed; CFF fonts are not supported)",
        )?;
        let glyf = table(tag::GLYF, "glyf")?;
        let os2 = table(tag::OS_2, "OS/2")?;

        let mut warnings = Vec::new();
        let parsed = ParsedFont::from_bytes(bytes, 0, &mut warnings)
            .ok_or_else(|| font_error(format!("printpdf cannot read it: {warnings:?}")))?;
        if parsed.units_per_em == 0 || parsed.codepoint_to_glyph.is_empty() {
            return Err(font_error("it has no units per em or no Unicode character map".into()));
        }
        let units_per_em = f32::from(parsed.units_per_em);
        let long_loca = read_i16(&head, 50).ok_or_else(|| font_error("head table too short".into()))? == 1;
        let glyph_count = parsed.glyph_widths.len();
        let ink = (0..glyph_count)
            .map(|gid| ink_box(&loca, &glyf, gid, long_loca))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| font_error("loca or glyf table is truncated".into()))?;
        let typo = |offset| read_i16(&os2, offset).map(|v| f32::from(v).abs() / units_per_em);
        let (typo_ascent, typo_descent) = typo(68)
            .zip(typo(70))
            .ok_or_else(|| font_error("OS/2 table too short".into()))?;
        Ok(CardFont {
            parsed,
            units_per_em,
            typo_ascent,
            typo_descent,
            ink,
        })
    }

    fn glyph(&self, character: char) -> Option<u16> {
        self.parsed
            .lookup_glyph_index(u32::from(character))
            .filter(|gid| *gid != 0)
    }

    /// Whether the font draws `character` (rather than a blank box).
    pub fn has_glyph(&self, character: char) -> bool {
        self.glyph(character).is_some()
    }

    /// Refuses text with a character the font cannot draw, naming it and the field.
    pub fn check(&self, field: Field, text: &str) -> Result<()> {
        match text.chars().find(|c| !self.has_glyph(*c)) {
            Some(character) => Err(PrinterError::MissingGlyph { field, character }),
            None => Ok(()),
        }
    }

    /// The typographic line box above and below the baseline, in ems.
    pub(crate) fn line_box(&self) -> (f32, f32) {
        (self.typo_ascent, self.typo_descent)
    }

    /// Advance width of `text` in ems, from the font's horizontal metrics.
    pub fn advance_em(&self, text: &str) -> f32 {
        text.chars()
            .filter_map(|c| self.glyph(c))
            .map(|gid| f32::from(self.parsed.get_glyph_width(gid).unwrap_or(0)))
            .sum::<f32>()
            / self.units_per_em
    }

    /// Where the ink of `text` set at 1 em lies around its origin. Checked text only:
    /// characters without a glyph contribute nothing.
    pub(crate) fn ink_extent(&self, text: &str, weight: Weight) -> InkExtent {
        let mut pen = 0.0_f32;
        let (mut left, mut right) = (0.0_f32, 0.0_f32);
        let (mut above, mut below) = (0.0_f32, 0.0_f32);
        for gid in text.chars().filter_map(|c| self.glyph(c)) {
            let advance = f32::from(self.parsed.get_glyph_width(gid).unwrap_or(0)) / self.units_per_em;
            if let Some(ink) = self.ink.get(usize::from(gid)).filter(|ink| ink.x_max > ink.x_min) {
                let em = |v: i16| f32::from(v) / self.units_per_em;
                left = left.max(-(pen + em(ink.x_min)));
                right = right.max(pen + em(ink.x_max));
                above = above.max(em(ink.y_max));
                below = below.max(-em(ink.y_min));
            }
            pen += advance;
        }
        let spread = weight.spread_em();
        InkExtent {
            left: left + spread,
            right: right.max(pen) + spread,
            above: above + spread,
            below: below + spread,
        }
    }

    /// A standalone font holding only the glyphs of `characters` (plus .notdef),
    /// with its own character map, ready for printpdf to embed.
    pub(crate) fn subset(&self, characters: &BTreeSet<char>) -> Result<ParsedFont> {
        let font_error = |detail: String| PrinterError::Font { detail };
        let glyph_ids: Vec<u16> = std::iter::once(0)
            .chain(
                characters
                    .iter()
                    .filter_map(|c| self.glyph(*c))
                    .collect::<BTreeSet<_>>(),
            )
            .collect();
        let file = ReadScope::new(&self.parsed.original_bytes)
            .read::<FontData<'_>>()
            .map_err(|e| font_error(e.to_string()))?;
        let provider = file.table_provider(0).map_err(|e| font_error(e.to_string()))?;
        let bytes = allsorts::subset::subset(&provider, &glyph_ids, &SubsetProfile::Pdf, CmapTarget::Unicode)
            .map_err(|e| font_error(format!("subsetting failed: {e}")))?;
        let mut warnings = Vec::new();
        ParsedFont::from_bytes(&bytes, 0, &mut warnings)
            .ok_or_else(|| font_error(format!("the subset cannot be read back: {warnings:?}")))
    }
}

fn read_u16(data: &[u8], offset: usize) -> Option<u16> {
    Some(u16::from_be_bytes(data.get(offset..offset + 2)?.try_into().ok()?))
}

fn read_i16(data: &[u8], offset: usize) -> Option<i16> {
    read_u16(data, offset).map(|v| v as i16)
}

fn read_u32(data: &[u8], offset: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(offset..offset + 4)?.try_into().ok()?))
}

/// The bounding box in a glyph's `glyf` header; empty glyphs (spaces) get an empty box.
fn ink_box(loca: &[u8], glyf: &[u8], gid: usize, long_loca: bool) -> Option<InkBox> {
    let (start, end) = if long_loca {
        (read_u32(loca, gid * 4)? as usize, read_u32(loca, gid * 4 + 4)? as usize)
    } else {
        (
            usize::from(read_u16(loca, gid * 2)?) * 2,
            usize::from(read_u16(loca, gid * 2 + 2)?) * 2,
        )
    };
    if end <= start {
        return Some(InkBox::default());
    }
    let header = glyf.get(start..start + 10)?;
    Some(InkBox {
        x_min: read_i16(header, 2)?,
        y_min: read_i16(header, 4)?,
        x_max: read_i16(header, 6)?,
        y_max: read_i16(header, 8)?,
    })
}
