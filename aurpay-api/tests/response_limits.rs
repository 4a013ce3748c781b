//! Memory stays bounded whatever an answer holds. Answers larger than the
//! client's limit end in `ResponseTooLarge` while they stream (an endless
//! chunked 200, a 300 MB body with its length declared, 300 MB chunked
//! without one); answers just under the limit whose JSON would decode into
//! far more than their size (a million zeros, millions of empty strings in
//! a list field, a million keys, 8 MB of nesting, an amount that is an
//! array) are refused before decoding, or decoded within bounds, with error
//! texts and `Error::data` capped. Its own test binary, so that nothing
//! else runs in the process while the peak resident set size is measured.

mod support;

use std::time::{Duration, Instant};

use aurpay_api::{
    Client, Credentials, DEFAULT_MAX_RESPONSE_BYTES, ErrorKind, MAX_ERROR_TEXT_CHARS,
    MAX_KEPT_DATA_BYTES, Outcome,
};
use support::raw::{Act, RawServer, json};

const MIB: u64 = 1024 * 1024;

/// A field of `/proc/self/status`, in KiB.
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|line| line.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The tests of this binary measure the process's memory: one at a time.
static MEASURING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A client for `server` with the default response size limit and a
/// timeout far above what streaming any of these answers takes.
fn client(server: &RawServer, api_key: &str) -> Client {
    Client::builder()
        .base_url(server.url())
        .credentials(Credentials::api_key(api_key).unwrap())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// A read (`money`: false) or a call that moves money (`money`: true),
/// answered by what the server was told next.
async fn call(client: &Client, money: bool) -> Result<(), aurpay_api::Error> {
    if money {
        let body = support::payment_request("ETH", "USDT-ERC20", 10);
        client.get_payment_info().body(body).call().await.map(drop)
    } else {
        client
            .get_orders_details()
            .order_id("20250207040935220628")
            .call()
            .await
            .map(drop)
    }
}

/// Resets the kernel's peak-RSS mark (`VmHWM`) to the current RSS.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

#[tokio::test(flavor = "current_thread")]
async fn oversized_answers_stop_at_the_limit_with_bounded_memory() {
    let _alone = MEASURING.lock().await;
    let server = RawServer::start().await;
    let client = client(&server, "limits-api-key-0000");
    // Measured where the kernel tells the peak (Linux, where CI runs).
    let measurable = cfg!(target_os = "linux") && reset_peak();
    if cfg!(target_os = "linux") && !measurable {
        panic!("cannot reset the peak RSS mark (/proc/self/clear_refs)");
    }
    let baseline = status_kib("VmRSS:").unwrap_or(0);
    let started = Instant::now();

    let cases = [
        ("endless chunked", Act::EndlessChunked),
        ("300 MB, length declared", Act::Huge(300 * MIB)),
        ("300 MB chunked", Act::HugeChunked(300 * MIB)),
    ];
    for (name, act) in cases {
        for money in [false, true] {
            server.push(act.clone());
            let result = if money {
                call(&client, true).await
            } else {
                client.get_orders().call().await.map(drop)
            };
            let error = result.unwrap_err();
            assert!(
                matches!(error.kind(), ErrorKind::ResponseTooLarge { status: 200, limit } if *limit == DEFAULT_MAX_RESPONSE_BYTES),
                "{name}: {error:?}"
            );
            assert_eq!(error.outcome(), Outcome::Unknown, "{name}");
            assert_eq!(support::safe_to_retry(&error), !money, "{name}");
        }
    }
    assert_eq!(
        server.requests().len(),
        6,
        "an oversized answer is never retried"
    );
    let elapsed = started.elapsed();

    if measurable {
        let peak = status_kib("VmHWM:").expect("VmHWM");
        let growth_mib = peak.saturating_sub(baseline) as f64 / 1024.0;
        eprintln!(
            "peak RSS growth over 6 oversized answers: {growth_mib:.1} MiB \
             (baseline {:.1} MiB, peak {:.1} MiB, {elapsed:?})",
            baseline as f64 / 1024.0,
            peak as f64 / 1024.0
        );
        assert!(growth_mib < 64.0, "peak memory grew by {growth_mib:.1} MiB");
    } else {
        eprintln!("skipped the memory measurement: /proc/self/clear_refs is not writable here");
    }
    assert!(elapsed < Duration::from_secs(30), "{elapsed:?}");
}

/// A code-0 envelope around `data`, padded with spaces to just under the
/// size limit (the padding is outside `data`).
fn envelope_near_the_limit(data: &str) -> String {
    let body = format!(r#"{{"code":0,"message":"ok","result":true,"data":{data}}}"#);
    let limit = usize::try_from(DEFAULT_MAX_RESPONSE_BYTES).unwrap();
    // The HTTP head takes about 100 bytes; stay 1 KiB under.
    let pad = limit.saturating_sub(body.len() + 1024);
    format!("{body}{}", " ".repeat(pad))
}

/// `n` copies of `item` separated by commas, as a JSON array.
fn array_of(item: &str, n: usize) -> String {
    let mut out = String::with_capacity(n * (item.len() + 1) + 2);
    out.push('[');
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        out.push_str(item);
    }
    out.push(']');
    out
}

#[tokio::test(flavor = "current_thread")]
async fn answers_that_would_decode_into_far_more_than_their_size_stay_bounded() {
    let _alone = MEASURING.lock().await;
    let server = RawServer::start().await;
    let client = client(&server, "shapes-api-key-0000");
    let limit = usize::try_from(DEFAULT_MAX_RESPONSE_BYTES).unwrap();
    let order = |extra: &str| {
        format!(r#"{{"order_id":"20250207040935220628","status":"PENDING","amount":"1",{extra}}}"#)
    };
    // Each shape fills the body to just under the limit.
    let zeros = array_of("0", (limit - 2048) / 2);
    let empty_strings = order(&format!(
        r#""tx_hash_list":{}"#,
        array_of(r#""""#, (limit - 4096) / 3)
    ));
    let keys: String = {
        let mut out = String::from("{");
        let mut i = 0usize;
        while out.len() < limit - 4096 {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&format!(r#""k{i}":0"#));
            i += 1;
        }
        out.push('}');
        out
    };
    let depth = (limit - 4096) / 2;
    let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let array_amount = order(&format!(r#""fee":{}"#, array_of(r#""0.1""#, 1000))).replacen(
        r#""amount":"1""#,
        &format!(r#""amount":{}"#, array_of("1", 100)),
        1,
    );
    let long_string = order(&format!(r#""remark":"{}""#, "x".repeat(limit - 4096)));
    let cases = [
        ("a million zeros as data", zeros),
        ("millions of empty strings in a list field", empty_strings),
        ("an object of a million keys", keys),
        ("8 MB of nesting", nested),
        ("an amount that is an array", array_amount),
        ("one 8 MB string", long_string),
    ];
    // Measured where the kernel tells the peak (Linux, where CI runs).
    let measurable = cfg!(target_os = "linux") && reset_peak();
    if cfg!(target_os = "linux") && !measurable {
        panic!("cannot reset the peak RSS mark (/proc/self/clear_refs)");
    }
    let bodies: Vec<(&str, String)> = cases
        .iter()
        .map(|(name, data)| (*name, envelope_near_the_limit(data)))
        .collect();
    drop(cases);
    // One baseline for all: the peak over every shape (the server's copies
    // of the bodies included) bounds what any one of them took.
    if measurable {
        reset_peak();
    }
    let baseline = status_kib("VmRSS:").unwrap_or(0);
    for (name, body) in &bodies {
        assert!(body.len() < limit && body.len() > limit - 4096, "{name}");
        for money in [false, true] {
            server.push(json(200, body));
            let result = call(&client, money).await;
            if measurable {
                let peak = status_kib("VmHWM:").expect("VmHWM");
                let growth = peak.saturating_sub(baseline) as f64 / 1024.0;
                assert!(growth < 64.0, "{name}: peak memory grew by {growth:.1} MiB");
            }
            // One long string decodes (it is as big as the answer, no
            // bigger). The rest: Aurpay said code 0, so applied, whatever
            // became of `data`; the error's texts and data are bounded.
            let error = match result {
                Ok(()) if name.contains("string") => continue,
                Ok(()) => panic!("{name}: decoded"),
                Err(error) => error,
            };
            assert_eq!(error.outcome(), Outcome::Applied, "{name}: {error:?}");
            let shown = format!("{error} {error:?}");
            assert!(
                shown.chars().count() < 4 * MAX_ERROR_TEXT_CHARS,
                "{name}: {} characters of error text",
                shown.chars().count()
            );
            if let Some(data) = error.data() {
                assert!(
                    data.to_string().len() <= MAX_KEPT_DATA_BYTES,
                    "{name}: kept data"
                );
            }
            drop(error);
        }
        eprintln!("{name}: ok");
    }
    if measurable {
        let peak = status_kib("VmHWM:").expect("VmHWM");
        eprintln!(
            "peak RSS growth over {} answers of {} shapes just under the 8 MiB limit: {:.1} MiB",
            bodies.len() * 2,
            bodies.len(),
            peak.saturating_sub(baseline) as f64 / 1024.0
        );
    }
}
