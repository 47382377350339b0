pub mod bridge;
pub mod print;
pub mod test;
