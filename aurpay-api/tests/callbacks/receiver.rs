//! The `callback_receiver` example, driven over real HTTP: verified
//! callbacks get 200, failed verification 401, malformed POST bodies 400,
//! and one printed line each; with API credentials (against the sandbox),
//! the whole flow for GET and POST callbacks: reference in the signed URL,
//! stored Aurpay order id, binding, authoritative order. Requests the tests
//! forge are signed by the tests' own HMAC code, not by the SDK.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;

use crate::support::{PATIENCE, independent_callback_signature};

const TOKEN: &str = "RECEIVER-TOKEN";
const SECRET: &str = "receiver-secret";

struct ReceiverProcess {
    child: Child,
    lines: mpsc::Receiver<String>,
    addr: String,
}

impl Drop for ReceiverProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ReceiverProcess {
    fn start(public_url: Option<&str>) -> ReceiverProcess {
        Self::start_with(public_url, &[], TOKEN, SECRET)
    }

    fn start_with(
        public_url: Option<&str>,
        extra_env: &[(&str, &str)],
        token: &str,
        secret: &str,
    ) -> ReceiverProcess {
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
        let receiver = ReceiverProcess { child, lines, addr };
        let first = receiver.line();
        assert!(first.starts_with("listening on"), "{first}");
        receiver
    }

    fn line(&self) -> String {
        self.lines
            .recv_timeout(PATIENCE)
            .expect("a line from the receiver")
    }
}

/// A callback as the test forges it: signed by the tests' own code with
/// `secret` over `signed_url` (which need not be where it is sent).
struct Forged<'a> {
    token: &'a str,
    secret: &'a str,
    method: reqwest::Method,
    path_and_query: &'a str,
    signed_url: String,
    date: String,
    body: Option<&'a str>,
}

impl<'a> Forged<'a> {
    /// A GET of `path_and_query` on the receiver, signed over its own URL
    /// with the receiver's token and secret, now.
    fn get(receiver: &ReceiverProcess, path_and_query: &'a str) -> Forged<'a> {
        Forged {
            token: TOKEN,
            secret: SECRET,
            method: reqwest::Method::GET,
            path_and_query,
            signed_url: format!("http://{}{path_and_query}", receiver.addr),
            date: now(),
            body: None,
        }
    }

    /// The same as a POST of `body`.
    fn post(receiver: &ReceiverProcess, path_and_query: &'a str, body: &'a str) -> Forged<'a> {
        Forged {
            method: reqwest::Method::POST,
            body: Some(body),
            ..Forged::get(receiver, path_and_query)
        }
    }

    fn signed_with(self, token: &'a str, secret: &'a str) -> Self {
        Forged {
            token,
            secret,
            ..self
        }
    }

    fn signed_over(self, url: &str) -> Self {
        Forged {
            signed_url: url.to_owned(),
            ..self
        }
    }

    fn dated(self, date: &str) -> Self {
        Forged {
            date: date.to_owned(),
            ..self
        }
    }

    /// Sends it: the receiver's status and body.
    async fn send(&self, receiver: &ReceiverProcess) -> (u16, String) {
        let url = format!("http://{}{}", receiver.addr, self.path_and_query);
        let mut request = reqwest::Client::new()
            .request(self.method.clone(), url)
            .header("Callback-Token", self.token)
            .header("Date", &self.date)
            .header(
                "Signature",
                independent_callback_signature(self.secret, &self.date, &self.signed_url),
            )
            .header("API-Key", "merchant-api-key");
        if let Some(body) = self.body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_owned());
        }
        let response = request.send().await.expect("receiver answers");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }
}

fn now() -> String {
    aurpay_api::signing::format_date(&aurpay_api::clock::Clock::now(
        &aurpay_api::clock::SystemClock,
    ))
}

#[tokio::test]
async fn receiver_answers_200_401_400_and_prints_one_line_each() {
    let receiver = ReceiverProcess::start(None);
    let paid = "/aurpay/callback?ref=cart-1001&event=paid";

    let (status, _) = Forged::get(&receiver, paid).send(&receiver).await;
    assert_eq!(status, 200);
    let line = receiver.line();
    assert!(
        line.starts_with("accepted GET /aurpay/callback event=Paid ref=cart-1001 (verify-only"),
        "{line}"
    );

    let (status, body) = Forged::get(&receiver, paid)
        .signed_with(TOKEN, "wrong-secret")
        .send(&receiver)
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

    let stale = Forged::get(&receiver, paid).dated("2024-06-17T00:00:00Z");
    let (status, _) = stale.send(&receiver).await;
    assert_eq!(status, 401);
    assert!(receiver.line().contains("stale"));

    let timeout = "/aurpay/callback?ref=cart-1&event=timeout";
    let order = r#"{"order_id":"1","status":"SUCCESS","amount":"0.1"}"#;
    let (status, _) = Forged::post(&receiver, timeout, order)
        .send(&receiver)
        .await;
    assert_eq!(status, 200);
    let line = receiver.line();
    assert!(
        line.contains("POST /aurpay/callback event=TimedOut ref=cart-1 "),
        "{line}"
    );

    let (status, body) = Forged::post(&receiver, timeout, "{not json")
        .send(&receiver)
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
    let receiver = ReceiverProcess::start(Some("https://shop.example/"));
    let paid = "/aurpay/callback?ref=7&event=paid";
    let public = format!("https://shop.example{paid}");
    let (status, _) = Forged::get(&receiver, paid)
        .signed_over(&public)
        .send(&receiver)
        .await;
    assert_eq!(status, 200);
    let line = receiver.line();
    assert!(line.contains("event=Paid ref=7"), "{line}");

    // Signed over the local URL (what `get` signs by default).
    let (status, _) = Forged::get(&receiver, paid).send(&receiver).await;
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
    let receiver = ReceiverProcess::start_with(
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
    let forged = format!(r#"{{"order_id":"{post_order}","status":"SUCCESS","amount":"1"}}"#);
    let (status, body) = Forged::post(&receiver, path, &forged)
        .signed_with(&config.callback_token, &config.callback_secret)
        .send(&receiver)
        .await;
    assert_eq!(status, 401, "{body}");
    let line = receiver.line();
    assert!(
        line.contains("status=401") && line.contains("unsigned body"),
        "{line}"
    );

    // A verified callback for a reference the shop never issued.
    let path = "/aurpay/callback?ref=nobody&event=paid";
    let (status, _) = Forged::get(&receiver, path)
        .signed_with(&config.callback_token, &config.callback_secret)
        .send(&receiver)
        .await;
    assert_eq!(status, 404);
    assert!(receiver.line().contains("no order known for reference"));
}
