//! Runs one variant of a benchmark N times, for instruction counts under
//! callgrind, which are repeatable where wall-clock times on a shared
//! 2-core machine are not. See BENCHMARKS.md:
//!
//! ```text
//! cargo bench -p aurpay-perf --bench callgrind_calls --no-run
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/deps/callgrind_calls-* read_sdk_apikey 210
//! ```
//!
//! Per-call cost = (Ir at N=210 - Ir at N=10) / 200, which removes start-up
//! and connection set-up.

mod common;

use aurpay_api::{SignatureAlgorithm, signing, types};
use std::pin::Pin;

use common::*;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    // Under `cargo test --benches` (no variant): run every variant once, as
    // a smoke test.
    if let [mode, a, b, n] = args.as_slice()
        && mode == "ab"
    {
        return interleaved(a, b, n.parse().unwrap_or_else(|_| usage()));
    }
    if let [mode] = args.as_slice()
        && mode == "sizes"
    {
        return sizes();
    }
    let runs: Vec<(String, usize)> = match args.as_slice() {
        [] => VARIANTS.iter().map(|v| (v.to_string(), 1)).collect(),
        [variant, n] => match n.parse() {
            Ok(n) => vec![(variant.clone(), n)],
            Err(_) => usage(),
        },
        _ => usage(),
    };
    let context = Context::new();
    for (variant, n) in runs {
        for _ in 0..n {
            context.once(&variant);
        }
    }
}

struct Context {
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
    api_key: aurpay_api::Client,
    signature: aurpay_api::Client,
    body: Vec<u8>,
    date: aurpay_api::Timestamp,
}

impl Context {
    fn new() -> Self {
        Context {
            rt: runtime(),
            http: plain_http_client(),
            api_key: sdk_client(Auth::ApiKey),
            signature: sdk_client(Auth::Signature),
            body: serde_json::to_vec(&pay_info_request()).unwrap(),
            date: aurpay_api::clock::Clock::now(&aurpay_api::clock::SystemClock),
        }
    }

    fn once(&self, variant: &str) {
        // `conc16_read_sdk_apikey`: 16 calls at once on the one client.
        if let Some((n, call)) = variant
            .strip_prefix("conc")
            .and_then(|rest| rest.split_once('_'))
            .and_then(|(n, call)| Some((n.parse::<usize>().ok()?, call)))
        {
            let calls = (0..n).map(|_| self.call(call));
            return self
                .rt
                .block_on(futures_util::future::join_all(calls))
                .clear();
        }
        // `list100_sdk_apikey`: one Get Orders call answered with a page
        // of 100 orders.
        if let Some((size, who, auth)) = list_variant(variant) {
            let auth_of = |auth: &str| {
                if auth == "apikey" {
                    Auth::ApiKey
                } else {
                    Auth::Signature
                }
            };
            let client = if auth == "apikey" {
                &self.api_key
            } else {
                &self.signature
            };
            return match who {
                "sdk" => drop(
                    self.rt
                        .block_on(client.get_orders().page(1u64).size(size as u64).call())
                        .unwrap(),
                ),
                _ => drop(
                    self.rt
                        .block_on(plain_list(&self.http, auth_of(auth), size)),
                ),
            };
        }
        let Context {
            rt,
            http,
            api_key,
            signature,
            body,
            date,
        } = self;
        // Each variant blocks on its own future: one future covering every
        // variant would be as large as the largest, and moving it would
        // cost the small ones.
        match variant {
            "read_sdk_apikey" => drop(
                rt.block_on(api_key.get_orders_details().order_id(ORDER_ID).call())
                    .unwrap(),
            ),
            "read_sdk_signature" => drop(
                rt.block_on(signature.get_orders_details().order_id(ORDER_ID).call())
                    .unwrap(),
            ),
            "read_reqwest_apikey" => drop(rt.block_on(plain_detail(http, Auth::ApiKey))),
            "read_reqwest_signature" => drop(rt.block_on(plain_detail(http, Auth::Signature))),
            "create_sdk_apikey" => drop(
                rt.block_on(api_key.get_payment_info().body(pay_info_request()).call())
                    .unwrap(),
            ),
            "create_sdk_signature" => drop(
                rt.block_on(signature.get_payment_info().body(pay_info_request()).call())
                    .unwrap(),
            ),
            "create_reqwest_apikey" => drop(rt.block_on(plain_pay_info(http, Auth::ApiKey))),
            "create_reqwest_signature" => drop(rt.block_on(plain_pay_info(http, Auth::Signature))),
            "decode_sdk" => {
                drop(serde_json::from_slice::<types::OrderPageEnvelope>(page_body()).unwrap())
            }
            "decode_plain" => {
                drop(serde_json::from_slice::<PlainEnvelope<PlainPage>>(page_body()).unwrap())
            }
            "decode_detail_sdk" => {
                drop(serde_json::from_slice::<types::OrderDetailEnvelope>(detail_body()).unwrap())
            }
            "decode_detail_plain" => drop(
                serde_json::from_slice::<PlainEnvelope<PlainOrderDetail>>(detail_body()).unwrap(),
            ),
            "signing" => drop(signing::signature_headers(
                &SignatureAlgorithm::HmacSha256,
                SECRET.as_bytes(),
                date,
                "POST",
                "/api/order/pay-info",
                Some(body),
            )),
            _ => usage(),
        }
    }

    /// One Get Orders Details call as a future, boxed alike for the SDK and
    /// the baseline (for the concurrent variants).
    fn call<'a>(&'a self, variant: &str) -> Pin<Box<dyn Future<Output = ()> + 'a>> {
        let Context {
            http,
            api_key,
            signature,
            ..
        } = self;
        match variant {
            "read_sdk_apikey" => Box::pin(async move {
                drop(
                    api_key
                        .get_orders_details()
                        .order_id(ORDER_ID)
                        .call()
                        .await
                        .unwrap(),
                )
            }),
            "read_sdk_signature" => Box::pin(async move {
                drop(
                    signature
                        .get_orders_details()
                        .order_id(ORDER_ID)
                        .call()
                        .await
                        .unwrap(),
                )
            }),
            "read_reqwest_apikey" => {
                Box::pin(async move { drop(plain_detail(http, Auth::ApiKey).await) })
            }
            "read_reqwest_signature" => {
                Box::pin(async move { drop(plain_detail(http, Auth::Signature).await) })
            }
            _ => usage(),
        }
    }
}

/// Wall-clock A/B: alternates the two variants call by call (so drift and
/// background load hit both alike) and prints medians, spread and the ratio.
fn interleaved(a: &str, b: &str, n: usize) {
    let context = Context::new();
    for _ in 0..50 {
        context.once(a);
        context.once(b);
    }
    let mut times = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        let order: [(&str, bool); 2] = if i % 2 == 0 {
            [(a, true), (b, false)]
        } else {
            [(b, false), (a, true)]
        };
        for (variant, is_a) in order {
            let start = std::time::Instant::now();
            context.once(variant);
            let elapsed = start.elapsed().as_nanos() as f64 / 1000.0;
            if is_a {
                times.0.push(elapsed)
            } else {
                times.1.push(elapsed)
            }
        }
    }
    let stats = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let at = |q: f64| v[((v.len() - 1) as f64 * q) as usize];
        (at(0.5), at(0.1), at(0.9))
    };
    let (ma, a10, a90) = stats(&mut times.0);
    let (mb, b10, b90) = stats(&mut times.1);
    println!(
        "{a:<26} median {ma:8.1} us (p10 {a10:.1}, p90 {a90:.1})\n{b:<26} median {mb:8.1} us (p10 {b10:.1}, p90 {b90:.1})\nratio {:.3}",
        ma / mb
    );
}

/// The sizes of what each layer moves: a call's future (moved by every
/// `.await` and `block_on` above it) and the decoded answers.
fn sizes() {
    let context = Context::new();
    let read = context
        .api_key
        .get_orders_details()
        .order_id(ORDER_ID)
        .call();
    let money = context
        .api_key
        .get_payment_info()
        .body(pay_info_request())
        .call();
    let plain = plain_detail(&context.http, Auth::ApiKey);
    println!(
        "bytes: Get Orders Details future {}, Get Payment Info future {}, hand-written read future {}, OrderDetail {}, PaymentInfo {}, Error {}",
        std::mem::size_of_val(&read),
        std::mem::size_of_val(&money),
        std::mem::size_of_val(&plain),
        std::mem::size_of::<types::OrderDetail>(),
        std::mem::size_of::<types::PaymentInfo>(),
        std::mem::size_of::<aurpay_api::Error>()
    );
}

/// `list{size}_{sdk|reqwest}_{apikey|signature}`.
fn list_variant(variant: &str) -> Option<(usize, &str, &str)> {
    let mut parts = variant.strip_prefix("list")?.split('_');
    let size = parts.next()?.parse().ok()?;
    let who = parts.next().filter(|w| matches!(*w, "sdk" | "reqwest"))?;
    let auth = parts
        .next()
        .filter(|a| matches!(*a, "apikey" | "signature"))?;
    Some((size, who, auth))
}

const VARIANTS: [&str; 17] = [
    "read_sdk_apikey",
    "read_sdk_signature",
    "read_reqwest_apikey",
    "read_reqwest_signature",
    "create_sdk_apikey",
    "create_sdk_signature",
    "create_reqwest_apikey",
    "create_reqwest_signature",
    "decode_sdk",
    "decode_plain",
    "decode_detail_sdk",
    "decode_detail_plain",
    "signing",
    "list10_sdk_apikey",
    "list10_reqwest_apikey",
    "conc16_read_sdk_apikey",
    "conc16_read_reqwest_apikey",
];

fn usage() -> ! {
    eprintln!(
        "usage: callgrind_calls <variant> <count> | ab <variant> <variant> <count> | sizes; variants: {} (also list{{10,100,1000}}_*, conc<n>_<call>)",
        VARIANTS.join(", ")
    );
    std::process::exit(2);
}
