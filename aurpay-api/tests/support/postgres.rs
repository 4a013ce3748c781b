//! The PostgreSQL server the tests marked `#[ignore = "needs PostgreSQL..."]`
//! use: `AURPAY_TEST_POSTGRES`, a `postgres://` URL as `.ci/postgres.sh
//! start` prints it, and a fresh database per test. A test that needs it
//! fails (never passes quietly) when it is not set.

/// What to write in `#[ignore = ...]` for a test that needs PostgreSQL.
pub const NEEDS: &str =
    "needs PostgreSQL: AURPAY_TEST_POSTGRES=$(bash .ci/postgres.sh start | tail -n 1)";

/// The server's URL; panics, naming what to do, when it is not set.
pub fn server_url() -> String {
    match std::env::var("AURPAY_TEST_POSTGRES") {
        Ok(url) if !url.trim().is_empty() => url.trim().to_owned(),
        _ => panic!("{NEEDS}"),
    }
}

/// A fresh, empty database for one test (this process): its URL.
pub async fn fresh_database(name: &str) -> String {
    let url = server_url();
    let pool = sqlx::PgPool::connect(&url)
        .await
        .expect("connect to the test server");
    let database = format!("aurpay_{name}_{}", std::process::id());
    sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {database}"))
        .execute(&pool)
        .await
        .unwrap();
    sqlx::raw_sql(&format!("CREATE DATABASE {database}"))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    match url.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{database}"),
        None => panic!("AURPAY_TEST_POSTGRES is not a postgres:// URL: {url}"),
    }
}
