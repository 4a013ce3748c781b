//! The one send path: attempts, bounded body reads, retries on the clock,
//! and what each attempt came to.

use super::hooks::{API_KEY, SIGNATURE, call_span};
use super::{BufferedAnswer, ClientContext};
use std::time::{Duration, Instant};

use reqwest::header::{LOCATION, RETRY_AFTER, USER_AGENT};
use tracing::Instrument as _;

use crate::call::{CallRecord, Failure, shape};
use crate::clock::Clock;
use crate::credentials::Scheme;
use crate::generated::Transport;
use crate::retry::{self, Retryable, Verdict};
use crate::signing;

impl Transport {
    /// The send path of a raw request ([`crate::raw`]): the same checks as
    /// the generated calls' `pre` hook, then the same retries, limits and
    /// span. `Err` is a request that was refused before sending.
    pub(crate) async fn send_raw(
        &self,
        mut request: reqwest::Request,
        idempotent: bool,
        operation_id: &'static str,
    ) -> Result<reqwest::Result<reqwest::Response>, String> {
        request
            .headers_mut()
            .insert(USER_AGENT, self.inner.user_agent.clone());
        if !self.inner.origin.contains(request.url()) {
            return Err("refusing to send a request outside the configured base URL".to_owned());
        }
        if self.inner.credentials.is_none() {
            return Err("no credentials: build the client with .credentials(..)".to_owned());
        }
        let span = call_span(operation_id, request.method().as_str(), &request);
        // Raw answers are decoded by `call::decode_raw`, without the
        // checked decoding: a raw money call's answers are scanned whole.
        let check = if idempotent {
            Check::Bounds
        } else {
            Check::Scan
        };
        let send = crate::call::pin_in_place(|| {
            self.execute_with_retries(request, idempotent, check, operation_id)
        });
        let answer = if span.is_disabled() {
            send.await
        } else {
            send.instrument(span).await
        };
        Ok(answer.map(BufferedAnswer::into_response))
    }
}

/// What the transport checks of an answer's JSON before handing it on
/// ([`crate::call::shape`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Check {
    /// A read: only a large answer, and only what it could decode into
    /// (its typed decoding refuses a repeated known field).
    Bounds,
    /// A call that moves money, decoded without the checked decoding (a
    /// raw request): every answer scanned whole.
    Scan,
    /// A generated call that moves money: its answers are decoded by
    /// `call::checked_response`, which scans what its typed decoding does
    /// not check. Scanned here only when large (what it could decode into)
    /// or not a success (read by `call::answer` when unlisted).
    InDecoding,
}

/// What one attempt came to. The body is always read here, inside the
/// retry loop and under the limits, never later by the generated code.
enum Attempt {
    /// A whole answer, its body buffered (at most the size limit).
    Answered {
        answer: BufferedAnswer,
        retry_after: Option<Duration>,
    },
    /// An answer the transport does not hand on (a redirect, a body over
    /// the size limit, an ambiguous or overly complex one): recorded for
    /// [`crate::call`], which reports it.
    Refused { status: u16, failure: Failure },
    /// No whole answer: connect failure, timeout (headers or body), a
    /// connection lost mid-answer.
    Failed(reqwest::Error),
}

impl Attempt {
    fn retryable(&self) -> Retryable {
        match self {
            Attempt::Failed(e) if e.is_connect() => Retryable::NothingSent,
            Attempt::Failed(_) => Retryable::Transient,
            Attempt::Answered { answer, .. } if retry::is_transient_status(answer.status()) => {
                Retryable::Transient
            }
            Attempt::Answered { .. } | Attempt::Refused { .. } => Retryable::Final,
        }
    }

    fn status(&self) -> Option<u16> {
        match self {
            Attempt::Answered { answer, .. } => Some(answer.status().as_u16()),
            Attempt::Refused { status, .. } => Some(*status),
            Attempt::Failed(_) => None,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            Attempt::Answered { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// What the generated code gets back. A refused answer is recorded for
    /// [`crate::call`] (the generated code only sees a reqwest result) and
    /// handed on as an empty answer, which never decodes as a success.
    fn into_hook_result(self, record: Option<&CallRecord>) -> reqwest::Result<BufferedAnswer> {
        let (status, failure) = match self {
            Attempt::Answered { answer, .. } => return Ok(answer),
            Attempt::Failed(error) => return Err(error),
            Attempt::Refused { status, failure } => (status, failure),
        };
        if let Some(record) = record {
            record.fail(failure);
        }
        let mut empty = http::Response::new(Vec::<u8>::new());
        *empty.status_mut() =
            reqwest::StatusCode::from_u16(status).unwrap_or(reqwest::StatusCode::BAD_GATEWAY);
        Ok(BufferedAnswer::new(empty.into(), bytes::Bytes::new()))
    }
}

/// One attempt: the request being sent (`sending`), then its answer read
/// whole ([`read_body`]) unless it is a redirect, which is never followed.
///
/// Not an `async fn`, for the reason given on [`Transport::execute_with_retries`].
#[allow(clippy::manual_async_fn)]
fn send_once(
    sending: impl Future<Output = reqwest::Result<reqwest::Response>> + Send,
    context: &ClientContext,
    check: Check,
    operation_id: &'static str,
) -> impl Future<Output = Attempt> + Send {
    async move {
        let response = match sending.await {
            Err(error) => return Attempt::Failed(error),
            Ok(response) => response,
        };
        let status = response.status();
        if !status.is_redirection() {
            return read_body(response, context, check, operation_id).await;
        }
        Attempt::Refused {
            status: status.as_u16(),
            failure: Failure::Redirect {
                status: status.as_u16(),
                // Kept whole (hyper bounds header sizes); masked, then
                // cut, when the error is built.
                location: response
                    .headers()
                    .get(LOCATION)
                    .map(|l| String::from_utf8_lossy(l.as_bytes()).into_owned()),
            },
        }
    }
}

/// Reads the whole body, stopping as soon as it passes the size limit (a
/// declared `Content-Length` above it is refused before reading anything),
/// checks its shape ([`crate::call::shape`]: the whole scan for a call that
/// moves money, a count of what it could hold for a read's large answer),
/// and hands back a response
/// that owns it. The attempt's timeout (the client's: reqwest's total
/// timeout) covers the body too.
///
/// Not an `async fn`, for the reason given on [`Transport::execute_with_retries`].
#[allow(clippy::manual_async_fn)]
fn read_body(
    mut response: reqwest::Response,
    context: &ClientContext,
    check: Check,
    operation_id: &'static str,
) -> impl Future<Output = Attempt> + Send {
    async move {
        let limit = context.max_response_bytes;
        let status = response.status();
        let too_large = || Attempt::Refused {
            status: status.as_u16(),
            failure: Failure::TooLarge {
                status: status.as_u16(),
                limit,
            },
        };
        if response
            .content_length()
            .is_some_and(|declared| declared > limit)
        {
            return too_large();
        }
        let retry_after = retry_after(&response, &*context.clock, context.retry.deadline_value());
        // The chunks as they come, joined once at the end into a buffer of the
        // exact size: memory is the body twice at most, never a doubling
        // buffer's spare room.
        // The first chunk is kept aside: most answers come in one, and need
        // no list.
        let mut first: Option<bytes::Bytes> = None;
        let mut chunks: Vec<bytes::Bytes> = Vec::new();
        let mut total: u64 = 0;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    total = total.saturating_add(chunk.len() as u64);
                    if total > limit {
                        return too_large();
                    }
                    match first.take() {
                        None if chunks.is_empty() => first = Some(chunk),
                        None => chunks.push(chunk),
                        Some(earlier) => {
                            chunks.push(earlier);
                            chunks.push(chunk);
                        }
                    }
                }
                Ok(None) => break,
                Err(error) => return Attempt::Failed(error),
            }
        }
        let body = match (first, chunks.len()) {
            (Some(only), _) => only,
            (None, 0) => bytes::Bytes::new(),
            (None, _) => {
                let mut joined = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
                for chunk in &chunks {
                    joined.extend_from_slice(chunk);
                }
                drop(chunks);
                bytes::Bytes::from(joined)
            }
        };
        let refused = |failure| Attempt::Refused {
            status: status.as_u16(),
            failure,
        };
        let too_complex = |reason| {
            let applied = matches!(crate::call::head(&body), crate::call::HeadSays::Success(_));
            refused(Failure::TooComplex {
                status: status.as_u16(),
                reason,
                applied,
            })
        };
        // A read's large answer: only what it could decode into is bounded
        // (its typed decoding refuses a repeated known field, as for a small
        // one); counted, not parsed, so a page costs the same per order
        // whatever its size.
        let large = body.len() > shape::SCAN_ABOVE_BYTES;
        if check == Check::Bounds && large && shape::values_at_most(&body) > shape::MAX_VALUES {
            return too_complex(shape::too_many_values());
        }
        let scan = match check {
            Check::Bounds => false,
            Check::Scan => true,
            Check::InDecoding => large || !status.is_success(),
        };
        if scan {
            match shape::scan(&body) {
                shape::Shape::Fine => {}
                shape::Shape::RepeatedKey(key) => {
                    return refused(Failure::RepeatedKey {
                        status: status.as_u16(),
                        key,
                    });
                }
                shape::Shape::TooComplex(reason) => return too_complex(reason),
            }
        }
        tracing::trace!(operation = operation_id, body = %crate::redact::snippet(&body), "response body");
        Attempt::Answered {
            answer: BufferedAnswer::new(response, body),
            retry_after,
        }
    }
}

impl Transport {
    /// Sends `request` under the retry policy: `idempotent` requests are
    /// retried on transient failures; `check` says what is checked of each
    /// answer's shape.
    ///
    /// Not an `async fn`: its arguments would be kept twice in the future
    /// (as given, and as the body's locals), and every layer above moves
    /// that future whole. The future keeps one request (the one to send)
    /// and the copy for another attempt.
    pub(super) fn execute_with_retries(
        &self,
        request: reqwest::Request,
        idempotent: bool,
        check: Check,
        operation_id: &'static str,
    ) -> impl Future<Output = reqwest::Result<BufferedAnswer>> + Send {
        let mut pending = request;
        async move {
            let context = &self.inner;
            let clock = &*context.clock;
            let started = clock.now();
            let record = crate::call::current_record();
            let mut attempt: u32 = 0;
            loop {
                attempt += 1;
                if let Some(record) = &record {
                    record.attempt(attempt);
                }
                // A copy is kept for another attempt; JSON bodies always clone.
                let spare = copy_of(&pending);
                self.authenticate(&mut pending, record.as_deref());
                if let Some(record) = &record {
                    record.client_secrets(&context.secrets);
                }
                let span = tracing::Span::current();
                let recording = !span.is_disabled();
                if recording {
                    span.record("attempt", attempt);
                }
                tracing::debug!(attempt, "sending");
                let sent_at = recording.then(Instant::now);
                let outcome =
                    send_once(self.client.execute(pending), context, check, operation_id).await;
                if let Some(sent_at) = sent_at {
                    if let Some(status) = outcome.status() {
                        span.record("status", status);
                    }
                    span.record("duration_ms", sent_at.elapsed().as_millis() as u64);
                }
                tracing::debug!(attempt, "attempt finished");
                if let (Some(status), Some(record)) = (outcome.status(), &record) {
                    record.response(status, outcome.retry_after());
                }
                let retryable = outcome.retryable();
                // Only a retry needs the time spent (and a clock reading).
                let elapsed = match retryable {
                    Retryable::Final => Duration::ZERO,
                    _ => crate::clock::elapsed_since(clock, &started),
                };
                let verdict = context.retry.verdict(
                    retryable,
                    idempotent,
                    attempt,
                    elapsed,
                    outcome.retry_after(),
                );
                let retry = match verdict {
                    Verdict::RetryAfter(delay) => spare.map(|spare| (delay, spare)),
                    Verdict::Return => None,
                };
                let Some((delay, spare)) = retry else {
                    if let Attempt::Failed(e) = &outcome {
                        tracing::debug!(attempt, error = %retry::describe(e), "failed");
                    }
                    return outcome.into_hook_result(record.as_deref());
                };
                // Neither the answer given up on nor the copy is kept
                // apart while waiting.
                drop(outcome);
                pending = spare;
                tracing::debug!(attempt, delay_ms = delay.as_millis() as u64, "retrying");
                clock.sleep(delay).await;
            }
        }
    }

    /// Adds the credentials: the `API-Key` header, or a fresh signature
    /// over the request exactly as it will be sent, kept in the call's
    /// `record` so that no output shows it. Only ever for the configured
    /// origin. (Nothing else puts a `Signature` header on a request: a raw
    /// request sets only its content type.)
    fn authenticate(&self, request: &mut reqwest::Request, record: Option<&CallRecord>) {
        if !self.inner.origin.contains(request.url()) {
            return;
        }
        match self.inner.credentials.as_ref().map(|c| &c.0) {
            None => {}
            Some(Scheme::ApiKey(key)) => {
                request.headers_mut().insert(API_KEY, key.clone());
            }
            Some(Scheme::Signature(key)) => {
                let now = self.inner.clock.now();
                if !signing::sign_request(request, key, &now) {
                    tracing::warn!("request body cannot be signed (streaming body)");
                } else if let (Some(record), Some(signature)) =
                    (record, request.headers().get(SIGNATURE))
                {
                    record.add_signature(signature);
                }
            }
        }
    }
}

/// A copy of `request` for another attempt (`None` for a streaming body).
/// Made of what the request holds, not by reqwest's `try_clone`, which
/// allocates an extensions map for every copy (to carry a per-request
/// timeout; the attempt's timeout is the client's, and nothing here puts
/// anything else in a request's extensions).
fn copy_of(request: &reqwest::Request) -> Option<reqwest::Request> {
    let body = match request.body() {
        Some(body) => Some(reqwest::Body::from(bytes::Bytes::copy_from_slice(
            body.as_bytes()?,
        ))),
        None => None,
    };
    let mut copy = reqwest::Request::new(request.method().clone(), request.url().clone());
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    *copy.body_mut() = body;
    Some(copy)
}

/// `Retry-After` as seconds or an HTTP date (against `clock`), at most
/// `cap` (the retry policy's deadline): a server asking for days, or for
/// `u64::MAX` seconds, is not a wait anyone should honour or pass on. A
/// value that is neither a number nor a date is ignored.
fn retry_after(response: &reqwest::Response, clock: &dyn Clock, cap: Duration) -> Option<Duration> {
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = if value.bytes().all(|b| b.is_ascii_digit()) && !value.is_empty() {
        // Digits only: seconds. Too many digits for a u64 is "very long".
        Duration::from_secs(value.parse::<u64>().unwrap_or(u64::MAX))
    } else {
        let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
        let now = clock.now().to_utc();
        (date.with_timezone(&chrono::Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO)
    };
    Some(wait.min(cap))
}
