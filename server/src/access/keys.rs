//! Organisations and API keys. A key is `rmt_<id>_<secret>`: the id (12 hex digits) finds
//! the row, the secret (32 random bytes, 64 hex digits) is compared by its SHA-256 in
//! constant time. The secret is printed once, at creation, and never stored.

use serde::Serialize;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;
use tokio_postgres::GenericClient;

use super::{AccessError, Principal, Scope};

const PREFIX: &str = "rmt_";

/// An organisation that may hold keys and publish.
#[derive(Debug, Clone, Serialize)]
pub struct Organisation {
    /// Its id, e.g. `region-jonkoping`.
    pub id: String,
    /// Its name, e.g. `Region Jönköpings län`.
    pub name: String,
    /// Its keys that are not revoked.
    pub active_keys: i64,
}

/// A key as listed: never its secret.
#[derive(Debug, Clone, Serialize)]
pub struct KeyInfo {
    /// Public id.
    pub id: String,
    /// Owner.
    pub organisation: String,
    /// What it may do.
    pub scope: Scope,
    /// A note of what it is for.
    pub label: String,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

/// A key just made: the only time its whole text exists.
#[derive(Debug, Clone)]
pub struct NewKey {
    /// What was stored.
    pub info: KeyInfo,
    /// The key to hand over: `rmt_<id>_<secret>`.
    pub key: String,
}

fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// `rmt_<id>_<secret>` → (id, secret), when shaped so.
fn split(key: &str) -> Option<(&str, &str)> {
    let (id, secret) = key.strip_prefix(PREFIX)?.split_once('_')?;
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex(id, 12) && hex(secret, 64)).then_some((id, secret))
}

/// Adds organisation `id` named `name`.
///
/// # Errors
/// [`AccessError::Rejected`] for a malformed or taken id; database failures.
pub async fn add_organisation(
    client: &impl GenericClient,
    id: &str,
    name: &str,
) -> Result<(), AccessError> {
    let valid = (2..=63).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-');
    if !valid {
        return Err(AccessError::Rejected(format!(
            "organisation id {id:?} must be 2-63 of a-z, 0-9 and '-', e.g. region-jonkoping"
        )));
    }
    if name.trim().is_empty() {
        return Err(AccessError::Rejected("an organisation needs a name".into()));
    }
    let added = client
        .execute(
            "INSERT INTO rummet.organisations (id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&id, &name.trim()],
        )
        .await?;
    if added == 0 {
        return Err(AccessError::Rejected(format!(
            "organisation {id} already exists"
        )));
    }
    Ok(())
}

/// Every organisation with its count of active keys.
///
/// # Errors
/// Database failures.
pub async fn list_organisations(
    client: &impl GenericClient,
) -> Result<Vec<Organisation>, AccessError> {
    let rows = client
        .query(
            "SELECT o.id, o.name, count(k.id) FILTER (WHERE k.revoked_at IS NULL)
               FROM rummet.organisations o LEFT JOIN rummet.api_keys k ON k.organisation = o.id
              GROUP BY o.id, o.name ORDER BY o.id",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| Organisation {
            id: r.get(0),
            name: r.get(1),
            active_keys: r.get(2),
        })
        .collect())
}

const KEY_COLUMNS: &str = "id, organisation, scope, label, \
     to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
     to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";

fn key_info(row: &tokio_postgres::Row) -> KeyInfo {
    let scope: String = row.get(2);
    KeyInfo {
        id: row.get(0),
        organisation: row.get(1),
        scope: Scope::parse(&scope).unwrap_or(Scope::Read),
        label: row.get(3),
        created_at: row.get(4),
        revoked_at: row.get(5),
    }
}

/// Makes a key of `organisation` with `scope`.
///
/// # Errors
/// [`AccessError::Rejected`] for an unknown organisation; database or random-source failures.
pub async fn create_key(
    client: &impl GenericClient,
    organisation: &str,
    scope: Scope,
    label: &str,
) -> Result<NewKey, AccessError> {
    let mut bytes = [0u8; 38];
    getrandom::fill(&mut bytes)
        .map_err(|e| AccessError::Rejected(format!("no random source: {e}")))?;
    let id = hex::encode(&bytes[..6]);
    let secret = hex::encode(&bytes[6..]);
    let row = client
        .query_opt(
            &format!(
                "INSERT INTO rummet.api_keys (id, organisation, scope, label, secret_hash)
                 SELECT $1, o.id, $3, $4, $5 FROM rummet.organisations o WHERE o.id = $2
                 RETURNING {KEY_COLUMNS}"
            ),
            &[
                &id,
                &organisation,
                &scope.as_str(),
                &label,
                &hash(&secret).as_slice(),
            ],
        )
        .await?
        .ok_or_else(|| {
            AccessError::Rejected(format!(
                "no organisation {organisation:?}; add it with `rummet org add {organisation} <name>`"
            ))
        })?;
    Ok(NewKey {
        info: key_info(&row),
        key: format!("{PREFIX}{id}_{secret}"),
    })
}

/// The keys, of one organisation or all, newest first.
///
/// # Errors
/// Database failures.
pub async fn list_keys(
    client: &impl GenericClient,
    organisation: Option<&str>,
) -> Result<Vec<KeyInfo>, AccessError> {
    let rows = client
        .query(
            &format!(
                "SELECT {KEY_COLUMNS} FROM rummet.api_keys
                  WHERE $1::text IS NULL OR organisation = $1 ORDER BY created_at DESC, id"
            ),
            &[&organisation],
        )
        .await?;
    Ok(rows.iter().map(key_info).collect())
}

/// Revokes key `id` (its public id, or the whole key); revoking twice is refused.
///
/// # Errors
/// [`AccessError::Rejected`] for an unknown or already revoked key; database failures.
pub async fn revoke_key(client: &impl GenericClient, id: &str) -> Result<KeyInfo, AccessError> {
    let id = split(id).map_or(id, |(id, _)| id);
    let row = client
        .query_opt(
            &format!(
                "UPDATE rummet.api_keys SET revoked_at = now()
                  WHERE id = $1 AND revoked_at IS NULL RETURNING {KEY_COLUMNS}"
            ),
            &[&id],
        )
        .await?
        .ok_or_else(|| AccessError::Rejected(format!("no active key {id:?}")))?;
    Ok(key_info(&row))
}

/// The holder of `key`: its organisation and scope, when the key is well formed, known, not
/// revoked and its secret matches. Every failure is the same [`AccessError::Invalid`], so a
/// caller learns nothing about which part was wrong.
///
/// # Errors
/// [`AccessError::Invalid`]; database failures.
pub async fn authenticate(
    client: &impl GenericClient,
    key: &str,
) -> Result<Principal, AccessError> {
    let (id, secret) = split(key.trim()).ok_or(AccessError::Invalid)?;
    let row = client
        .query_opt(
            "SELECT organisation, scope, secret_hash FROM rummet.api_keys
              WHERE id = $1 AND revoked_at IS NULL",
            &[&id],
        )
        .await?;
    // Hash and compare even for an unknown id, so the time taken does not tell ids apart.
    let stored: Vec<u8> = row.as_ref().map_or_else(|| vec![0; 32], |r| r.get(2));
    let matches: bool = hash(secret).ct_eq(stored.as_slice()).into();
    match row {
        Some(r) if matches => {
            let scope: String = r.get(1);
            Ok(Principal {
                organisation: r.get(0),
                key_id: id.to_owned(),
                scope: Scope::parse(&scope).map_err(|_| AccessError::Invalid)?,
            })
        }
        _ => Err(AccessError::Invalid),
    }
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn a_key_is_the_prefix_a_twelve_digit_id_and_a_sixty_four_digit_secret() {
        let secret = "ab".repeat(32);
        let key = format!("rmt_0123456789ab_{secret}");
        assert_eq!(split(&key), Some(("0123456789ab", secret.as_str())));
        assert_eq!(split(&key[1..]), None);
        assert_eq!(split(&format!("rmt_0123456789a_{secret}")), None);
        assert_eq!(split(&format!("rmt_0123456789ab_{}", &secret[1..])), None);
        assert_eq!(split(&format!("rmt_0123456789ab_{}zz", &secret[2..])), None);
    }
}
