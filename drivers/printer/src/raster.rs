//! Bitmaps of a card document, for printers whose drivers want them and for the
//! on-screen preview: poppler's `pdftoppm` rasterises the very PDF that is
//! printed, cropped to the trimmed card, so what the clerk sees is what prints.

use std::io::ErrorKind;
use std::process::Command;

use crate::error::{PrinterError, Result};

/// The card printers' resolution; also the raster print mode's.
pub const PRINT_DPI: u32 = 300;

const TOOL: &str = "pdftoppm";
const INSTALL: &str = "apt-get install poppler-utils";

/// One PNG per page of `pdf` at `dpi`, cropped to each page's CropBox (the card).
pub fn rasterise(pdf: &[u8], dpi: u32) -> Result<Vec<Vec<u8>>> {
    let io = |action: &'static str, path: &std::path::Path, source| PrinterError::Io {
        action,
        path: path.to_owned(),
        source,
    };
    let dir = tempfile::tempdir().map_err(|e| io("create a folder in", &std::env::temp_dir(), e))?;
    let input = dir.path().join("card.pdf");
    std::fs::write(&input, pdf).map_err(|e| io("write", &input, e))?;
    let prefix = dir.path().join("page");
    let output = Command::new(TOOL)
        .args(["-png", "-cropbox", "-r", &dpi.to_string()])
        .arg(&input)
        .arg(&prefix)
        .output()
        .map_err(|e| match e.kind() {
            ErrorKind::NotFound => PrinterError::ToolMissing {
                tool: TOOL,
                install: INSTALL,
            },
            _ => PrinterError::ToolFailed {
                tool: TOOL,
                detail: e.to_string(),
            },
        })?;
    if !output.status.success() {
        return Err(PrinterError::ToolFailed {
            tool: TOOL,
            detail: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    // pdftoppm zero-pads page numbers to a common width, so names sort in page order.
    let mut pages: Vec<_> = std::fs::read_dir(dir.path())
        .map_err(|e| io("list", dir.path(), e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "png"))
        .collect();
    pages.sort();
    pages
        .iter()
        .map(|path| std::fs::read(path).map_err(|e| io("read", path, e)))
        .collect()
}
