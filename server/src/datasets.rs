//! The server's view of the registry: the serving version of every loaded dataset, kept in
//! memory so a tile request needs no registry query, and refreshed when a load `NOTIFY`s.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use deadpool_postgres::Pool;
use rummet_core::DatasetId;

use crate::access::Principal;
use crate::db::{QueryError, registry};

pub use crate::db::registry::Dataset;

/// The box `[west, south, east, north]` holding the bounds of every one of `layers`.
#[must_use]
pub fn union_bounds(layers: &[Arc<Dataset>]) -> [f64; 4] {
    layers
        .iter()
        .filter(|d| d.bounds.len() == 4)
        .fold([180.0f64, 90.0, -180.0, -90.0], |b, d| {
            [
                b[0].min(d.bounds[0]),
                b[1].min(d.bounds[1]),
                b[2].max(d.bounds[2]),
                b[3].max(d.bounds[3]),
            ]
        })
}

/// Loaded datasets by id, shared by every request.
#[derive(Debug, Default)]
pub struct Datasets {
    by_id: RwLock<BTreeMap<DatasetId, Arc<Dataset>>>,
}

impl Datasets {
    /// The serving version of `id`, if loaded and `viewer` (a key's holder, or nobody) may
    /// see it: every read path asks this, before any cache, so a dataset one may not see is
    /// answered exactly as one that does not exist.
    #[must_use]
    pub fn get(&self, id: &DatasetId, viewer: Option<&Principal>) -> Option<Arc<Dataset>> {
        self.get_any(id).filter(|d| d.visible_to(viewer))
    }

    /// Every loaded dataset `viewer` may see, by id.
    #[must_use]
    pub fn all(&self, viewer: Option<&Principal>) -> Vec<Arc<Dataset>> {
        self.read()
            .values()
            .filter(|d| d.visible_to(viewer))
            .cloned()
            .collect()
    }

    /// The serving version of `id` whoever may see it: for the server's own work (cache
    /// invalidation, seeding, health), never to answer a request.
    #[must_use]
    pub fn get_any(&self, id: &DatasetId) -> Option<Arc<Dataset>> {
        self.read().get(id).cloned()
    }

    /// Every loaded dataset whoever may see it: for the server's own work (metrics), never
    /// to answer a request.
    #[must_use]
    pub fn all_any(&self) -> Vec<Arc<Dataset>> {
        self.read().values().cloned().collect()
    }

    /// How many datasets are loaded.
    #[must_use]
    pub fn count(&self) -> usize {
        self.read().len()
    }

    /// Re-reads the whole registry.
    ///
    /// # Errors
    /// When the database cannot be queried; the previous view is kept.
    pub async fn reload_all(&self, pool: &Pool) -> Result<(), QueryError> {
        let client = pool.get().await?;
        let list = registry::list(&**client).await?;
        let map = list
            .into_iter()
            .map(|d| (d.id.clone(), Arc::new(d)))
            .collect();
        *self.write() = map;
        Ok(())
    }

    /// Re-reads one dataset; returns its new view (`None` if it is no longer loaded).
    ///
    /// # Errors
    /// When the database cannot be queried; the previous view is kept.
    pub async fn reload(
        &self,
        pool: &Pool,
        id: &DatasetId,
    ) -> Result<Option<Arc<Dataset>>, QueryError> {
        let client = pool.get().await?;
        let fresh = registry::get(&**client, id).await?.map(Arc::new);
        let mut map = self.write();
        match &fresh {
            Some(d) => map.insert(id.clone(), d.clone()),
            None => map.remove(id),
        };
        Ok(fresh)
    }

    // A poisoned lock only means a panic elsewhere mid-update of a map that is always
    // replaced whole; the data is still consistent, so keep serving it.
    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<DatasetId, Arc<Dataset>>> {
        self.by_id
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<DatasetId, Arc<Dataset>>> {
        self.by_id
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
