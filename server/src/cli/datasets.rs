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
    println!(
        "{:<22} {:<40} {:<18} {:<9} {:>8} {:>9}  loaded at",
        "id", "title", "agency", "role", "version", "features"
    );
    for (e, d) in rows {
        let role = serde_json::to_value(e.role).unwrap_or_default();
        let (version, features, at) =
            d.map_or(("-".into(), "-".into(), "not loaded".into()), |d| {
                (
                    d.version.to_string(),
                    d.features.to_string(),
                    d.loaded_at.clone(),
                )
            });
        println!(
            "{:<22} {:<40} {:<18} {:<9} {version:>8} {features:>9}  {at}",
            e.id,
            e.title,
            e.agency,
            role.as_str().unwrap_or_default()
        );
    }
    Ok(())
}
