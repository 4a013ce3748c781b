//! The intent journal: every call that moves money, recorded under the
//! merchant's reference before it is sent, sent at most once, and settled
//! from Aurpay's own state when its outcome is unknown.
//!
//! * [`Processor::submit`] records the intent, sends the call, and records
//!   what came back. A second submit under the same reference returns what
//!   is recorded and sends nothing (unless the first was definitely not
//!   applied: refused, never sent, or found never to have happened).
//! * [`Processor::reconcile`](crate::processor::Processor::reconcile)
//!   settles every intent still open ([`resolve`]): it looks for what the
//!   call did where the spec's `x-aurpay-intent` says it appears, matching
//!   the listed fields against the request's values, within the window the
//!   call was in flight.
//! * [`Processor::settle`] is for a person: the decision on an ambiguous
//!   intent.

mod record;
mod resolve;
pub(crate) mod spec;
mod values;

use std::time::Duration;

use serde::de::DeserializeOwned;

pub(crate) use record::IntentRecord;
use record::RecordStatus;

use crate::operation::MovesMoney;
use crate::operation::sealed::Token;
use crate::processor::claim::{self, Linked};
use crate::processor::{ProcessError, Processor, RecordKind, Store, StoreError, Write};
use crate::{Outcome, Timestamp};

/// Where a money call stands.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IntentStatus {
    /// Recorded and being sent (or its sender died while sending: once the
    /// call can no longer be in flight, it is settled like an unknown one).
    Sending,
    /// Sent, with no definite answer: [`Processor::reconcile`] settles it
    /// from Aurpay's state.
    Unknown,
    /// Aurpay acted: it said so, or what the call made was found.
    Applied,
    /// Aurpay did not act: it refused, the call never left, or nothing it
    /// made was found well after it could have been. A new submit under
    /// the same reference sends it again.
    NotApplied {
        /// Why (Aurpay's refusal, or that nothing was found), masked.
        reason: String,
    },
    /// More than one thing in Aurpay's state could be what the call did
    /// (or another call like it is unsettled too): nothing is decided until
    /// a person looks ([`Processor::settle`]).
    Ambiguous {
        /// The candidates' ids (orders or transactions).
        candidates: Vec<String>,
    },
}

impl IntentStatus {
    /// Whether nothing more will happen to the intent on its own.
    pub fn is_settled(&self) -> bool {
        matches!(
            self,
            IntentStatus::Applied | IntentStatus::NotApplied { .. }
        )
    }
}

/// A money call as the journal has it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Intent<T = serde_json::Value> {
    /// The merchant's reference it is recorded under.
    pub reference: String,
    /// The operation (`get_payment_info`, `orders_refund`, ...).
    pub operation: String,
    /// Where it stands.
    pub status: IntentStatus,
    /// Aurpay's `data`, when it answered success.
    pub data: Option<T>,
    /// What it made in Aurpay's state: the order id (creates) or the
    /// transaction id (refunds, withdrawals), once known.
    pub evidence: Option<String>,
    /// When it was recorded, on the processor's clock.
    pub recorded_at: Timestamp,
}

/// A person's decision on an intent ([`Processor::settle`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Settlement {
    /// It was applied: it made this order (a create: the reference is
    /// linked to it) or transaction.
    Applied {
        /// The order or transaction id.
        evidence: String,
    },
    /// It was not applied.
    NotApplied,
}

/// How long the journal waits before deciding from Aurpay's state.
#[derive(Clone, Debug)]
pub(crate) struct IntentPolicy {
    /// How long a call may still be in flight after it was recorded.
    pub(crate) in_flight: Duration,
    /// How far Aurpay's clock may be from ours.
    pub(crate) skew: Duration,
    /// How long after its window nothing found means never applied.
    pub(crate) settle_after: Duration,
    /// The most open intents one pass looks at.
    pub(crate) max_per_pass: usize,
}

impl Default for IntentPolicy {
    fn default() -> Self {
        IntentPolicy {
            in_flight: Duration::from_secs(120),
            skew: Duration::from_secs(120),
            settle_after: Duration::from_secs(15 * 60),
            max_per_pass: 1_000,
        }
    }
}

impl<S: Store> Processor<S> {
    /// Makes a call that moves money as an intent under `reference` (your
    /// own id for it, such as a cart or refund id: at most 128 bytes):
    /// recorded before it is sent, sent at most once, and, when Aurpay's
    /// answer does not say what happened, settled by
    /// [`reconcile`](Self::reconcile) from Aurpay's own state.
    ///
    /// A create that Aurpay answers links `reference` to the new order, so
    /// the order's callbacks bind. Submitting again under the same
    /// reference returns what is recorded and sends nothing, unless the
    /// intent was not applied (then it is sent again).
    ///
    /// ```
    /// use aurpay_api::processor::{IntentStatus, MemoryStore, Processor};
    /// use aurpay_api::{Amount, types};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sandbox = aurpay_api::sandbox::Sandbox::builder().start().await?;
    /// # let client = sandbox.client()?;
    /// let processor = Processor::new(client.clone(), MemoryStore::new());
    /// let create = || {
    ///     client.create_bln_order().body(
    ///         types::BlnOrderRequest::builder().price(Amount::from(20)).currency("USD"),
    ///     )
    /// };
    /// let first = processor.submit("cart-1", create()).await?;
    /// assert_eq!(first.status, IntentStatus::Applied);
    /// let order_id = first.data.unwrap().order_id;
    /// assert_eq!(processor.order_of("cart-1").await?.as_deref(), Some(order_id.as_str()));
    /// // The same cart again: nothing is sent, the same order comes back.
    /// let again = processor.submit("cart-1", create()).await?;
    /// assert_eq!(again.evidence.as_deref(), Some(order_id.as_str()));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn submit<B>(&self, reference: &str, call: B) -> Result<Intent<B::Data>, ProcessError>
    where
        B: MovesMoney,
        B::Data: serde::Serialize + DeserializeOwned,
    {
        let operation = B::OPERATION;
        let invalid = |message: String| {
            ProcessError::Aurpay(crate::Error::new(
                crate::ErrorKind::InvalidRequest { message },
                operation.id,
                true,
            ))
        };
        if reference.is_empty() || reference.len() > crate::callback::MAX_REFERENCE_LEN {
            return Err(invalid(format!(
                "an intent's reference must be 1 to {} bytes",
                crate::callback::MAX_REFERENCE_LEN
            )));
        }
        let request = call.request(Token(())).map_err(invalid)?;
        let now = self.clock.now();
        let record = IntentRecord::sending(operation.id, request, &now);
        // Recorded before anything is sent; an intent already recorded
        // under this reference is never sent again, unless it was not
        // applied.
        let version = loop {
            match self.store.get(RecordKind::Intent, reference).await? {
                None => {
                    if record::put(&self.store, reference, None, &record).await? {
                        break 1;
                    }
                }
                Some(stored) => {
                    let existing = IntentRecord::decode(&stored)?;
                    if !matches!(existing.status, RecordStatus::NotApplied) {
                        return Ok(existing.public(reference));
                    }
                    let again = record.retry_of(&existing);
                    if record::put(&self.store, reference, Some(stored.version), &again).await? {
                        break stored.version + 1;
                    }
                }
            }
        };
        let sent = call.send_call(Token(())).await;
        let answered = self.clock.now();
        let mut record = record;
        match sent {
            Ok(data) => {
                let json = serde_json::to_string(&data).ok();
                record.applied(json, &answered);
                self.claim_result_evidence(reference, &mut record).await?;
            }
            Err(error) => match error.outcome() {
                Outcome::NotSent | Outcome::Refused => {
                    record.not_applied(error.to_string(), &answered);
                }
                Outcome::Applied => {
                    let json = error.data().map(|data| data.to_string());
                    record.applied(json, &answered);
                    self.claim_result_evidence(reference, &mut record).await?;
                }
                _ => record.unknown(&answered),
            },
        }
        if !record::put(&self.store, reference, Some(version), &record).await? {
            // Someone else wrote it meanwhile (a reconciliation that took
            // this call for a dead sender's): what is recorded holds.
            let stored = self.store.get(RecordKind::Intent, reference).await?;
            let existing = stored
                .map(|s| IntentRecord::decode(&s))
                .transpose()?
                .unwrap_or(record);
            return Ok(existing.public(reference));
        }
        Ok(record.public(reference))
    }

    /// The intent recorded under `reference`, if any.
    pub async fn intent(&self, reference: &str) -> Result<Option<Intent>, StoreError> {
        match self.store.get(RecordKind::Intent, reference).await? {
            None => Ok(None),
            Some(stored) => Ok(Some(IntentRecord::decode(&stored)?.public(reference))),
        }
    }

    /// Records a person's decision on an intent (one that is
    /// [`Ambiguous`](IntentStatus::Ambiguous), or any that is not settled):
    /// applied, with what it made (a create's order is linked to the
    /// reference), or not applied. Answers the intent as it now stands; an
    /// intent already settled is left as it is.
    pub async fn settle(
        &self,
        reference: &str,
        settlement: Settlement,
    ) -> Result<Option<Intent>, StoreError> {
        loop {
            let Some(stored) = self.store.get(RecordKind::Intent, reference).await? else {
                return Ok(None);
            };
            let mut record = IntentRecord::decode(&stored)?;
            if record.is_settled() {
                return Ok(Some(record.public(reference)));
            }
            let now = self.clock.now();
            match &settlement {
                Settlement::Applied { evidence } => {
                    if !self.claim_evidence(reference, &record, evidence).await? {
                        return Err(StoreError::new(format!(
                            "{evidence} is already what another intent (or reference) made"
                        )));
                    }
                    record.resolved(evidence.clone(), &now);
                }
                Settlement::NotApplied => {
                    record.not_applied("settled by hand: not applied".to_owned(), &now);
                }
            }
            if record::put(&self.store, reference, Some(stored.version), &record).await? {
                return Ok(Some(record.public(reference)));
            }
        }
    }

    /// Claims what a success answer names (a create's order: linked to the
    /// reference; a withdrawal's transaction), when it names it.
    async fn claim_result_evidence(
        &self,
        reference: &str,
        record: &mut IntentRecord,
    ) -> Result<(), StoreError> {
        let Some(evidence) = record.result_evidence() else {
            return Ok(());
        };
        if self.claim_evidence(reference, record, &evidence).await? {
            record.evidence = Some(evidence);
        }
        Ok(())
    }

    /// Takes `evidence` for the intent under `reference`: an order is
    /// linked to the reference, a transaction recorded as the intent's.
    /// `false` when something else already has it.
    pub(crate) async fn claim_evidence(
        &self,
        reference: &str,
        record: &IntentRecord,
        evidence: &str,
    ) -> Result<bool, StoreError> {
        match record.spec().map(|spec| spec.evidence) {
            Some(spec::Evidence::Orders) => {
                Ok(claim::link(&self.store, reference, evidence).await? == Linked::Yes)
            }
            Some(spec::Evidence::Transactions) | None => {
                let owner = serde_json::to_string(reference).map_err(StoreError::new)?;
                self.store
                    .put(
                        RecordKind::Evidence,
                        evidence,
                        Write::new(None, false, &owner),
                    )
                    .await?;
                let holder = self.store.get(RecordKind::Evidence, evidence).await?;
                Ok(holder.is_some_and(|h| h.value == owner))
            }
        }
    }
}
