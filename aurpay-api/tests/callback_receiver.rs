//! The `callback_receiver` example, driven over real HTTP: verified
//! callbacks get 200, failed verification 401, malformed POST bodies 400,
//! and one printed line each. Requests are signed by the tests' own HMAC
//! code, not by the SDK.

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
            .env("AURPAY_CALLBACK_TOKEN", TOKEN)
            .env("AURPAY_CALLBACK_SECRET", SECRET)
            .env_remove("AURPAY_CALLBACK_PUBLIC_URL")
            .stdout(Stdio::piped());
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

async fn send(
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
        .header("Callback-Token", TOKEN)
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

fn now() -> String {
    aurpay_api::signing::format_date(chrono::DateTime::<chrono::Utc>::from(
        std::time::SystemTime::now(),
    ))
}

#[tokio::test]
async fn receiver_answers_200_401_400_and_prints_one_line_each() {
    let receiver = Receiver::start(None);
    let base = format!("http://{}", receiver.addr);
    let paid = "/aurpay/paid?order_id=20250207040935220628";
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
        line.starts_with("accepted GET /aurpay/paid kind=Paid order=20250207040935220628"),
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
            .starts_with("rejected GET /aurpay/paid status=401")
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

    let timeout = "/aurpay/timeout?order_id=1";
    let order = r#"{"order_id":"1","status":"OVERDUE","amount":"0.1"}"#;
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
        line.contains("kind=TimedOut order=1 status=OVERDUE key=1:OVERDUE"),
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
            .starts_with("rejected POST /aurpay/timeout status=400")
    );
}

/// Behind a proxy the receiver is reached at 127.0.0.1 but Aurpay signs the
/// public URL; the receiver rebuilds it from AURPAY_CALLBACK_PUBLIC_URL.
#[tokio::test]
async fn receiver_verifies_against_the_public_url() {
    let receiver = Receiver::start(Some("https://shop.example/"));
    let paid = "/aurpay/paid?order_id=7";
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
    assert!(line.contains("kind=Paid order=7"), "{line}");

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
