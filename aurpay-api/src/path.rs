//! A path parameter as exactly one segment of the request's URL path.
//!
//! progenitor's `encode_path` leaves `.` and `\` as they are, and a URL
//! parser makes them structure: `..` climbs a level and `\` is a `/` in an
//! `http` URL, so `..\..\..\wallet\withdraw` as the order id of a refund
//! would be sent as `POST /api/wallet/withdraw`. The generated code calls
//! [`segment`] instead (`aurpay-codegen` rewrites every `encode_path`
//! call): every byte but the unreserved ones (RFC 3986: letters, digits,
//! `-`, `.`, `_`, `~`) is percent-encoded, and a value that cannot be one
//! segment (empty, `.`, `..`: a parser drops or climbs them) is refused
//! before anything is sent.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but RFC 3986's unreserved characters.
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `value` encoded as one path segment (borrowed when nothing needs
/// encoding, as for every Aurpay order id), or why it cannot be one.
pub(crate) fn segment(value: &str) -> Result<Cow<'_, str>, String> {
    if matches!(value, "" | "." | "..") {
        return Err(format!(
            "a path parameter cannot be {value:?}: it would not be sent as one path segment"
        ));
    }
    // The usual value (an order id of digits) needs no encoding: checked
    // in one pass over its bytes.
    if value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
    {
        return Ok(Cow::Borrowed(value));
    }
    Ok(utf8_percent_encode(value, NOT_UNRESERVED).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a URL parser makes of `/orders/{segment}/info`.
    fn sent_path(value: &str) -> Option<String> {
        let segment = segment(value).ok()?;
        let url = reqwest::Url::parse(&format!("http://127.0.0.1/orders/{segment}/info")).ok()?;
        Some(url.path().to_owned())
    }

    #[test]
    fn any_value_is_one_segment_or_refused() {
        for value in [
            "..\\..\\wallet\\withdraw",
            "../../wallet/withdraw",
            "a\\b",
            "a/b",
            "a?b=1",
            "a#b",
            "%2e%2e",
            ".%2e",
            "...",
            " ",
            "a\tb",
            "é",
            ";x=1",
            "@",
        ] {
            let path = sent_path(value).unwrap_or_else(|| panic!("{value:?} refused"));
            let inner = path
                .strip_prefix("/orders/")
                .and_then(|rest| rest.strip_suffix("/info"))
                .unwrap_or_else(|| panic!("{value:?} sent as {path}"));
            assert!(!inner.contains('/'), "{value:?} sent as {path}");
            let decoded = percent_encoding::percent_decode_str(inner).decode_utf8_lossy();
            assert_eq!(decoded, value, "{value:?} sent as {path}");
        }
        for value in ["", ".", ".."] {
            let message = segment(value).unwrap_err();
            assert!(message.contains("one path segment"), "{message}");
        }
    }

    #[test]
    fn the_quick_check_agrees_with_the_encoder() {
        for byte in 0u8..128 {
            let value = format!("a{}b", char::from(byte));
            let encoded: Cow<'_, str> = utf8_percent_encode(&value, NOT_UNRESERVED).into();
            assert_eq!(segment(&value).unwrap(), encoded, "{value:?}");
        }
    }

    #[test]
    fn an_order_id_is_borrowed_as_it_is() {
        let id = "20250207040935220628";
        assert!(matches!(segment(id), Ok(Cow::Borrowed(text)) if text == id));
        assert_eq!(segment("a-b.c_d~e").unwrap(), "a-b.c_d~e");
    }
}
