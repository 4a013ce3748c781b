//! Exact money, open enums and timestamps: property tests and the values
//! Aurpay is documented to send.

use aurpay_api::{
    Amount, Chain, CryptoCurrency, FiatCurrency, JsonForm, OrderStatus, OrderType,
    SignatureAlgorithm, Timestamp, TransactionType, types,
};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Value, json};

#[test]
fn documented_amounts_come_back_unchanged() {
    for text in [
        r#""0.00000820392""#,
        "0.00155419",
        "18.0098",
        "100",
        r#""19.0""#,
        r#""100.0""#,
        "18",
        r#""0""#,
    ] {
        let amount: Amount = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&amount).unwrap(), text);
    }
    let fee: Amount = serde_json::from_str(r#""0.00000820392""#).unwrap();
    assert_eq!(fee.decimal(), Decimal::new(820_392, 11));
    assert_eq!(fee.json_form(), JsonForm::String);
}

#[test]
fn bad_amounts_are_errors_not_panics() {
    for text in [
        r#""abc""#,
        r#""""#,
        r#""1.2.3""#,
        "true",
        "null",
        "[]",
        r#""99999999999999999999999999999999""#,
        "1e400",
    ] {
        assert!(serde_json::from_str::<Amount>(text).is_err(), "{text}");
    }
}

#[test]
fn request_prices_are_json_numbers() {
    let price: Amount = "19.99".parse().unwrap();
    assert_eq!(serde_json::to_value(price).unwrap(), json!(19.99));
    assert_eq!(serde_json::to_value(Amount::from(20)).unwrap(), json!(20));
    // More digits than a float carries: still a JSON number, every digit.
    let long: Amount = "0.123456789012345678901".parse().unwrap();
    assert_eq!(
        serde_json::to_string(&long).unwrap(),
        "0.123456789012345678901"
    );
}

/// The case from the field: `vs_price` as a JSON number with 20
/// significant digits, inside a whole response.
#[test]
fn long_number_amounts_keep_every_digit_in_a_response() {
    let body = r#"{"order_id":"1","status":"PENDING","amount":18.009800000000000001,"vs_price":20.123456789012345678}"#;
    let info: aurpay_api::types::PaymentInfo = serde_json::from_str(body).unwrap();
    assert_eq!(
        info.vs_price.as_ref().unwrap().to_string(),
        "20.123456789012345678"
    );
    assert_eq!(info.amount.to_string(), "18.009800000000000001");
    let back = serde_json::to_string(&info).unwrap();
    assert!(
        back.contains(r#""vs_price":20.123456789012345678"#),
        "{back}"
    );
    assert!(back.contains(r#""amount":18.009800000000000001"#), "{back}");
}

#[test]
fn amounts_compare_by_value() {
    let a: Amount = serde_json::from_str(r#""19.0""#).unwrap();
    let b: Amount = serde_json::from_str("19").unwrap();
    assert_eq!(a, b);
    assert!(Amount::from(1) < Amount::from(2));
}

proptest! {
    // Cases: `PROPTEST_CASES` (proptest's default, 256, here; `.ci/run`
    // sets many more).
    #![proptest_config(ProptestConfig::default())]

    /// A computed instant (every clock reading is one) is written exactly
    /// as chrono's `%Y-%m-%dT%H:%M:%S%.f` writes it: the SDK's own writer
    /// against chrono's format string.
    #[test]
    fn computed_timestamps_are_written_as_chrono_writes_them(
        seconds in 0u64..(9_000 * 366 * 86_400),
        nanos in prop_oneof![
            Just(0u32),
            (1u32..1_000).prop_map(|ms| ms * 1_000_000),
            (1u32..1_000_000).prop_map(|us| us * 1_000),
            1u32..1_000_000_000,
        ],
    ) {
        let start: Timestamp = "0001-01-01T00:00:00".parse().unwrap();
        let later = start.later_by(std::time::Duration::new(seconds, nanos));
        let expected = chrono::NaiveDate::from_ymd_opt(1, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            + chrono::TimeDelta::new(seconds as i64, nanos).unwrap();
        prop_assert_eq!(later.as_str(), expected.format("%Y-%m-%dT%H:%M:%S%.f").to_string());
    }

    /// Any decimal string round-trips byte for byte.
    #[test]
    fn string_amounts_round_trip(mantissa in any::<i64>(), scale in 0u32..=18) {
        let value = Decimal::new(mantissa, scale);
        let text = format!("\"{value}\"");
        let amount: Amount = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(amount.decimal(), value);
        prop_assert_eq!(serde_json::to_string(&amount).unwrap(), text);
    }

    /// Any JSON number of up to 15 significant digits decodes exactly and
    /// encodes to the same number.
    #[test]
    fn number_amounts_round_trip(mantissa in -999_999_999_999_999i64..=999_999_999_999_999, scale in 0u32..=15) {
        let value = Decimal::new(mantissa, scale);
        let text = value.to_string();
        let amount: Amount = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(amount.decimal(), value);
        let back: Value = serde_json::to_value(amount).unwrap();
        let original: Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(back, original);
    }

    /// 28 significant digits, as a JSON number: decoded exactly from the
    /// text, re-encoded to the same text (never through f64).
    #[test]
    fn number_amounts_keep_28_significant_digits(
        mantissa in -9_999_999_999_999_999_999_999_999_999i128..=9_999_999_999_999_999_999_999_999_999,
        scale in 0u32..=28,
    ) {
        let value = Decimal::try_from_i128_with_scale(mantissa, scale).unwrap();
        let text = value.to_string();
        let amount: Amount = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(amount.decimal(), value);
        prop_assert_eq!(amount.json_form(), JsonForm::Number);
        let wire = serde_json::to_string(&amount).unwrap();
        // Same number; an integer-valued decimal keeps its form.
        let back: Amount = serde_json::from_str(&wire).unwrap();
        prop_assert_eq!(back.decimal(), value);
        prop_assert_eq!(wire, text);
    }

    /// 28 significant digits, as a JSON string: byte for byte.
    #[test]
    fn string_amounts_keep_28_significant_digits(
        mantissa in -9_999_999_999_999_999_999_999_999_999i128..=9_999_999_999_999_999_999_999_999_999,
        scale in 0u32..=28,
    ) {
        let value = Decimal::try_from_i128_with_scale(mantissa, scale).unwrap();
        let text = format!("\"{value}\"");
        let amount: Amount = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(amount.decimal(), value);
        prop_assert_eq!(serde_json::to_string(&amount).unwrap(), text);
    }

    /// Amounts built from decimals always serialize to something that
    /// decodes to the same value.
    #[test]
    fn built_amounts_survive_the_wire(mantissa in any::<i64>(), scale in 0u32..=28) {
        let amount = Amount::from(Decimal::new(mantissa, scale));
        let wire = serde_json::to_string(&amount).unwrap();
        let back: Amount = serde_json::from_str(&wire).unwrap();
        prop_assert_eq!(back.decimal(), amount.decimal());
    }

    /// Any string is a valid order status; known ones map to variants and
    /// every value serializes back unchanged.
    #[test]
    fn statuses_never_fail(raw in ".{0,24}") {
        let status: OrderStatus = serde_json::from_value(json!(raw)).unwrap();
        prop_assert_eq!(serde_json::to_value(&status).unwrap(), json!(raw));
        prop_assert_eq!(status.is_unknown(), !OrderStatus::KNOWN.iter().any(|k| k.as_str() == raw));
    }

    /// Aurpay's zoneless form parses to what chrono's format parser says
    /// (the SDK reads it without a format string, for speed).
    #[test]
    fn plain_timestamps_agree_with_chrono(y in 1970i32..2100, mo in 1u32..=12, d in 1u32..=31, h in 0u32..24, mi in 0u32..60, s in 0u32..60) {
        let text = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
        let epoch: Timestamp = "1970-01-01T00:00:00".parse().unwrap();
        let ours = text.parse::<Timestamp>().ok().map(|t| t.duration_since(&epoch).unwrap().as_secs());
        let chrono = chrono::NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S")
            .ok()
            .map(|n| n.and_utc().timestamp() as u64);
        prop_assert_eq!(ours, chrono);
    }

    /// Arbitrary input never panics the timestamp parser.
    #[test]
    fn timestamps_never_panic(raw in ".{0,40}") {
        let _ = raw.parse::<Timestamp>();
    }
}

#[test]
fn known_enum_values_round_trip() {
    for (value, known) in [
        ("PENDING", OrderStatus::Pending),
        ("OVERDUE", OrderStatus::Overdue),
        ("SUCCESS", OrderStatus::Success),
        ("RESOLVED", OrderStatus::Resolved),
        ("PARTIAL", OrderStatus::Partial),
        ("TERMINATED", OrderStatus::Terminated),
        ("REFUNDED", OrderStatus::Refunded),
    ] {
        assert_eq!(
            serde_json::from_value::<OrderStatus>(json!(value)).unwrap(),
            known
        );
        assert_eq!(known.as_str(), value);
    }
    assert_eq!(OrderType::from("INVOICE"), OrderType::Invoice);
    assert_eq!(
        TransactionType::from("UNKNOWN"),
        TransactionType::Unclassified
    );
    assert_eq!(
        TransactionType::from("NEW"),
        TransactionType::Unknown("NEW".into())
    );
    assert_eq!(
        SignatureAlgorithm::from("HMAC-SHA3_256"),
        SignatureAlgorithm::HmacSha3_256
    );
}

/// Chains and currencies: every known value round-trips, an unknown one is
/// kept verbatim through a whole response, and requests write what was set.
#[test]
fn chains_and_currencies_are_open() {
    for chain in Chain::KNOWN {
        assert_eq!(&Chain::from(chain.as_str()), chain);
    }
    for currency in CryptoCurrency::KNOWN {
        assert_eq!(&CryptoCurrency::from(currency.as_str()), currency);
    }
    for fiat in FiatCurrency::KNOWN {
        assert_eq!(&FiatCurrency::from(fiat.as_str()), fiat);
    }
    let order: types::OrderSummary = serde_json::from_value(json!({
        "order_id": "1", "status": "PENDING", "amount": "1",
        "chain": "SOL", "currency": "USDC-SPL", "vs_currency": "JPY",
    }))
    .unwrap();
    assert_eq!(order.chain, Some(Chain::Unknown("SOL".into())));
    assert_eq!(
        order.currency,
        Some(CryptoCurrency::Unknown("USDC-SPL".into()))
    );
    assert_eq!(
        order.vs_currency.as_ref().map(FiatCurrency::as_str),
        Some("JPY")
    );
    let again = serde_json::to_value(&order).unwrap();
    assert_eq!(
        (again["chain"].clone(), again["currency"].clone()),
        (json!("SOL"), json!("USDC-SPL"))
    );
    let request = types::PaymentInfoRequest::builder()
        .chain(Chain::Eth)
        .currency(CryptoCurrency::UsdtErc20)
        .vs_currency("USD")
        .vs_price(Amount::from(10));
    let request = types::PaymentInfoRequest::try_from(request).unwrap();
    assert_eq!(request.vs_currency, FiatCurrency::Usd);
    let body = serde_json::to_value(&request).unwrap();
    assert_eq!(
        (body["chain"].clone(), body["currency"].clone()),
        (json!("ETH"), json!("USDT-ERC20"))
    );
}

#[test]
fn status_helpers() {
    let paid: Vec<&str> = OrderStatus::KNOWN
        .iter()
        .filter(|s| s.is_paid())
        .map(OrderStatus::as_str)
        .collect();
    assert_eq!(paid, ["SUCCESS", "RESOLVED"]);
    let open: Vec<&str> = OrderStatus::KNOWN
        .iter()
        .filter(|s| !s.is_final())
        .map(OrderStatus::as_str)
        .collect();
    assert_eq!(open, ["PENDING", "PARTIAL"]);
    assert!(!OrderStatus::Unknown("X".into()).is_final());
}

#[test]
fn timestamps_zoneless_and_zoned() {
    let naive: Timestamp = serde_json::from_value(json!("2025-02-06T00:00:00")).unwrap();
    assert_eq!(
        serde_json::to_value(&naive).unwrap(),
        json!("2025-02-06T00:00:00")
    );
    let utc: Timestamp = serde_json::from_value(json!("2025-02-06T00:00:00Z")).unwrap();
    let plus8: Timestamp = serde_json::from_value(json!("2025-02-06T08:00:00+08:00")).unwrap();
    let fraction: Timestamp = serde_json::from_value(json!("2025-02-06T00:00:00.000")).unwrap();
    assert_eq!(naive, utc);
    assert_eq!(utc, plus8);
    assert_eq!(naive, fraction);
    assert_eq!(
        serde_json::to_value(&plus8).unwrap(),
        json!("2025-02-06T08:00:00+08:00")
    );
    for bad in ["", "yesterday", "2025-13-01T00:00:00", "2025-02-06"] {
        assert!(
            serde_json::from_value::<Timestamp>(json!(bad)).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn an_unset_required_body_field_is_named() {
    let missing_chain = types::PaymentInfoRequest::builder()
        .currency(CryptoCurrency::UsdtErc20)
        .vs_currency("USD")
        .vs_price(Amount::from(10));
    let error = types::PaymentInfoRequest::try_from(missing_chain).unwrap_err();
    assert_eq!(error.to_string(), "no value supplied for chain");
    // Every required field, when none is set: the first is named.
    let error = types::PaymentInfoRequest::try_from(types::PaymentInfoRequest::builder())
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("no value supplied for "), "{error}");
    // A complete builder converts.
    let complete = types::PaymentInfoRequest::builder()
        .chain(Chain::Eth)
        .currency(CryptoCurrency::UsdtErc20)
        .vs_currency("USD")
        .vs_price(Amount::from(10));
    assert!(types::PaymentInfoRequest::try_from(complete).is_ok());
}
