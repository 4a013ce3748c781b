//! What the integration tests share: a real HTTP server on loopback with
//! its own verifier (`server`), a byte-level misbehaving server (`raw`), a
//! callback receiver that records what it got (`receiver`), PostgreSQL for
//! the tests that need it (`postgres`), and fixtures (`fixtures`: orders in
//! the sandbox, SQLite files, waiting on events).

#![allow(dead_code, unused_imports, unused_macros)]

pub mod fixtures;
pub mod postgres;
pub mod raw;
pub mod receiver;
mod server;

pub use fixtures::*;
pub use server::*;

/// Asserts that `error`'s kind matches the pattern (with an optional
/// guard), showing the whole error when it does not:
/// `assert_kind!(error, ErrorKind::Api { code: 1002, .. })`.
macro_rules! assert_kind {
    ($error:expr, $($pattern:tt)+) => {{
        let error = &$error;
        assert!(
            matches!(error.kind(), $($pattern)+),
            "expected {}: {error:?}",
            stringify!($($pattern)+)
        );
    }};
}
pub(crate) use assert_kind;
