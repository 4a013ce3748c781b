//! The quickstart's offline story, run as a test: the same code the README's
//! main command runs without credentials.

#[path = "../examples/story/mod.rs"]
mod story;

#[tokio::test]
async fn offline_story_completes() {
    let mut out = Vec::new();
    let result = story::run(&mut out).await;
    let transcript = String::from_utf8(out).unwrap();
    assert!(result.is_ok(), "{result:?}\n{transcript}");
    for expected in [
        "1. Currencies: fiat USD",
        "2. Hosted checkout order",
        "5. Callback: POST Paid ref=direct-1 -> order",
        "API confirms SUCCESS (paid: true)",
        "6. Callback: GET Paid ref=bln-1 -> order",
        "7. Callback: GET TimedOut ref=hosted-1 -> order",
        "; API confirms OVERDUE",
        "11. Refund: SUCCESS 10",
        "14. Withdraw 50 USDT-ERC20: SUCCESS",
        "16. Lightning withdraw: SUCCESS",
        "Story complete",
    ] {
        assert!(
            transcript.contains(expected),
            "missing {expected:?} in\n{transcript}"
        );
    }
}
