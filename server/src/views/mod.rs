//! Saved map views: what the atlas shows (its URL state: layers, region, choropleth, drawn
//! area, view), with a title and a description, saved by an organisation's publish key and
//! opened by anyone it is shared with at `/m/{slug}`. Edited or deleted only by its
//! organisation (or an admin key).

mod error;
mod slug;

pub use error::ViewError;

use serde::{Deserialize, Serialize};
use tokio_postgres::{GenericClient, Row};

use crate::access::{Principal, Scope};

/// Who may open a view.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ViewVisibility {
    /// Anyone.
    #[default]
    Public,
    /// Keys of the organisation that saved it, and admin keys.
    Org,
}

impl ViewVisibility {
    fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Org => "org",
        }
    }
}

/// A saved view.
#[derive(Debug, Clone, Serialize)]
pub struct MapView {
    /// Its address: `/m/{slug}`.
    pub slug: String,
    /// The organisation that saved it.
    pub organisation: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// The atlas's URL state, as after `#`.
    pub state: String,
    /// Who may open it.
    pub visibility: ViewVisibility,
    /// The key (`key:<id>`) that saved it.
    pub created_by: String,
    /// When it was saved (RFC 3339).
    pub created_at: String,
    /// When it was last changed (RFC 3339).
    pub updated_at: String,
}

/// What a client sends to save or change a view.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewInput {
    /// Title, 1–200 characters.
    pub title: String,
    /// Description, at most 4,000 characters.
    #[serde(default)]
    pub description: String,
    /// The atlas's URL state (what follows `#`), at most 20,000 characters.
    pub state: String,
    /// `public` (the default) or `org`.
    #[serde(default)]
    pub visibility: ViewVisibility,
    /// The address wanted (`a-z`, `0-9`, `-`); made from the title when absent.
    #[serde(default)]
    pub slug: Option<String>,
}

impl ViewInput {
    fn check(&self) -> Result<(), ViewError> {
        let title = self.title.trim();
        if title.is_empty() || title.chars().count() > 200 {
            return Err(ViewError::Invalid("title must be 1-200 characters".into()));
        }
        if self.description.chars().count() > 4000 {
            return Err(ViewError::Invalid(
                "description must be at most 4000 characters".into(),
            ));
        }
        let state = self.state.trim_start_matches('#');
        if state.is_empty() || state.len() > 20_000 || state.chars().any(char::is_control) {
            return Err(ViewError::Invalid(
                "state must be the atlas's URL state (what follows #), at most 20000 characters"
                    .into(),
            ));
        }
        Ok(())
    }
}

const COLUMNS: &str = "slug, organisation, title, description, state, visibility, created_by, \
     to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
     to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";

fn from_row(r: &Row) -> MapView {
    let visibility: String = r.get(5);
    MapView {
        slug: r.get(0),
        organisation: r.get(1),
        title: r.get(2),
        description: r.get(3),
        state: r.get(4),
        visibility: if visibility == "org" {
            ViewVisibility::Org
        } else {
            ViewVisibility::Public
        },
        created_by: r.get(6),
        created_at: r.get(7),
        updated_at: r.get(8),
    }
}

fn may_open(view: &MapView, viewer: Option<&Principal>) -> bool {
    view.visibility == ViewVisibility::Public
        || viewer.is_some_and(|p| p.scope == Scope::Admin || p.organisation == view.organisation)
}

fn may_change(view: &MapView, who: &Principal) -> Result<(), ViewError> {
    who.require(Scope::Publish)
        .map_err(|e| ViewError::Forbidden(e.to_string()))?;
    if who.scope == Scope::Admin || who.organisation == view.organisation {
        Ok(())
    } else {
        Err(ViewError::Forbidden(format!(
            "map view {} belongs to {}; key {} of {} may change only its own",
            view.slug, view.organisation, who.key_id, who.organisation
        )))
    }
}

/// Saves a new view for `who`'s organisation.
///
/// # Errors
/// [`ViewError::Forbidden`] below `publish`; [`ViewError::Invalid`] for bad input;
/// [`ViewError::Conflict`] for a slug taken; database failures.
pub async fn create(
    client: &impl GenericClient,
    who: &Principal,
    input: &ViewInput,
) -> Result<MapView, ViewError> {
    who.require(Scope::Publish)
        .map_err(|e| ViewError::Forbidden(e.to_string()))?;
    input.check()?;
    let slug = match &input.slug {
        Some(wanted) => slug::check(wanted)?,
        None => slug::from_title(&input.title)?,
    };
    let row = client
        .query_opt(
            &format!(
                "INSERT INTO rummet.map_views (slug, organisation, title, description, state, visibility, created_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (slug) DO NOTHING RETURNING {COLUMNS}"
            ),
            &[
                &slug,
                &who.organisation,
                &input.title.trim(),
                &input.description,
                &input.state.trim_start_matches('#'),
                &input.visibility.as_str(),
                &format!("key:{}", who.key_id),
            ],
        )
        .await?;
    row.as_ref()
        .map(from_row)
        .ok_or_else(|| ViewError::Conflict(format!("map view {slug} exists; choose another slug")))
}

/// The view `slug`, if `viewer` may open it.
///
/// # Errors
/// [`ViewError::NotFound`] when there is none or `viewer` may not open it; database failures.
pub async fn get(
    client: &impl GenericClient,
    slug: &str,
    viewer: Option<&Principal>,
) -> Result<MapView, ViewError> {
    let row = client
        .query_opt(
            &format!("SELECT {COLUMNS} FROM rummet.map_views WHERE slug = $1"),
            &[&slug],
        )
        .await?;
    row.as_ref()
        .map(from_row)
        .filter(|v| may_open(v, viewer))
        .ok_or_else(|| ViewError::NotFound(slug.chars().take(80).collect()))
}

/// The views `viewer` may open, of one organisation or all, newest first.
///
/// # Errors
/// Database failures.
pub async fn list(
    client: &impl GenericClient,
    organisation: Option<&str>,
    viewer: Option<&Principal>,
) -> Result<Vec<MapView>, ViewError> {
    let rows = client
        .query(
            &format!(
                "SELECT {COLUMNS} FROM rummet.map_views
                  WHERE $1::text IS NULL OR organisation = $1 ORDER BY updated_at DESC, slug"
            ),
            &[&organisation],
        )
        .await?;
    Ok(rows
        .iter()
        .map(from_row)
        .filter(|v| may_open(v, viewer))
        .collect())
}

/// Changes view `slug` (its organisation's publish key, or an admin key).
///
/// # Errors
/// [`ViewError::NotFound`], [`ViewError::Forbidden`], [`ViewError::Invalid`]; database
/// failures.
pub async fn update(
    client: &impl GenericClient,
    slug: &str,
    who: &Principal,
    input: &ViewInput,
) -> Result<MapView, ViewError> {
    let view = get(client, slug, Some(who)).await?;
    may_change(&view, who)?;
    input.check()?;
    let row = client
        .query_one(
            &format!(
                "UPDATE rummet.map_views SET title = $2, description = $3, state = $4, visibility = $5,
                        updated_at = now() WHERE slug = $1 RETURNING {COLUMNS}"
            ),
            &[
                &slug,
                &input.title.trim(),
                &input.description,
                &input.state.trim_start_matches('#'),
                &input.visibility.as_str(),
            ],
        )
        .await?;
    Ok(from_row(&row))
}

/// Deletes view `slug` (its organisation's publish key, or an admin key).
///
/// # Errors
/// [`ViewError::NotFound`], [`ViewError::Forbidden`]; database failures.
pub async fn delete(
    client: &impl GenericClient,
    slug: &str,
    who: &Principal,
) -> Result<(), ViewError> {
    let view = get(client, slug, Some(who)).await?;
    may_change(&view, who)?;
    client
        .execute("DELETE FROM rummet.map_views WHERE slug = $1", &[&slug])
        .await?;
    Ok(())
}
