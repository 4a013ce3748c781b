//! What more than one test binary of this crate needs.

pub mod shop;
