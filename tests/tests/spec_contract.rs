//! The spec describes exactly the documented Aurpay operations, with the
//! security, callbacks and provenance the SDK and other-language teams rely
//! on.

use serde_yaml::Value;

use aurpay_tests::spec;

/// (operationId, docs title, method, path, provenance) as agreed from
/// Aurpay's docs; "inferred" marks what Aurpay does not publish.
const OPERATIONS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "get_payment_url",
        "Get Payment URL",
        "post",
        "/api/order/pay-url",
        "confirmed",
    ),
    (
        "get_payment_info",
        "Get Payment Info",
        "post",
        "/api/order/pay-info",
        "confirmed",
    ),
    (
        "get_orders",
        "Get Orders",
        "get",
        "/api/v2/order/",
        "confirmed",
    ),
    (
        "get_orders_details",
        "Get Orders Details",
        "get",
        "/api/v2/order/detail/{order_id}",
        "confirmed",
    ),
    (
        "get_orders_refund_info",
        "Get Orders Refund Info",
        "get",
        "/api/v2/order/refund-info/{order_id}",
        "confirmed",
    ),
    (
        "orders_refund",
        "Orders Refund",
        "post",
        "/api/v2/order/refund/{order_id}",
        "inferred",
    ),
    (
        "get_transaction",
        "Get Transaction",
        "get",
        "/api/v2/tx",
        "confirmed",
    ),
    (
        "get_support_crypto_currency_list",
        "Get Support Crypto Currency List",
        "get",
        "/api/order/pay/crypto-currency",
        "inferred",
    ),
    (
        "get_support_real_currency_list",
        "Get Support Real Currency List",
        "get",
        "/api/order/pay/real-currency",
        "confirmed",
    ),
    (
        "get_wallets_list",
        "Get Wallets List",
        "get",
        "/api/wallet/list",
        "inferred",
    ),
    (
        "withdraw_balance",
        "Withdraw Balance",
        "post",
        "/api/wallet/withdraw",
        "inferred",
    ),
    (
        "get_self_custody_wallets",
        "Get Self Custody Wallets",
        "get",
        "/api/wallet/self-custody",
        "inferred",
    ),
    (
        "get_bln_balance",
        "Get BLN Balance",
        "get",
        "/api/bln/balance",
        "inferred",
    ),
    (
        "create_bln_order",
        "Create BLN Order",
        "post",
        "/api/bln/order",
        "confirmed",
    ),
    (
        "create_bln_withdraw",
        "Create BLN Withdraw",
        "post",
        "/api/bln/withdraw",
        "confirmed",
    ),
    (
        "get_api_key",
        "Get API-Key",
        "post",
        "/api/plugin/key/aurpay",
        "confirmed",
    ),
];

const TAGS: &[&str] = &["Order", "Wallets", "Bitcoin Lightning Network", "Auth"];

fn operations(document: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in document["paths"].as_mapping().unwrap() {
        for (method, op) in item.as_mapping().unwrap() {
            out.push((
                path.as_str().unwrap().to_owned(),
                method.as_str().unwrap().to_owned(),
                op,
            ));
        }
    }
    out
}

#[test]
fn spec_is_openapi_3_0_3() {
    assert_eq!(spec()["openapi"].as_str(), Some("3.0.3"));
}

#[test]
fn exactly_the_documented_operations() {
    let document = spec();
    let found = operations(&document);
    assert_eq!(found.len(), OPERATIONS.len());
    for (id, title, method, path, status) in OPERATIONS {
        let op = &document["paths"][*path][*method];
        assert_eq!(op["operationId"].as_str(), Some(*id), "{method} {path}");
        assert_eq!(op["summary"].as_str(), Some(*title), "{id}");
        assert_eq!(
            op["x-aurpay-provenance"]["status"].as_str(),
            Some(*status),
            "{id}"
        );
        let tags = op["tags"].as_sequence().unwrap();
        assert!(
            tags.len() == 1 && TAGS.contains(&tags[0].as_str().unwrap()),
            "{id}: {tags:?}"
        );
    }
}

#[test]
fn every_operation_has_provenance_and_inferred_ones_say_so_in_rustdoc() {
    let document = spec();
    for (path, method, op) in operations(&document) {
        let id = op["operationId"].as_str().unwrap();
        let provenance = &op["x-aurpay-provenance"];
        let source = provenance["source"].as_str().unwrap_or_default();
        assert!(
            source.starts_with("https://api-docs.aurpay.net/"),
            "{id}: source {source:?}"
        );
        if provenance["status"].as_str() == Some("inferred") {
            assert!(
                provenance["basis"].as_str().is_some_and(|b| !b.is_empty()),
                "{id}: basis"
            );
            // The description becomes the method's rustdoc.
            let description = op["description"].as_str().unwrap_or_default();
            assert!(
                description.contains("INFERRED"),
                "{id} ({method} {path}): description must say INFERRED"
            );
        }
        assert!(
            op["x-aurpay-moves-money"].as_bool().is_some(),
            "{id}: x-aurpay-moves-money"
        );
    }
}

#[test]
fn calls_that_move_money_are_flagged() {
    let document = spec();
    let mut moving: Vec<&str> = operations(&document)
        .into_iter()
        .filter(|(_, _, op)| op["x-aurpay-moves-money"].as_bool() == Some(true))
        .map(|(_, _, op)| op["operationId"].as_str().unwrap())
        .collect();
    moving.sort();
    assert_eq!(
        moving,
        [
            "create_bln_order",
            "create_bln_withdraw",
            "get_payment_info",
            "get_payment_url",
            "orders_refund",
            "withdraw_balance"
        ]
    );
}

#[test]
fn both_security_schemes_and_the_documented_signature() {
    let document = spec();
    let schemes = &document["components"]["securitySchemes"];
    for (scheme, header) in [
        ("ApiKey", "API-Key"),
        ("ApiToken", "API-Token"),
        ("Algorithm", "Algorithm"),
        ("Date", "Date"),
        ("BodyMD5", "Body-MD5"),
        ("Signature", "Signature"),
    ] {
        assert_eq!(schemes[scheme]["type"].as_str(), Some("apiKey"), "{scheme}");
        assert_eq!(schemes[scheme]["in"].as_str(), Some("header"), "{scheme}");
        assert_eq!(schemes[scheme]["name"].as_str(), Some(header), "{scheme}");
    }
    let description = schemes["ApiToken"]["description"].as_str().unwrap();
    assert!(description.contains("{Algorithm} | {Date} | {METHOD} {path?query} | {Body-MD5}"));
    assert!(
        description.contains("HMAC-SHA256 | 2024-06-17T00:00:00Z | GET /test/logs?size=20&page=2")
    );
    assert!(
        description.contains("Base64( HMAC-<hash>(key = API secret, message = string to sign) )")
    );

    let global = document["security"].as_sequence().unwrap();
    assert_eq!(global.len(), 2, "either scheme, not both");
    assert!(global[0].get("ApiKey").is_some());
    for part in ["ApiToken", "Algorithm", "Date", "BodyMD5", "Signature"] {
        assert!(
            global[1].get(part).is_some(),
            "signature requirement lacks {part}"
        );
    }
    for (_, _, op) in operations(&document) {
        let id = op["operationId"].as_str().unwrap();
        match id {
            "get_api_key" => assert_eq!(op["security"].as_sequence().map(Vec::len), Some(0)),
            _ => assert!(
                op.get("security").is_none(),
                "{id} must accept either global scheme"
            ),
        }
    }
}

#[test]
fn order_creating_operations_declare_get_and_post_callbacks() {
    let document = spec();
    for path in [
        "/api/order/pay-url",
        "/api/order/pay-info",
        "/api/bln/order",
    ] {
        // Inline (through a YAML anchor), not a $ref: some generators cannot
        // read callback references.
        let callbacks = &document["paths"][path]["post"]["callbacks"]["orderCallbacks"];
        assert!(callbacks.get("$ref").is_none(), "{path}");
        for expression in [
            "{$request.body#/callback_url}",
            "{$request.body#/timeout_callback}",
        ] {
            for method in ["get", "post"] {
                let op = &callbacks[expression][method];
                let headers: Vec<&str> = op["parameters"]
                    .as_sequence()
                    .unwrap_or_else(|| panic!("{path} {expression} {method}"))
                    .iter()
                    .map(|p| {
                        p["$ref"]
                            .as_str()
                            .unwrap()
                            .trim_start_matches("#/components/parameters/")
                    })
                    .map(|name| {
                        document["components"]["parameters"][name]["name"]
                            .as_str()
                            .unwrap()
                    })
                    .collect();
                assert_eq!(
                    headers,
                    ["Callback-Token", "Date", "Signature", "API-Key"],
                    "{path} {expression} {method}"
                );
            }
            let body = &callbacks[expression]["post"]["requestBody"]["content"]["application/json"]
                ["schema"]["$ref"];
            assert_eq!(body.as_str(), Some("#/components/schemas/OrderDetail"));
        }
    }
}

#[test]
fn runtime_replaced_types_are_named_components() {
    let document = spec();
    let schemas = &document["components"]["schemas"];
    for (component, _) in aurpay_codegen::REPLACEMENTS {
        assert!(schemas.get(*component).is_some(), "{component} missing");
    }
    for required in [
        "Amount",
        "OrderStatus",
        "OrderType",
        "TransactionType",
        "SignatureAlgorithm",
    ] {
        assert!(
            aurpay_codegen::REPLACEMENTS
                .iter()
                .any(|(c, _)| c == &required),
            "{required} not replaced"
        );
    }
}
