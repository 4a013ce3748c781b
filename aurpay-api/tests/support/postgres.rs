//! The PostgreSQL server the processor's tests use: its settings from
//! `AURPAY_TEST_POSTGRES` (libpq `key=value` form, as `.ci/postgres.sh`
//! prints them), and a fresh database per test.

/// The settings, or `None` (with the reason printed) when no server is
/// configured on a developer's machine. In CI a missing server fails the
/// test.
pub fn settings(test: &str) -> Option<String> {
    match std::env::var("AURPAY_TEST_POSTGRES") {
        Ok(settings) if !settings.trim().is_empty() => Some(settings),
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!(
                "{test}: AURPAY_TEST_POSTGRES is required in CI (.ci/postgres.sh starts a server)"
            )
        }
        _ => {
            eprintln!(
                "skipped {test}: no PostgreSQL (set AURPAY_TEST_POSTGRES, e.g. from `bash .ci/postgres.sh start`)"
            );
            None
        }
    }
}

/// A fresh, empty database for one test (this process); its settings.
pub async fn fresh_database(settings: &str, name: &str) -> String {
    let (client, connection) = tokio_postgres::connect(settings, tokio_postgres::NoTls)
        .await
        .expect("connect to the test server");
    tokio::spawn(connection);
    let database = format!("aurpay_{name}_{}", std::process::id());
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {database}"))
        .await
        .unwrap();
    client
        .batch_execute(&format!("CREATE DATABASE {database}"))
        .await
        .unwrap();
    format!("{settings} dbname={database}")
}
