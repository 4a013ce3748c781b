//! Delivering one callback as Aurpay would: to the order's own callback
//! URL rewritten onto the forward target (path and query kept; scheme,
//! host and port the target's), signed with the merchant's callback
//! credentials exactly as Aurpay signs (`Date | URL`), GET or POST with the
//! order as body, retried on anything but 200 with a bounded back-off on
//! the clock. Nothing is sent anywhere but the forward target: every URL
//! is checked against it before sending, redirects are never followed and
//! proxies never used.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::Failure;
use crate::callback::CallbackSigner;
use crate::clock::Clock;

/// The largest reply read from a receiver (its first line is printed).
const MAX_REPLY_BYTES: usize = 64 * 1024;
/// The most a reply's text is shown.
const MAX_REPLY_SHOWN: usize = 120;

/// Where callbacks go and how they are retried.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    /// Attempts per callback (Aurpay's count is UNKNOWN; the sandbox
    /// makes 5).
    pub(crate) attempts: u32,
    /// The first wait between attempts; doubles, up to `max_backoff`.
    pub(crate) backoff: Duration,
    pub(crate) max_backoff: Duration,
    /// How long one attempt may take, reply included.
    pub(crate) timeout: Duration,
    /// Sign the order's original URL instead of the URL called (for a
    /// receiver that rebuilds the URL from its public base URL).
    pub(crate) sign_original: bool,
}

/// One callback to deliver.
#[derive(Debug, Clone)]
pub(crate) struct Callback {
    pub(crate) order_id: String,
    pub(crate) event: super::journal::Event,
    /// The order's own callback URL, as Aurpay would call it.
    pub(crate) url: String,
    /// For a POST callback: the order as JSON text.
    pub(crate) body: Option<String>,
}

impl Callback {
    pub(crate) fn method(&self) -> &'static str {
        if self.body.is_some() { "POST" } else { "GET" }
    }
}

/// What became of a delivery.
#[derive(Debug, Clone)]
pub(crate) struct Delivered {
    /// The URL called.
    pub(crate) sent_to: String,
    /// The receiver's last status, if it answered.
    pub(crate) answer: Option<u16>,
    /// Why the last attempt failed, if it did not answer.
    pub(crate) error: Option<String>,
    pub(crate) attempts: u32,
}

impl Delivered {
    pub(crate) fn accepted(&self) -> bool {
        self.answer == Some(200)
    }
}

/// Delivers callbacks to one forward target.
#[derive(Debug, Clone)]
pub(crate) struct Forwarder {
    target: reqwest::Url,
    http: reqwest::Client,
    signer: CallbackSigner,
    clock: Arc<dyn Clock>,
    policy: Policy,
}

/// `localhost:4242/cb` -> `http://localhost:4242/cb`: a forward target
/// may leave out the scheme, as with `stripe listen`.
pub(crate) fn parse_target(text: &str) -> Result<reqwest::Url, Failure> {
    let text = text.trim();
    let with_scheme = if text.contains("://") {
        text.to_owned()
    } else {
        format!("http://{text}")
    };
    let url = reqwest::Url::parse(&with_scheme)
        .map_err(|e| Failure::usage(format!("--forward-to {text:?} is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https")
        || url.host().is_none()
        || !url.username().is_empty()
        || url.password().is_some()
        || url.fragment().is_some()
    {
        return Err(Failure::usage(format!(
            "--forward-to {text:?} must be http(s)://host[:port][/path], without user name or fragment"
        )));
    }
    Ok(url)
}

impl Forwarder {
    pub(crate) fn new(
        target: reqwest::Url,
        signer: CallbackSigner,
        clock: Arc<dyn Clock>,
        policy: Policy,
    ) -> Result<Forwarder, Failure> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout)
            .build()
            .map_err(|e| Failure::failed(format!("cannot build the HTTP client: {e}")))?;
        Ok(Forwarder {
            target,
            http,
            signer,
            clock,
            policy,
        })
    }

    pub(crate) fn target(&self) -> &reqwest::Url {
        &self.target
    }

    /// `url` on the forward target: its path and query, the target's
    /// scheme, host and port. Refused unless the result is on the target.
    pub(crate) fn rewrite(&self, url: &str) -> Result<reqwest::Url, Failure> {
        let original = reqwest::Url::parse(url)
            .map_err(|e| Failure::failed(format!("callback URL {url:?} is not a URL: {e}")))?;
        let mut rewritten = self.target.clone();
        rewritten.set_path(original.path());
        rewritten.set_query(original.query());
        rewritten.set_fragment(None);
        if rewritten.origin() != self.target.origin() {
            return Err(Failure::failed(format!(
                "refused: {rewritten} is not on the forward target {}",
                self.target
            )));
        }
        Ok(rewritten)
    }

    /// Delivers `callback` to `to` (on the target: checked), reporting
    /// every attempt through `report`; retries anything but 200.
    pub(crate) async fn deliver(
        &self,
        callback: &Callback,
        to: &reqwest::Url,
        mut report: impl FnMut(&Attempt<'_>),
    ) -> Delivered {
        let mut delivered = Delivered {
            sent_to: to.to_string(),
            answer: None,
            error: None,
            attempts: 0,
        };
        if to.origin() != self.target.origin() {
            delivered.error = Some(format!(
                "refused: not on the forward target {}",
                self.target
            ));
            return delivered;
        }
        let signed = if self.policy.sign_original {
            callback.url.clone()
        } else {
            to.to_string()
        };
        let mut backoff = self.policy.backoff;
        let attempts = self.policy.attempts.max(1);
        for attempt in 1..=attempts {
            let headers = self.signer.headers(&signed, &self.clock.now());
            let request = match &callback.body {
                Some(body) => self
                    .http
                    .post(to.clone())
                    .header("Content-Type", "application/json")
                    .body(body.clone()),
                None => self.http.get(to.clone()),
            }
            .headers(headers);
            let started = Instant::now();
            let (answer, reply, error) = match request.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    (Some(status), read_reply(response).await, None)
                }
                Err(e) => (None, String::new(), Some(crate::retry::describe(&e))),
            };
            report(&Attempt {
                callback,
                to,
                attempt,
                attempts,
                answer,
                reply: &reply,
                error: error.as_deref(),
                elapsed: started.elapsed(),
            });
            delivered.answer = answer;
            delivered.error = error;
            delivered.attempts = attempt;
            if answer == Some(200) || attempt == attempts {
                break;
            }
            self.clock.sleep(backoff).await;
            backoff = backoff.saturating_mul(2).min(self.policy.max_backoff);
        }
        delivered
    }
}

/// The start of a receiver's reply, on one line.
async fn read_reply(mut response: reqwest::Response) -> String {
    let mut body = Vec::new();
    while body.len() < MAX_REPLY_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&body);
    let line: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(MAX_REPLY_SHOWN)
        .collect();
    crate::redact::text(&line)
}

/// One attempt, for printing.
#[derive(Debug)]
pub(crate) struct Attempt<'a> {
    pub(crate) callback: &'a Callback,
    pub(crate) to: &'a reqwest::Url,
    pub(crate) attempt: u32,
    pub(crate) attempts: u32,
    pub(crate) answer: Option<u16>,
    pub(crate) reply: &'a str,
    pub(crate) error: Option<&'a str>,
    pub(crate) elapsed: Duration,
}

impl std::fmt::Display for Attempt<'_> {
    /// `delivery order=.. event=paid GET http://.. attempt=1/5 -> 200 "ok" (3 ms)`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "delivery order={} event={} {} {} attempt={}/{} -> ",
            self.callback.order_id,
            self.callback.event.as_str(),
            self.callback.method(),
            self.to,
            self.attempt,
            self.attempts
        )?;
        match (self.answer, self.error) {
            (Some(status), _) => write!(f, "{status} {:?}", self.reply)?,
            (None, Some(error)) => write!(f, "no answer: {error}")?,
            (None, None) => f.write_str("no answer")?,
        }
        write!(f, " ({} ms)", self.elapsed.as_millis())
    }
}
