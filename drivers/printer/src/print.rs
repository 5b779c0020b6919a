//! Sending card documents out: to a CUPS queue, followed until the job is done
//! or has clearly failed, or to a folder a print workflow picks files up from.
//! Either takes the PDF as it is, or 300 dpi PNGs of each side for drivers that
//! want bitmaps.

use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::error::{JobEnd, PrinterError, Result};
use crate::ipp::{self, Request, Response, Server};
use crate::pdf::write_bitmap_pdf;
use crate::raster::{PRINT_DPI, rasterise};
use crate::render::CardDocument;

/// What is sent to the printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PrintFormat {
    /// The card PDF itself: vector text and QR code.
    #[default]
    Pdf,
    /// One 300 dpi PNG per side, cropped to the card.
    Raster,
}

/// Where a document went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Printed {
    /// The CUPS job, completed.
    Job(u32),
    /// Files written to the folder.
    Files(Vec<PathBuf>),
}

/// A print destination, as the station's settings name it.
#[derive(Debug, Clone, PartialEq)]
pub enum PrintTarget {
    Cups(CupsQueue),
    Folder(PdfFolder),
}

impl PrintTarget {
    /// Prints `document`, returning once the job completed or the files are written.
    pub fn print(&self, document: &CardDocument, format: PrintFormat) -> Result<Printed> {
        match self {
            PrintTarget::Cups(queue) => queue.print(document, format).map(Printed::Job),
            PrintTarget::Folder(folder) => folder.write(document, format).map(Printed::Files),
        }
    }
}

/// Where a job stands, as CUPS reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Pending,
    Held,
    Processing,
    /// Processing, but the printer stopped under it.
    Stopped,
    Canceled,
    Aborted,
    Completed,
}

impl JobState {
    /// From the RFC 8011 `job-state` enum.
    fn from_ipp(code: i32) -> Option<JobState> {
        Some(match code {
            3 => JobState::Pending,
            4 => JobState::Held,
            5 => JobState::Processing,
            6 => JobState::Stopped,
            7 => JobState::Canceled,
            8 => JobState::Aborted,
            9 => JobState::Completed,
            _ => return None,
        })
    }
}

/// RFC 8011 `printer-state` stopped.
const PRINTER_STOPPED: i32 = 5;

/// A queue as [`CupsQueue::list`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueStatus {
    pub name: String,
    /// Why a job sent now would not print (stopped, not accepting), if so.
    pub problem: Option<String>,
}

/// A CUPS print queue.
#[derive(Debug, Clone, PartialEq)]
pub struct CupsQueue {
    pub queue: String,
    /// `host:port`, or the path of CUPS's local socket.
    pub server: String,
    /// Submitting user, as CUPS records it.
    pub user: String,
    pub poll_interval: Duration,
    /// How long [`CupsQueue::wait`] follows a job before giving up.
    pub timeout: Duration,
}

impl CupsQueue {
    /// The queue `queue` on the CUPS server that `CUPS_SERVER` names, as
    /// for every CUPS client (`host`, `host:port` or a socket path), or on
    /// the local one (`localhost:631`).
    pub fn new(queue: impl Into<String>) -> CupsQueue {
        let server = match std::env::var("CUPS_SERVER") {
            Ok(server) if server.contains(':') || server.starts_with('/') => server,
            Ok(host) if !host.is_empty() => format!("{host}:631"),
            _ => "localhost:631".to_owned(),
        };
        CupsQueue {
            queue: queue.into(),
            server,
            user: std::env::var("USER").unwrap_or_else(|_| "pass-station".into()),
            poll_interval: Duration::from_millis(250),
            timeout: Duration::from_secs(120),
        }
    }

    /// The queues of this queue's CUPS server (any queue name will do to
    /// ask: `CupsQueue::new("")` asks the server every CUPS client would),
    /// in CUPS's order; each with the problem that would stop a job, if any.
    pub fn list(&self) -> Result<Vec<QueueStatus>> {
        let uri = format!("ipp://{}/", self.server().host());
        let request = Request::new(ipp::op::CUPS_GET_PRINTERS, &uri, &self.user)
            .keywords("requested-attributes", &["printer-name"]);
        let response = self.server().send("/", request, &[])?;
        // CUPS answers "not found" when it has no queue at all.
        if response.status == ipp::STATUS_NOT_FOUND {
            return Ok(Vec::new());
        }
        if !response.is_success() {
            return Err(PrinterError::Ipp {
                detail: format!("status 0x{:04x} {}", response.status, response.text("status-message")),
            });
        }
        Ok(response
            .texts("printer-name")
            .into_iter()
            .map(|name| {
                let problem = CupsQueue {
                    queue: name.clone(),
                    ..self.clone()
                }
                .check()
                .err()
                .map(|e| e.to_string());
                QueueStatus { name, problem }
            })
            .collect())
    }

    pub fn with_server(self, server: impl Into<String>) -> CupsQueue {
        CupsQueue {
            server: server.into(),
            ..self
        }
    }

    fn server(&self) -> Server {
        Server(self.server.clone())
    }

    fn request(&self, operation: u16) -> Request {
        Request::new(operation, &self.server().printer_uri(&self.queue), &self.user)
    }

    fn printer_path(&self) -> String {
        format!("/printers/{}", self.queue)
    }

    /// Sends a request and turns an IPP failure into the error a clerk can act on.
    fn send(&self, path: &str, request: Request, document: &[u8]) -> Result<Response> {
        let response = self.server().send(path, request, document)?;
        match response.status {
            _ if response.is_success() => Ok(response),
            ipp::STATUS_NOT_FOUND => Err(PrinterError::PrinterUnknown {
                queue: self.queue.clone(),
            }),
            status => Err(PrinterError::Ipp {
                detail: format!("status 0x{status:04x} {}", response.text("status-message")),
            }),
        }
    }

    /// Refuses a queue that is unknown, stopped or not accepting jobs, so no card
    /// waits in a queue nobody is watching.
    pub fn check(&self) -> Result<()> {
        let printer = self.printer_attributes()?;
        let message = printer_message(&printer);
        if printer.integer("printer-state") == Some(PRINTER_STOPPED) {
            return Err(PrinterError::QueueStopped {
                queue: self.queue.clone(),
                message,
                job: None,
            });
        }
        if printer.boolean("printer-is-accepting-jobs") == Some(false) {
            return Err(PrinterError::QueueRejecting {
                queue: self.queue.clone(),
                message,
            });
        }
        Ok(())
    }

    fn printer_attributes(&self) -> Result<Response> {
        let request = self.request(ipp::op::GET_PRINTER_ATTRIBUTES).keywords(
            "requested-attributes",
            &[
                "printer-state",
                "printer-state-message",
                "printer-state-reasons",
                "printer-is-accepting-jobs",
            ],
        );
        self.send(&self.printer_path(), request, &[])
    }

    /// Submits `document` as one job of one document (a card per page pair);
    /// returns the job id. In raster mode the document is the 300 dpi bitmaps of
    /// the sides, as a lossless PDF: a job of several PNG documents stalls on
    /// backends that take one document per job, such as cups-pdf.
    pub fn submit(&self, document: &CardDocument, format: PrintFormat) -> Result<u32> {
        let bitmaps;
        let pdf = match format {
            PrintFormat::Pdf => &document.pdf,
            PrintFormat::Raster => {
                bitmaps = write_bitmap_pdf(
                    &rasterise(&document.pdf, PRINT_DPI)?,
                    document.template,
                    &document.title,
                )?;
                &bitmaps
            }
        };
        let request = self
            .request(ipp::op::PRINT_JOB)
            .name("job-name", &document.title)
            .mime_type("document-format", "application/pdf")
            .job_group()
            // The card's own size, unscaled: it prints at 100 % and the bleed falls off the edges.
            .keyword("media", &document.media())
            .keyword("print-scaling", "none");
        let response = self.send(&self.printer_path(), request, pdf)?;
        response
            .integer("job-id")
            .and_then(|id| u32::try_from(id).ok())
            .ok_or_else(|| PrinterError::Ipp {
                detail: "CUPS accepted the job but gave no job id".into(),
            })
    }

    /// The job's state now, and the printer's word on it.
    pub fn job_state(&self, job: u32) -> Result<(JobState, String)> {
        let request = self
            .request(ipp::op::GET_JOB_ATTRIBUTES)
            .integer("job-id", job as i32)
            .keywords(
                "requested-attributes",
                &["job-state", "job-state-reasons", "job-printer-state-message"],
            );
        let response = self.send("/jobs", request, &[])?;
        let state = response
            .integer("job-state")
            .and_then(JobState::from_ipp)
            .ok_or_else(|| PrinterError::Ipp {
                detail: format!("CUPS gave no state for job {job}"),
            })?;
        let reason = [
            response.text("job-printer-state-message"),
            response.text("job-state-reasons"),
        ]
        .into_iter()
        .filter(|text| !text.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
        Ok((state, reason))
    }

    /// Follows `job` until it completes; a held, canceled or aborted job, a queue
    /// that stopped under it, or the timeout is an error.
    pub fn wait(&self, job: u32) -> Result<()> {
        let started = Instant::now();
        loop {
            let (state, reason) = self.job_state(job)?;
            match state {
                JobState::Completed => return Ok(()),
                JobState::Canceled | JobState::Aborted => {
                    let end = if state == JobState::Canceled {
                        JobEnd::Canceled
                    } else {
                        JobEnd::Aborted
                    };
                    return Err(PrinterError::JobFailed { job, end, reason });
                }
                JobState::Held => return Err(PrinterError::JobHeld { job, reason }),
                JobState::Pending | JobState::Processing | JobState::Stopped => {
                    let printer = self.printer_attributes()?;
                    if state == JobState::Stopped || printer.integer("printer-state") == Some(PRINTER_STOPPED) {
                        return Err(PrinterError::QueueStopped {
                            queue: self.queue.clone(),
                            message: printer_message(&printer),
                            job: Some(job),
                        });
                    }
                }
            }
            if started.elapsed() >= self.timeout {
                return Err(PrinterError::JobTimeout {
                    job,
                    seconds: self.timeout.as_secs(),
                    state: format!("{state:?}"),
                });
            }
            sleep(self.poll_interval);
        }
    }

    /// Checks the queue, submits, and follows the job to completion.
    pub fn print(&self, document: &CardDocument, format: PrintFormat) -> Result<u32> {
        self.check()?;
        let job = self.submit(document, format)?;
        self.wait(job)?;
        Ok(job)
    }
}

fn printer_message(printer: &Response) -> String {
    [
        printer.text("printer-state-message"),
        printer.text("printer-state-reasons"),
    ]
    .into_iter()
    .filter(|text| !text.is_empty())
    .collect::<Vec<_>>()
    .join("; ")
}

/// A folder of print files, e.g. a card printer's hot folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfFolder {
    pub dir: PathBuf,
}

impl PdfFolder {
    pub fn new(dir: impl Into<PathBuf>) -> PdfFolder {
        PdfFolder { dir: dir.into() }
    }

    /// Writes `document` as `<title>.pdf`, or `<title>-<page>.png` per side. Each
    /// file appears whole (written aside, then renamed), so a watcher never takes a
    /// half-written one.
    pub fn write(&self, document: &CardDocument, format: PrintFormat) -> Result<Vec<PathBuf>> {
        let stem = document.file_stem();
        let files: Vec<(PathBuf, Vec<u8>)> = match format {
            PrintFormat::Pdf => vec![(self.dir.join(format!("{stem}.pdf")), document.pdf.clone())],
            PrintFormat::Raster => {
                let pages = rasterise(&document.pdf, PRINT_DPI)?;
                let digits = pages.len().to_string().len();
                pages
                    .into_iter()
                    .enumerate()
                    .map(|(index, png)| (self.dir.join(format!("{stem}-{:0digits$}.png", index + 1)), png))
                    .collect()
            }
        };
        files
            .into_iter()
            .map(|(path, bytes)| write_whole(&path, &bytes).map(|()| path))
            .collect()
    }
}

fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |action, source| PrinterError::Io {
        action,
        path: path.to_owned(),
        source,
    };
    let partial = path.with_extension("part");
    std::fs::write(&partial, bytes).map_err(|e| io("write", e))?;
    std::fs::rename(&partial, path).map_err(|e| io("rename into", e))
}
