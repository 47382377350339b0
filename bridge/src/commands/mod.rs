pub mod print;
pub mod test;
