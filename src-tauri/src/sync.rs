//! Sync with central: send the outbox (events, and the holder photos taken
//! at the desk), read the office's change feed page by page, fetch the
//! photos it names, and send the events that reading made.
//! Each send ends with the audit trail's head, signed with the station key,
//! whenever the trail grew since the last head sent.
//!
//! Why it is safe to stop at any byte: each page is stored in one transaction
//! together with its events and the cursor after it ([`Store::store_page`]), so
//! an interrupted sync resumes at the first page it had not stored. Storing is
//! idempotent (a record already held at its version changes nothing), so a page
//! read twice adds nothing twice. Photos are content-addressed and checked, and
//! events carry idempotency keys, so repeating either is harmless too.

use std::time::Duration;

use pass_central::api::{AuditHeadPayload, Event, EventBatch, EventOutcome, EventResults};
use pass_central::client::{CentralClient, CentralError};
use pass_credential::{AuditHead, SigningKey};
use serde::Serialize;
use tokio::task::JoinSet;

use crate::StationError;
use crate::credentials::TrustSummary;
use crate::model::check_wire_item;
use crate::retry::{RetryPolicy, with_retries};
use crate::store::{OutboxEntry, OutboxOutcome, PHOTO_UPLOAD, PageSummary, Store, StoreError, StoredPage};

/// The most payload bytes in one batch of events: central reads a body of
/// up to 2 MiB, and page receipts run to tens of kilobytes each.
const EVENT_BATCH_BYTES: usize = 1 << 20;

/// How a sync behaves; the defaults suit a card office.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Items asked for per page (central allows up to 1,000).
    pub page_size: u32,
    /// Events sent per request.
    pub event_batch: usize,
    /// Extra tries after a transient failure (timeout, 5xx, cut body).
    pub retries: u32,
    /// Wait before the first retry; doubled for each next one.
    pub first_backoff: Duration,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            page_size: 1000,
            event_batch: 500,
            retries: 3,
            first_backoff: Duration::from_millis(250),
        }
    }
}

impl SyncOptions {
    /// How this sync retries transient failures of central.
    pub fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy {
            retries: self.retries,
            first_backoff: self.first_backoff,
        }
    }
}

/// Progress, for a progress bar or the desktop app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncProgress {
    /// A page was stored; the counts so far.
    Page {
        items: usize,
        more: bool,
    },
    Photos {
        done: usize,
        total: usize,
    },
    Events {
        sent: usize,
    },
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS)]
pub struct SyncReport {
    pub pages: usize,
    pub items: PageSummary,
    /// Central no longer knew our position, so the feed was read from its start.
    pub full_resync: bool,
    pub photos_fetched: usize,
    /// Photos that could not be had this time (the items are kept; the next sync tries again).
    pub photo_problems: Vec<String>,
    pub events: OutboxReport,
    /// Transient failures that were retried.
    pub retried: Vec<String>,
    /// The trust list and hotlist held after the sync.
    pub trust: TrustSummary,
}

/// What sending the outbox did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct OutboxReport {
    pub accepted: usize,
    /// Central had them already (an earlier send whose answer was lost).
    pub duplicates: usize,
    /// Refused for good; listed by `passctl outbox --rejected`.
    pub rejected: usize,
}

/// Who signs the audit trail's head for central: the station, as central
/// knows it, with the credential key central certified at enrolment.
#[derive(Debug)]
pub struct HeadSigner {
    pub station_id: String,
    pub key: SigningKey,
}

/// Runs one whole sync for `office`.
pub async fn sync(
    store: &mut Store,
    client: &CentralClient,
    office: &str,
    signer: &HeadSigner,
    options: &SyncOptions,
    progress: &mut dyn FnMut(SyncProgress),
) -> Result<SyncReport, StationError> {
    let mut report = SyncReport::default();
    report.events = send_outbox(store, client, signer, options, &mut report.retried, progress).await?;
    pull_feed(store, client, office, options, &mut report, progress).await?;
    fetch_photos(store, client, options, &mut report, progress).await?;
    let after = send_outbox(store, client, signer, options, &mut report.retried, progress).await?;
    report.events.accepted += after.accepted;
    report.events.duplicates += after.duplicates;
    report.events.rejected += after.rejected;
    Ok(report)
}

/// Reads the feed to its end, one page ahead: while a page is stored,
/// central is already answering for the next, and its records are decoded
/// and checked off the storing thread where the runtime has one. The page
/// read ahead is only read: a sync stopped at any point stores nothing of it.
async fn pull_feed(
    store: &mut Store,
    client: &CentralClient,
    office: &str,
    options: &SyncOptions,
    report: &mut SyncReport,
    progress: &mut dyn FnMut(SyncProgress),
) -> Result<(), StationError> {
    let mut ahead = JoinSet::new();
    let mut sending = SendingAlong::default();
    let read_after = |cursor: Option<String>| read_page(client.clone(), office.to_owned(), cursor, options.clone());
    let mut cursor = store.feed_cursor()?;
    ahead.spawn(read_after(cursor.clone()));
    loop {
        let read = ahead.join_next().await.expect("a page is always being read");
        // The reading task is never aborted while awaited, so it ended or panicked.
        let (fetched, retried) = read.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        report.retried.extend(retried);
        let (stored, has_more) = match fetched {
            Ok(page) => page,
            Err(CentralError::CursorExpired) if !report.full_resync => {
                // Central forgot our position (its feed was rebuilt): read it all
                // again. Items already held are matched by pass number and version.
                report.full_resync = true;
                store.forget_feed_cursor()?;
                cursor = None;
                ahead.spawn(read_after(None));
                continue;
            }
            Err(source) => {
                let stage = match &cursor {
                    Some(cursor) => format!("reading the item feed after position {cursor}"),
                    None => "reading the item feed from its start".to_owned(),
                };
                return Err(StationError::Central { stage, source });
            }
        };
        if has_more {
            cursor = Some(stored.next_cursor.clone());
            ahead.spawn(read_after(cursor.clone()));
            // On a single-threaded runtime the request goes out now, before the page is stored.
            tokio::task::yield_now().await;
        }
        let summary = store.store_page(&stored)?;
        report.pages += 1;
        add_summary(&mut report.items, summary);
        progress(SyncProgress::Page {
            items: report.items.added + report.items.updated,
            more: has_more,
        });
        if !has_more {
            return sending.finish(store, report).await;
        }
        sending.between_pages(store, client, options, report)?;
    }
}

/// One page of the feed after `cursor`, its records checked for `office`;
/// whether more follow; and the transient failures retried on the way.
async fn read_page(
    client: CentralClient,
    office: String,
    cursor: Option<String>,
    options: SyncOptions,
) -> (Result<(StoredPage, bool), CentralError>, Vec<String>) {
    let mut retried = Vec::new();
    let fetched = with_retries(options.retry_policy(), &mut retried, || {
        client.items_page(&office, cursor.as_deref(), options.page_size)
    })
    .await;
    let page = fetched.map(|page| {
        let mut stored = StoredPage {
            next_cursor: page.next_cursor,
            last: !page.has_more,
            ..StoredPage::default()
        };
        for raw in &page.items {
            match check_wire_item(raw, &office) {
                Ok(item) => stored.items.push(item),
                Err(rejection) => stored.rejected.push(rejection),
            }
        }
        (stored, page.has_more)
    });
    (page, retried)
}

fn add_summary(total: &mut PageSummary, page: PageSummary) {
    total.voided_cards.extend(page.voided_cards);
    total.added += page.added;
    total.updated += page.updated;
    total.withdrawn += page.withdrawn;
    total.unchanged += page.unchanged;
    total.rejected += page.rejected;
}

async fn fetch_photos(
    store: &mut Store,
    client: &CentralClient,
    options: &SyncOptions,
    report: &mut SyncReport,
    progress: &mut dyn FnMut(SyncProgress),
) -> Result<(), StationError> {
    let missing = store.missing_photos()?;
    for (done, sha256) in missing.iter().enumerate() {
        match with_retries(options.retry_policy(), &mut report.retried, || client.photo(sha256)).await {
            Ok(bytes) => {
                store.put_photo(sha256, &bytes)?;
                report.photos_fetched += 1;
            }
            // A bad or missing photo spoils only its own item's picture.
            Err(e @ (CentralError::PhotoHashMismatch { .. } | CentralError::Api { status: 404, .. })) => {
                report.photo_problems.push(format!("photo {sha256}: {e}"));
            }
            Err(source) => {
                return Err(StationError::Central {
                    stage: format!("fetching photo {sha256}"),
                    source,
                });
            }
        }
        progress(SyncProgress::Photos {
            done: done + 1,
            total: missing.len(),
        });
    }
    Ok(())
}

/// Queues the audit trail's head, signed, if the trail grew since the last
/// head queued: it goes out after every event it covers, and once central
/// accepts it the station checks its trail against it.
fn queue_audit_head(store: &mut Store, signer: &HeadSigner) -> Result<(), StationError> {
    let Some((seq, hash)) = store.unsent_audit_head()? else {
        return Ok(());
    };
    let head = AuditHead {
        station_id: signer.station_id.clone(),
        seq: seq.unsigned_abs(),
        hash,
    };
    let payload = AuditHeadPayload::sign(&head, &signer.key).map_err(|e| StationError::SignerKey(e.to_string()))?;
    store.queue_audit_head(&head.hash, &payload)?;
    Ok(())
}

/// Sends a desk photo the outbox holds to central (`putPhoto`) and records
/// central's answer on its entry: accepted, or rejected with central's
/// reason (kept, and counted as rejected), never dropped. A transient failure
/// stops the send, the entry kept for the next.
async fn send_photo(
    store: &mut Store,
    client: &CentralClient,
    options: &SyncOptions,
    entry: &OutboxEntry,
    report: &mut OutboxReport,
    retried: &mut Vec<String>,
) -> Result<(), StationError> {
    let pass_id = entry.payload["pass_id"].as_str().unwrap_or_default();
    let sha256 = entry.payload["sha256"].as_str().unwrap_or_default();
    let Some(jpeg) = store.photo(sha256)? else {
        report.rejected += 1;
        let reason = "the photo is no longer in the station's cache; take it again".to_owned();
        store.record_outcomes(&[(entry.seq, OutboxOutcome::Rejected(reason))])?;
        return Ok(());
    };
    let sent = with_retries(options.retry_policy(), retried, || {
        client.put_photo(pass_id, jpeg.clone())
    })
    .await;
    let outcome = match sent {
        Ok(_) => {
            report.accepted += 1;
            OutboxOutcome::Accepted
        }
        // Central will never take this photo for this pass (a station-key problem is not the photo's).
        Err(
            refusal @ CentralError::Api {
                status: 400 | 403 | 404 | 409 | 413 | 415,
                ..
            },
        ) => {
            report.rejected += 1;
            OutboxOutcome::Rejected(refusal.to_string())
        }
        Err(source) => {
            store.record_send_failure(&[entry.seq], &source.to_string())?;
            return Err(StationError::Central {
                stage: format!("sending the holder photo of {pass_id} to central"),
                source,
            });
        }
    };
    store.record_outcomes(&[(entry.seq, outcome)])?;
    Ok(())
}

/// Sends every unsent outbox event, oldest first, in batches, ending with the
/// audit trail's head when it moved.
pub async fn send_outbox(
    store: &mut Store,
    client: &CentralClient,
    signer: &HeadSigner,
    options: &SyncOptions,
    retried: &mut Vec<String>,
    progress: &mut dyn FnMut(SyncProgress),
) -> Result<OutboxReport, StationError> {
    queue_audit_head(store, signer)?;
    let mut report = OutboxReport::default();
    loop {
        match next_send(store, options)? {
            NextSend::Nothing => return Ok(report),
            NextSend::Photo(entry) => send_photo(store, client, options, &entry, &mut report, retried).await?,
            NextSend::Events(seqs, batch) => {
                match with_retries(options.retry_policy(), retried, || client.send_events(&batch)).await {
                    Ok(results) => record_results(store, &seqs, results, &mut report)?,
                    Err(source) => {
                        store.record_send_failure(&seqs, &source.to_string())?;
                        return Err(StationError::Central {
                            stage: "sending events to central".to_owned(),
                            source,
                        });
                    }
                }
            }
        }
        progress(SyncProgress::Events {
            sent: report.accepted + report.duplicates + report.rejected,
        });
    }
}

/// What the outbox sends next.
enum NextSend {
    Nothing,
    /// A photo upload, a request of its own.
    Photo(OutboxEntry),
    /// A batch of events (their outbox sequence numbers and the request),
    /// oldest first, bounded by count and bytes, up to the next photo upload.
    Events(Vec<i64>, EventBatch),
}

fn next_send(store: &Store, options: &SyncOptions) -> Result<NextSend, StoreError> {
    let mut entries = store.next_batch(options.event_batch, EVENT_BATCH_BYTES)?;
    // A photo upload is a request of its own; the events before it go first, in order.
    match entries.iter().position(|entry| entry.kind == PHOTO_UPLOAD) {
        Some(0) => return Ok(NextSend::Photo(entries.swap_remove(0))),
        Some(first_photo) => entries.truncate(first_photo),
        None if entries.is_empty() => return Ok(NextSend::Nothing),
        None => {}
    }
    let seqs = entries.iter().map(|e| e.seq).collect();
    let events = entries
        .into_iter()
        .map(|entry| Event {
            idempotency_key: entry.idempotency_key,
            kind: entry.kind,
            occurred_at: entry.occurred_at,
            payload: entry.payload,
        })
        .collect();
    Ok(NextSend::Events(seqs, EventBatch { events }))
}

/// Records central's answer to a batch on its outbox entries, and counts it.
fn record_results(
    store: &mut Store,
    seqs: &[i64],
    results: EventResults,
    report: &mut OutboxReport,
) -> Result<(), StoreError> {
    // Central's count of the entries a restore lost, for `audit verify`.
    let restore_answer = results.results.iter().find_map(|result| result.audit_entries_lost);
    // The client checked that the results match the batch one to one, in order.
    let outcomes: Vec<(i64, OutboxOutcome)> = seqs
        .iter()
        .zip(results.results)
        .map(|(seq, result)| {
            let outcome = match result.outcome {
                EventOutcome::Accepted => {
                    report.accepted += 1;
                    OutboxOutcome::Accepted
                }
                EventOutcome::Duplicate => {
                    report.duplicates += 1;
                    OutboxOutcome::Duplicate
                }
                EventOutcome::Rejected => {
                    report.rejected += 1;
                    OutboxOutcome::Rejected(result.reason.unwrap_or_else(|| "no reason given".to_owned()))
                }
            };
            (*seq, outcome)
        })
        .collect();
    store.record_outcomes(&outcomes)?;
    if let Some(lost) = restore_answer {
        store.record_restore_answer(lost)?;
    }
    Ok(())
}

/// A batch sent along the feed: its outbox entries, central's answer, the
/// failures retried on the way.
type SentBatch = (Vec<i64>, Result<EventResults, CentralError>, Vec<String>);

/// Events sent while the feed is read (the receipts of the pages stored so
/// far), one batch at a time, started and answered between pages, so a full
/// sync does not end with megabytes of receipts still to send. A failure
/// stops it; the send after the feed tries again and reports the error.
#[derive(Default)]
struct SendingAlong {
    in_flight: JoinSet<SentBatch>,
    stopped: bool,
    /// Pages stored since the last batch was started.
    pages: usize,
}

/// Pages between two batches sent along the feed: enough receipts for a
/// batch worth its round trip and its write of the answers.
const SEND_ALONG_EVERY: usize = 16;

impl SendingAlong {
    /// Records the batch in flight if central has answered, and starts the
    /// next when enough pages were stored since the last.
    fn between_pages(
        &mut self,
        store: &mut Store,
        client: &CentralClient,
        options: &SyncOptions,
        report: &mut SyncReport,
    ) -> Result<(), StationError> {
        self.pages += 1;
        if let Some(sent) = self.in_flight.try_join_next() {
            self.record(sent, store, report)?;
        }
        if self.in_flight.is_empty()
            && !self.stopped
            && self.pages >= SEND_ALONG_EVERY
            && let NextSend::Events(seqs, batch) = next_send(store, options)?
        {
            self.pages = 0;
            let (client, policy) = (client.clone(), options.retry_policy());
            self.in_flight.spawn(async move {
                let mut retried = Vec::new();
                let results = with_retries(policy, &mut retried, || client.send_events(&batch)).await;
                (seqs, results, retried)
            });
        }
        Ok(())
    }

    /// Waits for the batch in flight, if any, and records central's answer.
    async fn finish(&mut self, store: &mut Store, report: &mut SyncReport) -> Result<(), StationError> {
        match self.in_flight.join_next().await {
            Some(sent) => self.record(sent, store, report),
            None => Ok(()),
        }
    }

    fn record(
        &mut self,
        sent: Result<SentBatch, tokio::task::JoinError>,
        store: &mut Store,
        report: &mut SyncReport,
    ) -> Result<(), StationError> {
        // The task is never aborted while it is awaited, so it ended or panicked.
        let (seqs, results, retried) = sent.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        report.retried.extend(retried);
        match results {
            Ok(results) => record_results(store, &seqs, results, &mut report.events)?,
            Err(source) => {
                store.record_send_failure(&seqs, &source.to_string())?;
                self.stopped = true;
            }
        }
        Ok(())
    }
}
