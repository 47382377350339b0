pub mod analyze;
pub mod bridge;
pub mod certs;
pub mod describe;
pub mod mesh;
pub mod print;
pub mod test;
pub mod up;
