//! A process applying changes with its effects in the processor's
//! transaction (`Processor::apply_in_transaction`), killed with SIGKILL
//! again and again at random points: between the effect and the commit
//! (the child waits for our word after each effect, so this point is hit
//! for certain), during the commit, and after it. Each restart goes on
//! at once (an hour's lease would show as `WAITED`), and in the end every
//! effect is in the database exactly once, and only with its change.
//!
//! On a real SQLite file always; on a real PostgreSQL server when one is
//! there (`#[ignore]`d otherwise).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Orders per run.
const ORDERS: usize = 30;
/// At most this many processes per run (each kill starts one more).
const MAX_PROCESSES: usize = 200;
/// How long any one line from the child may take (real time).
const PATIENCE: Duration = Duration::from_secs(30);

/// Where to kill the child, once it said `EFFECT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kill {
    /// Before the commit: the effect ran, the transaction is open.
    BeforeCommit,
    /// As it commits: `go`, and the kill at once.
    DuringCommit,
    /// After the commit (once it says `APPLIED`).
    AfterCommit,
    /// Not this time.
    No,
}

/// A small deterministic generator, seeded per run (printed, to replay).
struct Random(u64);

impl Random {
    fn kill(&mut self) -> Kill {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        match (self.0 >> 33) % 7 {
            0 => Kill::BeforeCommit,
            1 => Kill::DuringCommit,
            2 => Kill::AfterCommit,
            _ => Kill::No,
        }
    }
}

struct Running {
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(database: &str) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crash-child"))
        .args([database, &ORDERS.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the crash child");
    let stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (send, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                return;
            }
        }
    });
    Running {
        child,
        stdin,
        lines,
    }
}

/// What the database holds: effects per order, and the orders recorded as
/// applied.
async fn recorded(database: &str) -> (BTreeMap<String, usize>, Vec<String>) {
    async fn read<D: sqlx::Database>(pool: sqlx::Pool<D>) -> (BTreeMap<String, usize>, Vec<String>)
    where
        for<'c> &'c sqlx::Pool<D>: sqlx::Executor<'c, Database = D>,
        for<'q> <D as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, D>,
        for<'r> (String,): sqlx::FromRow<'r, D::Row>,
    {
        let effects: Vec<(String,)> = sqlx::query_as("SELECT order_id FROM effects")
            .fetch_all(&pool)
            .await
            .unwrap_or_default();
        let mut counted = BTreeMap::new();
        for (order,) in effects {
            *counted.entry(order).or_default() += 1;
        }
        let applied: Vec<(String,)> = sqlx::query_as(
            "SELECT record_key FROM aurpay_records WHERE record_kind = 'order_state' ORDER BY record_key",
        )
        .fetch_all(&pool)
        .await
        .unwrap_or_default();
        pool.close().await;
        (counted, applied.into_iter().map(|(k,)| k).collect())
    }
    match database.strip_prefix("sqlite:") {
        Some(path) => {
            read(
                sqlx::SqlitePool::connect(&format!("sqlite://{path}"))
                    .await
                    .unwrap(),
            )
            .await
        }
        None => read(sqlx::PgPool::connect(database).await.unwrap()).await,
    }
}

/// Runs children on `database` until one finishes, killing them as the
/// generator says; checks the database after every kill.
async fn crash_until_done(database: &str) {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("crash test on {database}: seed {seed}");
    let mut random = Random(seed);
    let mut kills = BTreeMap::<&str, usize>::new();
    for process in 0..MAX_PROCESSES {
        let mut child = start(database);
        let mut kill_after_commit = false;
        let finished = loop {
            let line = child.lines.recv_timeout(PATIENCE).unwrap_or_else(|_| {
                panic!("process {process}: no line within {PATIENCE:?} (seed {seed})")
            });
            let mut words = line.splitn(2, ' ');
            match (words.next(), words.next()) {
                // The first effect of a run is always killed before its
                // commit: the point this test is for is hit every run.
                (Some("EFFECT"), Some(_)) => match if kills.is_empty() {
                    Kill::BeforeCommit
                } else {
                    random.kill()
                } {
                    Kill::BeforeCommit => {
                        *kills.entry("before the commit").or_default() += 1;
                        break false;
                    }
                    Kill::DuringCommit => {
                        *kills.entry("during the commit").or_default() += 1;
                        let _ = writeln!(child.stdin, "go");
                        break false;
                    }
                    Kill::AfterCommit => {
                        kill_after_commit = true;
                        writeln!(child.stdin, "go").unwrap();
                    }
                    Kill::No => writeln!(child.stdin, "go").unwrap(),
                },
                (Some("APPLIED"), Some(_)) if kill_after_commit => {
                    *kills.entry("after the commit").or_default() += 1;
                    break false;
                }
                (Some("APPLIED" | "ALREADY"), Some(_)) => {}
                (Some("WAITED"), Some(order)) => {
                    panic!("{order} waited for a lease after a crash (seed {seed})")
                }
                (Some("DONE"), None) => break true,
                _ => panic!("unexpected line from the child: {line:?}"),
            }
        };
        drop(child); // SIGKILL, if it still runs
        let (effects, applied) = recorded(database).await;
        for (order, count) in &effects {
            assert_eq!(
                *count, 1,
                "{order}'s effect ran {count} times (seed {seed})"
            );
            assert!(
                applied.contains(order),
                "{order}'s effect without its change (seed {seed})"
            );
        }
        for order in &applied {
            assert!(
                effects.contains_key(order),
                "{order} applied without its effect (seed {seed})"
            );
        }
        if finished {
            assert_eq!(effects.len(), ORDERS, "every order's effect (seed {seed})");
            assert!(
                kills.get("before the commit").copied().unwrap_or(0) > 0,
                "never killed between effect and commit: {kills:?} (seed {seed})"
            );
            eprintln!("{} processes, killed {kills:?}", process + 1);
            return;
        }
    }
    panic!("not done after {MAX_PROCESSES} processes (seed {seed}): {kills:?}");
}

#[tokio::test]
async fn killed_between_effect_and_commit_on_sqlite_each_effect_applies_once() {
    for run in 0..3 {
        let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("crash-{run}-{}.sqlite", std::process::id()));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        crash_until_done(&format!("sqlite:{}", path.display())).await;
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL: AURPAY_TEST_POSTGRES=$(bash .ci/postgres.sh start | tail -n 1)"]
async fn killed_between_effect_and_commit_on_postgres_each_effect_applies_once() {
    for run in 0..3 {
        let database = aurpay_tests::postgres::fresh_database(&format!("crash{run}")).await;
        crash_until_done(&database).await;
    }
}
