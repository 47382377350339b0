pub mod bridge;
pub mod certs;
pub mod print;
pub mod test;
