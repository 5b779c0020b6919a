//! The credential's QR code on the card: level Q, a 4-module quiet zone, and
//! modules of a whole number of 300 dpi printer dots, placed on the dot grid, so
//! every module prints as the same crisp square and none is thinner than 0.33 mm.

use crate::error::{PrinterError, Result};
use crate::geometry::Area;

/// One dot of a 300 dpi card printer, in mm.
pub const PRINTER_DOT_MM: f32 = 25.4 / 300.0;
/// Smallest module a webcam at the counter reads reliably.
pub const MIN_MODULE_MM: f32 = 0.33;
/// Light modules around the symbol, as ISO/IEC 18004 requires.
pub const QUIET_ZONE_MODULES: usize = 4;

/// A QR symbol placed on the card.
#[derive(Debug, Clone, PartialEq)]
pub struct QrMark {
    /// The symbol with its quiet zone, in mm from the trim's lower-left corner.
    pub area: Area,
    pub module_mm: f32,
    /// Modules on a side, without the quiet zone.
    pub modules: usize,
    /// Row by row from the top, `true` for dark.
    pub dark: Vec<bool>,
}

/// Draws `qr_text` as large as `region` allows, on the printer's dot grid
/// (`page_origin` is the trim corner's offset from the page corner).
pub(crate) fn place_qr(qr_text: &str, region: Area, page_origin: f32) -> Result<QrMark> {
    let code = pass_credential::qr_code(qr_text)?;
    let modules = code.width();
    let side_modules = modules + 2 * QUIET_ZONE_MODULES;
    let room = region.width.min(region.height);
    let dots = (room / side_modules as f32 / PRINTER_DOT_MM).floor();
    let module_mm = dots * PRINTER_DOT_MM;
    if module_mm < MIN_MODULE_MM {
        return Err(PrinterError::QrTooDense {
            modules,
            module_mm: room / side_modules as f32,
        });
    }
    let side = module_mm * side_modules as f32;
    let snap = |v: f32| ((v + page_origin) / PRINTER_DOT_MM).round() * PRINTER_DOT_MM - page_origin;
    let area = Area {
        x: snap(region.x + (region.width - side) / 2.0),
        y: snap(region.y + (region.height - side) / 2.0),
        width: side,
        height: side,
    };
    let dark = code
        .to_colors()
        .into_iter()
        .map(|colour| colour == qrcode::Color::Dark)
        .collect();
    Ok(QrMark {
        area,
        module_mm,
        modules,
        dark,
    })
}

impl QrMark {
    /// Runs of dark modules, one rectangle per run, in mm: one path fills them all,
    /// so adjoining modules leave no seams.
    pub(crate) fn dark_runs(&self) -> Vec<Area> {
        let quiet = QUIET_ZONE_MODULES as f32 * self.module_mm;
        let top = self.area.top() - quiet;
        let mut runs = Vec::new();
        for (row, cells) in self.dark.chunks(self.modules).enumerate() {
            let mut column = 0;
            while column < self.modules {
                if !cells[column] {
                    column += 1;
                    continue;
                }
                let start = column;
                while column < self.modules && cells[column] {
                    column += 1;
                }
                runs.push(Area {
                    x: self.area.x + quiet + start as f32 * self.module_mm,
                    y: top - (row + 1) as f32 * self.module_mm,
                    width: (column - start) as f32 * self.module_mm,
                    height: self.module_mm,
                });
            }
        }
        runs
    }
}
