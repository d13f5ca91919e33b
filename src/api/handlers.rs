//! Route handlers: each a few lines over the store.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::Stream;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::{Deserialize, Serialize};
use tokio_stream::StreamExt as _;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use utoipa::{IntoParams, ToSchema};

use super::auth::{COOKIE, token_ok};
use super::extract::{Ids, JsonBody, QueryParams};
use super::{ApiError, ApiState};
use crate::capture::{ListenerChange, ListenerError, ListenerStatus};
use crate::events::Event;
use crate::model::{Capture, CapturePage, CaptureSummary, Endpoint, EndpointList, Settings};
use crate::store::{CaptureFilter, queries};

type ApiResult<T> = Result<T, ApiError>;

// ---------------------------------------------------------------- landing

#[derive(Deserialize)]
pub struct LandingQuery {
    token: Option<String>,
}

/// `/`: with `?token=…` (the URL printed at start) sets the session cookie and
/// redirects; otherwise the UI (or a short status page without a UI build).
pub async fn landing(
    State(st): State<ApiState>,
    axum::extract::Query(q): axum::extract::Query<LandingQuery>,
) -> Response {
    if let Some(t) = q.token {
        if token_ok(&st, &t) {
            let mut resp = Redirect::to("/").into_response();
            let cookie = format!("{COOKIE}={t}; Path=/; HttpOnly; SameSite=Strict");
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                resp.headers_mut().insert(header::SET_COOKIE, v);
            }
            return resp;
        }
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "the token in this link is not valid",
        )
        .into_response();
    }
    super::ui::index(&st).await
}

// ---------------------------------------------------------------- info

#[derive(Serialize, ToSchema, ts_rs::TS)]
pub struct Info {
    pub version: String,
    /// Base URL of the capture listener.
    pub capture_url: String,
    /// Base URL of this (control) listener.
    pub api_url: String,
    pub data_dir: String,
    #[ts(type = "number")]
    pub default_endpoint_id: i64,
    pub listener: ListenerStatus,
}

#[utoipa::path(get, path = "/api/v1/info", responses((status = 200, body = Info)))]
pub async fn info(State(st): State<ApiState>) -> Json<Info> {
    let listener = st.listener.status().await;
    Json(Info {
        version: env!("CARGO_PKG_VERSION").into(),
        capture_url: st.store.capture_base(),
        api_url: format!("http://{}", st.api_addr),
        data_dir: st.data_dir.display().to_string(),
        default_endpoint_id: st.store.default_endpoint_id(),
        listener,
    })
}

// ---------------------------------------------------------------- endpoints

#[derive(Deserialize, ToSchema, ts_rs::TS)]
pub struct CreateEndpoint {
    pub name: String,
}

#[derive(Deserialize, ToSchema, ts_rs::TS)]
pub struct PatchEndpoint {
    #[ts(optional)]
    pub name: Option<String>,
}

fn valid_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::bad_request("name must be 1 to 200 characters"));
    }
    Ok(name.to_owned())
}

#[utoipa::path(get, path = "/api/v1/endpoints", responses((status = 200, body = EndpointList)))]
pub async fn list_endpoints(State(st): State<ApiState>) -> ApiResult<Json<EndpointList>> {
    st.store.caught_up().await;
    let items = st.store.read(queries::list_endpoints).await?;
    Ok(Json(EndpointList { items: items.into_iter().map(|e| st.store.with_url(e)).collect() }))
}

#[utoipa::path(post, path = "/api/v1/endpoints", request_body = CreateEndpoint,
    responses((status = 201, body = Endpoint), (status = 400, body = super::error::ErrorBody)))]
pub async fn create_endpoint(
    State(st): State<ApiState>,
    JsonBody(body): JsonBody<CreateEndpoint>,
) -> ApiResult<(StatusCode, Json<Endpoint>)> {
    let name = valid_name(&body.name)?;
    let store = st.store.clone();
    let e = st.store.write(move |c, _| queries::create_endpoint(c, &name)).await?;
    store.set_slug(None, Some((&e.slug, e.id)));
    let e = store.with_url(e);
    st.events.publish(Event::EndpointCreated(e.clone()));
    Ok((StatusCode::CREATED, Json(e)))
}

#[utoipa::path(get, path = "/api/v1/endpoints/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = Endpoint), (status = 404, body = super::error::ErrorBody)))]
pub async fn get_endpoint(State(st): State<ApiState>, ids: Ids) -> ApiResult<Json<Endpoint>> {
    st.store.caught_up().await;
    Ok(Json(st.store.endpoint(ids.first()).await?))
}

#[utoipa::path(patch, path = "/api/v1/endpoints/{id}", params(("id" = i64, Path)), request_body = PatchEndpoint,
    responses((status = 200, body = Endpoint), (status = 404, body = super::error::ErrorBody)))]
pub async fn patch_endpoint(
    State(st): State<ApiState>,
    ids: Ids,
    JsonBody(body): JsonBody<PatchEndpoint>,
) -> ApiResult<Json<Endpoint>> {
    let id = ids.first();
    let name = body.name.as_deref().map(valid_name).transpose()?;
    let e = st
        .store
        .write(move |c, _| match name {
            Some(n) => queries::rename_endpoint(c, id, &n),
            None => queries::get_endpoint(c, id),
        })
        .await?;
    let e = st.store.with_url(e);
    st.events.publish(Event::EndpointUpdated(e.clone()));
    Ok(Json(e))
}

#[utoipa::path(delete, path = "/api/v1/endpoints/{id}", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = super::error::ErrorBody), (status = 409, body = super::error::ErrorBody)))]
pub async fn delete_endpoint(State(st): State<ApiState>, ids: Ids) -> ApiResult<StatusCode> {
    st.store.caught_up().await;
    let id = ids.first();
    let slug = st.store.write(move |c, _| queries::delete_endpoint(c, id)).await?;
    st.store.set_slug(Some(&slug), None);
    st.events.publish(Event::EndpointDeleted { id });
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/endpoints/{id}/rotate", params(("id" = i64, Path)),
    responses((status = 200, body = Endpoint, description = "The endpoint with its new slug and URL; the old URL answers 404"),
              (status = 404, body = super::error::ErrorBody)))]
pub async fn rotate_endpoint(State(st): State<ApiState>, ids: Ids) -> ApiResult<Json<Endpoint>> {
    let id = ids.first();
    let (old, e) = st.store.write(move |c, _| queries::rotate_endpoint(c, id)).await?;
    st.store.set_slug(Some(&old), Some((&e.slug, e.id)));
    let e = st.store.with_url(e);
    st.events.publish(Event::EndpointUpdated(e.clone()));
    Ok(Json(e))
}

// ---------------------------------------------------------------- captures

#[derive(Deserialize, IntoParams)]
pub struct CaptureQuery {
    /// Only this endpoint's captures.
    pub endpoint: Option<i64>,
    /// A query: bare words are text to find in the path, headers or body
    /// (substring, any case); `field:value` terms (`method:POST`, `path:/orders*`,
    /// `header.x-github-event:push`, `body.customer.email:*@acme.com`,
    /// `status:>=400`, `size:>10kb`, `after:2026-11-01`, `tag:bug`, `starred`,
    /// `dialect:highlevel-workflow`, `duplicate`) combine with spaces (AND),
    /// `OR`, `-` (not) and parentheses. A bad query is 400 `bad_query`.
    pub q: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/captures", params(CaptureQuery),
    responses((status = 200, body = CapturePage), (status = 400, body = super::error::ErrorBody)))]
pub async fn list_captures(
    State(st): State<ApiState>,
    QueryParams(q): QueryParams<CaptureQuery>,
) -> ApiResult<Json<CapturePage>> {
    st.store.caught_up().await;
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request("limit must be between 1 and 500"));
    }
    let before_id = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(c.parse::<i64>().map_err(|_| ApiError::bad_request("cursor is not valid"))?),
        None => None,
    };
    let query = crate::search::parse(q.q.as_deref().unwrap_or_default()).map_err(ApiError::bad_query)?;
    if query.as_ref().is_some_and(|q| q.uses_event_ids()) {
        st.store.event_ids_caught_up().await;
    }
    let filter = CaptureFilter { endpoint_id: q.endpoint, query, before_id, limit };
    let items = st.store.read(move |c| queries::list_captures(c, &filter)).await?;
    let next_cursor = (items.len() == limit).then(|| items.last().map(|s| s.id.to_string())).flatten();
    Ok(Json(CapturePage { items, next_cursor }))
}

#[utoipa::path(get, path = "/api/v1/captures/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = Capture), (status = 404, body = super::error::ErrorBody)))]
pub async fn get_capture(State(st): State<ApiState>, ids: Ids) -> ApiResult<Json<Capture>> {
    // The detail shows the event id and the first delivery of the event.
    st.store.event_ids_caught_up().await;
    let id = ids.first();
    let store = st.store.clone();
    let cap = st
        .store
        .read(move |c| {
            let (mut cap, body) = queries::get_capture(c, id)?;
            let body = store.body_bytes(body)?;
            let encoding = cap
                .headers
                .iter()
                .filter(|h| h.name.eq_ignore_ascii_case("content-encoding"))
                .map(|h| h.value.as_str())
                .collect::<Vec<_>>()
                .join(",");
            cap.decoded = crate::decode::decode(cap.content_type.as_deref(), Some(&encoding), &body);
            Ok(cap)
        })
        .await?;
    Ok(Json(cap))
}

async fn read_body(st: &ApiState, id: i64) -> ApiResult<(Option<String>, bytes::Bytes)> {
    let store = st.store.clone();
    Ok(st
        .store
        .read(move |c| {
            let (ct, body) = queries::get_body(c, id)?;
            Ok((ct, store.body_bytes(body)?))
        })
        .await?)
}

/// Raw bytes are served so that a browser never renders them as a page of this
/// origin: the sender's content type travels in `X-Hookbench-Content-Type`.
fn raw_bytes_response(content_type: Option<&str>, bytes: bytes::Bytes) -> Response {
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
    if let Some(v) = content_type.and_then(|ct| HeaderValue::from_str(ct).ok()) {
        h.insert("x-hookbench-content-type", v);
    }
    (h, bytes).into_response()
}

#[utoipa::path(get, path = "/api/v1/captures/{id}/body", params(("id" = i64, Path)),
    responses((status = 200, description = "The exact raw body bytes, as `application/octet-stream`; the sender's Content-Type is in `X-Hookbench-Content-Type`", content_type = "application/octet-stream"),
              (status = 404, body = super::error::ErrorBody)))]
pub async fn get_body(State(st): State<ApiState>, ids: Ids) -> ApiResult<Response> {
    st.store.caught_up().await;
    let id = ids.first();
    let (ct, body) = read_body(&st, id).await?;
    Ok(raw_bytes_response(ct.as_deref(), body))
}

#[utoipa::path(get, path = "/api/v1/captures/{id}/parts/{n}", params(("id" = i64, Path), ("n" = usize, Path, description = "0-based part index")),
    responses((status = 200, description = "The bytes of one multipart part (for download)", content_type = "application/octet-stream"),
              (status = 404, body = super::error::ErrorBody)))]
pub async fn get_part(State(st): State<ApiState>, ids: Ids) -> ApiResult<Response> {
    st.store.caught_up().await;
    let (id, n) = (ids.first(), ids.0.get(1).copied().unwrap_or(-1));
    let (ct, body) = read_body(&st, id).await?;
    let boundary = ct
        .as_deref()
        .and_then(|ct| crate::decode::content_type_param(ct, "boundary"))
        .ok_or_else(|| ApiError::not_found("multipart part"))?;
    let (parts, _) = crate::decode::parse_multipart(&body, &boundary);
    let part = usize::try_from(n)
        .ok()
        .and_then(|n| parts.into_iter().nth(n))
        .ok_or_else(|| ApiError::not_found("part"))?;
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD.decode(&part.body_base64).unwrap_or_default();
    let mut resp = raw_bytes_response(part.content_type.as_deref(), bytes.into());
    if let Some(name) = part.filename.as_deref().or(part.name.as_deref()) {
        let safe: String =
            name.chars().filter(|c| c.is_ascii_graphic() && *c != '"' && *c != '\\' || *c == ' ').collect();
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
            resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
    }
    Ok(resp)
}

#[derive(Deserialize, ToSchema, ts_rs::TS)]
pub struct PatchCapture {
    #[ts(optional)]
    pub starred: Option<bool>,
    #[ts(optional)]
    pub note: Option<String>,
    #[ts(optional)]
    pub tags: Option<Vec<String>>,
}

#[utoipa::path(patch, path = "/api/v1/captures/{id}", params(("id" = i64, Path)), request_body = PatchCapture,
    responses((status = 200, body = CaptureSummary), (status = 404, body = super::error::ErrorBody)))]
pub async fn patch_capture(
    State(st): State<ApiState>,
    ids: Ids,
    JsonBody(body): JsonBody<PatchCapture>,
) -> ApiResult<Json<CaptureSummary>> {
    st.store.caught_up().await;
    let id = ids.first();
    if let Some(tags) = &body.tags
        && (tags.iter().any(|t| t.trim().is_empty() || t.len() > 100) || tags.len() > 50)
    {
        return Err(ApiError::bad_request("tags must be 1 to 100 characters, at most 50 of them"));
    }
    let s = st
        .store
        .write(move |c, _| {
            queries::update_capture_marks(c, id, body.starred, body.note.as_deref(), body.tags.as_deref())
        })
        .await?;
    st.events.publish(Event::CaptureUpdated(s.clone()));
    Ok(Json(s))
}

#[utoipa::path(delete, path = "/api/v1/captures/{id}", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = super::error::ErrorBody)))]
pub async fn delete_capture(State(st): State<ApiState>, ids: Ids) -> ApiResult<StatusCode> {
    st.store.caught_up().await;
    let id = ids.first();
    let endpoint_id = st.store.write(move |c, _| queries::delete_capture(c, id)).await?;
    st.events.publish(Event::CaptureDeleted { id, endpoint_id });
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------- listener

#[utoipa::path(get, path = "/api/v1/listener", responses((status = 200, body = ListenerStatus)))]
pub async fn get_listener(State(st): State<ApiState>) -> Json<ListenerStatus> {
    Json(st.listener.status().await)
}

/// Move the capture listener, pause or resume it, or change its body limit.
#[utoipa::path(
    put,
    path = "/api/v1/listener",
    request_body = ListenerChange,
    responses(
        (status = 200, body = ListenerStatus),
        (status = 400, body = super::error::ErrorBody, description = "not an address, or a limit out of range"),
        (status = 409, body = super::error::ErrorBody, description = "the address cannot be bound; the listener stays where it was"),
    )
)]
pub async fn put_listener(
    State(st): State<ApiState>,
    JsonBody(change): JsonBody<ListenerChange>,
) -> ApiResult<Json<ListenerStatus>> {
    match st.listener.apply(&change).await {
        Ok(status) => Ok(Json(status)),
        Err(e @ ListenerError::Invalid(_)) => Err(ApiError::bad_request(e.to_string())),
        Err(e @ ListenerError::Bind { .. }) => {
            Err(ApiError::new(StatusCode::CONFLICT, "address_unavailable", e.to_string()))
        }
    }
}

// ---------------------------------------------------------------- settings

#[utoipa::path(get, path = "/api/v1/settings", responses((status = 200, body = Settings)))]
pub async fn get_settings(State(st): State<ApiState>) -> ApiResult<Json<Settings>> {
    Ok(Json(st.store.read(queries::get_settings).await?))
}

#[utoipa::path(put, path = "/api/v1/settings", request_body = Settings, responses((status = 200, body = Settings)))]
pub async fn put_settings(
    State(st): State<ApiState>,
    JsonBody(s): JsonBody<Settings>,
) -> ApiResult<Json<Settings>> {
    let r = &s.retention;
    if r.max_captures_per_endpoint.is_some_and(|n| n < 0) || r.max_age_seconds.is_some_and(|n| n <= 0) {
        return Err(ApiError::bad_request("retention limits must be positive"));
    }
    let saved = s.clone();
    st.store
        .write(move |c, _| {
            queries::put_settings(c, &s)?;
            queries::apply_retention(c)
        })
        .await?;
    Ok(Json(saved))
}

// ---------------------------------------------------------------- events

#[utoipa::path(get, path = "/api/v1/events",
    responses((status = 200, description = "Server-sent events: `capture.created`, `capture.updated`, `capture.deleted`, `endpoint.created`, `endpoint.updated`, `endpoint.deleted` (data: the JSON of the object), and `lagged` when this stream missed events (refetch)", content_type = "text/event-stream")))]
pub async fn events(State(st): State<ApiState>) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let rx = st.events.subscribe();
    let stream = BroadcastStream::new(rx).map(|item| {
        Ok(match item {
            Ok(e) => SseEvent::default().event(e.name()).data(e.data_json()),
            Err(BroadcastStreamRecvError::Lagged(n)) => {
                SseEvent::default().event("lagged").data(format!("{{\"missed\":{n}}}"))
            }
        })
    });
    let hello = tokio_stream::once(Ok(SseEvent::default().event("ready").data("{}")));
    let stream =
        futures_util::StreamExt::take_until(hello.chain(stream), st.shutdown.clone().cancelled_owned());
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
