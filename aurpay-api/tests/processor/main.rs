//! The processor: callbacks applied once against the sandbox
//! (`callbacks`), reconciliation passes (`reconcile`), effects in the
//! store's own transaction (`transactional`), the `Store` contract and the
//! rules and leases on every store (`stores`), and the intent journal for
//! each money operation through faults (`intents`). PostgreSQL's cases are
//! `#[ignore]`d: they need a server.

#[path = "../support/mod.rs"]
mod support;

mod callbacks;
mod intents;
mod reconcile;
mod stores;
mod transactional;
