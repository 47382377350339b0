pub mod bridge;
pub mod certs;
pub mod mesh;
pub mod print;
pub mod test;
