//! Callback delivery: signed GET or POST callbacks, retried with back-off
//! on the sandbox's clock until the receiver answers 200, and the faults a
//! receiver must survive (dropped, delayed, duplicated, held and released
//! out of order, redelivered).

use std::time::Duration;

use base64::Engine as _;
use hmac::{Hmac, Mac};

use super::errors::SandboxError;
use super::faults::Repeat;
use super::model::{Order, Shared};

/// What happens to the next callbacks the sandbox sends (for how many, see
/// [`Repeat`]): what a merchant's receiver must survive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallbackFault {
    /// Never sent. Recorded as a [`Delivery`] with no status and the error
    /// `"dropped"`, so a test can see it happened.
    Drop,
    /// Sent after this delay.
    Delay(Duration),
    /// Sent twice, concurrently, each with its own retries.
    Duplicate,
}

/// The order in which [`Sandbox::release_callbacks`](super::Sandbox::release_callbacks)
/// sends held callbacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Release {
    /// As they were produced.
    InOrder,
    /// Newest first: a receiver sees, say, the timeout callback before the
    /// paid one.
    Reversed,
}

/// One callback delivery attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Delivery {
    /// The order it reports.
    pub order_id: String,
    /// `true` for the paid callback, `false` for the timeout callback.
    pub paid: bool,
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The URL called.
    pub url: String,
    /// Attempt number, from 1.
    pub attempt: u32,
    /// The receiver's HTTP status, if it answered.
    pub status: Option<u16>,
    /// The transport error, if it did not.
    pub error: Option<String>,
}

impl Shared {
    /// Records a delivery attempt and wakes whoever waits for one.
    fn record_delivery(&self, delivery: Delivery) {
        let count = {
            let mut state = self.lock();
            state.deliveries.push(delivery);
            state.deliveries.len()
        };
        self.delivered.send_replace(count);
    }

    /// Waits until `done` answers something about every delivery attempt
    /// so far, at most `timeout` (real time): woken by each attempt, never
    /// polling.
    pub(crate) async fn wait_for_deliveries<T>(
        &self,
        timeout: Duration,
        done: impl Fn(&[Delivery]) -> Option<T>,
    ) -> Option<T> {
        let mut changed = self.delivered.subscribe();
        let wait = async {
            loop {
                if let Some(found) = done(&self.deliveries()) {
                    return Some(found);
                }
                if changed.changed().await.is_err() {
                    return None;
                }
            }
        };
        tokio::time::timeout(timeout, wait).await.ok().flatten()
    }

    /// Produces the order's callback: held, or sent in the background
    /// (subject to an injected callback fault).
    pub(crate) fn deliver(self: &std::sync::Arc<Self>, order: &Order, paid: bool) {
        let url = if paid {
            &order.callback_url
        } else {
            &order.timeout_callback
        };
        let Some(url) = url.clone() else { return };
        let callback = PendingCallback {
            order_id: order.order_id.clone(),
            paid,
            url,
            body: order
                .post_callback
                .then(|| super::orders::order_detail_json(order, &self.config.merchant_id)),
        };
        let mut state = self.lock();
        state.callbacks.push(callback.clone());
        if let Some(held) = &mut state.held {
            held.push(callback);
            return;
        }
        drop(state);
        self.send_callback(callback);
    }

    /// Sends a callback again, as produced (a fresh `Date` and signature).
    pub fn redeliver(
        self: &std::sync::Arc<Self>,
        order_id: &str,
        paid: bool,
    ) -> Result<(), SandboxError> {
        let callback = self
            .lock()
            .callbacks
            .iter()
            .rev()
            .find(|c| c.order_id == order_id && c.paid == paid)
            .cloned()
            .ok_or_else(|| SandboxError::NoSuchCallback(order_id.to_owned()))?;
        self.send_callback(callback);
        Ok(())
    }

    pub fn hold_callbacks(&self) {
        self.lock().held.get_or_insert_with(Vec::new);
    }

    /// Sends the held callbacks one after another (each finishes its
    /// retries before the next starts), and stops holding.
    pub fn release_callbacks(self: &std::sync::Arc<Self>, order: Release) {
        let Some(mut held) = self.lock().held.take() else {
            return;
        };
        if order == Release::Reversed {
            held.reverse();
        }
        let shared = std::sync::Arc::clone(self);
        tokio::spawn(async move {
            // One after another; an injected callback fault applies to
            // released callbacks as to any other.
            for callback in held {
                std::sync::Arc::clone(&shared).deliver_now(callback).await;
            }
        });
    }

    pub fn inject_callback_fault(&self, fault: CallbackFault, repeat: Repeat) {
        self.lock().callback_fault = match repeat.count() {
            Some(0) => None,
            remaining => Some((fault, remaining)),
        };
    }

    pub fn clear_callback_faults(&self) {
        self.lock().callback_fault = None;
    }

    fn take_callback_fault(&self) -> Option<CallbackFault> {
        let mut state = self.lock();
        let (fault, remaining) = state.callback_fault.as_mut()?;
        let fault = *fault;
        if let Some(left) = remaining {
            *left = left.saturating_sub(1);
            if *left == 0 {
                state.callback_fault = None;
            }
        }
        Some(fault)
    }

    fn send_callback(self: &std::sync::Arc<Self>, callback: PendingCallback) {
        let shared = std::sync::Arc::clone(self);
        tokio::spawn(async move { shared.deliver_now(callback).await });
    }

    /// Delivers one callback as an injected callback fault says: dropped,
    /// delayed, duplicated, or as is.
    async fn deliver_now(self: std::sync::Arc<Self>, callback: PendingCallback) {
        let shared = std::sync::Arc::clone(&self);
        match self.take_callback_fault() {
            Some(CallbackFault::Drop) => {
                let method = callback.method();
                self.record_delivery(Delivery {
                    order_id: callback.order_id,
                    paid: callback.paid,
                    method,
                    url: callback.url,
                    attempt: 1,
                    status: None,
                    error: Some("dropped".to_owned()),
                });
            }
            Some(CallbackFault::Delay(delay)) => {
                self.clock.sleep(delay).await;
                shared.attempts(callback).await;
            }
            Some(CallbackFault::Duplicate) => {
                let twin = std::sync::Arc::clone(&self);
                let copy = callback.clone();
                tokio::spawn(async move { twin.attempts(copy).await });
                shared.attempts(callback).await;
            }
            None => shared.attempts(callback).await,
        }
    }

    /// Delivers one callback, retrying with back-off on anything but 200,
    /// recording every attempt.
    async fn attempts(self: std::sync::Arc<Self>, callback: PendingCallback) {
        let mut backoff = self.config.callback_backoff;
        for attempt in 1..=self.config.callback_attempts.max(1) {
            let date = crate::signing::format_date(&self.clock.now());
            let signature = callback_signature(&self.config.callback_secret, &date, &callback.url);
            let request = match &callback.body {
                Some(body) => self
                    .http
                    .post(&callback.url)
                    .header("Content-Type", "application/json")
                    .body(body.clone()),
                None => self.http.get(&callback.url),
            }
            .header("Callback-Token", &self.config.callback_token)
            .header("Date", &date)
            .header("Signature", signature)
            .header("API-Key", &self.config.api_key);
            let outcome = request.send().await;
            let (status, error) = match &outcome {
                Ok(response) => (Some(response.status().as_u16()), None),
                Err(e) => (None, Some(crate::retry::describe(e))),
            };
            self.record_delivery(Delivery {
                order_id: callback.order_id.clone(),
                paid: callback.paid,
                method: callback.method(),
                url: callback.url.clone(),
                attempt,
                status,
                error,
            });
            if status == Some(200) || attempt == self.config.callback_attempts.max(1) {
                return;
            }
            // Aurpay retries "in a short time" (its schedule is UNKNOWN):
            // back-off on the sandbox's clock.
            self.clock.sleep(backoff).await;
            backoff = backoff.saturating_mul(2);
        }
    }
}

/// A callback as produced for an order: where it goes and what it carries.
#[derive(Clone, Debug)]
pub(crate) struct PendingCallback {
    pub order_id: String,
    pub paid: bool,
    pub url: String,
    /// The POST body, JSON text (exact digits).
    pub body: Option<String>,
}

impl PendingCallback {
    fn method(&self) -> &'static str {
        if self.body.is_some() { "POST" } else { "GET" }
    }
}

/// The sandbox's own callback signer (deliberately not the SDK's
/// `CallbackSigner`, so that the SDK's verifier is checked against a second
/// implementation): `Base64(HMAC-SHA256(secret, "{date} | {url}"))`.
fn callback_signature(secret: &str, date: &str, url: &str) -> String {
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(date.as_bytes());
    mac.update(b" | ");
    mac.update(url.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}
