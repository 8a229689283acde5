//! The [`Store`]: the bot's database, on SQLite or PostgreSQL, behind the contract
//! ([`Storage`]), picked by the scheme of `DATABASE_URL`.

use std::path::Path;
use std::sync::Arc;

use super::contract::{DatabaseKind, Storage};
use super::error::{StorageError, StorageResult};
use super::{postgres, sqlite};

/// The bot's database: every call of the contract ([`Storage`]) on the engine that
/// `DATABASE_URL` names. Cheap to clone (one shared handle).
#[derive(Clone)]
pub struct Store {
    engine: Arc<dyn Storage>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("kind", &self.kind()).finish()
    }
}

impl std::ops::Deref for Store {
    type Target = dyn Storage;

    fn deref(&self) -> &Self::Target {
        &*self.engine
    }
}

impl Store {
    /// The schema version this build migrates a `kind` database to: its latest
    /// migration's number (`migrations/sqlite`, `migrations/postgres`).
    pub fn schema_version(kind: DatabaseKind) -> i64 {
        match kind {
            DatabaseKind::Sqlite => sqlite::schema_version(),
            DatabaseKind::Postgres => postgres::schema_version(),
        }
    }

    /// Opens the database at `url` (`sqlite://PATH`, created if missing, or
    /// `postgres://…`) and applies its backend's migrations.
    pub async fn open(url: &str) -> StorageResult<Self> {
        let engine: Arc<dyn Storage> = match Self::kind_of(url)? {
            DatabaseKind::Sqlite => Arc::new(sqlite::Backend::open(url).await?),
            DatabaseKind::Postgres => Arc::new(postgres::Backend::open(url).await?),
        };
        Ok(Self { engine })
    }

    /// The kind of database `url` names, or why it names none (checked before
    /// anything else at start: a wrong scheme is a setting to fix).
    pub fn kind_of(url: &str) -> StorageResult<DatabaseKind> {
        DatabaseKind::of_url(url).ok_or_else(|| {
            StorageError::InvalidUrl(
                "expected sqlite://PATH or postgres://USER@HOST/DATABASE".into(),
            )
        })
    }

    /// Opens a SQLite database file by path (tests and tools).
    pub async fn open_path(path: &Path) -> StorageResult<Self> {
        Self::open(&format!("sqlite://{}", path.display())).await
    }
}
