//! Loading the bundled demo datasets on first start, through the same pipeline as any load.

use deadpool_postgres::Pool;
use rummet_core::DatasetId;
use rummet_loaders::catalog;
use rummet_loaders::pipeline::{self, LoadReport};
use rummet_loaders::read::Input;

use crate::db::registry;

/// Loads every demo dataset not loaded yet; returns what was loaded.
///
/// # Errors
/// When a load fails (the message names the dataset) or the database cannot be reached.
pub async fn load_missing(pool: &Pool) -> anyhow::Result<Vec<LoadReport>> {
    let mut client = pool.get().await?;
    let mut reports = Vec::new();
    for (id, bytes) in rummet_loaders::demo::DATASETS {
        let id = DatasetId::parse(id)?;
        if registry::get(&**client, &id).await?.is_some() {
            continue;
        }
        let entry = catalog::get(&id)
            .ok_or_else(|| anyhow::anyhow!("demo dataset {id} is not in the catalog"))?;
        let input = Input::Bytes {
            name: format!("demo:{}", entry.source.file),
            data: bytes::Bytes::from_static(bytes),
        };
        let report = pipeline::load(&mut client, entry, &input, pipeline::LoadOptions::default())
            .await
            .map_err(|e| anyhow::anyhow!("loading demo dataset {id}: {e}"))?;
        tracing::info!(
            dataset = %id,
            features = report.rows_loaded,
            repaired = report.rows_repaired,
            "demo dataset loaded"
        );
        reports.push(report);
    }
    Ok(reports)
}

/// Pre-renders the kept zooms of the datasets just loaded, one tile at a time so requests
/// served meanwhile keep the rest of the machine; a tile asked for first is rendered by its
/// request as usual.
pub async fn seed_in_background(pool: Pool, loaded: Vec<DatasetId>) {
    let seeder = crate::tiles::Seeder::new(pool.clone(), 1);
    for id in loaded {
        let ds = match pool.get().await {
            Ok(client) => registry::get(&**client, &id).await,
            Err(e) => {
                tracing::warn!(dataset = %id, "not pre-rendering tiles: {e}");
                return;
            }
        };
        let Ok(Some(ds)) = ds else { continue };
        let ds = std::sync::Arc::new(ds);
        match seeder.seed(&ds, 0..=ds.l2_maxzoom, &|_, _| {}).await {
            Ok(r) => tracing::info!(
                dataset = %id,
                rendered = r.rendered,
                largest_bytes = r.largest,
                "demo tiles pre-rendered"
            ),
            Err(e) => tracing::warn!(dataset = %id, "pre-rendering stopped: {e}"),
        }
    }
}
