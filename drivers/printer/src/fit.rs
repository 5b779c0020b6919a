//! Fitting text into a field: shrink to a minimum size first, then wrap onto more
//! lines, and refuse rather than clip. Widths and heights come from the font's
//! real advances and glyph boxes, so "fits" means the ink stays in the field.

use crate::error::{Field, PrinterError, Result};
use crate::font::{CardFont, InkExtent, Weight};
use crate::geometry::{Area, Rgb, TextRun};

pub(crate) const MM_PER_PT: f32 = 25.4 / 72.0;
/// Baseline to baseline, in ems.
const LEADING_EM: f32 = 1.18;
/// How far each shrinking step goes.
const SIZE_STEP_PT: f32 = 0.25;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Centre,
    Right,
}

/// How a field's text may be set.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TextStyle {
    pub max_pt: f32,
    pub min_pt: f32,
    pub max_lines: usize,
    pub weight: Weight,
    pub align: Align,
    pub colour: Rgb,
}

impl TextStyle {
    /// One line, never shrunk: for wording whose length the product controls.
    pub fn fixed(pt: f32, weight: Weight, colour: Rgb) -> TextStyle {
        TextStyle {
            max_pt: pt,
            min_pt: pt,
            max_lines: 1,
            weight,
            align: Align::Left,
            colour,
        }
    }

    pub fn shrinking(max_pt: f32, min_pt: f32, max_lines: usize, weight: Weight, colour: Rgb) -> TextStyle {
        TextStyle {
            max_pt,
            min_pt,
            max_lines,
            weight,
            align: Align::Left,
            colour,
        }
    }

    pub fn aligned(self, align: Align) -> TextStyle {
        TextStyle { align, ..self }
    }
}

/// Sets `text` in `area` at the largest size that fits on one line; failing that,
/// on up to `max_lines` lines; failing that, an error naming the field.
pub(crate) fn fit_text(
    font: &CardFont,
    field: Field,
    text: &str,
    area: Area,
    style: TextStyle,
) -> Result<Vec<TextRun>> {
    font.check(field, text)?;
    for lines_allowed in 1..=style.max_lines {
        let mut size = style.max_pt;
        while size >= style.min_pt - f32::EPSILON {
            if let Some(runs) = try_size(font, field, text, area, style, size, lines_allowed) {
                return Ok(runs);
            }
            size -= SIZE_STEP_PT;
        }
    }
    Err(PrinterError::TextDoesNotFit {
        field,
        text: text.to_owned(),
        min_pt: style.min_pt,
        max_lines: style.max_lines,
    })
}

fn try_size(
    font: &CardFont,
    field: Field,
    text: &str,
    area: Area,
    style: TextStyle,
    size_pt: f32,
    lines_allowed: usize,
) -> Option<Vec<TextRun>> {
    let em_mm = size_pt * MM_PER_PT;
    let fits_width = |line: &str| {
        let ink = font.ink_extent(line, style.weight);
        (ink.left + ink.right) * em_mm <= area.width
    };
    let lines = wrap(text, lines_allowed, fits_width)?;
    let extents: Vec<InkExtent> = lines.iter().map(|l| font.ink_extent(l, style.weight)).collect();
    let (typo_above, typo_below) = font.line_box();
    let above = extents.iter().map(|e| e.above).fold(typo_above, f32::max) * em_mm;
    let below = extents.iter().map(|e| e.below).fold(typo_below, f32::max) * em_mm;
    let leading = LEADING_EM * em_mm;
    let height = above + below + leading * (lines.len() - 1) as f32;
    if height > area.height {
        return None;
    }
    let runs = lines
        .into_iter()
        .zip(extents)
        .enumerate()
        .map(|(index, (line, ink))| {
            let width = (ink.left + ink.right) * em_mm;
            let left = match style.align {
                Align::Left => area.x,
                Align::Centre => area.x + (area.width - width) / 2.0,
                Align::Right => area.right() - width,
            };
            let baseline = area.top() - above - leading * index as f32;
            TextRun {
                field,
                x: left + ink.left * em_mm,
                baseline,
                size_pt,
                weight: style.weight,
                colour: style.colour,
                ink: Area {
                    x: left,
                    y: baseline - ink.below * em_mm,
                    width,
                    height: (ink.above + ink.below) * em_mm,
                },
                field_area: area,
                text: line,
            }
        })
        .collect();
    Some(runs)
}

/// Characters no line may start with (closing punctuation).
const NO_LINE_START: &str = "、。，．：；！？）」』》〉】,.:;!?)";

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{2E80}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{FF00}'..='\u{FFEF}' | '\u{20000}'..='\u{3FFFF}')
}

/// Byte offsets where a line may break, each with whether it is a space (preferred)
/// break. A space break drops the space; other breaks fall between two characters:
/// between CJK characters, and after a name separator.
fn break_points(text: &str) -> Vec<(usize, bool)> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    chars
        .windows(2)
        .filter_map(|pair| {
            let ((_, before), (at, after)) = (pair[0], pair[1]);
            if NO_LINE_START.contains(after) {
                None
            } else if before == ' ' {
                Some((at, true))
            } else if (is_cjk(before) && is_cjk(after)) || matches!(before, '·' | '・' | '‧' | '-') {
                Some((at, false))
            } else {
                None
            }
        })
        .collect()
}

/// Greedy line filling: each line takes the furthest break that fits, a space
/// break before any other. `None` when a piece cannot fit or more lines are needed.
fn wrap(text: &str, max_lines: usize, fits: impl Fn(&str) -> bool) -> Option<Vec<String>> {
    let text = text.trim();
    let breaks = break_points(text);
    let mut lines = Vec::new();
    let mut start = 0;
    loop {
        let rest = &text[start..];
        if fits(rest) {
            lines.push(rest.to_owned());
            break;
        }
        let candidates = breaks.iter().filter(|(at, _)| *at > start);
        let fitting = |prefer_space: bool| {
            candidates
                .clone()
                .filter(|(at, space)| (*space || !prefer_space) && fits(text[start..*at].trim_end()))
                .map(|(at, _)| *at)
                .last()
        };
        let end = fitting(true).or_else(|| fitting(false))?;
        lines.push(text[start..end].trim_end().to_owned());
        start = end;
        if lines.len() >= max_lines {
            return None;
        }
    }
    (lines.len() <= max_lines).then_some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fits_chars(n: usize) -> impl Fn(&str) -> bool {
        move |s: &str| s.chars().count() <= n
    }

    #[test]
    fn cjk_breaks_between_characters_and_latin_at_spaces() {
        assert_eq!(
            wrap("歐陽志明志明", 2, fits_chars(4)),
            Some(vec!["歐陽志明".to_owned(), "志明".to_owned()])
        );
        assert_eq!(
            wrap("CHEN CHIH MING", 2, fits_chars(10)),
            Some(vec!["CHEN CHIH".to_owned(), "MING".to_owned()])
        );
        assert_eq!(wrap("CHENCHIHMING", 2, fits_chars(10)), None);
    }

    #[test]
    fn spaces_are_preferred_and_closing_punctuation_never_starts_a_line() {
        let ports = "基隆港\u{a0}Keelung 臺北港\u{a0}Taipei";
        assert_eq!(
            wrap(ports, 2, fits_chars(12)),
            Some(vec!["基隆港\u{a0}Keelung".to_owned(), "臺北港\u{a0}Taipei".to_owned()])
        );
        assert_eq!(
            wrap("陳志明、林", 2, fits_chars(3)),
            Some(vec!["陳志".to_owned(), "明、林".to_owned()])
        );
    }

    #[test]
    fn too_many_lines_is_none() {
        assert_eq!(wrap("一二三四五六七", 2, fits_chars(3)), None);
    }
}
