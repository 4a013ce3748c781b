//! The SDK against a hand-written reqwest + serde client doing exactly the
//! same requests, on loopback, in the same run. See BENCHMARKS.md.
//!
//! Run: `cargo bench -p aurpay-perf --bench sdk_vs_reqwest`.
//! Smoke (each benchmark once, debug build, as in CI):
//! `cargo test -p aurpay-perf --bench sdk_vs_reqwest`.

mod common;

use aurpay_api::{SignatureAlgorithm, signing, types};
use common::*;
use divan::Bencher;
use futures_util::future::join_all;

fn main() {
    divan::main();
}

// ---- 1. Round trips, sequential.

#[divan::bench_group(sample_count = 200)]
mod round_trip {
    use super::*;

    #[divan::bench(args = AUTHS)]
    fn read_sdk(bencher: Bencher, auth: Auth) {
        let rt = runtime();
        let client = sdk_client(auth);
        bencher.bench_local(|| {
            rt.block_on(async {
                client
                    .get_orders_details()
                    .order_id(ORDER_ID)
                    .call()
                    .await
                    .unwrap()
            })
        });
    }

    #[divan::bench(args = AUTHS)]
    fn read_reqwest(bencher: Bencher, auth: Auth) {
        let rt = runtime();
        let http = plain_http_client();
        bencher.bench_local(|| rt.block_on(plain_detail(&http, auth)));
    }

    #[divan::bench(args = AUTHS)]
    fn create_sdk(bencher: Bencher, auth: Auth) {
        let rt = runtime();
        let client = sdk_client(auth);
        bencher.bench_local(|| {
            rt.block_on(async {
                client
                    .get_payment_info()
                    .body(pay_info_request())
                    .call()
                    .await
                    .unwrap()
            })
        });
    }

    #[divan::bench(args = AUTHS)]
    fn create_reqwest(bencher: Bencher, auth: Auth) {
        let rt = runtime();
        let http = plain_http_client();
        bencher.bench_local(|| rt.block_on(plain_pay_info(&http, auth)));
    }
}

// ---- 1b. 64 concurrent calls sharing one client.

#[divan::bench_group(sample_count = 30)]
mod concurrent_64 {
    use super::*;

    #[divan::bench(args = AUTHS)]
    fn read_sdk(bencher: Bencher, auth: Auth) {
        let rt = runtime();
        let client = sdk_client(auth);
        bencher.bench_local(|| {
            rt.block_on(join_all((0..64).map(|_| async {
                client
                    .get_orders_details()
                    .order_id(ORDER_ID)
                    .call()
                    .await
                    .unwrap()
            })))
        });
    }

    #[divan::bench(args = AUTHS)]
    fn read_reqwest(bencher: Bencher, auth: Auth) {
        let rt = runtime();
        let http = plain_http_client();
        bencher.bench_local(|| rt.block_on(join_all((0..64).map(|_| plain_detail(&http, auth)))));
    }

    #[divan::bench(args = AUTHS)]
    fn create_sdk(bencher: Bencher, auth: Auth) {
        let rt = runtime();
        let client = sdk_client(auth);
        bencher.bench_local(|| {
            rt.block_on(join_all((0..64).map(|_| async {
                client
                    .get_payment_info()
                    .body(pay_info_request())
                    .call()
                    .await
                    .unwrap()
            })))
        });
    }

    #[divan::bench(args = AUTHS)]
    fn create_reqwest(bencher: Bencher, auth: Auth) {
        let rt = runtime();
        let http = plain_http_client();
        bencher.bench_local(|| rt.block_on(join_all((0..64).map(|_| plain_pay_info(&http, auth)))));
    }
}

// ---- 2. Signing a typical POST.

#[divan::bench]
fn signing_post(bencher: Bencher) {
    let body = serde_json::to_vec(&pay_info_request()).unwrap();
    let date = aurpay_api::clock::Clock::now(&aurpay_api::clock::SystemClock);
    bencher.bench(|| {
        signing::signature_headers(
            divan::black_box(&SignatureAlgorithm::HmacSha256),
            divan::black_box(SECRET.as_bytes()),
            &date,
            "POST",
            "/api/order/pay-info",
            Some(divan::black_box(&body)),
        )
    });
}

// ---- 3. Decoding a page of 100 orders.

#[divan::bench_group]
mod decode_100_orders {
    use super::*;

    #[divan::bench]
    fn sdk_types(bencher: Bencher) {
        let bytes = page_body();
        bencher.bench(|| {
            serde_json::from_slice::<types::OrderPageEnvelope>(divan::black_box(bytes)).unwrap()
        });
    }

    #[divan::bench]
    fn plain_strings(bencher: Bencher) {
        let bytes = page_body();
        bencher.bench(|| {
            serde_json::from_slice::<PlainEnvelope<PlainPage>>(divan::black_box(bytes)).unwrap()
        });
    }
}
