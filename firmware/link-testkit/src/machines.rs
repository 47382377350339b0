//! The emulators' `SerialPeer` traits for the bridges (features `spectrum` and `c64`): each
//! passes time in its own ticks (T-states, 6502 cycles), which the bridge's clock converts.

use crate::{FrameBridge, LineBridge};

macro_rules! serial_peer {
    ($feature:literal, $machine:ident: $($bridge:ty),*) => {$(
        #[cfg(feature = $feature)]
        impl $machine::SerialPeer for $bridge {
            fn exchange(
                &mut self,
                from_micro: &[u8],
                to_micro: &mut Vec<u8>,
                now_ticks: u64,
            ) -> Option<String> {
                <$bridge>::exchange(self, from_micro, to_micro, now_ticks)
            }
        }
    )*};
}

serial_peer!("spectrum", retromesh_spectrum: FrameBridge, LineBridge);
serial_peer!("c64", retromesh_c64: FrameBridge, LineBridge);
