//! What the generated routing (`generated_operations.rs`, module `server`)
//! needs from the sandbox: a request matched to an operation, typed access
//! to its parameters and body, and the Aurpay-style failure a handler or a
//! bad request ends in.
//!
//! The sandbox is strict where the SDK must be: a query parameter the spec
//! does not declare, a malformed parameter, a body on an operation without
//! one or a body that does not decode as the operation's request type is
//! refused with code 400, so a client bug shows up in tests instead of
//! passing silently.

use std::str::FromStr;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// An Aurpay-style error: the envelope's code and message (sent with HTTP
/// 200, as Aurpay does, except for a route that does not exist).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) code: i64,
    pub(crate) message: String,
    /// HTTP 404 rather than 200: no such route (a missing order is an
    /// envelope refusal, not a missing route).
    pub(crate) no_route: bool,
}

impl Failure {
    pub(crate) fn new(code: i64, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
            no_route: false,
        }
    }

    /// No such control or page: code 404 with HTTP 404.
    pub(crate) fn no_route(message: impl Into<String>) -> Self {
        Failure {
            no_route: true,
            ..Failure::new(super::codes::NOT_FOUND, message)
        }
    }

    /// A malformed request: code 400.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Failure::new(super::codes::BAD_REQUEST, message)
    }

    /// An operation the generated dispatch has no arm for; unreachable when
    /// the operation comes from the same generated table.
    pub(crate) fn unrouted(operation_id: &str) -> Self {
        Failure::new(501, format!("sandbox does not route {operation_id}"))
    }
}

/// A request already matched to one operation by method and path.
#[derive(Debug)]
pub(crate) struct Request<'a> {
    path_params: Vec<&'a str>,
    query: Vec<(String, String)>,
    content_type: Option<&'a str>,
    body: &'a [u8],
}

impl<'a> Request<'a> {
    /// Splits and percent-decodes the query; a malformed one is refused.
    pub(crate) fn new(
        path_params: Vec<&'a str>,
        query: &str,
        content_type: Option<&'a str>,
        body: &'a [u8],
    ) -> Result<Self, Failure> {
        let mut pairs = Vec::new();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            pairs.push((percent_decode(name)?, percent_decode(value)?));
        }
        Ok(Request {
            path_params,
            query: pairs,
            content_type,
            body,
        })
    }

    /// Refuses query parameters the operation does not declare.
    pub(crate) fn only_query(&self, declared: &[&str]) -> Result<(), Failure> {
        match self
            .query
            .iter()
            .find(|(name, _)| !declared.contains(&name.as_str()))
        {
            Some((name, _)) => Err(Failure::bad_request(format!(
                "unknown query parameter `{name}`"
            ))),
            None => Ok(()),
        }
    }

    /// The path parameter at `index` of the template, parsed and checked
    /// against its schema (JSON, from the spec).
    pub(crate) fn path<T: FromStr + Serialize>(
        &self,
        index: usize,
        name: &str,
        schema: &str,
    ) -> Result<T, Failure> {
        let raw = self
            .path_params
            .get(index)
            .ok_or_else(|| Failure::bad_request(format!("missing path parameter `{name}`")))?;
        parse_checked(&percent_decode_path(raw)?, name, schema)
    }

    /// A query parameter that may be absent; given twice or malformed, it is
    /// refused.
    pub(crate) fn optional_query<T: FromStr + Serialize>(
        &self,
        name: &str,
        schema: &str,
    ) -> Result<Option<T>, Failure> {
        let mut values = self.query.iter().filter(|(n, _)| n == name);
        let Some((_, value)) = values.next() else {
            return Ok(None);
        };
        if values.next().is_some() {
            return Err(Failure::bad_request(format!(
                "query parameter `{name}` given more than once"
            )));
        }
        parse_checked(value, name, schema).map(Some)
    }

    /// A query parameter the spec marks required.
    #[allow(
        dead_code,
        reason = "the generated dispatch calls it for required query parameters; the spec declares none today"
    )]
    pub(crate) fn required_query<T: FromStr + Serialize>(
        &self,
        name: &str,
        schema: &str,
    ) -> Result<T, Failure> {
        self.optional_query(name, schema)?
            .ok_or_else(|| Failure::bad_request(format!("missing query parameter `{name}`")))
    }

    /// The JSON body: sent as `application/json`, valid against the
    /// operation's request schema (JSON, from the spec), then decoded as
    /// the operation's request type.
    pub(crate) fn body<T: DeserializeOwned>(&self, schema: &str) -> Result<T, Failure> {
        if self.body.is_empty() {
            return Err(Failure::bad_request("missing request body"));
        }
        let media_type = self
            .content_type
            .and_then(|c| c.split(';').next())
            .map(|c| c.trim().to_ascii_lowercase());
        if media_type.as_deref() != Some("application/json") {
            return Err(Failure::bad_request(
                "Content-Type must be application/json",
            ));
        }
        let value: Value = serde_json::from_slice(self.body)
            .map_err(|e| Failure::bad_request(format!("request body is not JSON: {e}")))?;
        super::schema::validate(&schema_value(schema), &value, "body")
            .map_err(Failure::bad_request)?;
        // Decoded from the bytes, not from `value`: amounts in number form
        // keep their exact digits.
        serde_json::from_slice(self.body)
            .map_err(|e| Failure::bad_request(format!("invalid request body: {e}")))
    }

    /// Refuses a body on an operation that takes none.
    pub(crate) fn no_body(&self) -> Result<(), Failure> {
        if self.body.is_empty() {
            Ok(())
        } else {
            Err(Failure::bad_request("this operation takes no request body"))
        }
    }
}

fn schema_value(schema: &str) -> Value {
    // Generated from the spec; a schema that does not parse checks nothing
    // rather than refusing every request.
    serde_json::from_str(schema).unwrap_or(Value::Null)
}

/// Parses a parameter's text as `T` and checks the value against the
/// parameter's schema (bounds such as `page >= 1`).
fn parse_checked<T: FromStr + Serialize>(
    text: &str,
    name: &str,
    schema: &str,
) -> Result<T, Failure> {
    let value: T = text
        .parse()
        .map_err(|_| Failure::bad_request(format!("invalid parameter `{name}`")))?;
    let json = serde_json::to_value(&value).unwrap_or(Value::Null);
    super::schema::validate(&schema_value(schema), &json, name).map_err(Failure::bad_request)?;
    Ok(value)
}

/// A handler's answer as the envelope's `data`, as JSON text: amounts in
/// number form keep their exact digits.
pub(crate) fn respond<T: Serialize>(data: T) -> Result<Box<serde_json::value::RawValue>, Failure> {
    serde_json::value::to_raw_value(&data)
        .map_err(|e| Failure::new(500, format!("sandbox could not encode its answer: {e}")))
}

/// Percent-decoding of a path segment: `+` is a plus sign there.
fn percent_decode_path(text: &str) -> Result<String, Failure> {
    decode(text, false)
}

/// `application/x-www-form-urlencoded` decoding of one name or value (`+`
/// is a space).
pub(crate) fn percent_decode(text: &str) -> Result<String, Failure> {
    decode(text, true)
}

fn decode(text: &str, plus_is_space: bool) -> Result<String, Failure> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(index + 1..index + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| Failure::bad_request("malformed percent-encoding"))?;
                out.push(hex);
                index += 2;
            }
            other => out.push(other),
        }
        index += 1;
    }
    String::from_utf8(out).map_err(|_| Failure::bad_request("not UTF-8 once percent-decoded"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"{"type":"integer","minimum":1}"#;

    #[test]
    fn query_is_decoded_and_checked() {
        let request =
            Request::new(vec!["a%2Fb+c"], "page=2&size=1%30&x=%E2%82%AC", None, b"").unwrap();
        assert_eq!(request.optional_query::<i64>("page", PAGE), Ok(Some(2)));
        assert_eq!(request.required_query::<i64>("size", PAGE), Ok(10));
        assert_eq!(
            request.path::<String>(0, "id", "{}"),
            Ok("a/b+c".to_owned())
        );
        assert_eq!(
            request.optional_query::<String>("x", "{}"),
            Ok(Some("€".into()))
        );
        assert_eq!(
            request.only_query(&["page", "size"]).unwrap_err().message,
            "unknown query parameter `x`"
        );
        assert!(request.optional_query::<bool>("page", "{}").is_err());
        assert!(Request::new(vec![], "a=%zz", None, b"").is_err());
        assert!(Request::new(vec![], "a=%e2", None, b"").is_err());
        let twice = Request::new(vec![], "page=1&page=2", None, b"").unwrap();
        assert!(twice.optional_query::<i64>("page", PAGE).is_err());
        for bad in [
            "page=0",
            "page=-5",
            "page=abc",
            "page=1.5",
            "page=99999999999999999999",
        ] {
            let request = Request::new(vec![], bad, None, b"").unwrap();
            assert!(
                request.optional_query::<i64>("page", PAGE).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn bodies_are_required_or_refused() {
        let empty = Request::new(vec![], "", None, b"").unwrap();
        assert!(empty.no_body().is_ok());
        assert_eq!(
            empty.body::<Value>("{}").unwrap_err().message,
            "missing request body"
        );
        let json = Some("application/json; charset=utf-8");
        let some = Request::new(vec![], "", json, b"{}").unwrap();
        assert!(some.no_body().is_err());
        assert_eq!(some.body::<Value>("{}"), Ok(serde_json::json!({})));
        let text = Request::new(vec![], "", Some("text/plain"), b"{}").unwrap();
        assert_eq!(
            text.body::<Value>("{}").unwrap_err().message,
            "Content-Type must be application/json"
        );
        let schema = r#"{"type":"object","required":["price"]}"#;
        assert_eq!(
            some.body::<Value>(schema).unwrap_err().message,
            "body.price is required"
        );
    }
}
