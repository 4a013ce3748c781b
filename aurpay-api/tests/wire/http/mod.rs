//! The client against a real HTTP server on loopback that checks both
//! authentication schemes with its own verifier: the requests it sends
//! (`requests`), how it reads each answer (`answers`), and what it retries
//! (`retries`).

mod answers;
mod requests;
mod retries;

use std::time::Duration;

use aurpay_api::{Client, Credentials, RetryPolicy, SignatureAlgorithm, types};
use serde_json::json;

use crate::support::{self, Auth, TestServer};

const API_KEY: &str = "test-api-key-43-chars-xxxxxxxxxxxxxxxxxxxxxxx";
const TOKEN: &str = "ABCDEFGHIJKLMNOPQRSTU";
const SECRET: &str = "test-api-secret";
const ORDER_ID: &str = "20250207040935220628";

#[derive(Clone, Copy, Debug)]
enum Scheme {
    ApiKey,
    Sha256,
    Sha3,
}

const SCHEMES: [Scheme; 3] = [Scheme::ApiKey, Scheme::Sha256, Scheme::Sha3];

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(3)
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_secs(2))
        .deadline(Duration::from_secs(10))
}

/// A timeout no healthy loopback exchange comes near, even on a loaded CI
/// machine that stalls for a moment: tests that expect an answer never see
/// a timeout instead.
const STEADY_TIMEOUT: Duration = Duration::from_secs(5);

async fn setup(scheme: Scheme) -> (TestServer, Client) {
    setup_with_timeout(scheme, STEADY_TIMEOUT).await
}

async fn setup_with_timeout(scheme: Scheme, timeout: Duration) -> (TestServer, Client) {
    let (auth, credentials) = match scheme {
        Scheme::ApiKey => (Auth::ApiKey(API_KEY.into()), api_key()),
        Scheme::Sha256 => (
            Auth::signature(TOKEN, SECRET),
            signature(SignatureAlgorithm::HmacSha256),
        ),
        Scheme::Sha3 => (
            Auth::signature(TOKEN, SECRET),
            signature(SignatureAlgorithm::HmacSha3_256),
        ),
    };
    let server = TestServer::start(auth).await;
    let client = Client::builder()
        .base_url(format!("{}/", server.url()))
        .credentials(credentials)
        .timeout(timeout)
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    (server, client)
}

fn api_key() -> Credentials {
    Credentials::api_key(API_KEY).unwrap()
}

fn signature(algorithm: SignatureAlgorithm) -> Credentials {
    Credentials::signature(TOKEN, SECRET, algorithm).unwrap()
}

/// A client with the API key for `base_url`, retrying as [`fast_retries`].
fn api_key_client(base_url: &str) -> Client {
    Client::builder()
        .base_url(base_url)
        .credentials(api_key())
        .retry_policy(fast_retries())
        .build()
        .unwrap()
}

fn order_detail() -> serde_json::Value {
    json!({
        "user_id": "mct-bea5c44da875", "order_id": ORDER_ID, "order_type": "ORDER", "platform": "AURPAY",
        "status": "SUCCESS", "chain": "BTC", "chain_name": "Bitcoin", "currency": "BTC",
        "amount": "0.00102549", "vs_price": "100.0", "vs_currency": "USD", "remark": "", "refund": false,
        "bind_id": null, "create_time": "2025-02-06T00:00:00", "update_time": "2025-02-06T00:00:00",
        "tx_id": "ca1f0db3-0a3d-47c5-94ed-c94193aa1934", "tx_type": "ORDER", "obtained": null,
        "fee": "0.00000820392", "from_addr": null, "to_addr": "tb1q2vgyv8xh0d2sv9j8gpeuedd8sm7pyx5l064s2e",
        "tx_hash": null, "tx_hash_list": [], "contract_id": null, "website": null
    })
}

fn pay_info_data() -> serde_json::Value {
    json!({
        "order_id": "20240613093614690315", "status": "PENDING", "amount": 18.0098,
        "create_time": "2024-06-13T09:36:14", "vs_currency": "USD", "vs_price": 18,
        "address": "0x686691e7b70e9239e19eB4cd080DDb8aB6F33cf3",
        "contract_addr": "0xdAC17F958D2ee523a2206206994597C13D831ec7",
        "pay_url": "https://dashboard.aurpay.net/#/cashier/20240613093614690315"
    })
}

/// Create Direct Order for 10 USD in USDT on Ethereum: a call that moves
/// money.
async fn pay_info(client: &Client) -> Result<types::PaymentInfo, aurpay_api::Error> {
    let request = support::payment_request("ETH", "USDT-ERC20", 10);
    client.get_payment_info().body(request).call().await
}

/// Get Order Details of [`ORDER_ID`]: a read.
async fn details(client: &Client) -> Result<types::OrderDetail, aurpay_api::Error> {
    client.get_orders_details().order_id(ORDER_ID).call().await
}
