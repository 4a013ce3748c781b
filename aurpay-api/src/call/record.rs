//! What the transport saw during one call, shared between the call and the
//! client's hooks through a task-local: the hooks can only return a reqwest
//! result, and progenitor drops the HTTP status of a body it cannot decode.

use std::future::Future;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use reqwest::header::HeaderValue;
use std::time::Duration;

/// One call's record (see the module docs). Its `Debug` leaves the
/// secrets and signatures out, so no log of it can show them.
#[derive(Default)]
pub(crate) struct CallRecord {
    attempts: AtomicU32,
    status: AtomicU32,
    /// `Retry-After` of the last response, in milliseconds, plus one (0 =
    /// none).
    retry_after_ms: AtomicU64,
    /// A failure the hooks saw that a reqwest result cannot carry.
    failure: Mutex<Option<Failure>>,
    /// The client's credentials' secret values (shared with the client)
    /// and this call's signatures as sent: masked in the errors of this
    /// call whatever the global registry holds. Kept as they are and only
    /// turned into text when an error is built. One lock for both: setting
    /// a `OnceLock` costs a synchronised initialisation on every call.
    sent_secrets: Mutex<SentSecrets>,
}

/// What [`CallRecord::secrets`] masks (see the field's docs).
#[derive(Default)]
struct SentSecrets {
    client: Option<Arc<Vec<String>>>,
    signatures: Vec<HeaderValue>,
}

impl std::fmt::Debug for CallRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallRecord")
            .field("attempts", &self.attempts)
            .field("status", &self.status)
            .field("retry_after_ms", &self.retry_after_ms)
            .field("failure", &self.failure)
            .finish_non_exhaustive()
    }
}

/// Bound on [`CallRecord`] signatures (one per attempt).
const MAX_CALL_SIGNATURES: usize = 64;

/// What the transport refused to hand on as an answer.
#[derive(Debug)]
pub(crate) enum Failure {
    /// A 3xx: never followed.
    Redirect {
        status: u16,
        location: Option<String>,
    },
    /// The body passed the size limit.
    TooLarge { status: u16, limit: u64 },
    /// An object repeats a key: which value counts depends on the parser.
    RepeatedKey { status: u16, key: String },
    /// More values, or deeper nesting, than decoding may take; `applied`
    /// when the envelope still says success (`code: 0`).
    TooComplex {
        status: u16,
        reason: String,
        applied: bool,
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

    /// The client's secret values, for every error of this call (the
    /// first attempt sets them; a call has one client).
    pub(crate) fn client_secrets(&self, secrets: &Arc<Vec<String>>) {
        let mut sent = self.sent_secrets();
        if sent.client.is_none() {
            sent.client = Some(Arc::clone(secrets));
        }
    }

    /// A signature this call sent.
    pub(crate) fn add_signature(&self, signature: &HeaderValue) {
        let mut sent = self.sent_secrets();
        if sent.signatures.len() < MAX_CALL_SIGNATURES && !sent.signatures.contains(signature) {
            sent.signatures.push(signature.clone());
        }
    }

    /// Every secret value an error of this call must mask.
    pub(crate) fn secrets(&self) -> Vec<String> {
        let sent = self.sent_secrets();
        sent.client
            .iter()
            .flat_map(|secrets| secrets.iter().cloned())
            .chain(
                sent.signatures
                    .iter()
                    .map(|s| String::from_utf8_lossy(s.as_bytes()).into_owned()),
            )
            .collect()
    }

    fn sent_secrets(&self) -> std::sync::MutexGuard<'_, SentSecrets> {
        self.sent_secrets.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn fail(&self, failure: Failure) {
        *self.failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(failure);
    }

    pub(crate) fn take_failure(&self) -> Option<Failure> {
        self.failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    pub(crate) fn attempts(&self) -> u32 {
        self.attempts.load(Ordering::Relaxed).max(1)
    }

    pub(crate) fn status(&self) -> u16 {
        self.status.load(Ordering::Relaxed) as u16
    }

    pub(crate) fn retry_after(&self) -> Option<Duration> {
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
pub(crate) fn with_record<F: Future>(
    record: Arc<CallRecord>,
    future: F,
) -> impl Future<Output = F::Output> {
    RECORD.scope(record, future)
}

/// The record of the call this task is making, if any.
pub(crate) fn current_record() -> Option<Arc<CallRecord>> {
    RECORD.try_with(Arc::clone).ok()
}
