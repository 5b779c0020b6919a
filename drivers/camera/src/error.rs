//! The crate's one error type. Each message names the camera or file involved
//! and says what the operator can do about it.

use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum CameraError {
    #[error("cannot read image {path}: {source}; check that the file exists and is readable")]
    ReadImage { path: PathBuf, source: std::io::Error },

    #[error("cannot decode image {path}: {source}; use a PNG or JPEG file")]
    DecodeImage { path: PathBuf, source: image::ImageError },

    #[error("no PNG or JPEG images in folder {path}; put the images there or pick another folder")]
    EmptyFolder { path: PathBuf },

    #[error("the image list is empty; give at least one image file")]
    NoImages,

    #[error("no camera found{detail}; plug in the webcam and check that the system sees it")]
    NoCamera { detail: String },

    #[error("camera {camera} cannot be used: {detail}; close other programs using it, or replug it")]
    CameraOpen { camera: String, detail: String },

    #[error("camera {camera} stopped delivering frames: {detail}; replug the camera")]
    CameraRead { camera: String, detail: String },

    #[error("no frame from {source_name} within {waited:?}; check that the camera is connected and not covered")]
    NoFrame { source_name: String, waited: Duration },

    #[error("cannot make the preview picture: {0}")]
    EncodePreview(image::ImageError),

    #[error("{source_name} has no more frames")]
    SourceEnded { source_name: String },

    #[error("the capture thread for {source_name} stopped unexpectedly; restart scanning")]
    CaptureStopped { source_name: String },

    #[error("cannot start the capture thread: {0}; the system is out of resources, close other programs")]
    Spawn(std::io::Error),
}

pub type Result<T, E = CameraError> = std::result::Result<T, E>;
