//! Questions a running emulated micro answers between slices: its printout so far and its
//! screen, for the bridge's `/printout` and `/screen.png`. The emulator thread only copies;
//! encoding and reading back happen on the asker's side.

use std::io::Cursor;
use std::sync::mpsc;
use std::time::Duration;

use retromesh_readback::{read_printout, ReadMode};
use retromesh_spectrum::charset::Charset;
use retromesh_spectrum::printer::Printout;
use retromesh_spectrum::Spectrum;

/// How long an answer may take: the emulator answers within a slice (1 ms of emulated time)
/// unless it has stopped.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);

pub(crate) enum Question {
    Printout(tokio::sync::oneshot::Sender<(Printout, Charset)>),
    Screen(tokio::sync::oneshot::Sender<image::RgbImage>),
}

/// Answers pending questions from the machine's current state.
pub(crate) fn answer(questions: &mpsc::Receiver<Question>, machine: &Spectrum) {
    while let Ok(q) = questions.try_recv() {
        match q {
            Question::Printout(tx) => {
                let _ = tx.send((machine.printout().clone(), machine.charset()));
            }
            Question::Screen(tx) => {
                let _ = tx.send(machine.screenshot());
            }
        }
    }
}

/// A handle on a running emulated micro's printer and screen.
#[derive(Clone)]
pub struct EmulatedView {
    pub(crate) questions: mpsc::Sender<Question>,
}

impl EmulatedView {
    async fn ask<T>(
        &self,
        make: impl FnOnce(tokio::sync::oneshot::Sender<T>) -> Question,
    ) -> Result<T, String> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let stopped = "the emulated micro has stopped running; restart the bridge to boot it again";
        self.questions
            .send(make(tx))
            .map_err(|_| stopped.to_string())?;
        match tokio::time::timeout(ANSWER_WITHIN, rx).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(_)) => Err(stopped.into()),
            Err(_) => Err(format!(
                "the emulated micro did not answer within {}s; it may be paused or stopped",
                ANSWER_WITHIN.as_secs()
            )),
        }
    }

    /// The printout so far as a PNG, black dots on white, 256 wide.
    pub async fn printout_png(&self) -> Result<Vec<u8>, String> {
        let (printout, _) = self.ask(Question::Printout).await?;
        tokio::task::spawn_blocking(move || {
            png(&image::DynamicImage::ImageLuma8(printout.to_image()))
        })
        .await
        .map_err(|e| e.to_string())?
    }

    /// The printout so far read back as text (exact glyph matching; `?` for unknown cells).
    pub async fn printout_text(&self) -> Result<String, String> {
        let (printout, charset) = self.ask(Question::Printout).await?;
        tokio::task::spawn_blocking(move || {
            read_printout(&printout, Some(&charset), ReadMode::Exact, None)
                .map(|r| r.text)
                .map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())?
    }

    /// The screen with its border as a PNG.
    pub async fn screen_png(&self) -> Result<Vec<u8>, String> {
        let screen = self.ask(Question::Screen).await?;
        tokio::task::spawn_blocking(move || png(&image::DynamicImage::ImageRgb8(screen)))
            .await
            .map_err(|e| e.to_string())?
    }
}

/// Encodes an image as PNG bytes.
pub fn png(image: &image::DynamicImage) -> Result<Vec<u8>, String> {
    let mut out = Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| format!("cannot encode the PNG: {e}"))?;
    Ok(out.into_inner())
}

/// A real Spectrum's 6912 screen bytes as a PNG (white border), for micros that send them.
pub fn screen_bytes_png(bytes: &[u8]) -> Result<Vec<u8>, String> {
    if bytes.len() != 6912 {
        return Err(format!("{} bytes, a Spectrum screen is 6912", bytes.len()));
    }
    png(&image::DynamicImage::ImageRgb8(
        retromesh_spectrum::screen::render(bytes, 7, false),
    ))
}
