//! Forward-compatible enums: a value Aurpay adds tomorrow decodes to
//! `Unknown(raw)` instead of failing the whole response, and serializes back
//! unchanged.

#[cfg(feature = "schemars")]
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Defines an open string enum: known variants, plus `Unknown(String)` that
/// keeps any other value verbatim.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of the SDK does not know, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// Every value this version of the SDK knows.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The value as Aurpay writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Unknown(raw) => raw,
                }
            }

            /// Whether this is a value the SDK does not know.
            pub fn is_unknown(&self) -> bool {
                matches!(self, $name::Unknown(_))
            }
        }

        impl FromStr for $name {
            type Err = std::convert::Infallible;

            /// Never fails: an unrecognised value becomes `Unknown`.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(match s {
                    $( $wire => $name::$variant, )+
                    other => $name::Unknown(other.to_owned()),
                })
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s.parse() {
                    Ok(value) => value,
                    Err(never) => match never {},
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name::from(s.as_str())
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                // Borrowed: a known value allocates nothing.
                let raw = crate::text::Text::deserialize(deserializer)?;
                Ok($name::from(raw.0.as_ref()))
            }
        }

        #[cfg(feature = "schemars")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                // Known values are listed, but any string is accepted: a new
                // value from Aurpay must not fail validation either.
                schemars::json_schema!({
                    "anyOf": [
                        { "enum": [$($wire),+] },
                        { "type": "string" }
                    ]
                })
            }
        }
    };
}

open_enum! {
    /// The status of an Aurpay order.
    ///
    /// The seven values are confirmed by Aurpay's Get Orders docs; their
    /// meanings come from Aurpay's dashboard guide.
    ///
    /// ```
    /// use aurpay_api::OrderStatus;
    ///
    /// let status: OrderStatus = serde_json::from_str(r#""SUCCESS""#)?;
    /// assert!(status.is_paid() && status.is_final());
    ///
    /// let new: OrderStatus = serde_json::from_str(r#""CONFIRMING""#)?;
    /// assert_eq!(new, OrderStatus::Unknown("CONFIRMING".into()));
    /// assert_eq!(serde_json::to_string(&new)?, r#""CONFIRMING""#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    OrderStatus {
        /// Checkout started or awaiting confirmations; valid for 30 minutes.
        Pending = "PENDING",
        /// Not paid within 30 minutes, or underpaid / wrong amount.
        Overdue = "OVERDUE",
        /// Paid and confirmed.
        Success = "SUCCESS",
        /// An underpayment the merchant accepted ("RESOLVE" in the dashboard).
        Resolved = "RESOLVED",
        /// Partly paid.
        Partial = "PARTIAL",
        /// Ended without payment.
        Terminated = "TERMINATED",
        /// Refunded to the customer.
        Refunded = "REFUNDED",
    }
}

impl OrderStatus {
    /// Whether the merchant has been paid: `SUCCESS`, or `RESOLVED` (an
    /// underpayment the merchant accepted). `REFUNDED` is not paid any more.
    /// Unknown values are not paid: never ship goods on a status you do not
    /// understand.
    pub fn is_paid(&self) -> bool {
        matches!(self, OrderStatus::Success | OrderStatus::Resolved)
    }

    /// Whether no more payment is expected from the customer: everything but
    /// `PENDING` and `PARTIAL`. A final order can still change through the
    /// merchant's own actions (resolve an underpayment, refund). Unknown
    /// values are not final, so a poller keeps watching them.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            OrderStatus::Success
                | OrderStatus::Overdue
                | OrderStatus::Resolved
                | OrderStatus::Terminated
                | OrderStatus::Refunded
        )
    }
}

open_enum! {
    /// The type of an Aurpay order (`ORDER` or `INVOICE`, both seen in
    /// Aurpay's examples).
    ///
    /// ```
    /// use aurpay_api::OrderType;
    /// assert_eq!("INVOICE".parse::<OrderType>().unwrap(), OrderType::Invoice);
    /// ```
    OrderType {
        /// An order created through the API or a plugin.
        Order = "ORDER",
        /// An invoice created in the dashboard.
        Invoice = "INVOICE",
    }
}

open_enum! {
    /// The type of an Aurpay transaction.
    ///
    /// `ORDER` is confirmed by Aurpay's API examples. The other values are the
    /// dashboard's transaction-flow types in an **inferred** upper-case
    /// spelling; if Aurpay spells them differently they decode as `Unknown`.
    ///
    /// ```
    /// use aurpay_api::TransactionType;
    /// assert_eq!(TransactionType::from("ORDER"), TransactionType::Order);
    /// ```
    TransactionType {
        /// Payment of an order (confirmed).
        Order = "ORDER",
        /// Payment of an invoice (inferred spelling).
        Invoice = "INVOICE",
        /// The dashboard's "Unknown" type (inferred spelling; meaning not
        /// documented). Not to be confused with `TransactionType::Unknown`,
        /// which holds values this SDK does not know.
        Unclassified = "UNKNOWN",
        /// A withdrawal from the balance (inferred spelling).
        Withdraw = "WITHDRAW",
        /// A resolved underpayment (inferred spelling).
        Resolved = "RESOLVED",
        /// Rest (inferred spelling; meaning not documented).
        Rest = "REST",
    }
}

open_enum! {
    /// The `Algorithm` header of signature authentication. Aurpay documents
    /// these two as supported.
    ///
    /// ```
    /// use aurpay_api::SignatureAlgorithm;
    /// assert_eq!(SignatureAlgorithm::HmacSha3_256.as_str(), "HMAC-SHA3_256");
    /// ```
    SignatureAlgorithm {
        /// HMAC with SHA-256 (the docs' example).
        HmacSha256 = "HMAC-SHA256",
        /// HMAC with SHA3-256.
        HmacSha3_256 = "HMAC-SHA3_256",
    }
}

open_enum! {
    /// A blockchain, as Aurpay names it in `chain` fields.
    ///
    /// Values seen in Aurpay's docs and official plugins; any other decodes
    /// as `Unknown` and is sent as written. Use a variant rather than a
    /// string where you can: a typo in a variant does not compile.
    ///
    /// ```
    /// use aurpay_api::Chain;
    /// assert_eq!(Chain::Trx.as_str(), "TRX");
    /// assert_eq!(Chain::from("SOL"), Chain::Unknown("SOL".into()));
    /// ```
    Chain {
        /// Ethereum (docs' examples).
        Eth = "ETH",
        /// Tron (docs' examples).
        Trx = "TRX",
        /// Bitcoin (docs' examples).
        Btc = "BTC",
        /// Bitcoin Lightning (the official plugin's mapping).
        Bln = "BLN",
        /// BNB Smart Chain (third-party code only: INFERRED).
        Bnb = "BNB",
    }
}

open_enum! {
    /// A cryptocurrency, as Aurpay names it in `currency` fields that hold
    /// crypto (Get Payment Info's request and the order, transaction and
    /// wallet records). Tokens carry their chain's standard
    /// (`USDT-ERC20`, `USDT-TRC20`).
    ///
    /// Values seen in Aurpay's docs and official plugins; any other decodes
    /// as `Unknown` and is sent as written. `CryptoCurrency::UsdtErc20`
    /// cannot be misspelt `USDT_ERC20`.
    ///
    /// ```
    /// use aurpay_api::CryptoCurrency;
    /// assert_eq!(CryptoCurrency::UsdtErc20.as_str(), "USDT-ERC20");
    /// assert!(CryptoCurrency::from("USDT_ERC20").is_unknown());
    /// ```
    ///
    /// A misspelt variant is a compile error:
    ///
    /// ```compile_fail
    /// let typo = aurpay_api::CryptoCurrency::Usdt_Erc20;
    /// ```
    CryptoCurrency {
        /// Ether.
        Eth = "ETH",
        /// Tether on Ethereum.
        UsdtErc20 = "USDT-ERC20",
        /// USD Coin on Ethereum.
        UsdcErc20 = "USDC-ERC20",
        /// Dai on Ethereum.
        DaiErc20 = "DAI-ERC20",
        /// Tron's TRX.
        Trx = "TRX",
        /// Tether on Tron.
        UsdtTrc20 = "USDT-TRC20",
        /// USD Coin on Tron.
        UsdcTrc20 = "USDC-TRC20",
        /// Bitcoin.
        Btc = "BTC",
        /// Bitcoin over Lightning (the official plugin's mapping).
        BtcLn = "BTC-LN",
        /// BNB (third-party code only: INFERRED).
        Bnb = "BNB",
    }
}

open_enum! {
    /// A fiat currency code, in `currency` fields that hold fiat (Get
    /// Payment URL, Create BLN Order) and every `vs_currency`. The valid
    /// list is Get Support Real Currency List's. The known values are the
    /// list in Aurpay's own Easy Digital Downloads plugin readme (v1.2.1,
    /// "and more"); that the API accepts each is **inferred** from it (USD
    /// and CNY are seen in calls). Any other code decodes as `Unknown`.
    ///
    /// ```
    /// use aurpay_api::FiatCurrency;
    /// assert_eq!(FiatCurrency::Usd.as_str(), "USD");
    /// assert_eq!(FiatCurrency::from("GBP"), FiatCurrency::Gbp);
    /// assert_eq!(FiatCurrency::KNOWN.len(), 21);
    /// assert!(FiatCurrency::from("CHF").is_unknown());
    /// assert_eq!(FiatCurrency::from("CHF").as_str(), "CHF");
    /// ```
    FiatCurrency {
        /// US dollar (every official example).
        Usd = "USD",
        /// Australian dollar.
        Aud = "AUD",
        /// Brazilian real.
        Brl = "BRL",
        /// Canadian dollar.
        Cad = "CAD",
        /// Chinese yuan (also seen in third-party code calling the API).
        Cny = "CNY",
        /// Euro.
        Eur = "EUR",
        /// Pound sterling.
        Gbp = "GBP",
        /// Hong Kong dollar.
        Hkd = "HKD",
        /// Indonesian rupiah.
        Idr = "IDR",
        /// Indian rupee.
        Inr = "INR",
        /// Japanese yen.
        Jpy = "JPY",
        /// South Korean won.
        Krw = "KRW",
        /// Mexican peso.
        Mxn = "MXN",
        /// Malaysian ringgit.
        Myr = "MYR",
        /// New Zealand dollar.
        Nzd = "NZD",
        /// Pakistani rupee.
        Pkr = "PKR",
        /// Polish zloty.
        Pln = "PLN",
        /// Russian ruble.
        Rub = "RUB",
        /// Swedish krona.
        Sek = "SEK",
        /// Singapore dollar.
        Sgd = "SGD",
        /// Thai baht.
        Thb = "THB",
    }
}
