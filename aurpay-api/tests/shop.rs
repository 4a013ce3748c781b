//! The shop example (`examples/shop.rs`) as a black box: real processes,
//! real databases, the sandbox as Aurpay. Every scenario ends with
//! `fulfilled` at most 1 (exactly 1 for the paid ones).
//!
//! SQLite scenarios always run; the two replicas on one PostgreSQL run when
//! `AURPAY_TEST_POSTGRES` is set (required when `CI=true`).

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use aurpay_api::callback::CallbackEvent;
use aurpay_api::sandbox::{CallbackFault, Fault, Payment, Release, Repeat, Sandbox};
use aurpay_api::{Amount, Operation};
use serde_json::{Value, json};

mod support;

/// A running shop process; killed when dropped.
struct ShopProcess {
    child: Child,
    url: String,
}

impl Drop for ShopProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn shop_binary() -> std::path::PathBuf {
    static BUILT: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            // `cargo test` builds examples, `cargo test --test shop` does
            // not: build it (a no-op when fresh).
            let status = Command::new(env!("CARGO"))
                .args(["build", "-p", "aurpay-api", "--example", "shop"])
                .status()
                .unwrap();
            assert!(status.success(), "cargo build --example shop failed");
            let exe = std::env::current_exe().unwrap();
            let debug = exe.parent().unwrap().parent().unwrap();
            debug
                .join("examples")
                .join(format!("shop{}", std::env::consts::EXE_SUFFIX))
        })
        .clone()
}

/// Starts a shop against the sandbox on `database`; `public` is the base of
/// its callback URLs (its own address when `None`).
fn start_shop(sandbox: &Sandbox, database: &str, public: Option<&str>) -> ShopProcess {
    let config = sandbox.config();
    let mut command = Command::new(shop_binary());
    command
        .env("AURPAY_API_KEY", config.api_key.as_str())
        .env("AURPAY_BASE_URL", sandbox.base_url())
        .env("AURPAY_CALLBACK_TOKEN", config.callback_token.as_str())
        .env("AURPAY_CALLBACK_SECRET", config.callback_secret.as_str())
        .env("SHOP_ADDR", "127.0.0.1:0")
        .env("SHOP_DATABASE_URL", database)
        .env("SHOP_RECONCILE_SECS", "1")
        .env("SHOP_LEASE_SECS", "2")
        .env_remove("AURPAY_API_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(public) = public {
        command.env("SHOP_PUBLIC_URL", public);
    }
    let mut child = command.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if let Some(url) = line.strip_prefix("shop listening on ") {
                let _ = sender.send(url.to_owned());
            }
        }
    });
    let url = receiver
        .recv_timeout(Duration::from_secs(20))
        .expect("the shop started");
    ShopProcess { child, url }
}

fn sqlite_url(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("shop-{name}-{}.sqlite", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    format!("sqlite:{}", path.display())
}

async fn create(shop: &ShopProcess, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{}/orders", shop.url))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{body}");
    response.json().await.unwrap()
}

async fn order(shop: &ShopProcess, id: &str) -> Value {
    reqwest::get(format!("{}/orders/{id}", shop.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Polls the order until `done` holds (at most 15 s), checking on every
/// look that `fulfilled` never exceeds 1.
async fn wait_for(shop: &ShopProcess, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let seen = order(shop, id).await;
        assert!(
            seen["fulfilled"].as_i64().unwrap_or(0) <= 1,
            "fulfilled twice: {seen}"
        );
        if done(&seen) {
            return seen;
        }
        assert!(Instant::now() < deadline, "timed out waiting: {seen}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn settled(shop: &ShopProcess, id: &str, status: &str, fulfilled: i64) {
    let seen = wait_for(shop, id, |o| o["status"] == status).await;
    // Let late deliveries and a reconciliation pass or two go by.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let after = order(shop, id).await;
    assert_eq!(
        (after["status"].as_str(), after["fulfilled"].as_i64()),
        (Some(status), Some(fulfilled)),
        "{seen} then {after}"
    );
}

fn direct(price: &str) -> Value {
    json!({"price": price, "currency": "USD", "method": "direct", "chain": "TRX", "crypto": "USDT-TRC20"})
}

async fn due(sandbox: &Sandbox, aurpay_order_id: &str) -> Amount {
    sandbox
        .client()
        .unwrap()
        .get_orders_details()
        .order_id(aurpay_order_id)
        .call()
        .await
        .unwrap()
        .amount
}

fn aurpay_id(created: &Value) -> String {
    created["aurpay_order_id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paid_partial_overpaid_and_expired_orders() {
    let sandbox = Sandbox::start().await.unwrap();
    let shop = start_shop(&sandbox, &sqlite_url("payments"), None);

    let hosted = create(
        &shop,
        json!({"price": "20.00", "currency": "USD", "method": "hosted"}),
    )
    .await;
    assert_eq!(hosted["status"], "awaiting_payment");
    assert!(hosted["pay_url"].as_str().unwrap().contains("/#/cashier/"));
    sandbox.pay(&aurpay_id(&hosted), Payment::Full).unwrap();

    let partial = create(&shop, direct("30.00")).await;
    let half = Amount::from(
        due(&sandbox, &aurpay_id(&partial)).await.decimal() / rust_decimal::Decimal::TWO,
    );
    sandbox
        .pay(&aurpay_id(&partial), Payment::Partial(half))
        .unwrap();

    let over = create(&shop, direct("40.00")).await;
    sandbox
        .pay(
            &aurpay_id(&over),
            Payment::Overpaid(Amount::from(
                due(&sandbox, &aurpay_id(&over)).await.decimal() * rust_decimal::Decimal::TWO,
            )),
        )
        .unwrap();

    let lightning = create(
        &shop,
        json!({"price": "5", "currency": "USD", "method": "lightning"}),
    )
    .await;
    sandbox.pay(&aurpay_id(&lightning), Payment::Full).unwrap();

    let expired = create(&shop, direct("50.00")).await;
    sandbox.expire(&aurpay_id(&expired)).unwrap();

    settled(&shop, hosted["id"].as_str().unwrap(), "paid", 1).await;
    settled(&shop, partial["id"].as_str().unwrap(), "partially_paid", 0).await;
    settled(&shop, over["id"].as_str().unwrap(), "paid", 1).await;
    settled(&shop, lightning["id"].as_str().unwrap(), "paid", 1).await;
    settled(&shop, expired["id"].as_str().unwrap(), "expired", 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicated_reordered_dropped_and_delayed_callbacks() {
    let sandbox = Sandbox::start().await.unwrap();
    let shop = start_shop(&sandbox, &sqlite_url("callbacks"), None);

    let duplicated = create(&shop, direct("11")).await;
    sandbox.inject_callback_fault(CallbackFault::Duplicate, Repeat::Once);
    sandbox.pay(&aurpay_id(&duplicated), Payment::Full).unwrap();
    settled(&shop, duplicated["id"].as_str().unwrap(), "paid", 1).await;
    sandbox
        .redeliver(&aurpay_id(&duplicated), CallbackEvent::Paid)
        .unwrap();

    // Reordered: a partial payment's and the full payment's callbacks
    // released newest first.
    let reordered = create(&shop, direct("12")).await;
    let due_now = due(&sandbox, &aurpay_id(&reordered)).await;
    sandbox.hold_callbacks();
    sandbox
        .pay(
            &aurpay_id(&reordered),
            Payment::Partial(Amount::from(due_now.decimal() / rust_decimal::Decimal::TEN)),
        )
        .unwrap();
    sandbox.pay(&aurpay_id(&reordered), Payment::Full).unwrap();
    sandbox.release_callbacks(Release::Reversed);

    // Dropped: only reconciliation can see it.
    let dropped = create(&shop, direct("13")).await;
    sandbox.inject_callback_fault(CallbackFault::Drop, Repeat::Once);
    sandbox.pay(&aurpay_id(&dropped), Payment::Full).unwrap();

    let delayed = create(&shop, direct("14")).await;
    sandbox.inject_callback_fault(
        CallbackFault::Delay(Duration::from_millis(1500)),
        Repeat::Once,
    );
    sandbox.pay(&aurpay_id(&delayed), Payment::Full).unwrap();

    for created in [&reordered, &dropped, &delayed, &duplicated] {
        settled(&shop, created["id"].as_str().unwrap(), "paid", 1).await;
    }
}

/// A create call whose answer is lost: `creation_uncertain`, then
/// reconciliation finds the order, and its payment is applied once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_create_answer_is_reconciled() {
    let sandbox = Sandbox::start().await.unwrap();
    let shop = start_shop(&sandbox, &sqlite_url("lost"), None);
    sandbox.inject(Operation::GET_PAYMENT_INFO, Fault::Reset, Repeat::Once);
    let created = create(&shop, direct("77.70")).await;
    assert_eq!(created["status"], "creation_uncertain", "{created}");
    assert!(created["aurpay_order_id"].is_null());
    let id = created["id"].as_str().unwrap().to_owned();
    let resolved = wait_for(&shop, &id, |o| o["aurpay_order_id"].is_string()).await;
    assert_eq!(resolved["status"], "awaiting_payment");
    let aurpay_order_id = resolved["aurpay_order_id"].as_str().unwrap().to_owned();
    sandbox.pay(&aurpay_order_id, Payment::Full).unwrap();
    settled(&shop, &id, "paid", 1).await;
}

/// A shop killed while callbacks are in flight and started again on the
/// same database: nothing lost, nothing applied twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_shop_restarts_without_losing_or_repeating() {
    let sandbox = Sandbox::start().await.unwrap();
    let database = sqlite_url("restart");
    let first = start_shop(&sandbox, &database, None);
    let public = first.url.clone();
    let mut created = Vec::new();
    for price in ["21", "22", "23", "24"] {
        created.push(create(&first, direct(price)).await);
    }
    for order in &created {
        sandbox.pay(&aurpay_id(order), Payment::Full).unwrap();
    }
    // Killed at once, mid-delivery; the sandbox keeps retrying.
    drop(first);
    let port = public.rsplit(':').next().unwrap();
    // Same address, so the callback URLs Aurpay holds still reach it.
    for _ in 0..50 {
        if std::net::TcpListener::bind(format!("127.0.0.1:{port}")).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let config = sandbox.config();
    let second = ShopProcess {
        child: Command::new(shop_binary())
            .env("AURPAY_API_KEY", config.api_key.as_str())
            .env("AURPAY_BASE_URL", sandbox.base_url())
            .env("AURPAY_CALLBACK_TOKEN", config.callback_token.as_str())
            .env("AURPAY_CALLBACK_SECRET", config.callback_secret.as_str())
            .env("SHOP_ADDR", format!("127.0.0.1:{port}"))
            .env("SHOP_DATABASE_URL", &database)
            .env("SHOP_RECONCILE_SECS", "1")
            .env("SHOP_LEASE_SECS", "2")
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
        url: public.clone(),
    };
    // Wait until it answers.
    let deadline = Instant::now() + Duration::from_secs(20);
    while reqwest::get(format!("{}/orders/none", second.url))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "restarted shop never answered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for order in &created {
        settled(&second, order["id"].as_str().unwrap(), "paid", 1).await;
    }
}

/// Two replicas on one PostgreSQL database behind one public URL: the same
/// signed callbacks delivered to both at once, repeatedly; each order is
/// fulfilled exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_on_one_postgres() {
    let Some(settings) = support::postgres::settings("two_replicas_on_one_postgres") else {
        return;
    };
    let database = support::postgres::fresh_database(&settings, "shop").await;

    let sandbox = Sandbox::start().await.unwrap();
    // Aurpay's callbacks are dropped: the test delivers them itself, to
    // both replicas, as a load balancer would spread Aurpay's retries.
    sandbox.inject_callback_fault(CallbackFault::Drop, Repeat::UntilCleared);
    let a = start_shop(&sandbox, &database, Some("https://shop.example"));
    let b = start_shop(&sandbox, &database, Some("https://shop.example"));
    let signer = sandbox.callback_signer();
    let urls =
        aurpay_api::callback::CallbackUrls::new("https://shop.example/aurpay/callback").unwrap();
    let mut created = Vec::new();
    for (n, price) in ["31", "32", "33", "34", "35", "36"].into_iter().enumerate() {
        let shop = if n % 2 == 0 { &a } else { &b };
        created.push(create(shop, direct(price)).await);
    }
    for order in &created {
        sandbox.pay(&aurpay_id(order), Payment::Full).unwrap();
    }
    let http = reqwest::Client::new();
    let mut deliveries = Vec::new();
    for order in &created {
        let signed = urls.paid(order["id"].as_str().unwrap()).unwrap();
        let path = signed
            .strip_prefix("https://shop.example")
            .unwrap()
            .to_owned();
        for replica in [&a, &b, &a, &b] {
            let (http, headers, target) = (
                http.clone(),
                signer.headers(
                    &signed,
                    &aurpay_api::clock::Clock::now(&aurpay_api::clock::SystemClock),
                ),
                format!("{}{path}", replica.url),
            );
            deliveries.push(tokio::spawn(async move {
                // Like Aurpay: again until answered 200 (bounded).
                for _ in 0..100 {
                    let answer = http.get(&target).headers(headers.clone()).send().await;
                    if answer.is_ok_and(|r| r.status() == 200) {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                panic!("{target} never answered 200");
            }));
        }
    }
    for delivery in deliveries {
        delivery.await.unwrap();
    }
    for order in &created {
        let id = order["id"].as_str().unwrap();
        settled(&a, id, "paid", 1).await;
        assert_eq!(self::order(&b, id).await["fulfilled"], 1);
    }
}

/// An underpaid order times out (OVERDUE), then the merchant accepts the
/// underpayment (RESOLVED): the shop sees it paid, once, through
/// reconciliation (Aurpay sends no callback for it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_order_the_merchant_resolves_is_paid() {
    let sandbox = Sandbox::start().await.unwrap();
    let shop = start_shop(&sandbox, &sqlite_url("resolved"), None);
    let created = create(&shop, direct("15")).await;
    let id = created["id"].as_str().unwrap().to_owned();
    sandbox.expire(&aurpay_id(&created)).unwrap();
    settled(&shop, &id, "expired", 0).await;
    sandbox
        .report_status(&aurpay_id(&created), aurpay_api::OrderStatus::Resolved)
        .unwrap();
    settled(&shop, &id, "paid", 1).await;
}
