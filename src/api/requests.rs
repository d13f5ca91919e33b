//! Routes of outbound requests (issue 5): send (or dry-run) a built request,
//! replay a capture, and browse the execution log.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{Ids, JsonBody, QueryParams};
use super::{ApiError, ApiState};
use crate::outbound::bulk::{self, BulkItemList, BulkJob, BulkJobList, BulkRequest};
use crate::outbound::forward::{self, ForwardConfig};
use crate::outbound::log::{self, LogFilter, SendKind, SendPage, StoredSend};
use crate::outbound::spec::{ReplayRequest, SendRequest};
use crate::outbound::{Job, OutboundError, replay};
use crate::store::queries;

type ApiResult<T> = Result<T, ApiError>;

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/v1/requests/send", post(send))
        .route("/api/v1/requests", get(list))
        .route("/api/v1/requests/{id}", get(get_one).delete(delete_one))
        .route("/api/v1/captures/{id}/replay", post(replay_capture))
        .route("/api/v1/endpoints/{id}/forward", get(get_forward).put(put_forward).delete(delete_forward))
        .route("/api/v1/replays", get(list_bulk).post(start_bulk))
        .route("/api/v1/replays/{id}", get(get_bulk))
        .route("/api/v1/replays/{id}/items", get(bulk_items))
        .route("/api/v1/replays/{id}/stop", post(stop_bulk))
        .route("/api/v1/replays/{id}/resume", post(resume_bulk))
}

#[utoipa::path(get, path = "/api/v1/endpoints/{id}/forward", params(("id" = i64, Path)),
    responses((status = 200, body = ForwardConfig), (status = 404, body = super::error::ErrorBody, description = "No such endpoint, or it has no forward")))]
pub async fn get_forward(State(st): State<ApiState>, ids: Ids) -> ApiResult<Json<ForwardConfig>> {
    let id = ids.first();
    let cfg = st.store.read(move |c| forward::get(c, id)).await?;
    cfg.map(Json).ok_or_else(|| ApiError::not_found("forward"))
}

#[utoipa::path(put, path = "/api/v1/endpoints/{id}/forward", params(("id" = i64, Path)), request_body = ForwardConfig,
    responses((status = 200, body = ForwardConfig, description = "From now on each capture of the endpoint is also sent there; results are in `GET /api/v1/requests?kind=forward&capture_id=…`"),
              (status = 400, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)))]
pub async fn put_forward(
    State(st): State<ApiState>,
    ids: Ids,
    JsonBody(cfg): JsonBody<ForwardConfig>,
) -> ApiResult<Json<ForwardConfig>> {
    let id = ids.first();
    let target = crate::outbound::wire::Target::parse(&cfg.url)?;
    // Forwarding to this endpoint's own listener would send each capture round for ever.
    if let Ok(own) = crate::outbound::wire::Target::parse(&st.store.capture_base())
        && own.same_origin(&target)
    {
        let endpoint = st.store.endpoint(id).await?;
        if endpoint.is_default || target.path_and_query.starts_with(&format!("/h/{}", endpoint.slug)) {
            return Err(ApiError::bad_request(
                "the forward target is this endpoint itself: every capture would loop",
            ));
        }
    }
    if let Some(p) = cfg.options.proxy.as_deref().filter(|p| !p.trim().is_empty()) {
        crate::outbound::client::Proxy::parse(p)?;
    }
    let saved = cfg.clone();
    // Captures already answered are not forwarded: only those from now on.
    st.store.caught_up().await;
    st.store.write(move |c, _| forward::put(c, id, &saved)).await?;
    st.outbound.reload_answering().await?;
    Ok(Json(cfg))
}

#[utoipa::path(delete, path = "/api/v1/endpoints/{id}/forward", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = super::error::ErrorBody)))]
pub async fn delete_forward(State(st): State<ApiState>, ids: Ids) -> ApiResult<StatusCode> {
    let id = ids.first();
    let deleted = st.store.write(move |c, _| forward::delete(c, id)).await?;
    st.outbound.reload_answering().await?;
    match deleted {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(ApiError::not_found("forward")),
    }
}

#[utoipa::path(post, path = "/api/v1/replays", request_body = BulkRequest,
    responses((status = 201, body = BulkJob, description = "Started; progress at `GET /api/v1/replays/{id}` and in `replay.progress` events"),
              (status = 400, body = super::error::ErrorBody)))]
pub async fn start_bulk(
    State(st): State<ApiState>,
    JsonBody(req): JsonBody<BulkRequest>,
) -> ApiResult<(StatusCode, Json<BulkJob>)> {
    Ok((StatusCode::CREATED, Json(st.outbound.start_bulk(req).await?)))
}

#[utoipa::path(get, path = "/api/v1/replays", responses((status = 200, body = BulkJobList)))]
pub async fn list_bulk(State(st): State<ApiState>) -> ApiResult<Json<BulkJobList>> {
    let items = st.store.read(bulk::list_jobs).await?;
    Ok(Json(BulkJobList { items }))
}

#[utoipa::path(get, path = "/api/v1/replays/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = BulkJob), (status = 404, body = super::error::ErrorBody)))]
pub async fn get_bulk(State(st): State<ApiState>, ids: Ids) -> ApiResult<Json<BulkJob>> {
    let id = ids.first();
    Ok(Json(st.store.read(move |c| bulk::get_job(c, id)).await?))
}

/// `GET /api/v1/replays/{id}/items`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BulkItemQuery {
    /// `pending`, `ok` or `failed`.
    pub state: Option<String>,
    /// At most this many (default 1,000, at most 100,000), in order.
    pub limit: Option<usize>,
}

#[utoipa::path(get, path = "/api/v1/replays/{id}/items", params(("id" = i64, Path), BulkItemQuery),
    responses((status = 200, body = BulkItemList), (status = 404, body = super::error::ErrorBody)))]
pub async fn bulk_items(
    State(st): State<ApiState>,
    ids: Ids,
    QueryParams(q): QueryParams<BulkItemQuery>,
) -> ApiResult<Json<BulkItemList>> {
    let id = ids.first();
    let limit = q.limit.unwrap_or(1000).clamp(1, 100_000);
    if let Some(s) = q.state.as_deref()
        && !matches!(s, "pending" | "ok" | "failed")
    {
        return Err(ApiError::bad_request(format!("state must be pending, ok or failed, not {s:?}")));
    }
    let items = st.store.read(move |c| bulk::list_items(c, id, q.state.as_deref(), limit)).await?;
    Ok(Json(BulkItemList { items }))
}

#[utoipa::path(post, path = "/api/v1/replays/{id}/stop", params(("id" = i64, Path)),
    responses((status = 200, body = BulkJob), (status = 404, body = super::error::ErrorBody)))]
pub async fn stop_bulk(State(st): State<ApiState>, ids: Ids) -> ApiResult<Json<BulkJob>> {
    Ok(Json(st.outbound.stop_bulk(ids.first()).await?))
}

#[utoipa::path(post, path = "/api/v1/replays/{id}/resume", params(("id" = i64, Path)),
    responses((status = 200, body = BulkJob), (status = 404, body = super::error::ErrorBody)))]
pub async fn resume_bulk(State(st): State<ApiState>, ids: Ids) -> ApiResult<Json<BulkJob>> {
    Ok(Json(st.outbound.resume_bulk(ids.first()).await?))
}

impl From<OutboundError> for ApiError {
    fn from(e: OutboundError) -> Self {
        match e {
            OutboundError::Template(d) => {
                let first = d
                    .first()
                    .map(|d| format!(" ({}: {})", d.field, d.diagnostic.message))
                    .unwrap_or_default();
                let mut err = ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "template_error",
                    format!("the request's templates have {} error(s){first}", d.len()),
                );
                err.diagnostics = Some(d);
                err
            }
            OutboundError::Store(e) => e.into(),
            OutboundError::BadUrl(_) | OutboundError::Invalid(_) => ApiError::bad_request(e.to_string()),
            other => ApiError::new(StatusCode::BAD_GATEWAY, "send_failed", other.to_string()),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/requests/send", request_body = SendRequest,
    responses((status = 200, body = StoredSend, description = "The logged send (a dry run: the request only, `id` null). A send that got no answer is logged with `error`."),
              (status = 400, body = super::error::ErrorBody, description = "A bad URL, method, header or option"),
              (status = 404, body = super::error::ErrorBody, description = "No such capture or endpoint for the merge tags"),
              (status = 422, body = super::error::ErrorBody, description = "`template_error`, with `diagnostics` by field")))]
pub async fn send(
    State(st): State<ApiState>,
    JsonBody(req): JsonBody<SendRequest>,
) -> ApiResult<Json<StoredSend>> {
    let (ctx, secrets) = super::template::build_context_with_secrets(&st, &req.context).await?;
    let mut built = crate::outbound::build::build(&req, &ctx)?;
    built.prepared.secret_values = secrets;
    let job = Job {
        built,
        options: req.options,
        dry_run: req.dry_run,
        kind: SendKind::Send,
        capture_id: req.context.capture_id,
        batch_id: None,
    };
    Ok(Json(st.outbound.run(job).await?))
}

#[utoipa::path(post, path = "/api/v1/captures/{id}/replay", params(("id" = i64, Path)), request_body = ReplayRequest,
    responses((status = 200, body = StoredSend, description = "The logged replay (a dry run: the request only)"),
              (status = 400, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)))]
pub async fn replay_capture(
    State(st): State<ApiState>,
    ids: Ids,
    JsonBody(req): JsonBody<ReplayRequest>,
) -> ApiResult<Json<StoredSend>> {
    let id = ids.first();
    let original = load_original(&st, id).await?;
    let built = replay::build(&original, &req)?;
    let job = Job {
        built,
        options: req.options,
        dry_run: req.dry_run,
        kind: SendKind::Replay,
        capture_id: Some(id),
        batch_id: None,
    };
    Ok(Json(st.outbound.run(job).await?))
}

/// A capture's method, query, headers and raw body.
pub(crate) async fn load_original(st: &ApiState, id: i64) -> ApiResult<replay::Original> {
    st.store.caught_up().await;
    let store = st.store.clone();
    let original = st
        .store
        .read(move |c| {
            let (capture, body) = queries::get_capture(c, id)?;
            Ok((capture, store.body_bytes(body)?))
        })
        .await?;
    Ok(original.into())
}

/// `GET /api/v1/requests`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    /// Text anywhere in the URL, method, error, request head or body, response body, or a status code.
    pub q: Option<String>,
    /// `send`, `replay`, `forward` or `bulk`.
    pub kind: Option<String>,
    /// Only the replays and forwards of this capture.
    pub capture_id: Option<i64>,
    /// Only the items of this bulk replay.
    pub batch_id: Option<i64>,
    /// A code (`200`), a class (`4xx`) or `error` (no response).
    pub status: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/requests", params(LogQuery),
    responses((status = 200, body = SendPage), (status = 400, body = super::error::ErrorBody)))]
pub async fn list(
    State(st): State<ApiState>,
    QueryParams(q): QueryParams<LogQuery>,
) -> ApiResult<Json<SendPage>> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request("limit must be between 1 and 500"));
    }
    let before = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(c.parse::<i64>().map_err(|_| ApiError::bad_request("cursor is not valid"))?),
        None => None,
    };
    let kind = match q.kind.as_deref().filter(|k| !k.is_empty()) {
        Some(k) => Some(SendKind::parse(k).ok_or_else(|| {
            ApiError::bad_request(format!("kind must be send, replay, forward or bulk, not {k:?}"))
        })?),
        None => None,
    };
    if let Some(s) = &q.status {
        log::status_range(s).map_err(ApiError::bad_request)?;
    }
    let filter = LogFilter {
        q: q.q,
        kind,
        capture_id: q.capture_id,
        batch_id: q.batch_id,
        status: q.status,
        before,
        limit,
    };
    let items = st.store.read(move |c| log::list(c, &filter)).await?;
    let next_cursor = (items.len() == limit).then(|| items.last().map(|s| s.id.to_string())).flatten();
    Ok(Json(SendPage { items, next_cursor }))
}

#[utoipa::path(get, path = "/api/v1/requests/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = StoredSend), (status = 404, body = super::error::ErrorBody)))]
pub async fn get_one(State(st): State<ApiState>, ids: Ids) -> ApiResult<Json<StoredSend>> {
    let id = ids.first();
    let record = st.store.read(move |c| log::get(c, id)).await?;
    Ok(Json(record.to_stored(Some(id), false)))
}

#[utoipa::path(delete, path = "/api/v1/requests/{id}", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = super::error::ErrorBody)))]
pub async fn delete_one(State(st): State<ApiState>, ids: Ids) -> ApiResult<StatusCode> {
    let id = ids.first();
    st.store.write(move |c, _| log::delete(c, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
