//! Camera input for reading pass-card QR codes: where frames come from (a
//! webcam, or image files on machines without one), a capture thread that
//! always hands out the newest frame, and QR decoding made robust to what a
//! webcam sees at a gate — dim light, glare, shadow, blur, tilt.
//!
//! It is not a verifier: it returns QR text and leaves its meaning (signature,
//! validity, revocation) to the caller, who passes an `accept` check so the
//! decoder keeps looking past codes that are not the caller's. Nor is it a
//! preview or camera-settings UI.
//!
//! - [`FrameSource`], [`Frame`]: the frame abstraction.
//! - [`ImageSource`]: frames from a file, a folder or a list of files.
//! - [`SequenceSource`]: a folder of pictures played as a live camera (paced,
//!   looping, new files picked up), where there is no webcam.
//! - `WebcamSource` (feature `webcam`): frames from a webcam via nokhwa.
//! - [`Scanner`]: capture on its own thread, newest frames over a bounded queue.
//! - [`decode_qr`], [`decode_file`]: robust QR decoding.

mod deblur;
mod decode;
mod error;
mod frame;
mod images;
mod scanner;
mod sequence;
#[cfg(feature = "webcam")]
mod webcam;

pub use decode::{Decoded, Filter, Strategy, decode_bytes, decode_file, decode_qr};
pub use error::{CameraError, Result};
pub use frame::{Frame, FrameSource, Pixels};
pub use images::{ImageSource, image_from_bytes, load_image};
pub use scanner::Scanner;
pub use sequence::{Pace, SequenceSource, letterbox};
#[cfg(feature = "webcam")]
pub use webcam::{WebcamInfo, WebcamSource, list_webcams};
