//! Every operation with each auth scheme, authentication failures, and the
//! controls that move an order through its stages.

use aurpay_api::sandbox::{Payment, Sandbox, SandboxError, codes};
use aurpay_api::{
    Amount, Client, Credentials, ErrorKind, FiatCurrency, OrderStatus, Outcome, SignatureAlgorithm,
    types,
};
use rust_decimal::Decimal;

use crate::support::{self, TRON_ADDRESS as ADDRESS, assert_kind};

/// All 16 operations succeed with API key, HMAC-SHA256 and HMAC-SHA3_256.
#[tokio::test]
async fn every_operation_with_each_scheme() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let clients = [
        sandbox.client().unwrap(),
        sandbox
            .signature_client(SignatureAlgorithm::HmacSha256)
            .unwrap(),
        sandbox
            .signature_client(SignatureAlgorithm::HmacSha3_256)
            .unwrap(),
    ];
    for client in &clients {
        orders_and_refunds(&sandbox, client).await;
        lists(client).await;
        withdrawal(&sandbox, client).await;
        lightning(client).await;
    }
    let anonymous = Client::builder()
        .base_url(sandbox.base_url())
        .build()
        .unwrap();
    let config = sandbox.config();
    let key = anonymous
        .get_api_key()
        .body(
            types::ApiKeyRequest::builder()
                .username(config.username.clone())
                .password(config.password.clone()),
        )
        .call()
        .await
        .unwrap();
    assert_eq!(key.access_token, config.api_key);
}

/// Hosted and direct orders, paid, listed, detailed, refunded; the
/// transactions they made.
async fn orders_and_refunds(sandbox: &Sandbox, client: &Client) {
    let hosted = client
        .get_payment_url()
        .body(
            types::PaymentUrlRequest::builder()
                .currency("USD")
                .price(Amount::from(25)),
        )
        .call()
        .await
        .unwrap();
    assert!(hosted.pay_url.contains("/#/cashier/"));

    let order = support::create_direct(client, support::direct_request(40)).await;
    assert_eq!(order.order_id.len(), 20);
    assert!(order.order_id.chars().all(|c| c.is_ascii_digit()));
    assert_eq!(order.amount.to_string(), "40");
    assert_eq!(
        sandbox.pay(&order.order_id, Payment::Full).unwrap(),
        OrderStatus::Success
    );

    let page = client
        .get_orders()
        .page(1u64)
        .size(50u64)
        .call()
        .await
        .unwrap();
    assert!(page.data.iter().any(|o| o.order_id == order.order_id));
    let details = support::details(client, &order.order_id).await;
    assert_eq!(details.status, OrderStatus::Success);
    let user_id = details.user_id.as_deref().unwrap_or_default();
    assert!(user_id.starts_with("mct-") && user_id.len() == 16);
    assert_eq!(refundable(client, &order.order_id).await, Decimal::from(40));
    let refund = client
        .orders_refund()
        .order_id(order.order_id.as_str())
        .body(types::RefundRequest::builder().address(ADDRESS))
        .call()
        .await
        .unwrap();
    assert_eq!(refund.refund_status, "SUCCESS");
    let transactions = client.get_transaction().call().await.unwrap();
    assert!(transactions.total >= 2);
}

/// The currency and wallet lists.
async fn lists(client: &Client) {
    let crypto = client.get_support_crypto_currency_list().call().await;
    assert!(!crypto.unwrap().is_empty());
    let fiat = client.get_support_real_currency_list().call().await;
    assert!(fiat.unwrap().contains(&FiatCurrency::Usd));
    assert!(!client.get_wallets_list().call().await.unwrap().is_empty());
    let self_custody = client.get_self_custody_wallets().call().await;
    assert!(!self_custody.unwrap().is_empty());
}

/// A withdrawal from a wallet a paid order funded.
async fn withdrawal(sandbox: &Sandbox, client: &Client) {
    let funding = support::direct_order(client, 40).await;
    sandbox.pay(&funding, Payment::Full).unwrap();
    let withdraw = client
        .withdraw_balance()
        .body(support::withdraw_request(10))
        .call()
        .await
        .unwrap();
    assert_eq!(withdraw.status.as_deref(), Some("SUCCESS"));
}

/// A Lightning order and a Lightning withdrawal, which the balance shows.
async fn lightning(client: &Client) {
    let before = lightning_balance(client).await;
    let bln = client
        .create_bln_order()
        .body(
            types::BlnOrderRequest::builder()
                .price(Amount::from(20))
                .currency("USD"),
        )
        .call()
        .await
        .unwrap();
    let invoice = bln.payment_request.as_deref().unwrap_or_default();
    assert!(invoice.starts_with("lntb"), "{invoice}");
    let paid_out = client
        .create_bln_withdraw()
        .body(
            types::BlnWithdrawRequest::builder()
                .ln_invoices("lntb1invoice")
                .amount(Some(Amount::from(Decimal::new(1, 4)))),
        )
        .call()
        .await
        .unwrap();
    assert_eq!(
        paid_out.get("status").and_then(|s| s.as_str()),
        Some("SUCCESS")
    );
    assert_eq!(before - lightning_balance(client).await, Decimal::new(1, 4));
}

async fn lightning_balance(client: &Client) -> Decimal {
    client
        .get_bln_balance()
        .call()
        .await
        .unwrap()
        .balance
        .decimal()
}

/// What Get Orders Refund Info says is left to refund.
async fn refundable(client: &Client, order_id: &str) -> Decimal {
    client
        .get_orders_refund_info()
        .order_id(order_id)
        .call()
        .await
        .unwrap()
        .amount
        .decimal()
}

/// What the order obtained, as Get Order Details says.
async fn obtained(client: &Client, order_id: &str) -> Option<Decimal> {
    let details = support::details(client, order_id).await;
    details.obtained.map(|a| a.decimal())
}

#[tokio::test]
async fn authentication_failures_answer_code_401() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let config = sandbox.config();
    let wrong = [
        Credentials::api_key("not-the-key").unwrap(),
        Credentials::signature(
            config.api_token.as_str(),
            "wrong",
            SignatureAlgorithm::HmacSha256,
        )
        .unwrap(),
        Credentials::signature(
            "WRONGTOKEN",
            config.api_secret.as_str(),
            SignatureAlgorithm::HmacSha3_256,
        )
        .unwrap(),
    ];
    for credentials in wrong {
        let client = sandbox.client_with(credentials).unwrap();
        let error = client.get_orders().call().await.unwrap_err();
        assert_kind!(
            error,
            ErrorKind::Authentication {
                code: Some(401),
                status: 200,
                ..
            }
        );
    }
    // No credentials at all, straight over HTTP.
    let raw: serde_json::Value = reqwest::get(format!("{}/api/v2/order/", sandbox.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(raw["code"], 401);
    // Wrong login.
    let anonymous = Client::builder()
        .base_url(sandbox.base_url())
        .build()
        .unwrap();
    let error = anonymous
        .get_api_key()
        .body(
            types::ApiKeyRequest::builder()
                .username("x@example.com")
                .password("nope"),
        )
        .call()
        .await
        .unwrap_err();
    assert_kind!(error, ErrorKind::Api { code: 1006, .. });
}

#[tokio::test]
async fn controls_pay_partially_overpay_and_expire() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = sandbox.client().unwrap();
    let pay = |order_id: &str, payment| sandbox.pay(order_id, payment).unwrap();

    let order = support::direct_order(&client, 40).await;
    let partial = Payment::Partial(Amount::from(15));
    assert_eq!(pay(&order, partial), OrderStatus::Partial);
    assert_eq!(pay(&order, Payment::Full), OrderStatus::Success);
    assert_eq!(obtained(&client, &order).await, Some(Decimal::from(40)));

    let over = support::direct_order(&client, 40).await;
    let overpaid = Payment::Overpaid(Amount::from(45));
    assert_eq!(pay(&over, overpaid), OrderStatus::Success);
    assert_eq!(obtained(&client, &over).await, Some(Decimal::from(45)));

    let late = support::direct_order(&client, 40).await;
    sandbox.expire(&late).unwrap();
    let details = support::details(&client, &late).await;
    assert_eq!(details.status, OrderStatus::Overdue);
    // Paid after it expired: the payment is recorded, the order stays
    // OVERDUE until the merchant resolves it.
    assert_eq!(pay(&late, Payment::Full), OrderStatus::Overdue);
    assert_eq!(sandbox.resolve(&late).unwrap(), OrderStatus::Resolved);
    assert!(matches!(
        sandbox.pay(&late, Payment::Full),
        Err(SandboxError::InvalidState { .. })
    ));
    assert!(matches!(
        sandbox.expire("00000000000000000000"),
        Err(SandboxError::UnknownOrder(_))
    ));

    let unknown = client
        .get_orders_details()
        .order_id("00000000000000000000")
        .call()
        .await
        .unwrap_err();
    assert_kind!(
        unknown,
        ErrorKind::Api {
            code: codes::ORDER_NOT_FOUND,
            ..
        }
    );
    // Refunding an unpaid order is refused.
    let pending = support::direct_order(&client, 40).await;
    let error = client
        .orders_refund()
        .order_id(pending.as_str())
        .body(types::RefundRequest::builder().address("T"))
        .call()
        .await
        .unwrap_err();
    assert_kind!(error, ErrorKind::Api { code: 1002, .. });
    assert!(sandbox.wallet_balance("USDT-TRC20") > Amount::from(0));
}

/// Payments are in the order's crypto currency and must fit it: a partial
/// payment below what is due, an overpayment above it, both positive.
#[tokio::test]
async fn payments_that_do_not_fit_the_order_are_refused() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = sandbox.client().unwrap();
    // 40 USD in USDT-TRC20: 40 due.
    let order = support::direct_order(&client, 40).await;
    for payment in [
        Payment::Partial(Amount::from(40)),
        Payment::Partial(Amount::from(400)),
        Payment::Partial(Amount::from(0)),
        Payment::Partial(Amount::from(-1)),
        Payment::Overpaid(Amount::from(40)),
        Payment::Overpaid(Amount::from(-1)),
    ] {
        assert!(
            matches!(
                sandbox.pay(&order, payment),
                Err(SandboxError::InvalidPayment { .. })
            ),
            "{payment:?}"
        );
    }
    let details = support::details(&client, &order).await;
    assert_eq!(details.status, OrderStatus::Pending, "nothing was applied");
    assert_eq!(
        sandbox
            .pay(&order, Payment::Partial(Amount::from(10)))
            .unwrap(),
        OrderStatus::Partial
    );
    // 30 left: a partial payment of 30 would complete it, so it is refused.
    assert!(
        sandbox
            .pay(&order, Payment::Partial(Amount::from(30)))
            .is_err()
    );
}

/// A partial refund leaves the rest refundable, and Get Orders Refund Info
/// shows what is left; the order is REFUNDED when nothing is.
#[tokio::test]
async fn partial_refunds_leave_the_rest_refundable() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = sandbox.client().unwrap();
    let order = support::direct_order(&client, 40).await;
    sandbox.pay(&order, Payment::Full).unwrap();
    let refund = |amount: Option<i64>| {
        client
            .orders_refund()
            .order_id(order.as_str())
            .body(
                types::RefundRequest::builder()
                    .address(ADDRESS)
                    .amount(amount.map(Amount::from)),
            )
            .call()
    };
    let status = || async { support::details(&client, &order).await.status };
    assert_eq!(refundable(&client, &order).await, Decimal::from(40));
    refund(Some(10)).await.unwrap();
    assert_eq!(refundable(&client, &order).await, Decimal::from(30));
    assert_eq!(status().await, OrderStatus::Success, "still refundable");
    let too_much = refund(Some(31)).await.unwrap_err();
    assert_eq!(too_much.outcome(), Outcome::Refused, "{too_much:?}");
    // No amount: the rest.
    let rest = refund(None).await.unwrap();
    assert_eq!(
        rest.refund_amount.map(|a| a.decimal()),
        Some(Decimal::from(30))
    );
    assert_eq!(refundable(&client, &order).await, Decimal::ZERO);
    assert_eq!(status().await, OrderStatus::Refunded);
    let again = refund(Some(1)).await.unwrap_err();
    assert_kind!(
        again,
        ErrorKind::Api {
            code: codes::NOT_REFUNDABLE,
            ..
        }
    );
}

/// The sandbox's fiat currencies are the SDK's known ones (the spec's
/// `FiatCurrency` known values, from Aurpay's plugin readme), each accepted
/// for an order, and a code outside them is refused.
#[tokio::test]
async fn the_sandbox_accepts_every_known_fiat_currency() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = sandbox.client().unwrap();
    let listed = client
        .get_support_real_currency_list()
        .call()
        .await
        .unwrap();
    assert_eq!(listed.0, aurpay_api::FiatCurrency::KNOWN);
    for currency in aurpay_api::FiatCurrency::KNOWN {
        let order = client
            .get_payment_url()
            .body(
                types::PaymentUrlRequest::builder()
                    .currency(currency.clone())
                    .price(Amount::from(1000)),
            )
            .call()
            .await;
        assert!(order.is_ok(), "{currency}: {order:?}");
    }
    let refused = client
        .get_payment_url()
        .body(
            types::PaymentUrlRequest::builder()
                .currency("CHF")
                .price(Amount::from(1000)),
        )
        .call()
        .await
        .unwrap_err();
    assert_eq!(refused.outcome(), Outcome::Refused, "{refused}");
}
