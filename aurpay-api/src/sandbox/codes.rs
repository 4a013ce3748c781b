//! The envelope `code`s the sandbox answers with when it refuses a request
//! (with HTTP 200, as Aurpay does). Aurpay's own list is not published
//! (only `401`, a missing or wrong key, is confirmed), so these are the
//! sandbox's: assert on the [`Outcome`](crate::Outcome) and kind in tests
//! meant to hold against Aurpay, and on these codes in tests of the
//! sandbox itself.
//!
//! ```
//! use aurpay_api::{Amount, ErrorKind, Outcome, sandbox, types};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = sandbox::Sandbox::builder().start().await?;
//! let refused = sandbox
//!     .client()?
//!     .get_payment_info()
//!     .body(
//!         types::PaymentInfoRequest::builder()
//!             .chain("ETH")
//!             .currency("USDT_ERC20") // typo: the currency is USDT-ERC20
//!             .vs_currency("USD")
//!             .vs_price(Amount::from(10)),
//!     )
//!     .call()
//!     .await
//!     .unwrap_err();
//! assert_eq!(refused.outcome(), Outcome::Refused);
//! assert!(matches!(refused.kind(), ErrorKind::Api { code: sandbox::codes::UNSUPPORTED_CURRENCY, .. }));
//! # Ok(())
//! # }
//! ```

/// The request breaks the spec: an unknown or malformed parameter, a body
/// that is not JSON, not `application/json`, or not valid against the
/// operation's request schema (types, required fields, bounds).
pub const BAD_REQUEST: i64 = 400;
/// Missing or wrong `API-Key`, or a signature that does not verify
/// (Aurpay's documented code).
pub const UNAUTHORIZED: i64 = 401;
/// The request body is larger than the sandbox accepts (1 MiB).
pub const BODY_TOO_LARGE: i64 = 413;
/// The request body did not arrive in time (shorter than its
/// `Content-Length`, or too slow).
pub const BODY_TIMEOUT: i64 = 408;
/// No order with that id (HTTP 200, like Aurpay's code 401 for a missing
/// key: the code an HTTP status would have).
pub const ORDER_NOT_FOUND: i64 = 404;
/// The order is not paid, or already fully refunded.
pub const NOT_REFUNDABLE: i64 = 1002;
/// A refund amount that is not positive or exceeds what is left to refund.
pub const REFUND_OUT_OF_RANGE: i64 = 1003;
/// No wallet for that currency.
pub const NO_WALLET: i64 = 1004;
/// A withdrawal larger than the balance.
pub const INSUFFICIENT_BALANCE: i64 = 1005;
/// Wrong account e-mail or password (Get API-Key).
pub const WRONG_PASSWORD: i64 = 1006;
/// A fiat currency not in Get Support Real Currency List, or a chain and
/// cryptocurrency pair not in Get Support Crypto Currency List.
pub const UNSUPPORTED_CURRENCY: i64 = 1007;
/// A price or amount that is not positive, or so large that the crypto
/// amount cannot be computed.
pub const AMOUNT_OUT_OF_RANGE: i64 = 1008;
/// A control that does not fit the order's state: paying or expiring an
/// order that is no longer open.
pub const INVALID_STATE: i64 = 1009;
/// No such control or checkout route (with HTTP 404).
pub const NOT_FOUND: i64 = 404;
