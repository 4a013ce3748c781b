//! The processor's stores against real databases, and reconciliation
//! against the sandbox.
//!
//! * One conformance test, run on every store: the memory store, SQLite
//!   (always, bundled) and PostgreSQL (needs a server: the settings in
//!   `AURPAY_TEST_POSTGRES`, libpq `key=value` form, as `.ci/postgres.sh`
//!   prints them; skipped with a reason when unset, required when
//!   `CI=true`).
//! * Two **processes** on one PostgreSQL database delivering the same signed
//!   callbacks at once: every change's effect runs exactly once.
//! * Reconciliation: pages that shift during a pass, the cutoff, the limit,
//!   a missed callback applied by a pass, and a create call whose answer was
//!   lost resolved to its order.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aurpay_api::callback::{CallbackRequest, CallbackUrls};
use aurpay_api::processor::{
    Claim, MemoryStore, OrderState, PostgresStore, Processed, Processor, Resolution, SqliteStore,
    Store,
};
use aurpay_api::reconcile::{self, Stop};
use aurpay_api::sandbox::{CallbackFault, Fault, Payment, Repeat, Sandbox};
use aurpay_api::{Amount, ListedOrder, Operation, OrderStatus, Outcome, types};

mod support;

const LEASE: Duration = Duration::from_secs(60);

/// The rules every store keeps.
async fn conformance(store: &impl Store) {
    // Links: a reference names one order, an order has one reference.
    store.link("ref-1", "order-1").await.unwrap();
    store.link("ref-1", "order-9").await.unwrap();
    store.link("ref-2", "order-1").await.unwrap();
    assert_eq!(
        store.order_of("ref-1").await.unwrap().as_deref(),
        Some("order-1")
    );
    assert_eq!(store.order_of("ref-2").await.unwrap(), None);
    assert_eq!(
        store.reference_of("order-1").await.unwrap().as_deref(),
        Some("ref-1")
    );
    assert_eq!(store.reference_of("order-9").await.unwrap(), None);

    // Claims move forward once; a completed change is not claimed again.
    let token = |claim: Claim| match claim {
        Claim::Claimed { token, .. } => token,
        other => panic!("not claimed: {other:?}"),
    };
    assert_eq!(store.state_of("order-1").await.unwrap(), None);
    let claim = store
        .claim("order-1", &OrderState::PartiallyPaid, LEASE)
        .await
        .unwrap();
    assert!(
        matches!(claim, Claim::Claimed { previous: None, .. }),
        "{claim:?}"
    );
    let partial = token(claim);
    assert_eq!(
        store.state_of("order-1").await.unwrap(),
        Some((OrderState::PartiallyPaid, false))
    );
    // One change at a time: the same change, and a later one, wait.
    for to in [OrderState::PartiallyPaid, OrderState::Paid] {
        assert_eq!(
            store.claim("order-1", &to, LEASE).await.unwrap(),
            Claim::InProgress,
            "{to:?}"
        );
    }
    // Completing with another token does nothing.
    store
        .complete("order-1", &OrderState::PartiallyPaid, partial ^ 1)
        .await
        .unwrap();
    assert_eq!(
        store.state_of("order-1").await.unwrap(),
        Some((OrderState::PartiallyPaid, false))
    );
    store
        .complete("order-1", &OrderState::PartiallyPaid, partial)
        .await
        .unwrap();
    let claim = store
        .claim("order-1", &OrderState::Paid, LEASE)
        .await
        .unwrap();
    assert!(
        matches!(
            &claim,
            Claim::Claimed {
                previous: Some(OrderState::PartiallyPaid),
                ..
            }
        ),
        "{claim:?}"
    );
    let paid = token(claim);
    // A failed effect: released, still unapplied, claimable again at once,
    // and what was applied before is kept.
    store
        .release("order-1", &OrderState::Paid, paid)
        .await
        .unwrap();
    assert_eq!(
        store.state_of("order-1").await.unwrap(),
        Some((OrderState::Paid, false))
    );
    let claim = store
        .claim("order-1", &OrderState::Paid, LEASE)
        .await
        .unwrap();
    assert!(
        matches!(
            &claim,
            Claim::Claimed {
                previous: Some(OrderState::PartiallyPaid),
                ..
            }
        ),
        "{claim:?}"
    );
    let paid_again = token(claim);
    // The first claimer's late release cannot undo the claim that took over.
    store
        .release("order-1", &OrderState::Paid, paid)
        .await
        .unwrap();
    assert_eq!(
        store
            .claim("order-1", &OrderState::Paid, LEASE)
            .await
            .unwrap(),
        Claim::InProgress
    );
    store
        .complete("order-1", &OrderState::Paid, paid_again)
        .await
        .unwrap();
    for backwards in [
        OrderState::Paid,
        OrderState::PartiallyPaid,
        OrderState::AwaitingPayment,
        OrderState::Expired,
    ] {
        assert_eq!(
            store.claim("order-1", &backwards, LEASE).await.unwrap(),
            Claim::AlreadyApplied {
                current: OrderState::Paid
            },
            "{backwards:?}"
        );
    }
    // Expired, then paid (an underpayment the merchant resolved).
    let expired = token(
        store
            .claim("order-2", &OrderState::Expired, LEASE)
            .await
            .unwrap(),
    );
    store
        .complete("order-2", &OrderState::Expired, expired)
        .await
        .unwrap();
    assert!(matches!(
        store
            .claim("order-2", &OrderState::Paid, LEASE)
            .await
            .unwrap(),
        Claim::Claimed {
            previous: Some(OrderState::Expired),
            ..
        }
    ));
    // A dead claimer's change is claimed again once its lease is over (the
    // shortest lease is a second).
    store
        .claim("order-3", &OrderState::Paid, LEASE)
        .await
        .unwrap();
    assert_eq!(
        store
            .claim("order-3", &OrderState::Paid, LEASE)
            .await
            .unwrap(),
        Claim::InProgress
    );
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert!(matches!(
        store
            .claim("order-3", &OrderState::Paid, Duration::from_secs(1))
            .await
            .unwrap(),
        Claim::Claimed { .. }
    ));
}

#[tokio::test]
async fn the_memory_store_keeps_the_rules() {
    conformance(&MemoryStore::new()).await;
}

#[tokio::test]
async fn the_sqlite_store_keeps_the_rules() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("conformance-{}.sqlite", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    conformance(&SqliteStore::open(&path).unwrap()).await;
    conformance(&SqliteStore::open_in_memory().unwrap()).await;
}

#[tokio::test]
async fn the_postgres_store_keeps_the_rules() {
    let Some(settings) = support::postgres::settings("the_postgres_store_keeps_the_rules") else {
        return;
    };
    let database = support::postgres::fresh_database(&settings, "conformance").await;
    let store = PostgresStore::connect(&database).await.unwrap();
    conformance(&store).await;
    // Durable: a second connection (a restart) sees the same.
    let again = PostgresStore::connect(&database).await.unwrap();
    assert_eq!(
        again.state_of("order-1").await.unwrap(),
        Some((OrderState::Paid, true))
    );
    assert_eq!(
        again.order_of("ref-1").await.unwrap().as_deref(),
        Some("order-1")
    );
}

fn epoch_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// What the parent hands each replica process.
const JOB: &str = "AURPAY_TEST_REPLICA_JOB";

/// Two processes, one database, the same signed callbacks delivered to both
/// at once (each several times): every change's effect runs exactly once,
/// counted in the database itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_postgres_apply_each_change_once() {
    let Some(settings) =
        support::postgres::settings("two_processes_on_one_postgres_apply_each_change_once")
    else {
        return;
    };
    let database = support::postgres::fresh_database(&settings, "replicas").await;
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let urls = CallbackUrls::new("http://127.0.0.1:9/cb").unwrap();
    // Twelve paid orders; their references linked once, as a shop does at
    // creation.
    let store = PostgresStore::connect(&database).await.unwrap();
    let mut lines = Vec::new();
    for n in 0..12 {
        let reference = format!("cart-{n}");
        let order = client
            .get_payment_info()
            .body(
                types::PaymentInfoRequest::builder()
                    .chain("TRX")
                    .currency("USDT-TRC20")
                    .vs_currency("USD")
                    .vs_price(Amount::from(20 + n))
                    .callback_url(urls.paid(&reference).unwrap()),
            )
            .call()
            .await
            .unwrap();
        store.link(&reference, &order.order_id).await.unwrap();
        sandbox.pay(&order.order_id, Payment::Full).unwrap();
        lines.push(urls.paid(&reference).unwrap());
    }
    let effects_table = tokio_postgres::connect(&database, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(effects_table.1);
    effects_table
        .0
        .batch_execute("CREATE TABLE effects (key TEXT NOT NULL, pid INTEGER NOT NULL)")
        .await
        .unwrap();
    drop(store);

    let job = serde_json::json!({
        "database": database,
        "base_url": sandbox.base_url(),
        "api_key": sandbox.config().api_key.as_str(),
        "callback_token": sandbox.config().callback_token.as_str(),
        "callback_secret": sandbox.config().callback_secret.as_str(),
        "callback_endpoint": "http://127.0.0.1:9/cb",
        // Both replicas start delivering at this instant (ms since the
        // epoch), so their deliveries really overlap.
        "start_at_ms": epoch_ms() + 2_000,
        "callback_urls": lines,
    })
    .to_string();
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..2)
        .map(|_| {
            std::process::Command::new(&exe)
                .args(["--exact", "replica_process", "--ignored", "--nocapture"])
                .env(JOB, &job)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = tokio::task::spawn_blocking(move || child.wait_with_output())
            .await
            .unwrap()
            .unwrap();
        assert!(
            output.status.success(),
            "replica failed: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let rows = effects_table
        .0
        .query(
            "SELECT key, count(*), count(DISTINCT pid) FROM effects GROUP BY key",
            &[],
        )
        .await
        .unwrap();
    let counts: Vec<(String, i64)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(counts.len(), 12, "every order paid once: {counts:?}");
    assert!(
        counts.iter().all(|(_, n)| *n == 1),
        "a change applied twice: {counts:?}"
    );
    let pids: i64 = effects_table
        .0
        .query_one("SELECT count(DISTINCT pid) FROM effects", &[])
        .await
        .unwrap()
        .get(0);
    println!("two processes: 12 changes applied once, by {pids} distinct processes");
}

/// One replica: delivers every callback of the job six times, concurrently,
/// through a verifier and a processor on the shared database. Run only by
/// the test above (with `--ignored` and the job in its environment).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a replica process of two_processes_on_one_postgres_apply_each_change_once, started by it"]
async fn replica_process() {
    let job: serde_json::Value =
        serde_json::from_str(&std::env::var(JOB).expect("started by the parent test")).unwrap();
    let text = |key: &str| job[key].as_str().unwrap().to_owned();
    let client = aurpay_api::Client::builder()
        .base_url(text("base_url"))
        .credentials(aurpay_api::Credentials::api_key(text("api_key")).unwrap())
        .build()
        .unwrap();
    // Three connections per replica (as a pool would have), so deliveries
    // of one order race inside a replica as well as across the two.
    let mut processors = Vec::new();
    for _ in 0..3 {
        processors.push(Arc::new(Processor::new(
            client.clone(),
            PostgresStore::connect(&text("database")).await.unwrap(),
        )));
    }
    let (effects, connection) = tokio_postgres::connect(&text("database"), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let effects = Arc::new(effects);
    let (token, secret) = (text("callback_token"), text("callback_secret"));
    let signer = aurpay_api::callback::CallbackSigner::new(token.clone(), secret.clone());
    let urls = CallbackUrls::new(&text("callback_endpoint")).unwrap();
    let verifier = aurpay_api::callback::CallbackVerifier::new(token, secret)
        .unwrap()
        .callback_urls(&urls);
    let start_at = job["start_at_ms"].as_u64().unwrap();
    tokio::time::sleep(Duration::from_millis(start_at.saturating_sub(epoch_ms()))).await;
    let mut tasks = Vec::new();
    for url in job["callback_urls"].as_array().unwrap() {
        for delivery in 0..6 {
            let url = url.as_str().unwrap().to_owned();
            let (processor, effects, signer, verifier) = (
                Arc::clone(&processors[delivery % processors.len()]),
                Arc::clone(&effects),
                signer.clone(),
                verifier.clone(),
            );
            tasks.push(tokio::spawn(async move {
                // Aurpay retries until it gets a 200: so does this replica
                // (bounded).
                for _ in 0..200 {
                    let headers = signer.headers(
                        &url,
                        &aurpay_api::clock::Clock::now(&aurpay_api::clock::SystemClock),
                    );
                    let callback = verifier
                        .verify(&CallbackRequest::new("GET", &url, &headers, b""))
                        .unwrap();
                    let effects = Arc::clone(&effects);
                    let outcome = processor
                        .process_callback(&callback, |change| async move {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            effects
                                .execute(
                                    "INSERT INTO effects (key, pid) VALUES ($1, $2)",
                                    &[&change.key(), &(std::process::id() as i32)],
                                )
                                .await
                                .map(drop)
                        })
                        .await;
                    match outcome {
                        Ok(processed) if processed.http_status() == 200 => return,
                        Ok(_) | Err(_) => tokio::time::sleep(Duration::from_millis(25)).await,
                    }
                }
                panic!("never answered 200 for {url}");
            }));
        }
    }
    for task in tasks {
        task.await.unwrap();
    }
}

async fn create_order(client: &aurpay_api::Client, price: u32) -> types::PaymentInfo {
    client
        .get_payment_info()
        .body(
            types::PaymentInfoRequest::builder()
                .chain("TRX")
                .currency("USDT-TRC20")
                .vs_currency("USD")
                .vs_price(Amount::from(price)),
        )
        .call()
        .await
        .unwrap()
}

/// New orders created while a pass walks the pages push the others down:
/// the pass yields each order once and misses none.
#[tokio::test]
async fn a_pass_yields_each_order_once_while_pages_shift() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let since = aurpay_api::clock::Clock::now(&aurpay_api::clock::SystemClock)
        .earlier_by(Duration::from_secs(5));
    let mut created = Vec::new();
    for price in 1..=12 {
        created.push(create_order(&client, price).await.order_id);
    }
    let mut pass = reconcile::changed_since(client.get_orders(), since).page_size(5);
    let mut yielded = Vec::new();
    while let Some(order) = pass.next().await.unwrap() {
        yielded.push(order.order_id().to_owned());
        if yielded.len() == 1 {
            // Two new orders mid-pass shift every page by two.
            created.push(create_order(&client, 100).await.order_id);
            created.push(create_order(&client, 101).await.order_id);
        }
    }
    let mut distinct = yielded.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), yielded.len(), "yielded twice: {yielded:?}");
    for order in &created[..12] {
        assert!(yielded.contains(order), "missed {order}: {yielded:?}");
    }
    assert_eq!(pass.stopped(), Stop::End);
    assert!(pass.next_since() <= aurpay_api::clock::Clock::now(&aurpay_api::clock::SystemClock));
}

/// A pass stops at its cutoff (orders created before `since - horizon`)
/// and at its limit, and yields nothing unchanged since `since`.
#[tokio::test]
async fn a_pass_stops_at_its_cutoff_and_its_limit() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    for price in 1..=6 {
        create_order(&client, price).await;
    }
    // Everything was created before a `since` an hour from now.
    let future = aurpay_api::clock::Clock::now(&aurpay_api::clock::SystemClock)
        .later_by(Duration::from_secs(3600));
    let mut pass = reconcile::changed_since(client.get_orders(), future.clone())
        .horizon(Duration::from_secs(60));
    assert!(pass.next().await.unwrap().is_none());
    assert_eq!(pass.stopped(), Stop::Cutoff);
    assert_eq!(pass.orders_read(), 0);
    // A wide horizon reads them all and yields none of them.
    let mut pass = reconcile::changed_since(client.get_orders(), future)
        .horizon(Duration::from_secs(7200))
        .page_size(2);
    assert!(pass.next().await.unwrap().is_none());
    assert_eq!((pass.stopped(), pass.orders_read()), (Stop::End, 6));
    // The limit.
    let since = aurpay_api::clock::Clock::now(&aurpay_api::clock::SystemClock)
        .earlier_by(Duration::from_secs(60));
    let mut pass = reconcile::changed_since(client.get_orders(), since)
        .max_orders(4)
        .page_size(3);
    let mut count = 0;
    while pass.next().await.unwrap().is_some() {
        count += 1;
    }
    assert_eq!((count, pass.stopped()), (4, Stop::Limit));
}

/// A paid callback that never arrived is applied by reconciliation, once;
/// a second pass and a late callback apply nothing more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconciliation_applies_a_missed_callback_once() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let processor = Processor::new(client.clone(), SqliteStore::open_in_memory().unwrap());
    let since = aurpay_api::clock::Clock::now(&aurpay_api::clock::SystemClock)
        .earlier_by(Duration::from_secs(5));
    let order = create_order(&client, 30).await;
    processor.link("cart-r", &order.order_id).await.unwrap();
    sandbox.inject_callback_fault(CallbackFault::Drop, Repeat::UntilCleared);
    sandbox.pay(&order.order_id, Payment::Full).unwrap();
    let applied = AtomicUsize::new(0);
    let effect = |change: aurpay_api::processor::Transition| {
        let applied = &applied;
        async move {
            assert_eq!(change.reference.as_deref(), Some("cart-r"));
            if change.to == OrderState::Paid {
                applied.fetch_add(1, Ordering::SeqCst);
            }
            Ok::<(), std::io::Error>(())
        }
    };
    let report = processor
        .reconcile(
            reconcile::changed_since(client.get_orders(), since.clone()),
            effect,
        )
        .await
        .unwrap();
    assert_eq!(report.applied.len(), 1, "{report:?}");
    assert_eq!(report.applied[0].to, OrderState::Paid);
    let again = processor
        .reconcile(reconcile::changed_since(client.get_orders(), since), effect)
        .await
        .unwrap();
    assert!(again.applied.is_empty());
    assert_eq!(again.already_applied, 1);
    // The late callback: already applied.
    let late = processor
        .apply(
            &order.order_id,
            Some("cart-r"),
            &OrderStatus::Success,
            effect,
        )
        .await
        .unwrap();
    assert!(matches!(late, Processed::AlreadyApplied { .. }));
    assert_eq!(applied.load(Ordering::SeqCst), 1);
}

/// A create call whose answer is lost (the sandbox processes it, then drops
/// the connection) has an unknown outcome; the processor finds the order it
/// made among the candidates and links it; an identical second order makes
/// a later search ambiguous rather than a guess.
#[tokio::test]
async fn a_lost_create_answer_is_resolved_to_its_order() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let processor = Processor::new(client.clone(), MemoryStore::new());
    // Noise: another price, and an order linked to another reference.
    create_order(&client, 41).await;
    let linked = create_order(&client, 42).await;
    processor
        .link("cart-other", &linked.order_id)
        .await
        .unwrap();

    let sent_at = aurpay_api::clock::Clock::now(&aurpay_api::clock::SystemClock);
    sandbox.inject(Operation::GET_PAYMENT_INFO, Fault::Reset, Repeat::Once);
    let error = client
        .get_payment_info()
        .body(
            types::PaymentInfoRequest::builder()
                .chain("TRX")
                .currency("USDT-TRC20")
                .vs_currency("USD")
                .vs_price(Amount::from(42)),
        )
        .call()
        .await
        .unwrap_err();
    assert_eq!(error.outcome(), Outcome::Unknown);
    assert!(
        !error.is_retryable(),
        "a money call with an unknown outcome"
    );
    let price = Amount::from(42);
    let resolution = processor
        .resolve_unknown(
            "cart-lost",
            client.get_orders(),
            &price,
            "usd",
            &sent_at,
            Duration::from_secs(120),
        )
        .await
        .unwrap();
    let Resolution::Linked { order_id } = resolution else {
        panic!("{resolution:?}");
    };
    assert_ne!(order_id, linked.order_id);
    assert_eq!(
        processor.store().order_of("cart-lost").await.unwrap(),
        Some(order_id.clone())
    );
    // Asked again: the same link.
    assert_eq!(
        processor
            .resolve_unknown(
                "cart-lost",
                client.get_orders(),
                &price,
                "USD",
                &sent_at,
                Duration::from_secs(120)
            )
            .await
            .unwrap(),
        Resolution::Linked { order_id }
    );
    // Two more unlinked orders of the same price: ambiguous, nothing linked.
    create_order(&client, 42).await;
    create_order(&client, 42).await;
    let resolution = processor
        .resolve_unknown(
            "cart-twin",
            client.get_orders(),
            &price,
            "USD",
            &sent_at,
            Duration::from_secs(120),
        )
        .await
        .unwrap();
    assert!(
        matches!(&resolution, Resolution::Ambiguous { order_ids } if order_ids.len() == 2),
        "{resolution:?}"
    );
    assert_eq!(processor.store().order_of("cart-twin").await.unwrap(), None);
    // Another currency: nothing.
    assert_eq!(
        processor
            .resolve_unknown(
                "cart-eur",
                client.get_orders(),
                &price,
                "EUR",
                &sent_at,
                Duration::from_secs(120)
            )
            .await
            .unwrap(),
        Resolution::NotFound
    );
}

/// The error helpers answer the decisions a merchant makes.
#[tokio::test]
async fn errors_say_retryable_not_found_and_authentication() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox.client().unwrap();
    let missing = client
        .get_orders_details()
        .order_id("20990101000000000000")
        .call()
        .await
        .unwrap_err();
    assert!(missing.is_not_found() && !missing.is_retryable() && !missing.is_authentication());
    let wrong_key = sandbox
        .client_with(aurpay_api::Credentials::api_key("not-the-key").unwrap())
        .unwrap()
        .get_orders()
        .call()
        .await
        .unwrap_err();
    assert!(wrong_key.is_authentication() && !wrong_key.is_retryable());
    sandbox.inject(
        Operation::GET_ORDERS,
        Fault::HttpStatus(503),
        Repeat::UntilCleared,
    );
    let unavailable = client.get_orders().call().await.unwrap_err();
    assert!(unavailable.is_retryable() && !unavailable.is_not_found());
    sandbox.inject(
        Operation::GET_PAYMENT_INFO,
        Fault::HttpStatus(503),
        Repeat::Once,
    );
    let money = create_order_result(&client).await.unwrap_err();
    assert!(
        !money.is_retryable(),
        "a money call after a 5xx must be reconciled first"
    );
}

async fn create_order_result(
    client: &aurpay_api::Client,
) -> Result<types::PaymentInfo, aurpay_api::Error> {
    client
        .get_payment_info()
        .body(
            types::PaymentInfoRequest::builder()
                .chain("TRX")
                .currency("USDT-TRC20")
                .vs_currency("USD")
                .vs_price(Amount::from(5)),
        )
        .call()
        .await
}
