//! Answers larger than the client's limit end in `ResponseTooLarge` while
//! they stream, and the process's peak memory barely moves: an endless
//! chunked 200, a 300 MB body with its length declared, and 300 MB chunked
//! without one. Its own test binary, so that nothing else runs in the
//! process while the peak resident set size is measured.

mod support;

use std::time::{Duration, Instant};

use aurpay_api::{
    Amount, Client, Credentials, DEFAULT_MAX_RESPONSE_BYTES, ErrorKind, Outcome, types,
};
use support::raw::{Act, RawServer};

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

/// Resets the kernel's peak-RSS mark (`VmHWM`) to the current RSS.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

#[tokio::test(flavor = "current_thread")]
async fn oversized_answers_stop_at_the_limit_with_bounded_memory() {
    let server = RawServer::start().await;
    let client = Client::builder()
        .base_url(server.url())
        .credentials(Credentials::api_key("limits-api-key-0000").unwrap())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let measurable = cfg!(target_os = "linux") && reset_peak();
    if !measurable && std::env::var_os("CI").is_some() {
        panic!("cannot reset the peak RSS mark (/proc/self/clear_refs): required in CI");
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
                let body = types::PaymentInfoRequest::builder()
                    .chain("ETH")
                    .currency("USDT-ERC20")
                    .vs_currency("USD")
                    .vs_price(Amount::from(10));
                client.get_payment_info().body(body).call().await.map(drop)
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
