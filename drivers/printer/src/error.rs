//! The crate's one error type. Each message says what went wrong in the clerk's
//! terms and what to do about it.

use std::fmt;
use std::path::PathBuf;

/// A piece of text on the card, named in errors so the clerk knows what to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    HolderName,
    LatinName,
    Plate,
    VehicleType,
    Company,
    TaxId,
    PassNumber,
    Validity,
    Ports,
    PickupOffice,
    /// The card's own printed wording (titles, labels, notices).
    Wording,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::HolderName => "holder name",
            Field::LatinName => "Latin name",
            Field::Plate => "plate number",
            Field::VehicleType => "vehicle type",
            Field::Company => "company name",
            Field::TaxId => "company tax ID",
            Field::PassNumber => "pass number",
            Field::Validity => "validity dates",
            Field::Ports => "port list",
            Field::PickupOffice => "pickup office",
            Field::Wording => "card wording",
        })
    }
}

/// How a print job ended when it did not complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobEnd {
    Canceled,
    Aborted,
}

impl fmt::Display for JobEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JobEnd::Canceled => "canceled",
            JobEnd::Aborted => "aborted by the printer system",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PrinterError {
    #[error("pass {pass_id}: {source}")]
    Card {
        pass_id: String,
        #[source]
        source: Box<PrinterError>,
    },

    #[error("the card data is not printable: {detail}; correct the pass record and print again")]
    InvalidCard { detail: String },

    #[error(
        "the card font has no glyph for {character:?} (U+{code:04X}) in the {field}; \
         enter the standard form of the character, or have it added to the card font",
        code = u32::from(*character)
    )]
    MissingGlyph { field: Field, character: char },

    #[error(
        "the {field} {text:?} does not fit on the card even at {min_pt} pt on {max_lines} line(s); \
         use the registered short form"
    )]
    TextDoesNotFit {
        field: Field,
        text: String,
        min_pt: f32,
        max_lines: usize,
    },

    #[error("the holder photo cannot be used ({detail}); sync the pass again or ask for a new PNG or JPEG photo")]
    Photo { detail: String },

    #[error("the credential cannot be drawn as a QR code ({0}); sign the credential again")]
    QrText(#[from] pass_credential::CredentialError),

    #[error(
        "the credential needs a QR code of {modules} modules, which at {module_mm:.3} mm a module \
         is below the 0.33 mm a webcam reads reliably; sign a shorter credential (fewer ports)"
    )]
    QrTooDense { modules: usize, module_mm: f32 },

    #[error("the card font cannot be used ({detail}); reinstall the station's card font")]
    Font { detail: String },

    #[error("{tool} is not installed; install it with `{install}`")]
    ToolMissing { tool: &'static str, install: &'static str },

    #[error("{tool} failed ({detail}); the card document may be damaged, render it again")]
    ToolFailed { tool: &'static str, detail: String },

    #[error("cannot {action} {path}: {source}; check the folder exists and the station may write to it")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("CUPS is not running at {server} ({detail}); start the print service (cupsd) and print again")]
    CupsNotRunning { server: String, detail: String },

    #[error(
        "there is no printer queue {queue:?}; check the printer name in the station settings (lpstat -p lists queues)"
    )]
    PrinterUnknown { queue: String },

    #[error(
        "printer queue {queue:?} is stopped{reason}; clear the fault at the printer, then resume the queue \
         (cupsenable {queue}){job_note}",
        reason = reason_suffix(message),
        job_note = match job { Some(id) => format!("; job {id} is waiting and prints once the queue runs"), None => String::new() }
    )]
    QueueStopped {
        queue: String,
        message: String,
        job: Option<u32>,
    },

    #[error("printer queue {queue:?} is not accepting jobs{reason}; accept jobs again with cupsaccept {queue}", reason = reason_suffix(message))]
    QueueRejecting { queue: String, message: String },

    #[error("print job {job} is held{reason}; release it (lp -i {job} -H resume) or cancel it and print again", reason = reason_suffix(reason))]
    JobHeld { job: u32, reason: String },

    #[error("print job {job} was {end}{reason}; check the printer and print the card again", reason = reason_suffix(reason))]
    JobFailed { job: u32, end: JobEnd, reason: String },

    #[error("print job {job} did not finish within {seconds} s (last state: {state}); check the printer")]
    JobTimeout { job: u32, seconds: u64, state: String },

    #[error("the print service refused the request ({detail}); check the printer settings")]
    Ipp { detail: String },
}

/// " (reason)" when there is one, so messages read naturally either way.
fn reason_suffix(reason: &str) -> String {
    if reason.trim().is_empty() {
        String::new()
    } else {
        format!(" ({})", reason.trim())
    }
}

pub type Result<T> = std::result::Result<T, PrinterError>;
