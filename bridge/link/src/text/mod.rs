//! Line-mode text: what the micro can print, and lines that fit its screen.
//!
//! Text for the micro is transcoded first ([`charset::to_micro`]: one Unicode character can
//! become several micro characters, "€" → "EUR") and wrapped after
//! ([`wrap::wrap_bytes`]), so widths are counted in the characters the micro will print.
//! [`layout`] does both.

pub mod charset;
pub mod wrap;

pub use charset::{from_micro, to_micro, Transcoded};
pub use wrap::{wrap, wrap_bytes};

use crate::profile::{Charset, MachineProfile};

/// Text ready for the micro: one entry per screen line, without line ends (the caller sends
/// the micro's CR after each), and what had to be changed on the way.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Layout {
    /// Lines in the micro's character set, each at most `width` bytes.
    pub lines: Vec<Vec<u8>>,
    /// Characters that could not be sent as they were, and what was sent instead (see
    /// [`Transcoded::substituted`]).
    pub substituted: Vec<(char, String)>,
}

/// Transcodes `text` for `charset` and wraps it at `width` micro characters.
pub fn layout(text: &str, charset: Charset, width: usize) -> Layout {
    let Transcoded { bytes, substituted } = to_micro(text, charset);
    Layout {
        lines: wrap_bytes(&bytes, width),
        substituted,
    }
}

/// [`layout`] with a profile's character set and width.
pub fn layout_for(text: &str, profile: &MachineProfile) -> Layout {
    layout(text, profile.charset, usize::from(profile.width))
}
