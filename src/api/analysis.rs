//! Routes of the analysis (issue 4): diff, schema and field table, mapping
//! references, mappings with export, import and preview. Each is a few lines
//! over `crate::analysis`.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use http::StatusCode;
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

use super::error::ErrorBody;
use super::extract::{Ids, JsonBody, QueryParams};
use super::{ApiError, ApiState};
use crate::analysis::mapping::{
    self, Mapping, MappingExport, MappingPreview, MappingReference, SetReference,
};
use crate::analysis::schema::{FieldTable, Inference, mark_new};
use crate::analysis::{DiffOptions, DiffResult, checker, db};
use crate::store::{CaptureFilter, StoreError, queries};

type ApiResult<T> = Result<T, ApiError>;

/// The analysis routes (merged into the token-protected API).
pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/v1/diff", get(diff))
        .route("/api/v1/endpoints/{id}/schema", get(schema))
        .route("/api/v1/endpoints/{id}/fields", get(fields))
        .route(
            "/api/v1/endpoints/{id}/mapping-reference",
            get(get_reference).put(put_reference).delete(delete_reference),
        )
        .route("/api/v1/endpoints/{id}/mapping", get(get_mapping).put(put_mapping))
        .route("/api/v1/endpoints/{id}/mapping/export", get(export_mapping))
        .route("/api/v1/endpoints/{id}/mapping/import", post(import_mapping))
        .route("/api/v1/endpoints/{id}/mapping/preview", get(preview_mapping))
}

fn invalid_mapping(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_mapping", message)
}

// ---------------------------------------------------------------- diff

#[derive(Deserialize, IntoParams)]
pub struct DiffQuery {
    /// The first capture's id.
    pub a: i64,
    /// The second capture's id.
    pub b: i64,
    /// Leave out changes that look volatile (times, ids, signatures), counting them.
    pub ignore_volatile: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/diff", params(DiffQuery),
    responses((status = 200, body = DiffResult), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn diff(
    State(st): State<ApiState>,
    QueryParams(q): QueryParams<DiffQuery>,
) -> ApiResult<Json<DiffResult>> {
    st.store.caught_up().await;
    let store = st.store.clone();
    let opts = DiffOptions { ignore_volatile: q.ignore_volatile.unwrap_or(false) };
    let d = st.store.read(move |c| crate::analysis::diff_captures(c, store.blobs(), q.a, q.b, opts)).await?;
    Ok(Json(d))
}

// ---------------------------------------------------------------- schema

#[derive(Deserialize, IntoParams)]
pub struct SchemaQuery {
    /// Only captures matching this capture-list query.
    pub q: Option<String>,
    /// How many of the newest captures to look at, 1 to 1000 (default 200).
    pub limit: Option<usize>,
    /// Fields not seen in this capture or any before it are `new_since` (fields only).
    pub since: Option<i64>,
}

struct Inferred {
    all: Inference,
    before: Option<Inference>,
    captures: u64,
}

async fn infer(st: &ApiState, endpoint_id: i64, q: SchemaQuery) -> ApiResult<Inferred> {
    st.store.caught_up().await;
    let limit = q.limit.unwrap_or(200);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_request("limit must be between 1 and 1000"));
    }
    let query = crate::search::parse(q.q.as_deref().unwrap_or_default()).map_err(ApiError::bad_query)?;
    let store = st.store.clone();
    Ok(st
        .store
        .read(move |c| {
            queries::get_endpoint(c, endpoint_id)?;
            let filter = CaptureFilter { endpoint_id: Some(endpoint_id), query, before_id: None, limit };
            let mut ids: Vec<i64> = queries::list_captures(c, &filter)?.into_iter().map(|s| s.id).collect();
            ids.reverse();
            let mut all = Inference::new();
            let mut before = q.since.map(|_| Inference::new());
            let mut since_seen = false;
            for &id in &ids {
                let loaded = match db::load(c, store.blobs(), id) {
                    Ok(l) => l,
                    Err(StoreError::NotFound(_)) => continue,
                    Err(e) => return Err(e),
                };
                let Some(v) = loaded.json() else { continue };
                all.add(v);
                if let (Some(since), Some(b)) = (q.since, before.as_mut())
                    && id <= since
                {
                    since_seen |= id == since;
                    b.add(v);
                }
            }
            if let (Some(since), Some(b), false) = (q.since, before.as_mut(), since_seen) {
                // The `since` capture is outside the set looked at: it still counts as seen.
                let loaded = db::load(c, store.blobs(), since)?;
                if let Some(v) = loaded.json() {
                    b.add(v);
                }
            }
            Ok(Inferred { all, before, captures: ids.len() as u64 })
        })
        .await?)
}

#[utoipa::path(get, path = "/api/v1/endpoints/{id}/schema", params(("id" = i64, Path), SchemaQuery),
    responses((status = 200, description = "A JSON Schema (draft 2020-12) inferred from the JSON bodies of the endpoint's captures"),
              (status = 404, body = ErrorBody)))]
pub async fn schema(
    State(st): State<ApiState>,
    ids: Ids,
    QueryParams(q): QueryParams<SchemaQuery>,
) -> ApiResult<Json<Value>> {
    let id = ids.first();
    let endpoint = st.store.endpoint(id).await?;
    let inferred = infer(&st, id, q).await?;
    Ok(Json(inferred.all.json_schema(Some(&endpoint.name))))
}

#[utoipa::path(get, path = "/api/v1/endpoints/{id}/fields", params(("id" = i64, Path), SchemaQuery),
    responses((status = 200, body = FieldTable), (status = 404, body = ErrorBody)))]
pub async fn fields(
    State(st): State<ApiState>,
    ids: Ids,
    QueryParams(q): QueryParams<SchemaQuery>,
) -> ApiResult<Json<FieldTable>> {
    let inferred = infer(&st, ids.first(), q).await?;
    let mut fields = inferred.all.fields();
    if let Some(before) = &inferred.before {
        mark_new(&mut fields, &before.paths());
    }
    Ok(Json(FieldTable { captures: inferred.captures, json_captures: inferred.all.documents(), fields }))
}

// ---------------------------------------------------------------- mapping references

#[utoipa::path(get, path = "/api/v1/endpoints/{id}/mapping-reference", params(("id" = i64, Path)),
    responses((status = 200, body = MappingReference), (status = 404, body = ErrorBody, description = "no such endpoint, or it has no reference")))]
pub async fn get_reference(State(st): State<ApiState>, ids: Ids) -> ApiResult<Json<MappingReference>> {
    let id = ids.first();
    let r = st
        .store
        .read(move |c| {
            queries::get_endpoint(c, id)?;
            db::get_reference(c, id)
        })
        .await?;
    r.map(|(r, _)| Json(r)).ok_or_else(|| ApiError::not_found("mapping reference"))
}

/// Make a capture the endpoint's mapping reference (replacing any); the
/// endpoint's captures are checked against it again in the background.
#[utoipa::path(put, path = "/api/v1/endpoints/{id}/mapping-reference", params(("id" = i64, Path)), request_body = SetReference,
    responses((status = 200, body = MappingReference), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody, description = "the capture has no fields to map")))]
pub async fn put_reference(
    State(st): State<ApiState>,
    ids: Ids,
    JsonBody(body): JsonBody<SetReference>,
) -> ApiResult<Json<MappingReference>> {
    st.store.caught_up().await;
    let endpoint_id = ids.first();
    let store = st.store.clone();
    let loaded = st.store.read(move |c| db::load(c, store.blobs(), body.capture_id)).await?;
    if loaded.endpoint_id != endpoint_id {
        return Err(ApiError::bad_request(format!(
            "capture {} is not a capture of endpoint {endpoint_id}",
            body.capture_id
        )));
    }
    let fields = mapping::reference_fields(&loaded.source());
    if fields.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_reference",
            "this capture has no fields to map (no JSON or form body, no query parameters)",
        ));
    }
    let reference = MappingReference {
        endpoint_id,
        capture_id: Some(body.capture_id),
        created_at: crate::util::now_ms(),
        fields,
    };
    let saved = reference.clone();
    st.store.write(move |c, _| db::put_reference(c, &saved)).await?;
    tokio::spawn(checker::recheck_endpoint(st.store.clone(), st.events.clone(), endpoint_id));
    Ok(Json(reference))
}

#[utoipa::path(delete, path = "/api/v1/endpoints/{id}/mapping-reference", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_reference(State(st): State<ApiState>, ids: Ids) -> ApiResult<StatusCode> {
    let id = ids.first();
    let (_, unchecked) = st
        .store
        .write(move |c, _| {
            queries::get_endpoint(c, id)?;
            db::delete_reference(c, id)
        })
        .await?;
    // The list badges of those captures go away.
    if st.events.has_subscribers() && !unchecked.is_empty() {
        let summaries = st
            .store
            .read(move |c| {
                Ok(unchecked.iter().filter_map(|id| queries::get_summary(c, *id).ok()).collect::<Vec<_>>())
            })
            .await?;
        for s in summaries {
            st.events.publish(crate::events::Event::CaptureUpdated(s));
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- mappings

#[utoipa::path(get, path = "/api/v1/endpoints/{id}/mapping", params(("id" = i64, Path)),
    responses((status = 200, body = Mapping), (status = 404, body = ErrorBody)))]
pub async fn get_mapping(State(st): State<ApiState>, ids: Ids) -> ApiResult<Json<Mapping>> {
    let id = ids.first();
    let m = st
        .store
        .read(move |c| {
            queries::get_endpoint(c, id)?;
            db::get_mapping(c, id)
        })
        .await?;
    Ok(Json(m))
}

#[utoipa::path(put, path = "/api/v1/endpoints/{id}/mapping", params(("id" = i64, Path)), request_body = Mapping,
    responses((status = 200, body = Mapping), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody, description = "`invalid_mapping`: a rule is not valid")))]
pub async fn put_mapping(
    State(st): State<ApiState>,
    ids: Ids,
    JsonBody(m): JsonBody<Mapping>,
) -> ApiResult<Json<Mapping>> {
    let id = ids.first();
    mapping::validate_rules(&m.rules).map_err(|e| invalid_mapping(e.to_string()))?;
    let saved = m.clone();
    st.store.write(move |c, _| db::put_mapping(c, id, &saved)).await?;
    Ok(Json(m))
}

async fn export_doc(st: &ApiState, id: i64) -> ApiResult<MappingExport> {
    Ok(st
        .store
        .read(move |c| {
            queries::get_endpoint(c, id)?;
            let reference = db::get_reference(c, id)?.map(|(r, _)| r.fields).unwrap_or_default();
            Ok(MappingExport { hookbench_mapping: 1, reference, rules: db::get_mapping(c, id)?.rules })
        })
        .await?)
}

#[utoipa::path(get, path = "/api/v1/endpoints/{id}/mapping/export", params(("id" = i64, Path)),
    responses((status = 200, body = MappingExport), (status = 404, body = ErrorBody)))]
pub async fn export_mapping(State(st): State<ApiState>, ids: Ids) -> ApiResult<Json<MappingExport>> {
    Ok(Json(export_doc(&st, ids.first()).await?))
}

/// Import an exported mapping: its rules replace the endpoint's, and a
/// non-empty reference replaces the endpoint's reference.
#[utoipa::path(post, path = "/api/v1/endpoints/{id}/mapping/import", params(("id" = i64, Path)), request_body = MappingExport,
    responses((status = 200, body = MappingExport), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody, description = "`invalid_mapping`, with the reason")))]
pub async fn import_mapping(
    State(st): State<ApiState>,
    ids: Ids,
    body: axum::body::Bytes,
) -> ApiResult<Json<MappingExport>> {
    let id = ids.first();
    let doc: MappingExport = serde_json::from_slice(&body)
        .map_err(|e| invalid_mapping(format!("not a Hookbench mapping: {e}")))?;
    mapping::validate_export(&doc).map_err(|e| invalid_mapping(e.to_string()))?;
    let replaces_reference = !doc.reference.is_empty();
    st.store
        .write(move |c, _| {
            queries::get_endpoint(c, id)?;
            if !doc.reference.is_empty() {
                let reference = MappingReference {
                    endpoint_id: id,
                    capture_id: None,
                    created_at: crate::util::now_ms(),
                    fields: doc.reference,
                };
                db::put_reference(c, &reference)?;
            }
            db::put_mapping(c, id, &Mapping { rules: doc.rules })
        })
        .await?;
    if replaces_reference {
        tokio::spawn(checker::recheck_endpoint(st.store.clone(), st.events.clone(), id));
    }
    Ok(Json(export_doc(&st, id).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct PreviewQuery {
    /// The capture to map.
    pub capture_id: i64,
}

#[utoipa::path(get, path = "/api/v1/endpoints/{id}/mapping/preview", params(("id" = i64, Path), PreviewQuery),
    responses((status = 200, body = MappingPreview), (status = 404, body = ErrorBody)))]
pub async fn preview_mapping(
    State(st): State<ApiState>,
    ids: Ids,
    QueryParams(q): QueryParams<PreviewQuery>,
) -> ApiResult<Json<MappingPreview>> {
    st.store.caught_up().await;
    let id = ids.first();
    let store = st.store.clone();
    let p = st
        .store
        .read(move |c| {
            queries::get_endpoint(c, id)?;
            let rules = db::get_mapping(c, id)?.rules;
            let loaded = db::load(c, store.blobs(), q.capture_id)?;
            Ok(mapping::preview(&rules, &loaded.source()))
        })
        .await?;
    Ok(Json(p))
}
