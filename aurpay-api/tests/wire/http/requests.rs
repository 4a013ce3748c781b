//! What the client sends: verifiable headers for both schemes, the injected
//! clock in the signature, nothing when a parameter or the credentials are
//! missing, and no secret in any `Debug` or `Display`.

use aurpay_api::{Client, Credentials, ErrorKind, Outcome, RetryPolicy, SignatureAlgorithm, types};
use serde_json::json;

use super::{API_KEY, SCHEMES, SECRET, Scheme, TOKEN, api_key, pay_info, pay_info_data, setup};
use crate::support::{self, Auth, Reply, TestServer, assert_kind};

#[tokio::test]
async fn both_schemes_send_verifiable_headers_for_get_and_post() {
    for scheme in SCHEMES {
        let (server, client) = setup(scheme).await;
        server.push(Reply::ok(
            json!({"page": 2, "size": 50, "total": 0, "max_page": 0, "data": []}),
        ));
        server.push(Reply::ok(pay_info_data()));

        let page = client.get_orders().page(2u64).size(50u64).call().await;
        assert!(page.is_ok(), "{scheme:?}: {page:?}");
        let info = pay_info(&client).await;
        assert!(info.is_ok(), "{scheme:?}: {info:?}");

        let received = server.received();
        assert_eq!(received.len(), 2);
        for request in &received {
            assert_eq!(request.auth_error, None, "{scheme:?}");
            assert!(
                request.headers.get("api-version").is_none(),
                "progenitor's api-version must not be sent"
            );
            assert_eq!(
                request.headers["user-agent"],
                concat!("aurpay-api/", env!("CARGO_PKG_VERSION"))
            );
        }
        // Base URL given with a trailing slash: no `//` on the wire.
        assert_eq!(received[0].path_and_query, "/api/v2/order/?page=2&size=50");
        assert_eq!(received[1].path_and_query, "/api/order/pay-info");
        // The price goes out as a JSON number.
        let sent: serde_json::Value = serde_json::from_slice(&received[1].body).unwrap();
        assert_eq!(sent["vs_price"], json!(10));
        if matches!(scheme, Scheme::ApiKey) {
            assert!(received[0].headers.get("signature").is_none());
        } else {
            assert!(
                received[0].headers.get("body-md5").is_none(),
                "GET has no Body-MD5"
            );
            assert!(received[1].headers.get("body-md5").is_some());
            assert!(received[0].headers.get("api-key").is_none());
        }
    }
}

#[tokio::test]
async fn wrong_credentials_are_an_authentication_error() {
    let server = TestServer::start(Auth::signature(TOKEN, SECRET)).await;
    let wrong = Credentials::signature(TOKEN, "wrong-secret", SignatureAlgorithm::HmacSha256);
    let client = server.client(wrong.unwrap()).build().unwrap();
    let error = client.get_bln_balance().call().await.unwrap_err();
    assert_kind!(
        error,
        ErrorKind::Authentication {
            code: Some(401),
            status: 200,
            ..
        }
    );
    assert!(server.received()[0].auth_error.is_some());
}

#[tokio::test]
async fn signature_uses_the_injected_clock() {
    let server = TestServer::start(Auth::signature(TOKEN, SECRET)).await;
    let client = server
        .client(super::signature(SignatureAlgorithm::HmacSha256))
        .clock(aurpay_api::clock::ManualClock::starting_at(
            "2024-06-17T00:00:00Z".parse().unwrap(),
        ))
        .build()
        .unwrap();
    server.push(Reply::ok(json!({"balance": "0.1"})));
    client.get_bln_balance().call().await.unwrap();
    let request = &server.received()[0];
    assert_eq!(request.headers["date"], "2024-06-17T00:00:00Z");
    assert_eq!(request.auth_error, None);
}

#[tokio::test]
async fn missing_parameter_and_missing_credentials_are_invalid_requests() {
    let (server, client) = setup(Scheme::ApiKey).await;
    let error = client.get_orders_details().call().await.unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::InvalidRequest { .. })
            && error.operation() == Some("get_orders_details")
            && error.outcome() == Outcome::NotSent,
        "{error:?}"
    );

    let anonymous = Client::builder().base_url(server.url()).build().unwrap();
    let error = anonymous.get_orders().call().await.unwrap_err();
    assert_kind!(error, ErrorKind::InvalidRequest { .. });
    assert!(server.received().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn a_body_not_given_or_missing_a_field_is_refused_before_sending() {
    let (server, client) = setup(Scheme::ApiKey).await;
    // No body at all: the empty body is checked, as a given one would be.
    let no_body = client.get_payment_info().call().await.unwrap_err();
    // A builder missing a required field, given as the body.
    let partial = types::PaymentInfoRequest::builder()
        .chain("ETH")
        .currency("USDT-ERC20")
        .vs_currency("USD");
    let missing_price = client
        .get_payment_info()
        .body(partial)
        .call()
        .await
        .unwrap_err();
    for (error, field) in [(&no_body, "chain"), (&missing_price, "vs_price")] {
        match error.kind() {
            ErrorKind::InvalidRequest { message } => {
                assert!(message.contains(field), "{field} named: {message}")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(error.outcome(), Outcome::NotSent, "{error:?}");
    }
    assert!(server.received().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn get_api_key_needs_no_credentials_and_builds_an_api_key_client() {
    let server = TestServer::start(Auth::None).await;
    server.push(Reply::ok(json!({"access_token": API_KEY})));
    let anonymous = Client::builder().base_url(server.url()).build().unwrap();
    let body = types::ApiKeyRequest::builder()
        .username("merchant@example.com")
        .password("hunter2");
    let key = anonymous.get_api_key().body(body).call().await.unwrap();
    let request = &server.received()[0];
    assert!(request.headers.get("api-key").is_none());

    let client = server
        .client(Credentials::api_key(key.access_token).unwrap())
        .build()
        .unwrap();
    server.push(Reply::ok(json!(["USD", "CNY"])));
    let currencies = client
        .get_support_real_currency_list()
        .call()
        .await
        .unwrap();
    assert_eq!(currencies.0, ["USD", "CNY"]);
    assert_eq!(server.received()[1].headers["api-key"], API_KEY);
}

#[tokio::test]
async fn no_secret_in_debug_or_display() {
    let secrets = [API_KEY, TOKEN, SECRET];
    let (server, client) = setup(Scheme::Sha256).await;
    let api_key_client = server.client(api_key()).build().unwrap();
    server.push(Reply::json(r#"{"code":401,"message":"denied"}"#).status(401));
    server.push(
        Reply::json("<html>bad gateway</html>")
            .status(502)
            .content_type("text/html"),
    );
    let errors = vec![
        client.get_orders().call().await.unwrap_err(),
        api_key_client.get_orders().call().await.unwrap_err(),
        Client::builder()
            .base_url(format!("http://{}", support::closed_port().await))
            .credentials(api_key())
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap()
            .get_orders()
            .call()
            .await
            .unwrap_err(),
        Credentials::from_lookup(|name| (name == "AURPAY_API_TOKEN").then(|| TOKEN.to_owned()))
            .unwrap_err(),
    ];
    let credentials = [
        api_key(),
        super::signature(SignatureAlgorithm::HmacSha3_256),
    ];
    let mut texts = vec![format!("{client:?}"), format!("{api_key_client:?}")];
    texts.extend(credentials.iter().map(|c| format!("{c:?}")));
    for error in &errors {
        texts.push(format!("{error}"));
        texts.push(format!("{error:?}"));
    }
    for text in &texts {
        for secret in secrets {
            assert!(!text.contains(secret), "secret leaked: {text}");
        }
    }
    // The texts are about something: the client shows its scheme, errors
    // name their operation.
    assert!(texts[0].contains("Signature") && texts[1].contains("ApiKey"));
    assert!(format!("{}", errors[0]).contains("get_orders"));
}

#[tokio::test]
async fn from_lookup_names_the_missing_variable() {
    let error =
        Credentials::from_lookup(|name| (name == "AURPAY_API_TOKEN").then(|| "t".to_owned()))
            .unwrap_err();
    assert!(error.to_string().contains("AURPAY_API_SECRET"), "{error}");
    let error = Credentials::from_lookup(|_| None).unwrap_err();
    assert!(error.to_string().contains("AURPAY_API_KEY"), "{error}");
    let sha3 = Credentials::from_lookup(|name| match name {
        "AURPAY_API_TOKEN" => Some("token-1".into()),
        "AURPAY_API_SECRET" => Some("secret-1".into()),
        "AURPAY_SIGNATURE_ALGORITHM" => Some("HMAC-SHA3_256".into()),
        _ => None,
    })
    .unwrap();
    assert!(format!("{sha3:?}").contains("HMAC-SHA3_256"));
    let bad = Credentials::from_lookup(|name| match name {
        "AURPAY_API_TOKEN" => Some("token-1".into()),
        "AURPAY_API_SECRET" => Some("secret-1".into()),
        "AURPAY_SIGNATURE_ALGORITHM" => Some("HMAC-MD5".into()),
        _ => None,
    })
    .unwrap_err();
    assert!(bad.to_string().contains("HMAC-MD5"), "{bad}");
}

/// A path parameter is sent as exactly one path segment, whatever it
/// holds, or refused before anything is sent: `..` or `\` in an order id
/// never turn a refund into another operation (a URL parser reads
/// `..\..\..\wallet\withdraw` as `../../../wallet/withdraw`). The server
/// verifies the signature over the path it received.
#[tokio::test]
async fn path_parameters_are_one_segment_or_refused_before_sending() {
    let (server, client) = setup(Scheme::Sha256).await;
    let refund = |id: &'static str| {
        client
            .orders_refund()
            .order_id(id)
            .body(types::RefundRequest::builder().address("tb1qpath"))
            .call()
    };
    let hostile = [
        "..\\..\\..\\wallet\\withdraw",
        "../../../wallet/withdraw",
        "a?b=1#c",
        "%2e%2e",
        ".%2E",
        "...",
        "a;b=1",
        "é ",
    ];
    for (sent, id) in hostile.into_iter().enumerate() {
        server.push(Reply::ok(json!({})));
        let _ = refund(id).await;
        let received = server.received();
        assert_eq!(received.len(), sent + 1, "{id:?} sent once");
        let request = &received[sent];
        assert_eq!(request.method, "POST", "{id:?}");
        let segment = request
            .path_and_query
            .strip_prefix("/api/v2/order/refund/")
            .unwrap_or_else(|| panic!("{id:?} sent as {}", request.path_and_query));
        assert!(
            !segment.contains(['/', '\\', '?', '#']),
            "{id:?} sent as {}",
            request.path_and_query
        );
        let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
        assert_eq!(decoded, id, "{id:?} sent as {}", request.path_and_query);
        assert_eq!(request.auth_error, None, "{id:?}: signed as sent");
    }
    let before = server.received().len();
    for id in ["", ".", ".."] {
        let errors = [
            refund(id).await.map(drop).unwrap_err(),
            client
                .get_orders_details()
                .order_id(id)
                .call()
                .await
                .map(drop)
                .unwrap_err(),
            client
                .get_orders_refund_info()
                .order_id(id)
                .call()
                .await
                .map(drop)
                .unwrap_err(),
        ];
        for error in errors {
            assert_kind!(error, ErrorKind::InvalidRequest { .. });
            assert_eq!(error.outcome(), Outcome::NotSent, "{id:?}: {error:?}");
            assert!(error.to_string().contains("one path segment"), "{error}");
        }
    }
    assert_eq!(server.received().len(), before, "nothing sent");
}
