//! The bridge ends for the tests, from `retromesh-link-testkit`: a frame-mode peer on the
//! reference `LinkSession` (HELLO, ECHO, GET, POST, LISTEN/REQUEST/REPLY, TIME, LOG with
//! CONTs, as the real bridge answers) with faults injected per frame, on the PAL clock by
//! default; and a line-mode peer.

pub use retromesh_link_testkit::*;
