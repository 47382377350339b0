//! What the API can show of a micro besides calling it: its printout and its screen. An
//! emulated micro answers from the emulator; the bridge supplies that as a [`MicroView`] so the
//! gateway needs no emulator.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub type ViewFuture<T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send>>;

pub trait MicroView: Send + Sync + 'static {
    /// The printout so far, as a PNG.
    fn printout_png(&self) -> ViewFuture<Vec<u8>>;
    /// The printout so far, read back as text.
    fn printout_text(&self) -> ViewFuture<String>;
    /// The screen, as a PNG.
    fn screen_png(&self) -> ViewFuture<Vec<u8>>;
}

/// Turns the 6912 bytes of a Spectrum screen a real micro sends into a PNG.
pub type ScreenRenderer = Arc<dyn Fn(&[u8]) -> Result<Vec<u8>, String> + Send + Sync>;
