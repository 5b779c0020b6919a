//! A folder of pictures played as a live camera: for the demo (where a picture
//! of each printed card's back appears in a folder) and for tests and
//! benchmarks on machines with no webcam. It is not a file reader for one-off
//! checks ([`crate::ImageSource`] is).
//!
//! Like a camera it never ends and delivers frames at a steady pace (one per
//! `1/fps`, every one the same size, the picture centred on a grey
//! background and shrunk to fit). Each picture is held for a number of frames,
//! as a card held up stays in view; then the next, in file-name order,
//! looping. A file that appears while playing is picked up at the next change
//! of picture and shown next; a file that cannot be decoded yet (still being
//! written) is passed over until it can. An empty folder gives empty frames,
//! as a camera pointed at nothing does; a folder that disappears is a camera
//! unplugged: an error.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use image::{Rgb, RgbImage, imageops};

use crate::error::{CameraError, Result};
use crate::frame::{Frame, FrameSource, Pixels};
use crate::images::{is_image, load_image};

/// The grey a frame shows where no picture is (a dim wall).
const BACKGROUND: Rgb<u8> = Rgb([96, 96, 96]);

/// How a [`SequenceSource`] plays its folder.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// Frames a second.
    pub fps: u32,
    /// How many frames each picture stays in view (at least 1).
    pub hold: u32,
    /// The frame size.
    pub width: u32,
    pub height: u32,
}

impl Default for Pace {
    /// 30 frames a second at 1280×720, each picture held for two seconds.
    fn default() -> Pace {
        Pace {
            fps: 30,
            hold: 60,
            width: 1280,
            height: 720,
        }
    }
}

/// A folder of pictures played as a camera; see the module documentation.
#[derive(Debug)]
pub struct SequenceSource {
    folder: PathBuf,
    pace: Pace,
    interval: Duration,
    next_due: Option<Instant>,
    /// Pictures already shown at least once, so a new one can go first.
    seen: BTreeSet<PathBuf>,
    /// The picture in view and how many frames it has had.
    current: Option<PathBuf>,
    shown: u32,
    /// Frames composed from each picture, until the file changes.
    composed: HashMap<PathBuf, (Option<SystemTime>, RgbImage)>,
}

impl SequenceSource {
    /// Plays `folder` at `pace`. The folder must exist; it may be empty.
    pub fn open(folder: impl Into<PathBuf>, pace: Pace) -> Result<SequenceSource> {
        let folder = folder.into();
        let source = SequenceSource {
            interval: Duration::from_secs(1) / pace.fps.max(1),
            pace: Pace {
                hold: pace.hold.max(1),
                width: pace.width.max(1),
                height: pace.height.max(1),
                ..pace
            },
            folder,
            next_due: None,
            seen: BTreeSet::new(),
            current: None,
            shown: 0,
            composed: HashMap::new(),
        };
        source.pictures()?;
        Ok(source)
    }

    /// The folder's pictures, in file-name order.
    fn pictures(&self) -> Result<Vec<PathBuf>> {
        let read_error = |source| CameraError::ReadImage {
            path: self.folder.clone(),
            source,
        };
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(&self.folder).map_err(read_error)? {
            let path = entry.map_err(read_error)?.path();
            if path.is_file() && is_image(&path) {
                paths.push(path);
            }
        }
        paths.sort();
        Ok(paths)
    }

    /// The picture to show after the current one: the first not shown yet,
    /// else the one after the current in name order (looping).
    fn next_picture(&self, pictures: &[PathBuf]) -> Vec<PathBuf> {
        let unseen = pictures.iter().filter(|p| !self.seen.contains(*p));
        let after = match &self.current {
            Some(current) => pictures.iter().position(|p| p > current).unwrap_or(0),
            None => 0,
        };
        let looped = pictures[after..].iter().chain(&pictures[..after]);
        unseen.chain(looped).cloned().collect()
    }

    /// The frame for `path`, composed once per version of the file; `None`
    /// when the file cannot be decoded (yet).
    fn compose(&mut self, path: &Path) -> Option<RgbImage> {
        let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        if let Some((at, frame)) = self.composed.get(path)
            && *at == modified
        {
            return Some(frame.clone());
        }
        let picture = load_image(path).ok()?.into_rgb8();
        let frame = letterbox(&picture, self.pace.width, self.pace.height);
        self.composed.insert(path.to_owned(), (modified, frame.clone()));
        Some(frame)
    }

    /// Waits for the next frame's time, as a camera's frame clock would.
    fn wait_for_frame_time(&mut self) {
        let now = Instant::now();
        let due = self.next_due.unwrap_or(now);
        if due > now {
            std::thread::sleep(due - now);
        }
        // A reader that fell behind skips frames rather than getting a burst.
        self.next_due = Some(due.max(now - self.interval) + self.interval);
    }
}

/// `picture` centred on a `width`×`height` background, shrunk to fit if larger.
pub fn letterbox(picture: &RgbImage, width: u32, height: u32) -> RgbImage {
    let scale = f64::min(
        1.0,
        f64::min(
            f64::from(width) / f64::from(picture.width().max(1)),
            f64::from(height) / f64::from(picture.height().max(1)),
        ),
    );
    let mut frame = RgbImage::from_pixel(width, height, BACKGROUND);
    let fitted;
    let shown = if scale < 1.0 {
        let (w, h) = (
            (f64::from(picture.width()) * scale).round().max(1.0) as u32,
            (f64::from(picture.height()) * scale).round().max(1.0) as u32,
        );
        fitted = imageops::resize(picture, w, h, imageops::FilterType::Triangle);
        &fitted
    } else {
        picture
    };
    let x = (width - shown.width()) / 2;
    let y = (height - shown.height()) / 2;
    imageops::replace(&mut frame, shown, i64::from(x), i64::from(y));
    frame
}

impl FrameSource for SequenceSource {
    fn next_frame(&mut self) -> Result<Option<Frame>> {
        self.wait_for_frame_time();
        let changing = self.current.is_none() || self.shown >= self.pace.hold;
        if changing {
            let pictures = self.pictures()?;
            let mut chosen = None;
            for candidate in self.next_picture(&pictures) {
                if let Some(frame) = self.compose(&candidate) {
                    chosen = Some((candidate, frame));
                    break;
                }
            }
            self.composed.retain(|path, _| pictures.contains(path));
            self.shown = 0;
            match chosen {
                Some((path, frame)) => {
                    self.seen.insert(path.clone());
                    self.current = Some(path);
                    self.shown = 1;
                    return Ok(Some(Frame::new(Pixels::Rgb(frame))));
                }
                None => self.current = None,
            }
        }
        self.shown += 1;
        let frame = match self.current.clone() {
            Some(path) => self.compose(&path),
            None => None,
        };
        let frame = frame.unwrap_or_else(|| RgbImage::from_pixel(self.pace.width, self.pace.height, BACKGROUND));
        Ok(Some(Frame::new(Pixels::Rgb(frame))))
    }

    fn name(&self) -> String {
        format!("pictures in {}", self.folder.display())
    }
}
