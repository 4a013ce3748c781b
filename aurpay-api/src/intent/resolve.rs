//! Settling open intents from Aurpay's state, without sending anything and
//! without guessing.
//!
//! For each open intent (sent with no definite answer, or whose sender
//! died, once it can no longer be in flight), the list its effect appears
//! in is read back to the start of its window (from when it was recorded,
//! less Aurpay's clock skew, to when it returned, plus the skew), and the
//! items that show the request's values and that nothing else has taken
//! are its candidates. Intents that show the same values in overlapping
//! windows are rivals: what one made cannot be told from what another
//! made.
//!
//! * No rival, one candidate: applied, and it made that (a create's
//!   order is linked to the reference and its current status applied).
//! * No candidate, once the window is `settle_after` in the past: not
//!   applied (it is for rivals too: none of them made anything).
//! * Anything else (two candidates, or a candidate with a rival, or a list
//!   too long to read whole): ambiguous, reported, looked at again next
//!   pass (a rival settled by hand may make it clear).
//!
//! Limit: an order or transaction made outside the journal (by hand in the
//! dashboard, by another system) that shows the same values within a
//! window looks like a candidate.

use std::collections::HashSet;

use futures_util::StreamExt;

use super::Intent;
use super::record::{IntentRecord, RecordStatus, put};
use super::spec::Evidence;
use super::values::{self, Listed, ListedTx, Value};
use crate::operation::{ListedOrder, ListedTransaction, Listings};
use crate::processor::apply::Applying;
use crate::processor::{ProcessError, Processor, RecordKind, Store, StoreError};
use crate::{OrderStatus, Timestamp};

/// The most items one pass reads of each list.
const MAX_ITEMS: usize = 10_000;
/// Items per page asked for.
const PAGE_SIZE: u64 = 50;

/// One open intent, as this pass sees it.
struct Open {
    reference: String,
    version: u64,
    record: IntentRecord,
    evidence: Evidence,
    expected: Vec<(super::spec::Role, Value)>,
    fingerprint: String,
    start: Timestamp,
    end: Timestamp,
    in_flight: bool,
}

/// A listed order or transaction that may be one intent's doing.
struct Item {
    id: String,
    created_at: Option<Timestamp>,
    /// An order's status (to apply once its create is found).
    status: Option<OrderStatus>,
    shows: Vec<(super::spec::Role, Value)>,
}

impl values::Shows for Item {
    fn shows(&self, role: super::spec::Role) -> Option<Value> {
        self.shows
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, v)| v.clone())
    }
}

/// What one list said, read back to `earliest`.
struct Read {
    items: Vec<Item>,
    /// Whether every item back to `earliest` was read.
    complete: bool,
}

const ORDER_ROLES: [super::spec::Role; 2] = [
    super::spec::Role::FiatPrice,
    super::spec::Role::FiatCurrency,
];
const TRANSACTION_ROLES: [super::spec::Role; 5] = [
    super::spec::Role::Kind,
    super::spec::Role::Chain,
    super::spec::Role::Currency,
    super::spec::Role::Amount,
    super::spec::Role::Address,
];

impl<S: Store> Processor<S> {
    /// Settles what it can of the open intents (see the module docs),
    /// applying a found create's current status with `apply`. Answers the
    /// intents whose standing changed.
    pub(crate) async fn resolve_intents<'a, A>(
        &'a self,
        apply: &'a A,
    ) -> Result<Vec<Intent>, ProcessError>
    where
        A: Fn(String, Option<String>, OrderStatus) -> Applying<'a> + Sync,
    {
        let open = self.open_intents().await?;
        if open.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.clock.now();
        let earliest = |kind: Evidence| {
            open.iter()
                .filter(|o| o.evidence == kind && !o.in_flight)
                .map(|o| o.start.clone())
                .min()
        };
        let orders = match earliest(Evidence::Orders) {
            Some(earliest) => Some(self.read_orders(&earliest).await?),
            None => None,
        };
        let transactions = match earliest(Evidence::Transactions) {
            Some(earliest) => Some(self.read_transactions(&earliest).await?),
            None => None,
        };
        let mut changed = Vec::new();
        for intent in &open {
            if intent.in_flight {
                continue;
            }
            let read = match intent.evidence {
                Evidence::Orders => orders.as_ref(),
                Evidence::Transactions => transactions.as_ref(),
            };
            let Some(read) = read else { continue };
            if let Some(settled) = self.resolve_one(intent, &open, read, &now, apply).await? {
                changed.push(settled);
            }
        }
        Ok(changed)
    }

    /// The open intents, bounded, with their windows.
    async fn open_intents(&self) -> Result<Vec<Open>, StoreError> {
        let now = self.clock.now();
        let policy = &self.intents;
        let mut open = Vec::new();
        let mut after: Option<String> = None;
        while open.len() < policy.max_per_pass {
            let page = self
                .store
                .open_records(RecordKind::Intent, after.as_deref(), 100)
                .await?;
            let Some((last, _)) = page.last() else { break };
            after = Some(last.clone());
            for (reference, stored) in page {
                let record = IntentRecord::decode(&stored)?;
                let Some(spec) = record.spec() else { continue };
                let expected = values::expected(&record);
                let recorded = Timestamp::from_unix_micros(record.recorded_at);
                let last_sent = match record.answered_at {
                    Some(at) => Timestamp::from_unix_micros(at),
                    None => recorded.later_by(policy.in_flight),
                };
                let in_flight = record.status == RecordStatus::Sending
                    && now < recorded.later_by(policy.in_flight);
                open.push(Open {
                    fingerprint: values::fingerprint(&record.operation, &expected),
                    evidence: spec.evidence,
                    expected,
                    start: recorded.earlier_by(policy.skew),
                    end: last_sent.later_by(policy.skew),
                    in_flight,
                    reference,
                    version: stored.version,
                    record,
                });
            }
        }
        Ok(open)
    }

    async fn read_orders(&self, earliest: &Timestamp) -> Result<Read, ProcessError> {
        let list = crate::call::items(self.client.orders(), PAGE_SIZE);
        read_back(list, earliest, |order| Item {
            id: order.order_id().to_owned(),
            created_at: order.created_at().cloned(),
            status: Some(order.status().clone()),
            shows: ORDER_ROLES
                .iter()
                .filter_map(|role| values::Shows::shows(&Listed(order), *role).map(|v| (*role, v)))
                .collect(),
        })
        .await
    }

    async fn read_transactions(&self, earliest: &Timestamp) -> Result<Read, ProcessError> {
        let list = crate::call::items(self.client.transactions(), PAGE_SIZE);
        read_back(list, earliest, |tx| Item {
            id: tx.tx_id().to_owned(),
            created_at: ListedTransaction::created_at(tx).cloned(),
            status: None,
            shows: TRANSACTION_ROLES
                .iter()
                .filter_map(|role| values::Shows::shows(&ListedTx(tx), *role).map(|v| (*role, v)))
                .collect(),
        })
        .await
    }

    /// Whether `id` is already what another reference (or intent) made.
    async fn taken_by_other(
        &self,
        evidence: Evidence,
        id: &str,
        reference: &str,
    ) -> Result<bool, StoreError> {
        Ok(match evidence {
            Evidence::Orders => self
                .reference_of(id)
                .await?
                .is_some_and(|holder| holder != reference),
            Evidence::Transactions => {
                let owner = serde_json::to_string(reference).map_err(StoreError::new)?;
                self.store
                    .get(RecordKind::Evidence, id)
                    .await?
                    .is_some_and(|held| held.value != owner)
            }
        })
    }

    async fn resolve_one<'a, A>(
        &'a self,
        intent: &Open,
        open: &[Open],
        read: &Read,
        now: &Timestamp,
        apply: &'a A,
    ) -> Result<Option<Intent>, ProcessError>
    where
        A: Fn(String, Option<String>, OrderStatus) -> Applying<'a> + Sync,
    {
        let mut free = Vec::new();
        for item in &read.items {
            let in_window = item
                .created_at
                .as_ref()
                .is_none_or(|at| *at >= intent.start && *at <= intent.end);
            if in_window
                && values::matches(&intent.expected, item)
                && !self
                    .taken_by_other(intent.evidence, &item.id, &intent.reference)
                    .await?
            {
                free.push(item);
            }
        }
        let rivals: Vec<&Open> = open
            .iter()
            .filter(|other| {
                other.reference != intent.reference
                    && other.fingerprint == intent.fingerprint
                    && other.start <= intent.end
                    && intent.start <= other.end
            })
            .collect();
        if rivals.iter().any(|r| r.in_flight) {
            return Ok(None); // a call like it is still being sent
        }
        let settled = *now > intent.end.later_by(self.intents.settle_after);
        let mut record = intent.record.clone();
        let known_applied = record.status == RecordStatus::Applied;
        match (free.as_slice(), rivals.is_empty(), read.complete) {
            ([only], true, true) => {
                if !self
                    .claim_evidence(&intent.reference, &record, &only.id)
                    .await?
                {
                    return Ok(None); // taken meanwhile: next pass
                }
                record.resolved(only.id.clone(), now);
                if !put(
                    &self.store,
                    &intent.reference,
                    Some(intent.version),
                    &record,
                )
                .await?
                {
                    return Ok(None);
                }
                if let Some(status) = &only.status {
                    // Its changes so far may predate any pass's `since`:
                    // its current status, now.
                    match apply(
                        only.id.clone(),
                        Some(intent.reference.clone()),
                        status.clone(),
                    )
                    .await
                    {
                        Ok(_) | Err(ProcessError::Effect(_)) => {}
                        Err(error) => return Err(error),
                    }
                }
                Ok(Some(record.public(&intent.reference)))
            }
            ([], _, true) if settled => {
                if known_applied {
                    // Aurpay said it acted; what it made is not listed
                    // (a list without it, or one read only in part): it
                    // stays applied, no longer looked for.
                    record.search_ended = true;
                } else {
                    record.not_applied(
                        "nothing in Aurpay's state shows it, well after it could have".to_owned(),
                        now,
                    );
                }
                self.write_changed(intent, record).await
            }
            ([], _, _) if !settled => Ok(None), // it may still appear
            // Aurpay said this one acted: which item is its own is
            // unclear, but it stays applied (rivals are told apart from
            // it), looked for again next pass.
            _ if known_applied => Ok(None),
            _ => {
                let mut candidates: Vec<String> = free.iter().map(|i| i.id.clone()).collect();
                candidates.sort();
                if record.status == RecordStatus::Ambiguous && record.candidates == candidates {
                    return Ok(None);
                }
                record.ambiguous(candidates);
                self.write_changed(intent, record).await
            }
        }
    }

    async fn write_changed(
        &self,
        intent: &Open,
        record: IntentRecord,
    ) -> Result<Option<Intent>, ProcessError> {
        if put(
            &self.store,
            &intent.reference,
            Some(intent.version),
            &record,
        )
        .await?
        {
            Ok(Some(record.public(&intent.reference)))
        } else {
            Ok(None)
        }
    }
}

/// Reads `list` (newest first) until an item created before `earliest`,
/// its end, or [`MAX_ITEMS`], each item once.
async fn read_back<T>(
    list: impl futures_util::Stream<Item = Result<T, crate::Error>>,
    earliest: &Timestamp,
    item: impl Fn(&T) -> Item,
) -> Result<Read, ProcessError> {
    let mut list = std::pin::pin!(list);
    let mut seen = HashSet::new();
    let mut items = Vec::new();
    let mut count = 0usize;
    while let Some(next) = list.next().await {
        let next = next.map_err(ProcessError::Aurpay)?;
        let next = item(&next);
        if next.created_at.as_ref().is_some_and(|at| at < earliest) {
            return Ok(Read {
                items,
                complete: true,
            });
        }
        count += 1;
        if count > MAX_ITEMS {
            return Ok(Read {
                items,
                complete: false,
            });
        }
        if seen.insert(next.id.clone()) {
            items.push(next);
        }
    }
    Ok(Read {
        items,
        complete: true,
    })
}
