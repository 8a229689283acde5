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
    /// Opens the database at `url` (`sqlite://PATH`, created if missing, or
    /// `postgres://…`) and applies its backend's migrations.
    pub async fn open(url: &str) -> StorageResult<Self> {
        let engine: Arc<dyn Storage> = match DatabaseKind::of_url(url) {
            Some(DatabaseKind::Sqlite) => Arc::new(sqlite::Backend::open(url).await?),
            Some(DatabaseKind::Postgres) => Arc::new(postgres::Backend::open(url).await?),
            None => {
                return Err(StorageError::InvalidUrl(
                    "expected sqlite://PATH or postgres://USER@HOST/DATABASE".into(),
                ));
            }
        };
        Ok(Self { engine })
    }

    /// Opens a SQLite database file by path (tests and tools).
    pub async fn open_path(path: &Path) -> StorageResult<Self> {
        Self::open(&format!("sqlite://{}", path.display())).await
    }
}
