//! The folder played as a camera: pacing, holding, looping, new files picked
//! up, the same-size frames a preview wants, through the capture thread too.

use std::path::Path;
use std::time::{Duration, Instant};

use image::{GrayImage, Luma};
use pass_camera::{CameraError, Frame, FrameSource, Pace, Scanner, SequenceSource};

fn write_gray_png(path: &Path, level: u8) {
    GrayImage::from_pixel(8, 8, Luma([level]))
        .save(path)
        .expect("write test image");
}

/// The level at the frame's centre, where the picture is.
fn centre(frame: &Frame) -> u8 {
    let gray = frame.to_gray();
    gray.get_pixel(gray.width() / 2, gray.height() / 2).0[0]
}

fn pace(fps: u32, hold: u32) -> Pace {
    Pace {
        fps,
        hold,
        width: 64,
        height: 36,
    }
}

fn levels(source: &mut SequenceSource, frames: usize) -> Vec<u8> {
    (0..frames)
        .map(|_| centre(&source.next_frame().expect("frame").expect("a camera never ends")))
        .collect()
}

#[test]
fn pictures_are_held_then_loop_in_name_order() {
    let folder = tempfile::tempdir().expect("temporary folder");
    for (name, level) in [("b.png", 20), ("a.png", 10), ("c.jpg", 30)] {
        write_gray_png(&folder.path().join(name), level);
    }
    std::fs::write(folder.path().join("notes.txt"), "not a picture").expect("write");
    let mut source = SequenceSource::open(folder.path(), pace(1000, 2)).expect("open");
    let seen = levels(&mut source, 8);
    // JPEG is lossy by a level or two.
    let rounded: Vec<u8> = seen.iter().map(|l| (l + 5) / 10 * 10).collect();
    assert_eq!(rounded, [10, 10, 20, 20, 30, 30, 10, 10], "{seen:?}");
}

#[test]
fn every_frame_has_the_camera_size_with_the_picture_centred() {
    let folder = tempfile::tempdir().expect("temporary folder");
    // Larger than the frame: shrunk to fit.
    GrayImage::from_pixel(200, 50, Luma([200]))
        .save(folder.path().join("wide.png"))
        .expect("write");
    let mut source = SequenceSource::open(folder.path(), pace(1000, 1)).expect("open");
    let frame = source.next_frame().expect("frame").expect("frame");
    assert_eq!((frame.width(), frame.height()), (64, 36));
    let gray = frame.to_gray();
    assert_eq!(centre(&frame), 200);
    assert_ne!(gray.get_pixel(32, 1).0[0], 200, "grey above the shrunk picture");
    let jpeg = frame.to_jpeg(80).expect("a preview picture");
    assert_eq!(&jpeg[..2], [0xFF, 0xD8], "a JPEG");
}

#[test]
fn frames_come_at_the_camera_pace() {
    let folder = tempfile::tempdir().expect("temporary folder");
    write_gray_png(&folder.path().join("a.png"), 10);
    let mut source = SequenceSource::open(folder.path(), pace(50, 1)).expect("open");
    let started = Instant::now();
    levels(&mut source, 11);
    let took = started.elapsed();
    // Ten intervals of 20 ms after the first frame.
    assert!(took >= Duration::from_millis(190), "too fast: {took:?}");
    assert!(took < Duration::from_secs(2), "too slow: {took:?}");
}

#[test]
fn a_new_picture_is_shown_next_and_an_empty_folder_gives_empty_frames() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let mut source = SequenceSource::open(folder.path(), pace(1000, 3)).expect("open");
    let empty = levels(&mut source, 2);
    assert!(empty.iter().all(|l| *l == 96), "a grey wall: {empty:?}");
    write_gray_png(&folder.path().join("z.png"), 50);
    assert_eq!(levels(&mut source, 3), [50, 50, 50], "picked up at once");
    write_gray_png(&folder.path().join("a.png"), 150);
    assert_eq!(
        levels(&mut source, 4),
        [150, 150, 150, 50],
        "the new one first, then the loop"
    );
}

#[test]
fn a_file_still_being_written_is_passed_over_until_complete() {
    let folder = tempfile::tempdir().expect("temporary folder");
    write_gray_png(&folder.path().join("b.png"), 40);
    std::fs::write(folder.path().join("a.png"), b"\x89PNG half").expect("write");
    let mut source = SequenceSource::open(folder.path(), pace(1000, 1)).expect("open");
    assert_eq!(levels(&mut source, 2), [40, 40]);
    write_gray_png(&folder.path().join("a.png"), 140);
    assert_eq!(levels(&mut source, 2), [140, 40]);
}

#[test]
fn a_folder_that_disappears_is_a_camera_unplugged() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let path = folder.path().join("camera");
    std::fs::create_dir(&path).expect("folder");
    assert!(matches!(
        SequenceSource::open(folder.path().join("missing"), Pace::default()),
        Err(CameraError::ReadImage { .. })
    ));
    write_gray_png(&path.join("a.png"), 70);
    let opened = path.clone();
    let scanner = Scanner::start(move || SequenceSource::open(opened, pace(200, 1)), 1).expect("start");
    let frame = scanner.next_frame(Duration::from_secs(5)).expect("a frame");
    assert_eq!(centre(&frame), 70);
    std::fs::remove_dir_all(&path).expect("unplug");
    let error = loop {
        match scanner.next_frame(Duration::from_secs(5)) {
            Ok(_) => continue,
            Err(error) => break error,
        }
    };
    assert!(matches!(error, CameraError::ReadImage { .. }), "{error:?}");
    assert!(error.to_string().contains("camera"), "{error}");
}
