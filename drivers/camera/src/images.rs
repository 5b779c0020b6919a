//! Frames from image files: for tests, demos and stations without a camera.
//! Files are read one at a time, when their frame is asked for, so a folder of
//! hundreds of photos costs no memory up front.

use std::path::{Path, PathBuf};

use crate::error::{CameraError, Result};
use crate::frame::{Frame, FrameSource};

const IMAGE_EXTENSIONS: [&str; 3] = ["png", "jpg", "jpeg"];

/// Delivers one frame per image file, in order, then ends.
#[derive(Debug, Clone)]
pub struct ImageSource {
    name: String,
    paths: Vec<PathBuf>,
    next: usize,
}

impl ImageSource {
    /// A single image, delivered once.
    pub fn file(path: impl Into<PathBuf>) -> ImageSource {
        let path = path.into();
        ImageSource {
            name: path.display().to_string(),
            paths: vec![path],
            next: 0,
        }
    }

    /// Every PNG and JPEG in `folder` (not its subfolders), sorted by file name.
    pub fn folder(folder: impl AsRef<Path>) -> Result<ImageSource> {
        let folder = folder.as_ref();
        let read_error = |source| CameraError::ReadImage {
            path: folder.to_owned(),
            source,
        };
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(folder).map_err(read_error)? {
            let path = entry.map_err(read_error)?.path();
            if path.is_file() && is_image(&path) {
                paths.push(path);
            }
        }
        if paths.is_empty() {
            return Err(CameraError::EmptyFolder {
                path: folder.to_owned(),
            });
        }
        paths.sort();
        Ok(ImageSource {
            name: folder.display().to_string(),
            paths,
            next: 0,
        })
    }

    /// The given files, in the given order.
    pub fn list(paths: Vec<PathBuf>) -> Result<ImageSource> {
        if paths.is_empty() {
            return Err(CameraError::NoImages);
        }
        Ok(ImageSource {
            name: format!("{} image files", paths.len()),
            paths,
            next: 0,
        })
    }

    /// The files this source delivers, in order.
    pub fn paths(&self) -> &[PathBuf] {
        &self.paths
    }
}

pub(crate) fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| {
            IMAGE_EXTENSIONS
                .iter()
                .any(|known| extension.eq_ignore_ascii_case(known))
        })
}

/// Reads and decodes one image file.
pub fn load_image(path: &Path) -> Result<image::DynamicImage> {
    let bytes = std::fs::read(path).map_err(|source| CameraError::ReadImage {
        path: path.to_owned(),
        source,
    })?;
    image_from_bytes(&bytes, path)
}

/// Decodes an image (PNG or JPEG) already in memory; `name` says where it came from.
pub fn image_from_bytes(bytes: &[u8], name: &Path) -> Result<image::DynamicImage> {
    image::load_from_memory(bytes).map_err(|source| CameraError::DecodeImage {
        path: name.to_owned(),
        source,
    })
}

impl FrameSource for ImageSource {
    fn next_frame(&mut self) -> Result<Option<Frame>> {
        let Some(path) = self.paths.get(self.next) else {
            return Ok(None);
        };
        self.next += 1;
        Ok(Some(Frame::new(load_image(path)?.into())))
    }

    fn name(&self) -> String {
        self.name.clone()
    }
}
