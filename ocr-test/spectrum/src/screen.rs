//! Screenshots, rendered from video memory only when asked for.

use image::{Rgb, RgbImage};

/// Border pixels drawn around the 256x192 picture.
pub const BORDER: u32 = 32;

const PALETTE: [[u8; 3]; 16] = [
    [0, 0, 0],
    [0, 0, 0xD7],
    [0xD7, 0, 0],
    [0xD7, 0, 0xD7],
    [0, 0xD7, 0],
    [0, 0xD7, 0xD7],
    [0xD7, 0xD7, 0],
    [0xD7, 0xD7, 0xD7],
    [0, 0, 0],
    [0, 0, 0xFF],
    [0xFF, 0, 0],
    [0xFF, 0, 0xFF],
    [0, 0xFF, 0],
    [0, 0xFF, 0xFF],
    [0xFF, 0xFF, 0],
    [0xFF, 0xFF, 0xFF],
];

/// Renders 6912 bytes of screen memory with a border. `flash_inverted` is the ULA's flash
/// phase (it toggles every 16 frames).
pub fn render(screen: &[u8], border: u8, flash_inverted: bool) -> RgbImage {
    let mut image = RgbImage::from_pixel(
        256 + 2 * BORDER,
        192 + 2 * BORDER,
        Rgb(PALETTE[(border & 7) as usize]),
    );
    for y in 0..192usize {
        let line = ((y & 0xC0) << 5) | ((y & 0x07) << 8) | ((y & 0x38) << 2);
        for column in 0..32usize {
            let bits = screen[line + column];
            let attr = screen[6144 + (y / 8) * 32 + column];
            let bright = if attr & 0x40 != 0 { 8 } else { 0 };
            let (mut ink, mut paper) = (
                (attr & 7) as usize + bright,
                ((attr >> 3) & 7) as usize + bright,
            );
            if attr & 0x80 != 0 && flash_inverted {
                std::mem::swap(&mut ink, &mut paper);
            }
            for bit in 0..8 {
                let colour = if bits & (0x80 >> bit) != 0 {
                    ink
                } else {
                    paper
                };
                image.put_pixel(
                    BORDER + (column * 8 + bit) as u32,
                    BORDER + y as u32,
                    Rgb(PALETTE[colour]),
                );
            }
        }
    }
    image
}
