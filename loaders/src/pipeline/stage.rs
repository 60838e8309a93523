//! Staging: features streamed from the reader into a temporary table with `COPY … BINARY`,
//! then checked as a whole.

use std::pin::pin;

use postgres_types::{ToSql, Type};
use rummet_core::escape_identifier;
use tokio::sync::mpsc;
use tokio_postgres::Transaction;
use tokio_postgres::binary_copy::BinaryCopyInWriter;

use super::cell::{Cell, Coded, copy_type, decode};
use crate::catalog::{CatalogEntry, GeometryKind};
use crate::read::{Feature, FeatureReader, Value};
use crate::{LoadError, Result};

/// Features in flight between the reader thread and the COPY stream: the only buffer, so it
/// bounds the loader's memory whatever the file size.
const CHANNEL_DEPTH: usize = 1024;
const PROGRESS_EVERY: u64 = 10_000;

/// What staging read: how many features, and the warnings of the reader (optional fields the
/// file lacks) and of the conversion (values outside a code list).
pub(super) struct Staged {
    pub rows: u64,
    pub warnings: Vec<String>,
}

/// Values of one field outside its code list: how many, and the first few distinct ones.
#[derive(Default)]
struct Unknown {
    count: u64,
    examples: Vec<String>,
}

/// Streams every feature of `reader` into `pg_temp.rummet_staging`.
pub(super) async fn copy_features(
    tx: &Transaction<'_>,
    entry: &CatalogEntry,
    reader: Box<dyn FeatureReader>,
    (input, fid_base): (&str, i64),
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Staged> {
    let columns: Vec<String> = entry
        .fields
        .iter()
        .map(|f| format!("{} {}", escape_identifier(&f.column), f.kind.sql_type()))
        .collect();
    let create = format!(
        "CREATE TEMP TABLE rummet_staging (fid bigint, {}, wkb bytea) ON COMMIT DROP",
        columns.join(", ")
    );
    tx.batch_execute(&create)
        .await
        .map_err(LoadError::db("creating the staging table"))?;
    let sink = tx
        .copy_in("COPY pg_temp.rummet_staging FROM STDIN (FORMAT binary)")
        .await
        .map_err(LoadError::db("starting COPY"))?;
    let types: Vec<Type> = std::iter::once(Type::INT8)
        .chain(entry.fields.iter().map(|f| copy_type(f.kind)))
        .chain(std::iter::once(Type::BYTEA))
        .collect();
    let mut writer = pin!(BinaryCopyInWriter::new(sink, &types));

    let notes = reader.notes();
    let (sender, mut features) = mpsc::channel::<Result<Feature>>(CHANNEL_DEPTH);
    // The reader is blocking I/O and decompression; it runs on its own thread and stops when
    // the receiver is dropped (an error below), so nothing outlives a failed load.
    let reading = tokio::task::spawn_blocking(move || {
        reader.read_all(&mut |feature| sender.blocking_send(feature).is_ok());
    });

    let mut count = 0u64;
    let mut row: Vec<Cell> = Vec::with_capacity(types.len());
    let mut unknown: Vec<Unknown> = entry.fields.iter().map(|_| Unknown::default()).collect();
    while let Some(feature) = features.recv().await {
        let feature = feature?;
        row.clear();
        // A part's features get ids in the part's range (see `parts`).
        row.push(Cell::Integer(Some(
            fid_base + i64::try_from(feature.number).unwrap_or(i64::MAX - fid_base),
        )));
        for ((value, field), unknown) in feature
            .values
            .into_iter()
            .zip(&entry.fields)
            .zip(&mut unknown)
        {
            let value_err = |message| LoadError::Value {
                input: input.to_owned(),
                feature: feature.number,
                field: field.source.clone(),
                message,
            };
            let (value, coded) = decode(value, field).map_err(value_err)?;
            if coded == Coded::Unknown {
                unknown.count += 1;
                if let (Value::Text(t), true) = (&value, unknown.examples.len() < 5)
                    && !unknown.examples.contains(t)
                {
                    unknown.examples.push(t.clone());
                }
            }
            row.push(Cell::convert(value, field.kind).map_err(value_err)?);
        }
        row.push(Cell::Bytes(feature.wkb));
        let refs: Vec<&(dyn ToSql + Sync)> = row.iter().map(|c| c as &(dyn ToSql + Sync)).collect();
        writer
            .as_mut()
            .write(&refs)
            .await
            .map_err(LoadError::db("copying features"))?;
        count += 1;
        if count.is_multiple_of(PROGRESS_EVERY) {
            progress(count);
        }
    }
    // A reader that panicked dropped its sender like one that finished: without this check
    // a corrupt file would load as its first features, silently.
    reading.await.map_err(|e| LoadError::Rejected {
        input: input.to_owned(),
        message: format!("the reader failed after feature {count}: {e}"),
    })?;
    writer
        .finish()
        .await
        .map_err(LoadError::db("finishing COPY"))?;
    progress(count);
    let mut warnings = notes.take();
    for (field, u) in entry
        .fields
        .iter()
        .zip(unknown)
        .filter(|(_, u)| u.count > 0)
    {
        warnings.push(format!(
            "{input}: field {:?}: {} features hold values outside the catalog's code list ({}), stored as published",
            field.source,
            u.count,
            u.examples.iter().map(|e| format!("{e:?}")).collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(Staged {
        rows: count,
        warnings,
    })
}

/// What the staged features look like as a whole.
#[derive(Debug)]
pub(super) struct Checked {
    pub empty: u64,
    pub invalid: u64,
    pub invalid_fids: Vec<i64>,
    pub wrong_type_fid: Option<i64>,
    pub wrong_type: Option<String>,
    /// Extent in WGS 84; `None` when no feature has a geometry.
    pub bounds: Option<[f64; 4]>,
    /// Features whose geometry carries Z or M, stored in 2D.
    pub flattened: u64,
    /// The ordinates dropped: `Z`, `M` or `ZM`; `None` when every feature is 2D.
    pub dropped: Option<&'static str>,
}

impl Checked {
    /// The same, with feature ids turned back into the file's feature numbers (a part's ids
    /// are offset by its `base`).
    pub fn numbered_from(mut self, base: i64) -> Self {
        for fid in &mut self.invalid_fids {
            *fid -= base;
        }
        self.wrong_type_fid = self.wrong_type_fid.map(|f| f - base);
        self
    }
}

pub(super) async fn validate(
    tx: &Transaction<'_>,
    entry: &CatalogEntry,
    srid: i32,
) -> Result<Checked> {
    let dimension = entry.geometry.collection_type() - 1;
    // One validity pass, remembered, so building the version repairs exactly these rows
    // without testing every geometry again. Points cannot be invalid.
    tx.batch_execute("CREATE TEMP TABLE rummet_invalid (fid bigint PRIMARY KEY) ON COMMIT DROP")
        .await
        .map_err(LoadError::db("validating the staged features"))?;
    if entry.geometry != GeometryKind::Point {
        tx.execute(
            "INSERT INTO pg_temp.rummet_invalid SELECT fid FROM pg_temp.rummet_staging \
             WHERE wkb IS NOT NULL AND NOT ST_IsValid(ST_GeomFromWKB(wkb, $1))",
            &[&srid],
        )
        .await
        .map_err(LoadError::db("validating the staged features"))?;
    }
    let row = tx
        .query_one(include_str!("validate.sql"), &[&srid, &dimension])
        .await
        .map_err(LoadError::db("validating the staged features"))?;
    let count = |col: &str| u64::try_from(row.get::<_, i64>(col)).unwrap_or(0);
    let bounds: Option<Vec<Option<f64>>> = row.get("bounds");
    let bounds = bounds.and_then(|b| match b.as_slice() {
        [Some(a), Some(b), Some(c), Some(d)] => Some([*a, *b, *c, *d]),
        _ => None,
    });
    Ok(Checked {
        empty: count("empty"),
        invalid: count("invalid"),
        invalid_fids: row.get("invalid_fids"),
        wrong_type_fid: row.get("wrong_type_fid"),
        wrong_type: row.get("wrong_type"),
        bounds,
        flattened: count("flattened"),
        dropped: match row.get::<_, i32>("zm_flags") {
            1 => Some("M"),
            2 => Some("Z"),
            3 => Some("ZM"),
            _ => None,
        },
    })
}

/// For a table without geometry (`population.join`): gives each staged row its unit's outline
/// by code, and leaves out the rows naming no unit (a table's national total, its län rows
/// beside the kommuner) with a warning. Returns how many were left out, and the warning.
///
/// # Errors
/// When the division is not loaded, or the database fails.
pub(super) async fn join_units(
    tx: &Transaction<'_>,
    entry: &CatalogEntry,
    input: &str,
) -> Result<(u64, Option<String>)> {
    let Some((division, code)) = entry
        .population
        .as_ref()
        .and_then(|p| p.join.as_ref().zip(p.code.as_ref()))
    else {
        return Ok((0, None));
    };
    let units: i64 = tx
        .query_one(
            "SELECT count(*) FROM rummet.division_units WHERE division = $1",
            &[division],
        )
        .await
        .map_err(LoadError::db("reading the division's units"))?
        .get(0);
    if units == 0 {
        return Err(LoadError::Rejected {
            input: input.to_owned(),
            message: format!(
                "its rows are joined to {division}'s units by code: load {division} first"
            ),
        });
    }
    let col = escape_identifier(code);
    tx.execute(
        &format!(
            "UPDATE pg_temp.rummet_staging s SET wkb = ST_AsBinary(u.geom)
             FROM rummet.division_units u WHERE u.division = $1 AND u.code = s.{col}::text"
        ),
        &[division],
    )
    .await
    .map_err(LoadError::db("joining the rows to the units"))?;
    let twice: Option<String> = tx
        .query_opt(
            &format!(
                "SELECT {col}::text FROM pg_temp.rummet_staging WHERE wkb IS NOT NULL
                 GROUP BY 1 HAVING count(*) > 1 LIMIT 1"
            ),
            &[],
        )
        .await
        .map_err(LoadError::db("looking for units named twice"))?
        .map(|r| r.get(0));
    if let Some(code) = twice {
        return Err(LoadError::Rejected {
            input: input.to_owned(),
            message: format!(
                "unit {code} of {division} has several rows: the table must hold one value per unit"
            ),
        });
    }
    let left: Vec<String> = tx
        .query(
            &format!("DELETE FROM pg_temp.rummet_staging WHERE wkb IS NULL RETURNING {col}::text"),
            &[],
        )
        .await
        .map_err(LoadError::db("leaving out the rows naming no unit"))?
        .iter()
        .map(|r| r.get::<_, Option<String>>(0).unwrap_or_default())
        .collect();
    let kept: i64 = tx
        .query_one("SELECT count(*) FROM pg_temp.rummet_staging", &[])
        .await
        .map_err(LoadError::db("counting the joined rows"))?
        .get(0);
    if kept == 0 {
        let examples: Vec<&str> = left.iter().take(5).map(String::as_str).collect();
        return Err(LoadError::Rejected {
            input: input.to_owned(),
            message: format!(
                "none of its {} codes is a unit of {division} (e.g. {}): another division or vintage?",
                left.len(),
                examples.join(", ")
            ),
        });
    }
    let warning = (!left.is_empty()).then(|| {
        let examples: Vec<&str> = left.iter().take(5).map(String::as_str).collect();
        format!(
            "{} rows name no unit of {division} and are left out (e.g. {}): a table's totals \
             and other levels",
            left.len(),
            examples.join(", ")
        )
    });
    Ok((left.len() as u64, warning))
}

/// Deletes the staged rows the catalog's filter does not keep; returns how many.
pub(super) async fn apply_filter(tx: &Transaction<'_>, entry: &CatalogEntry) -> Result<u64> {
    let Some(filter) = &entry.filter else {
        return Ok(0);
    };
    let sql = format!(
        "DELETE FROM pg_temp.rummet_staging WHERE {col} IS NULL OR NOT ({col}::text = ANY($1))",
        col = escape_identifier(&filter.column)
    );
    tx.execute(&sql, &[&filter.values])
        .await
        .map_err(LoadError::db("applying the catalog filter"))
}
