//! Schema migrations, embedded in the binary and applied in order at start, under an advisory
//! lock so several servers starting at once apply each migration exactly once.

use tokio_postgres::Client;

use super::ClusterError;

struct Migration {
    version: i32,
    name: &'static str,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_registry.sql",
        sql: include_str!("migrations/0001_registry.sql"),
    },
    Migration {
        version: 2,
        name: "0002_rows_filtered.sql",
        sql: include_str!("migrations/0002_rows_filtered.sql"),
    },
    Migration {
        version: 3,
        name: "0003_feature_minzoom.sql",
        sql: include_str!("migrations/0003_feature_minzoom.sql"),
    },
    Migration {
        version: 4,
        name: "0004_prerendered_tiles.sql",
        sql: include_str!("migrations/0004_prerendered_tiles.sql"),
    },
    Migration {
        version: 5,
        name: "0005_statistics.sql",
        sql: include_str!("migrations/0005_statistics.sql"),
    },
    Migration {
        version: 6,
        name: "0006_overlay_attributes.sql",
        sql: include_str!("migrations/0006_overlay_attributes.sql"),
    },
    Migration {
        version: 7,
        name: "0007_zoom_bands.sql",
        sql: include_str!("migrations/0007_zoom_bands.sql"),
    },
    Migration {
        version: 8,
        name: "0008_overlay_cover.sql",
        sql: include_str!("migrations/0008_overlay_cover.sql"),
    },
    Migration {
        version: 9,
        name: "0009_overlay_groups.sql",
        sql: include_str!("migrations/0009_overlay_groups.sql"),
    },
    Migration {
        version: 10,
        name: "0010_source_geometry.sql",
        sql: include_str!("migrations/0010_source_geometry.sql"),
    },
    Migration {
        version: 11,
        name: "0011_tile_matrix_sets.sql",
        sql: include_str!("migrations/0011_tile_matrix_sets.sql"),
    },
    Migration {
        version: 12,
        name: "0012_load_warnings.sql",
        sql: include_str!("migrations/0012_load_warnings.sql"),
    },
    Migration {
        version: 13,
        name: "0013_dataset_parts.sql",
        sql: include_str!("migrations/0013_dataset_parts.sql"),
    },
    Migration {
        version: 14,
        name: "0014_access.sql",
        sql: include_str!("migrations/0014_access.sql"),
    },
    Migration {
        version: 15,
        name: "0015_visibility.sql",
        sql: include_str!("migrations/0015_visibility.sql"),
    },
    Migration {
        version: 16,
        name: "0016_map_views.sql",
        sql: include_str!("migrations/0016_map_views.sql"),
    },
    Migration {
        version: 17,
        name: "0017_publishing.sql",
        sql: include_str!("migrations/0017_publishing.sql"),
    },
    Migration {
        version: 18,
        name: "0018_population_access.sql",
        sql: include_str!("migrations/0018_population_access.sql"),
    },
];

/// Creates PostGIS if needed and applies every migration not applied yet.
///
/// # Errors
/// [`ClusterError::PostgisUnavailable`] when the server lacks PostGIS, or the failing
/// migration's name with the database error; a failed migration is rolled back whole.
pub async fn migrate(client: &mut Client) -> Result<(), ClusterError> {
    client
        .batch_execute("CREATE EXTENSION IF NOT EXISTS postgis")
        .await
        .map_err(|e| {
            ClusterError::PostgisUnavailable(
                e.as_db_error()
                    .map_or_else(|| e.to_string(), |d| d.message().to_owned()),
            )
        })?;
    let tx = client.transaction().await?;
    tx.batch_execute(
        "SELECT pg_advisory_xact_lock(hashtext('rummet.migrate'));
         CREATE SCHEMA IF NOT EXISTS rummet;
         CREATE TABLE IF NOT EXISTS rummet.migrations (
             version integer PRIMARY KEY,
             name text NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now());",
    )
    .await?;
    let applied: Vec<i32> = tx
        .query("SELECT version FROM rummet.migrations", &[])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
        tx.batch_execute(m.sql)
            .await
            .map_err(|source| ClusterError::Migration {
                name: m.name,
                source,
            })?;
        tx.execute(
            "INSERT INTO rummet.migrations (version, name) VALUES ($1, $2)",
            &[&m.version, &m.name],
        )
        .await?;
        tracing::info!(migration = m.name, "applied");
    }
    tx.commit().await?;
    Ok(())
}

/// Drops tables in the data schema that no registry row or kept version points at. Loads are transactional,
/// so none is left by a failed load; this covers tables left by hand or by an older version,
/// at every start. A load in progress elsewhere is invisible here (its table is uncommitted).
///
/// # Errors
/// When the database fails.
pub async fn drop_orphans(client: &tokio_postgres::Client) -> Result<u64, ClusterError> {
    let orphans: Vec<String> = client
        .query(
            "SELECT tablename FROM pg_tables WHERE schemaname = $1
             AND tablename NOT IN (SELECT table_name FROM rummet.datasets
                                   UNION ALL SELECT table_name FROM rummet.dataset_versions
                                   UNION ALL SELECT table_name FROM rummet.overlays)",
            &[&rummet_core::DATA_SCHEMA],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for table in &orphans {
        let sql = format!(
            "DROP TABLE IF EXISTS {}.{}",
            rummet_core::escape_identifier(rummet_core::DATA_SCHEMA),
            rummet_core::escape_identifier(table)
        );
        client.batch_execute(&sql).await?;
        tracing::warn!(table, "dropped a table no dataset version uses");
    }
    // L2 tiles of versions no longer serving: a load deletes its predecessor's, so these are
    // only left by hand or by a server older than L2.
    let stale = client
        .execute(
            "DELETE FROM rummet.tiles t WHERE NOT EXISTS (SELECT 1 FROM rummet.datasets d
               WHERE d.id = t.dataset AND d.version = t.version)",
            &[],
        )
        .await?;
    if stale > 0 {
        tracing::warn!(
            tiles = stale,
            "dropped pre-rendered tiles of replaced versions"
        );
    }
    Ok(orphans.len() as u64)
}
