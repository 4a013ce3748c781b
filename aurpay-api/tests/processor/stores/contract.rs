//! The [`Store`] contract on its own: compare-and-set, versions, kinds
//! kept apart, values kept as they are, open records paged once each, and
//! one winner among concurrent writers.

use std::collections::BTreeSet;
use std::sync::Arc;

use aurpay_api::processor::{RecordKind, Store, Write};

/// Writes `value` under `key` if the stored version is `expected`: whether
/// it was written.
async fn put(
    store: &impl Store,
    kind: RecordKind,
    key: &str,
    expected: Option<u64>,
    open: bool,
    value: &str,
) -> bool {
    store
        .put(kind, key, Write::new(expected, open, value))
        .await
        .unwrap()
}

/// The stored (version, open, value) of `key`.
async fn stored(store: &impl Store, kind: RecordKind, key: &str) -> (u64, bool, String) {
    let stored = store.get(kind, key).await.unwrap().expect("stored");
    (stored.version, stored.open, stored.value)
}

/// The [`Store`] contract, on its own.
pub(super) async fn contract(store: &impl Store) {
    use RecordKind::Intent;
    assert_eq!(store.get(Intent, "k").await.unwrap(), None);
    assert!(put(store, Intent, "k", None, true, "1").await);
    assert!(!put(store, Intent, "k", None, true, "x").await);
    assert!(!put(store, Intent, "k", Some(2), true, "x").await);
    assert_eq!(stored(store, Intent, "k").await, (1, true, "1".into()));
    assert!(put(store, Intent, "k", Some(1), false, "2").await);
    assert!(!put(store, Intent, "k", Some(1), false, "x").await);
    assert_eq!(stored(store, Intent, "k").await, (2, false, "2".into()));
    // Kinds are kept apart.
    assert_eq!(store.get(RecordKind::Evidence, "k").await.unwrap(), None);
    // Values and keys are kept as they are: quotes, unicode, 64 KiB.
    let key = "ключ-🔑-'\"-".repeat(8);
    let value = format!("{{\"v\":\"{}\",\"q\":\"'\\\"\"}}", "é".repeat(32 * 1024));
    assert!(put(store, RecordKind::Reference, &key, None, false, &value).await);
    assert_eq!(stored(store, RecordKind::Reference, &key).await.2, value);

    // Open records, paged: each open one once, closed ones never.
    let mut expected_open = BTreeSet::new();
    for n in 0..23 {
        let key = format!("open-{n:02}");
        let open = n % 3 != 0;
        assert!(put(store, Intent, &key, None, open, "{}").await);
        if open {
            expected_open.insert(key);
        }
    }
    // Closing one that was open, opening one that was closed.
    assert!(put(store, Intent, "open-01", Some(1), false, "{}").await);
    expected_open.remove("open-01");
    assert!(put(store, Intent, "open-00", Some(1), true, "{}").await);
    expected_open.insert("open-00".to_owned());
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..100 {
        let page = store
            .open_records(Intent, after.as_deref(), 4)
            .await
            .unwrap();
        assert!(page.len() <= 4);
        let Some((last, _)) = page.last() else { break };
        after = Some(last.clone());
        seen.extend(page.into_iter().map(|(key, stored)| {
            assert!(stored.open);
            key
        }));
    }
    assert_eq!(seen.len(), expected_open.len(), "each once: {seen:?}");
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), expected_open);
    assert!(
        store
            .open_records(RecordKind::Evidence, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Of many writers expecting the same version, one wins.
pub(super) async fn one_writer_wins<S: Store + 'static>(store: Arc<S>) {
    assert!(put(&*store, RecordKind::OrderState, "race", None, false, "0").await);
    for round in 1..=3u64 {
        let writers = (0..16).map(|n| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let value = format!("{round}-{n}");
                store
                    .put(
                        RecordKind::OrderState,
                        "race",
                        Write::new(Some(round), false, &value),
                    )
                    .await
                    .unwrap()
            })
        });
        let won = futures_util::future::join_all(writers)
            .await
            .into_iter()
            .filter(|w| *w.as_ref().unwrap())
            .count();
        assert_eq!(won, 1, "round {round}");
        let stored = store
            .get(RecordKind::OrderState, "race")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.version, round + 1);
    }
}
