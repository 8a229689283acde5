//! The database a test runs on: a SQLite file in a temporary folder (the default), or
//! a fresh PostgreSQL database of its own when `QOTD_TEST_DATABASE=postgres`, on the
//! server `QOTD_TEST_POSTGRES_URL` names (`scripts/test.sh` starts a throwaway one).

// Each test crate uses part of this (`tests/storage.rs` includes it alone).
#![allow(dead_code)]

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use qotd::storage::Store;
use sqlx::Connection as _;

/// Whether this run's database tests run on PostgreSQL.
pub fn on_postgres() -> bool {
    match std::env::var("QOTD_TEST_DATABASE").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Err(_) => false,
        Ok(other) => panic!("QOTD_TEST_DATABASE is `sqlite` or `postgres`, not `{other}`"),
    }
}

/// `DATABASE_URL` of a new, empty PostgreSQL database on the test server. Fails (never
/// skips) when there is no server: a PostgreSQL run must test PostgreSQL.
pub async fn fresh_postgres() -> String {
    let server = std::env::var("QOTD_TEST_POSTGRES_URL").expect(
        "tests on PostgreSQL need QOTD_TEST_POSTGRES_URL=postgres://USER@HOST:PORT/DB \
         (scripts/test.sh starts a throwaway server)",
    );
    fresh_database_on(&server).await
}

/// A new, empty PostgreSQL database whichever backend the run is on (for tests of
/// PostgreSQL itself, such as `migrate-db`): the server is still required.
pub async fn fresh_postgres_for_any_run() -> String {
    fresh_postgres().await
}

/// `DATABASE_URL` of a new, empty database on the server `server` names.
pub async fn fresh_database_on(server: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "qotd_t{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst),
        rand::random::<u32>()
    );
    let mut admin = sqlx::PgConnection::connect(server)
        .await
        .unwrap_or_else(|error| panic!("cannot reach the test PostgreSQL server: {error}"));
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.unwrap();
    with_database(server, &name)
}

/// A PostgreSQL server of the test's own, to stop and start without disturbing other
/// tests (`scripts/pg-server.sh`, which needs PostgreSQL's server binaries installed).
/// Removed when dropped.
pub struct OwnServer {
    dir: tempfile::TempDir,
    /// The server's `postgres` database.
    pub url: String,
}

impl OwnServer {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let output = Self::script("start", dir.path());
        let url = String::from_utf8(output).unwrap().trim().to_owned();
        Self { dir, url }
    }

    /// Stops the server the way a crash or a power cut does (`pg_ctl -m immediate`).
    pub fn halt(&self) {
        Self::script("halt", self.dir.path());
    }

    /// Starts it again on its data and port.
    pub fn resume(&self) {
        Self::script("resume", self.dir.path());
    }

    fn script(command: &str, dir: &Path) -> Vec<u8> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pg-server.sh");
        let output = std::process::Command::new(script)
            .arg(command)
            .arg(dir)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "pg-server.sh {command}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output.stdout
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        let _ = std::process::Command::new(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pg-server.sh"),
        )
        .arg("stop")
        .arg(self.dir.path())
        .output();
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    format!("{server}/{name}{query}")
}

/// `DATABASE_URL` for this run's backend: a fresh PostgreSQL database, or the SQLite
/// file `qotd.db` in `dir`.
pub async fn url_in(dir: &Path) -> String {
    if on_postgres() {
        fresh_postgres().await
    } else {
        sqlite_url(dir)
    }
}

pub fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("qotd.db").display())
}

/// A test's own database, with its folder (kept until the test ends).
pub struct TestDb {
    pub store: Store,
    pub url: String,
    pub dir: tempfile::TempDir,
}

impl TestDb {
    /// A new database on this run's backend.
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = url_in(dir.path()).await;
        Self::open(url, dir).await
    }

    /// A new SQLite database, whatever the run's backend (SQLite's own behaviour).
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = sqlite_url(dir.path());
        Self::open(url, dir).await
    }

    async fn open(url: String, dir: tempfile::TempDir) -> Self {
        let store = Store::open(&url).await.unwrap();
        Self { store, url, dir }
    }

    pub async fn reopen(&self) -> Store {
        Store::open(&self.url).await.unwrap()
    }
}

/// Runs `$body` with `$pool` bound to the store's connection pool, whichever backend
/// it is on (the body is compiled once per backend): for a test's own SQL. Write
/// placeholders as `$1`, `$2`, … and booleans as TRUE/FALSE, which both accept.
#[macro_export]
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match $store.pool() {
            qotd::storage::Pool::Sqlite($pool) => $body,
            qotd::storage::Pool::Postgres($pool) => $body,
        }
    };
}

#[test]
fn a_server_url_gets_the_test_database_name() {
    assert_eq!(
        with_database("postgres://u@h:5432/postgres", "t1"),
        "postgres://u@h:5432/t1"
    );
    assert_eq!(
        with_database("postgres://u@h:5432?sslmode=disable", "t1"),
        "postgres://u@h:5432/t1?sslmode=disable"
    );
}
