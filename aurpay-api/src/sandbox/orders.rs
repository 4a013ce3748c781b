//! Orders as the sandbox makes and shows them: creation (checked against
//! the supported lists, with checked arithmetic: input never panics), the
//! JSON shapes the API answers with, and paging.

use rust_decimal::Decimal;
use serde_json::Value;

use super::codes;
use super::model::{Order, OrderKind, Shared, Transaction, chain_name, usd_rate};
use super::route::Failure;
use crate::generated::types;
use crate::{Amount, JsonForm, OrderStatus};

pub(crate) fn string_amount(value: Decimal) -> Amount {
    Amount::from(value).with_json_form(JsonForm::String)
}

/// An amount in the form a test asked the sandbox to report it in, else
/// the endpoint's own.
pub(crate) fn reported(amount: Amount, form: Option<crate::JsonForm>) -> Amount {
    form.map_or(amount, |form| amount.with_json_form(form))
}

pub(crate) fn number_amount(value: Decimal) -> Amount {
    Amount::from(value)
}

pub(crate) fn to_value(value: impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The order with its transaction, as POST callbacks carry it, as JSON
/// text: never through `serde_json::Value`, whose numbers are `f64` and would
/// round an amount reported in number form.
pub(crate) fn order_detail_json(order: &Order, merchant_id: &str) -> String {
    serde_json::to_string(&order_detail_typed(order, merchant_id)).unwrap_or_default()
}

pub(crate) fn order_detail_typed(order: &Order, merchant_id: &str) -> types::OrderDetail {
    types::OrderDetail {
        user_id: Some(merchant_id.to_owned()),
        order_id: order.order_id.clone(),
        order_type: Some(crate::OrderType::Order),
        platform: Some("AURPAY".to_owned()),
        status: order.status.clone(),
        chain: Some(order.chain.as_str().into()),
        chain_name: Some(chain_name(&order.chain).to_owned()),
        currency: Some(order.currency.as_str().into()),
        amount: reported(string_amount(order.amount), order.amount_form),
        vs_price: Some(string_amount(order.vs_price)),
        vs_currency: Some(order.vs_currency.as_str().into()),
        remark: Some(String::new()),
        refund: Some(order.refundable()),
        bind_id: None,
        create_time: Some(order.create_time.clone()),
        update_time: Some(order.update_time.clone()),
        tx_id: Some(order.tx_id.clone()),
        tx_type: Some(crate::TransactionType::Order),
        obtained: order.obtained.map(string_amount),
        fee: Some(string_amount(order.fee)),
        from_addr: None,
        to_addr: Some(order.address.clone()),
        tx_hash: order.tx_hash.clone(),
        tx_hash_list: Some(order.tx_hash.iter().cloned().collect()),
        contract_id: None,
        website: None,
    }
}

/// An order as Get Orders lists it: the detail's leading fields (read
/// back from the detail, so the two cannot disagree).
pub(crate) fn order_summary(
    order: &Order,
    merchant_id: &str,
) -> Result<types::OrderSummary, Failure> {
    serde_json::from_str(&order_detail_json(order, merchant_id))
        .map_err(|e| Failure::new(500, format!("sandbox could not summarise an order: {e}")))
}

/// One page of `items` (newest first already), as Aurpay pages lists:
/// `page` from 1 (the spec's minimum), `size` from 1, default 10. The spec
/// states no maximum size; the sandbox serves at most 100 items a page, as
/// a server may, and says so in `size`.
pub(crate) struct Paged<T> {
    pub(crate) items: Vec<T>,
    pub(crate) page: i64,
    pub(crate) size: i64,
    pub(crate) total: i64,
    pub(crate) max_page: i64,
}

pub(crate) fn paged<T>(
    items: Vec<T>,
    page: Option<i64>,
    size: Option<i64>,
) -> Result<Paged<T>, Failure> {
    let page = page.unwrap_or(1);
    let size = size.unwrap_or(10);
    if page < 1 || size < 1 {
        return Err(Failure::bad_request("page and size start at 1"));
    }
    let size = size.min(100);
    let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
    let skip = usize::try_from((page - 1).saturating_mul(size)).unwrap_or(usize::MAX);
    let take = usize::try_from(size).unwrap_or(0);
    Ok(Paged {
        items: items.into_iter().skip(skip).take(take).collect(),
        page,
        size,
        total,
        max_page: (total + size - 1) / size,
    })
}

pub(crate) struct NewOrder {
    pub(crate) kind: OrderKind,
    pub(crate) chain: String,
    pub(crate) currency: String,
    pub(crate) vs_price: Decimal,
    pub(crate) vs_currency: String,
    pub(crate) callback_url: Option<String>,
    pub(crate) timeout_callback: Option<String>,
    pub(crate) succeed_url: Option<String>,
    pub(crate) timeout_url: Option<String>,
    pub(crate) post_callback: bool,
}

/// Fiat currencies the sandbox accepts (its Get Support Real Currency
/// List): the list Aurpay's own plugin publishes (the Easy Digital
/// Downloads plugin's readme, v1.2.1: "USD, AUD, BRL, CAD, CNY, EUR, GBP,
/// HKD, IDR, INR, JPY, KRW, MXN, MYR, NZD, PKR, PLN, RUB, SEK, SGD, THB ...
/// and more"), the spec's `FiatCurrency` known values.
pub(crate) const SUPPORTED_FIAT: [&str; 21] = [
    "USD", "AUD", "BRL", "CAD", "CNY", "EUR", "GBP", "HKD", "IDR", "INR", "JPY", "KRW", "MXN",
    "MYR", "NZD", "PKR", "PLN", "RUB", "SEK", "SGD", "THB",
];

/// Chain and cryptocurrency pairs the sandbox accepts for direct orders
/// (its Get Support Crypto Currency List).
pub(crate) const SUPPORTED_CRYPTO: [(&str, &str); 5] = [
    ("ETH", "ETH"),
    ("ETH", "USDT-ERC20"),
    ("ETH", "USDC-ERC20"),
    ("TRX", "USDT-TRC20"),
    ("BTC", "BTC"),
];

/// The token contract of a currency (Ethereum mainnet addresses of the
/// stablecoins; empty for a chain's own coin).
pub(crate) fn contract_address(currency: &str) -> &'static str {
    match currency {
        "USDT-ERC20" => "0xdAC17F958D2ee523a2206206994597C13D831ec7",
        "USDC-ERC20" => "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
        "USDT-TRC20" => "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
        _ => "",
    }
}

fn out_of_range(what: &str) -> Failure {
    Failure::new(
        codes::AMOUNT_OUT_OF_RANGE,
        format!("{what} is out of range"),
    )
}

/// Refuses what Aurpay would: a fiat or crypto currency it does not list,
/// a price that is not positive, and one so large the crypto amount
/// overflows (all arithmetic here is checked: input never panics).
pub(crate) fn create_order(shared: &Shared, new: NewOrder) -> Result<Order, Failure> {
    if !SUPPORTED_FIAT.contains(&new.vs_currency.as_str()) {
        return Err(Failure::new(
            codes::UNSUPPORTED_CURRENCY,
            format!(
                "fiat currency {} is not supported (see Get Support Real Currency List)",
                new.vs_currency
            ),
        ));
    }
    if new.kind == OrderKind::Direct
        && !SUPPORTED_CRYPTO.contains(&(new.chain.as_str(), new.currency.as_str()))
    {
        return Err(Failure::new(
            codes::UNSUPPORTED_CURRENCY,
            format!(
                "{} on chain {} is not supported (see Get Support Crypto Currency List)",
                new.currency, new.chain
            ),
        ));
    }
    if new.vs_price <= Decimal::ZERO {
        return Err(Failure::new(
            codes::AMOUNT_OUT_OF_RANGE,
            "the price must be positive",
        ));
    }
    let rate = usd_rate(&new.currency);
    let decimals = if rate == Decimal::ONE { 4 } else { 8 };
    let amount = new
        .vs_price
        .checked_div(rate)
        .ok_or_else(|| out_of_range("the price"))?
        .round_dp(decimals);
    if amount <= Decimal::ZERO {
        return Err(Failure::new(
            codes::AMOUNT_OUT_OF_RANGE,
            "the price is too small to pay in crypto",
        ));
    }
    let millisats = amount
        .checked_mul(Decimal::from(1_000_000_000))
        .ok_or_else(|| out_of_range("the price"))?
        .trunc();
    let fee = amount
        .checked_mul(Decimal::new(8, 3))
        .ok_or_else(|| out_of_range("the price"))?
        .round_dp(11);
    let address = match new.chain.as_str() {
        "ETH" | "BNB" => format!("0x{}", shared.hex(40)),
        "TRX" => format!("T{}", shared.hex(33)),
        "BLN" => String::new(),
        _ => format!("tb1q{}", shared.hex(38)),
    };
    let time = shared.now();
    let order = Order {
        order_id: shared.order_id(),
        payment_request: (new.kind == OrderKind::Lightning)
            .then(|| format!("lntb{millisats}n1{}", shared.hex(120))),
        kind: new.kind,
        status: OrderStatus::Pending,
        chain: new.chain.clone(),
        currency: new.currency.clone(),
        amount,
        vs_price: new.vs_price,
        vs_currency: new.vs_currency,
        expires_at: time.later_by(shared.config.order_lifetime),
        create_time: time.clone(),
        update_time: time.clone(),
        callback_url: new.callback_url,
        timeout_callback: new.timeout_callback,
        succeed_url: new.succeed_url,
        timeout_url: new.timeout_url,
        post_callback: new.post_callback,
        tx_id: shared.uuid(),
        obtained: None,
        unconfirmed: Decimal::ZERO,
        fee,
        address,
        tx_hash: None,
        refunded: Decimal::ZERO,
        amount_form: None,
    };
    let mut state = shared.lock();
    state.transactions.push(Transaction {
        tx_id: order.tx_id.clone(),
        tx_type: "ORDER",
        status: OrderStatus::Pending,
        chain: order.chain.clone(),
        currency: order.currency.clone(),
        amount: order.amount,
        obtained: None,
        fee: Some(order.fee),
        to_addr: Some(order.address.clone()),
        tx_hash: None,
        time,
        amount_form: None,
    });
    state.orders.insert(order.order_id.clone(), order.clone());
    Ok(order)
}

pub(crate) fn pay_url(shared: &Shared, order_id: &str) -> String {
    format!("{}/#/cashier/{order_id}", shared.base_url)
}

pub(crate) fn find_order(shared: &Shared, id: &str) -> Result<Order, Failure> {
    shared
        .lock()
        .orders
        .get(id)
        .cloned()
        .ok_or_else(|| Failure::new(codes::ORDER_NOT_FOUND, format!("order {id} not found")))
}
