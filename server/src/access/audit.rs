//! The audit trail: every write, by whom (organisation and key id, or the command line's
//! user), what, when and with what result, in `rummet.audit`.

use serde::Serialize;
use serde_json::Value;
use tokio_postgres::GenericClient;

use super::{AccessError, Principal};

/// How a write ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It was done.
    Done,
    /// It was refused (bad input, not allowed).
    Refused,
    /// It failed on the server's side.
    Failed,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Refused => "refused",
            Self::Failed => "failed",
        }
    }
}

/// One row of the trail.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    /// Its number, rising with time.
    pub id: i64,
    /// When (RFC 3339, UTC, milliseconds).
    pub at: String,
    /// The organisation of the key, if a key did it.
    pub organisation: Option<String>,
    /// The key's public id, if a key did it.
    pub key_id: Option<String>,
    /// Who: `key:<id>` or `cli:<user>`.
    pub actor: String,
    /// What, e.g. `dataset.purge`, `key.create`.
    pub action: String,
    /// On what, e.g. a dataset id or a key id.
    pub target: String,
    /// `done`, `refused` or `failed`.
    pub result: String,
    /// Anything else worth keeping (never a secret).
    pub detail: Value,
}

/// Writes one row. `principal` is the key that asked, or `None` with `actor` naming the
/// command line's user.
///
/// # Errors
/// Database failures.
pub async fn record(
    client: &impl GenericClient,
    principal: Option<&Principal>,
    actor: &str,
    (action, target): (&str, &str),
    outcome: Outcome,
    detail: &Value,
) -> Result<(), AccessError> {
    let actor = principal.map_or_else(|| actor.to_owned(), |p| format!("key:{}", p.key_id));
    client
        .execute(
            "INSERT INTO rummet.audit (organisation, key_id, actor, action, target, result, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &principal.map(|p| p.organisation.as_str()),
                &principal.map(|p| p.key_id.as_str()),
                &actor,
                &action,
                &target,
                &outcome.as_str(),
                detail,
            ],
        )
        .await?;
    Ok(())
}

/// The newest `limit` rows, newest first, of one organisation or all.
///
/// # Errors
/// Database failures.
pub async fn list(
    client: &impl GenericClient,
    organisation: Option<&str>,
    limit: i64,
) -> Result<Vec<AuditEntry>, AccessError> {
    let rows = client
        .query(
            "SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),
                    organisation, key_id, actor, action, target, result, detail
               FROM rummet.audit WHERE $1::text IS NULL OR organisation = $1
              ORDER BY id DESC LIMIT $2",
            &[&organisation, &limit],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| AuditEntry {
            id: r.get(0),
            at: r.get(1),
            organisation: r.get(2),
            key_id: r.get(3),
            actor: r.get(4),
            action: r.get(5),
            target: r.get(6),
            result: r.get(7),
            detail: r.get(8),
        })
        .collect())
}
