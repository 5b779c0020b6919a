//! Image sources and the scanner's capture thread.

use std::path::Path;
use std::thread::sleep;
use std::time::Duration;

use image::{GrayImage, Luma};
use pass_camera::{CameraError, Frame, FrameSource, ImageSource, Pixels, Scanner};

fn write_gray_png(path: &Path, level: u8) {
    GrayImage::from_pixel(4, 4, Luma([level]))
        .save(path)
        .expect("write test image");
}

fn first_pixel(frame: &Frame) -> u8 {
    frame.to_gray().get_pixel(0, 0).0[0]
}

#[test]
fn a_folder_is_read_in_file_name_order_and_then_ends() {
    let folder = tempfile::tempdir().expect("temporary folder");
    for (name, level) in [("b.png", 2), ("c.PNG", 3), ("a.png", 1)] {
        write_gray_png(&folder.path().join(name), level);
    }
    std::fs::write(folder.path().join("notes.txt"), "not an image").expect("write");
    let mut source = ImageSource::folder(folder.path()).expect("folder");
    let mut levels = Vec::new();
    while let Some(frame) = source.next_frame().expect("frame") {
        levels.push(first_pixel(&frame));
    }
    assert_eq!(levels, [1, 2, 3]);
}

#[test]
fn a_missing_file_is_reported_by_path() {
    let mut source = ImageSource::file("/nonexistent/gate-photo.jpg");
    let error = source.next_frame().expect_err("missing file");
    assert!(matches!(error, CameraError::ReadImage { .. }), "{error:?}");
    assert!(error.to_string().contains("/nonexistent/gate-photo.jpg"), "{error}");
}

#[test]
fn an_empty_folder_or_list_is_refused() {
    let folder = tempfile::tempdir().expect("temporary folder");
    assert!(matches!(
        ImageSource::folder(folder.path()),
        Err(CameraError::EmptyFolder { .. })
    ));
    assert!(matches!(ImageSource::list(Vec::new()), Err(CameraError::NoImages)));
}

/// Frames numbered 0, 1, 2, … (the number in every pixel), then a failure.
struct CountingCamera {
    next: u8,
    fail_after: u8,
    interval: Duration,
}

impl FrameSource for CountingCamera {
    fn next_frame(&mut self) -> pass_camera::Result<Option<Frame>> {
        sleep(self.interval);
        if self.next == self.fail_after {
            return Err(CameraError::CameraRead {
                camera: self.name(),
                detail: "device unplugged".into(),
            });
        }
        self.next += 1;
        Ok(Some(Frame::new(Pixels::Gray(GrayImage::from_pixel(
            2,
            2,
            Luma([self.next - 1]),
        )))))
    }

    fn name(&self) -> String {
        "counting camera".into()
    }
}

#[test]
fn a_slow_consumer_gets_the_newest_frames_and_then_the_source_error() {
    let scanner = Scanner::start(
        || {
            Ok(CountingCamera {
                next: 0,
                fail_after: 40,
                interval: Duration::from_millis(2),
            })
        },
        2,
    )
    .expect("start");
    let mut seen = Vec::new();
    let error = loop {
        match scanner.next_frame(Duration::from_secs(5)) {
            Ok(frame) => {
                seen.push(first_pixel(&frame));
                sleep(Duration::from_millis(20)); // decoding slower than the camera
            }
            Err(error) => break error,
        }
    };
    assert!(matches!(error, CameraError::CameraRead { .. }), "{error:?}");
    assert!(error.to_string().contains("device unplugged"), "{error}");
    assert!(seen.windows(2).all(|pair| pair[0] < pair[1]), "in order: {seen:?}");
    assert!(seen.len() < 40, "old frames were dropped: {seen:?}");
    assert!(seen.contains(&39), "the newest frame arrives: {seen:?}");
    assert_eq!(scanner.dropped_frames(), 40 - seen.len() as u64);
}

#[test]
fn a_silent_camera_times_out_instead_of_hanging() {
    let scanner = Scanner::start(
        || {
            Ok(CountingCamera {
                next: 0,
                fail_after: 1,
                interval: Duration::from_secs(3600),
            })
        },
        1,
    )
    .expect("start");
    let error = scanner.next_frame(Duration::from_millis(100)).expect_err("no frame");
    assert!(matches!(error, CameraError::NoFrame { .. }), "{error:?}");
}

#[test]
fn a_source_that_cannot_open_is_reported_by_start() {
    let error = Scanner::start(|| ImageSource::folder("/nonexistent/photos"), 1).expect_err("no folder");
    assert!(error.to_string().contains("/nonexistent/photos"), "{error}");
}

#[test]
fn a_finished_image_source_ends_the_scan() {
    let folder = tempfile::tempdir().expect("temporary folder");
    write_gray_png(&folder.path().join("only.png"), 7);
    let path = folder.path().to_owned();
    let scanner = Scanner::start(move || ImageSource::folder(path), 4).expect("start");
    assert_eq!(
        first_pixel(&scanner.next_frame(Duration::from_secs(5)).expect("frame")),
        7
    );
    let error = scanner.next_frame(Duration::from_secs(5)).expect_err("ended");
    assert!(matches!(error, CameraError::SourceEnded { .. }), "{error:?}");
}
