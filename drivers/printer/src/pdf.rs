//! Writing laid-out cards as one PDF: two pages a card (front, back), each page
//! the card plus its bleed, with TrimBox and CropBox on the card itself. The font
//! is cut down to the document's characters before printpdf embeds it.

use std::collections::BTreeSet;

use printpdf::{
    Color, FontId, ImageCompression, ImageOptimizationOptions, LinePoint, Mm, Op, PaintMode, PdfDocument,
    PdfFontHandle, PdfPage, PdfParseErrorSeverity, PdfSaveOptions, Point, Polygon, PolygonRing, Pt, RawImage,
    RawImageData, RawImageFormat, Rect, TextItem, TextRenderingMode, WindingOrder, XObjectTransform,
};

use crate::error::{PrinterError, Result};
use crate::font::{CardFont, Weight};
use crate::geometry::{Area, Rgb, TextRun};
use crate::layout::{BLEED_MM, CardLayout, CardTemplate, Element};

/// JPEG quality of holder photos (bitmap pages are kept lossless): no visible loss at 300 dpi, a few tens of KB.
const PHOTO_QUALITY: f32 = 0.85;

fn pt(mm: f32) -> Pt {
    Mm(mm).into_pt()
}

/// Trim-relative mm to page points.
fn page_pt(mm: f32) -> Pt {
    pt(mm + BLEED_MM)
}

fn colour(rgb: Rgb) -> Color {
    Color::Rgb(printpdf::Rgb {
        r: f32::from(rgb.0) / 255.0,
        g: f32::from(rgb.1) / 255.0,
        b: f32::from(rgb.2) / 255.0,
        icc_profile: None,
    })
}

fn page_rect(area: Area) -> Rect {
    Rect {
        x: page_pt(area.x),
        y: page_pt(area.y),
        width: pt(area.width),
        height: pt(area.height),
        mode: Some(PaintMode::Fill),
        winding_order: Some(WindingOrder::NonZero),
    }
}

fn ring(area: Area) -> PolygonRing {
    let corner = |x: f32, y: f32| LinePoint {
        p: Point {
            x: page_pt(x),
            y: page_pt(y),
        },
        bezier: false,
    };
    PolygonRing {
        points: vec![
            corner(area.x, area.y),
            corner(area.right(), area.y),
            corner(area.right(), area.top()),
            corner(area.x, area.top()),
        ],
    }
}

fn text_ops(run: &TextRun, font: &FontId, ops: &mut Vec<Op>) {
    let at = Point {
        x: page_pt(run.x),
        y: page_pt(run.baseline),
    };
    line_ops(&run.text, at, (run.size_pt, run.weight, run.colour), font, ops);
}

/// One line of text with its pen at `at` (page points), in the size, weight and colour given.
fn line_ops(text: &str, at: Point, (size_pt, weight, rgb): (f32, Weight, Rgb), font: &FontId, ops: &mut Vec<Op>) {
    let ink = colour(rgb);
    ops.push(Op::StartTextSection);
    ops.push(Op::SetFont {
        font: PdfFontHandle::External(font.clone()),
        size: Pt(size_pt),
    });
    ops.push(Op::SetFillColor { col: ink.clone() });
    match weight {
        Weight::Regular => ops.push(Op::SetTextRenderingMode {
            mode: TextRenderingMode::Fill,
        }),
        Weight::Bold => ops.extend([
            Op::SetTextRenderingMode {
                mode: TextRenderingMode::FillStroke,
            },
            Op::SetOutlineColor { col: ink },
            Op::SetOutlineThickness {
                pt: Pt(size_pt * Weight::BOLD_STROKE_EM),
            },
        ]),
    }
    ops.push(Op::SetTextCursor { pos: at });
    ops.push(Op::ShowText {
        items: vec![TextItem::Text(text.to_owned())],
    });
    ops.push(Op::EndTextSection);
}

/// A line of a text document, placed: its pen in mm from the page's
/// lower-left corner, its size, and bold or not.
pub(crate) struct PlacedLine<'a> {
    pub text: &'a str,
    pub x_mm: f32,
    pub baseline_mm: f32,
    pub size_pt: f32,
    pub weight: Weight,
}

/// A PDF of text pages of `page_mm` (width, height), each its lines, with
/// one embedded font subset: a report, not a card.
pub(crate) fn write_text_pdf(
    font: &CardFont,
    page_mm: (f32, f32),
    pages: &[Vec<PlacedLine<'_>>],
    title: &str,
) -> Result<Vec<u8>> {
    let characters: BTreeSet<char> = pages.iter().flatten().flat_map(|line| line.text.chars()).collect();
    let mut document = PdfDocument::new(title);
    let font_id = document.add_font(&font.subset(&characters)?);
    let pdf_pages = pages
        .iter()
        .map(|lines| {
            let mut ops = Vec::new();
            for line in lines {
                let at = Point {
                    x: pt(line.x_mm),
                    y: pt(line.baseline_mm),
                };
                line_ops(
                    line.text,
                    at,
                    (line.size_pt, line.weight, Rgb(0, 0, 0)),
                    &font_id,
                    &mut ops,
                );
            }
            PdfPage::new(Mm(page_mm.0), Mm(page_mm.1), ops)
        })
        .collect();
    document.with_pages(pdf_pages);
    save(&document, ImageCompression::Flate)
}

/// Paints `image` stretched over `page_area` (mm from the page's corner); callers
/// pass an area of the image's own aspect ratio.
fn image_ops(document: &mut PdfDocument, image: &RawImage, page_area: Area, ops: &mut Vec<Op>) {
    let id = document.add_image(image);
    let [x, y, width, height] = [page_area.x, page_area.y, page_area.width, page_area.height].map(|mm| pt(mm).0);
    ops.extend([
        Op::SaveGraphicsState,
        Op::SetTransformationMatrix {
            matrix: printpdf::CurTransMat::Raw([width, 0.0, 0.0, height, x, y]),
        },
        Op::UseXobject {
            id,
            transform: XObjectTransform {
                no_auto_scale: true,
                ..XObjectTransform::default()
            },
        },
        Op::RestoreGraphicsState,
    ]);
}

fn side_ops(elements: &[Element], font: &FontId, document: &mut PdfDocument) -> Vec<Op> {
    let mut ops = Vec::new();
    for element in elements {
        match element {
            Element::Fill { area, colour: rgb } => {
                ops.push(Op::SetFillColor { col: colour(*rgb) });
                ops.push(Op::DrawRectangle {
                    rectangle: page_rect(*area),
                });
            }
            Element::Photo { area, photo } => {
                let image = RawImage {
                    pixels: RawImageData::U8(photo.rgb.clone()),
                    width: photo.width as usize,
                    height: photo.height as usize,
                    data_format: RawImageFormat::RGB8,
                    tag: Vec::new(),
                };
                let page_area = Area {
                    x: area.x + BLEED_MM,
                    y: area.y + BLEED_MM,
                    ..*area
                };
                image_ops(document, &image, page_area, &mut ops);
            }
            Element::Text(run) => text_ops(run, font, &mut ops),
            Element::Qr(mark) => {
                ops.push(Op::SetFillColor {
                    col: colour(Rgb(0, 0, 0)),
                });
                ops.push(Op::DrawPolygon {
                    polygon: Polygon {
                        rings: mark.dark_runs().into_iter().map(ring).collect(),
                        mode: PaintMode::Fill,
                        winding_order: WindingOrder::NonZero,
                    },
                });
            }
        }
    }
    ops
}

/// The PDF of `layouts`, two pages each, with one embedded font subset.
pub(crate) fn write_pdf(font: &CardFont, layouts: &[CardLayout], title: &str) -> Result<Vec<u8>> {
    let characters: BTreeSet<char> = layouts
        .iter()
        .flat_map(CardLayout::text_runs)
        .flat_map(|run| run.text.chars())
        .collect();
    let mut document = PdfDocument::new(title);
    let font_id = document.add_font(&font.subset(&characters)?);
    let mut pages = Vec::with_capacity(layouts.len() * 2);
    for layout in layouts {
        let (page_w, page_h) = layout.template.page_size();
        let trim = layout.template.trim();
        for side in [&layout.front, &layout.back] {
            let ops = side_ops(side, &font_id, &mut document);
            let mut page = PdfPage::new(Mm(page_w), Mm(page_h), ops);
            // printpdf 0.12 writes a page box as its four fields in order, and PDF
            // reads them as corners: so width and height carry the upper-right corner.
            let trim_box = Rect {
                x: page_pt(trim.x),
                y: page_pt(trim.y),
                width: page_pt(trim.right()),
                height: page_pt(trim.top()),
                mode: None,
                winding_order: None,
            };
            page.trim_box = trim_box.clone();
            page.crop_box = trim_box;
            pages.push(page);
        }
    }
    document.with_pages(pages);
    save(&document, ImageCompression::Jpeg)
}

/// A PDF of card-sized pages, each one of `pages` (PNG bitmaps of the trimmed card at
/// `dpi`) painted edge to edge, compressed losslessly: bitmaps for a CUPS queue in one
/// document, which every backend takes as one job.
pub(crate) fn write_bitmap_pdf(pages: &[Vec<u8>], template: CardTemplate, title: &str) -> Result<Vec<u8>> {
    let (width, height) = template.card_size();
    let card = template.trim();
    let mut document = PdfDocument::new(title);
    let mut pdf_pages = Vec::with_capacity(pages.len());
    for png in pages {
        let bitmap = image::load_from_memory_with_format(png, image::ImageFormat::Png)
            .map_err(|e| PrinterError::ToolFailed {
                tool: "pdftoppm",
                detail: format!("unreadable page bitmap: {e}"),
            })?
            .to_rgb8();
        let image = RawImage {
            width: bitmap.width() as usize,
            height: bitmap.height() as usize,
            pixels: RawImageData::U8(bitmap.into_raw()),
            data_format: RawImageFormat::RGB8,
            tag: Vec::new(),
        };
        let mut ops = Vec::new();
        image_ops(&mut document, &image, card, &mut ops);
        pdf_pages.push(PdfPage::new(Mm(width), Mm(height), ops));
    }
    document.with_pages(pdf_pages);
    save(&document, ImageCompression::Flate)
}

fn save(document: &PdfDocument, images: ImageCompression) -> Result<Vec<u8>> {
    let options = PdfSaveOptions {
        image_optimization: Some(ImageOptimizationOptions {
            quality: Some(PHOTO_QUALITY),
            max_image_size: None,
            dither_greyscale: None,
            convert_to_greyscale: Some(false),
            auto_optimize: Some(false),
            format: Some(images),
        }),
        ..PdfSaveOptions::default()
    };
    let mut warnings = Vec::new();
    let bytes = document.save(&options, &mut warnings);
    match warnings.iter().find(|w| w.severity == PdfParseErrorSeverity::Error) {
        Some(warning) => Err(PrinterError::ToolFailed {
            tool: "the PDF writer",
            detail: warning.msg.clone(),
        }),
        None => Ok(bytes),
    }
}
