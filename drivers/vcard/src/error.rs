//! The crate's one error type: what stops the virtual card, with the file or address involved.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum VcardError {
    #[error("card memory file {path}: {source}")]
    MemoryFile { path: PathBuf, source: std::io::Error },
    #[error("card memory file {path} is not a saved card: {source}")]
    MemoryFormat { path: PathBuf, source: serde_json::Error },
    #[error("vpcd at {address}: {source}")]
    Vpcd { address: String, source: std::io::Error },
    #[error("card set-up: {0}")]
    Setup(#[from] pass_reader::ReaderError),
}
