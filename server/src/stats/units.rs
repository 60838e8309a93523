//! `GET /api/divisions/{division}`: the units of a division, for a map to list, search and
//! frame: code, name, area, box, a point inside and the neighbours across each border. Light
//! enough for a page to fetch whole (no geometry), cached by the division's version.

use serde_json::{Value, json};

use super::answer::Rendered;
use super::{StatsError, StatsService, request};
use crate::access::Principal;
use crate::db::replicas::on_primary;
use crate::db::{Guarded, QueryError};

const UNITS_SQL: &str = include_str!("units.sql");

impl StatsService {
    /// The units of `division`.
    ///
    /// # Errors
    /// [`StatsError::UnknownDivision`] for a dataset that is no loaded division; a database
    /// error.
    pub async fn units(
        &self,
        division: &str,
        viewer: Option<&Principal>,
    ) -> Result<Rendered, StatsError> {
        let division = request::division(self.seen(viewer), division)?;
        let key = format!("units\u{1f}{}\u{1f}{}", division.id, division.version);
        if let Some(hit) = self.cache.get(&key).await {
            return Ok(hit);
        }
        let rows = match units_rows(&self.read(&[&division]), &division).await {
            // A replica's replay cancelled it: the primary answers.
            Err(StatsError::Query(QueryError::RecoveryConflict(_))) => {
                on_primary(units_rows(&self.pool, &division)).await?
            }
            other => other?,
        };
        let units: Vec<Value> = rows
            .iter()
            .map(|r| {
                json!({
                    "code": r.get::<_, String>(0),
                    "name": r.get::<_, String>(1),
                    "area_m2": r.get::<_, f64>(2),
                    "bbox": r.get::<_, Vec<f64>>(3),
                    "point": r.get::<_, Vec<f64>>(4),
                    "neighbours": r.get::<_, Vec<String>>(5),
                })
            })
            .collect();
        let body = json!({
            "division": division.id.as_str(),
            "title": division.title,
            "version": division.version,
            "licence": division.licence,
            "attribution": division.attribution,
            "units": units,
        });
        let rendered = Rendered {
            body: serde_json::to_vec(&body).unwrap_or_default().into(),
            content_type: "application/json",
        };
        self.cache.insert(key, rendered.clone()).await;
        Ok(rendered)
    }
}

/// The rows of `UNITS_SQL` for `division`, asked on `pool`.
async fn units_rows(
    pool: &deadpool_postgres::Pool,
    division: &crate::datasets::Dataset,
) -> Result<Vec<tokio_postgres::Row>, StatsError> {
    let client = Guarded::new(pool.get().await?);
    let rows = client.query(UNITS_SQL, &[&division.id.as_str()]).await?;
    client.release();
    Ok(rows)
}
