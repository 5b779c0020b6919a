//! Synthetic holder portraits: small PNG head-and-shoulders pictures.
//!
//! They exist so that photos flow through sync, printing and verification
//! like real ones (content-addressed, a few kilobytes, passport-like framing)
//! without any real person's face. Each is drawn from a seed, and carries its
//! label in a text chunk, so no two people share a photo.

use fastrand::Rng;

/// Size of a portrait in pixels, about a 3:4 passport photo.
pub(crate) const WIDTH: u32 = 120;
pub(crate) const HEIGHT: u32 = 160;

const SKIN: [[u8; 3]; 6] = [
    [241, 204, 178],
    [231, 188, 152],
    [218, 170, 130],
    [198, 145, 104],
    [170, 118, 82],
    [128, 88, 60],
];
const HAIR: [[u8; 3]; 6] = [
    [20, 18, 18],
    [45, 32, 24],
    [78, 52, 34],
    [120, 86, 56],
    [150, 150, 150],
    [92, 40, 30],
];

/// How one portrait looks.
struct Look {
    background_top: [u8; 3],
    background_bottom: [u8; 3],
    skin: [u8; 3],
    hair: [u8; 3],
    shirt: [u8; 3],
    /// How far down the forehead the hair comes, as a share of the head's half height.
    hairline: f32,
    long_hair: bool,
    collar: bool,
    head: Ellipse,
}

#[derive(Clone, Copy)]
struct Ellipse {
    cx: f32,
    cy: f32,
    rx: f32,
    ry: f32,
}

impl Ellipse {
    fn holds(&self, x: f32, y: f32) -> bool {
        let (dx, dy) = ((x - self.cx) / self.rx, (y - self.cy) / self.ry);
        dx * dx + dy * dy <= 1.0
    }
}

impl Look {
    fn draw(rng: &mut Rng) -> Look {
        let pastel = |rng: &mut Rng| [rng.u8(170..=235), rng.u8(180..=235), rng.u8(190..=245)];
        let background_top = pastel(rng);
        let background_bottom = background_top.map(|c| c.saturating_sub(rng.u8(10..40)));
        let head = Ellipse {
            cx: WIDTH as f32 / 2.0 + rng.f32() * 8.0 - 4.0,
            cy: 66.0 + rng.f32() * 8.0 - 4.0,
            rx: 25.0 + rng.f32() * 6.0,
            ry: 32.0 + rng.f32() * 5.0,
        };
        Look {
            background_top,
            background_bottom,
            skin: SKIN[rng.usize(..SKIN.len())],
            hair: HAIR[rng.usize(..HAIR.len())],
            shirt: [rng.u8(20..=200), rng.u8(20..=200), rng.u8(20..=220)],
            hairline: [0.1, 0.35, 0.45, 0.55][rng.usize(..4)],
            long_hair: rng.u8(0..3) == 0,
            collar: rng.bool(),
            head,
        }
    }

    fn colour_at(&self, x: f32, y: f32) -> [u8; 3] {
        let h = self.head;
        let eye = |side: f32| Ellipse {
            cx: h.cx + side * h.rx * 0.38,
            cy: h.cy - h.ry * 0.02,
            rx: 3.2,
            ry: 2.2,
        };
        let mouth = Ellipse {
            cx: h.cx,
            cy: h.cy + h.ry * 0.52,
            rx: h.rx * 0.28,
            ry: 1.8,
        };
        let hair = Ellipse {
            cx: h.cx,
            cy: h.cy - h.ry * 0.08,
            rx: h.rx * 1.08,
            ry: h.ry * 1.04,
        };
        let long_hair = Ellipse {
            cx: h.cx,
            cy: h.cy + h.ry * 0.35,
            rx: h.rx * 1.18,
            ry: h.ry * 1.05,
        };
        let shoulders = Ellipse {
            cx: WIDTH as f32 / 2.0,
            cy: HEIGHT as f32 + 22.0,
            rx: 62.0,
            ry: 62.0,
        };
        let neck_top = h.cy + h.ry * 0.6;
        let collar_top = shoulders.cy - shoulders.ry;

        if h.holds(x, y) {
            if eye(-1.0).holds(x, y) || eye(1.0).holds(x, y) {
                return [40, 30, 28];
            }
            if mouth.holds(x, y) {
                return shade(self.skin, 0.72);
            }
            if y < h.cy - h.ry * (1.0 - self.hairline) && hair.holds(x, y) {
                return self.hair;
            }
            // Lighter in the middle of the face, darker towards its edge.
            let edge = ((x - h.cx) / h.rx).abs();
            return shade(self.skin, 1.0 - 0.18 * edge * edge);
        }
        if hair.holds(x, y) && y < h.cy {
            return self.hair;
        }
        if self.long_hair && long_hair.holds(x, y) && y > h.cy - h.ry * 0.2 && y < collar_top + 12.0 {
            return self.hair;
        }
        if shoulders.holds(x, y) {
            // A V-neck: open at the top, closing 26 px down.
            if self.collar && (x - shoulders.cx).abs() < (collar_top + 26.0 - y) * 0.45 {
                return [240, 240, 236];
            }
            return self.shirt;
        }
        if (x - h.cx).abs() < h.rx * 0.42 && y > neck_top && y < collar_top + 4.0 {
            return shade(self.skin, 0.85);
        }
        let t = y / HEIGHT as f32;
        std::array::from_fn(|i| lerp(self.background_top[i], self.background_bottom[i], t))
    }
}

fn shade(colour: [u8; 3], factor: f32) -> [u8; 3] {
    colour.map(|c| (f32::from(c) * factor).clamp(0.0, 255.0) as u8)
}

fn lerp(a: u8, b: u8, t: f32) -> u8 {
    (f32::from(a) + (f32::from(b) - f32::from(a)) * t)
        .round()
        .clamp(0.0, 255.0) as u8
}

/// Draws the portrait of `seed` as PNG bytes, with `label` in its comment.
pub(crate) fn render(seed: u64, label: &str) -> Result<Vec<u8>, png::EncodingError> {
    let look = Look::draw(&mut Rng::with_seed(seed));
    let mut pixels = Vec::with_capacity((WIDTH * HEIGHT * 3) as usize);
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            pixels.extend_from_slice(&look.colour_at(x as f32 + 0.5, y as f32 + 0.5));
        }
    }
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    encoder.add_text_chunk("Comment".to_owned(), format!("synthetic portrait {label}"))?;
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_portrait_is_a_png_of_passport_shape_and_the_same_seed_draws_the_same() {
        let bytes = render(42, "KEL-2026-000001").expect("drawn");
        let decoder = png::Decoder::new(std::io::Cursor::new(&bytes));
        let reader = decoder.read_info().expect("a PNG");
        assert_eq!((reader.info().width, reader.info().height), (WIDTH, HEIGHT));
        assert!(bytes.len() < 20_000, "{} bytes is large for a card photo", bytes.len());
        assert_eq!(render(42, "KEL-2026-000001").ok(), Some(bytes.clone()));
        assert_ne!(
            render(42, "KEL-2026-000002").ok(),
            Some(bytes.clone()),
            "labels keep photos apart"
        );
    }

    #[test]
    fn different_seeds_draw_different_faces() {
        let pixels = |seed| {
            let look = Look::draw(&mut Rng::with_seed(seed));
            (0..HEIGHT)
                .flat_map(|y| (0..WIDTH).map(move |x| (x, y)))
                .map(|(x, y)| look.colour_at(x as f32, y as f32))
                .collect::<Vec<_>>()
        };
        assert_ne!(pixels(1), pixels(2));
        // The face sits in the middle, on a background at the corners.
        let look = Look::draw(&mut Rng::with_seed(1));
        assert!(
            look.colour_at(look.head.cx, look.head.cy + 10.0)[0] > 100,
            "a face is lighter than 100"
        );
        assert_ne!(
            look.colour_at(2.0, 2.0),
            look.colour_at(look.head.cx, look.head.cy + 10.0)
        );
    }
}
