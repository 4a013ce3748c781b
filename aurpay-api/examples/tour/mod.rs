//! The quickstart's read-only tour: every call that reads and none that
//! creates or moves anything. Shared by `examples/quickstart.rs` and the
//! test that runs it against a local server.

use std::fmt::Display;
use std::io::Write;

use aurpay_api::{Client, Error};

/// One line per call: the operation and a short summary, or the typed error.
fn report<T>(
    out: &mut impl Write,
    operation: &str,
    result: Result<T, Error>,
    summary: impl FnOnce(&T) -> String,
) -> Option<T> {
    match result {
        Ok(value) => {
            let _ = writeln!(out, "ok    {operation:<34} {}", summary(&value));
            Some(value)
        }
        Err(error) => {
            let _ = writeln!(out, "FAIL  {operation:<34} {error}");
            None
        }
    }
}

fn list<T: Display>(items: impl IntoIterator<Item = T>) -> String {
    let items: Vec<String> = items.into_iter().map(|i| i.to_string()).collect();
    if items.is_empty() {
        "(none)".to_owned()
    } else {
        items.join(", ")
    }
}

/// Runs the tour; `true` when every call succeeded.
pub async fn read_only_tour(client: &Client, out: &mut impl Write) -> bool {
    let mut ok = true;

    let real = client.get_support_real_currency_list().call().await;
    ok &= report(out, "get_support_real_currency_list", real, |c| {
        list(c.iter())
    })
    .is_some();

    let crypto = client.get_support_crypto_currency_list().call().await;
    ok &= report(out, "get_support_crypto_currency_list", crypto, |c| {
        list(c.iter().map(|p| format!("{}/{}", p.chain, p.currency)))
    })
    .is_some();

    let orders = client.get_orders().page(1u64).size(10u64).call().await;
    let orders = report(out, "get_orders", orders, |page| {
        format!(
            "{} of {} orders (page {} of {})",
            page.data.len(),
            page.total,
            page.page,
            page.max_page
        )
    });
    ok &= orders.is_some();

    if let Some(first) = orders.as_ref().and_then(|page| page.data.first()) {
        let details = client
            .get_orders_details()
            .order_id(first.order_id.as_str())
            .call()
            .await;
        ok &= report(out, "get_orders_details", details, |o| {
            format!(
                "{} {} {} {} (paid: {})",
                o.order_id,
                o.status,
                o.amount,
                o.currency.as_ref().map_or("", |c| c.as_str()),
                o.status.is_paid()
            )
        })
        .is_some();
        let refund = client
            .get_orders_refund_info()
            .order_id(first.order_id.as_str())
            .call()
            .await;
        ok &= report(out, "get_orders_refund_info", refund, |r| {
            format!(
                "{} {} {}",
                r.order_id,
                r.amount,
                r.currency.as_ref().map_or("", |c| c.as_str())
            )
        })
        .is_some();
    }

    let transactions = client.get_transaction().page(1u64).size(10u64).call().await;
    ok &= report(out, "get_transaction", transactions, |page| {
        format!("{} of {} transactions", page.data.len(), page.total)
    })
    .is_some();

    let wallets = client.get_wallets_list().call().await;
    ok &= report(out, "get_wallets_list", wallets, |w| {
        list(w.iter().map(|w| format!("{} {}", w.balance, w.currency)))
    })
    .is_some();

    let custody = client.get_self_custody_wallets().call().await;
    ok &= report(out, "get_self_custody_wallets", custody, |w| {
        list(w.iter().map(|w| format!("{} {}", w.currency, w.address)))
    })
    .is_some();

    let balance = client.get_bln_balance().call().await;
    ok &= report(out, "get_bln_balance", balance, |b| {
        format!(
            "{} {}",
            b.balance,
            b.currency.as_ref().map_or("BTC", |c| c.as_str())
        )
    })
    .is_some();

    ok
}
