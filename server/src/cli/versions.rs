//! `rummet versions <id>`, `rummet rollback <id> [--to N]` and `rummet remove <id>`: the
//! kept versions of a dataset, swapping one back in, and removing a dataset — the same
//! operations as the HTTP API's, through the same code, audited as the command line's user.

use anyhow::Context;
use clap::Args;
use rummet_core::DatasetId;
use rummet_loaders::pipeline::versions;
use serde_json::json;

use super::access::{actor, with_db};
use super::database::Database;
use crate::access::{self, Outcome};
use crate::config::Config;

#[derive(Debug, Args)]
pub(super) struct VersionsArgs {
    /// Dataset id.
    id: String,
    /// Print JSON instead of lines.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(super) struct RollbackArgs {
    /// Dataset id.
    id: String,
    /// The kept version to swap back in (`rummet versions` lists them); the newest kept one
    /// when left out.
    #[arg(long, value_name = "VERSION")]
    to: Option<i64>,
}

#[derive(Debug, Args)]
pub(super) struct RemoveArgs {
    /// Dataset id.
    id: String,
}

pub(super) async fn list(config: &Config, args: &VersionsArgs) -> anyhow::Result<()> {
    let id = DatasetId::parse(&args.id)?;
    with_db(config, async |db| {
        let client = db.pool.get().await.context("connecting to the database")?;
        let found = versions::list(&**client, &id).await?;
        if found.is_empty() {
            anyhow::bail!("dataset \"{id}\" is not loaded");
        }
        if args.json {
            println!("{}", serde_json::to_string_pretty(&found)?);
            return Ok(());
        }
        for v in found {
            println!(
                "{:>8} {:<8} {:>10} features  loaded {}  {}",
                v.version,
                if v.serving { "serving" } else { "kept" },
                v.features,
                v.loaded_at,
                v.source
            );
        }
        Ok(())
    })
    .await
}

pub(super) async fn rollback(config: &Config, args: &RollbackArgs) -> anyhow::Result<()> {
    let id = DatasetId::parse(&args.id)?;
    let keep = config.publishing.keep_versions;
    with_db(config, async |db| {
        let mut client = db.pool.get().await.context("connecting to the database")?;
        let done = versions::rollback(&mut client, &id, args.to, keep).await;
        audit(
            db,
            ("dataset.rollback", &id),
            done.as_ref().err(),
            json!({"to": args.to}),
        )
        .await?;
        let report = done?;
        println!(
            "{id}: version {} serves again; version {} is kept in its place",
            report.version, report.replaced
        );
        Ok(())
    })
    .await
}

pub(super) async fn remove(config: &Config, args: &RemoveArgs) -> anyhow::Result<()> {
    let id = DatasetId::parse(&args.id)?;
    with_db(config, async |db| {
        let mut client = db.pool.get().await.context("connecting to the database")?;
        let done = versions::remove(&mut client, &id).await;
        audit(db, ("dataset.delete", &id), done.as_ref().err(), json!({})).await?;
        done?;
        println!("{id} removed, with its kept versions, overlays and tiles");
        Ok(())
    })
    .await
}

async fn audit(
    db: &Database,
    (action, id): (&str, &DatasetId),
    error: Option<&rummet_loaders::LoadError>,
    mut detail: serde_json::Value,
) -> anyhow::Result<()> {
    let outcome = match error {
        None => Outcome::Done,
        Some(e) => {
            detail["error"] = json!(e.to_string());
            Outcome::Failed
        }
    };
    let client = db.pool.get().await.context("connecting to the database")?;
    access::audit_record(
        &**client,
        None,
        &actor(),
        (action, id.as_str()),
        outcome,
        &detail,
    )
    .await?;
    Ok(())
}
