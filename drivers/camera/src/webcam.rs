//! Frames from a webcam through nokhwa (V4L2 on Linux, Media Foundation on
//! Windows, AVFoundation on macOS). Cheap webcams differ in what they offer and
//! some V4L2 drivers fail a read after running a while, so the source picks a
//! format the camera actually lists, falls back through the others, and reopens
//! the camera once after a failed read before reporting it broken.

use std::cmp::Reverse;

use nokhwa::Camera;
use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType};

use crate::error::{CameraError, Result};
use crate::frame::{Frame, FrameSource, Pixels};

/// The frame size QR decoding is tuned for: enough pixels per module for a
/// card held at arm's length, small enough to decode within a frame interval.
const PREFERRED_WIDTH: u32 = 1280;
const PREFERRED_HEIGHT: u32 = 720;

/// A webcam's name and its index for [`WebcamSource::open`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebcamInfo {
    pub index: u32,
    pub name: String,
}

/// The cameras the system knows of.
pub fn list_webcams() -> Result<Vec<WebcamInfo>> {
    let cameras = nokhwa::query(ApiBackend::Auto).map_err(|error| CameraError::NoCamera {
        detail: format!(" ({error})"),
    })?;
    Ok(cameras
        .into_iter()
        .filter_map(|info| match info.index() {
            CameraIndex::Index(index) => Some(WebcamInfo {
                index: *index,
                name: info.human_name(),
            }),
            CameraIndex::String(_) => None,
        })
        .collect())
}

/// A live webcam; never ends, blocks until the next frame. The platform camera
/// handles are not `Send`: open it on the thread that reads it, e.g. in the
/// closure given to [`crate::Scanner::start`].
pub struct WebcamSource {
    index: u32,
    name: String,
    camera: Camera,
}

impl WebcamSource {
    /// Opens camera `index` (0 is the first) in the best format it offers.
    pub fn open(index: u32) -> Result<WebcamSource> {
        let camera = open_camera(index)?;
        let name = format!("{} (camera {index})", camera.info().human_name());
        Ok(WebcamSource { index, name, camera })
    }

    /// The format the camera is streaming in.
    pub fn format(&self) -> CameraFormat {
        self.camera.camera_format()
    }

    fn read(&mut self) -> Result<Frame> {
        let buffer = self.camera.frame().map_err(|error| self.read_error(error))?;
        let image = buffer
            .decode_image::<RgbFormat>()
            .map_err(|error| self.read_error(error))?;
        Ok(Frame::new(Pixels::Rgb(image)))
    }

    fn read_error(&self, error: nokhwa::NokhwaError) -> CameraError {
        CameraError::CameraRead {
            camera: self.name.clone(),
            detail: error.to_string(),
        }
    }
}

impl std::fmt::Debug for WebcamSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebcamSource")
            .field("name", &self.name)
            .field("format", &self.format())
            .finish()
    }
}

impl FrameSource for WebcamSource {
    fn next_frame(&mut self) -> Result<Option<Frame>> {
        match self.read() {
            Ok(frame) => Ok(Some(frame)),
            Err(_) => {
                // Some V4L2 drivers fail a read after a while and work again once reopened.
                let _ = self.camera.stop_stream();
                self.camera = open_camera(self.index)?;
                self.read().map(Some)
            }
        }
    }

    fn name(&self) -> String {
        self.name.clone()
    }
}

fn open_camera(index: u32) -> Result<Camera> {
    let open_error = |detail: String| CameraError::CameraOpen {
        camera: format!("camera {index}"),
        detail,
    };
    let mut camera = Camera::new(
        CameraIndex::Index(index),
        RequestedFormat::new::<RgbFormat>(RequestedFormatType::None),
    )
    .map_err(|error| open_error(error.to_string()))?;
    let mut formats = camera
        .compatible_camera_formats()
        .map_err(|error| open_error(error.to_string()))?;
    formats.sort_by_key(preference);
    let mut last_error = String::from("the camera lists no formats");
    for format in formats {
        let request = RequestedFormat::new::<RgbFormat>(RequestedFormatType::Exact(format));
        match camera.set_camera_requset(request).and_then(|_| camera.open_stream()) {
            Ok(()) => return Ok(camera),
            Err(error) => last_error = format!("{format}: {error}"),
        }
    }
    Err(open_error(last_error))
}

/// Sort key, best first: closest to 1280×720, then a compressed or YUV stream
/// (higher frame rates over USB 2), then the higher frame rate.
fn preference(format: &CameraFormat) -> (u32, u8, Reverse<u32>) {
    let size_distance = format.width().abs_diff(PREFERRED_WIDTH) + format.height().abs_diff(PREFERRED_HEIGHT);
    let encoding_rank = match format.format() {
        FrameFormat::MJPEG => 0,
        FrameFormat::YUYV => 1,
        FrameFormat::NV12 => 2,
        FrameFormat::RAWRGB | FrameFormat::RAWBGR => 3,
        FrameFormat::GRAY => 4,
    };
    (size_distance, encoding_rank, Reverse(format.frame_rate()))
}
