//! Publishing: organisations upload, replace, roll back and remove their own datasets, and
//! admins reload and seed catalog datasets, through the same load pipeline as `rummet load`.
//! Free of HTTP: `http::publish` receives the file and calls these. Everything that takes
//! longer than a request runs as a [job](jobs); every write is audited.

mod error;
mod jobs;
mod runs;

use std::path::PathBuf;

use rummet_core::DatasetId;
use rummet_loaders::catalog::{self, CatalogEntry};
use rummet_loaders::pipeline::versions::{self, VersionInfo};
use rummet_loaders::read::Input;
use rummet_loaders::upload::{self, UploadMeta};
use serde_json::{Value, json};

pub use error::PublishError;
pub use jobs::{Job, JobKind, Tracker, get as job, list as jobs};

use crate::access::{self, Outcome, Principal, Scope, Visibility};
use crate::app::AppState;

/// A file received for an upload, on disk in a directory of its own that is removed when
/// the job that loads it ends.
pub struct Received {
    /// The directory; dropping it removes the file.
    pub dir: tempfile::TempDir,
    /// The file.
    pub path: PathBuf,
    /// The name it was sent under (provenance, messages).
    pub name: String,
    /// Its size.
    pub bytes: u64,
}

impl Received {
    fn input(&self) -> Input {
        Input::Upload {
            name: self.name.clone(),
            path: self.path.clone(),
        }
    }
}

/// Whether `who` may change dataset `id`: its organisation's publish keys and admin keys;
/// a catalog dataset (no namespace), admin keys only.
///
/// # Errors
/// [`PublishError::Forbidden`] saying whose it is.
pub fn authorise(who: &Principal, id: &DatasetId) -> Result<(), PublishError> {
    who.require(Scope::Publish)?;
    if who.may(Scope::Admin) {
        return Ok(());
    }
    match id.namespace() {
        Some(org) if org == who.organisation => Ok(()),
        Some(org) => Err(PublishError::Forbidden(format!(
            "{id} belongs to {org}; key {} of {} may change only {}.* datasets",
            who.key_id, who.organisation, who.organisation
        ))),
        None => Err(PublishError::Forbidden(format!(
            "{id} is a catalog dataset: changing it needs a key with scope admin"
        ))),
    }
}

/// `POST /api/datasets`: a new dataset in the caller's namespace from `file`. Checks what
/// can be checked at once (metadata, format, archive, schema, CRS), then loads it as a job;
/// answers the job's number.
///
/// # Errors
/// `400` for what is wrong with the file or meta, `403`, `409` when it exists or is being
/// loaded, `413` for an archive past its caps.
pub async fn create(
    app: &AppState,
    who: &Principal,
    meta: UploadMeta,
    file: Received,
) -> Result<i64, PublishError> {
    let id = new_id(who, &meta);
    let target = id
        .as_ref()
        .map_or_else(|_| String::new(), ToString::to_string);
    let started = async {
        let id = id?;
        authorise(who, &id)?;
        if app.datasets.get_any(&id).is_some() {
            return Err(PublishError::Conflict(format!(
                "{id} exists: send a new version with PUT /api/datasets/{id}"
            )));
        }
        let org = id.namespace().unwrap_or(&who.organisation).to_owned();
        let visibility = visibility(meta.visibility.as_deref())?.unwrap_or_default();
        let entry = describe(app, &id, &meta, &file, &org).await?;
        let plan = runs::LoadPlan {
            kind: JobKind::Upload,
            entry,
            infer: Some(meta),
            input: file.input(),
            owner: Some((org, visibility)),
        };
        runs::start_load(app, who, plan, Some(file)).await
    }
    .await;
    audited(app, who, ("dataset.upload", &target), started).await
}

/// `PUT /api/datasets/{id}`: a new version of `id` from `file`: an upload's, described
/// afresh (what meta leaves out is kept), or a catalog dataset's (admin), read as the
/// catalog says. The version serving now serves until the new one is swapped in.
///
/// # Errors
/// As [`create`]; `404` when `id` is not loaded (or, for a catalog id, not in the catalog).
pub async fn replace(
    app: &AppState,
    who: &Principal,
    id: &str,
    mut meta: UploadMeta,
    file: Received,
) -> Result<i64, PublishError> {
    let started = async {
        let id = DatasetId::parse(id)?;
        authorise(who, &id)?;
        if let Some(given) = meta
            .id
            .as_deref()
            .filter(|g| *g != id.as_str() && *g != id.name())
        {
            return Err(PublishError::Invalid(format!(
                "meta.id {given:?} is not {id}, the dataset this PUT replaces"
            )));
        }
        let visibility = visibility(meta.visibility.as_deref())?;
        let plan = if let Some(org) = id.namespace() {
            // The owner is always set: should the dataset be removed while this one is
            // described, the new version must not come back public and ownerless.
            let visibility = match visibility {
                Some(v) => v,
                None => app
                    .datasets
                    .get_any(&id)
                    .map(|d| d.visibility)
                    .ok_or_else(|| PublishError::NotFound(format!("{id} is not loaded")))?,
            };
            let previous = serving_entry(app, &id).await?;
            meta.inherit(&previous);
            let entry = describe(app, &id, &meta, &file, org).await?;
            runs::LoadPlan {
                kind: JobKind::Replace,
                entry,
                infer: Some(meta),
                input: file.input(),
                owner: Some((org.to_owned(), visibility)),
            }
        } else {
            let entry = catalog::get(&id)
                .ok_or_else(|| PublishError::NotFound(format!("{id} is not in the catalog")))?
                .clone();
            upload::check_archive(&file.input(), &limits(app))?;
            runs::LoadPlan {
                kind: JobKind::Replace,
                entry,
                infer: None,
                input: file.input(),
                owner: None,
            }
        };
        runs::start_load(app, who, plan, Some(file)).await
    }
    .await;
    audited(app, who, ("dataset.replace", id), started).await
}

/// `POST /api/datasets/{id}/rollback`: swaps kept version `to` (the newest kept when
/// `None`) back in, as a job.
///
/// # Errors
/// `403`; `404` when the dataset or the version is not there; `409` while a job runs on it.
pub async fn rollback(
    app: &AppState,
    who: &Principal,
    id: &str,
    to: Option<i64>,
) -> Result<i64, PublishError> {
    let started = async {
        let id = DatasetId::parse(id)?;
        authorise(who, &id)?;
        let kept = versions_of(app, &id).await?;
        let known = kept
            .iter()
            .any(|v| !v.serving && to.is_none_or(|t| t == v.version));
        if !known {
            return Err(PublishError::NotFound(match to {
                Some(v) => format!(
                    "{id}: version {v} is not kept (GET /api/datasets/{id}/versions lists them)"
                ),
                None => format!("{id}: no earlier version is kept"),
            }));
        }
        runs::start_rollback(app, who, id, to).await
    }
    .await;
    audited(app, who, ("dataset.rollback", id), started).await
}

/// `DELETE /api/datasets/{id}`: removes the dataset, its kept versions and everything
/// derived from it.
///
/// # Errors
/// `403`; `404` when it is not loaded; `409` while a job runs on it.
pub async fn remove(app: &AppState, who: &Principal, id: &str) -> Result<(), PublishError> {
    let done = async {
        let id = DatasetId::parse(id)?;
        authorise(who, &id)?;
        if app.datasets.get_any(&id).is_none() {
            return Err(PublishError::NotFound(format!("{id} is not loaded")));
        }
        let mut client = app.pool.get().await?;
        let running = jobs::running(&**client, id.as_str()).await?;
        if let Some(job) = running {
            return Err(PublishError::Conflict(format!(
                "{id} is being changed by job {job}: wait for it to finish"
            )));
        }
        versions::remove(&mut client, &id).await?;
        app.datasets.reload(&app.pool, &id).await?;
        app.tiles.cache().invalidate_dataset(&id);
        Ok(())
    }
    .await;
    audited(app, who, ("dataset.delete", id), done).await
}

/// `PATCH /api/datasets/{id}` with `visibility` (and, for a catalog dataset, the
/// `organisation` that owns it when it is not public).
///
/// # Errors
/// `400` for an unknown visibility or a restricted dataset without an owner; `403`; `404`.
pub async fn set_visibility(
    app: &AppState,
    who: &Principal,
    id: &str,
    visibility_name: &str,
    organisation: Option<&str>,
) -> Result<(), PublishError> {
    let done = async {
        let id = DatasetId::parse(id)?;
        authorise(who, &id)?;
        if app.datasets.get_any(&id).is_none() {
            return Err(PublishError::NotFound(format!("{id} is not loaded")));
        }
        let vis = visibility(Some(visibility_name))?.unwrap_or_default();
        let owner = match (id.namespace(), organisation) {
            (Some(ns), Some(org)) if ns != org => {
                return Err(PublishError::Invalid(format!(
                    "{id} belongs to {ns}; its owner cannot be changed"
                )));
            }
            (Some(ns), _) => Some(ns),
            (None, org) => org,
        };
        let client = app.pool.get().await?;
        access::set_visibility(&**client, id.as_str(), vis, owner).await?;
        app.datasets.reload(&app.pool, &id).await?;
        app.tiles.cache().invalidate_dataset(&id);
        Ok(())
    }
    .await;
    audited(app, who, ("dataset.visibility", id), done).await
}

/// `GET /api/datasets/{id}/versions`: the serving version and the kept ones.
///
/// # Errors
/// `404` when `viewer` cannot see the dataset.
pub async fn list_versions(
    app: &AppState,
    viewer: Option<&Principal>,
    id: &str,
) -> Result<Vec<VersionInfo>, PublishError> {
    let id = DatasetId::parse(id)?;
    if app.datasets.get(&id, viewer).is_none() {
        return Err(PublishError::NotFound(format!("{id} is not loaded")));
    }
    versions_of(app, &id).await
}

/// `POST /api/admin/datasets/{id}/reload`: reads a catalog dataset again from `url` (its
/// catalog URL when `None`), as a job.
///
/// # Errors
/// `403` without admin; `404` for a dataset not in the catalog; `400` for a URL that is
/// not http(s).
pub async fn reload(
    app: &AppState,
    who: &Principal,
    id: &str,
    url: Option<String>,
) -> Result<i64, PublishError> {
    let started = async {
        who.require(Scope::Admin)?;
        let id = DatasetId::parse(id)?;
        let entry = catalog::get(&id)
            .ok_or_else(|| PublishError::NotFound(format!("{id} is not in the catalog")))?
            .clone();
        let url = url
            .or_else(|| entry.source.urls.first().cloned())
            .ok_or_else(|| {
                PublishError::Invalid(format!("{id} has no URL in the catalog: give one"))
            })?;
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(PublishError::Invalid(format!(
                "{url}: only http:// and https:// URLs are read"
            )));
        }
        let plan = runs::LoadPlan {
            kind: JobKind::Reload,
            entry,
            infer: None,
            input: Input::Url(url),
            owner: None,
        };
        runs::start_load(app, who, plan, None).await
    }
    .await;
    audited(app, who, ("dataset.reload", id), started).await
}

/// `POST /api/admin/datasets/{id}/seed`: pre-renders `zooms` of a loaded dataset, as a job.
///
/// # Errors
/// `403` without admin; `404` when it is not loaded.
pub async fn seed(
    app: &AppState,
    who: &Principal,
    id: &str,
    zooms: std::ops::RangeInclusive<u8>,
) -> Result<i64, PublishError> {
    let started = async {
        who.require(Scope::Admin)?;
        let id = DatasetId::parse(id)?;
        if app.datasets.get_any(&id).is_none() {
            return Err(PublishError::NotFound(format!("{id} is not loaded")));
        }
        runs::start_seed(app, who, id, zooms).await
    }
    .await;
    audited(app, who, ("dataset.seed", id), started).await
}

/// The id a new upload gets: meta's, in the caller's namespace unless it names one.
fn new_id(who: &Principal, meta: &UploadMeta) -> Result<DatasetId, PublishError> {
    let given = meta
        .id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            PublishError::Invalid(
                "meta: \"id\" is required: a name of a-z, 0-9 and _ (it becomes <organisation>.<name>)"
                    .into(),
            )
        })?;
    let parsed = if given.contains('.') {
        DatasetId::parse(given)
    } else {
        DatasetId::namespaced(&who.organisation, given)
    };
    Ok(parsed?)
}

fn visibility(name: Option<&str>) -> Result<Option<Visibility>, PublishError> {
    name.map(Visibility::parse)
        .transpose()
        .map_err(PublishError::Invalid)
}

fn limits(app: &AppState) -> upload::Limits {
    let p = &app.config.publishing;
    upload::Limits {
        max_unpacked_bytes: p.max_unpacked_mb.saturating_mul(1 << 20),
        max_ratio: p.max_zip_ratio,
    }
}

/// Describes the upload on a blocking thread (it may unpack a zip and open SQLite).
async fn describe(
    app: &AppState,
    id: &DatasetId,
    meta: &UploadMeta,
    file: &Received,
    org: &str,
) -> Result<CatalogEntry, PublishError> {
    let client = app.pool.get().await?;
    let organisation: String = client
        .query_opt(
            "SELECT name FROM rummet.organisations WHERE id = $1",
            &[&org],
        )
        .await?
        .map(|r| r.get(0))
        .ok_or_else(|| PublishError::Invalid(format!("no organisation {org:?}")))?;
    drop(client);
    let (id, meta, input, limits) = (id.clone(), meta.clone(), file.input(), limits(app));
    tokio::task::spawn_blocking(move || {
        upload::describe(&upload::Upload {
            id: &id,
            meta: &meta,
            input: &input,
            organisation: &organisation,
            limits: &limits,
        })
    })
    .await
    .map_err(|e| PublishError::Storage(format!("the reader stopped: {e}")))?
    .map_err(PublishError::from)
}

/// The catalog entry the serving version of an uploaded dataset was loaded with.
async fn serving_entry(app: &AppState, id: &DatasetId) -> Result<CatalogEntry, PublishError> {
    let client = app.pool.get().await?;
    let row = client
        .query_opt(
            "SELECT catalog FROM rummet.datasets WHERE id = $1",
            &[&id.as_str()],
        )
        .await?
        .ok_or_else(|| {
            PublishError::NotFound(format!(
                "{id} is not loaded: create it with POST /api/datasets"
            ))
        })?;
    serde_json::from_value(row.get::<_, Value>(0))
        .map_err(|e| PublishError::Storage(format!("the registry's description of {id}: {e}")))
}

async fn versions_of(app: &AppState, id: &DatasetId) -> Result<Vec<VersionInfo>, PublishError> {
    let client = app.pool.get().await?;
    let found = versions::list(&**client, id).await?;
    if found.is_empty() {
        return Err(PublishError::NotFound(format!("{id} is not loaded")));
    }
    Ok(found)
}

/// Records a write in the audit trail and passes its result on.
async fn audited<T>(
    app: &AppState,
    who: &Principal,
    (action, target): (&str, &str),
    result: Result<T, PublishError>,
) -> Result<T, PublishError> {
    let (outcome, detail) = match &result {
        Ok(_) => (Outcome::Done, json!({})),
        Err(PublishError::Query(_) | PublishError::Storage(_)) => (
            Outcome::Failed,
            json!({ "error": result.as_ref().err().map(ToString::to_string) }),
        ),
        Err(e) => (Outcome::Refused, json!({ "error": e.to_string() })),
    };
    runs::audit(app, Some(who), (action, target), outcome, &detail).await;
    result
}
