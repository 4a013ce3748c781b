//! The command's journal: one JSON object a line, appended, never
//! rewritten. It keeps what `aurpay listen` cannot ask Aurpay for and what
//! it must not do twice:
//!
//! * `order`: an order's callback URLs and method, recorded when the
//!   command created it (or `aurpay callback register`): Aurpay's API does
//!   not report them;
//! * `delivery`: a callback delivered (or given up on), so a restarted
//!   `listen` does not deliver it again and `callback replay` can;
//! * `cursor`: where the next `listen` pass starts.
//!
//! Entries carry the API base URL they belong to, so one journal serves
//! the real account and a sandbox. Reading is bounded: a journal larger
//! than [`MAX_JOURNAL_BYTES`] is refused (start another with `--journal`).
//! One `listen` per journal at a time.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Failure;
use crate::Timestamp;

/// The largest journal read (about 100,000 deliveries).
pub(crate) const MAX_JOURNAL_BYTES: u64 = 64 * 1024 * 1024;

/// Which callback: the order was paid, or timed out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Event {
    Paid,
    Timeout,
}

impl Event {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Event::Paid => "paid",
            Event::Timeout => "timeout",
        }
    }
}

/// An order's callback configuration, as it was created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct KnownOrder {
    pub(crate) order_id: String,
    pub(crate) paid_url: Option<String>,
    pub(crate) timeout_url: Option<String>,
    /// POST with the order as body, or GET.
    pub(crate) post: bool,
}

impl KnownOrder {
    pub(crate) fn url(&self, event: Event) -> Option<&str> {
        match event {
            Event::Paid => self.paid_url.as_deref(),
            Event::Timeout => self.timeout_url.as_deref(),
        }
    }
}

/// One callback delivered, as journaled.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct DeliveryRecord {
    pub(crate) order_id: String,
    pub(crate) event: Event,
    /// The order's status when it was delivered.
    pub(crate) status: String,
    pub(crate) method: String,
    /// The order's own callback URL (what Aurpay would call).
    pub(crate) url: String,
    /// Where it was sent: the URL rewritten onto the forward target.
    pub(crate) sent_to: String,
    /// The receiver's last HTTP status, if it answered.
    pub(crate) answer: Option<u16>,
    /// Why the last attempt failed, if it did not answer.
    pub(crate) error: Option<String>,
    pub(crate) attempts: u32,
    /// The POST body sent (the order as JSON text, exact digits).
    pub(crate) body: Option<String>,
    /// Sent by `callback replay`.
    #[serde(default)]
    pub(crate) replay: bool,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Record {
    Order(KnownOrder),
    Delivery(DeliveryRecord),
    Cursor { since: Timestamp },
}

/// A line: the record, the API it belongs to, and when it was written.
#[derive(Debug, Serialize, Deserialize)]
struct Line {
    api: String,
    at: Timestamp,
    #[serde(flatten)]
    record: Record,
}

/// The journal of one API base URL, read into memory (bounded by
/// [`MAX_JOURNAL_BYTES`]) and appended to.
#[derive(Debug)]
pub(crate) struct Journal {
    path: PathBuf,
    api: String,
    orders: HashMap<String, KnownOrder>,
    delivered: HashSet<(String, Event)>,
    deliveries: Vec<(Timestamp, DeliveryRecord)>,
    cursor: Option<Timestamp>,
    /// Lines that did not parse (a line cut short by a crash).
    pub(crate) skipped: usize,
}

impl Journal {
    /// Reads the journal at `path` (a missing file is an empty journal),
    /// keeping the entries of `api`.
    pub(crate) fn open(path: &Path, api: &str) -> Result<Journal, Failure> {
        let mut journal = Journal {
            path: path.to_owned(),
            api: api.to_owned(),
            orders: HashMap::new(),
            delivered: HashSet::new(),
            deliveries: Vec::new(),
            cursor: None,
            skipped: 0,
        };
        let file = match std::fs::File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(journal),
            Err(e) => return Err(journal.io_error("read", &e)),
        };
        let size = file
            .metadata()
            .map_err(|e| journal.io_error("read", &e))?
            .len();
        if size > MAX_JOURNAL_BYTES {
            return Err(Failure::failed(format!(
                "journal {} is {size} bytes, more than {MAX_JOURNAL_BYTES}: start another with --journal",
                path.display()
            )));
        }
        for line in std::io::BufReader::new(file).lines() {
            let line = line.map_err(|e| journal.io_error("read", &e))?;
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Line>(&line) {
                Ok(line) if line.api == journal.api => journal.index(line.at, line.record),
                Ok(_) => {}
                Err(_) => journal.skipped += 1,
            }
        }
        Ok(journal)
    }

    fn io_error(&self, what: &str, error: &std::io::Error) -> Failure {
        Failure::failed(format!(
            "cannot {what} the journal {}: {error}",
            self.path.display()
        ))
    }

    fn index(&mut self, at: Timestamp, record: Record) {
        match record {
            Record::Order(order) => {
                self.orders.insert(order.order_id.clone(), order);
            }
            Record::Delivery(delivery) => {
                self.delivered
                    .insert((delivery.order_id.clone(), delivery.event));
                self.deliveries.push((at, delivery));
            }
            Record::Cursor { since } => self.cursor = Some(since),
        }
    }

    fn append(&mut self, at: Timestamp, record: Record) -> Result<(), Failure> {
        let line = Line {
            api: self.api.clone(),
            at,
            record,
        };
        let mut text = serde_json::to_string(&line)
            .map_err(|e| Failure::failed(format!("cannot write a journal line: {e}")))?;
        text.push('\n');
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| self.io_error("create", &e))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| self.io_error("open", &e))?;
        // One write of the whole line: appends of concurrent writers do
        // not interleave within it.
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(|e| self.io_error("append to", &e))?;
        self.index(line.at, line.record);
        Ok(())
    }

    /// Where the journal is.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn record_order(&mut self, at: Timestamp, order: KnownOrder) -> Result<(), Failure> {
        self.append(at, Record::Order(order))
    }

    pub(crate) fn record_delivery(
        &mut self,
        at: Timestamp,
        delivery: DeliveryRecord,
    ) -> Result<(), Failure> {
        self.append(at, Record::Delivery(delivery))
    }

    pub(crate) fn record_cursor(&mut self, at: Timestamp, since: Timestamp) -> Result<(), Failure> {
        self.append(at, Record::Cursor { since })
    }

    pub(crate) fn order(&self, order_id: &str) -> Option<&KnownOrder> {
        self.orders.get(order_id)
    }

    pub(crate) fn was_delivered(&self, order_id: &str, event: Event) -> bool {
        self.delivered.contains(&(order_id.to_owned(), event))
    }

    pub(crate) fn cursor(&self) -> Option<&Timestamp> {
        self.cursor.as_ref()
    }

    /// The deliveries journaled at or after `since`, oldest first.
    pub(crate) fn deliveries_since(&self, since: &Timestamp) -> Vec<&DeliveryRecord> {
        self.deliveries
            .iter()
            .filter(|(at, _)| at >= since)
            .map(|(_, delivery)| delivery)
            .collect()
    }
}

/// The default journal: `$AURPAY_JOURNAL`, else
/// `$XDG_STATE_HOME/aurpay/journal.jsonl`, else
/// `~/.local/state/aurpay/journal.jsonl`.
pub(crate) fn default_path(lookup: impl Fn(&str) -> Option<String>) -> PathBuf {
    if let Some(path) = lookup("AURPAY_JOURNAL") {
        return PathBuf::from(path);
    }
    let state = lookup("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| lookup("HOME").map(|home| Path::new(&home).join(".local/state")));
    match state {
        Some(dir) => dir.join("aurpay").join("journal.jsonl"),
        None => PathBuf::from("aurpay-journal.jsonl"),
    }
}
