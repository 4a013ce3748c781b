//! What an answer means: every transport, HTTP and envelope result mapped
//! to `data` or the one [`Error`], with its [`Outcome`](crate::Outcome).
//!
//! The rules, in order: what the transport refused to hand on (a redirect,
//! an oversized or ambiguous answer) wins; then a decoded success envelope
//! is `data`; an error envelope is a refusal (or an authentication
//! failure), unless it contradicts itself; an answer that is not the
//! success envelope but whose envelope says `code: 0` is applied (its
//! `data` kept, bounded); anything else is unknown.

use serde::de::{self, DeserializeOwned, Deserializer};
use serde_json::value::RawValue;

use super::Target;
use super::record::{CallRecord, Failure};
use crate::envelope::{DataEnvelope, Envelope};
use crate::error::{Error, ErrorKind};
use crate::redact::snippet;

/// The largest `data` kept in an [`Error::data`] (as JSON text, before it
/// is parsed): an applied answer whose `data` is larger is reported
/// without it, saying so.
pub const MAX_KEPT_DATA_BYTES: usize = 64 * 1024;

pub(super) fn error_for(operation: Target, record: &CallRecord, kind: ErrorKind) -> Error {
    Error::new(
        kind.masked(&record.secrets()),
        operation.id,
        operation.moves_money,
    )
}

/// The error for an envelope that does not say success: `code` not 0, or
/// `result` false. An envelope that says both (`code` not 0 with `result:
/// true`) contradicts itself: ambiguous, never a refusal.
fn envelope_error(
    operation: Target,
    record: &CallRecord,
    status: u16,
    envelope: &impl Envelope,
) -> Error {
    let message = envelope.message().unwrap_or_default().to_owned();
    let code = envelope.code();
    if code != 0 && envelope.result() == Some(true) {
        return error_for(
            operation,
            record,
            ErrorKind::Ambiguous {
                status,
                reason: format!("the envelope says `code: {code}` and `result: true`"),
            },
        );
    }
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

/// `code` as an envelope carries it: a number, or digits in a string.
enum CodeField {
    Number(i64),
    Other,
}

impl<'de> serde::Deserialize<'de> for CodeField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CodeVisitor;
        impl<'v> de::Visitor<'v> for CodeVisitor {
            type Value = CodeField;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an envelope code")
            }
            fn visit_i64<E>(self, v: i64) -> Result<CodeField, E> {
                Ok(CodeField::Number(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<CodeField, E> {
                Ok(i64::try_from(v).map_or(CodeField::Other, CodeField::Number))
            }
            fn visit_str<E>(self, v: &str) -> Result<CodeField, E> {
                Ok(v.trim()
                    .parse::<i64>()
                    .map_or(CodeField::Other, CodeField::Number))
            }
            fn visit_f64<E>(self, _: f64) -> Result<CodeField, E> {
                Ok(CodeField::Other)
            }
            fn visit_bool<E>(self, _: bool) -> Result<CodeField, E> {
                Ok(CodeField::Other)
            }
            fn visit_unit<E>(self) -> Result<CodeField, E> {
                Ok(CodeField::Other)
            }
            fn visit_seq<A: de::SeqAccess<'v>>(self, mut seq: A) -> Result<CodeField, A::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(CodeField::Other)
            }
            fn visit_map<A: de::MapAccess<'v>>(self, mut map: A) -> Result<CodeField, A::Error> {
                while map
                    .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(CodeField::Other)
            }
        }
        deserializer.deserialize_any(CodeVisitor)
    }
}

/// The envelope's head, read strictly: a repeated `code`, `result` or
/// `data` fails it (serde refuses a duplicate field), so an answer whose
/// meaning depends on which duplicate a parser keeps is never taken for a
/// success. `data` is kept as raw text, never parsed here.
#[derive(serde::Deserialize)]
struct Head<'a> {
    code: CodeField,
    #[serde(default)]
    result: Option<serde_json::Value>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
}

/// What a body's envelope head says.
pub(crate) enum HeadSays<'a> {
    /// `code: 0` and `result` absent, null or true: a success, with its
    /// raw `data` (`None` when absent or null).
    Success(Option<&'a RawValue>),
    /// A readable envelope that is not a success.
    NotSuccess,
    /// No readable envelope head (not JSON, repeated keys, no `code`).
    Unreadable,
}

pub(crate) fn head(body: &[u8]) -> HeadSays<'_> {
    let Ok(head) = serde_json::from_slice::<Head<'_>>(body) else {
        return HeadSays::Unreadable;
    };
    let result_ok = matches!(
        head.result,
        None | Some(serde_json::Value::Null | serde_json::Value::Bool(true))
    );
    match head.code {
        CodeField::Number(0) if result_ok => {
            HeadSays::Success(head.data.filter(|raw| raw.get() != "null"))
        }
        _ => HeadSays::NotSuccess,
    }
}

/// `data` for [`Error::data`]: parsed when it is at most
/// [`MAX_KEPT_DATA_BYTES`] of JSON, else `None` (and the reason says so).
fn kept_data(raw: Option<&RawValue>) -> (Option<serde_json::Value>, Option<String>) {
    match raw {
        None => (Some(serde_json::Value::Null), None),
        Some(raw) if raw.get().len() > MAX_KEPT_DATA_BYTES => (
            None,
            Some(format!(
                "`data` ({} bytes of JSON) is larger than the {MAX_KEPT_DATA_BYTES} bytes an error keeps",
                raw.get().len()
            )),
        ),
        Some(raw) => (serde_json::from_str(raw.get()).ok(), None),
    }
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
    let head = head(body);
    let success = matches!(head, HeadSays::Success(_));
    if !(200..300).contains(&status) && success {
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
    if matches!(head, HeadSays::NotSuccess)
        && let Ok(envelope) = serde_json::from_slice::<E>(body)
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
    if (200..300).contains(&status)
        && let HeadSays::Success(raw) = head
    {
        // `code: 0`: Aurpay applied it; only `data` has an unexpected shape.
        let (data, too_large) = kept_data(raw);
        let reason = match too_large {
            Some(note) => format!("{reason}; {note}"),
            None => reason,
        };
        let error = error_for(
            operation,
            record,
            ErrorKind::UnexpectedData { status, reason },
        );
        return match data {
            Some(data) => error.with_data(data),
            None => error,
        };
    }
    if (200..300).contains(&status) {
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

/// What the transport refused to hand on (a redirect, an oversized or
/// ambiguous answer): it wins over whatever was made of the empty answer
/// handed on instead.
fn recorded_failure(operation: Target, record: &CallRecord) -> Option<Error> {
    let kind = match record.take_failure()? {
        Failure::Redirect { status, location } => ErrorKind::Redirect { status, location },
        Failure::TooLarge { status, limit } => ErrorKind::ResponseTooLarge { status, limit },
        Failure::RepeatedKey { status, key } => ErrorKind::Ambiguous {
            status,
            reason: format!(
                "the answer repeats the key `{key}` in one object: which value counts depends on the parser"
            ),
        },
        Failure::TooComplex {
            status,
            reason,
            applied: true,
        } => ErrorKind::UnexpectedData {
            status,
            reason: format!("{reason}; `data` was not decoded"),
        },
        Failure::TooComplex {
            status,
            reason,
            applied: false,
        } => ErrorKind::Undecodable {
            status,
            snippet: String::new(),
            reason,
        },
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

pub(super) fn transport_error(
    operation: Target,
    error: reqwest::Error,
    record: &CallRecord,
) -> Error {
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

/// The error of a call whose send ended without handing on an answer or a
/// transport error (not reached; see `call::send`): sent or not, Aurpay
/// may have acted.
pub(super) fn no_answer(operation: Target, record: &CallRecord) -> Error {
    let attempts = record.attempts();
    error_for(operation, record, ErrorKind::ConnectionLost { attempts })
}

/// A generated call's result as `data` or the typed error, but for an
/// answer with a status the spec does not list, whose body [`unexpected`]
/// reads. Not `async`: the result (the whole decoded answer) is never held
/// across an await, so the call's future stays small. By reference: a
/// success hands on only its `data`, and the decoded answer around it is
/// not moved (it is about a KiB).
pub(super) fn into_data<E, B>(
    operation: Target,
    result: &mut Result<progenitor_client::ResponseValue<E>, progenitor_client::Error<B>>,
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
    let response = match result {
        Ok(response) => response,
        // Rare: taken out whole, a placeholder (no allocation) left behind.
        Err(error) => {
            let error = std::mem::replace(error, P::Custom(String::new()));
            return error_into(operation, error, record);
        }
    };
    let status = response.status().as_u16();
    let envelope: &mut E = response;
    if !envelope.is_success() {
        return Err(envelope_error(operation, record, status, &*envelope));
    }
    match envelope.take_data() {
        Some(data) => Ok(data),
        None => without_data(operation, record, status),
    }
}

/// The typed error of a generated call that did not come to a decoded
/// answer of a listed status ([`into_data`]).
fn error_into<T, B>(
    operation: Target,
    error: progenitor_client::Error<B>,
    record: &CallRecord,
) -> Result<T, Error>
where
    B: Envelope + DeserializeOwned,
{
    use progenitor_client::Error as P;
    Err(match error {
        P::ErrorResponse(response) => {
            let status = response.status().as_u16();
            let envelope = response.into_inner();
            if envelope.is_success() {
                contradictory_success(operation, record, status)
            } else if status == 429 {
                error_for(
                    operation,
                    record,
                    ErrorKind::RateLimited {
                        retry_after: record.retry_after(),
                    },
                )
            } else {
                envelope_error(operation, record, status, &envelope)
            }
        }
        P::InvalidResponsePayload(body, error) => {
            body_error::<B>(operation, record.status(), &body, error.to_string(), record)
        }
        // Read by `unexpected` (`call::send`); here only if it was not.
        P::UnexpectedResponse(response) => error_for(
            operation,
            record,
            ErrorKind::Http {
                status: response.status().as_u16(),
                snippet: String::new(),
            },
        ),
        P::CommunicationError(error) | P::ResponseBodyError(error) | P::InvalidUpgrade(error) => {
            transport_error(operation, error, record)
        }
        P::InvalidRequest(message) | P::Custom(message) => {
            error_for(operation, record, ErrorKind::InvalidRequest { message })
        }
    })
}

/// The typed error for an answer with an HTTP status the spec does not
/// list, once its body is read.
pub(super) async fn unexpected<B: Envelope + DeserializeOwned>(
    operation: Target,
    response: reqwest::Response,
    record: &CallRecord,
) -> Error {
    if let Some(error) = recorded_failure(operation, record) {
        return error;
    }
    let status = response.status().as_u16();
    match super::whole_body(response).await {
        Ok(body) if operation.moves_money => {
            // A status the generated code does not decode: the transport
            // left a money call's small success answers to the checked
            // decoding, so the shape is checked here.
            super::checked::record_shape(&body, status, Some(record));
            match recorded_failure(operation, record) {
                Some(error) => error,
                None => body_error::<B>(
                    operation,
                    status,
                    &body,
                    format!("unexpected HTTP status {status}"),
                    record,
                ),
            }
        }
        Ok(body) => body_error::<B>(
            operation,
            status,
            &body,
            format!("unexpected HTTP status {status}"),
            record,
        ),
        Err(error) => transport_error(operation, error, record),
    }
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
    let body = super::whole_body(response)
        .await
        .map_err(|e| transport_error(operation, e, record))?;
    let generic = |reason: String| {
        body_error::<RawEnvelope<serde::de::IgnoredAny>>(operation, status, &body, reason, record)
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
