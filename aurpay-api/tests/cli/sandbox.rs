//! `aurpay sandbox`, the built binary: the standalone sandbox prints the
//! three lines scripts parse (`.ci/sandbox-lib.sh`, the other-language
//! checks) and serves the API; its subcommands drive it over the HTTP
//! controls (pay, expire, move a manual clock, faults, deliveries).

use std::time::Duration;

use crate::process::{Env, payment_info, scratch};

#[tokio::test]
async fn the_standalone_sandbox_and_its_controls() {
    let dir = scratch("sandbox");
    let journal = dir.join("journal.jsonl");
    let server_env = Env::default().with("AURPAY_SANDBOX_ADDR", "127.0.0.1:0");
    let mut server = server_env.spawn(&["sandbox", "--examples", "--manual-clock"]);
    let lines = server
        .wait_for_lines(3, Duration::from_secs(20), |l| {
            l.starts_with("sandbox ") || l.starts_with("callbacks ") || l.starts_with("signature ")
        })
        .await;
    // Exactly the words scripts read with `read -r _ url _ key`.
    let words: Vec<Vec<&str>> = lines.iter().map(|l| l.split(' ').collect()).collect();
    assert_eq!(words[0].len(), 4, "{lines:?}");
    assert_eq!((words[0][0], words[0][2]), ("sandbox", "api-key"));
    assert!(words[0][1].starts_with("http://127.0.0.1:"), "{lines:?}");
    assert_eq!(
        (words[1][0], words[1][1], words[1][3]),
        ("callbacks", "token", "secret")
    );
    assert_eq!(
        (words[2][0], words[2][1], words[2][3]),
        ("signature", "api-token", "api-secret")
    );
    assert!(
        server.seen.iter().all(|l| !l.starts_with("stderr: ")),
        "nothing on stderr before the lines: {:?}",
        server.seen
    );

    let env = Env::default()
        .with("AURPAY_BASE_URL", words[0][1])
        .with("AURPAY_API_KEY", words[0][3])
        .with("AURPAY_JOURNAL", journal.to_str().unwrap());
    let order = "20240806071926377966";
    let detail = env.run(&["get-orders-details", "--order-id", order]).await;
    assert_eq!(detail.code, 0, "{}", detail.stderr);
    assert_eq!(detail.json()["status"], "SUCCESS");

    let create = |price: &'static str| {
        let env = env.clone();
        async move {
            let run = env.run(&payment_info("TRX", "USDT-TRC20", price)).await;
            assert_eq!(run.code, 0, "{}", run.stderr);
            run.json()["order_id"].as_str().unwrap().to_owned()
        }
    };
    let partly = create("40").await;
    let pay = env
        .run(&["sandbox", "pay", &partly, "--partial", "10"])
        .await;
    assert_eq!(
        (pay.code, pay.json()["status"].as_str()),
        (0, Some("PARTIAL")),
        "{}",
        pay.stderr
    );
    let too_much = env
        .run(&["sandbox", "pay", &partly, "--partial", "1000"])
        .await;
    assert_eq!(too_much.code, 4, "the sandbox refuses: {}", too_much.stderr);

    // Time moves only when told: the unpaid order expires after 31 minutes.
    let unpaid = create("41").await;
    let advance = env.run(&["sandbox", "advance", "31m"]).await;
    assert_eq!(advance.code, 0, "{}", advance.stderr);
    let expired = env
        .run(&["get-orders-details", "--order-id", &unpaid])
        .await;
    assert_eq!(expired.json()["status"], "OVERDUE");

    let fault = env
        .run(&[
            "sandbox",
            "fault",
            "get-orders",
            "http_status",
            "--status",
            "503",
            "--times",
            "9",
        ])
        .await;
    assert_eq!(fault.code, 0, "{}", fault.stderr);
    let failing = env.run(&["get-orders"]).await;
    assert_eq!(
        failing.code, 5,
        "a 5xx read: unknown after retries: {}",
        failing.stderr
    );
    assert_eq!(env.run(&["sandbox", "clear-faults"]).await.code, 0);
    assert_eq!(env.run(&["get-orders"]).await.code, 0);
    let calls = env.run(&["sandbox", "calls"]).await;
    assert!(
        calls.json()["get_orders"].as_u64().unwrap() >= 2,
        "{}",
        calls.stdout
    );
    let unknown = env.run(&["sandbox", "fault", "no-such-op", "reset"]).await;
    assert_eq!(unknown.code, 2, "{}", unknown.stderr);

    let deliveries = env
        .run(&["sandbox", "deliveries", "--output", "table"])
        .await;
    assert_eq!(deliveries.code, 0, "{}", deliveries.stderr);
    server.kill().await;
}
