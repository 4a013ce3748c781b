//! The client on the wire against loopback servers. `http`: a real HTTP
//! server with its own signature verifier (`support/server.rs`), for both
//! authentication schemes: what is sent, how each answer is decoded, what
//! is retried. `faults`: a server that misbehaves at the byte level
//! (`support/raw.rs`): redirects, the outcome table, echoed secrets, body
//! retries. `edges`: answers whose meaning depends on the parser, absurd
//! `Retry-After` values. `raw_requests`: `Client::raw` through the same
//! send path. Each case ends in the documented result and none panics.

#[path = "../support/mod.rs"]
mod support;

mod edges;
mod faults;
mod http;
mod raw_requests;
