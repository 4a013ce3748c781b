//! [`SandboxConfig`]: the sandbox's credentials and limits.

use std::fmt;
use std::time::Duration;

/// What every wallet holds in a sandbox started with
/// [`SandboxBuilder::examples`](crate::sandbox::SandboxBuilder::examples), in the wallet's own currency.
pub const EXAMPLE_WALLET_BALANCE: i64 = 1_000;

/// Credentials and behaviour of a sandbox. The defaults are fixed, so tests
/// can use them directly; change a field of `SandboxConfig::default()`.
#[derive(Clone)]
#[non_exhaustive]
pub struct SandboxConfig {
    /// The merchant id, `mct-` and 12 hex digits.
    pub merchant_id: String,
    /// The `API-Key` the sandbox accepts (and returns from Get API-Key).
    pub api_key: String,
    /// The API token of signature authentication.
    pub api_token: String,
    /// The API secret of signature authentication.
    pub api_secret: String,
    /// The callback token sent as `Callback-Token`.
    pub callback_token: String,
    /// The secret callbacks are signed with.
    pub callback_secret: String,
    /// The account e-mail Get API-Key accepts (default: the spec's example
    /// account, so the documented example request succeeds).
    pub username: String,
    /// The account password Get API-Key accepts (default: the spec's
    /// example).
    pub password: String,
    /// Delivery attempts per callback (default 5).
    pub callback_attempts: u32,
    /// First back-off between callback attempts, on the sandbox's clock;
    /// doubles each time (default 100 ms).
    pub callback_backoff: Duration,
    /// Accepted clock skew of a signed request's `Date` (default 15 min).
    pub max_clock_skew: Duration,
    /// How long an order can be paid before it times out (default 30
    /// minutes, Aurpay's guide's figure).
    pub order_lifetime: Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            merchant_id: "mct-5a0dbee0c0de".to_owned(),
            api_key: "sandbox-api-key-0000000000000000000000000000".to_owned(),
            api_token: "SANDBOXAPITOKEN000001".to_owned(),
            api_secret: "sandbox-api-secret".to_owned(),
            callback_token: "5A0DBEE0C0DE5A0DBEE0C0DE5A0DBEE0C0DE5A0DBEE0".to_owned(),
            callback_secret: "sandbox-callback-secret".to_owned(),
            username: "merchant@example.com".to_owned(),
            password: "correct-horse-battery-staple".to_owned(),
            callback_attempts: 5,
            callback_backoff: Duration::from_millis(100),
            max_clock_skew: Duration::from_secs(15 * 60),
            order_lifetime: Duration::from_secs(30 * 60),
        }
    }
}

impl fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("merchant_id", &self.merchant_id)
            .field("callback_attempts", &self.callback_attempts)
            .field("order_lifetime", &self.order_lifetime)
            .finish_non_exhaustive()
    }
}
