//! The sandbox's hosted checkout page in a real headless browser: the buyer
//! opens the order's `pay_url`, pays, lands on the merchant's `succeed_url`,
//! and the merchant's receiver has the verified callback. Another buyer lets
//! an order expire and lands on `timeout_url`.
//!
//! Drives Debian's Chromium through ChromeDriver's W3C WebDriver HTTP API
//! (plain JSON over loopback, with reqwest). Needs the `chromium` and
//! `chromium-driver` packages, so it is `#[ignore]`d: run it with
//! `cargo test -p aurpay-api --test sandbox checkout_browser -- --ignored`
//! (`.ci/run` installs them and runs it).
//!
//! Nothing here polls: ChromeDriver says on its output when it listens, the
//! browser waits for each page's element itself (WebDriver's implicit
//! wait), and the receiver announces each callback.
//!
//! Writes a screenshot of the page to `$CARGO_TARGET_TMPDIR/checkout-page.png`
//! and prints the page's weight and the time from opening `pay_url` to
//! landing on `succeed_url`.

use std::io::BufRead;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aurpay_api::callback::{CallbackEvent, CallbackUrls};
use aurpay_api::sandbox::Sandbox;
use aurpay_api::{Amount, types};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use base64::Engine as _;
use serde_json::{Value, json};

use crate::support::receiver::{Arrival, Receiver};
use crate::support::{self, PATIENCE};

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
    /// Starts ChromeDriver and returns once it says it listens.
    async fn start() -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let mut child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let stdout = child.stdout.take().unwrap();
        let (started, listening) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let mut started = Some(started);
            // Read to the end, so ChromeDriver never blocks on its output.
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if line.contains("started successfully")
                    && let Some(started) = started.take()
                {
                    let _ = started.send(());
                }
            }
        });
        let driver = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
        };
        support::within("chromedriver says it started", listening)
            .await
            .expect("chromedriver exited before it started");
        driver
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
        let session = Session { driver: self, id };
        // Finding an element waits for it to appear (the browser's own
        // wait, for pages still loading after a redirect or a form post).
        let implicit = u64::try_from(PATIENCE.as_millis()).unwrap();
        session
            .call(
                reqwest::Method::POST,
                "/timeouts",
                Some(json!({"implicit": implicit})),
            )
            .await;
        session
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

    /// The element `value` locates (`using`: "css selector" or "xpath"),
    /// waiting for it to appear: its id.
    async fn find(&self, using: &str, value: &str) -> String {
        let element = self
            .call(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": using, "value": value})),
            )
            .await;
        element
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {value}: {element}"))
            .to_owned()
    }

    /// Waits for the page that has the element `css`, and checks it is at
    /// `prefix`: its URL.
    async fn arrive(&self, css: &str, prefix: &str) -> String {
        self.find("css selector", css).await;
        let url = self.url().await;
        assert!(url.starts_with(prefix), "at {url}, expected {prefix}");
        url
    }

    /// Clicks the element, waiting for it to appear.
    async fn click(&self, css: &str) {
        let id = self.find("css selector", css).await;
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

    async fn close(self) {
        self.call(reqwest::Method::DELETE, "", None).await;
    }
}

/// Verified callbacks as (reference, event).
type Verified = Arc<Mutex<Vec<(String, CallbackEvent)>>>;

/// The merchant's side: a thank-you page, a timeout page, and a callback
/// receiver that records verified callbacks.
async fn merchant(sandbox: &Sandbox) -> (Receiver, CallbackUrls, Verified) {
    let verified: Verified = Arc::default();
    let record = Arc::clone(&verified);
    let receiver = Receiver::serve(|base| {
        let urls = CallbackUrls::new(&format!("{base}/aurpay/callback")).unwrap();
        let verifier = sandbox.callback_verifier().callback_urls(&urls);
        move |arrival: Arrival| {
            let (verifier, record) = (verifier.clone(), Arc::clone(&record));
            async move {
                let page = |h1: &str, text: &str| {
                    Html(format!("<h1 id=\"{h1}\">{text}</h1>")).into_response()
                };
                let path = arrival.uri.split('?').next().unwrap_or_default();
                match path {
                    "/shop/thanks" => page("thanks", "Thank you for your order"),
                    "/shop/expired" => page("expired", "Your payment window closed"),
                    "/aurpay/callback" => match verifier.verify(&arrival.callback()) {
                        Ok(callback) => {
                            let reference = callback.reference().unwrap_or_default().to_owned();
                            record.lock().unwrap().push((reference, callback.event()));
                            StatusCode::OK.into_response()
                        }
                        Err(_) => StatusCode::UNAUTHORIZED.into_response(),
                    },
                    _ => StatusCode::NOT_FOUND.into_response(),
                }
            }
        }
    })
    .await;
    let urls = receiver.callback_urls("/aurpay/callback");
    (receiver, urls, verified)
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

/// Waits, woken by each request the merchant gets, for this verified
/// callback.
async fn wait_for_callback(
    receiver: &Receiver,
    verified: &Verified,
    expected: (&str, CallbackEvent),
) {
    let what = format!("a verified {expected:?} callback");
    receiver
        .wait_for(&what, |_| {
            let verified = verified.lock().unwrap();
            verified
                .iter()
                .any(|(r, e)| r == expected.0 && *e == expected.1)
                .then_some(())
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and ChromeDriver: apt-get install chromium chromium-driver"]
async fn a_buyer_pays_on_the_checkout_page_in_a_real_browser() {
    // Every stage the page offers: paid, partly then fully, expired, seen
    // but unconfirmed then confirmed, paid late then resolved, terminated.
    require_browser();
    let sandbox = Sandbox::builder().start().await.unwrap();
    let (receiver, urls, verified) = merchant(&sandbox).await;
    let shop = receiver.base.clone();
    let checkout_page = format!("{}/__sandbox/checkout/", sandbox.base_url());
    let driver = Driver::start().await;
    let browser = driver.session().await;

    // Pay in full: the buyer ends on the merchant's thank-you page.
    let pay_url = hosted_order(&sandbox, &shop, &urls, "cart-1").await;
    let started = Instant::now();
    browser.open(&pay_url).await;
    let checkout = browser.arrive("#pay-full", &checkout_page).await;
    let source = browser.source().await;
    assert!(source.contains("Pay") && source.contains("BTC"), "{source}");
    // The page as served, while the order is open.
    let page = reqwest::get(&checkout).await.unwrap().text().await.unwrap();
    let screenshot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("checkout-page.png");
    browser.screenshot(&screenshot).await;
    browser.click("#pay-full").await;
    browser
        .arrive("#thanks", &format!("{shop}/shop/thanks"))
        .await;
    let time_to_pay = started.elapsed();
    assert!(browser.source().await.contains("Thank you for your order"));
    wait_for_callback(&receiver, &verified, ("cart-1", CallbackEvent::Paid)).await;

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
    browser.arrive("#pay-partial", &checkout_page).await;
    browser.click("#pay-partial").await;
    // The form posts and the browser comes back to the page (303): wait
    // for the new page rather than read the old one.
    browser
        .find("xpath", "//strong[@id='status' and text()='PARTIAL']")
        .await;
    browser.click("#pay-full").await;
    browser
        .arrive("#thanks", &format!("{shop}/shop/thanks"))
        .await;
    wait_for_callback(&receiver, &verified, ("cart-2", CallbackEvent::Paid)).await;

    // Letting it expire: the buyer ends on the timeout page.
    let pay_url = hosted_order(&sandbox, &shop, &urls, "cart-3").await;
    browser.open(&pay_url).await;
    browser.arrive("#expire", &checkout_page).await;
    browser.click("#expire").await;
    browser
        .arrive("#expired", &format!("{shop}/shop/expired"))
        .await;
    wait_for_callback(&receiver, &verified, ("cart-3", CallbackEvent::TimedOut)).await;

    // The other stages, each from the page's own buttons. Seen on chain
    // but not yet confirmed: PENDING, then confirmed and paid.
    let pay_url = hosted_order(&sandbox, &shop, &urls, "cart-4").await;
    browser.open(&pay_url).await;
    browser.arrive("#pay-unconfirmed", &checkout_page).await;
    browser.click("#pay-unconfirmed").await;
    browser
        .find("xpath", "//strong[@id='status' and text()='PENDING']")
        .await;
    browser.click("#confirm").await;
    browser
        .arrive("#thanks", &format!("{shop}/shop/thanks"))
        .await;
    wait_for_callback(&receiver, &verified, ("cart-4", CallbackEvent::Paid)).await;

    // Expired, paid late (still OVERDUE), then resolved by the merchant.
    let pay_url = hosted_order(&sandbox, &shop, &urls, "cart-5").await;
    browser.open(&pay_url).await;
    browser.click("#expire").await;
    browser
        .arrive("#expired", &format!("{shop}/shop/expired"))
        .await;
    browser.open(&pay_url).await;
    browser.click("#pay-late").await;
    browser.click("#resolve").await;
    browser
        .arrive("#thanks", &format!("{shop}/shop/thanks"))
        .await;
    wait_for_callback(&receiver, &verified, ("cart-5", CallbackEvent::Paid)).await;

    // Terminated while open: the timeout page and callback.
    let pay_url = hosted_order(&sandbox, &shop, &urls, "cart-6").await;
    browser.open(&pay_url).await;
    browser.click("#terminate").await;
    browser
        .arrive("#expired", &format!("{shop}/shop/expired"))
        .await;
    wait_for_callback(&receiver, &verified, ("cart-6", CallbackEvent::TimedOut)).await;

    browser.close().await;
}
