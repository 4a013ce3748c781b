//! The client against a loopback server that misbehaves at the byte level
//! (`support::raw`): redirects (`redirects`), error pages, bodies cut
//! short, stalled, garbled or oversized, resets (`outcomes`), and servers
//! that echo secrets back (`echoes`). For every fault, a read call and a
//! call that moves money each report the outcome the table on
//! `aurpay_api::Outcome` says, for API-key and signature authentication; no
//! credential reaches another origin, and no money-moving request is ever
//! sent twice.

mod echoes;
mod outcomes;
mod redirects;

use std::time::Duration;

use aurpay_api::{Client, Credentials, Error, RetryPolicy, SignatureAlgorithm};

use crate::support::{self, raw};

const API_KEY: &str = "faults-api-key-5d1c9e-xxxxxxxxxxxxxxxxxxxxxx";
const TOKEN: &str = "FAULTSTOKEN7Q2W";
/// With `/` and `+`, so that its JSON-escaped (`\/`) and percent-encoded
/// echoes differ from it.
const SECRET: &str = "faults/api+secret-8e4b";
const ORDER_ID: &str = "20250207040935220628";
/// Every header that carries a credential or a signature.
const CREDENTIAL_HEADERS: [&str; 4] = ["api-key", "api-token", "signature", "body-md5"];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Auth {
    ApiKey,
    Signature,
}

const AUTHS: [Auth; 2] = [Auth::ApiKey, Auth::Signature];

/// The two kinds of call every fault is tried with.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Call {
    /// `get_orders_details`: read-only, retried on transient failures.
    Read,
    /// `get_payment_info`: creates an order, sent at most once.
    Money,
}

const CALLS: [Call; 2] = [Call::Read, Call::Money];

fn credentials(auth: Auth) -> Credentials {
    match auth {
        Auth::ApiKey => Credentials::api_key(API_KEY).unwrap(),
        Auth::Signature => {
            Credentials::signature(TOKEN, SECRET, SignatureAlgorithm::HmacSha256).unwrap()
        }
    }
}

fn secrets(auth: Auth) -> &'static [&'static str] {
    match auth {
        Auth::ApiKey => &[API_KEY],
        Auth::Signature => &[TOKEN, SECRET],
    }
}

fn builder(base_url: &str, auth: Auth) -> aurpay_api::ClientBuilder {
    Client::builder()
        .base_url(base_url)
        .credentials(credentials(auth))
        .timeout(Duration::from_millis(400))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(5))
                .max_backoff(Duration::from_secs(1))
                .deadline(Duration::from_secs(10)),
        )
}

fn client(base_url: &str, auth: Auth) -> Client {
    builder(base_url, auth).build().unwrap()
}

async fn run(client: &Client, call: Call) -> Result<(), Error> {
    match call {
        Call::Read => client
            .get_orders_details()
            .order_id(ORDER_ID)
            .call()
            .await
            .map(drop),
        Call::Money => {
            let body = support::payment_request("ETH", "USDT-ERC20", 10);
            client.get_payment_info().body(body).call().await.map(drop)
        }
    }
}

fn has_credentials(request: &raw::RawRequest) -> bool {
    CREDENTIAL_HEADERS
        .iter()
        .any(|name| request.header(name).is_some())
}

const ORDER_JSON: &str = r#"{"code":0,"message":"ok","result":true,"data":{"user_id":"mct-bea5c44da875","order_id":"20250207040935220628","order_type":"ORDER","platform":"AURPAY","status":"PENDING","chain":"BTC","chain_name":"Bitcoin","currency":"BTC","amount":"0.00102549","vs_price":"100.0","vs_currency":"USD","remark":"","refund":false,"bind_id":null,"create_time":"2025-02-06T00:00:00","update_time":"2025-02-06T00:00:00","tx_id":"ca1f0db3","tx_type":"ORDER","obtained":null,"fee":"0.00000820392","from_addr":null,"to_addr":"tb1q","tx_hash":null,"tx_hash_list":[],"contract_id":null,"website":null}}"#;
