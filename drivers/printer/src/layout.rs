//! Where everything goes on a CR80 card, front and back, for each template and
//! pass variant, as a list of elements in mm. Layout is kept apart from PDF
//! writing so its promises (text inside its field, the photo's aspect, the QR
//! module size) can be checked directly.
//!
//! Coordinates are mm from the lower-left corner of the trimmed card, y upwards.
//! Backgrounds run 2 mm past the trim (the bleed); text, photo and QR stay
//! 3 mm inside it (the safe area). The front holds photo, name and pass details;
//! it cannot also hold a 28 mm QR code at 0.33 mm a module, so the QR is on the
//! back in both templates.

use pass_credential::PassKind;
use time::Date;

use crate::card::{CardData, Holder};
use crate::error::{Field, PrinterError, Result};
use crate::fit::{Align, TextStyle, fit_text};
use crate::font::{CardFont, Weight};
use crate::geometry::{Area, Rgb, TextRun};
use crate::photo::{Photo, fit_photo};
use crate::qr::{QrMark, place_qr};

/// ISO/IEC 7810 ID-1 (CR80).
pub const CARD_LONG_MM: f32 = 85.60;
pub const CARD_SHORT_MM: f32 = 53.98;
/// Background printed past the trim, so a card cut or printed slightly off has no white edge.
pub const BLEED_MM: f32 = 2.0;
/// Margin inside the trim that text and codes keep clear of.
pub const SAFE_MM: f32 = 3.0;

// The card's palette, kept with the layout that paints it.
impl Rgb {
    const WHITE: Rgb = Rgb(255, 255, 255);
    const INK: Rgb = Rgb(0x1A, 0x1A, 0x1A);
    const LABEL: Rgb = Rgb(0x5F, 0x6B, 0x7A);
    const FRAME: Rgb = Rgb(0xE4, 0xE7, 0xEB);

    /// This colour mixed with white, `amount` 0 (unchanged) to 1 (white).
    fn tint(self, amount: f32) -> Rgb {
        let mix = |c: u8| (f32::from(c) + (255.0 - f32::from(c)) * amount).round() as u8;
        Rgb(mix(self.0), mix(self.1), mix(self.2))
    }
}

/// Which way up the card is designed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Orientation {
    #[default]
    Landscape,
    Portrait,
}

/// A card template: the station's setting for how its cards look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CardTemplate {
    pub orientation: Orientation,
}

impl CardTemplate {
    /// Trimmed card size (width, height) in mm.
    pub fn card_size(&self) -> (f32, f32) {
        match self.orientation {
            Orientation::Landscape => (CARD_LONG_MM, CARD_SHORT_MM),
            Orientation::Portrait => (CARD_SHORT_MM, CARD_LONG_MM),
        }
    }

    /// The holder photo's frame on the front, (width, height) in mm (3:4).
    pub fn photo_frame(&self) -> (f32, f32) {
        let photo = geometry(*self).photo;
        (photo.width, photo.height)
    }

    /// Page size with the bleed, (width, height) in mm.
    pub fn page_size(&self) -> (f32, f32) {
        let (w, h) = self.card_size();
        (w + 2.0 * BLEED_MM, h + 2.0 * BLEED_MM)
    }

    /// The trimmed card.
    pub fn trim(&self) -> Area {
        let (width, height) = self.card_size();
        Area {
            x: 0.0,
            y: 0.0,
            width,
            height,
        }
    }

    /// The part of the card text and codes keep to.
    pub fn safe_area(&self) -> Area {
        self.trim().grown(-SAFE_MM)
    }
}

/// One side of the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Front,
    Back,
}

/// Something drawn on a side, in painting order.
#[derive(Debug, Clone, PartialEq)]
pub enum Element {
    Fill { area: Area, colour: Rgb },
    Photo { area: Area, photo: Photo },
    Text(TextRun),
    Qr(QrMark),
}

/// A laid-out card.
#[derive(Debug, Clone, PartialEq)]
pub struct CardLayout {
    pub template: CardTemplate,
    pub front: Vec<Element>,
    pub back: Vec<Element>,
    /// The side the QR code is on (the back: see the module documentation).
    pub qr_side: Side,
}

impl CardLayout {
    /// The QR code as placed.
    pub fn qr(&self) -> Option<&QrMark> {
        let side = match self.qr_side {
            Side::Front => &self.front,
            Side::Back => &self.back,
        };
        side.iter().find_map(|element| match element {
            Element::Qr(mark) => Some(mark),
            _ => None,
        })
    }

    /// Every text run on both sides.
    pub fn text_runs(&self) -> impl Iterator<Item = &TextRun> {
        self.front.iter().chain(&self.back).filter_map(|element| match element {
            Element::Text(run) => Some(run),
            _ => None,
        })
    }
}

/// The card's fixed wording, Traditional Chinese with English.
mod wording {
    pub const TITLE_ZH: &str = "港區通行證";
    pub const TITLE_EN: &str = "PORT ACCESS PASS";
    pub const COMPANY: &str = "公司 Company";
    pub const TAX_ID: &str = "統一編號 Tax ID";
    pub const PASS_NUMBER: &str = "通行證號 Pass No.";
    pub const VALIDITY: &str = "有效期間 Valid";
    pub const PORTS: &str = "通行港區 Ports";
    pub const HOLDER: &str = "持證人 Holder";
    pub const VEHICLE: &str = "車牌 Plate";
    pub const PICKUP_OFFICE: &str = "核發地點 Issued at";
    pub const TEMPORARY_ZH: &str = "臨時";
    pub const TEMPORARY_EN: &str = "TEMPORARY";
    pub const SPECIMEN_ZH: &str = "樣張";
    pub const SPECIMEN_EN: &str = "SPECIMEN";
    pub const NOTICE: &str = "本證限持證人本人使用，不得轉借，進出港區應主動出示並配合查驗。拾獲請送交航港局或警察機關。 \
                              For the named holder only; show on request at the port gates. If found, return it to the port authority or the police.";
}

/// Colour and band wording of each pass variant.
fn variant(kind: PassKind) -> (Rgb, &'static str, &'static str) {
    match kind {
        PassKind::Person => (Rgb(0x1F, 0x4E, 0x8C), "人員", "PERSON"),
        PassKind::Vehicle => (Rgb(0x2E, 0x7D, 0x32), "車輛", "VEHICLE"),
        PassKind::TemporaryPerson => (Rgb(0xD9, 0x48, 0x0F), "臨時人員", "TEMPORARY PERSON"),
        PassKind::TemporaryVehicle => (Rgb(0x7B, 0x2C, 0xBF), "臨時車輛", "TEMPORARY VEHICLE"),
    }
}

/// Where a template puts things; everything else follows from these.
struct Geometry {
    band_height: f32,
    back_band_height: f32,
    /// The photo frame on the front (3:4).
    photo: Area,
    /// Column of front details: x range and top.
    front_column: Area,
    /// Ports on the front: a full-width strip (landscape) or the column's foot (portrait).
    ports: Area,
    name_align: Align,
    /// Where the QR may go on the back.
    qr_region: Area,
    back_column: Area,
}

fn geometry(template: CardTemplate) -> Geometry {
    let (w, h) = template.card_size();
    match template.orientation {
        Orientation::Landscape => {
            let band_height = 10.5;
            let photo_top = h - band_height - 2.0;
            let photo = Area {
                x: SAFE_MM,
                y: photo_top - 26.67,
                width: 20.0,
                height: 26.67,
            };
            let qr_side = 42.0;
            Geometry {
                band_height,
                back_band_height: BACK_BAND_MM,
                photo,
                front_column: Area {
                    x: photo.right() + 2.5,
                    y: 13.3,
                    width: w - SAFE_MM - (photo.right() + 2.5),
                    height: photo_top - 13.3,
                },
                ports: Area {
                    x: SAFE_MM,
                    y: SAFE_MM,
                    width: w - 2.0 * SAFE_MM,
                    height: 9.6,
                },
                name_align: Align::Left,
                qr_region: Area {
                    x: SAFE_MM,
                    y: SAFE_MM,
                    width: qr_side,
                    height: qr_side,
                },
                back_column: Area {
                    x: SAFE_MM + qr_side + 2.5,
                    y: SAFE_MM,
                    width: w - 2.0 * SAFE_MM - qr_side - 2.5,
                    height: h - BACK_BAND_MM - 1.5 - SAFE_MM,
                },
            }
        }
        Orientation::Portrait => {
            let band_height = 12.0;
            let photo_top = h - band_height - 2.0;
            let photo = Area {
                x: (w - 24.0) / 2.0,
                y: photo_top - 32.0,
                width: 24.0,
                height: 32.0,
            };
            let column_top = photo.y - 1.2;
            let qr_side = w - 2.0 * SAFE_MM;
            let qr_top = h - BACK_BAND_MM - 1.5;
            Geometry {
                band_height,
                back_band_height: BACK_BAND_MM,
                photo,
                front_column: Area {
                    x: SAFE_MM,
                    y: 10.3,
                    width: w - 2.0 * SAFE_MM,
                    height: column_top - 10.3,
                },
                ports: Area {
                    x: SAFE_MM,
                    y: SAFE_MM,
                    width: w - 2.0 * SAFE_MM,
                    height: 7.0,
                },
                name_align: Align::Centre,
                qr_region: Area {
                    x: SAFE_MM,
                    y: qr_top - qr_side,
                    width: qr_side,
                    height: qr_side,
                },
                back_column: Area {
                    x: SAFE_MM,
                    y: SAFE_MM,
                    width: w - 2.0 * SAFE_MM,
                    height: qr_top - qr_side - 1.0 - SAFE_MM,
                },
            }
        }
    }
}

/// The back's band: one line of title and variant.
const BACK_BAND_MM: f32 = 6.0;
/// Label size: small, but above the 4 pt a card printer still resolves.
const LABEL_PT: f32 = 4.6;
const LABEL_HEIGHT: f32 = 1.9;
const ROW_GAP: f32 = 0.5;

/// Text fields of one side, stacked top-down in a column.
struct Column<'a> {
    font: &'a CardFont,
    elements: &'a mut Vec<Element>,
    area: Area,
    /// Top of the next row.
    cursor: f32,
}

impl<'a> Column<'a> {
    fn new(font: &'a CardFont, elements: &'a mut Vec<Element>, area: Area) -> Column<'a> {
        let cursor = area.top();
        Column {
            font,
            elements,
            area,
            cursor,
        }
    }

    /// The next `height` mm of the column.
    fn take(&mut self, height: f32) -> Area {
        self.cursor -= height;
        Area {
            x: self.area.x,
            y: self.cursor,
            width: self.area.width,
            height,
        }
    }

    fn put(&mut self, field: Field, text: &str, height: f32, style: TextStyle) -> Result<()> {
        let area = self.take(height);
        let runs = fit_text(self.font, field, text, area, style)?;
        self.elements.extend(runs.into_iter().map(Element::Text));
        Ok(())
    }

    fn label(&mut self, text: &str) -> Result<()> {
        self.put(Field::Wording, text, LABEL_HEIGHT, label_style())
    }

    fn gap(&mut self, height: f32) {
        self.cursor -= height;
    }
}

fn label_style() -> TextStyle {
    TextStyle::shrinking(LABEL_PT, 3.6, 1, Weight::Regular, Rgb::LABEL)
}

fn value_style(max_pt: f32, min_pt: f32, max_lines: usize) -> TextStyle {
    TextStyle::shrinking(max_pt, min_pt, max_lines, Weight::Regular, Rgb::INK)
}

/// "民國115年1月1日": the Republic of China calendar the office's forms use.
pub fn roc_date(date: Date) -> Result<String> {
    let year = date.year() - 1911;
    if year < 1 {
        return Err(PrinterError::InvalidCard {
            detail: format!("{date} is before the first ROC year"),
        });
    }
    Ok(format!("民國{year}年{}月{}日", u8::from(date.month()), date.day()))
}

fn validate(card: &CardData) -> Result<()> {
    let invalid = |detail: &str| {
        Err(PrinterError::InvalidCard {
            detail: detail.to_owned(),
        })
    };
    let holder_text = match &card.holder {
        Holder::Person { name, .. } => name,
        Holder::Vehicle { plate, .. } => plate,
    };
    if holder_text.trim().is_empty() {
        return invalid("the holder name or plate is empty");
    }
    if card.pass_id.trim().is_empty() {
        return invalid("the pass number is empty");
    }
    if card.ports.is_empty() {
        return invalid("the pass lists no ports");
    }
    if card.valid_to < card.valid_from {
        return invalid("the pass ends before it starts");
    }
    Ok(())
}

/// Lays out one card. Refuses, before anything is printed, a character the font
/// lacks, text that cannot fit, an unreadable photo, or a QR code too dense to read.
pub fn layout_card(font: &CardFont, card: &CardData, template: CardTemplate) -> Result<CardLayout> {
    validate(card)?;
    let geometry = geometry(template);
    let front = front_side(font, card, template, &geometry)?;
    let back = back_side(font, card, template, &geometry)?;
    Ok(CardLayout {
        template,
        front,
        back,
        qr_side: Side::Back,
    })
}

/// The coloured band across the top, bled off three edges, with title and variant.
fn band(font: &CardFont, template: CardTemplate, height: f32, kind: PassKind, out: &mut Vec<Element>) -> Result<()> {
    let (w, h) = template.card_size();
    let (colour, kind_zh, kind_en) = variant(kind);
    out.push(Element::Fill {
        area: Area {
            x: -BLEED_MM,
            y: h - height,
            width: w + 2.0 * BLEED_MM,
            height: height + BLEED_MM,
        },
        colour,
    });
    let inner = Area {
        x: SAFE_MM,
        y: h - height + 0.6,
        width: w - 2.0 * SAFE_MM,
        height: height - 0.6 - SAFE_MM,
    };
    // Large bands carry two lines (Chinese over English); the back's thin band one.
    let two_lines = height >= 8.0;
    let (title_pt, kind_pt) = if two_lines { (10.5, 8.0) } else { (5.5, 5.5) };
    let title_style = TextStyle::fixed(title_pt, Weight::Bold, Rgb::WHITE);
    let sub_style = TextStyle::fixed(5.0, Weight::Regular, Rgb::WHITE);
    let kind_style = TextStyle::shrinking(kind_pt, 4.5, 1, Weight::Bold, Rgb::WHITE).aligned(Align::Right);
    if two_lines {
        let split = inner.y + inner.height * 0.36;
        let upper = Area {
            y: split,
            height: inner.top() - split,
            ..inner
        };
        let lower = Area {
            height: split - inner.y,
            ..inner
        };
        for (text, area, style) in [
            (wording::TITLE_ZH, upper, title_style),
            (wording::TITLE_EN, lower, sub_style),
            (kind_zh, upper, kind_style),
            (kind_en, lower, sub_style.aligned(Align::Right)),
        ] {
            out.extend(
                fit_text(font, Field::Wording, text, area, style)?
                    .into_iter()
                    .map(Element::Text),
            );
        }
    } else {
        let title = format!("{} {}", wording::TITLE_ZH, wording::TITLE_EN);
        let kind_text = format!("{kind_zh} {kind_en}");
        for (text, style) in [(title.as_str(), title_style), (kind_text.as_str(), kind_style)] {
            out.extend(
                fit_text(font, Field::Wording, text, inner, style)?
                    .into_iter()
                    .map(Element::Text),
            );
        }
    }
    Ok(())
}

/// The large pale TEMPORARY mark, under the text of `area`.
fn temporary_mark(font: &CardFont, area: Area, colour: Rgb, out: &mut Vec<Element>) -> Result<()> {
    let pale = colour.tint(0.78);
    let zh_area = Area {
        y: area.y + area.height * 0.3,
        height: area.height * 0.7,
        ..area
    };
    let en_area = Area {
        height: area.height * 0.3,
        ..area
    };
    let zh = TextStyle::shrinking(40.0, 14.0, 1, Weight::Bold, pale).aligned(Align::Centre);
    let en = TextStyle::shrinking(14.0, 5.0, 1, Weight::Bold, pale).aligned(Align::Centre);
    for (text, area, style) in [
        (wording::TEMPORARY_ZH, zh_area, zh),
        (wording::TEMPORARY_EN, en_area, en),
    ] {
        out.extend(
            fit_text(font, Field::Wording, text, area, style)?
                .into_iter()
                .map(Element::Text),
        );
    }
    Ok(())
}

/// The SPECIMEN mark of a preview, a band across `area` over everything
/// under it, so a preview can never be taken for a card.
fn specimen_mark(font: &CardFont, area: Area, out: &mut Vec<Element>) -> Result<()> {
    let band = Area {
        y: area.y + area.height * 0.35,
        height: area.height * 0.3,
        ..area
    };
    out.push(Element::Fill {
        area: band,
        colour: Rgb::WHITE,
    });
    let text = if wording::SPECIMEN_ZH.chars().all(|c| font.has_glyph(c)) {
        format!("{} {}", wording::SPECIMEN_ZH, wording::SPECIMEN_EN)
    } else {
        wording::SPECIMEN_EN.to_owned()
    };
    let style = TextStyle::shrinking(16.0, 5.0, 1, Weight::Bold, Rgb(0xC0, 0x10, 0x10)).aligned(Align::Centre);
    out.extend(
        fit_text(font, Field::Wording, &text, band, style)?
            .into_iter()
            .map(Element::Text),
    );
    Ok(())
}

/// A side's background: its band, and on temporary passes the TEMPORARY mark
/// under `mark_area`.
fn side_background(
    font: &CardFont,
    card: &CardData,
    template: CardTemplate,
    band_height: f32,
    mark_area: Area,
) -> Result<Vec<Element>> {
    let kind = card.kind();
    let mut out = Vec::new();
    band(font, template, band_height, kind, &mut out)?;
    if card.temporary {
        let (colour, _, _) = variant(kind);
        temporary_mark(font, mark_area, colour, &mut out)?;
    }
    Ok(out)
}

fn front_side(font: &CardFont, card: &CardData, template: CardTemplate, geometry: &Geometry) -> Result<Vec<Element>> {
    let mut out = side_background(font, card, template, geometry.band_height, geometry.front_column)?;
    photo_frame(font, card, geometry.photo, &mut out)?;
    if card.specimen {
        specimen_mark(font, geometry.photo, &mut out)?;
    }

    let mut column = Column::new(font, &mut out, geometry.front_column);
    let name_style = TextStyle::shrinking(12.0, 7.0, 2, Weight::Bold, Rgb::INK).aligned(geometry.name_align);
    let second_style = value_style(6.5, 4.5, 1).aligned(geometry.name_align);
    match &card.holder {
        Holder::Person { name, latin_name, .. } => {
            column.put(Field::HolderName, name, 6.4, name_style)?;
            match latin_name {
                Some(latin) => column.put(Field::LatinName, latin, 2.8, second_style)?,
                None => column.gap(2.8),
            }
        }
        Holder::Vehicle {
            plate, vehicle_type, ..
        } => {
            column.put(Field::Plate, plate, 6.4, name_style)?;
            column.put(Field::VehicleType, vehicle_type, 2.8, second_style)?;
        }
    }
    column.gap(ROW_GAP);
    company_row(&mut column, card)?;
    column.gap(ROW_GAP);
    column.label(wording::PASS_NUMBER)?;
    column.put(Field::PassNumber, &pass_number(card), 3.2, value_style(8.0, 5.5, 1))?;
    column.gap(ROW_GAP);
    column.label(wording::VALIDITY)?;
    let gregorian = format!("{} – {}", card.valid_from, card.valid_to);
    column.put(Field::Validity, &gregorian, 3.0, value_style(7.0, 5.0, 1))?;
    let roc = format!(
        "{}至{}",
        roc_date(card.valid_from)?,
        roc_date(card.valid_to)?.trim_start_matches("民國")
    );
    column.put(Field::Validity, &roc, 2.4, value_style(5.5, 4.2, 1))?;

    let mut ports = Column::new(font, &mut out, geometry.ports);
    ports.label(wording::PORTS)?;
    let port_list = card
        .ports
        .iter()
        // No-break spaces keep each port's two names together on one line.
        .map(|port| format!("{}\u{a0}{}", port.name_zh, port.name_en))
        .collect::<Vec<_>>()
        .join("   ");
    let rest = ports.area.height - LABEL_HEIGHT;
    ports.put(Field::Ports, &port_list, rest, value_style(6.5, 4.5, 2))?;
    Ok(out)
}

/// Company name, with the tax ID at the right of its label line.
fn company_row(column: &mut Column<'_>, card: &CardData) -> Result<()> {
    let label_area = Area {
        y: column.cursor - LABEL_HEIGHT,
        height: LABEL_HEIGHT,
        ..column.area
    };
    let tax_id = format!("{} {}", wording::TAX_ID, card.company_tax_id);
    let runs = fit_text(
        column.font,
        Field::TaxId,
        &tax_id,
        label_area,
        label_style().aligned(Align::Right),
    )?;
    column.elements.extend(runs.into_iter().map(Element::Text));
    column.label(wording::COMPANY)?;
    column.put(Field::Company, &card.company_name, 3.0, value_style(7.0, 4.5, 1))
}

fn pass_number(card: &CardData) -> String {
    format!("{} v{}", card.pass_id, card.version)
}

/// The photo, cropped to the frame; a vehicle without one shows its plate instead.
fn photo_frame(font: &CardFont, card: &CardData, frame: Area, out: &mut Vec<Element>) -> Result<()> {
    out.push(Element::Fill {
        area: frame,
        colour: Rgb::FRAME,
    });
    let photo = match &card.holder {
        Holder::Person { photo, .. } => Some(photo),
        Holder::Vehicle { photo, .. } => photo.as_ref(),
    };
    match (photo, &card.holder) {
        (Some(bytes), _) => {
            let photo = fit_photo(bytes, frame.width, frame.height)?;
            out.push(Element::Photo { area: frame, photo });
        }
        (None, Holder::Vehicle { plate, .. }) => {
            // Two lines of plate at most, centred in the frame.
            let inner = frame.grown(-1.0);
            let plate_area = Area {
                y: inner.y + inner.height * 0.3,
                height: inner.height * 0.4,
                ..inner
            };
            let style = TextStyle::shrinking(14.0, 6.0, 2, Weight::Bold, Rgb::INK).aligned(Align::Centre);
            let runs = fit_text(font, Field::Plate, plate, plate_area, style)?;
            out.extend(runs.into_iter().map(Element::Text));
        }
        (None, Holder::Person { .. }) => {}
    }
    Ok(())
}

fn back_side(font: &CardFont, card: &CardData, template: CardTemplate, geometry: &Geometry) -> Result<Vec<Element>> {
    let mut out = side_background(font, card, template, geometry.back_band_height, geometry.back_column)?;
    let qr = place_qr(&card.qr_text, geometry.qr_region, BLEED_MM)?;
    out.push(Element::Fill {
        area: qr.area,
        colour: Rgb::WHITE,
    });
    out.push(Element::Qr(qr));

    let mut column = Column::new(font, &mut out, geometry.back_column);
    column.label(wording::PASS_NUMBER)?;
    column.put(Field::PassNumber, &pass_number(card), 3.2, value_style(8.0, 5.0, 1))?;
    column.gap(ROW_GAP);
    let (holder_label, holder_field, holder_text) = match &card.holder {
        Holder::Person { name, .. } => (wording::HOLDER, Field::HolderName, name),
        Holder::Vehicle { plate, .. } => (wording::VEHICLE, Field::Plate, plate),
    };
    column.label(holder_label)?;
    column.put(holder_field, holder_text, 5.4, value_style(8.0, 5.0, 2))?;
    column.gap(ROW_GAP);
    column.label(wording::PICKUP_OFFICE)?;
    column.put(Field::PickupOffice, &card.pickup_office, 2.8, value_style(6.5, 4.5, 1))?;
    column.gap(ROW_GAP);
    let notice_height = column.cursor - column.area.y;
    column.put(Field::Wording, wording::NOTICE, notice_height, value_style(4.6, 3.8, 6))?;
    // Over the notice, not the QR or the fields: a gate that scans a preview is told it is a specimen.
    if card.specimen {
        let notice = Area {
            height: notice_height,
            ..geometry.back_column
        };
        specimen_mark(font, notice, &mut out)?;
    }
    Ok(out)
}
