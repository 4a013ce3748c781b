//! A process for the crash tests (`tests/tests/crash.rs`) to kill: it
//! applies a paid state to orders `order-0` .. `order-{N-1}`, each effect an
//! insert into `effects` inside the processor's transaction, and after each
//! effect waits for the parent's word on stdin, so the parent can kill it
//! (SIGKILL) between the effect and the commit, during the commit, or after
//! it.
//!
//! Usage: `crash-child DATABASE_URL N` (`sqlite:PATH` or `postgres://...`).
//! Prints `EFFECT order-i` once the effect ran (then reads a line: `go`
//! goes on), `APPLIED order-i` once committed, `ALREADY order-i` for an
//! order applied before, `WAITED order-i` if a change had to wait for a
//! lease (which the transactional path never should), and `DONE`.

use std::io::Write as _;
use std::str::FromStr;
use std::time::Duration;

use aurpay_api::processor::{Dialect, Processed, Processor, SqlStore};
use aurpay_api::{Client, OrderStatus};

type Failure = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Failure> {
    let mut args = std::env::args().skip(1);
    let (Some(database), Some(count)) = (args.next(), args.next()) else {
        return Err("usage: crash-child DATABASE_URL N".into());
    };
    let count: usize = count.parse()?;
    // The parent's words, one per line, as they come.
    let (words, heard) = tokio::sync::mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines().map_while(Result::ok) {
            if words.send(line).is_err() {
                return;
            }
        }
    });
    let heard = std::sync::Arc::new(tokio::sync::Mutex::new(heard));
    if let Some(path) = database.strip_prefix("sqlite:") {
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(5));
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .connect_with(options)
            .await?;
        sqlx::raw_sql("CREATE TABLE IF NOT EXISTS effects (order_id TEXT NOT NULL)")
            .execute(&pool)
            .await?;
        run(pool, count, heard).await
    } else {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .connect(&database)
            .await?;
        sqlx::raw_sql("CREATE TABLE IF NOT EXISTS effects (order_id TEXT NOT NULL)")
            .execute(&pool)
            .await?;
        run(pool, count, heard).await
    }
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

async fn run<D: Dialect>(
    pool: sqlx::Pool<D>,
    count: usize,
    heard: std::sync::Arc<tokio::sync::Mutex<tokio::sync::mpsc::UnboundedReceiver<String>>>,
) -> Result<(), Failure>
where
    for<'c> &'c mut D::Connection: sqlx::Executor<'c, Database = D>,
    for<'q> <D as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, D>,
    for<'q> String: sqlx::Encode<'q, D> + sqlx::Type<D>,
{
    let store = SqlStore::new(pool).await?;
    // An hour's lease: a change that had to wait for one would show.
    let processor =
        Processor::new(Client::builder().build()?, store).lease(Duration::from_secs(3600));
    for n in 0..count {
        let order_id = format!("order-{n}");
        // The effect owns what it uses: it may run as long as the
        // transaction's connection is borrowed.
        let heard = std::sync::Arc::clone(&heard);
        let processed = processor
            .apply_in_transaction(
                &order_id,
                Some("ref"),
                &OrderStatus::Success,
                |connection, change| {
                    Box::pin(async move {
                        sqlx::query("INSERT INTO effects (order_id) VALUES ($1)")
                            .bind(change.order_id.clone())
                            .execute(&mut *connection)
                            .await?;
                        say(&format!("EFFECT {}", change.order_id));
                        match heard.lock().await.recv().await.as_deref() {
                            Some("go") => Ok::<(), Failure>(()),
                            _ => Err(std::io::Error::other("the parent went away").into()),
                        }
                    })
                },
            )
            .await?;
        match processed {
            Processed::Applied(_) => say(&format!("APPLIED {order_id}")),
            Processed::AlreadyApplied { .. } => say(&format!("ALREADY {order_id}")),
            _ => say(&format!("WAITED {order_id}")),
        }
    }
    say("DONE");
    Ok(())
}
