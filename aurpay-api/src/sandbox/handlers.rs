//! The sandbox's model of Aurpay's operations: one method per operation of
//! the generated [`Handlers`] trait (so an operation added to the spec does
//! not compile until it is answered here), the order creation they share
//! (checked against the supported lists, with checked arithmetic), and the
//! seeding of the spec's examples.

use std::sync::Arc;

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::codes;
use super::route::Failure;
use super::state::{
    Order, OrderKind, Payment, Refund, Shared, Transaction, chain_name, now, usd_rate,
};
use crate::generated::types;
use crate::generated_operations::EXAMPLE_ORDER_IDS;
use crate::generated_operations::server::Handlers;
use crate::{Amount, JsonForm, OrderStatus, Timestamp};

fn string_amount(value: Decimal) -> Amount {
    Amount::from(value).with_json_form(JsonForm::String)
}

/// An amount in the form a test asked the sandbox to report it in, else
/// the endpoint's own.
fn reported(amount: Amount, form: Option<crate::JsonForm>) -> Amount {
    form.map_or(amount, |form| amount.with_json_form(form))
}

fn number_amount(value: Decimal) -> Amount {
    Amount::from(value)
}

fn timestamp(time: chrono::NaiveDateTime) -> Timestamp {
    Timestamp::from_utc(time.and_utc())
}

fn to_value(value: impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The order with its transaction, as POST callbacks carry it, as JSON
/// text: never through `serde_json::Value`, whose numbers are `f64` and would
/// round an amount reported in number form.
pub(crate) fn order_detail_json(order: &Order, merchant_id: &str) -> String {
    serde_json::to_string(&order_detail_typed(order, merchant_id)).unwrap_or_default()
}

fn order_detail_typed(order: &Order, merchant_id: &str) -> types::OrderDetail {
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
        create_time: Some(timestamp(order.create_time)),
        update_time: Some(timestamp(order.update_time)),
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
fn order_summary(order: &Order, merchant_id: &str) -> Result<types::OrderSummary, Failure> {
    serde_json::from_str(&order_detail_json(order, merchant_id))
        .map_err(|e| Failure::new(500, format!("sandbox could not summarise an order: {e}")))
}

/// One page of `items` (newest first already), as Aurpay pages lists:
/// `page` from 1 (the spec's minimum), `size` from 1, default 10. The spec
/// states no maximum size; the sandbox serves at most 100 items a page, as
/// a server may, and says so in `size`.
struct Paged<T> {
    items: Vec<T>,
    page: i64,
    size: i64,
    total: i64,
    max_page: i64,
}

fn paged<T>(items: Vec<T>, page: Option<i64>, size: Option<i64>) -> Result<Paged<T>, Failure> {
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

struct NewOrder {
    kind: OrderKind,
    chain: String,
    currency: String,
    vs_price: Decimal,
    vs_currency: String,
    callback_url: Option<String>,
    timeout_callback: Option<String>,
    succeed_url: Option<String>,
    timeout_url: Option<String>,
    post_callback: bool,
}

/// Fiat currencies the sandbox accepts (its Get Support Real Currency
/// List).
const SUPPORTED_FIAT: [&str; 3] = ["USD", "EUR", "CNY"];

/// Chain and cryptocurrency pairs the sandbox accepts for direct orders
/// (its Get Support Crypto Currency List).
const SUPPORTED_CRYPTO: [(&str, &str); 5] = [
    ("ETH", "ETH"),
    ("ETH", "USDT-ERC20"),
    ("ETH", "USDC-ERC20"),
    ("TRX", "USDT-TRC20"),
    ("BTC", "BTC"),
];

/// The token contract of a currency (Ethereum mainnet addresses of the
/// stablecoins; empty for a chain's own coin).
fn contract_address(currency: &str) -> &'static str {
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
fn create_order(shared: &Shared, new: NewOrder) -> Result<Order, Failure> {
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
    let time = now();
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
        create_time: time,
        update_time: time,
        callback_url: new.callback_url,
        timeout_callback: new.timeout_callback,
        succeed_url: new.succeed_url,
        timeout_url: new.timeout_url,
        post_callback: new.post_callback,
        tx_id: shared.uuid(),
        obtained: None,
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

fn pay_url(shared: &Shared, order_id: &str) -> String {
    format!("{}/#/cashier/{order_id}", shared.base_url)
}

/// Seeds what the spec's examples need: each example order id as an order
/// paid in full (in BTC, for 1000 USD, so a documented partial refund
/// fits), and every wallet funded.
pub(crate) fn seed_examples(shared: &Arc<Shared>) {
    for id in EXAMPLE_ORDER_IDS {
        let Ok(order) = create_order(
            shared,
            NewOrder {
                kind: OrderKind::Direct,
                chain: "BTC".into(),
                currency: "BTC".into(),
                vs_price: Decimal::from(1000),
                vs_currency: "USD".into(),
                callback_url: None,
                timeout_callback: None,
                succeed_url: None,
                timeout_url: None,
                post_callback: false,
            },
        ) else {
            continue;
        };
        {
            let mut state = shared.lock();
            if let Some(mut seeded) = state.orders.remove(&order.order_id) {
                (*id).clone_into(&mut seeded.order_id);
                state.orders.insert((*id).to_owned(), seeded);
            }
        }
        // The order was just created open, so paying it cannot fail.
        let _ = shared.pay(id, Payment::Full);
    }
    let mut state = shared.lock();
    for (_, balance) in state.wallets.values_mut() {
        *balance = (*balance).max(Decimal::from(super::EXAMPLE_WALLET_BALANCE));
    }
}

fn find_order(shared: &Shared, id: &str) -> Result<Order, Failure> {
    shared
        .lock()
        .orders
        .get(id)
        .cloned()
        .ok_or_else(|| Failure::new(codes::ORDER_NOT_FOUND, format!("order {id} not found")))
}

/// The sandbox's model of each operation. The trait is generated from the
/// spec: an operation added there does not compile until it has a method
/// here.
pub(crate) struct Api<'a>(pub(crate) &'a Arc<Shared>);

impl Api<'_> {
    fn merchant(&self) -> &str {
        self.0.config.merchant_id.as_str()
    }
}

impl Handlers for Api<'_> {
    fn get_payment_url(
        &self,
        request: types::PaymentUrlRequest,
    ) -> Result<types::PaymentUrl, Failure> {
        let shared = self.0;
        // The buyer picks the coin on the cashier page; the sandbox assumes
        // Bitcoin.
        let order = create_order(
            shared,
            NewOrder {
                kind: OrderKind::Hosted,
                chain: "BTC".into(),
                currency: "BTC".into(),
                vs_price: request.price.decimal(),
                vs_currency: request.currency.to_string(),
                callback_url: request.callback_url,
                timeout_callback: request.timeout_callback,
                succeed_url: request.succeed_url,
                timeout_url: request.timeout_url,
                post_callback: request.enable_post_callback.unwrap_or(false),
            },
        )?;
        Ok(types::PaymentUrl {
            pay_url: pay_url(shared, &order.order_id),
        })
    }

    fn get_payment_info(
        &self,
        request: types::PaymentInfoRequest,
    ) -> Result<types::PaymentInfo, Failure> {
        let shared = self.0;
        let order = create_order(
            shared,
            NewOrder {
                kind: OrderKind::Direct,
                chain: request.chain.to_string(),
                currency: request.currency.to_string(),
                vs_price: request.vs_price.decimal(),
                vs_currency: request.vs_currency.to_string(),
                callback_url: request.callback_url,
                timeout_callback: request.timeout_callback,
                succeed_url: request.succeed_url,
                timeout_url: request.timeout_url,
                post_callback: request.enable_post_callback.unwrap_or(false),
            },
        )?;
        Ok(types::PaymentInfo {
            order_id: order.order_id.clone(),
            status: order.status.clone(),
            amount: number_amount(order.amount),
            create_time: Some(timestamp(order.create_time)),
            vs_currency: Some(order.vs_currency.as_str().into()),
            vs_price: Some(number_amount(order.vs_price)),
            address: Some(order.address.clone()),
            contract_addr: Some(contract_address(&order.currency).to_owned()),
            pay_url: Some(pay_url(shared, &order.order_id)),
        })
    }

    fn get_orders(
        &self,
        page: Option<i64>,
        size: Option<i64>,
    ) -> Result<types::OrderPage, Failure> {
        let orders: Vec<_> = self
            .0
            .lock()
            .orders
            .values()
            .rev()
            .map(|o| order_summary(o, self.merchant()))
            .collect::<Result<_, _>>()?;
        let paged = paged(orders, page, size)?;
        Ok(types::OrderPage {
            data: paged.items,
            max_page: paged.max_page,
            page: paged.page,
            size: Some(paged.size),
            total: paged.total,
        })
    }

    fn get_orders_details(&self, order_id: String) -> Result<types::OrderDetail, Failure> {
        Ok(order_detail_typed(
            &find_order(self.0, &order_id)?,
            self.merchant(),
        ))
    }

    /// What a refund would involve: the amount still refundable (what was
    /// paid, less earlier partial refunds).
    fn get_orders_refund_info(&self, order_id: String) -> Result<types::RefundInfo, Failure> {
        let order = find_order(self.0, &order_id)?;
        Ok(types::RefundInfo {
            amount: string_amount(order.refundable_amount()),
            order_id: order.order_id,
            chain: Some(order.chain.into()),
            currency: Some(order.currency.into()),
        })
    }

    /// Refunds all that is left, or `amount` of it; a partial refund leaves
    /// the order refundable for the rest, and it becomes REFUNDED when
    /// nothing is left. Checked and applied under one lock, so concurrent
    /// refunds cannot exceed what was paid.
    fn orders_refund(
        &self,
        order_id: String,
        request: types::RefundRequest,
    ) -> Result<types::RefundResult, Failure> {
        let shared = self.0;
        let mut state = shared.lock();
        let order = state.orders.get_mut(&order_id).ok_or_else(|| {
            Failure::new(
                codes::ORDER_NOT_FOUND,
                format!("order {order_id} not found"),
            )
        })?;
        let left = order.refundable_amount();
        if left <= Decimal::ZERO {
            return Err(Failure::new(
                codes::NOT_REFUNDABLE,
                format!(
                    "order {} is {} with nothing left to refund",
                    order.order_id, order.status
                ),
            ));
        }
        let amount = request.amount.map_or(left, |a| a.decimal());
        if amount <= Decimal::ZERO || amount > left {
            return Err(Failure::new(
                codes::REFUND_OUT_OF_RANGE,
                format!("refund amount out of range: {left} is left to refund"),
            ));
        }
        let refund = Refund {
            status: "SUCCESS",
            amount,
            date: now(),
        };
        order.refunded += amount;
        order.update_time = refund.date;
        if order.refundable_amount() <= Decimal::ZERO {
            order.status = OrderStatus::Refunded;
        }
        let order = order.clone();
        if let Some(wallet) = state.wallets.get_mut(&order.currency) {
            wallet.1 -= amount.min(wallet.1);
        }
        state.transactions.push(Transaction {
            tx_id: shared.uuid(),
            tx_type: "REST",
            status: OrderStatus::Refunded,
            chain: order.chain.clone(),
            currency: order.currency.clone(),
            amount,
            obtained: None,
            fee: None,
            to_addr: Some(request.address),
            tx_hash: Some(shared.hex(64)),
            time: refund.date,
            amount_form: None,
        });
        state
            .refunds
            .entry(order.order_id.clone())
            .or_default()
            .push(refund.clone());
        Ok(types::RefundResult {
            order_id: order.order_id,
            refund_status: refund.status.to_owned(),
            refund_amount: Some(string_amount(refund.amount)),
            refund_date: Some(timestamp(refund.date)),
        })
    }

    fn get_transaction(
        &self,
        page: Option<i64>,
        size: Option<i64>,
    ) -> Result<types::TransactionPage, Failure> {
        let merchant = self.merchant();
        let transactions: Vec<types::Transaction> = self
            .0
            .lock()
            .transactions
            .iter()
            .rev()
            .map(|t| types::Transaction {
                user_id: Some(merchant.to_owned()),
                tx_id: t.tx_id.clone(),
                tx_type: Some(t.tx_type.into()),
                status: t.status.to_string(),
                chain: Some(t.chain.as_str().into()),
                currency: Some(t.currency.as_str().into()),
                amount: reported(string_amount(t.amount), t.amount_form),
                obtained: t.obtained.map(string_amount),
                fee: t.fee.map(string_amount),
                from_addr: None,
                to_addr: t.to_addr.clone(),
                tx_hash: t.tx_hash.clone(),
                tx_hash_list: Some(t.tx_hash.iter().cloned().collect()),
                create_time: Some(timestamp(t.time)),
                update_time: Some(timestamp(t.time)),
            })
            .collect();
        let paged = paged(transactions, page, size)?;
        Ok(types::TransactionPage {
            data: paged.items,
            max_page: paged.max_page,
            page: paged.page,
            size: Some(paged.size),
            total: paged.total,
        })
    }

    fn get_support_crypto_currency_list(&self) -> Result<types::CryptoCurrencyList, Failure> {
        Ok(types::CryptoCurrencyList(
            SUPPORTED_CRYPTO
                .into_iter()
                .map(|(chain, currency)| types::SupportedCryptoCurrency {
                    chain: (*chain).into(),
                    chain_name: Some(chain_name(chain).to_owned()),
                    currency: (*currency).into(),
                })
                .collect(),
        ))
    }

    fn get_support_real_currency_list(&self) -> Result<types::RealCurrencyList, Failure> {
        Ok(types::RealCurrencyList(
            SUPPORTED_FIAT.map(crate::FiatCurrency::from).to_vec(),
        ))
    }

    fn get_wallets_list(&self) -> Result<types::WalletList, Failure> {
        let state = self.0.lock();
        Ok(types::WalletList(
            state
                .wallets
                .iter()
                .map(|(currency, (chain, balance))| types::Wallet {
                    chain: chain.as_str().into(),
                    currency: currency.as_str().into(),
                    balance: string_amount(*balance),
                    address: None,
                })
                .collect(),
        ))
    }

    fn withdraw_balance(
        &self,
        request: types::WithdrawRequest,
    ) -> Result<types::WithdrawResult, Failure> {
        let shared = self.0;
        let amount = request.amount.decimal();
        let mut state = shared.lock();
        let Some(wallet) = state.wallets.get_mut(request.currency.as_str()) else {
            return Err(Failure::new(
                codes::NO_WALLET,
                format!("no {} wallet", request.currency),
            ));
        };
        if wallet.0 != request.chain.as_str() {
            return Err(Failure::new(
                codes::UNSUPPORTED_CURRENCY,
                format!(
                    "{} is on chain {}, not {}",
                    request.currency, wallet.0, request.chain
                ),
            ));
        }
        if amount <= Decimal::ZERO || amount > wallet.1 {
            return Err(Failure::new(
                codes::INSUFFICIENT_BALANCE,
                "insufficient balance",
            ));
        }
        wallet.1 -= amount;
        let tx_id = shared.uuid();
        state.transactions.push(Transaction {
            tx_id: tx_id.clone(),
            tx_type: "WITHDRAW",
            status: OrderStatus::Success,
            chain: request.chain.to_string(),
            currency: request.currency.to_string(),
            amount,
            obtained: None,
            fee: None,
            to_addr: Some(request.address),
            tx_hash: Some(shared.hex(64)),
            time: now(),
            amount_form: None,
        });
        Ok(types::WithdrawResult {
            tx_id: Some(tx_id),
            status: Some("SUCCESS".into()),
        })
    }

    fn get_self_custody_wallets(&self) -> Result<types::SelfCustodyWalletList, Failure> {
        Ok(types::SelfCustodyWalletList(vec![
            types::SelfCustodyWallet {
                chain: "ETH".into(),
                currency: "USDT-ERC20".into(),
                address: "0x686691e7b70e9239e19eB4cd080DDb8aB6F33cf3".into(),
            },
        ]))
    }

    fn get_bln_balance(&self) -> Result<types::BlnBalance, Failure> {
        Ok(types::BlnBalance {
            balance: string_amount(self.0.lock().bln_balance),
            currency: Some("BTC".into()),
        })
    }

    fn create_bln_order(
        &self,
        request: types::BlnOrderRequest,
    ) -> Result<types::BlnOrder, Failure> {
        let shared = self.0;
        let order = create_order(
            shared,
            NewOrder {
                kind: OrderKind::Lightning,
                chain: "BLN".into(),
                currency: "BTC-LN".into(),
                vs_price: request.price.decimal(),
                vs_currency: request.currency.to_string(),
                callback_url: request.callback_url,
                timeout_callback: request.timeout_callback,
                succeed_url: request.succeed_url,
                timeout_url: request.timeout_url,
                post_callback: false,
            },
        )?;
        Ok(types::BlnOrder {
            order_id: order.order_id.clone(),
            status: order.status.clone(),
            amount: number_amount(order.amount),
            create_time: Some(timestamp(order.create_time)),
            payment_request: Some(order.payment_request.clone().unwrap_or_default()),
            payment_addr: Some(shared.hex(64)),
            pay_url: Some(pay_url(shared, &order.order_id)),
            currency: Some("BTC-LN".into()),
        })
    }

    fn create_bln_withdraw(
        &self,
        request: types::BlnWithdrawRequest,
    ) -> Result<types::BlnWithdrawResult, Failure> {
        // An invoice's own amount is not decoded; without `amount` the
        // sandbox pays 1000 sats.
        let amount = request
            .amount
            .map_or(Decimal::new(1000, 8), |a| a.decimal());
        if amount <= Decimal::ZERO {
            return Err(Failure::new(
                codes::AMOUNT_OUT_OF_RANGE,
                "the amount must be positive",
            ));
        }
        let mut state = self.0.lock();
        if amount > state.bln_balance {
            return Err(Failure::new(
                codes::INSUFFICIENT_BALANCE,
                "insufficient Lightning balance",
            ));
        }
        state.bln_balance -= amount;
        let mut data = serde_json::Map::new();
        data.insert("status".into(), json!("SUCCESS"));
        data.insert("amount".into(), to_value(string_amount(amount)));
        data.insert("ln_invoices".into(), json!(request.ln_invoices));
        Ok(types::BlnWithdrawResult(data))
    }

    fn get_api_key(&self, request: types::ApiKeyRequest) -> Result<types::ApiKey, Failure> {
        let config = &self.0.config;
        if request.username != config.username || request.password != config.password {
            return Err(Failure::new(
                codes::WRONG_PASSWORD,
                "wrong username or password",
            ));
        }
        Ok(types::ApiKey {
            access_token: config.api_key.clone(),
        })
    }
}
