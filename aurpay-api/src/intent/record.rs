//! An intent as the store keeps it (JSON), and what it says to users.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::spec::{IntentSpec, ResultId};
use super::{Intent, IntentStatus};
use crate::operation::sealed::Request;
use crate::processor::{RecordKind, Store, StoreError, Stored, Write};
use crate::{Operation, Timestamp};

/// Where an intent stands, as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RecordStatus {
    Sending,
    Unknown,
    Applied,
    NotApplied,
    Ambiguous,
}

/// One intent's record.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct IntentRecord {
    pub(crate) operation: String,
    /// Path and query parameters, as sent.
    pub(crate) params: Vec<(String, String)>,
    /// The JSON body, as sent.
    pub(crate) body: Option<String>,
    pub(crate) status: RecordStatus,
    /// Microseconds since the epoch, on the processor's clock.
    pub(crate) recorded_at: i64,
    /// When the call returned, if it did.
    pub(crate) answered_at: Option<i64>,
    /// Aurpay's `data` on success, JSON text.
    pub(crate) result: Option<String>,
    /// The order or transaction it made, once known.
    pub(crate) evidence: Option<String>,
    /// For an ambiguous intent, what could be it.
    #[serde(default)]
    pub(crate) candidates: Vec<String>,
    /// Why it was not applied.
    pub(crate) reason: Option<String>,
    /// How many times it was sent (a not-applied intent may be sent again).
    pub(crate) attempt: u32,
    /// Applied by Aurpay's own answer, but what it made was never found
    /// (its window long past): no longer looked for.
    #[serde(default)]
    pub(crate) search_ended: bool,
}

/// Writes `record` under `reference`, expecting `version`.
pub(crate) async fn put<S: Store>(
    store: &S,
    reference: &str,
    version: Option<u64>,
    record: &IntentRecord,
) -> Result<bool, StoreError> {
    let value = serde_json::to_string(record).map_err(StoreError::new)?;
    store
        .put(
            RecordKind::Intent,
            reference,
            Write::new(version, record.is_open(), &value),
        )
        .await
}

impl IntentRecord {
    pub(crate) fn sending(operation: &str, request: Request, now: &Timestamp) -> Self {
        IntentRecord {
            operation: operation.to_owned(),
            params: request
                .params
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect(),
            body: request.body,
            status: RecordStatus::Sending,
            recorded_at: now.unix_micros(),
            answered_at: None,
            result: None,
            evidence: None,
            candidates: Vec::new(),
            reason: None,
            attempt: 1,
            search_ended: false,
        }
    }

    /// This record as the next attempt of `previous` (not applied).
    pub(crate) fn retry_of(&self, previous: &IntentRecord) -> Self {
        IntentRecord {
            attempt: previous.attempt.saturating_add(1),
            ..self.clone()
        }
    }

    pub(crate) fn decode(stored: &Stored) -> Result<Self, StoreError> {
        serde_json::from_str(&stored.value).map_err(StoreError::new)
    }

    pub(crate) fn spec(&self) -> Option<&'static IntentSpec> {
        Operation::find(&self.operation).and_then(|op| op.intent)
    }

    pub(crate) fn applied(&mut self, result: Option<String>, at: &Timestamp) {
        self.status = RecordStatus::Applied;
        self.result = result;
        self.answered_at = Some(at.unix_micros());
    }

    pub(crate) fn not_applied(&mut self, reason: String, at: &Timestamp) {
        self.status = RecordStatus::NotApplied;
        self.reason = Some(reason);
        self.answered_at.get_or_insert(at.unix_micros());
    }

    pub(crate) fn unknown(&mut self, at: &Timestamp) {
        self.status = RecordStatus::Unknown;
        self.answered_at = Some(at.unix_micros());
    }

    /// Found: it made `evidence`.
    pub(crate) fn resolved(&mut self, evidence: String, _at: &Timestamp) {
        self.status = RecordStatus::Applied;
        self.evidence = Some(evidence);
        self.candidates.clear();
    }

    pub(crate) fn ambiguous(&mut self, candidates: Vec<String>) {
        self.status = RecordStatus::Ambiguous;
        self.candidates = candidates;
    }

    /// Settled: applied with what it made known, or not applied.
    pub(crate) fn is_settled(&self) -> bool {
        match self.status {
            RecordStatus::NotApplied => true,
            RecordStatus::Applied => {
                self.evidence.is_some() || self.search_ended || !self.evidence_findable()
            }
            _ => false,
        }
    }

    /// Whether its evidence can be looked for: the spec says where.
    fn evidence_findable(&self) -> bool {
        self.spec().is_some()
    }

    /// Still needs reconciliation's attention.
    pub(crate) fn is_open(&self) -> bool {
        !self.is_settled()
    }

    /// What a success answer names as the call's evidence.
    pub(crate) fn result_evidence(&self) -> Option<String> {
        let data: serde_json::Value = serde_json::from_str(self.result.as_deref()?).ok()?;
        let named = |field: &str| data.get(field)?.as_str().map(str::to_owned);
        match self.spec()?.result? {
            ResultId::OrderId(field) | ResultId::TxId(field) => named(field),
            ResultId::PayUrl(field) => {
                crate::checkout::order_id_from_pay_url(&named(field)?).map(str::to_owned)
            }
        }
        .filter(|id| !id.is_empty())
    }

    /// The intent as users see it, with `data` read from the recorded JSON
    /// text as `T` (exact: amounts keep their digits); `None` when Aurpay
    /// gave no data, or data of another shape.
    pub(crate) fn public<T: DeserializeOwned>(&self, reference: &str) -> Intent<T> {
        let status = match self.status {
            RecordStatus::Sending => IntentStatus::Sending,
            RecordStatus::Unknown => IntentStatus::Unknown,
            RecordStatus::Applied => IntentStatus::Applied,
            RecordStatus::NotApplied => IntentStatus::NotApplied {
                reason: self.reason.clone().unwrap_or_default(),
            },
            RecordStatus::Ambiguous => IntentStatus::Ambiguous {
                candidates: self.candidates.clone(),
            },
        };
        Intent {
            reference: reference.to_owned(),
            operation: self.operation.clone(),
            status,
            data: self
                .result
                .as_deref()
                .and_then(|text| serde_json::from_str(text).ok()),
            evidence: self.evidence.clone(),
            recorded_at: Timestamp::from_unix_micros(self.recorded_at),
        }
    }
}
