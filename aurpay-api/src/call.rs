//! From a generated request builder to `Result<Data, Error>` in one call,
//! and streams over paged lists. Generic over the generated `Call` and
//! `Paginated` impls: nothing here names an operation.

use std::collections::VecDeque;
use std::future::Future;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::Stream;
use progenitor_client::ResponseValue;
use serde::de::DeserializeOwned;

use crate::envelope::{DataEnvelope, Envelope};
use crate::error::{Error, ErrorKind};
use crate::operation::sealed::{Page, Token};
use crate::operation::{Operation, Paginated};
use crate::redact::snippet;

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
    /// A failure the hooks saw that a reqwest result cannot carry.
    failure: Mutex<Option<Failure>>,
    /// The client's credentials and this call's signatures: masked in the
    /// errors of this call whatever the global registry holds.
    secrets: Mutex<Vec<String>>,
}

/// Bound on [`CallRecord`] secrets (credentials plus one signature per
/// attempt).
const MAX_CALL_SECRETS: usize = 64;

/// What the transport refused to hand on as an answer.
#[derive(Debug)]
pub(crate) enum Failure {
    Redirect {
        status: u16,
        location: Option<String>,
    },
    TooLarge {
        status: u16,
        limit: u64,
    },
}

impl CallRecord {
    pub(crate) fn attempt(&self, attempt: u32) {
        self.attempts.store(attempt, Ordering::Relaxed);
    }

    pub(crate) fn response(&self, status: u16, retry_after: Option<Duration>) {
        self.status.store(u32::from(status), Ordering::Relaxed);
        let encoded = retry_after.map_or(0, |d| {
            u64::try_from(d.as_millis())
                .unwrap_or(u64::MAX)
                .saturating_add(1)
        });
        self.retry_after_ms.store(encoded, Ordering::Relaxed);
    }

    pub(crate) fn add_secret(&self, secret: &str) {
        let mut secrets = self.secrets.lock().unwrap_or_else(|p| p.into_inner());
        if secrets.len() < MAX_CALL_SECRETS && !secrets.iter().any(|s| s == secret) {
            secrets.push(secret.to_owned());
        }
    }

    fn secrets(&self) -> Vec<String> {
        self.secrets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub(crate) fn fail(&self, failure: Failure) {
        *self.failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(failure);
    }

    fn take_failure(&self) -> Option<Failure> {
        self.failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
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

/// Runs `future` (a send) with `record` as the call's record.
pub(crate) async fn with_record<F: Future>(record: Arc<CallRecord>, future: F) -> F::Output {
    RECORD.scope(record, future).await
}

/// An Aurpay envelope around any `data` (for raw requests, which have no
/// generated envelope type).
#[derive(serde::Deserialize)]
struct RawEnvelope<T> {
    code: i64,
    message: Option<String>,
    msg: Option<String>,
    result: Option<bool>,
    data: Option<T>,
}

impl<T> crate::operation::sealed::Sealed for RawEnvelope<T> {}

impl<T> Envelope for RawEnvelope<T> {
    fn code(&self) -> i64 {
        self.code
    }

    fn message(&self) -> Option<&str> {
        self.message.as_deref().or(self.msg.as_deref())
    }

    fn result(&self) -> Option<bool> {
        self.result
    }
}

/// The answer of a raw request as `T` (the envelope's `data`) or the typed
/// error, by the same rules as a generated call.
pub(crate) async fn decode_raw<T: DeserializeOwned>(
    operation: Target,
    sent: reqwest::Result<reqwest::Response>,
    record: &CallRecord,
) -> Result<T, Error> {
    if let Some(error) = recorded_failure(operation, record) {
        return Err(error);
    }
    let response = sent.map_err(|e| transport_error(operation, e, record))?;
    let status = response.status().as_u16();
    let body = response
        .bytes()
        .await
        .map_err(|e| transport_error(operation, e, record))?;
    let generic = |reason: String| {
        body_error::<RawEnvelope<serde_json::Value>>(operation, status, &body, reason, record)
    };
    if !(200..300).contains(&status) {
        return Err(generic(format!("HTTP {status}")));
    }
    match serde_json::from_slice::<RawEnvelope<T>>(&body) {
        Ok(envelope) if !envelope.is_success() => {
            Err(envelope_error(operation, record, status, &envelope))
        }
        Ok(RawEnvelope {
            data: Some(data), ..
        }) => Ok(data),
        Ok(_) => without_data(operation, record, status),
        Err(error) => Err(generic(error.to_string())),
    }
}

pub(crate) fn current_record() -> Option<Arc<CallRecord>> {
    RECORD.try_with(Arc::clone).ok()
}

/// Sends one generated request (`sending`, progenitor's send of the
/// builder) with a fresh [`CallRecord`] and maps the result to `data` or the
/// typed error. The generated `Call` impls call this; nothing else does.
pub(crate) async fn send<E, B, F>(
    operation: &'static Operation,
    sending: F,
) -> Result<E::Data, Error>
where
    E: DataEnvelope,
    E::Data: DeserializeOwned,
    B: Envelope + DeserializeOwned,
    F: Future<Output = Result<ResponseValue<E>, progenitor_client::Error<B>>>,
{
    let record = Arc::new(CallRecord::default());
    let result = RECORD.scope(Arc::clone(&record), sending).await;
    into_data::<E, B>(Target::of(operation), result, &record).await
}

/// Who an error belongs to: the operation's id, and whether it moves money
/// (which decides retry safety). A generated operation, or a raw request.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Target {
    pub(crate) id: &'static str,
    pub(crate) moves_money: bool,
}

impl Target {
    fn of(operation: &Operation) -> Target {
        Target {
            id: operation.id,
            moves_money: operation.moves_money,
        }
    }
}

fn error_for(operation: Target, record: &CallRecord, kind: ErrorKind) -> Error {
    Error::new(
        kind.masked(&record.secrets()),
        operation.id,
        operation.moves_money,
    )
}

/// The error for an envelope whose `code` is not 0 (or `result` false).
fn envelope_error(
    operation: Target,
    record: &CallRecord,
    status: u16,
    envelope: &impl Envelope,
) -> Error {
    let message = envelope.message().unwrap_or_default().to_owned();
    let code = envelope.code();
    let kind = if code == 401 || status == 401 || status == 403 {
        ErrorKind::Authentication {
            status,
            code: Some(code),
            message,
        }
    } else {
        ErrorKind::Api {
            status,
            code,
            message,
        }
    };
    error_for(operation, record, kind)
}

/// The error for an answer that is not a decodable success: an error
/// status, or a body that is not the success envelope.
fn body_error<E: Envelope + DeserializeOwned>(
    operation: Target,
    status: u16,
    body: &[u8],
    reason: String,
    record: &CallRecord,
) -> Error {
    if !(200..300).contains(&status) && success_data(body).is_some() {
        return contradictory_success(operation, record, status);
    }
    if status == 429 {
        return error_for(
            operation,
            record,
            ErrorKind::RateLimited {
                retry_after: record.retry_after(),
            },
        );
    }
    // An error envelope under a body that did not decode as the success
    // type (e.g. `code: 1001` with `data: ""`) is still an API error.
    if let Ok(envelope) = serde_json::from_slice::<E>(body)
        && !envelope.is_success()
    {
        return envelope_error(operation, record, status, &envelope);
    }
    if status == 401 || status == 403 {
        return error_for(
            operation,
            record,
            ErrorKind::Authentication {
                status,
                code: None,
                message: snippet(body),
            },
        );
    }
    if (200..300).contains(&status) {
        // `code: 0`: Aurpay applied it; only `data` has an unexpected shape.
        if let Some(data) = success_data(body) {
            return error_for(
                operation,
                record,
                ErrorKind::UnexpectedData { status, reason },
            )
            .with_data(data);
        }
        return error_for(
            operation,
            record,
            ErrorKind::Undecodable {
                status,
                snippet: snippet(body),
                reason,
            },
        );
    }
    error_for(
        operation,
        record,
        ErrorKind::Http {
            status,
            snippet: snippet(body),
        },
    )
}

/// What the transport refused to hand on (a redirect, an oversized
/// answer): it wins over whatever was made of the empty answer handed on
/// instead.
fn recorded_failure(operation: Target, record: &CallRecord) -> Option<Error> {
    let kind = match record.take_failure()? {
        Failure::Redirect { status, location } => ErrorKind::Redirect { status, location },
        Failure::TooLarge { status, limit } => ErrorKind::ResponseTooLarge { status, limit },
    };
    Some(error_for(operation, record, kind))
}

/// A success envelope without `data`: fine for a type that accepts null or
/// an empty object (all fields optional); otherwise applied but unread.
fn without_data<T: DeserializeOwned>(
    operation: Target,
    record: &CallRecord,
    status: u16,
) -> Result<T, Error> {
    serde_json::from_value(serde_json::Value::Null)
        .or_else(|_| serde_json::from_value(serde_json::Value::Object(Default::default())))
        .map_err(|_| {
            error_for(
                operation,
                record,
                ErrorKind::UnexpectedData {
                    status,
                    reason: "success envelope without `data`".to_owned(),
                },
            )
            .with_data(serde_json::Value::Null)
        })
}

/// An error status over a success envelope: neither a refusal nor a
/// success, so the outcome is unknown (`code: 0` under an error status).
fn contradictory_success(operation: Target, record: &CallRecord, status: u16) -> Error {
    error_for(
        operation,
        record,
        ErrorKind::Api {
            status,
            code: 0,
            message: format!("HTTP {status} with a success envelope"),
        },
    )
}

/// The `data` of a body that is a success envelope (`code: 0`, `result`
/// not false), whatever `data`'s shape.
fn success_data(body: &[u8]) -> Option<serde_json::Value> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object()?;
    let code_is_zero = match object.get("code")? {
        serde_json::Value::Number(n) => n.as_i64() == Some(0),
        serde_json::Value::String(s) => s.trim() == "0",
        _ => false,
    };
    // `result` absent, null or `true`: anything else ("false", 0) is not
    // a success we can vouch for.
    let result_ok = matches!(
        object.get("result"),
        None | Some(serde_json::Value::Null | serde_json::Value::Bool(true))
    );
    (code_is_zero && result_ok).then(|| object.get("data").cloned().unwrap_or_default())
}

fn transport_error(operation: Target, error: reqwest::Error, record: &CallRecord) -> Error {
    let attempts = record.attempts();
    // A connection that never opened sent nothing; anything else may have
    // reached Aurpay.
    let kind = if error.is_connect() {
        ErrorKind::NotConnected { attempts }
    } else if error.is_timeout() {
        ErrorKind::Timeout { attempts }
    } else {
        ErrorKind::ConnectionLost { attempts }
    };
    // Without the URL: a raw request's query may carry a credential, and
    // `source()` is printed by error reporters that do not mask.
    error_for(operation, record, kind).with_source(error.without_url())
}

async fn into_data<E, B>(
    operation: Target,
    result: Result<ResponseValue<E>, progenitor_client::Error<B>>,
    record: &CallRecord,
) -> Result<E::Data, Error>
where
    E: DataEnvelope,
    E::Data: DeserializeOwned,
    B: Envelope + DeserializeOwned,
{
    use progenitor_client::Error as P;
    if let Some(error) = recorded_failure(operation, record) {
        return Err(error);
    }
    match result {
        Ok(response) => {
            let status = response.status().as_u16();
            let envelope = response.into_inner();
            if !envelope.is_success() {
                return Err(envelope_error(operation, record, status, &envelope));
            }
            match envelope.into_data() {
                Some(data) => Ok(data),
                None => without_data(operation, record, status),
            }
        }
        Err(P::ErrorResponse(response)) => {
            let status = response.status().as_u16();
            let envelope = response.into_inner();
            if envelope.is_success() {
                return Err(contradictory_success(operation, record, status));
            }
            if status == 429 {
                return Err(error_for(
                    operation,
                    record,
                    ErrorKind::RateLimited {
                        retry_after: record.retry_after(),
                    },
                ));
            }
            Err(envelope_error(operation, record, status, &envelope))
        }
        Err(P::InvalidResponsePayload(body, error)) => Err(body_error::<B>(
            operation,
            record.status(),
            &body,
            error.to_string(),
            record,
        )),
        Err(P::UnexpectedResponse(response)) => {
            let status = response.status().as_u16();
            match response.bytes().await {
                Ok(body) => Err(body_error::<B>(
                    operation,
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
        Err(P::InvalidRequest(message) | P::Custom(message)) => Err(error_for(
            operation,
            record,
            ErrorKind::InvalidRequest { message },
        )),
    }
}

/// Every item of every page of a paged list, one request per page, fetching
/// pages of `page_size` items as needed (the generated `items()` of each
/// paged builder). The stream ends after the last page (`max_page`), on an
/// empty page, on a server that does not advance, or at the first error
/// (which it yields).
pub(crate) fn items<B: Paginated>(
    builder: B,
    page_size: u64,
) -> impl Stream<Item = Result<B::Item, Error>> + Send {
    let state = PageState {
        builder,
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
                .with_page(page_number, Token(()))
                .with_page_size(state.size, Token(()));
            match request.send_call(Token(())).await {
                Err(error) => {
                    state.done = true;
                    return Some((Err(error), state));
                }
                Ok(data) => {
                    let Page {
                        page,
                        max_page,
                        items,
                    } = B::into_page(data, Token(()));
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

struct PageState<B: Paginated> {
    builder: B,
    next_page: u64,
    size: NonZeroU64,
    buffer: VecDeque<B::Item>,
    done: bool,
}
