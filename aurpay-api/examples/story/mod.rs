//! The quickstart's offline story: the whole checkout against the embedded
//! sandbox, with callbacks received and verified by a local receiver.
//! Shared by `examples/quickstart.rs` and `tests/quickstart_story.rs`.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use aurpay_api::callback::{
    BoundCallback, CallbackConfig, CallbackRejection, CallbackUrls, VerifiedCallback,
};
use aurpay_api::sandbox::{Payment, Sandbox};
use aurpay_api::{Amount, Client, OrderStatus, types};
use futures_util::TryStreamExt;
use rust_decimal::Decimal;
use tokio::sync::mpsc;

type Step<T> = Result<T, String>;

/// Starts a receiver on loopback; verified callbacks go to the channel,
/// rejections are answered 401/400 and reported too. Returns the callback
/// URLs to create orders with.
async fn start_receiver(
    sandbox: &Sandbox,
) -> Step<(
    CallbackUrls,
    mpsc::UnboundedReceiver<Result<VerifiedCallback, String>>,
)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let base = format!(
        "http://{}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    let urls = CallbackUrls::new(&format!("{base}/aurpay/callback")).map_err(|e| e.to_string())?;
    let verifier = sandbox.callback_verifier().callback_urls(&urls);
    let config = CallbackConfig::new(verifier, base.clone());
    let (sender, receiver) = mpsc::unbounded_channel();
    let handler = move |callback: Result<VerifiedCallback, CallbackRejection>| {
        let sender = sender.clone();
        async move {
            match callback {
                Ok(callback) => {
                    let _ = sender.send(Ok(callback));
                    axum::http::StatusCode::OK
                }
                Err(rejection) => {
                    let status = axum::http::StatusCode::from_u16(rejection.0.http_status())
                        .unwrap_or(axum::http::StatusCode::UNAUTHORIZED);
                    let _ = sender.send(Err(rejection.0.to_string()));
                    status
                }
            }
        }
    };
    let app = axum::Router::new()
        .fallback(handler)
        .with_state(Arc::clone(&config));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((urls, receiver))
}

async fn next_callback(
    receiver: &mut mpsc::UnboundedReceiver<Result<VerifiedCallback, String>>,
) -> Step<VerifiedCallback> {
    match tokio::time::timeout(Duration::from_secs(10), receiver.recv()).await {
        Ok(Some(Ok(callback))) => Ok(callback),
        Ok(Some(Err(rejection))) => Err(format!("callback rejected: {rejection}")),
        _ => Err("no callback within 10 s".to_owned()),
    }
}

/// The merchant's side of a callback: the signed reference resolved to the
/// Aurpay order id stored at creation, the callback bound to it (refused if
/// the unsigned body names another order), and the order fetched from the
/// API, whose status is the one to act on.
async fn confirm(
    callback: &VerifiedCallback,
    store: &HashMap<String, String>,
    client: &Client,
) -> Step<(BoundCallback, types::OrderDetail)> {
    let stored = callback
        .reference()
        .and_then(|r| store.get(r))
        .map(String::as_str);
    let bound = callback.bind(stored).map_err(fail("bind the callback"))?;
    let order = bound
        .fetch_order(client)
        .await
        .map_err(fail("fetch the order"))?;
    Ok((bound, order))
}

fn fail<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// Runs the story, writing a transcript; `Err` names the step that failed.
pub async fn run(out: &mut impl Write) -> Step<()> {
    macro_rules! say {
        ($($arg:tt)*) => { let _ = writeln!(out, $($arg)*); };
    }
    let sandbox = Sandbox::builder()
        .start()
        .await
        .map_err(fail("start the sandbox"))?;
    let client: Client = sandbox.client().map_err(fail("client"))?;
    let (urls, mut callbacks) = start_receiver(&sandbox).await?;
    // The merchant's own store: its reference -> Aurpay's order id.
    let mut store: HashMap<String, String> = HashMap::new();
    let url = |made: Result<String, aurpay_api::Error>| made.map_err(|e| e.to_string());
    say!(
        "Sandbox Aurpay at {} (API-key auth); callbacks to {}\n",
        sandbox.base_url(),
        url(urls.paid("REF"))?.replace("REF", "{ref}")
    );

    let fiat = client
        .get_support_real_currency_list()
        .call()
        .await
        .map_err(fail("real currencies"))?;
    let crypto = client
        .get_support_crypto_currency_list()
        .call()
        .await
        .map_err(fail("crypto currencies"))?;
    say!(
        "1. Currencies: fiat {}; crypto {} pairs",
        fiat.iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        crypto.len()
    );

    // Hosted checkout: the buyer picks the coin on Aurpay's page.
    let hosted = client
        .get_payment_url()
        .body(
            types::PaymentUrlRequest::builder()
                .currency("USD")
                .price(Amount::from(Decimal::new(2500, 2)))
                .callback_url(Some(url(urls.paid("hosted-1"))?))
                .timeout_callback(Some(url(urls.timeout("hosted-1"))?)),
        )
        .call()
        .await
        .map_err(fail("get_payment_url"))?;
    let hosted_id = hosted
        .order_id()
        .ok_or("the pay_url names no order")?
        .to_owned();
    store.insert("hosted-1".into(), hosted_id.clone());
    say!(
        "2. Hosted checkout order {hosted_id} (ref hosted-1): {}",
        hosted.pay_url
    );

    // Direct payment: a deposit address; POST callbacks with the order.
    let direct = client
        .get_payment_info()
        .body(
            types::PaymentInfoRequest::builder()
                .chain("ETH")
                .currency("USDT-ERC20")
                .vs_currency("USD")
                .vs_price(Amount::from(100))
                .callback_url(Some(url(urls.paid("direct-1"))?))
                .timeout_callback(Some(url(urls.timeout("direct-1"))?))
                .enable_post_callback(Some(true)),
        )
        .call()
        .await
        .map_err(fail("get_payment_info"))?;
    store.insert("direct-1".into(), direct.order_id.clone());
    say!(
        "3. Direct order {} (ref direct-1): pay {} USDT-ERC20 to {}",
        direct.order_id,
        direct.amount,
        direct.address.as_deref().unwrap_or_default()
    );

    let lightning = client
        .create_bln_order()
        .body(
            types::BlnOrderRequest::builder()
                .price(Amount::from(20))
                .currency("USD")
                .callback_url(Some(url(urls.paid("bln-1"))?)),
        )
        .call()
        .await
        .map_err(fail("create_bln_order"))?;
    let invoice: String = lightning
        .payment_request
        .as_deref()
        .unwrap_or_default()
        .chars()
        .take(24)
        .collect();
    store.insert("bln-1".into(), lightning.order_id.clone());
    say!(
        "4. Lightning order {} (ref bln-1): {} BTC, invoice {invoice}...",
        lightning.order_id,
        lightning.amount
    );

    // The customer pays the direct order; Aurpay POSTs the paid callback.
    sandbox
        .pay(&direct.order_id, Payment::Full)
        .map_err(fail("pay the direct order"))?;
    let paid = next_callback(&mut callbacks).await?;
    let (bound, confirmed) = confirm(&paid, &store, &client).await?;
    say!(
        "5. Callback: {} {:?} ref={} -> order {} (unsigned body says {}); API confirms {} (paid: {})",
        if paid.is_post() { "POST" } else { "GET" },
        paid.event(),
        paid.reference().unwrap_or("-"),
        bound.order_id(),
        paid.unsigned_body()
            .and_then(|b| b.status.as_ref())
            .map_or("-", |s| s.as_str()),
        confirmed.status,
        confirmed.status.is_paid()
    );
    if !confirmed.status.is_paid() || bound.order_id() != direct.order_id {
        return Err("the paid callback does not match the order".into());
    }

    sandbox
        .pay(&lightning.order_id, Payment::Full)
        .map_err(fail("pay the Lightning order"))?;
    let bln_paid = next_callback(&mut callbacks).await?;
    let (bound, confirmed) = confirm(&bln_paid, &store, &client).await?;
    say!(
        "6. Callback: GET {:?} ref={} -> order {}; API confirms {}",
        bln_paid.event(),
        bln_paid.reference().unwrap_or("-"),
        bound.order_id(),
        confirmed.status
    );
    if !confirmed.status.is_paid() || bound.order_id() != lightning.order_id {
        return Err("the Lightning callback does not match the order".into());
    }

    // Nobody pays the hosted order; it times out.
    sandbox
        .expire(&hosted_id)
        .map_err(fail("let the hosted order time out"))?;
    let timed_out = next_callback(&mut callbacks).await?;
    let (bound, expired) = confirm(&timed_out, &store, &client).await?;
    say!(
        "7. Callback: GET {:?} ref={} -> order {}; API confirms {}",
        timed_out.event(),
        timed_out.reference().unwrap_or("-"),
        bound.order_id(),
        expired.status
    );
    if expired.status != OrderStatus::Overdue || bound.order_id() != hosted_id {
        return Err("the timeout callback does not match the order".into());
    }

    let orders: Vec<types::OrderSummary> = client
        .get_orders()
        .items(2)
        .try_collect()
        .await
        .map_err(fail("get_orders stream"))?;
    say!(
        "8. Orders (streamed, 2 per page): {}",
        orders
            .iter()
            .map(|o| format!("{} {}", o.order_id, o.status))
            .collect::<Vec<_>>()
            .join("; ")
    );

    let details = client
        .get_orders_details()
        .order_id(direct.order_id.as_str())
        .call()
        .await
        .map_err(fail("details"))?;
    say!(
        "9. Details: {} {} {} received {}, fee {}",
        details.order_id,
        details.status,
        details.currency.as_ref().map_or("", |c| c.as_str()),
        details.obtained.map(|a| a.to_string()).unwrap_or_default(),
        details.fee.map(|a| a.to_string()).unwrap_or_default()
    );

    let refund_info = client
        .get_orders_refund_info()
        .order_id(direct.order_id.as_str())
        .call()
        .await
        .map_err(fail("refund info"))?;
    say!(
        "10. Refund info: {} {} refundable",
        refund_info.amount,
        refund_info.currency.as_ref().map_or("", |c| c.as_str())
    );

    let refund = client
        .orders_refund()
        .order_id(direct.order_id.as_str())
        .body(
            types::RefundRequest::builder()
                .address("0x686691e7b70e9239e19eB4cd080DDb8aB6F33cf3")
                .amount(Some(Amount::from(Decimal::new(10, 0)))),
        )
        .call()
        .await
        .map_err(fail("orders_refund"))?;
    say!(
        "11. Refund: {} {} of {}",
        refund.refund_status,
        refund
            .refund_amount
            .map(|a| a.to_string())
            .unwrap_or_default(),
        refund.order_id
    );

    let transactions: Vec<types::Transaction> = client
        .get_transaction()
        .items(10)
        .try_collect()
        .await
        .map_err(fail("get_transaction stream"))?;
    say!(
        "12. Transactions: {}",
        transactions
            .iter()
            .map(|t| {
                let tx_type = t.tx_type.as_ref().map(ToString::to_string);
                let currency = t.currency.as_ref().map_or("", |c| c.as_str());
                format!("{} {} {currency}", tx_type.unwrap_or_default(), t.amount)
            })
            .collect::<Vec<_>>()
            .join("; ")
    );

    let wallets = client
        .get_wallets_list()
        .call()
        .await
        .map_err(fail("wallets"))?;
    say!(
        "13. Wallets: {}",
        wallets
            .iter()
            .map(|w| format!("{} {}", w.balance, w.currency))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let withdraw = client
        .withdraw_balance()
        .body(
            types::WithdrawRequest::builder()
                .chain("ETH")
                .currency("USDT-ERC20")
                .amount(Amount::from(50))
                .address("0x686691e7b70e9239e19eB4cd080DDb8aB6F33cf3"),
        )
        .call()
        .await
        .map_err(fail("withdraw_balance"))?;
    say!(
        "14. Withdraw 50 USDT-ERC20: {} ({})",
        withdraw.status.unwrap_or_default(),
        withdraw.tx_id.unwrap_or_default()
    );

    let balance = client
        .get_bln_balance()
        .call()
        .await
        .map_err(fail("BLN balance"))?;
    say!("15. Lightning balance: {} BTC", balance.balance);
    let bln_withdraw = client
        .create_bln_withdraw()
        .body(
            types::BlnWithdrawRequest::builder()
                .ln_invoices("lntb10u1sandboxinvoice")
                .amount(Some(Amount::from(Decimal::new(1, 4)))),
        )
        .call()
        .await
        .map_err(fail("create_bln_withdraw"))?;
    let after = client
        .get_bln_balance()
        .call()
        .await
        .map_err(fail("BLN balance"))?;
    say!(
        "16. Lightning withdraw: {} -> balance {} BTC",
        bln_withdraw
            .get("status")
            .and_then(|s| s.as_str())
            .unwrap_or("?"),
        after.balance
    );

    if confirmed.status != OrderStatus::Success || orders.len() != 3 {
        return Err("unexpected final state".into());
    }
    say!("\nStory complete: 3 orders, 3 verified callbacks, refund, withdrawals.");
    Ok(())
}
