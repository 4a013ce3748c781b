//! The sandbox's hosted checkout page in a real headless browser: the buyer
//! opens the order's `pay_url`, pays, lands on the merchant's `succeed_url`,
//! and the merchant's receiver has the verified callback. Another buyer lets
//! an order expire and lands on `timeout_url`.
//!
//! Drives Debian's Chromium through ChromeDriver's W3C WebDriver HTTP API
//! (plain JSON over loopback, with reqwest). Needs the `chromium` and
//! `chromium-driver` packages, so it is `#[ignore]`d: run it with
//! `cargo test -p aurpay-api --test checkout_browser -- --ignored`
//! (`.ci/run` installs them and runs it).
//!
//! Writes a screenshot of the page to `$CARGO_TARGET_TMPDIR/checkout-page.png`
//! and prints the page's weight and the time from opening `pay_url` to
//! landing on `succeed_url`.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aurpay_api::callback::{CallbackEvent, CallbackRequest, CallbackUrls};
use aurpay_api::sandbox::Sandbox;
use aurpay_api::{Amount, types};
use base64::Engine as _;
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Panics, saying what to install, when the browser is missing.
fn require_browser() {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    assert!(
        missing.is_empty(),
        "{missing:?} not installed: apt-get install chromium chromium-driver"
    );
}

/// A ChromeDriver process on a free loopback port, killed on drop.
struct Driver {
    child: Child,
    base: String,
    http: reqwest::Client,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    async fn start() -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let driver = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
        };
        for _ in 0..200 {
            let ready = driver
                .http
                .get(format!("{}/status", driver.base))
                .send()
                .await
                .ok()
                .map(|r| r.status().is_success());
            if ready == Some(true) {
                return driver;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("chromedriver did not start within 10 s");
    }

    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request
            .send()
            .await
            .expect("webdriver request")
            .json()
            .await
            .expect("webdriver JSON");
        if let Some(error) = answer["value"].get("error") {
            panic!("webdriver {path}: {error}: {}", answer["value"]["message"]);
        }
        answer["value"].clone()
    }

    async fn session(&self) -> Session<'_> {
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=720,900",
                         "--no-first-run", "--no-default-browser-check"]
            }
        }}});
        let value = self
            .command(reqwest::Method::POST, "/session", Some(capabilities))
            .await;
        let id = value["sessionId"].as_str().expect("session id").to_owned();
        Session { driver: self, id }
    }
}

struct Session<'d> {
    driver: &'d Driver,
    id: String,
}

impl Session<'_> {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        self.driver
            .command(method, &format!("/session/{}{path}", self.id), body)
            .await
    }

    async fn open(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn source(&self) -> String {
        self.call(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Clicks the element, waiting (bounded) for it to appear: after a
    /// script redirect the new page may still be loading.
    async fn click(&self, css: &str) {
        self.call(
            reqwest::Method::POST,
            "/timeouts",
            Some(json!({"implicit": 10_000})),
        )
        .await;
        let element = self
            .call(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        let id = element
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .expect("element id")
            .to_owned();
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            Some(json!({})),
        )
        .await;
    }

    async fn screenshot(&self, path: &Path) {
        let png = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().expect("base64 PNG"))
            .expect("PNG");
        std::fs::write(path, bytes).expect("write screenshot");
    }

    /// Polls the page source until it contains `text` (bounded).
    async fn wait_for_source(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let source = self.source().await;
            if source.contains(text) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "page never showed {text:?}: {source}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Polls the URL until it starts with `prefix` (bounded).
    async fn wait_for_url(&self, prefix: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let url = self.url().await;
            if url.starts_with(prefix) {
                return url;
            }
            assert!(
                Instant::now() < deadline,
                "still at {url}, expected {prefix}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    async fn close(self) {
        self.call(reqwest::Method::DELETE, "", None).await;
    }
}

/// The merchant's side: a thank-you page, a timeout page, and a callback
/// receiver that records verified callbacks as (reference, event).
async fn merchant(
    sandbox: &Sandbox,
) -> (
    String,
    CallbackUrls,
    Arc<Mutex<Vec<(String, CallbackEvent)>>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let urls = CallbackUrls::new(&format!("{base}/aurpay/callback")).unwrap();
    let verifier = sandbox.callback_verifier().callback_urls(&urls);
    let received: Arc<Mutex<Vec<(String, CallbackEvent)>>> = Arc::default();
    let record = Arc::clone(&received);
    let origin = base.clone();
    let callback = move |request: axum::extract::Request| {
        let verifier = verifier.clone();
        let record = Arc::clone(&record);
        let origin = origin.clone();
        async move {
            let (parts, body) = request.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20)
                .await
                .unwrap_or_default();
            let url = format!("{origin}{}", parts.uri);
            match verifier.verify(&CallbackRequest::new(
                parts.method.as_str(),
                &url,
                &parts.headers,
                &body,
            )) {
                Ok(callback) => {
                    let reference = callback.reference().unwrap_or_default().to_owned();
                    record.lock().unwrap().push((reference, callback.event()));
                    axum::http::StatusCode::OK
                }
                Err(_) => axum::http::StatusCode::UNAUTHORIZED,
            }
        }
    };
    let app = axum::Router::new()
        .route(
            "/shop/thanks",
            axum::routing::get(|| async {
                axum::response::Html("<h1>Thank you for your order</h1>")
            }),
        )
        .route(
            "/shop/expired",
            axum::routing::get(|| async {
                axum::response::Html("<h1>Your payment window closed</h1>")
            }),
        )
        .route("/aurpay/callback", axum::routing::any(callback));
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (base, urls, received)
}

async fn hosted_order(
    sandbox: &Sandbox,
    shop: &str,
    urls: &CallbackUrls,
    reference: &str,
) -> String {
    sandbox
        .client()
        .unwrap()
        .get_payment_url()
        .body(
            types::PaymentUrlRequest::builder()
                .price(Amount::from(25))
                .currency("USD")
                .succeed_url(format!("{shop}/shop/thanks"))
                .timeout_url(format!("{shop}/shop/expired"))
                .callback_url(urls.paid(reference).unwrap())
                .timeout_callback(urls.timeout(reference).unwrap()),
        )
        .call()
        .await
        .unwrap()
        .pay_url
}

async fn wait_for_callback(
    received: &Mutex<Vec<(String, CallbackEvent)>>,
    expected: (&str, CallbackEvent),
) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if received
            .lock()
            .unwrap()
            .iter()
            .any(|(r, e)| r == expected.0 && *e == expected.1)
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no verified {expected:?} callback: {:?}",
            received.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and ChromeDriver: apt-get install chromium chromium-driver"]
async fn a_buyer_pays_on_the_checkout_page_in_a_real_browser() {
    require_browser();
    let sandbox = Sandbox::builder().start().await.unwrap();
    let (shop, urls, received) = merchant(&sandbox).await;
    let driver = Driver::start().await;
    let browser = driver.session().await;

    // Pay in full: the buyer ends on the merchant's thank-you page.
    let pay_url = hosted_order(&sandbox, &shop, &urls, "cart-1").await;
    let started = Instant::now();
    browser.open(&pay_url).await;
    let checkout = browser
        .wait_for_url(&format!("{}/__sandbox/checkout/", sandbox.base_url()))
        .await;
    let source = browser.source().await;
    assert!(source.contains("Pay") && source.contains("BTC"), "{source}");
    // The page as served, while the order is open.
    let page = reqwest::get(&checkout).await.unwrap().text().await.unwrap();
    let screenshot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("checkout-page.png");
    browser.screenshot(&screenshot).await;
    browser.click("#pay-full").await;
    browser.wait_for_url(&format!("{shop}/shop/thanks")).await;
    let time_to_pay = started.elapsed();
    assert!(browser.source().await.contains("Thank you for your order"));
    wait_for_callback(&received, ("cart-1", CallbackEvent::Paid)).await;

    // The page is self-contained: it loads no resource at all (no src,
    // no stylesheet link, no CSS url or import); links to the shop are not
    // loads.
    for load in ["src=", "<link", "url(", "@import"] {
        assert!(!page.contains(load), "loads something ({load}): {page}");
    }
    let png = std::fs::metadata(&screenshot).map(|m| m.len()).unwrap_or(0);
    assert!(png > 1000, "a real screenshot");
    println!(
        "checkout page: {} bytes of HTML, no other resource; screenshot {} ({png} bytes); \
         time from opening pay_url to landing on succeed_url: {} ms",
        page.len(),
        screenshot.display(),
        time_to_pay.as_millis()
    );

    // Partial payment first, then the rest: the page shows what is left.
    let pay_url = hosted_order(&sandbox, &shop, &urls, "cart-2").await;
    browser.open(&pay_url).await;
    browser
        .wait_for_url(&format!("{}/__sandbox/checkout/", sandbox.base_url()))
        .await;
    browser.click("#pay-partial").await;
    // The form posts and the browser comes back to the page (303): wait
    // for the new page rather than read the old one.
    browser
        .wait_for_source("<strong id=\"status\">PARTIAL</strong>")
        .await;
    browser.click("#pay-full").await;
    browser.wait_for_url(&format!("{shop}/shop/thanks")).await;
    wait_for_callback(&received, ("cart-2", CallbackEvent::Paid)).await;

    // Letting it expire: the buyer ends on the timeout page.
    let pay_url = hosted_order(&sandbox, &shop, &urls, "cart-3").await;
    browser.open(&pay_url).await;
    browser
        .wait_for_url(&format!("{}/__sandbox/checkout/", sandbox.base_url()))
        .await;
    browser.click("#expire").await;
    browser.wait_for_url(&format!("{shop}/shop/expired")).await;
    wait_for_callback(&received, ("cart-3", CallbackEvent::TimedOut)).await;

    browser.close().await;
}
