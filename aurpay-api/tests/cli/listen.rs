//! `aurpay listen --forward-to` and `aurpay callback replay`, the built
//! binary against the sandbox: with the sandbox dropping every callback,
//! the orders paid are delivered by `listen`, signed as Aurpay signs, to a
//! receiver that verifies them and hands them to the processor, which binds
//! each to its order through the reference in the signed URL; a restarted
//! `listen` delivers none twice; a replay delivers them again and the
//! processor applies nothing twice.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aurpay_api::callback::CallbackUrls;
use aurpay_api::processor::{MemoryStore, OrderState, Processor};
use aurpay_api::sandbox::{CallbackFault, Repeat, Sandbox};

use crate::process::{Env, payment_info, scratch};
use crate::support;
use crate::support::receiver::Arrival;

/// What the receiver saw and what its processor applied.
#[derive(Default)]
struct Seen {
    /// (method, URL path and query, answer)
    callbacks: Vec<(String, String, u16)>,
    /// (reference, order id, new state), once per applied change.
    applied: Vec<(String, String, OrderState)>,
}

struct Receiver {
    origin: String,
    urls: CallbackUrls,
    processor: Arc<Processor<MemoryStore>>,
    seen: Arc<Mutex<Seen>>,
}

/// A merchant's callback endpoint (`support::receiver`): verifies with the
/// callback credentials, processes through the processor (bound by the
/// signed reference, confirmed with the API), answers 200, or an error for
/// Aurpay to retry.
async fn receiver(sandbox: &Sandbox) -> Receiver {
    let processor = Arc::new(Processor::new(
        sandbox.client().unwrap(),
        MemoryStore::new(),
    ));
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let (p, s) = (Arc::clone(&processor), Arc::clone(&seen));
    let http = support::receiver::Receiver::serve(|base| {
        let urls = CallbackUrls::new(&format!("{base}/aurpay/callback")).unwrap();
        let verifier = sandbox.callback_verifier().callback_urls(&urls);
        move |arrival: Arrival| {
            let (verifier, processor, seen) = (verifier.clone(), Arc::clone(&p), Arc::clone(&s));
            async move {
                let status = match verifier.verify(&arrival.callback()) {
                    Err(rejection) => rejection.http_status(),
                    Ok(callback) => {
                        let outcome = processor
                            .process_callback(&callback, |change| {
                                let seen = Arc::clone(&seen);
                                async move {
                                    seen.lock().unwrap().applied.push((
                                        change.reference.clone().unwrap_or_default(),
                                        change.order_id.clone(),
                                        change.to,
                                    ));
                                    Ok::<(), std::io::Error>(())
                                }
                            })
                            .await;
                        match outcome {
                            Ok(processed) => processed.http_status(),
                            Err(error) => error.http_status(),
                        }
                    }
                };
                seen.lock()
                    .unwrap()
                    .callbacks
                    .push((arrival.method, arrival.uri, status));
                axum::http::StatusCode::from_u16(status).unwrap()
            }
        }
    })
    .await;
    Receiver {
        urls: http.callback_urls("/aurpay/callback"),
        origin: http.base,
        processor,
        seen,
    }
}

/// Creates an order through the binary, with callback URLs for
/// `reference`; its id.
async fn create(env: &Env, receiver: &Receiver, reference: &str, post: bool) -> String {
    let paid = receiver.urls.paid(reference).unwrap();
    let timeout = receiver.urls.timeout(reference).unwrap();
    let mut args = payment_info("ETH", "USDT-ERC20", "25");
    args.extend(["--callback-url", &paid, "--timeout-callback", &timeout]);
    if post {
        args.push("--enable-post-callback");
    }
    let run = env.run(&args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let id = run.json()["order_id"].as_str().unwrap().to_owned();
    assert!(receiver.processor.link(reference, &id).await.unwrap());
    id
}

fn accepted(line: &str) -> bool {
    line.starts_with("delivery ") && line.contains(" -> 200 ")
}

#[tokio::test]
async fn listen_delivers_what_the_sandbox_dropped_once_and_replay_again() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    sandbox.inject_callback_fault(CallbackFault::Drop, Repeat::UntilCleared);
    let receiver = receiver(&sandbox).await;
    let dir = scratch("listen");
    let env = Env::api_key(&sandbox, &dir).callbacks(&sandbox);
    let mut orders = Vec::new();
    for (reference, post) in [("cart-1", false), ("cart-2", true), ("cart-3", false)] {
        orders.push((reference, create(&env, &receiver, reference, post).await));
    }
    let listen_args = [
        "listen",
        "--forward-to",
        &receiver.origin,
        "--interval",
        "200ms",
        "--backoff",
        "100ms",
    ];
    let mut listen = env.spawn(&listen_args);
    listen
        .wait_for_lines(1, Duration::from_secs(10), |l| {
            l.starts_with("listening on ")
        })
        .await;

    let paid_at = Instant::now();
    for (_, id) in &orders[..2] {
        sandbox.pay(id, aurpay_api::sandbox::Payment::Full).unwrap();
    }
    // The third through the binary's sandbox control.
    let pay = env.run(&["sandbox", "pay", &orders[2].1]).await;
    assert_eq!(pay.code, 0, "{}", pay.stderr);
    let delivered = listen
        .wait_for_lines(3, Duration::from_secs(10), accepted)
        .await;
    let within = paid_at.elapsed();
    assert!(within < Duration::from_secs(10), "{within:?}");
    for (reference, id) in &orders {
        assert_eq!(
            delivered
                .iter()
                .filter(|l| l.contains(&format!("order={id} "))
                    && l.contains(&format!("ref={reference}&event=paid")))
                .count(),
            1,
            "{id} delivered once to its own URL: {delivered:#?}"
        );
    }
    assert!(
        delivered.iter().any(|l| l.contains(" POST ")),
        "cart-2's callbacks are POST"
    );
    // The sandbox sent nothing itself: each of its callbacks was dropped.
    let dropped = sandbox
        .deliveries()
        .iter()
        .filter(|d| d.error.as_deref() == Some("dropped"))
        .count();
    assert_eq!(dropped, 3);
    {
        let seen = receiver.seen.lock().unwrap();
        assert_eq!(seen.callbacks.len(), 3, "{:?}", seen.callbacks);
        let mut applied = seen.applied.clone();
        applied.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        let mut expected: Vec<_> = orders
            .iter()
            .map(|(r, id)| (r.to_string(), id.clone(), OrderState::Paid))
            .collect();
        expected.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        assert_eq!(applied, expected, "each bound to its order, applied once");
    }
    listen.kill().await;

    // A fourth order times out; a restarted listen delivers that one only.
    let late = create(&env, &receiver, "cart-4", false).await;
    let expire = env.run(&["sandbox", "expire", &late]).await;
    assert_eq!(expire.code, 0, "{}", expire.stderr);
    let (code, lines) = env
        .spawn(&[
            "listen",
            "--forward-to",
            &receiver.origin,
            "--once",
            "--backoff",
            "100ms",
        ])
        .finish(Duration::from_secs(20))
        .await;
    assert_eq!(code, 0, "{lines:#?}");
    let again: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("delivery "))
        .collect();
    assert_eq!(again.len(), 1, "none delivered twice: {lines:#?}");
    assert!(
        again[0].contains(&format!("order={late} event=timeout")) && accepted(again[0]),
        "{again:?}"
    );
    assert_eq!(receiver.seen.lock().unwrap().callbacks.len(), 4);

    // Replay: every journaled delivery again; the processor applies nothing twice.
    let replay = env
        .run(&["callback", "replay", "--since", "10m", "--backoff", "100ms"])
        .await;
    assert_eq!(replay.code, 0, "{}\n{}", replay.stdout, replay.stderr);
    assert_eq!(
        replay.stdout.lines().filter(|l| accepted(l)).count(),
        4,
        "{}",
        replay.stdout
    );
    let seen = receiver.seen.lock().unwrap();
    assert_eq!(seen.callbacks.len(), 8, "{:?}", seen.callbacks);
    assert!(
        seen.callbacks.iter().all(|(_, _, status)| *status == 200),
        "{:?}",
        seen.callbacks
    );
    assert_eq!(
        seen.applied.len(),
        4,
        "nothing applied twice: {:?}",
        seen.applied
    );
    assert!(
        seen.applied
            .contains(&("cart-4".to_owned(), late, OrderState::Expired))
    );
}

/// A receiver that fails is retried with back-off, then given up on (and
/// journaled, so a restart does not start over); nothing is sent to any
/// other host than the forward target, whatever the order's URL says.
#[tokio::test]
async fn failures_are_retried_then_given_up_and_urls_stay_on_the_target() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    sandbox.inject_callback_fault(CallbackFault::Drop, Repeat::UntilCleared);
    let dir = scratch("listen-fail");
    let env = Env::api_key(&sandbox, &dir).callbacks(&sandbox);
    // The order's own URL names another host; the target has no listener.
    let mut args = payment_info("ETH", "USDT-ERC20", "20");
    args.extend([
        "--callback-url",
        "https://shop.example:8443/aurpay/callback?ref=cart-9&event=paid",
    ]);
    let run = env.run(&args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let id = run.json()["order_id"].as_str().unwrap().to_owned();
    sandbox
        .pay(&id, aurpay_api::sandbox::Payment::Full)
        .unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let (code, lines) = env
        .spawn(&[
            "listen",
            "--forward-to",
            &target,
            "--once",
            "--since",
            "5m",
            "--attempts",
            "3",
            "--backoff",
            "50ms",
        ])
        .finish(Duration::from_secs(20))
        .await;
    assert_eq!(code, 1, "not accepted: {lines:#?}");
    let attempts: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("delivery "))
        .collect();
    assert_eq!(attempts.len(), 3, "{lines:#?}");
    for (n, line) in attempts.iter().enumerate() {
        assert!(
            line.contains(&format!(
                "{target}/aurpay/callback?ref=cart-9&event=paid attempt={}/3 -> no answer",
                n + 1
            )),
            "{line}"
        );
    }
    let (code, lines) = env
        .spawn(&["listen", "--forward-to", &target, "--once", "--since", "5m"])
        .finish(Duration::from_secs(20))
        .await;
    assert_eq!(code, 0, "{lines:#?}");
    assert!(
        !lines.iter().any(|l| l.starts_with("delivery ")),
        "given up, not retried: {lines:#?}"
    );
}
