//! Shared by the benchmarks: fixtures, a minimal loopback server answering
//! fixed bytes, the SDK client, and the hand-written reqwest + serde
//! baseline doing exactly the same requests.

#![allow(dead_code)]

use std::sync::OnceLock;
use std::time::SystemTime;

use aurpay_api::{Amount, Client, Credentials, SignatureAlgorithm, types};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use serde::Deserialize;

pub const ORDER_ID: &str = "20250207040935220628";
pub const API_KEY: &str = "bench-api-key-0000000000000000000000000000";
pub const TOKEN: &str = "BENCHTOKEN00000000001";
pub const SECRET: &str = "bench-secret";

pub fn order_json(i: usize) -> serde_json::Value {
    serde_json::json!({
        "user_id": "mct-bea5c44da875", "order_id": format!("2025020704093522{i:04}"), "order_type": "ORDER",
        "platform": "AURPAY", "status": "SUCCESS", "chain": "BTC", "chain_name": "Bitcoin", "currency": "BTC",
        "amount": "0.00102549", "vs_price": "100.0", "vs_currency": "USD", "remark": "", "refund": false,
        "bind_id": null, "create_time": "2025-02-06T00:00:00", "update_time": "2025-02-06T00:00:00",
        "tx_id": "ca1f0db3-0a3d-47c5-94ed-c94193aa1934", "tx_type": "ORDER", "obtained": "0.00102549",
        "fee": "0.00000820392", "from_addr": null, "to_addr": "tb1q2vgyv8xh0d2sv9j8gpeuedd8sm7pyx5l064s2e",
        "tx_hash": "9f2c4a", "tx_hash_list": ["9f2c4a"], "contract_id": null, "website": null
    })
}

pub fn envelope(data: serde_json::Value) -> Vec<u8> {
    serde_json::json!({"code": 0, "message": "ok", "data": data, "result": true})
        .to_string()
        .into_bytes()
}

pub fn detail_body() -> &'static [u8] {
    static BODY: OnceLock<Vec<u8>> = OnceLock::new();
    BODY.get_or_init(|| envelope(order_json(1)))
}

pub fn pay_info_body() -> &'static [u8] {
    static BODY: OnceLock<Vec<u8>> = OnceLock::new();
    BODY.get_or_init(|| {
        envelope(serde_json::json!({
            "order_id": "20240613093614690315", "status": "PENDING", "amount": 18.0098,
            "create_time": "2024-06-13T09:36:14", "vs_currency": "USD", "vs_price": 18,
            "address": "0x686691e7b70e9239e19eB4cd080DDb8aB6F33cf3",
            "contract_addr": "0xdAC17F958D2ee523a2206206994597C13D831ec7",
            "pay_url": "https://dashboard.aurpay.net/#/cashier/20240613093614690315"
        }))
    })
}

/// A page of 100 orders, as Get Orders returns it.
pub fn page_body() -> &'static [u8] {
    list_body(100)
}

/// The page sizes the list benchmarks serve (`?size=`).
pub const PAGE_SIZES: [usize; 3] = [10, 100, 1000];

/// A page of `size` orders (one of [`PAGE_SIZES`]), as Get Orders returns it.
pub fn list_body(size: usize) -> &'static [u8] {
    static BODIES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    let bodies = BODIES.get_or_init(|| PAGE_SIZES.iter().map(|&n| page_of(n)).collect());
    let at = PAGE_SIZES
        .iter()
        .position(|&n| n == size)
        .expect("a benchmarked page size");
    &bodies[at]
}

fn page_of(size: usize) -> Vec<u8> {
    {
        let orders: Vec<serde_json::Value> = (0..size)
            .map(|i| {
                let mut o = order_json(i);
                let map = o.as_object_mut().unwrap();
                for key in [
                    "bind_id",
                    "tx_id",
                    "tx_type",
                    "obtained",
                    "fee",
                    "from_addr",
                    "to_addr",
                    "tx_hash",
                    "tx_hash_list",
                    "contract_id",
                    "website",
                ] {
                    map.remove(key);
                }
                o
            })
            .collect();
        envelope(
            serde_json::json!({"page": 1, "size": size, "total": 10_000, "max_page": 10_000 / size, "data": orders}),
        )
    }
}

/// A minimal server answering fixed bytes, on its own runtime thread.
pub fn server_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                sender
                    .send(format!("http://{}", listener.local_addr().unwrap()))
                    .unwrap();
                let json = |body: &'static [u8]| ([("content-type", "application/json")], body);
                let app = axum::Router::new()
                    .route(
                        "/api/v2/order/detail/{id}",
                        axum::routing::get(move || async move { json(detail_body()) }),
                    )
                    .route(
                        "/api/v2/order/",
                        axum::routing::get(
                            move |query: axum::extract::Query<ListQuery>| async move {
                                json(list_body(query.size))
                            },
                        ),
                    )
                    .route(
                        "/api/order/pay-info",
                        axum::routing::post(move |_: axum::body::Bytes| async move {
                            json(pay_info_body())
                        }),
                    );
                axum::serve(listener, app).await.unwrap();
            });
        });
        receiver.recv().unwrap()
    })
}

#[derive(Deserialize)]
struct ListQuery {
    size: usize,
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[derive(Clone, Copy, Debug)]
pub enum Auth {
    ApiKey,
    Signature,
}

pub const AUTHS: [Auth; 2] = [Auth::ApiKey, Auth::Signature];

pub fn sdk_client(auth: Auth) -> Client {
    let credentials = match auth {
        Auth::ApiKey => Credentials::api_key(API_KEY).unwrap(),
        Auth::Signature => {
            Credentials::signature(TOKEN, SECRET, SignatureAlgorithm::HmacSha256).unwrap()
        }
    };
    Client::builder()
        .base_url(server_url())
        .credentials(credentials)
        .build()
        .unwrap()
}

pub fn pay_info_request() -> types::PaymentInfoRequest {
    types::PaymentInfoRequest::builder()
        .chain("ETH")
        .currency("USDT-ERC20")
        .vs_currency("USD")
        .vs_price(Amount::from(10))
        .try_into()
        .unwrap()
}

// ---- The hand-written baseline: what an integration without the SDK does.

#[derive(Deserialize)]
#[allow(dead_code)]
pub struct PlainEnvelope<T> {
    code: i64,
    message: Option<String>,
    data: Option<T>,
    result: Option<bool>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
pub struct PlainOrderDetail {
    user_id: String,
    order_id: String,
    order_type: String,
    platform: String,
    status: String,
    chain: String,
    chain_name: String,
    currency: String,
    amount: String,
    vs_price: String,
    vs_currency: String,
    remark: String,
    refund: bool,
    bind_id: Option<String>,
    create_time: String,
    update_time: String,
    tx_id: String,
    tx_type: String,
    obtained: Option<String>,
    fee: String,
    from_addr: Option<String>,
    to_addr: Option<String>,
    tx_hash: Option<String>,
    tx_hash_list: Vec<String>,
    contract_id: Option<String>,
    website: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
pub struct PlainPayInfo {
    order_id: String,
    status: String,
    amount: f64,
    create_time: String,
    vs_currency: String,
    vs_price: f64,
    address: String,
    contract_addr: String,
    pay_url: String,
}

#[derive(serde::Serialize)]
struct PlainPayInfoRequest<'a> {
    chain: &'a str,
    currency: &'a str,
    vs_currency: &'a str,
    vs_price: u32,
}

#[derive(Deserialize)]
#[allow(dead_code)]
pub struct PlainOrderSummary {
    user_id: String,
    order_id: String,
    order_type: String,
    platform: String,
    status: String,
    chain: String,
    chain_name: String,
    currency: String,
    amount: String,
    vs_price: String,
    vs_currency: String,
    remark: String,
    refund: bool,
    create_time: String,
    update_time: String,
}

#[derive(Deserialize)]
#[allow(dead_code)]
pub struct PlainPage {
    page: i64,
    size: i64,
    total: i64,
    max_page: i64,
    data: Vec<PlainOrderSummary>,
}

pub fn hand_signed(
    builder: reqwest::RequestBuilder,
    method: &str,
    path: &str,
    body: Option<&[u8]>,
) -> reqwest::RequestBuilder {
    let date = chrono::DateTime::<chrono::Utc>::from(SystemTime::now())
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let mut origin = format!("HMAC-SHA256 | {date} | {method} {path}");
    let mut builder = builder
        .header("API-Token", TOKEN)
        .header("Algorithm", "HMAC-SHA256")
        .header("Date", &date);
    if let Some(body) = body {
        let md5: String = Md5::digest(body)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        origin = format!("{origin} | {md5}");
        builder = builder.header("Body-MD5", md5);
    }
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(origin.as_bytes());
    builder.header(
        "Signature",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()),
    )
}

pub async fn plain_detail(http: &reqwest::Client, auth: Auth) -> PlainOrderDetail {
    let path = format!("/api/v2/order/detail/{ORDER_ID}");
    let builder = http.get(format!("{}{path}", server_url()));
    let builder = match auth {
        Auth::ApiKey => builder.header("API-Key", API_KEY),
        Auth::Signature => hand_signed(builder, "GET", &path, None),
    };
    let envelope: PlainEnvelope<PlainOrderDetail> =
        builder.send().await.unwrap().json().await.unwrap();
    assert_eq!(envelope.code, 0);
    envelope.data.unwrap()
}

pub async fn plain_list(http: &reqwest::Client, auth: Auth, size: usize) -> PlainPage {
    let path = format!("/api/v2/order/?page=1&size={size}");
    let builder = http.get(format!("{}{path}", server_url()));
    let builder = match auth {
        Auth::ApiKey => builder.header("API-Key", API_KEY),
        Auth::Signature => hand_signed(builder, "GET", &path, None),
    };
    let envelope: PlainEnvelope<PlainPage> = builder.send().await.unwrap().json().await.unwrap();
    assert_eq!(envelope.code, 0);
    envelope.data.unwrap()
}

pub async fn plain_pay_info(http: &reqwest::Client, auth: Auth) -> PlainPayInfo {
    let path = "/api/order/pay-info";
    let body = serde_json::to_vec(&PlainPayInfoRequest {
        chain: "ETH",
        currency: "USDT-ERC20",
        vs_currency: "USD",
        vs_price: 10,
    })
    .unwrap();
    let builder = http
        .post(format!("{}{path}", server_url()))
        .header("content-type", "application/json");
    let builder = match auth {
        Auth::ApiKey => builder.header("API-Key", API_KEY),
        Auth::Signature => hand_signed(builder, "POST", path, Some(&body)),
    };
    let envelope: PlainEnvelope<PlainPayInfo> = builder
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(envelope.code, 0);
    envelope.data.unwrap()
}

/// The baseline's HTTP client, configured as any production integration
/// would be and as the SDK is: a 30 s request timeout, a 10 s connect
/// timeout, a user agent. Without a timeout the comparison would credit the
/// baseline for a hang the SDK refuses to risk.
pub fn plain_http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .connect_timeout(std::time::Duration::from_secs(10))
        .user_agent("hand-written/1.0")
        .build()
        .unwrap()
}
