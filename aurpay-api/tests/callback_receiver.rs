//! The `callback_receiver` example, driven over real HTTP: verified
//! callbacks get 200, failed verification 401, malformed POST bodies 400,
//! and one printed line each; with API credentials (against the sandbox),
//! the whole flow for GET and POST callbacks: reference in the signed URL,
//! stored Aurpay order id, binding, authoritative order. Requests the tests
//! forge are signed by the tests' own HMAC code, not by the SDK.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use support::independent_callback_signature;

const TOKEN: &str = "RECEIVER-TOKEN";
const SECRET: &str = "receiver-secret";

struct Receiver {
    child: Child,
    lines: mpsc::Receiver<String>,
    addr: String,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Receiver {
    fn start(public_url: Option<&str>) -> Receiver {
        Self::start_with(public_url, &[], TOKEN, SECRET)
    }

    fn start_with(
        public_url: Option<&str>,
        extra_env: &[(&str, &str)],
        token: &str,
        secret: &str,
    ) -> Receiver {
        // cargo test builds examples next to the test binaries' directory.
        let exe = std::env::current_exe().unwrap();
        let binary = exe
            .parent()
            .unwrap()
            .parent()
            .unwrap()
            .join("examples/callback_receiver");
        assert!(
            binary.exists(),
            "{} not built (cargo test builds examples)",
            binary.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let mut command = Command::new(binary);
        command
            .env("AURPAY_CALLBACK_ADDR", &addr)
            .env("AURPAY_CALLBACK_TOKEN", token)
            .env("AURPAY_CALLBACK_SECRET", secret)
            .env_remove("AURPAY_CALLBACK_PUBLIC_URL")
            .env_remove("AURPAY_API_KEY")
            .env_remove("AURPAY_API_TOKEN")
            .env_remove("AURPAY_API_SECRET")
            .env_remove("AURPAY_BASE_URL")
            .env_remove("AURPAY_DEMO_ORDERS")
            .stdout(Stdio::piped());
        for (name, value) in extra_env {
            command.env(name, value);
        }
        if let Some(url) = public_url {
            command.env("AURPAY_CALLBACK_PUBLIC_URL", url);
        }
        let mut child = command.spawn().expect("start callback_receiver");
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        let receiver = Receiver { child, lines, addr };
        let first = receiver.line();
        assert!(first.starts_with("listening on"), "{first}");
        receiver
    }

    fn line(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(20))
            .expect("a line from the receiver")
    }
}

#[allow(clippy::too_many_arguments)]
async fn send_as(
    token: &str,
    receiver: &Receiver,
    method: reqwest::Method,
    path_and_query: &str,
    signed_url: &str,
    secret: &str,
    date: &str,
    body: Option<&str>,
) -> (u16, String) {
    let url = format!("http://{}{path_and_query}", receiver.addr);
    let mut request = reqwest::Client::new()
        .request(method, url)
        .header("Callback-Token", token)
        .header("Date", date)
        .header(
            "Signature",
            independent_callback_signature(secret, date, signed_url),
        )
        .header("API-Key", "merchant-api-key");
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_owned());
    }
    let response = request.send().await.expect("receiver answers");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

async fn send(
    receiver: &Receiver,
    method: reqwest::Method,
    path_and_query: &str,
    signed_url: &str,
    secret: &str,
    date: &str,
    body: Option<&str>,
) -> (u16, String) {
    send_as(
        TOKEN,
        receiver,
        method,
        path_and_query,
        signed_url,
        secret,
        date,
        body,
    )
    .await
}

fn now() -> String {
    aurpay_api::signing::format_date(&aurpay_api::clock::Clock::now(
        &aurpay_api::clock::SystemClock,
    ))
}

#[tokio::test]
async fn receiver_answers_200_401_400_and_prints_one_line_each() {
    let receiver = Receiver::start(None);
    let base = format!("http://{}", receiver.addr);
    let paid = "/aurpay/callback?ref=cart-1001&event=paid";
    let date = now();

    let (status, _) = send(
        &receiver,
        reqwest::Method::GET,
        paid,
        &format!("{base}{paid}"),
        SECRET,
        &date,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let line = receiver.line();
    assert!(
        line.starts_with("accepted GET /aurpay/callback event=Paid ref=cart-1001 (verify-only"),
        "{line}"
    );

    let (status, body) = send(
        &receiver,
        reqwest::Method::GET,
        paid,
        &format!("{base}{paid}"),
        "wrong-secret",
        &date,
        None,
    )
    .await;
    assert_eq!(status, 401);
    assert!(
        body.contains("bad Signature") && !body.contains(SECRET),
        "{body}"
    );
    assert!(
        receiver
            .line()
            .starts_with("rejected GET /aurpay/callback status=401")
    );

    let stale = "2024-06-17T00:00:00Z";
    let (status, _) = send(
        &receiver,
        reqwest::Method::GET,
        paid,
        &format!("{base}{paid}"),
        SECRET,
        stale,
        None,
    )
    .await;
    assert_eq!(status, 401);
    assert!(receiver.line().contains("stale"));

    let timeout = "/aurpay/callback?ref=cart-1&event=timeout";
    let order = r#"{"order_id":"1","status":"SUCCESS","amount":"0.1"}"#;
    let (status, _) = send(
        &receiver,
        reqwest::Method::POST,
        timeout,
        &format!("{base}{timeout}"),
        SECRET,
        &date,
        Some(order),
    )
    .await;
    assert_eq!(status, 200);
    let line = receiver.line();
    assert!(
        line.contains("POST /aurpay/callback event=TimedOut ref=cart-1 "),
        "{line}"
    );

    let (status, body) = send(
        &receiver,
        reqwest::Method::POST,
        timeout,
        &format!("{base}{timeout}"),
        SECRET,
        &date,
        Some("{not json"),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        receiver
            .line()
            .starts_with("rejected POST /aurpay/callback status=400")
    );
}

/// Behind a proxy the receiver is reached at 127.0.0.1 but Aurpay signs the
/// public URL; the receiver rebuilds it from AURPAY_CALLBACK_PUBLIC_URL.
#[tokio::test]
async fn receiver_verifies_against_the_public_url() {
    let receiver = Receiver::start(Some("https://shop.example/"));
    let paid = "/aurpay/callback?ref=7&event=paid";
    let date = now();
    let public = format!("https://shop.example{paid}");
    let (status, _) = send(
        &receiver,
        reqwest::Method::GET,
        paid,
        &public,
        SECRET,
        &date,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let line = receiver.line();
    assert!(line.contains("event=Paid ref=7"), "{line}");

    let local = format!("http://{}{paid}", receiver.addr);
    let (status, _) = send(
        &receiver,
        reqwest::Method::GET,
        paid,
        &local,
        SECRET,
        &date,
        None,
    )
    .await;
    assert_eq!(status, 401, "the local URL is not what Aurpay signs");
    assert!(receiver.line().starts_with("rejected"));
}

/// The documented flow, end to end, for GET and POST callbacks: the example
/// creates orders against the sandbox with `CallbackUrls`, stores each
/// Aurpay order id under its reference, and, when the sandbox delivers the
/// signed callbacks, binds them and confirms the order with the API. A POST
/// whose unsigned body names another order is refused; an unknown reference
/// gets 404. (Multi-threaded: the sandbox serves the receiver while this
/// test blocks reading the receiver's output.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receiver_resolves_references_and_confirms_orders_for_get_and_post() {
    use aurpay_api::sandbox::{Payment, Sandbox};

    let sandbox = Sandbox::builder().start().await.unwrap();
    let config = sandbox.config().clone();
    let base_url = sandbox.base_url();
    let receiver = Receiver::start_with(
        None,
        &[
            ("AURPAY_BASE_URL", base_url.as_str()),
            ("AURPAY_API_KEY", config.api_key.as_str()),
            ("AURPAY_DEMO_ORDERS", "1"),
        ],
        &config.callback_token,
        &config.callback_secret,
    );
    let hosted = receiver.line();
    let get_order = hosted
        .strip_prefix("created demo-get order=")
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("{hosted}"))
        .to_owned();
    let direct = receiver.line();
    let post_order = direct
        .strip_prefix("created demo-post order=")
        .unwrap_or_else(|| panic!("{direct}"))
        .to_owned();

    // GET: the hosted order's id came out of its pay_url.
    sandbox.pay(&get_order, Payment::Full).unwrap();
    let line = receiver.line();
    assert_eq!(
        line,
        format!(
            "accepted GET /aurpay/callback event=Paid ref=demo-get order={get_order} api_status=SUCCESS paid=true"
        )
    );

    // POST: the body agrees with the signed reference.
    sandbox.pay(&post_order, Payment::Full).unwrap();
    let line = receiver.line();
    assert_eq!(
        line,
        format!(
            "accepted POST /aurpay/callback event=Paid ref=demo-post order={post_order} api_status=SUCCESS paid=true"
        )
    );

    // A replayed signature for demo-get with a body naming the other order.
    let path = "/aurpay/callback?ref=demo-get&event=paid";
    let signed = format!("http://{}{path}", receiver.addr);
    let forged = format!(r#"{{"order_id":"{post_order}","status":"SUCCESS","amount":"1"}}"#);
    let (status, body) = send_as(
        &config.callback_token,
        &receiver,
        reqwest::Method::POST,
        path,
        &signed,
        &config.callback_secret,
        &now(),
        Some(&forged),
    )
    .await;
    assert_eq!(status, 401, "{body}");
    let line = receiver.line();
    assert!(
        line.contains("status=401") && line.contains("unsigned body"),
        "{line}"
    );

    // A verified callback for a reference the shop never issued.
    let path = "/aurpay/callback?ref=nobody&event=paid";
    let signed = format!("http://{}{path}", receiver.addr);
    let (status, _) = send_as(
        &config.callback_token,
        &receiver,
        reqwest::Method::GET,
        path,
        &signed,
        &config.callback_secret,
        &now(),
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert!(receiver.line().contains("no order known for reference"));
}
