//! The OpenAPI description of publishing: uploads, versions, jobs, map views and the admin
//! operations, all behind an API key (`bearerAuth`).

use serde_json::{Map, Value, json};

fn error(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

fn id_param() -> Value {
    json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"},
           "description": "A dataset id: `<organisation>.<name>` for an upload, a bare name for a catalog dataset."})
}

fn accepted() -> Value {
    json!({"description": "Started as a job; `Location` is `/api/jobs/{n}`.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}})
}

fn upload_body() -> Value {
    json!({"required": true, "content": {"multipart/form-data": {"schema": {"type": "object", "required": ["file", "meta"], "properties": {
        "file": {"type": "string", "format": "binary", "description": "GeoPackage, zipped Shapefile, GeoJSON, GeoParquet or CSV."},
        "meta": {"type": "string", "description": "JSON: id, title and licence (required on POST), title_en, description, attribution, agency, visibility (public|org|private), fields {source: description}, division {code, name}, minzoom, maxzoom, crs, layer, x, y, delimiter, encoding."},
    }}}}})
}

/// Adds the publishing paths and their components to the OpenAPI document `doc`.
pub(super) fn add_to(doc: &mut Value) {
    let (publishing, components) = paths();
    if let Some(paths) = doc["paths"].as_object_mut() {
        paths.extend(publishing);
    }
    if let Some(known) = doc["components"].as_object_mut() {
        for (name, value) in components {
            match (known.get_mut(&name), value) {
                (Some(Value::Object(mine)), Value::Object(theirs)) => mine.extend(theirs),
                (_, value) => {
                    known.insert(name, value);
                }
            }
        }
    }
}

/// The paths, and the components they add.
fn paths() -> (Map<String, Value>, Map<String, Value>) {
    let secured = json!([{"bearerAuth": []}]);
    let refusals = |extra: &[(&str, &str)]| {
        let mut r = json!({
            "401": error("No key, or an unknown, revoked or mistyped one."),
            "403": error("The key's scope or organisation may not do this."),
        });
        for (status, what) in extra {
            r[*status] = error(what);
        }
        r
    };
    let mut upload = refusals(&[
        (
            "400",
            "The file or meta is wrong; the message says what and where.",
        ),
        ("409", "The dataset exists, or a job runs on it."),
        ("413", "The file, or what its zip unpacks to, is too large."),
    ]);
    upload["202"] = accepted();
    let mut replace = upload.clone();
    replace["404"] = error("No such dataset.");
    let mut rollback = refusals(&[
        ("404", "No such dataset, or no such kept version."),
        ("409", "A job runs on the dataset."),
    ]);
    rollback["202"] = accepted();
    let mut admin_job = refusals(&[
        ("400", "A malformed request."),
        ("404", "Not in the catalog, or not loaded."),
    ]);
    admin_job["202"] = accepted();
    let paths = json!({
        "/api/datasets": {"post": {"summary": "Publish a new dataset from a file, in the key's organisation", "security": secured, "requestBody": upload_body(), "responses": upload}},
        "/api/datasets/{id}": {
            "put": {"summary": "A new version of a dataset from a file (meta may leave out what stays)", "security": secured, "parameters": [id_param()], "requestBody": upload_body(), "responses": replace},
            "patch": {"summary": "Who may see the dataset", "security": secured, "parameters": [id_param()],
                      "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["visibility"], "properties": {"visibility": {"type": "string", "enum": ["public", "org", "private"]}, "organisation": {"type": "string"}}}}}},
                      "responses": {"200": {"description": "Changed."}, "400": error("Unknown visibility, or no owner for a restricted dataset."), "401": error("No valid key."), "403": error("Not the key's dataset."), "404": error("Not loaded.")}},
            "delete": {"summary": "Remove the dataset with its versions, overlays and tiles", "security": secured, "parameters": [id_param()],
                       "responses": {"204": {"description": "Removed."}, "401": error("No valid key."), "403": error("Not the key's dataset."), "404": error("Not loaded."), "409": error("A job runs on it.")}},
        },
        "/api/datasets/{id}/versions": {"get": {"summary": "The serving version and those kept for rollback", "parameters": [id_param()],
            "responses": {"200": {"description": "Versions, the serving one first."}, "404": error("Not loaded, or not visible to the caller.")}}},
        "/api/datasets/{id}/rollback": {"post": {"summary": "Swap a kept version back in (the newest kept, or `version`)", "security": secured, "parameters": [id_param()],
            "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object", "properties": {"version": {"type": "integer"}}}}}},
            "responses": rollback}},
        "/api/jobs": {"get": {"summary": "The newest jobs of the key's organisation (all, for admin)", "security": secured,
            "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}],
            "responses": {"200": {"description": "Jobs, newest first."}, "401": error("No valid key.")}}},
        "/api/jobs/{n}": {"get": {"summary": "A job: state, phase, rows, and its report or error", "security": secured,
            "parameters": [{"name": "n", "in": "path", "required": true, "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "The job.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}}, "401": error("No valid key."), "404": error("No such job of the key's organisation.")}}},
        "/api/admin/datasets/{id}/reload": {"post": {"summary": "Read a catalog dataset again from its agency (or `url`), as a job", "security": secured, "parameters": [id_param()],
            "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object", "properties": {"url": {"type": "string"}}}}}}, "responses": admin_job.clone()}},
        "/api/admin/datasets/{id}/seed": {"post": {"summary": "Pre-render a dataset's tiles over `zooms`, as a job", "security": secured, "parameters": [id_param()],
            "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object", "properties": {"zooms": {"type": "string", "example": "0-10"}}}}}}, "responses": admin_job}},
        "/api/admin/datasets/{id}/purge": {"post": {"summary": "Drop a dataset's stored and cached tiles on every server", "security": secured, "parameters": [id_param()],
            "responses": {"200": {"description": "Purged."}, "401": error("No valid key."), "403": error("Needs admin.")}}},
        "/api/whoami": {"get": {"summary": "The key's organisation, id and scope", "security": secured, "responses": {"200": {"description": "The key's holder."}, "401": error("No valid key.")}}},
        "/api/audit": {"get": {"summary": "The audit trail of writes, newest first (admin)", "security": secured, "responses": {"200": {"description": "Entries."}, "401": error("No valid key."), "403": error("Needs admin.")}}},
        "/api/maps": {
            "get": {"summary": "Saved map views the caller may open", "responses": {"200": {"description": "Views."}}},
            "post": {"summary": "Save a map view (title, description, state, visibility)", "security": secured, "responses": {"201": {"description": "Saved; `Location` and the permalink `/m/{slug}`."}, "400": error("Malformed view."), "401": error("No valid key."), "409": error("Slug taken.")}},
        },
    });
    let components = json!({
        "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "description": "An API key `rmt_<id>_<secret>`; also accepted as the Basic auth password or as `?key=`."}},
        "schemas": {"Job": {"type": "object", "properties": {
            "id": {"type": "integer"}, "kind": {"type": "string", "enum": ["upload", "replace", "reload", "seed", "rollback"]},
            "dataset": {"type": "string"}, "organisation": {"type": "string", "nullable": true},
            "state": {"type": "string", "enum": ["running", "succeeded", "failed"]},
            "phase": {"type": "string"}, "rows": {"type": "integer"}, "total": {"type": "integer", "nullable": true},
            "report": {"type": "object", "nullable": true}, "error": {"type": "string", "nullable": true},
            "created_at": {"type": "string", "format": "date-time"}, "finished_at": {"type": "string", "format": "date-time", "nullable": true},
        }}},
    });
    let as_map = |v: Value| match v {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    (as_map(paths), as_map(components))
}
