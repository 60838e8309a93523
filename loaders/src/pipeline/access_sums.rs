//! The people per unit within each whole minute, written at load so that any threshold's
//! answer for every unit of a division is one row per unit: `within[m]` holds the people of
//! the unit within `m` minutes (`m` = 0 ..= [`MAX_MINUTES`]), cumulated, beside the unit's
//! people and those with no road or no service reachable. Summed in memory from the cells'
//! times and their areal weights, and written with one `COPY`.

use std::collections::HashMap;
use std::pin::pin;

use tokio_postgres::Transaction;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};

use crate::{LoadError, Result};

/// The longest threshold answered, minutes; the server refuses longer ones.
pub const MAX_MINUTES: usize = 600;

/// Each populated cell's people in each unit, by cell.
pub(super) struct Weights {
    /// (division, code) of each unit.
    units: Vec<(String, String)>,
    /// Cell → (unit, people).
    by_fid: HashMap<i64, Vec<(usize, f64)>>,
}

/// The weights of every division, or of `division`.
pub(super) async fn weights(tx: &Transaction<'_>, division: Option<&str>) -> Result<Weights> {
    let rows = tx
        .query(
            "SELECT division, code, fid, people FROM rummet.population_weights
             WHERE $1::text IS NULL OR division = $1 ORDER BY division, code",
            &[&division],
        )
        .await
        .map_err(LoadError::db("reading the population weights"))?;
    let mut units: Vec<(String, String)> = Vec::new();
    let mut by_fid: HashMap<i64, Vec<(usize, f64)>> = HashMap::new();
    for r in &rows {
        let unit = (r.get::<_, String>(0), r.get::<_, String>(1));
        if units.last() != Some(&unit) {
            units.push(unit);
        }
        by_fid
            .entry(r.get(2))
            .or_default()
            .push((units.len() - 1, r.get(3)));
    }
    Ok(Weights { units, by_fid })
}

/// The whole minute of a time: rounded to the second, then up to the minute, so a cell at
/// exactly 600 s is within 10 min.
fn minute(seconds: f32) -> usize {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "times are non-negative and far below usize::MAX minutes"
    )]
    let m = (f64::from(seconds).round() / 60.0).ceil() as usize;
    m
}

/// One unit's sums.
#[derive(Clone)]
struct Sums {
    people: f64,
    unreachable: f64,
    /// People by their exact minute, then cumulated.
    within: Vec<f64>,
}

/// Writes the rows of one service type and profile from the cells' times (`fids[i]` at
/// `seconds[i]`, `None`: unreachable).
pub(super) async fn write(
    tx: &Transaction<'_>,
    (services, kind, profile): (&str, &str, &str),
    weights: &Weights,
    fids: &[i64],
    seconds: &[Option<f32>],
) -> Result<()> {
    let empty = Sums {
        people: 0.0,
        unreachable: 0.0,
        within: vec![0.0; MAX_MINUTES + 1],
    };
    let mut sums = vec![empty; weights.units.len()];
    for (fid, time) in fids.iter().zip(seconds) {
        for &(unit, people) in weights.by_fid.get(fid).into_iter().flatten() {
            let s = &mut sums[unit];
            s.people += people;
            match time.map(minute) {
                None => s.unreachable += people,
                Some(m) if m <= MAX_MINUTES => s.within[m] += people,
                Some(_) => {}
            }
        }
    }
    let sink = tx
        .copy_in("COPY rummet.access_units FROM STDIN (FORMAT binary)")
        .await
        .map_err(LoadError::db("starting to write the people per minute"))?;
    let types = [
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::FLOAT8,
        Type::FLOAT8,
        Type::FLOAT8_ARRAY,
    ];
    let mut writer = pin!(BinaryCopyInWriter::new(sink, &types));
    for ((division, code), mut s) in weights.units.iter().zip(sums) {
        for m in 1..s.within.len() {
            s.within[m] += s.within[m - 1];
        }
        let row: [&(dyn ToSql + Sync); 8] = [
            &services,
            &kind,
            &profile,
            division,
            code,
            &s.people,
            &s.unreachable,
            &s.within,
        ];
        writer
            .as_mut()
            .write(&row)
            .await
            .map_err(LoadError::db("writing the people per minute"))?;
    }
    writer
        .finish()
        .await
        .map_err(LoadError::db("finishing the people per minute"))?;
    Ok(())
}

/// Rewrites the rows of `services` for `division` alone (just loaded) from the stored times.
pub(super) async fn rewrite_division(
    tx: &Transaction<'_>,
    services: &str,
    division: &str,
) -> Result<()> {
    tx.execute(
        "DELETE FROM rummet.access_units WHERE services = $1 AND division = $2",
        &[&services, &division],
    )
    .await
    .map_err(LoadError::db("replacing the people per minute"))?;
    let weights = weights(tx, Some(division)).await?;
    let passes = tx
        .query(
            "SELECT service_type, profile, array_agg(fid), array_agg(seconds)
             FROM rummet.access_cells WHERE services = $1 GROUP BY 1, 2",
            &[&services],
        )
        .await
        .map_err(LoadError::db("reading the travel times"))?;
    for p in &passes {
        let (kind, profile): (String, String) = (p.get(0), p.get(1));
        let fids: Vec<i64> = p.get(2);
        let seconds: Vec<Option<f32>> = p.get(3);
        write(tx, (services, &kind, &profile), &weights, &fids, &seconds).await?;
    }
    Ok(())
}
