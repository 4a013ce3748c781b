//! [`SandboxBuilder`]: where a sandbox listens, on which clock, seeded or
//! not.

use super::{Sandbox, SandboxConfig, SandboxError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::clock::{Clock, ManualClock};

/// How to start a [`Sandbox`]: [`Sandbox::builder`].
#[derive(Debug)]
#[must_use = "a sandbox builder does nothing until `.start()` is awaited"]
pub struct SandboxBuilder {
    pub(super) address: String,
    pub(super) config: SandboxConfig,
    pub(super) examples: bool,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) manual: Option<Arc<ManualClock>>,
}

impl SandboxBuilder {
    /// Listen on `address` (default `127.0.0.1:0`: an ephemeral port).
    pub fn listen(mut self, address: impl Into<String>) -> Self {
        self.address = address.into();
        self
    }

    /// Credentials and behaviour (default [`SandboxConfig::default`]).
    pub fn config(mut self, config: SandboxConfig) -> Self {
        self.config = config;
        self
    }

    /// Seed the spec's examples, so every request example of the spec
    /// succeeds: the orders the examples name exist and are paid in full,
    /// and every wallet holds [`EXAMPLE_WALLET_BALANCE`](crate::sandbox::EXAMPLE_WALLET_BALANCE). Each operation's
    /// rustdoc example runs against it, and `aurpay sandbox --examples`
    /// serves it to clients in other languages.
    pub fn examples(mut self) -> Self {
        self.examples = true;
        self
    }

    /// Run on this clock (default the system's).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self.manual = None;
        self
    }

    /// Run on this manual clock, which [`Sandbox::advance`] and the HTTP
    /// control `POST /__sandbox/clock/advance` move.
    pub fn manual_clock(mut self, clock: Arc<ManualClock>) -> Self {
        self.clock = Arc::clone(&clock) as Arc<dyn Clock>;
        self.manual = Some(clock);
        self
    }

    /// Starts the sandbox.
    pub async fn start(self) -> Result<Sandbox, SandboxError> {
        let listener = tokio::net::TcpListener::bind(&self.address)
            .await
            .map_err(SandboxError::Listen)?;
        let addr = listener.local_addr().map_err(SandboxError::Listen)?;
        let shared = Arc::new(super::model::Shared::new(
            self.config,
            format!("http://{addr}"),
            self.clock,
            self.manual,
        ));
        if self.examples {
            super::seed::seed_examples(&shared);
        }
        let (shutdown, stopped) = tokio::sync::watch::channel(false);
        let app = super::server::router(Arc::clone(&shared));
        let mut serving = stopped.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = serving.wait_for(|stop| *stop).await;
                })
                .await;
        });
        // Orders expire on the clock even when nobody asks: once a second
        // of the sandbox's time, until it stops.
        let sweeper = Arc::downgrade(&shared);
        let clock = Arc::clone(&shared.clock);
        let mut sweeping = stopped;
        tokio::spawn(async move {
            loop {
                let stopping = std::pin::pin!(sweeping.wait_for(|stop| *stop));
                let tick = clock.sleep(Duration::from_secs(1));
                if let futures_util::future::Either::Left(_) =
                    futures_util::future::select(stopping, tick).await
                {
                    return;
                }
                match sweeper.upgrade() {
                    Some(shared) => shared.expire_due(),
                    None => return,
                }
            }
        });
        Ok(Sandbox {
            addr,
            shared,
            shutdown: Mutex::new(Some(shutdown)),
        })
    }
}
