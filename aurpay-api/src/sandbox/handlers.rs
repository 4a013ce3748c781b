//! The sandbox's model of Aurpay's operations: one method per operation of
//! the generated [`Handlers`] trait, so an operation added to the spec does
//! not compile until it is answered here (the one deliberate place with
//! per-operation code: a model of Aurpay's server).

use std::sync::Arc;

use rust_decimal::Decimal;
use serde_json::json;

use super::codes;
use super::model::{OrderKind, Refund, Shared, Transaction, chain_name};
use super::orders::{
    NewOrder, SUPPORTED_CRYPTO, SUPPORTED_FIAT, contract_address, create_order, find_order,
    number_amount, order_detail_typed, order_summary, paged, pay_url, reported, string_amount,
    to_value,
};
use super::route::Failure;
use crate::OrderStatus;
use crate::generated::types;
use crate::generated_operations::server::Handlers;

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
            create_time: Some(order.create_time.clone()),
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
            date: shared.now(),
        };
        order.refunded += amount;
        order.update_time = refund.date.clone();
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
            time: refund.date.clone(),
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
            refund_date: Some(refund.date.clone()),
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
                create_time: Some(t.time.clone()),
                update_time: Some(t.time.clone()),
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
            time: shared.now(),
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
            create_time: Some(order.create_time.clone()),
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
        let shared = self.0;
        let mut state = shared.lock();
        if amount > state.bln_balance {
            return Err(Failure::new(
                codes::INSUFFICIENT_BALANCE,
                "insufficient Lightning balance",
            ));
        }
        state.bln_balance -= amount;
        // As Get Transaction shows it (INFERRED: a WITHDRAW to the invoice).
        state.transactions.push(Transaction {
            tx_id: shared.uuid(),
            tx_type: "WITHDRAW",
            status: OrderStatus::Success,
            chain: "BLN".to_owned(),
            currency: "BTC-LN".to_owned(),
            amount,
            obtained: None,
            fee: None,
            to_addr: Some(request.ln_invoices.clone()),
            tx_hash: Some(shared.hex(64)),
            time: shared.now(),
            amount_form: None,
        });
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
