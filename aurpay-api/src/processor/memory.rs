//! [`MemoryStore`]: the processor's store in memory, for tests and
//! single-process demos.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::store::{RecordKind, Store, StoreError, Stored, Write};

/// A store in memory: everything is lost when the process ends.
///
/// ```
/// use aurpay_api::processor::{MemoryStore, Processor};
/// # let sandbox_client = aurpay_api::Client::builder().build().unwrap();
/// let processor = Processor::new(sandbox_client, MemoryStore::new());
/// # drop(processor);
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    records: Mutex<BTreeMap<(RecordKind, String), Stored>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<(RecordKind, String), Stored>> {
        self.records.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl PartialOrd for RecordKind {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for RecordKind {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Store for MemoryStore {
    async fn get(&self, kind: RecordKind, key: &str) -> Result<Option<Stored>, StoreError> {
        Ok(self.lock().get(&(kind, key.to_owned())).cloned())
    }

    async fn put(&self, kind: RecordKind, key: &str, write: Write<'_>) -> Result<bool, StoreError> {
        let mut records = self.lock();
        let slot = (kind, key.to_owned());
        let current = records.get(&slot).map(|stored| stored.version);
        if current != write.expected {
            return Ok(false);
        }
        records.insert(
            slot,
            Stored::new(current.unwrap_or(0) + 1, write.open, write.value),
        );
        Ok(true)
    }

    async fn open_records(
        &self,
        kind: RecordKind,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, Stored)>, StoreError> {
        Ok(self
            .lock()
            .iter()
            .filter(|((k, key), stored)| {
                *k == kind && stored.open && after.is_none_or(|after| key.as_str() > after)
            })
            .take(limit)
            .map(|((_, key), stored)| (key.clone(), stored.clone()))
            .collect())
    }
}
