//! The `aurpay` binary's operation subcommands against the sandbox: every
//! operation, run as its own `--help` example says, with the API key and
//! with signatures; `--paginate` over several pages; a money call under a
//! fault exits "unknown" and is sent once; usage errors, refusals and
//! missing credentials exit with their own codes before anything is sent.

use aurpay_api::sandbox::{Fault, Repeat, Sandbox};
use aurpay_api::{Operation, OrderStatus};

use crate::process::{Env, example_words, payment_info, scratch};

fn command_name(op: &Operation) -> String {
    op.id.replace('_', "-")
}

/// Runs every operation's `--help` example; each succeeds, prints `data`
/// as JSON, and reaches the sandbox exactly once.
async fn every_operation(env_of: impl Fn(&Sandbox, &std::path::Path) -> Env, name: &str) {
    let sandbox = Sandbox::builder().examples().start().await.unwrap();
    let dir = scratch(name);
    let env = env_of(&sandbox, &dir);
    for op in Operation::all() {
        let name = command_name(op);
        let help = env.run(&[&name, "--help"]).await;
        assert_eq!(help.code, 0, "{name} --help: {}", help.stderr);
        if op.moves_money {
            assert!(
                help.stdout.contains("MOVES MONEY"),
                "{name} --help says it moves money"
            );
        }
        let words = example_words(&help.stdout);
        assert_eq!(words[..2], ["aurpay".to_owned(), name.clone()], "{words:?}");
        let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
        let before = sandbox.calls(op);
        let run = env.run(&args).await;
        assert_eq!(
            run.code, 0,
            "aurpay {args:?}\nstdout: {}\nstderr: {}",
            run.stdout, run.stderr
        );
        let data = run.json();
        assert!(data.is_object() || data.is_array(), "{name}: {data}");
        assert_eq!(
            sandbox.calls(op),
            before + 1,
            "{name} reached the sandbox once"
        );
    }
}

#[tokio::test]
async fn every_operation_with_the_api_key() {
    every_operation(Env::api_key, "every-api-key").await;
}

#[tokio::test]
async fn every_operation_with_signatures() {
    every_operation(|s, d| Env::signature(s, d, None), "every-signature").await;
    every_operation(
        |s, d| Env::signature(s, d, Some("HMAC-SHA3_256")),
        "every-sha3",
    )
    .await;
}

/// Amounts are printed with the digits and the JSON form Aurpay sent.
#[tokio::test]
async fn amounts_keep_their_digits() {
    let sandbox = Sandbox::builder().examples().start().await.unwrap();
    let dir = scratch("digits");
    let env = Env::api_key(&sandbox, &dir);
    let order = "20240806071926377966";
    sandbox
        .report_amount(order, "0.000000000000000000000000001".parse().unwrap())
        .unwrap();
    let run = env.run(&["get-orders-details", "--order-id", order]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("\"amount\": 0.000000000000000000000000001"),
        "{}",
        run.stdout
    );
    let table = env.run(&["get-orders", "--output", "table"]).await;
    assert!(
        table.stdout.contains("0.000000000000000000000000001"),
        "{}",
        table.stdout
    );
    assert!(table.stdout.contains(order), "{}", table.stdout);
}

#[tokio::test]
async fn paginate_reads_every_page() {
    let sandbox = Sandbox::builder().examples().start().await.unwrap();
    let dir = scratch("paginate");
    let env = Env::api_key(&sandbox, &dir);
    for price in ["11", "12", "13", "14"] {
        let run = env.run(&payment_info("TRX", "USDT-TRC20", price)).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let before = sandbox.calls(Operation::GET_ORDERS);
    let run = env
        .run(&["get-orders", "--paginate", "--page-size", "2"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let items = run.json();
    let ids: std::collections::BTreeSet<&str> = items
        .as_array()
        .expect("a list")
        .iter()
        .map(|o| o["order_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 5, "every order once: {items}");
    assert_eq!(
        sandbox.calls(Operation::GET_ORDERS) - before,
        3,
        "three pages of two"
    );
}

#[tokio::test]
async fn a_money_call_under_a_fault_is_unknown_and_sent_once() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let dir = scratch("money-fault");
    let env = Env::api_key(&sandbox, &dir);
    sandbox.inject(
        Operation::GET_PAYMENT_INFO,
        Fault::DropConnection,
        Repeat::UntilCleared,
    );
    let run = env.run(&payment_info("ETH", "USDT-ERC20", "18")).await;
    assert_eq!(run.code, 5, "unknown: {}", run.stderr);
    assert!(
        run.stderr.contains(
            "Aurpay may have created this order: look it up (`aurpay get-orders`) before retrying"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(
        sandbox.calls(Operation::GET_PAYMENT_INFO),
        1,
        "never retried"
    );
    // The order exists: the listing the message names shows it.
    let orders = env.run(&["get-orders"]).await;
    assert_eq!(orders.json()["data"][0]["status"], "PENDING");

    // A read under the same kind of fault, once, is retried and succeeds.
    sandbox.inject(Operation::GET_ORDERS, Fault::DropConnection, Repeat::Once);
    let before = sandbox.calls(Operation::GET_ORDERS);
    let read = env.run(&["get-orders"]).await;
    assert_eq!(read.code, 0, "{}", read.stderr);
    assert_eq!(
        sandbox.calls(Operation::GET_ORDERS) - before,
        2,
        "retried once"
    );
}

#[tokio::test]
async fn refusals_usage_errors_and_missing_credentials() {
    let sandbox = Sandbox::builder().examples().start().await.unwrap();
    let dir = scratch("errors");
    let env = Env::api_key(&sandbox, &dir);
    let refused = env
        .run(&["get-orders-details", "--order-id", "00000000000000000000"])
        .await;
    assert_eq!(refused.code, 4, "{}", refused.stderr);
    assert!(refused.stderr.contains("refused"), "{}", refused.stderr);

    let create = ["create-bln-order", "--currency", "USD"];
    for (extra, expected) in [
        (&["--price", "twenty"][..], "--price"),
        (
            &["--price", "20", "--body", r#"{"price": 20, "tip": 1}"#][..],
            "no field `tip`",
        ),
        (
            &["--price", "20", "--body", r#"{"price": 20, "price": 21}"#][..],
            "twice",
        ),
        (&["--body", r#"{"currency": "USD"}"#][..], "price"),
    ] {
        let args: Vec<&str> = create.iter().chain(extra).copied().collect();
        let run = env.run(&args).await;
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
    }
    let missing = env.run(&["create-bln-order", "--currency", "USD"]).await;
    assert_eq!(missing.code, 2, "a required flag: {}", missing.stderr);
    assert_eq!(
        sandbox.calls(Operation::CREATE_BLN_ORDER),
        0,
        "nothing was sent"
    );

    // A price must be a JSON number (the spec's Price): refused before
    // sending, as Aurpay would refuse it.
    let string_price = env
        .run(&[
            "create-bln-order",
            "--body",
            r#"{"price": "20.10", "currency": "USD"}"#,
        ])
        .await;
    assert_eq!(string_price.code, 2, "{}", string_price.stderr);
    assert!(
        string_price
            .stderr
            .contains("body.price must be a JSON number"),
        "{}",
        string_price.stderr
    );
    let zero_page = env.run(&["get-orders", "--page", "0"]).await;
    assert_eq!(zero_page.code, 2, "{}", zero_page.stderr);
    assert_eq!(
        sandbox.calls(Operation::CREATE_BLN_ORDER),
        0,
        "nothing was sent"
    );

    let body = dir.join("order.json");
    std::fs::write(&body, r#"{"price": 20.10, "currency": "USD"}"#).unwrap();
    let from_file = env
        .run(&[
            "create-bln-order",
            "--body",
            &format!("@{}", body.display()),
        ])
        .await;
    assert_eq!(from_file.code, 0, "{}", from_file.stderr);
    let from_stdin = env
        .run_with_stdin(
            &["create-bln-order", "--body", "-", "--price", "30"],
            Some(r#"{"price": 1, "currency": "USD"}"#),
        )
        .await;
    assert_eq!(from_stdin.code, 0, "{}", from_stdin.stderr);
    assert_eq!(from_stdin.json()["status"], OrderStatus::Pending.as_str());

    let anonymous = Env::default().with("AURPAY_BASE_URL", &sandbox.base_url());
    let no_credentials = anonymous.run(&["get-orders"]).await;
    assert_eq!(
        no_credentials.code, 3,
        "not sent: {}",
        no_credentials.stderr
    );
    assert!(
        no_credentials.stderr.contains("AURPAY_API_KEY"),
        "{}",
        no_credentials.stderr
    );
    assert!(
        !no_credentials.stderr.contains(&sandbox.config().api_key),
        "no secret printed"
    );
}
