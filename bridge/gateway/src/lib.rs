//! The bridge's HTTP front: the versioned `/v1` API that mesh services call to reach a micro.
//!
//! This crate serves the API over plain HTTP on a listener it is given; the identity and TLS
//! layers sit in front of the same router.

pub mod api;

pub use api::{serve, Api};
