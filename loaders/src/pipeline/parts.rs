//! Datasets loaded from parts: Lastkajen publishes NVDB per län only, RAÄ its lämningar per län
//! and per kommun. A part (`lan:25`, `kommun:0680`) is loaded into a new version that holds
//! the new part's features beside the serving version's other parts, swapped in as any load
//! is; its features' ids lie in the part's own range, so the next load of the part replaces
//! exactly them. A whole-dataset load replaces every part.

use rummet_core::{DATA_SCHEMA, escape_identifier};
use tokio_postgres::Transaction;

use crate::catalog::CatalogEntry;
use crate::{LoadError, Result};

/// Bits of a feature id below the part number: 2^40 features per part.
const PART_SHIFT: u32 = 40;

/// A part of a dataset: the division it follows and the unit's code, as `lan:25`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part(String);

impl Part {
    /// Parses `division:code`: a division id (`lan`, `kommun`, ...) and a code of letters,
    /// digits, `-` and `_`.
    ///
    /// # Errors
    /// When `text` is not of that form.
    pub fn parse(text: &str) -> Result<Self, String> {
        let ok = text.split_once(':').is_some_and(|(division, code)| {
            !division.is_empty()
                && division
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                && !code.is_empty()
                && code
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
        if ok {
            Ok(Self(canonical(text)))
        } else {
            Err(format!(
                "part {text:?} is not of the form division:code (e.g. lan:25, kommun:0680)"
            ))
        }
    }

    /// The part as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The division the part follows (`lan`).
    #[must_use]
    pub fn division(&self) -> &str {
        self.0.split_once(':').map_or("", |(d, _)| d)
    }

    /// The unit's code (`25`).
    #[must_use]
    pub fn code(&self) -> &str {
        self.0.split_once(':').map_or("", |(_, c)| c)
    }
}

/// `division:code` with the code as SCB writes it: län codes two digits and kommun codes four,
/// zero-padded, so `lan:6` and `lan:06` are one part, not two overlapping ones.
fn canonical(text: &str) -> String {
    let (division, code) = text.split_once(':').unwrap_or((text, ""));
    let width = match division {
        "lan" => 2,
        "kommun" => 4,
        _ => 0,
    };
    if code.chars().all(|c| c.is_ascii_digit()) {
        format!("{division}:{code:0>width$}")
    } else {
        text.to_owned()
    }
}

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a part's features go in the new version, decided before staging.
pub(super) struct Slot {
    pub part: Part,
    pub part_no: i32,
    /// The first feature id of the part's range.
    pub base: i64,
    /// The serving version's table, whose other parts are carried into the new version.
    pub carried_from: Option<String>,
}

impl Slot {
    /// The ids of this part's features: `base ..= base + 2^40 - 1`.
    pub fn range(&self) -> (i64, i64) {
        (self.base, self.base + (1i64 << PART_SHIFT) - 1)
    }
}

/// Reserves the part's number (its existing one, or the next free one) and finds the serving
/// version to carry the other parts from, refusing a part that cannot sit beside them: one of
/// another division (`kommun:0680` inside a dataset loaded by `lan` parts would overlap
/// `lan:06`), a code the division does not have, or parts loaded under another catalog entry
/// (their columns would not mean the same). A dataset serving a whole-dataset load has no
/// parts to keep: a part cannot be added to it unless `replace_whole` says to start over.
pub(super) async fn slot(
    tx: &Transaction<'_>,
    entry: &CatalogEntry,
    (input, part): (&str, &Part),
    replace_whole: bool,
) -> Result<Slot> {
    let id = entry.id.as_str();
    let refuse = |message: String| LoadError::Rejected {
        input: input.to_owned(),
        message: format!("part {part}: {message}"),
    };
    check_code(tx, part).await.map_err(&refuse)?;
    let serving = tx
        .query_opt(
            "SELECT d.table_name, d.source, d.catalog->'fields' AS fields, \
                    ARRAY(SELECT p.part FROM rummet.dataset_parts p WHERE p.dataset = d.id ORDER BY p.part) AS parts \
             FROM rummet.datasets d WHERE d.id = $1",
            &[&id],
        )
        .await
        .map_err(LoadError::db("reading the dataset's parts"))?;
    let carried_from = match serving {
        Some(row) if !row.get::<_, Vec<String>>("parts").is_empty() => {
            let parts: Vec<String> = row.get("parts");
            let other = parts
                .iter()
                .filter_map(|p| Part::parse(p).ok())
                .find(|p| p.division() != part.division());
            if let Some(other) = other {
                return Err(refuse(format!(
                    "{id} is loaded by {} parts ({}), which a {} part would overlap: load it by {} parts, or load the whole dataset",
                    other.division(),
                    parts.join(", "),
                    part.division(),
                    other.division()
                )));
            }
            let fields: Option<serde_json::Value> = row.get("fields");
            if fields != serde_json::to_value(&entry.fields).ok() {
                return Err(refuse(format!(
                    "the catalog's fields of {id} changed since its other parts ({}) were loaded: load every part again, starting with --replace-whole",
                    parts.join(", ")
                )));
            }
            Some(row.get::<_, String>("table_name"))
        }
        Some(_) if replace_whole => None,
        Some(row) => {
            return Err(refuse(format!(
                "{id} serves a whole-dataset load (from {}), which a part cannot be added to: \
                 load the whole dataset again, or start loading it by parts with --replace-whole",
                public_name(&row.get::<_, String>("source"))
            )));
        }
        None => None,
    };
    let part_no: i32 = tx
        .query_one(
            "SELECT coalesce( \
                (SELECT part_no FROM rummet.dataset_parts WHERE dataset = $1 AND part = $2), \
                (SELECT coalesce(max(part_no), 0) + 1 FROM rummet.dataset_parts WHERE dataset = $1))",
            &[&id, &part.as_str()],
        )
        .await
        .map_err(LoadError::db("numbering the part"))?
        .get(0);
    // A whole load being replaced leaves no parts behind; a part's number keeps its range.
    if carried_from.is_none() {
        clear(tx, id).await?;
    }
    Ok(Slot {
        part: part.clone(),
        part_no,
        base: i64::from(part_no) << PART_SHIFT,
        carried_from,
    })
}

/// Refuses a code its division does not have, when the division is loaded (a part of a
/// division Rummet does not hold is taken as written).
async fn check_code(tx: &Transaction<'_>, part: &Part) -> Result<(), String> {
    let codes: Vec<String> = tx
        .query_one(
            "SELECT ARRAY(SELECT code FROM rummet.division_units WHERE division = $1 ORDER BY code)",
            &[&part.division()],
        )
        .await
        .map_err(|e| format!("reading the division's codes: {e}"))?
        .get(0);
    if codes.is_empty() || codes.iter().any(|c| c == part.code()) {
        return Ok(());
    }
    let shown: Vec<&str> = codes.iter().take(30).map(String::as_str).collect();
    Err(format!(
        "{} has no unit {} (its codes: {}{})",
        part.division(),
        part.code(),
        shown.join(", "),
        if codes.len() > shown.len() {
            ", ..."
        } else {
            ""
        }
    ))
}

/// The slot of a part load, or `None` for a whole-dataset load, which forgets the parts it
/// replaces.
pub(super) async fn prepare(
    tx: &Transaction<'_>,
    entry: &CatalogEntry,
    (input, part): (&str, Option<&Part>),
    replace_whole: bool,
) -> Result<Option<Slot>> {
    if let Some(part) = part {
        return slot(tx, entry, (input, part), replace_whole)
            .await
            .map(Some);
    }
    clear(tx, entry.id.as_str()).await?;
    Ok(None)
}

/// Forgets the parts of a dataset a whole-dataset load replaces.
pub(super) async fn clear(tx: &Transaction<'_>, id: &str) -> Result<()> {
    tx.execute(
        "DELETE FROM rummet.dataset_parts WHERE dataset = $1",
        &[&id],
    )
    .await
    .map_err(LoadError::db("clearing the replaced parts"))?;
    Ok(())
}

/// A load's counts, of one part or summed over every part of the dataset.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Counts {
    pub read: u64,
    pub loaded: u64,
    pub filtered: u64,
    pub repaired: u64,
    pub flattened: u64,
}

/// The counts summed over every part of the dataset, for its registry row.
async fn totals(tx: &Transaction<'_>, id: &str) -> Result<Counts> {
    let row = tx
        .query_one(
            "SELECT coalesce(sum(rows_read), 0)::bigint, coalesce(sum(rows_loaded), 0)::bigint, \
                    coalesce(sum(rows_filtered), 0)::bigint, coalesce(sum(rows_repaired), 0)::bigint, \
                    coalesce(sum(rows_flattened), 0)::bigint \
             FROM rummet.dataset_parts WHERE dataset = $1",
            &[&id],
        )
        .await
        .map_err(LoadError::db("counting the parts"))?;
    let n = |i: usize| u64::try_from(row.get::<_, i64>(i)).unwrap_or(0);
    Ok(Counts {
        read: n(0),
        loaded: n(1),
        filtered: n(2),
        repaired: n(3),
        flattened: n(4),
    })
}

/// A file's name without its directory, for messages.
fn public_name(source: &str) -> String {
    std::path::Path::new(source)
        .file_name()
        .map_or_else(|| source.to_owned(), |n| n.to_string_lossy().into_owned())
}

/// Copies the serving version's features outside `slot`'s range into the new version table
/// `qualified` (built with the same columns, as the catalog has not changed in between; if it
/// has, the copy fails and says so).
pub(super) async fn carry_other_parts(
    tx: &Transaction<'_>,
    qualified: &str,
    cols: &str,
    slot: &Slot,
) -> Result<u64> {
    let Some(old) = &slot.carried_from else {
        return Ok(0);
    };
    let (lo, hi) = slot.range();
    let sql = format!(
        "INSERT INTO {qualified} ({cols}) SELECT {cols} FROM {}.{} WHERE fid < $1 OR fid > $2",
        escape_identifier(DATA_SCHEMA),
        escape_identifier(old)
    );
    tx.execute(&sql, &[&lo, &hi])
        .await
        .map_err(|e| LoadError::Rejected {
            input: slot.part.to_string(),
            message: format!(
                "the other parts could not be carried into the new version ({}): if the catalog's \
                 fields changed since they were loaded, load every part again",
                e.as_db_error()
                    .map_or_else(|| e.to_string(), |d| d.message().to_owned())
            ),
        })
}

/// The counts the dataset's registry row gets: a whole load's own, or, for a part, the sums
/// over every part once this part's row is recorded.
pub(super) async fn account(
    tx: &Transaction<'_>,
    id: &str,
    slot: Option<&Slot>,
    (version, source, sha256): (i64, &str, &str),
    counts: Counts,
    warnings: &[String],
) -> Result<Counts> {
    let Some(slot) = slot else {
        return Ok(counts);
    };
    record(tx, id, slot, version, (source, sha256), counts, warnings).await?;
    totals(tx, id).await
}

/// Records the part's provenance in the registry of parts.
async fn record(
    tx: &Transaction<'_>,
    id: &str,
    slot: &Slot,
    version: i64,
    provenance: (&str, &str),
    rows: Counts,
    warnings: &[String],
) -> Result<()> {
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    tx.execute(
        "INSERT INTO rummet.dataset_parts AS p \
           (dataset, part, part_no, version, source, sha256, rows_read, rows_loaded, warnings, \
            rows_filtered, rows_repaired, rows_flattened) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (dataset, part) DO UPDATE SET version = EXCLUDED.version, \
           source = EXCLUDED.source, sha256 = EXCLUDED.sha256, loaded_at = now(), \
           rows_read = EXCLUDED.rows_read, rows_loaded = EXCLUDED.rows_loaded, \
           warnings = EXCLUDED.warnings, rows_filtered = EXCLUDED.rows_filtered, \
           rows_repaired = EXCLUDED.rows_repaired, rows_flattened = EXCLUDED.rows_flattened",
        &[
            &id,
            &slot.part.as_str(),
            &slot.part_no,
            &version,
            &provenance.0,
            &provenance.1,
            &count(rows.read),
            &count(rows.loaded),
            &warnings,
            &count(rows.filtered),
            &count(rows.repaired),
            &count(rows.flattened),
        ],
    )
    .await
    .map_err(LoadError::db("recording the part"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Part;

    #[test]
    fn parts_are_a_division_and_a_code() {
        assert!(Part::parse("lan:25").is_ok());
        assert!(Part::parse("kommun:0680").is_ok());
        assert_eq!(
            Part::parse("lan:6").map(|p| p.to_string()),
            Ok("lan:06".into())
        );
        assert_eq!(
            Part::parse("kommun:680").map(|p| p.to_string()),
            Ok("kommun:0680".into())
        );
        for bad in ["lan", "lan:", ":25", "Lan:25", "lan:2 5", "lan:25;drop"] {
            assert!(Part::parse(bad).is_err(), "{bad}");
        }
    }
}
