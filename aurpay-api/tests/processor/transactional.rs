//! Effects in the store's own transaction (`apply_in_transaction`): the
//! effect's rows commit with the record of the change, or neither does.
//!
//! * An effect that fails rolls back its own rows; the change is applied
//!   by the next delivery, once.
//! * An apply abandoned mid-effect (its future dropped, as a crash drops
//!   it) leaves nothing; the next one applies at once, with no lease.
//! * Concurrent deliveries on two pools: one effect row.
//! * A change another writer recorded while this effect ran: this effect
//!   is rolled back (PostgreSQL, where two transactions can overlap).
//! * A change claimed under a lease by the effect-anywhere path waits.
//!
//! SQLite always; PostgreSQL `#[ignore]`d unless a server is there. The
//! process-level version (SIGKILL at random points) is `tests/tests/crash.rs`
//! in the workspace.

use std::sync::Arc;

use aurpay_api::processor::{
    Dialect, Effect, ProcessError, Processed, Processor, SqlStore, SqliteStore, Transition,
};
use aurpay_api::{Client, OrderStatus};

use crate::support;

fn client() -> Client {
    Client::builder().build().unwrap()
}

/// The effect every test uses: one row in `effects` per run.
fn insert_effect<'c, D: Dialect>(
    connection: &'c mut D::Connection,
    change: Transition,
) -> Effect<'c, sqlx::Error>
where
    for<'e> &'e mut D::Connection: sqlx::Executor<'e, Database = D>,
    for<'q> <D as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, D>,
    for<'q> String: sqlx::Encode<'q, D> + sqlx::Type<D>,
{
    Box::pin(async move {
        sqlx::query("INSERT INTO effects (order_id) VALUES ($1)")
            .bind(change.order_id)
            .execute(&mut *connection)
            .await?;
        Ok(())
    })
}

async fn effects<D: sqlx::Database>(pool: &sqlx::Pool<D>, order_id: &str) -> i64
where
    for<'c> &'c sqlx::Pool<D>: sqlx::Executor<'c, Database = D>,
    for<'q> <D as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, D>,
    for<'q> String: sqlx::Encode<'q, D> + sqlx::Type<D>,
    for<'r> (i64,): sqlx::FromRow<'r, D::Row>,
{
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM effects WHERE order_id = $1")
        .bind(order_id.to_owned())
        .fetch_one(pool)
        .await
        .unwrap();
    count
}

/// Applies SUCCESS to `order_id` with [`insert_effect`] in the
/// transaction.
async fn apply_success<D: Dialect>(
    processor: &Processor<SqlStore<D>>,
    order_id: &str,
    reference: Option<&str>,
) -> Processed
where
    for<'e> &'e mut D::Connection: sqlx::Executor<'e, Database = D>,
    for<'q> <D as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, D>,
    for<'q> String: sqlx::Encode<'q, D> + sqlx::Type<D>,
{
    processor
        .apply_in_transaction(
            order_id,
            reference,
            &OrderStatus::Success,
            insert_effect::<D>,
        )
        .await
        .unwrap()
}

/// Creates the `effects` table on `pool`.
async fn create_effects<D: sqlx::Database>(pool: &sqlx::Pool<D>)
where
    for<'c> &'c sqlx::Pool<D>: sqlx::Executor<'c, Database = D>,
{
    sqlx::raw_sql("CREATE TABLE effects (order_id TEXT NOT NULL)")
        .execute(pool)
        .await
        .unwrap();
}

/// The rules both databases keep.
async fn rules<D: Dialect>(processor: Processor<SqlStore<D>>)
where
    for<'e> &'e mut D::Connection: sqlx::Executor<'e, Database = D>,
    for<'c> &'c sqlx::Pool<D>: sqlx::Executor<'c, Database = D>,
    for<'q> <D as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, D>,
    for<'q> String: sqlx::Encode<'q, D> + sqlx::Type<D>,
    for<'r> (i64,): sqlx::FromRow<'r, D::Row>,
{
    let pool = processor.store().pool().clone();
    create_effects(&pool).await;

    // A failing effect: its row rolled back, the change not recorded.
    let failed = processor
        .apply_in_transaction(
            "order-1",
            Some("ref-1"),
            &OrderStatus::Success,
            |connection, change| {
                Box::pin(async move {
                    insert_effect::<D>(connection, change).await.unwrap();
                    Err::<(), _>(std::io::Error::other("the warehouse is down"))
                })
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(failed, ProcessError::Effect(_)) && failed.http_status() == 503);
    assert_eq!(effects(&pool, "order-1").await, 0);
    assert_eq!(processor.state_of("order-1").await.unwrap(), None);
    // The next delivery applies it, once.
    for expected in [true, false] {
        let processed = apply_success(&processor, "order-1", Some("ref-1")).await;
        assert_eq!(
            matches!(processed, Processed::Applied(_)),
            expected,
            "{processed:?}"
        );
    }
    assert_eq!(effects(&pool, "order-1").await, 1);

    // Abandoned mid-effect (a crash, in-process): nothing left behind, and
    // the next apply goes ahead at once (no lease to wait for).
    let (started, ran) = tokio::sync::oneshot::channel();
    let abandoned = processor.apply_in_transaction(
        "order-2",
        Some("ref-2"),
        &OrderStatus::Success,
        |connection, change| {
            Box::pin(async move {
                insert_effect::<D>(connection, change).await?;
                let _ = started.send(());
                std::future::pending::<()>().await;
                Ok::<(), sqlx::Error>(())
            })
        },
    );
    tokio::select! {
        _ = abandoned => panic!("the effect never ends"),
        _ = ran => {} // the effect's row is written, uncommitted: drop it all
    }
    assert_eq!(effects(&pool, "order-2").await, 0);
    assert_eq!(processor.state_of("order-2").await.unwrap(), None);
    let processed = apply_success(&processor, "order-2", Some("ref-2")).await;
    assert!(matches!(processed, Processed::Applied(_)));
    assert_eq!(effects(&pool, "order-2").await, 1);

    // A change held under a lease by the effect-anywhere path waits.
    let (holding, held) = tokio::sync::oneshot::channel();
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let processor = Arc::new(processor);
    let claimer = Arc::clone(&processor);
    let claim = tokio::spawn(async move {
        claimer
            .apply(
                "order-3",
                Some("ref-3"),
                &OrderStatus::Success,
                |_| async move {
                    let _ = holding.send(());
                    let _ = released.await;
                    Ok::<(), std::io::Error>(())
                },
            )
            .await
            .unwrap()
    });
    held.await.unwrap();
    let processed = apply_success(&processor, "order-3", Some("ref-3")).await;
    assert!(
        matches!(processed, Processed::InProgress { .. }),
        "{processed:?}"
    );
    release.send(()).unwrap();
    assert!(matches!(claim.await.unwrap(), Processed::Applied(_)));
    assert_eq!(effects(&pool, "order-3").await, 0);
}

/// Many deliveries of one change at once, on two processors over two
/// pools of one database: one effect row.
async fn concurrent<D: Dialect>(processors: [Arc<Processor<SqlStore<D>>>; 2])
where
    for<'e> &'e mut D::Connection: sqlx::Executor<'e, Database = D>,
    for<'c> &'c sqlx::Pool<D>: sqlx::Executor<'c, Database = D>,
    for<'q> <D as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, D>,
    for<'q> String: sqlx::Encode<'q, D> + sqlx::Type<D>,
    for<'r> (i64,): sqlx::FromRow<'r, D::Row>,
{
    for order in 0..5 {
        let order_id = format!("concurrent-{order}");
        let tasks = (0..8).map(|n| {
            let processor = Arc::clone(&processors[n % 2]);
            let order_id = order_id.clone();
            tokio::spawn(async move { apply_success(&processor, &order_id, None).await })
        });
        let outcomes: Vec<Processed> = futures_util::future::join_all(tasks)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let applied = outcomes
            .iter()
            .filter(|o| matches!(o, Processed::Applied(_)))
            .count();
        assert_eq!(applied, 1, "{outcomes:?}");
        assert_eq!(effects(processors[0].store().pool(), &order_id).await, 1);
    }
}

fn sqlite_path(name: &str) -> std::path::PathBuf {
    support::sqlite_path(&format!("transactional-{name}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_effects_commit_with_their_change_or_not_at_all() {
    rules(Processor::new(
        client(),
        SqliteStore::open_in_memory().await.unwrap(),
    ))
    .await;
    let path = sqlite_path("rules");
    rules(Processor::new(
        client(),
        SqliteStore::open(&path).await.unwrap(),
    ))
    .await;
    let path = sqlite_path("concurrent");
    let first = SqliteStore::open(&path).await.unwrap();
    create_effects(first.pool()).await;
    let second = SqliteStore::open(&path).await.unwrap();
    concurrent([
        Arc::new(Processor::new(client(), first)),
        Arc::new(Processor::new(client(), second)),
    ])
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: AURPAY_TEST_POSTGRES=$(bash .ci/postgres.sh start | tail -n 1)"]
async fn postgres_effects_commit_with_their_change_or_not_at_all() {
    use aurpay_api::processor::PostgresStore;
    let database = support::postgres::fresh_database("transactional").await;
    rules(Processor::new(
        client(),
        PostgresStore::connect(&database).await.unwrap(),
    ))
    .await;
    let first = Arc::new(Processor::new(
        client(),
        PostgresStore::connect(&database).await.unwrap(),
    ));
    let second = Arc::new(Processor::new(
        client(),
        PostgresStore::connect(&database).await.unwrap(),
    ));
    sqlx::raw_sql("DELETE FROM effects")
        .execute(first.store().pool())
        .await
        .unwrap();
    concurrent([Arc::clone(&first), Arc::clone(&second)]).await;

    // Another writer records the change while this effect runs: this
    // effect is rolled back with its transaction, the other's stands.
    let other = Arc::clone(&second);
    let processed = first
        .apply_in_transaction(
            "overlap",
            None,
            &OrderStatus::Success,
            move |connection, change| {
                Box::pin(async move {
                    insert_effect::<sqlx::Postgres>(connection, change).await?;
                    let theirs = other
                        .apply_in_transaction(
                            "overlap",
                            None,
                            &OrderStatus::Success,
                            insert_effect::<sqlx::Postgres>,
                        )
                        .await
                        .unwrap();
                    assert!(matches!(theirs, Processed::Applied(_)), "{theirs:?}");
                    Ok::<(), sqlx::Error>(())
                })
            },
        )
        .await
        .unwrap();
    assert!(
        matches!(processed, Processed::InProgress { .. }),
        "{processed:?}"
    );
    assert_eq!(effects(first.store().pool(), "overlap").await, 1);
}
