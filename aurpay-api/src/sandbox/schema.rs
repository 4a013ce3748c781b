//! The sandbox's check of a request against the spec: the subset of
//! OpenAPI 3.0 schema keywords `spec/aurpay.yaml` uses for requests (type
//! and `nullable`, `properties`, `required`, `additionalProperties`,
//! `items`, `enum`, numeric and length bounds, `pattern` for the decimal
//! forms, `oneOf`/`anyOf`/`allOf`/`not`). The schemas come from the generated
//! routing, `$ref`s already inlined, so a bound added to the spec is
//! enforced after `cargo xtask regen` with no edit here.
//!
//! Recursion is bounded by the schema's depth, which regen caps at 32.

use rust_decimal::Decimal;
use serde_json::{Map, Value};

/// Checks `value` against `schema`; the error names the first offending
/// place (`body.price`, `page`) and why.
pub(crate) fn validate(schema: &Value, value: &Value, place: &str) -> Result<(), String> {
    let Value::Object(schema) = schema else {
        return Ok(());
    };
    if value.is_null() {
        return if allows_null(schema) {
            Ok(())
        } else {
            Err(format!("{place} must not be null"))
        };
    }
    if let Some(Value::String(ty)) = schema.get("type") {
        check_type(ty, value, place)?;
    }
    if let Some(Value::Array(allowed)) = schema.get("enum")
        && !allowed.contains(value)
    {
        return Err(format!(
            "{place} must be one of {}",
            Value::Array(allowed.clone())
        ));
    }
    match value {
        Value::Number(number) => check_number(schema, number, place)?,
        Value::String(text) => check_string(schema, text, place)?,
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (index, item) in items.iter().enumerate() {
                    validate(item_schema, item, &format!("{place}[{index}]"))?;
                }
            }
        }
        Value::Object(object) => check_object(schema, object, place)?,
        _ => {}
    }
    combinators_accept(schema, value, place)
}

/// Whether `null` is a valid value: only where the schema says so
/// (`nullable: true`, or `x-nullable: true` for a schema without a type),
/// itself or through its combinators (every `allOf` branch, any
/// `anyOf`/`oneOf` branch). A property without a type (an `Amount`) is not
/// nullable for that: a client that sends `"amount": null` for an unset
/// variable is refused, never read as "the whole order".
fn allows_null(schema: &Map<String, Value>) -> bool {
    let flag = |key: &str| schema.get(key) == Some(&Value::Bool(true));
    if flag("nullable") || flag("x-nullable") {
        return true;
    }
    let branches = |key: &str| match schema.get(key) {
        Some(Value::Array(branches)) => branches.as_slice(),
        _ => &[],
    };
    let nullable = |branch: &Value| branch.as_object().is_some_and(allows_null);
    let all = branches("allOf");
    (!all.is_empty() && all.iter().all(nullable))
        || branches("anyOf").iter().any(nullable)
        || branches("oneOf").iter().any(nullable)
}

fn combinators_accept(
    schema: &Map<String, Value>,
    value: &Value,
    place: &str,
) -> Result<(), String> {
    let branches = |key: &str| match schema.get(key) {
        Some(Value::Array(branches)) => branches.as_slice(),
        _ => &[],
    };
    for branch in branches("allOf") {
        validate(branch, value, place)?;
    }
    // `Amount` has no type and excludes booleans, objects and arrays so.
    if let Some(excluded) = schema.get("not")
        && validate(excluded, value, place).is_ok()
    {
        return Err(format!("{place} is of a type its schema excludes"));
    }
    let any = branches("anyOf");
    if !any.is_empty() && !any.iter().any(|b| validate(b, value, place).is_ok()) {
        return Err(format!("{place} matches none of the allowed forms"));
    }
    let one = branches("oneOf");
    if !one.is_empty() {
        let matching = one
            .iter()
            .filter(|b| validate(b, value, place).is_ok())
            .count();
        if matching != 1 {
            return Err(format!(
                "{place} must match exactly one of the allowed forms (matches {matching})"
            ));
        }
    }
    Ok(())
}

fn check_type(ty: &str, value: &Value, place: &str) -> Result<(), String> {
    let ok = match ty {
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{place} must be a JSON {ty}"))
    }
}

/// The number's exact decimal value, from its JSON text (never through
/// `f64`); `None` when it does not fit a decimal (such a number is out of
/// any bound the spec can state for money or pages).
fn exact(number: &serde_json::Number) -> Option<Decimal> {
    let text = number.to_string();
    text.parse::<Decimal>()
        .ok()
        .or_else(|| Decimal::from_scientific(&text).ok())
}

fn bound(schema: &Map<String, Value>, key: &str) -> Option<Decimal> {
    match schema.get(key)? {
        Value::Number(n) => exact(n),
        _ => None,
    }
}

fn check_number(
    schema: &Map<String, Value>,
    number: &serde_json::Number,
    place: &str,
) -> Result<(), String> {
    let bounded = ["minimum", "maximum"]
        .iter()
        .any(|k| schema.contains_key(*k));
    let Some(value) = exact(number) else {
        return if bounded {
            Err(format!("{place} is out of range"))
        } else {
            Ok(())
        };
    };
    let exclusive = |key: &str| schema.get(key) == Some(&Value::Bool(true));
    if let Some(min) = bound(schema, "minimum") {
        let below = if exclusive("exclusiveMinimum") {
            value <= min
        } else {
            value < min
        };
        if below {
            let relation = if exclusive("exclusiveMinimum") {
                "greater than"
            } else {
                "at least"
            };
            return Err(format!("{place} must be {relation} {min}"));
        }
    }
    if let Some(max) = bound(schema, "maximum") {
        let above = if exclusive("exclusiveMaximum") {
            value >= max
        } else {
            value > max
        };
        if above {
            let relation = if exclusive("exclusiveMaximum") {
                "less than"
            } else {
                "at most"
            };
            return Err(format!("{place} must be {relation} {max}"));
        }
    }
    Ok(())
}

fn check_string(schema: &Map<String, Value>, text: &str, place: &str) -> Result<(), String> {
    let length = text.chars().count() as u64;
    if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
        && length < min
    {
        return Err(format!("{place} must have at least {min} characters"));
    }
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
        && length > max
    {
        return Err(format!("{place} must have at most {max} characters"));
    }
    if let Some(Value::String(pattern)) = schema.get("pattern")
        && let Some(signed) = decimal_pattern(pattern)
        && !is_decimal_text(text, signed)
    {
        return Err(format!(
            "{place} must be a decimal number such as \"0.001\""
        ));
    }
    Ok(())
}

/// The `pattern`s checked here: a plain decimal, as amounts are written
/// (never negative), and a signed one (the sandbox's own controls). Other
/// patterns are left to the typed decoding that follows.
const DECIMAL_PATTERN: &str = r"^[0-9]+(\.[0-9]+)?$";
const SIGNED_DECIMAL_PATTERN: &str = r"^-?[0-9]+(\.[0-9]+)?$";

/// `Some(signed)` for a decimal pattern, `None` for any other.
fn decimal_pattern(pattern: &str) -> Option<bool> {
    match pattern {
        DECIMAL_PATTERN => Some(false),
        SIGNED_DECIMAL_PATTERN => Some(true),
        _ => None,
    }
}

fn is_decimal_text(text: &str, signed: bool) -> bool {
    let digits = match text.strip_prefix('-') {
        Some(rest) if signed => rest,
        _ => text,
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (digits, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole) && fraction.is_none_or(all_digits)
}

fn check_object(
    schema: &Map<String, Value>,
    object: &Map<String, Value>,
    place: &str,
) -> Result<(), String> {
    if let Some(Value::Array(required)) = schema.get("required") {
        for name in required.iter().filter_map(Value::as_str) {
            if !object.contains_key(name) {
                return Err(format!("{place}.{name} is required"));
            }
        }
    }
    let properties = match schema.get("properties") {
        Some(Value::Object(properties)) => Some(properties),
        _ => None,
    };
    for (name, value) in object {
        let inner = format!("{place}.{name}");
        match properties.and_then(|p| p.get(name)) {
            Some(property) => validate(property, value, &inner)?,
            None => match schema.get("additionalProperties") {
                Some(Value::Bool(false)) => return Err(format!("{inner} is not a known field")),
                Some(extra @ Value::Object(_)) => validate(extra, value, &inner)?,
                _ => {}
            },
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_keywords_the_spec_uses() {
        let price = json!({"type": "number", "minimum": 0, "exclusiveMinimum": true});
        let schema = json!({
            "type": "object",
            "required": ["price", "currency"],
            "properties": {
                "price": {"allOf": [price]},
                "currency": {"type": "string", "minLength": 3, "maxLength": 3},
                "amount": {"oneOf": [
                    {"type": "string", "pattern": DECIMAL_PATTERN, "nullable": true},
                    {"type": "number"}
                ]},
                "page": {"type": "integer", "minimum": 1}
            }
        });
        let ok = json!({"price": 10.5, "currency": "USD", "amount": "0.1", "extra": 1});
        assert_eq!(validate(&schema, &ok, "body"), Ok(()));
        for (bad, why) in [
            (json!({"currency": "USD"}), "body.price is required"),
            (
                json!({"price": "10", "currency": "USD"}),
                "body.price must be a JSON number",
            ),
            (
                json!({"price": 0, "currency": "USD"}),
                "body.price must be greater than 0",
            ),
            (
                json!({"price": -10, "currency": "USD"}),
                "body.price must be greater than 0",
            ),
            (
                json!({"price": 1, "currency": "USDT"}),
                "body.currency must have at most 3 characters",
            ),
            (
                json!({"price": 1, "currency": "USD", "amount": "1e5"}),
                "body.amount must match exactly one of the allowed forms (matches 0)",
            ),
            (
                json!({"price": 1, "currency": "USD", "page": 0}),
                "body.page must be at least 1",
            ),
            (
                json!({"price": 1, "currency": "USD", "page": 1.5}),
                "body.page must be a JSON integer",
            ),
            (json!([1]), "body must be a JSON object"),
        ] {
            assert_eq!(
                validate(&schema, &bad, "body"),
                Err(why.to_owned()),
                "{bad}"
            );
        }
        // Null matches the nullable branch of the union only.
        assert_eq!(
            validate(
                &schema,
                &json!({"price": 1, "currency": "USD", "amount": null}),
                "body"
            ),
            Ok(())
        );
        // A number too large for a decimal is out of any stated range.
        let huge: Value = serde_json::from_str("1e300").unwrap();
        assert!(validate(&json!({"type": "number", "maximum": 10}), &huge, "x").is_err());
        assert!(validate(&json!({"type": "number"}), &huge, "x").is_ok());
    }

    #[test]
    fn decimal_text() {
        for good in ["0", "0.00102549", "123.4"] {
            assert!(is_decimal_text(good, false), "{good}");
            assert!(is_decimal_text(good, true), "{good}");
        }
        assert!(is_decimal_text("-1", true));
        assert!(!is_decimal_text("-1", false), "amounts are never negative");
        for bad in ["", "-", "1.", ".5", "1e5", "1,5", " 1", "0x10", "--1"] {
            assert!(!is_decimal_text(bad, false), "{bad}");
            assert!(!is_decimal_text(bad, true), "{bad}");
        }
        assert_eq!(decimal_pattern(r"^[0-9]+$"), None);
    }

    /// `Amount`'s schema: a string or a number, nothing else.
    #[test]
    fn not_excludes_a_form() {
        let amount = json!({
            "pattern": DECIMAL_PATTERN,
            "minimum": 0,
            "not": {"anyOf": [{"type": "boolean"}, {"type": "object"}, {"type": "array", "items": {}}]}
        });
        for good in [json!("0.1"), json!(10), json!(0.5)] {
            assert_eq!(validate(&amount, &good, "amount"), Ok(()), "{good}");
        }
        for bad in [json!(false), json!({}), json!([1])] {
            assert_eq!(
                validate(&amount, &bad, "amount"),
                Err("amount is of a type its schema excludes".to_owned()),
                "{bad}"
            );
        }
        assert!(validate(&amount, &json!("-1"), "amount").is_err());
        assert!(validate(&amount, &json!(-1), "amount").is_err());
    }
}
