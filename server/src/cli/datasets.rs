//! `rummet datasets`: the catalog, with what is loaded.

use clap::Args;
use serde_json::json;

use super::database::Database;
use crate::config::Config;
use crate::db::registry;

#[derive(Debug, Args)]
pub(super) struct DatasetsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub(super) async fn run(config: &Config, args: &DatasetsArgs) -> anyhow::Result<()> {
    let db = Database::open(config).await?;
    let loaded = async {
        let client = db.pool.get().await?;
        anyhow::Ok(registry::list(&**client).await?)
    }
    .await;
    db.close().await;
    let loaded = loaded?;
    let rows: Vec<_> = rummet_loaders::catalog::all()
        .iter()
        .map(|e| (e, loaded.iter().find(|d| d.id == e.id)))
        .collect();
    if args.json {
        let list: Vec<_> = rows
            .iter()
            .map(|(e, d)| json!({"id": e.id, "title": e.title, "agency": e.agency, "role": e.role, "loaded": d}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    let table: Vec<[String; 7]> = rows
        .iter()
        .map(|(e, d)| {
            let role = serde_json::to_value(e.role).unwrap_or_default();
            let (version, features, at) =
                d.map_or(("-".into(), "-".into(), "not loaded".into()), |d| {
                    (
                        d.version.to_string(),
                        d.features.to_string(),
                        d.loaded_at.clone(),
                    )
                });
            [
                e.id.to_string(),
                e.title.clone(),
                e.agency.clone(),
                role.as_str().unwrap_or_default().to_owned(),
                version,
                features,
                at,
            ]
        })
        .collect();
    let header = HEADER.map(str::to_owned);
    print!("{}", padded(&header, &table));
    Ok(())
}

/// The listing's columns.
const HEADER: [&str; 7] = [
    "id",
    "title",
    "agency",
    "role",
    "version",
    "features",
    "loaded at",
];

/// The rows under `header` as text columns as wide as their widest cell (in characters, so
/// `ä` counts one), numbers right-aligned, the last column unpadded.
fn padded(header: &[String; 7], rows: &[[String; 7]]) -> String {
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(header).chain(rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (cell, w))| match i {
                4 | 5 => format!("{cell:>w$}"),
                6 => cell.clone(),
                _ => format!("{cell:<w$}"),
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::padded;

    #[test]
    fn columns_are_as_wide_as_their_widest_cell_counting_characters() {
        let header = super::HEADER.map(str::to_owned);
        let row = |id: &str, agency: &str, n: &str| {
            [id, "T", agency, "thematic", n, n, "-"].map(str::to_owned)
        };
        let text = padded(
            &header,
            &[
                row("a", "Riksantikvarieämbetet", "1"),
                row("longer_id", "SGU", "12345"),
            ],
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "id         title  agency                 role      version  features  loaded at"
        );
        assert_eq!(
            lines[1],
            "a          T      Riksantikvarieämbetet  thematic        1         1  -"
        );
        assert_eq!(
            lines[2],
            "longer_id  T      SGU                    thematic    12345     12345  -"
        );
    }
}
