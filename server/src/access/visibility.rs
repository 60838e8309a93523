//! Setting who may see a dataset: its owning organisation and visibility, kept across
//! reloads, announced to every server like a load (`NOTIFY`).

use tokio_postgres::GenericClient;

use super::{AccessError, Visibility};

/// Makes dataset `id` `visibility`, owned by `organisation` (or by its present owner when
/// `None`). A dataset that is not public needs an owner.
///
/// # Errors
/// [`AccessError::Rejected`] for a dataset that is not loaded, an unknown organisation, or
/// a restricted dataset without an owner; database failures.
pub async fn set_visibility(
    client: &impl GenericClient,
    id: &str,
    visibility: Visibility,
    organisation: Option<&str>,
) -> Result<(), AccessError> {
    if let Some(org) = organisation {
        let known = client
            .query_opt("SELECT 1 FROM rummet.organisations WHERE id = $1", &[&org])
            .await?;
        if known.is_none() {
            return Err(AccessError::Rejected(format!(
                "no organisation {org:?}; add it with `rummet org add {org} <name>`"
            )));
        }
    }
    let row = client
        .query_opt(
            "UPDATE rummet.datasets SET organisation = coalesce($2, organisation), visibility = $3
              WHERE id = $1 AND ($3 = 'public' OR coalesce($2, organisation) IS NOT NULL)
              RETURNING id",
            &[&id, &organisation, &visibility.as_str()],
        )
        .await?;
    if row.is_none() {
        let loaded = client
            .query_opt("SELECT 1 FROM rummet.datasets WHERE id = $1", &[&id])
            .await?;
        return Err(AccessError::Rejected(if loaded.is_some() {
            format!(
                "{id} has no owning organisation: name one with --org to make it {}",
                visibility.as_str()
            )
        } else {
            format!("dataset {id:?} is not loaded")
        }));
    }
    client
        .execute(
            "SELECT pg_notify($1, $2)",
            &[&rummet_core::NOTIFY_CHANNEL, &id],
        )
        .await?;
    Ok(())
}
