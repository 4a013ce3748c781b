//! From a generated request builder to `Result<Data, Error>` in one call,
//! and streams over paged lists. Generic over the generated `Call` and
//! `Paginated` impls: nothing here names an operation.

use std::collections::VecDeque;
use std::future::Future;
use std::num::NonZeroU64;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use futures_util::Stream;
use progenitor_client::ResponseValue;
use serde::de::DeserializeOwned;

use crate::envelope::{DataEnvelope, Envelope};
use crate::error::{Error, OutcomeUnknownCause, snippet};
use crate::operation::{Call, Operation, Page, Paginated};

/// What the transport saw during one call, shared between the call and the
/// client's hooks through a task-local: the hooks cannot return it, and
/// progenitor drops the HTTP status of a body it cannot decode.
#[derive(Debug, Default)]
pub(crate) struct CallRecord {
    attempts: AtomicU32,
    status: AtomicU32,
    /// `Retry-After` of the last response, in milliseconds, plus one (0 =
    /// none).
    retry_after_ms: AtomicU64,
}

impl CallRecord {
    pub(crate) fn attempt(&self, attempt: u32) {
        self.attempts.store(attempt, Ordering::Relaxed);
    }

    pub(crate) fn response(&self, status: u16, retry_after: Option<Duration>) {
        self.status.store(u32::from(status), Ordering::Relaxed);
        let encoded = retry_after.map_or(0, |d| (d.as_millis() as u64).saturating_add(1));
        self.retry_after_ms.store(encoded, Ordering::Relaxed);
    }

    fn attempts(&self) -> u32 {
        self.attempts.load(Ordering::Relaxed).max(1)
    }

    fn status(&self) -> u16 {
        self.status.load(Ordering::Relaxed) as u16
    }

    fn retry_after(&self) -> Option<Duration> {
        match self.retry_after_ms.load(Ordering::Relaxed) {
            0 => None,
            ms => Some(Duration::from_millis(ms - 1)),
        }
    }
}

tokio::task_local! {
    static RECORD: Arc<CallRecord>;
}

pub(crate) fn current_record() -> Option<Arc<CallRecord>> {
    RECORD.try_with(Arc::clone).ok()
}

/// Logs the response body at trace level (truncated, secrets masked), then
/// hands the response on unchanged.
pub(crate) async fn trace_body(
    outcome: reqwest::Result<reqwest::Response>,
    operation_id: &'static str,
) -> reqwest::Result<reqwest::Response> {
    if !tracing::enabled!(tracing::Level::TRACE) {
        return outcome;
    }
    let response = outcome?;
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    let body = response.bytes().await?;
    tracing::trace!(operation = operation_id, body = %snippet(&body), "response body");
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    Ok(reqwest::Response::from(rebuilt))
}

/// Turns a generated request builder into `Result<Data, Error>`.
///
/// ```no_run
/// use aurpay_api::{CallExt, Client};
///
/// # async fn run() -> Result<(), aurpay_api::Error> {
/// let client = Client::from_env()?;
/// let order = client.get_orders_details().order_id("20250207040935220628").call().await?;
/// println!("{} is {}", order.order_id, order.status);
/// # Ok(()) }
/// ```
pub trait CallExt: Call {
    /// Sends the request (with authentication, signing and the retry
    /// policy) and returns the envelope's `data`, or the typed error.
    fn call(
        self,
    ) -> impl Future<Output = Result<<Self::Envelope as DataEnvelope>::Data, Error>> + Send;
}

impl<C> CallExt for C
where
    C: Call + Send,
    C::Envelope: Send,
    <C::Envelope as DataEnvelope>::Data: DeserializeOwned + Send,
    C::ErrorBody: DeserializeOwned + Send,
{
    async fn call(self) -> Result<<C::Envelope as DataEnvelope>::Data, Error> {
        let record = Arc::new(CallRecord::default());
        let result = RECORD.scope(Arc::clone(&record), self.send()).await;
        into_data::<C>(result, &record).await
    }
}

fn operation_of<C: Call>() -> &'static Operation {
    C::OPERATION
}

/// The error for an envelope whose `code` is not 0 (or `result` false).
fn envelope_error(operation: &'static str, status: u16, envelope: &impl Envelope) -> Error {
    let message = envelope.message().unwrap_or_default().to_owned();
    let code = envelope.code();
    if code == 401 || status == 401 || status == 403 {
        Error::Authentication {
            operation,
            status,
            code: Some(code),
            message,
        }
    } else {
        Error::Api {
            operation,
            status,
            code,
            message,
        }
    }
}

/// The error for an HTTP error status or an undecodable body.
fn body_error<C: Call>(status: u16, body: &[u8], reason: String, record: &CallRecord) -> Error
where
    C::ErrorBody: DeserializeOwned,
{
    let operation = operation_of::<C>().id;
    if status == 429 {
        return Error::RateLimited {
            operation,
            retry_after: record.retry_after(),
        };
    }
    // An error envelope under a body that did not decode as the success
    // type (e.g. `code: 1001` with `data: ""`) is still an API error.
    if let Ok(envelope) = serde_json::from_slice::<C::ErrorBody>(body)
        && !envelope.is_success()
    {
        return envelope_error(operation, status, &envelope);
    }
    if status == 401 || status == 403 {
        return Error::Authentication {
            operation,
            status,
            code: None,
            message: snippet(body),
        };
    }
    Error::Undecodable {
        operation,
        status,
        snippet: snippet(body),
        reason,
    }
}

fn transport_error(
    operation: &'static Operation,
    error: reqwest::Error,
    record: &CallRecord,
) -> Error {
    let attempts = record.attempts();
    let id = operation.id;
    // A connection that never opened sent nothing; otherwise a request
    // that moves money may have reached Aurpay.
    if operation.moves_money && !error.is_connect() {
        let cause = if error.is_timeout() {
            OutcomeUnknownCause::TimedOut
        } else {
            OutcomeUnknownCause::ConnectionLost
        };
        return Error::OutcomeUnknown {
            operation: id,
            cause,
            source: error,
        };
    }
    if error.is_timeout() {
        Error::Timeout {
            operation: id,
            attempts,
        }
    } else {
        Error::Transport {
            operation: id,
            attempts,
            source: error,
        }
    }
}

async fn into_data<C>(
    result: Result<ResponseValue<C::Envelope>, progenitor_client::Error<C::ErrorBody>>,
    record: &CallRecord,
) -> Result<<C::Envelope as DataEnvelope>::Data, Error>
where
    C: Call,
    <C::Envelope as DataEnvelope>::Data: DeserializeOwned,
    C::ErrorBody: DeserializeOwned,
{
    use progenitor_client::Error as P;
    let operation = operation_of::<C>();
    match result {
        Ok(response) => {
            let status = response.status().as_u16();
            let envelope = response.into_inner();
            if !envelope.is_success() {
                return Err(envelope_error(operation.id, status, &envelope));
            }
            match envelope.into_data() {
                Some(data) => Ok(data),
                // No `data` on success: fine for types whose fields are all
                // optional (an empty object), an error otherwise.
                None => serde_json::from_value(serde_json::Value::Object(Default::default()))
                    .map_err(|_| Error::Undecodable {
                        operation: operation.id,
                        status,
                        snippet: String::new(),
                        reason: "success envelope without `data`".to_owned(),
                    }),
            }
        }
        Err(P::ErrorResponse(response)) => {
            let status = response.status().as_u16();
            if status == 429 {
                return Err(Error::RateLimited {
                    operation: operation.id,
                    retry_after: record.retry_after(),
                });
            }
            let envelope = response.into_inner();
            if envelope.is_success() && status != 401 && status != 403 {
                // An error status with a "success" envelope: report the status.
                return Err(Error::Api {
                    operation: operation.id,
                    status,
                    code: envelope.code(),
                    message: envelope.message().unwrap_or("HTTP error").to_owned(),
                });
            }
            Err(envelope_error(operation.id, status, &envelope))
        }
        Err(P::InvalidResponsePayload(body, error)) => Err(body_error::<C>(
            record.status(),
            &body,
            error.to_string(),
            record,
        )),
        Err(P::UnexpectedResponse(response)) => {
            let status = response.status().as_u16();
            match response.bytes().await {
                Ok(body) => Err(body_error::<C>(
                    status,
                    &body,
                    format!("unexpected HTTP status {status}"),
                    record,
                )),
                Err(error) => Err(transport_error(operation, error, record)),
            }
        }
        Err(
            P::CommunicationError(error) | P::ResponseBodyError(error) | P::InvalidUpgrade(error),
        ) => Err(transport_error(operation, error, record)),
        Err(P::InvalidRequest(message) | P::Custom(message)) => Err(Error::InvalidRequest {
            operation: operation.id,
            message,
        }),
    }
}

/// Streams every item of every page of a paged list (Get Orders, Get
/// Transaction), one request per page, stopping after `max_page`.
///
/// ```no_run
/// use aurpay_api::{Client, PaginatedExt};
/// use futures_util::TryStreamExt;
///
/// # async fn run() -> Result<(), aurpay_api::Error> {
/// let client = Client::from_env()?;
/// let orders: Vec<_> = client.get_orders().items(50).try_collect().await?;
/// # Ok(()) }
/// ```
pub trait PaginatedExt: Paginated {
    /// Every item, fetching pages of `page_size` items as needed. The stream
    /// ends after the page numbered `max_page`, or on an empty page, or at
    /// the first error (which it yields).
    fn items(self, page_size: u64) -> impl Stream<Item = Result<Self::Item, Error>> + Send;
}

struct PageState<B: Paginated> {
    builder: B,
    next_page: u64,
    size: NonZeroU64,
    buffer: VecDeque<B::Item>,
    done: bool,
}

impl<B> PaginatedExt for B
where
    B: Paginated + CallExt + Clone + Send,
    B::Item: Send,
{
    fn items(self, page_size: u64) -> impl Stream<Item = Result<B::Item, Error>> + Send {
        let state = PageState {
            builder: self,
            next_page: 1,
            size: NonZeroU64::new(page_size).unwrap_or(NonZeroU64::MIN),
            buffer: VecDeque::new(),
            done: false,
        };
        futures_util::stream::unfold(state, |mut state| async move {
            loop {
                if let Some(item) = state.buffer.pop_front() {
                    return Some((Ok(item), state));
                }
                if state.done {
                    return None;
                }
                let page_number = NonZeroU64::new(state.next_page).unwrap_or(NonZeroU64::MIN);
                let request = state
                    .builder
                    .clone()
                    .with_page(page_number)
                    .with_page_size(state.size);
                match request.call().await {
                    Err(error) => {
                        state.done = true;
                        return Some((Err(error), state));
                    }
                    Ok(data) => {
                        let Page {
                            page,
                            max_page,
                            items,
                            ..
                        } = B::into_page(data);
                        // Stop on the last page, an empty page, or a server
                        // that does not advance (never loop forever).
                        let last = items.is_empty()
                            || page >= max_page
                            || u64::try_from(page).ok() != Some(state.next_page);
                        state.done = last;
                        state.next_page += 1;
                        state.buffer.extend(items);
                    }
                }
            }
        })
    }
}
