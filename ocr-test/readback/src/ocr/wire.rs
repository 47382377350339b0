//! What [`super::Ocr`] and the `retromesh-ocr` helper say to each other over the helper's
//! stdin and stdout. All integers little-endian.
//!
//! - Helper, once Tesseract has loaded its language: [`READY`].
//! - Client, per image: width `u32`, height `u32`, then width × height grey bytes.
//! - Helper, per image: [`OK`], mean confidence `i32`, TSV length `u32`, Tesseract's TSV; or
//!   [`FAILED`], message length `u32`, the message.
//!
//! The client closing stdin ends the helper.

use std::io::{self, Read, Write};

pub const READY: u8 = b'R';
/// The helper's exit code when Tesseract cannot load the language.
pub const EXIT_NO_LANGUAGE: u8 = 3;
pub const OK: u8 = 0;
pub const FAILED: u8 = 1;

/// Larger images are refused: a printout line is about 560 x 50 pixels.
pub const MAX_PIXELS: u64 = 16 << 20;
/// Larger answers are refused: a line's TSV is a few hundred bytes.
pub const MAX_ANSWER: u32 = 1 << 20;

/// A grey image, one byte per pixel, rows top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GreyImage {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

fn invalid(what: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

fn read_u32(r: &mut impl Read) -> io::Result<u32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

fn read_text(r: &mut impl Read) -> io::Result<String> {
    let len = read_u32(r)?;
    if len > MAX_ANSWER {
        return Err(invalid(format!(
            "answer of {len} bytes (at most {MAX_ANSWER})"
        )));
    }
    let mut text = vec![0u8; len as usize];
    r.read_exact(&mut text)?;
    String::from_utf8(text).map_err(|e| invalid(format!("answer is not UTF-8: {e}")))
}

fn write_text(w: &mut impl Write, text: &str) -> io::Result<()> {
    let len = u32::try_from(text.len())
        .ok()
        .filter(|&l| l <= MAX_ANSWER)
        .ok_or_else(|| {
            invalid(format!(
                "answer of {} bytes (at most {MAX_ANSWER})",
                text.len()
            ))
        })?;
    w.write_all(&len.to_le_bytes())?;
    w.write_all(text.as_bytes())
}

pub fn write_image(w: &mut impl Write, width: u32, height: u32, pixels: &[u8]) -> io::Result<()> {
    if u64::from(width) * u64::from(height) != pixels.len() as u64 {
        return Err(invalid(format!(
            "{} bytes for a {width}x{height} image",
            pixels.len()
        )));
    }
    w.write_all(&width.to_le_bytes())?;
    w.write_all(&height.to_le_bytes())?;
    w.write_all(pixels)?;
    w.flush()
}

/// The next image, or `None` when the client has closed the stream between images.
pub fn read_image(r: &mut impl Read) -> io::Result<Option<GreyImage>> {
    let mut b = [0u8; 4];
    match r.read(&mut b[..1])? {
        0 => return Ok(None),
        _ => r.read_exact(&mut b[1..])?,
    }
    let width = u32::from_le_bytes(b);
    let height = read_u32(r)?;
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_PIXELS {
        return Err(invalid(format!(
            "image of {width}x{height} pixels (at most {MAX_PIXELS})"
        )));
    }
    let mut image = vec![0u8; pixels as usize];
    r.read_exact(&mut image)?;
    Ok(Some(GreyImage {
        width,
        height,
        pixels: image,
    }))
}

/// Tesseract's reading of one image: its mean confidence and TSV, or why it failed.
pub type Answer = Result<(i32, String), String>;

pub fn write_answer(w: &mut impl Write, answer: &Answer) -> io::Result<()> {
    match answer {
        Ok((confidence, tsv)) => {
            w.write_all(&[OK])?;
            w.write_all(&confidence.to_le_bytes())?;
            write_text(w, tsv)?;
        }
        Err(message) => {
            w.write_all(&[FAILED])?;
            write_text(w, message)?;
        }
    }
    w.flush()
}

pub fn read_answer(r: &mut impl Read) -> io::Result<Answer> {
    let mut tag = [0u8; 1];
    r.read_exact(&mut tag)?;
    match tag[0] {
        OK => {
            let confidence = read_u32(r)? as i32;
            Ok(Ok((confidence, read_text(r)?)))
        }
        FAILED => Ok(Err(read_text(r)?)),
        other => Err(invalid(format!("unknown answer tag {other:#04x}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_and_answers_survive_the_trip() {
        let mut buf = Vec::new();
        write_image(&mut buf, 3, 2, &[1, 2, 3, 4, 5, 6]).unwrap();
        let mut r = buf.as_slice();
        let image = read_image(&mut r).unwrap().unwrap();
        assert_eq!((image.width, image.height), (3, 2));
        assert_eq!(image.pixels, [1, 2, 3, 4, 5, 6]);
        assert!(read_image(&mut r).unwrap().is_none(), "clean end");

        for answer in [Ok((-1, "5\t1\tHELLO".to_string())), Err("no".to_string())] {
            let mut buf = Vec::new();
            write_answer(&mut buf, &answer).unwrap();
            assert_eq!(read_answer(&mut buf.as_slice()).unwrap(), answer);
        }
    }

    #[test]
    fn bad_frames_are_refused_with_the_reason() {
        let err = write_image(&mut Vec::new(), 3, 3, &[0; 4]).unwrap_err();
        assert!(err.to_string().contains("4 bytes for a 3x3 image"), "{err}");

        let mut huge = Vec::new();
        huge.extend_from_slice(&100_000u32.to_le_bytes());
        huge.extend_from_slice(&100_000u32.to_le_bytes());
        let err = read_image(&mut huge.as_slice()).unwrap_err();
        assert!(err.to_string().contains("100000x100000"), "{err}");

        let cut = [7u8, 0, 0];
        let err = read_image(&mut cut.as_slice()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);

        let err = read_answer(&mut [9u8].as_slice()).unwrap_err();
        assert!(err.to_string().contains("tag 0x09"), "{err}");
    }
}
