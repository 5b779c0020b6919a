//! Capture on its own thread. A webcam delivers frames at its own pace whether or
//! not anyone is decoding; the scanner keeps only the newest few, so a slow
//! decoder sees a current picture (never one from seconds ago) and capture never
//! waits on it. Failures and silence reach the consumer as errors, never a hang.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crate::error::{CameraError, Result};
use crate::frame::{Frame, FrameSource};

/// Runs a [`FrameSource`] on a capture thread and hands out its newest frames.
///
/// Dropping the scanner asks the thread to stop after its current read; it is
/// not joined, because a wedged camera driver can block a read indefinitely.
#[derive(Debug)]
pub struct Scanner {
    shared: Arc<Shared>,
    source_name: String,
}

#[derive(Debug)]
struct Shared {
    queue: Mutex<Queue>,
    changed: Condvar,
    stop: AtomicBool,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Queue {
    frames: VecDeque<Frame>,
    /// Set once the source has ended or failed; no frames follow.
    ended: bool,
    /// Why the source stopped, handed to the consumer once.
    failure: Option<CameraError>,
    dropped: u64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // A panic while holding the lock leaves the queue consistent (each
        // update is a single push, pop or flag), so a poisoned lock is usable.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Marks the queue ended however the capture thread leaves, panics included.
struct EndOnExit<'a> {
    shared: &'a Shared,
    source_name: String,
}

impl Drop for EndOnExit<'_> {
    fn drop(&mut self) {
        let mut queue = self.shared.lock();
        if thread::panicking() && queue.failure.is_none() {
            queue.failure = Some(CameraError::CaptureStopped {
                source_name: self.source_name.clone(),
            });
        }
        queue.ended = true;
        self.shared.changed.notify_all();
    }
}

/// How long [`Scanner::start`] waits for the source to open.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);

impl Scanner {
    /// Opens a source with `open` on a new capture thread (camera handles may
    /// not move between threads) and starts capturing, keeping at most
    /// `capacity` (at least 1) unread frames; older ones are dropped as new ones
    /// arrive. Returns `open`'s error, or [`CameraError::NoFrame`] if it takes
    /// longer than 10 s.
    pub fn start<S, F>(open: F, capacity: usize) -> Result<Scanner>
    where
        S: FrameSource,
        F: FnOnce() -> Result<S> + Send + 'static,
    {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            changed: Condvar::new(),
            stop: AtomicBool::new(false),
            capacity: capacity.max(1),
        });
        let capture = Arc::clone(&shared);
        let (opened_sender, opened) = mpsc::sync_channel(1);
        thread::Builder::new()
            .name("camera-capture".into())
            .spawn(move || {
                let mut source = match open() {
                    Ok(source) => source,
                    Err(error) => {
                        let _ = opened_sender.send(Err(error));
                        return;
                    }
                };
                let source_name = source.name();
                let _end = EndOnExit {
                    shared: &capture,
                    source_name: source_name.clone(),
                };
                if opened_sender.send(Ok(source_name)).is_ok() {
                    capture_until_stopped(&mut source, &capture);
                }
            })
            .map_err(CameraError::Spawn)?;
        let source_name = match opened.recv_timeout(OPEN_TIMEOUT) {
            Ok(opened) => opened?,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                shared.stop.store(true, Ordering::Relaxed);
                return Err(CameraError::NoFrame {
                    source_name: "the camera being opened".into(),
                    waited: OPEN_TIMEOUT,
                });
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(CameraError::CaptureStopped {
                    source_name: "the camera being opened".into(),
                });
            }
        };
        Ok(Scanner { shared, source_name })
    }

    /// The oldest unread frame, waiting up to `timeout` for one.
    ///
    /// Errors: the source's own failure (once), [`CameraError::SourceEnded`]
    /// after a finite source's last frame, [`CameraError::NoFrame`] on timeout.
    pub fn next_frame(&self, timeout: Duration) -> Result<Frame> {
        let deadline = Instant::now() + timeout;
        let mut queue = self.shared.lock();
        loop {
            if let Some(frame) = queue.frames.pop_front() {
                return Ok(frame);
            }
            if let Some(failure) = queue.failure.take() {
                return Err(failure);
            }
            if queue.ended {
                return Err(CameraError::SourceEnded {
                    source_name: self.source_name.clone(),
                });
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(CameraError::NoFrame {
                    source_name: self.source_name.clone(),
                    waited: timeout,
                });
            }
            queue = self
                .shared
                .changed
                .wait_timeout(queue, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// How many frames were dropped unread because the consumer fell behind.
    pub fn dropped_frames(&self) -> u64 {
        self.shared.lock().dropped
    }
}

impl Drop for Scanner {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
    }
}

fn capture_until_stopped(source: &mut impl FrameSource, shared: &Shared) {
    while !shared.stop.load(Ordering::Relaxed) {
        let result = source.next_frame();
        let mut queue = shared.lock();
        match result {
            Ok(Some(frame)) => {
                if queue.frames.len() >= shared.capacity {
                    queue.frames.pop_front();
                    queue.dropped += 1;
                }
                queue.frames.push_back(frame);
            }
            Ok(None) => return,
            Err(failure) => {
                queue.failure = Some(failure);
                return;
            }
        }
        shared.changed.notify_all();
    }
}
