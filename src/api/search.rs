//! Routes of search (issue 4): saved filters, event-id sources and deliveries.
//! The query language itself is served by `GET /api/v1/captures?q=…`.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use http::StatusCode;

use super::extract::{Ids, JsonBody};
use super::{ApiError, ApiState};
use crate::search::event_id::{Deliveries, EventIdConfig};
use crate::search::{NewSavedFilter, SavedFilter, SavedFilterList, db};

type ApiResult<T> = Result<T, ApiError>;

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/v1/endpoints/{id}/filters", get(list_filters).post(create_filter))
        .route("/api/v1/endpoints/{id}/filters/{filter_id}", axum::routing::delete(delete_filter))
        .route("/api/v1/endpoints/{id}/event-id", get(get_event_id).put(put_event_id))
        .route("/api/v1/captures/{id}/deliveries", get(deliveries))
}

#[utoipa::path(get, path = "/api/v1/endpoints/{id}/filters", params(("id" = i64, Path)),
    responses((status = 200, body = SavedFilterList), (status = 404, body = super::error::ErrorBody)))]
pub async fn list_filters(State(st): State<ApiState>, ids: Ids) -> ApiResult<Json<SavedFilterList>> {
    let id = ids.first();
    let items = st.store.read(move |c| db::list_filters(c, id)).await?;
    Ok(Json(SavedFilterList { items }))
}

#[utoipa::path(post, path = "/api/v1/endpoints/{id}/filters", params(("id" = i64, Path)),
    request_body = NewSavedFilter,
    responses((status = 201, body = SavedFilter),
              (status = 400, body = super::error::ErrorBody, description = "`invalid_request` (no name) or `bad_query` (with `position` and `length`)"),
              (status = 404, body = super::error::ErrorBody)))]
pub async fn create_filter(
    State(st): State<ApiState>,
    ids: Ids,
    JsonBody(body): JsonBody<NewSavedFilter>,
) -> ApiResult<(StatusCode, Json<SavedFilter>)> {
    let id = ids.first();
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::bad_request("a saved filter needs a name of 1 to 200 characters"));
    }
    let query = body.query.trim().to_owned();
    if crate::search::parse(&query).map_err(ApiError::bad_query)?.is_none() {
        return Err(ApiError::bad_request("a saved filter needs a query"));
    }
    let f = st.store.write(move |c, _| db::create_filter(c, id, &name, &query)).await?;
    Ok((StatusCode::CREATED, Json(f)))
}

#[utoipa::path(delete, path = "/api/v1/endpoints/{id}/filters/{filter_id}",
    params(("id" = i64, Path), ("filter_id" = i64, Path)),
    responses((status = 204), (status = 404, body = super::error::ErrorBody)))]
pub async fn delete_filter(State(st): State<ApiState>, ids: Ids) -> ApiResult<StatusCode> {
    let (id, filter_id) = (ids.first(), ids.0.get(1).copied().unwrap_or(-1));
    st.store.write(move |c, _| db::delete_filter(c, id, filter_id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/endpoints/{id}/event-id", params(("id" = i64, Path)),
    responses((status = 200, body = EventIdConfig), (status = 404, body = super::error::ErrorBody)))]
pub async fn get_event_id(State(st): State<ApiState>, ids: Ids) -> ApiResult<Json<EventIdConfig>> {
    let id = ids.first();
    Ok(Json(st.store.read(move |c| db::event_config(c, id)).await?))
}

#[utoipa::path(put, path = "/api/v1/endpoints/{id}/event-id", params(("id" = i64, Path)),
    request_body = EventIdConfig,
    responses((status = 200, body = EventIdConfig, description = "The new source; the event ids of the endpoint's captures are recomputed"),
              (status = 400, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)))]
pub async fn put_event_id(
    State(st): State<ApiState>,
    ids: Ids,
    JsonBody(body): JsonBody<EventIdConfig>,
) -> ApiResult<Json<EventIdConfig>> {
    let id = ids.first();
    let source = body.source.map(|s| s.normalised()).transpose().map_err(ApiError::bad_request)?;
    // Captures already answered for have their event ids before they are recomputed.
    st.store.event_ids_caught_up().await;
    let config =
        st.store.write(move |c, w| db::set_event_source(c, id, source.as_ref(), w.event_ids_upto())).await?;
    Ok(Json(config))
}

#[utoipa::path(get, path = "/api/v1/captures/{id}/deliveries", params(("id" = i64, Path)),
    responses((status = 200, body = Deliveries, description = "Every delivery of the capture's event on its endpoint, oldest first"),
              (status = 404, body = super::error::ErrorBody)))]
pub async fn deliveries(State(st): State<ApiState>, ids: Ids) -> ApiResult<Json<Deliveries>> {
    st.store.event_ids_caught_up().await;
    let id = ids.first();
    Ok(Json(st.store.read(move |c| db::deliveries(c, id)).await?))
}
