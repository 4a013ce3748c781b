//! The values an intent's effect is recognised by: from the recorded
//! request (body fields, path parameters, constants the spec names) and
//! from a listed order or transaction, compared by role: amounts as
//! decimals (`10` equals `10.00`), addresses exactly, codes ignoring case.

use std::collections::BTreeMap;

use serde_json::value::RawValue;

use super::record::IntentRecord;
use super::spec::{Role, Source};
use crate::Amount;
use crate::operation::{ListedOrder, ListedTransaction};

/// A value to match.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Value {
    Amount(Amount),
    Text(String),
}

impl Value {
    fn of(role: Role, text: &str) -> Option<Value> {
        if matches!(role, Role::FiatPrice | Role::Amount) {
            text.trim().parse::<Amount>().ok().map(Value::Amount)
        } else {
            Some(Value::Text(text.to_owned()))
        }
    }

    /// Equal for the role: amounts by value, addresses exactly, the rest
    /// ignoring ASCII case.
    fn matches(&self, role: Role, other: &Value) -> bool {
        match (self, other) {
            (Value::Amount(a), Value::Amount(b)) => a == b,
            (Value::Text(a), Value::Text(b)) if role == Role::Address => a == b,
            (Value::Text(a), Value::Text(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        }
    }
}

/// What the intent's effect must show: each role with its value. A role
/// whose source the request left out (an optional body field) is not
/// matched on.
pub(crate) fn expected(record: &IntentRecord) -> Vec<(Role, Value)> {
    let Some(spec) = record.spec() else {
        return Vec::new();
    };
    let body: BTreeMap<String, Box<RawValue>> = record
        .body
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    spec.matches
        .iter()
        .filter_map(|(role, source)| {
            let text = match source {
                Source::Const(value) => (*value).to_owned(),
                Source::Path(name) => record
                    .params
                    .iter()
                    .find(|(param, _)| param == name)
                    .map(|(_, value)| value.clone())?,
                Source::Body(field) => {
                    let raw = body.get(*field)?.get();
                    match serde_json::from_str::<String>(raw) {
                        Ok(text) => text,
                        // A number (or anything not a string): its exact
                        // text.
                        Err(_) if raw != "null" => raw.to_owned(),
                        Err(_) => return None,
                    }
                }
            };
            Some((*role, Value::of(*role, &text)?))
        })
        .collect()
}

/// What a listed item shows for `role`, if it says.
pub(crate) trait Shows {
    fn shows(&self, role: Role) -> Option<Value>;
}

impl<T: ListedOrder> Shows for Listed<'_, T> {
    fn shows(&self, role: Role) -> Option<Value> {
        match role {
            Role::FiatPrice => self.0.fiat_price().copied().map(Value::Amount),
            Role::FiatCurrency => self.0.fiat_currency().map(|c| Value::Text(c.to_owned())),
            _ => None,
        }
    }
}

impl<T: ListedTransaction> Shows for ListedTx<'_, T> {
    fn shows(&self, role: Role) -> Option<Value> {
        let text = |value: Option<&str>| value.map(|v| Value::Text(v.to_owned()));
        match role {
            Role::Kind => text(self.0.kind()),
            Role::Chain => text(self.0.chain()),
            Role::Currency => text(self.0.currency()),
            Role::Amount => self.0.amount().copied().map(Value::Amount),
            Role::Address => text(self.0.address()),
            _ => None,
        }
    }
}

/// A listed order, for [`Shows`].
pub(crate) struct Listed<'a, T>(pub(crate) &'a T);

/// A listed transaction, for [`Shows`].
pub(crate) struct ListedTx<'a, T>(pub(crate) &'a T);

/// Whether `item` shows every expected value.
pub(crate) fn matches(expected: &[(Role, Value)], item: &impl Shows) -> bool {
    expected.iter().all(|(role, value)| {
        item.shows(*role)
            .is_some_and(|shown| value.matches(*role, &shown))
    })
}

/// Two intents that `expected` alike cannot be told apart by what they
/// made: a key for grouping them (roles in order, values normalized).
pub(crate) fn fingerprint(operation: &str, expected: &[(Role, Value)]) -> String {
    let mut key = operation.to_owned();
    for (role, value) in expected {
        let shown = match value {
            Value::Amount(amount) => amount.decimal().normalize().to_string(),
            Value::Text(text) if *role == Role::Address => text.clone(),
            Value::Text(text) => text.to_ascii_lowercase(),
        };
        key.push_str(&format!("|{role:?}={shown}"));
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::sealed::Request;

    fn record(operation: &str, body: &str) -> IntentRecord {
        IntentRecord::sending(
            operation,
            Request {
                params: vec![("order_id", "20250207040935220628".to_owned())],
                body: Some(body.to_owned()),
            },
            &crate::Timestamp::from_unix_micros(0),
        )
    }

    #[test]
    fn values_come_from_the_body_exactly_and_absent_fields_are_not_matched() {
        let create = record(
            "get_payment_info",
            r#"{"chain":"ETH","currency":"USDT-ERC20","vs_currency":"usd","vs_price":20.10}"#,
        );
        let expected = expected(&create);
        assert_eq!(expected.len(), 2, "{expected:?}");
        assert!(expected.contains(&(Role::FiatPrice, Value::Amount("20.1".parse().unwrap()))));
        assert!(expected.contains(&(Role::FiatCurrency, Value::Text("usd".into()))));
        let refund = record("orders_refund", r#"{"address":"tb1qxyz"}"#);
        let expected = super::expected(&refund);
        assert!(
            expected.iter().all(|(role, _)| *role != Role::Amount),
            "{expected:?}"
        );
        assert!(expected.contains(&(Role::Kind, Value::Text("REST".into()))));
        assert_eq!(
            fingerprint("orders_refund", &expected),
            fingerprint(
                "orders_refund",
                &super::expected(&record("orders_refund", r#"{"address":"tb1qxyz"}"#))
            )
        );
    }

    #[test]
    fn roles_compare_as_their_kind() {
        let amount = |text: &str| Value::Amount(text.parse().unwrap());
        assert!(amount("10").matches(Role::Amount, &amount("10.00")));
        assert!(!amount("10").matches(Role::Amount, &amount("10.01")));
        let text = |t: &str| Value::Text(t.to_owned());
        assert!(text("USD").matches(Role::FiatCurrency, &text("usd")));
        assert!(!text("TAbc").matches(Role::Address, &text("tabc")));
    }
}
