//! What the integration tests share: a real HTTP server on loopback with
//! its own verifier (`server`), a byte-level misbehaving server (`raw`),
//! PostgreSQL for the tests that need it (`postgres`), and fixtures
//! (`fixtures`: orders in the sandbox, waiting on events).

#![allow(dead_code, unused_imports)]

pub mod fixtures;
pub mod postgres;
pub mod raw;
mod server;

pub use fixtures::*;
pub use server::*;
