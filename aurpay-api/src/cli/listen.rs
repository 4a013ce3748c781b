//! `aurpay listen --forward-to URL`: watches the account (the real API or
//! a sandbox) for orders that changed, and for each change Aurpay calls
//! back for (paid: `SUCCESS`, `RESOLVED`; timed out: `OVERDUE`,
//! `TERMINATED`, as the sandbox's `payments.rs` produces them) delivers the
//! callback Aurpay would send to the order's callback URL rewritten onto
//! the forward target. Each is delivered once: the journal records it, so
//! a restart does not deliver it again.
//!
//! Aurpay's API does not report an order's callback URLs, so they come
//! from the journal: orders created with this command are recorded there
//! (`aurpay callback register` adds others); `--all-orders` delivers the
//! rest to the forward target as given. Bounded: one pass per `--interval`
//! (at least 200 ms), at most `--max-orders` orders a pass, `--concurrency`
//! deliveries at once, each retried at most `--attempts` times.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::{Arg, ArgAction, ArgMatches, Command};

use super::deliver::{Callback, Forwarder};
use super::failure::Exit;
use super::flags::{duration_arg, parse_duration, policy, policy_args};
use super::journal::{DeliveryRecord, Event, Journal};
use super::{Failure, Settings};
use crate::clock::Clock;
use crate::operation::sealed::Token;
use crate::operation::{Call as _, ListedOrder as _, Listings as _, OrderLookup as _};
use crate::{Client, OrderStatus, Timestamp};

/// The shortest polling interval accepted.
const MIN_INTERVAL: Duration = Duration::from_millis(200);
/// The most orders reported as skipped (their URL unknown) per run.
const MAX_SKIPS_REPORTED: usize = 1000;
/// How often the cursor is journaled at most.
const CURSOR_EVERY: Duration = Duration::from_secs(60);

pub(crate) fn subcommand() -> Command {
    Command::new("listen")
        .about("Deliver the callbacks Aurpay would send to a local URL, by watching the account")
        .long_about(
            "Polls the account (AURPAY_BASE_URL: the real API or a sandbox) for orders that \
             were paid or timed out and delivers, once each, the GET or POST callback Aurpay \
             would send: the order's callback URL with its scheme, host and port replaced by \
             --forward-to, signed with AURPAY_CALLBACK_TOKEN and AURPAY_CALLBACK_SECRET as \
             Aurpay signs. Orders created with `aurpay` are known (Aurpay's API does not report \
             callback URLs); `aurpay callback register` adds others. Every delivery is \
             journaled: a restart delivers none twice, `aurpay callback replay` delivers them \
             again. Nothing is sent anywhere but the API and the forward target.",
        )
        .after_help("Example:\n  aurpay listen --forward-to http://127.0.0.1:4242")
        .arg(
            Arg::new("forward_to")
                .long("forward-to")
                .required(true)
                .value_name("URL")
                .help("Where callbacks go: scheme, host and port (the path and query are each order's own)"),
        )
        .arg(duration_arg("interval", "interval", "5s", "How often the account is polled (at least 200ms)"))
        .arg(Arg::new("since").long("since").value_name("DURATION").help("Start with changes this long ago (default: where the last run stopped, or now)"))
        .arg(Arg::new("all_orders").long("all-orders").action(ArgAction::SetTrue).help("Also orders whose callback URL is unknown, delivered to --forward-to as given"))
        .arg(Arg::new("once").long("once").action(ArgAction::SetTrue).help("One pass, wait for its deliveries, exit (1 if one was not accepted)"))
        .arg(Arg::new("stop_after").long("stop-after").value_name("DURATION").help("Stop after this long"))
        .arg(Arg::new("max_orders").long("max-orders").value_name("N").default_value("1000").value_parser(clap::value_parser!(u64).range(1..=100_000)).help("The most orders read per pass"))
        .arg(Arg::new("concurrency").long("concurrency").value_name("N").default_value("4").value_parser(clap::value_parser!(u64).range(1..=32)).help("Deliveries at once"))
        .args(policy_args())
}

/// Which callback an order's status calls for.
fn event_of(status: &OrderStatus) -> Option<Event> {
    match status {
        OrderStatus::Success | OrderStatus::Resolved => Some(Event::Paid),
        OrderStatus::Overdue | OrderStatus::Terminated => Some(Event::Timeout),
        _ => None,
    }
}

/// The order as a POST callback's body: as Get Orders Details answers it
/// (amounts with their digits and form).
pub(crate) async fn order_body(client: &Client, order_id: &str) -> Result<String, Failure> {
    let order = client.order_lookup(order_id).send_call(Token(())).await?;
    serde_json::to_string(&order).map_err(|e| Failure::failed(format!("order {order_id}: {e}")))
}

struct Listener {
    client: Client,
    journal: Arc<Mutex<Journal>>,
    forwarder: Arc<Forwarder>,
    clock: Arc<dyn Clock>,
    in_flight: Arc<Mutex<HashSet<(String, Event)>>>,
    deliveries: tokio::task::JoinSet<bool>,
    permits: Arc<tokio::sync::Semaphore>,
    skipped: HashSet<String>,
    all_orders: bool,
    /// Orders whose POST body could not be read: scheduled again next pass.
    retry: Arc<Mutex<Vec<(String, String, Event)>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Listener {
    /// One pass over the orders changed since `since`; the next pass's
    /// start.
    async fn pass(
        &mut self,
        since: &Timestamp,
        max_orders: usize,
    ) -> Result<Timestamp, crate::Error> {
        let retry: Vec<_> = std::mem::take(&mut *lock(&self.retry));
        for (order_id, status, event) in retry {
            self.schedule(&order_id, &status, event);
        }
        let client = self.client.clone();
        let mut pass =
            crate::reconcile::changed_since(client.orders(), since.clone()).max_orders(max_orders);
        while let Some(order) = pass.next().await? {
            if let Some(event) = event_of(order.status()) {
                self.schedule(order.order_id(), order.status().as_str(), event);
            }
        }
        Ok(pass.next_since())
    }

    fn schedule(&mut self, order_id: &str, status: &str, event: Event) {
        let key = (order_id.to_owned(), event);
        let known = {
            let journal = lock(&self.journal);
            if journal.was_delivered(order_id, event) || lock(&self.in_flight).contains(&key) {
                return;
            }
            journal.order(order_id).cloned()
        };
        let url = match known.as_ref().and_then(|k| k.url(event)) {
            Some(url) => url.to_owned(),
            None if self.all_orders => self.forwarder.target().to_string(),
            None => {
                if self.skipped.len() < MAX_SKIPS_REPORTED && self.skipped.insert(key.0.clone()) {
                    println!(
                        "skip order={order_id} event={} status={status}: its callback URL is unknown \
                         (`aurpay callback register {order_id} --paid-url URL`, or --all-orders)",
                        event.as_str()
                    );
                }
                return;
            }
        };
        let to = match self.forwarder.rewrite(&url) {
            Ok(to) => to,
            Err(e) => {
                eprintln!("skip order={order_id}: {e}");
                return;
            }
        };
        lock(&self.in_flight).insert(key.clone());
        let post = known.is_some_and(|k| k.post);
        let (client, journal, forwarder, clock, in_flight, permits, retry) = (
            self.client.clone(),
            Arc::clone(&self.journal),
            Arc::clone(&self.forwarder),
            Arc::clone(&self.clock),
            Arc::clone(&self.in_flight),
            Arc::clone(&self.permits),
            Arc::clone(&self.retry),
        );
        let status = status.to_owned();
        self.deliveries.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let body = if post {
                match order_body(&client, &key.0).await {
                    Ok(body) => Some(body),
                    Err(e) => {
                        eprintln!(
                            "delivery order={} event={}: cannot read the order for its POST body \
                             (trying again next pass): {e}",
                            key.0,
                            event.as_str()
                        );
                        lock(&in_flight).remove(&key);
                        lock(&retry).push((key.0, status, event));
                        return true;
                    }
                }
            } else {
                None
            };
            let callback = Callback {
                order_id: key.0.clone(),
                event,
                url,
                body,
            };
            // The last attempt's line is printed once the delivery is
            // journaled: whoever reads it (a person, a script, a test that
            // then stops listen) knows a restarted listen will not make
            // that delivery again. Retries print as they happen.
            let mut last_line = None;
            let delivered = forwarder
                .deliver(&callback, &to, |attempt| {
                    if attempt.answer == Some(200) || attempt.attempt >= attempt.attempts {
                        last_line = Some(attempt.to_string());
                    } else {
                        println!("{attempt}");
                    }
                })
                .await;
            let record = DeliveryRecord {
                order_id: key.0.clone(),
                event,
                status,
                method: callback.method().to_owned(),
                url: callback.url.clone(),
                sent_to: delivered.sent_to.clone(),
                answer: delivered.answer,
                error: delivered.error.clone(),
                attempts: delivered.attempts,
                body: callback.body.clone(),
                replay: false,
            };
            if let Err(e) = lock(&journal).record_delivery(clock.now(), record) {
                eprintln!("warning: {e}");
            }
            if let Some(line) = last_line {
                println!("{line}");
            }
            lock(&in_flight).remove(&key);
            delivered.accepted()
        });
    }

    /// Collects finished deliveries; how many were not accepted.
    fn reap(&mut self) -> usize {
        let mut refused = 0;
        while let Some(done) = self.deliveries.try_join_next() {
            if !matches!(done, Ok(true)) {
                refused += 1;
            }
        }
        refused
    }

    async fn finish(&mut self) -> usize {
        let mut refused = 0;
        while let Some(done) = self.deliveries.join_next().await {
            if !matches!(done, Ok(true)) {
                refused += 1;
            }
        }
        refused
    }
}

pub(crate) async fn run(matches: &ArgMatches, settings: &Settings) -> Result<Exit, Failure> {
    let target = super::deliver::parse_target(
        matches
            .get_one::<String>("forward_to")
            .map_or("", String::as_str),
    )?;
    let interval = parse_duration(
        matches
            .get_one::<String>("interval")
            .map_or("5s", String::as_str),
    )?;
    if interval < MIN_INTERVAL {
        return Err(Failure::usage("--interval is at least 200ms"));
    }
    let optional = |id: &str| {
        matches
            .get_one::<String>(id)
            .map(|d| parse_duration(d))
            .transpose()
    };
    let (since_flag, stop_after) = (optional("since")?, optional("stop_after")?);
    let max_orders = usize::try_from(
        matches
            .get_one::<u64>("max_orders")
            .copied()
            .unwrap_or(1000),
    )
    .unwrap_or(1000);
    let concurrency =
        usize::try_from(matches.get_one::<u64>("concurrency").copied().unwrap_or(4)).unwrap_or(4);
    let client = settings.client(true)?;
    let clock = Arc::clone(&settings.clock);
    let forwarder = Forwarder::new(
        target,
        settings.callback_signer()?,
        Arc::clone(&clock),
        policy(matches)?,
    )?;
    let journal = Journal::open(&settings.journal, client.base_url())?;
    let now = clock.now();
    let mut since = match (since_flag, journal.cursor()) {
        (Some(ago), _) => now.earlier_by(ago),
        (None, Some(cursor)) => cursor.clone(),
        (None, None) => now.earlier_by(crate::reconcile::SKEW_MARGIN),
    };
    println!(
        "listening on {} every {} ms from {since}; forwarding to {} (journal {})",
        client.base_url(),
        interval.as_millis(),
        forwarder.target(),
        journal.path().display()
    );
    let mut listener = Listener {
        client,
        journal: Arc::new(Mutex::new(journal)),
        forwarder: Arc::new(forwarder),
        clock: Arc::clone(&clock),
        in_flight: Arc::default(),
        deliveries: tokio::task::JoinSet::new(),
        permits: Arc::new(tokio::sync::Semaphore::new(concurrency)),
        skipped: HashSet::new(),
        all_orders: matches.get_flag("all_orders"),
        retry: Arc::default(),
    };
    let mut stop = std::pin::pin!(async {
        match stop_after {
            Some(after) => clock.sleep(after).await,
            None => std::future::pending().await,
        }
    });
    let mut interrupted = std::pin::pin!(tokio::signal::ctrl_c());
    let mut cursor_written: Option<Timestamp> = None;
    let mut refused = 0;
    loop {
        match listener.pass(&since, max_orders).await {
            Ok(next) => since = next,
            Err(e) if e.is_authentication() => return Err(e.into()),
            Err(e) => eprintln!("poll failed: {e}"),
        }
        refused += listener.reap();
        let quiet = lock(&listener.in_flight).is_empty() && lock(&listener.retry).is_empty();
        let due = cursor_written.as_ref().is_none_or(|at| {
            clock
                .now()
                .duration_since(at)
                .is_none_or(|d| d >= CURSOR_EVERY)
        });
        if quiet && due {
            let now = clock.now();
            if let Err(e) = lock(&listener.journal).record_cursor(now.clone(), since.clone()) {
                eprintln!("warning: {e}");
            }
            cursor_written = Some(now);
        }
        if matches.get_flag("once") {
            refused += listener.finish().await;
            return Ok(if refused == 0 {
                Exit::Success
            } else {
                Exit::Failed
            });
        }
        tokio::select! {
            () = clock.sleep(interval) => {}
            _ = &mut interrupted => break,
            () = &mut stop => break,
        }
    }
    // Unfinished deliveries are not journaled: the next run delivers them.
    listener.deliveries.abort_all();
    Ok(Exit::Success)
}
