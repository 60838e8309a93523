//! `rummet org add|list`, `rummet key create|list|revoke` and `rummet audit`: organisations,
//! their API keys and the trail of writes, from the command line. Every change is written to
//! the audit trail as done by the command line's user.

use clap::{Args, Subcommand};
use serde_json::json;

use super::database::Database;
use crate::access::{self, Outcome, Scope, Visibility};
use crate::config::Config;

#[derive(Debug, Subcommand)]
pub(super) enum OrgAction {
    /// Add an organisation: `rummet org add region-jonkoping "Region Jönköpings län"`.
    Add {
        /// Its id: 2-63 of a-z, 0-9 and '-'; uploaded datasets are named `<id>.<name>`.
        id: String,
        /// Its name.
        name: String,
    },
    /// List the organisations with their active keys.
    List,
}

#[derive(Debug, Subcommand)]
pub(super) enum KeyAction {
    /// Make a key; it is printed once and stored only as a hash.
    Create(CreateKey),
    /// List keys (never their secrets).
    List {
        /// Only this organisation's.
        #[arg(long)]
        org: Option<String>,
    },
    /// Revoke a key by its id (or the whole key): it is refused at once.
    Revoke {
        /// The key's id, as `key list` shows it.
        id: String,
    },
}

#[derive(Debug, Args)]
pub(super) struct CreateKey {
    /// The organisation that holds it.
    #[arg(long)]
    org: String,
    /// read (the organisation's non-public data), publish (its own datasets and maps) or
    /// admin (everything).
    #[arg(long, default_value = "read")]
    scope: String,
    /// What it is for, e.g. "QGIS, planeringsavdelningen".
    #[arg(long, default_value = "")]
    label: String,
}

#[derive(Debug, Args)]
pub(super) struct VisibilityArgs {
    /// The loaded dataset.
    id: String,
    /// public (anyone), org (the owning organisation's keys) or private (its publish keys);
    /// admin keys see everything.
    visibility: String,
    /// The owning organisation (needed once, for a dataset that is not public).
    #[arg(long)]
    org: Option<String>,
}

#[derive(Debug, Args)]
pub(super) struct AuditArgs {
    /// How many of the newest entries.
    #[arg(long, default_value_t = 50)]
    limit: i64,
    /// Only this organisation's.
    #[arg(long)]
    org: Option<String>,
    /// Print JSON instead of lines.
    #[arg(long)]
    json: bool,
}

/// The command line's user, as the audit trail names it.
pub(super) fn actor() -> String {
    let user = std::env::var("SUDO_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| nix::unistd::geteuid().to_string());
    format!("cli:{user}")
}

pub(super) async fn org(config: &Config, action: OrgAction) -> anyhow::Result<()> {
    with_db(config, async |db| {
        let client = db.pool.get().await?;
        match action {
            OrgAction::Add { id, name } => {
                let added = access::add_organisation(&**client, &id, &name).await;
                audited(
                    &**client,
                    ("organisation.add", &id),
                    &json!({"name": name}),
                    added,
                )
                .await?;
                println!("added organisation {id} ({name})");
            }
            OrgAction::List => {
                for o in access::list_organisations(&**client).await? {
                    println!("{:<28} {:>3} active keys  {}", o.id, o.active_keys, o.name);
                }
            }
        }
        Ok(())
    })
    .await
}

pub(super) async fn key(config: &Config, action: KeyAction) -> anyhow::Result<()> {
    with_db(config, async |db| {
        let client = db.pool.get().await?;
        match action {
            KeyAction::Create(args) => {
                let scope = Scope::parse(&args.scope).map_err(anyhow::Error::msg)?;
                let made = access::create_key(&**client, &args.org, scope, &args.label).await;
                let (outcome, target) = match &made {
                    Ok(k) => (Outcome::Done, k.info.id.clone()),
                    Err(_) => (Outcome::Refused, String::new()),
                };
                access::audit_record(&**client, None, &actor(), ("key.create", &target), outcome,
                    &json!({"organisation": args.org, "scope": scope.as_str(), "label": args.label})).await?;
                let made = made?;
                eprintln!(
                    "key {} of {} with scope {}; it is shown this once, keep it secret:",
                    made.info.id, made.info.organisation, scope.as_str()
                );
                println!("{}", made.key);
            }
            KeyAction::List { org } => {
                for k in access::list_keys(&**client, org.as_deref()).await? {
                    let state = k.revoked_at.map_or_else(|| "active".to_owned(), |at| format!("revoked {at}"));
                    println!("{}  {:<24} {:<8} {}  {state}  {}", k.id, k.organisation, k.scope.as_str(), k.created_at, k.label);
                }
            }
            KeyAction::Revoke { id } => {
                let revoked = access::revoke_key(&**client, &id).await;
                let (outcome, target) = match &revoked {
                    Ok(k) => (Outcome::Done, k.id.clone()),
                    Err(_) => (Outcome::Refused, id.chars().take(16).collect()),
                };
                access::audit_record(&**client, None, &actor(), ("key.revoke", &target), outcome, &json!({})).await?;
                let k = revoked?;
                println!("revoked key {} of {}", k.id, k.organisation);
            }
        }
        Ok(())
    })
    .await
}

pub(super) async fn visibility(config: &Config, args: &VisibilityArgs) -> anyhow::Result<()> {
    let visibility = Visibility::parse(&args.visibility).map_err(anyhow::Error::msg)?;
    with_db(config, async |db| {
        let client = db.pool.get().await?;
        let set =
            access::set_visibility(&**client, &args.id, visibility, args.org.as_deref()).await;
        let detail = json!({"visibility": visibility.as_str(), "organisation": args.org});
        audited(&**client, ("dataset.visibility", &args.id), &detail, set).await?;
        println!("{} is {}", args.id, visibility.as_str());
        Ok(())
    })
    .await
}

pub(super) async fn audit(config: &Config, args: &AuditArgs) -> anyhow::Result<()> {
    with_db(config, async |db| {
        let client = db.pool.get().await?;
        let entries =
            access::audit_list(&**client, args.org.as_deref(), args.limit.clamp(1, 100_000))
                .await?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&entries)?);
        } else {
            for e in entries {
                println!(
                    "{}  {:<22} {:<18} {:<24} {:<8} {}",
                    e.at, e.actor, e.action, e.target, e.result, e.detail
                );
            }
        }
        Ok(())
    })
    .await
}

/// Writes `result` of `action` on `target` to the audit trail as done or refused, as the
/// command line's user, and hands it on.
async fn audited<T>(
    client: &impl tokio_postgres::GenericClient,
    (action, target): (&str, &str),
    detail: &serde_json::Value,
    result: Result<T, access::AccessError>,
) -> anyhow::Result<T> {
    let outcome = if result.is_ok() {
        Outcome::Done
    } else {
        Outcome::Refused
    };
    access::audit_record(client, None, &actor(), (action, target), outcome, detail).await?;
    Ok(result?)
}

/// Opens the database, runs `work`, and closes it (stopping a cluster it started) whatever
/// `work` returned.
pub(super) async fn with_db(
    config: &Config,
    work: impl AsyncFnOnce(&Database) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let db = Database::open(config).await?;
    let result = work(&db).await;
    db.close().await;
    result
}
