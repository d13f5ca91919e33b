//! Routes of the request builder's library (issue 5): environments, saved
//! responses (steps), saved requests and presets.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post, put};
use http::StatusCode;

use super::extract::{Ids, JsonBody};
use super::{ApiError, ApiState};
use crate::outbound::library::{
    self, Environment, EnvironmentInput, EnvironmentList, SaveStep, SavedRequest, SavedRequestInput,
    SavedRequestList, Step, StepList,
};
use crate::outbound::presets::{self, PresetList};

type ApiResult<T> = Result<T, ApiError>;

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/v1/environments", get(list_environments).post(create_environment))
        .route(
            "/api/v1/environments/{id}",
            put(update_environment).get(get_environment).delete(delete_environment),
        )
        .route("/api/v1/requests/{id}/step", post(save_step))
        .route("/api/v1/steps", get(list_steps))
        .route("/api/v1/steps/{name}", axum::routing::delete(delete_step))
        .route("/api/v1/saved-requests", get(list_saved).post(create_saved))
        .route("/api/v1/saved-requests/{id}", put(update_saved).delete(delete_saved))
        .route("/api/v1/presets", get(list_presets))
}

fn conflict_as_bad_request(e: crate::store::StoreError) -> ApiError {
    match e {
        crate::store::StoreError::Conflict(m) if !m.contains("exists already") => ApiError::bad_request(m),
        other => other.into(),
    }
}

#[utoipa::path(get, path = "/api/v1/environments",
    responses((status = 200, body = EnvironmentList, description = "Secret values read as ••••••")))]
pub async fn list_environments(State(st): State<ApiState>) -> ApiResult<Json<EnvironmentList>> {
    Ok(Json(EnvironmentList { items: st.store.read(library::list_environments).await? }))
}

#[utoipa::path(post, path = "/api/v1/environments", request_body = EnvironmentInput,
    responses((status = 201, body = Environment), (status = 400, body = super::error::ErrorBody),
              (status = 409, body = super::error::ErrorBody, description = "The name is taken")))]
pub async fn create_environment(
    State(st): State<ApiState>,
    JsonBody(input): JsonBody<EnvironmentInput>,
) -> ApiResult<(StatusCode, Json<Environment>)> {
    let env = st
        .store
        .write(move |c, _| library::save_environment(c, None, &input))
        .await
        .map_err(conflict_as_bad_request)?;
    Ok((StatusCode::CREATED, Json(env)))
}

#[utoipa::path(get, path = "/api/v1/environments/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = Environment), (status = 404, body = super::error::ErrorBody)))]
pub async fn get_environment(State(st): State<ApiState>, ids: Ids) -> ApiResult<Json<Environment>> {
    let id = ids.first();
    Ok(Json(st.store.read(move |c| library::get_environment(c, id)).await?))
}

#[utoipa::path(put, path = "/api/v1/environments/{id}", params(("id" = i64, Path)), request_body = EnvironmentInput,
    responses((status = 200, body = Environment, description = "A secret sent back as •••••• keeps its value"),
              (status = 400, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)))]
pub async fn update_environment(
    State(st): State<ApiState>,
    ids: Ids,
    JsonBody(input): JsonBody<EnvironmentInput>,
) -> ApiResult<Json<Environment>> {
    let id = ids.first();
    let env = st
        .store
        .write(move |c, _| library::save_environment(c, Some(id), &input))
        .await
        .map_err(conflict_as_bad_request)?;
    Ok(Json(env))
}

#[utoipa::path(delete, path = "/api/v1/environments/{id}", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = super::error::ErrorBody)))]
pub async fn delete_environment(State(st): State<ApiState>, ids: Ids) -> ApiResult<StatusCode> {
    let id = ids.first();
    st.store.write(move |c, _| library::delete_environment(c, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/step", params(("id" = i64, Path)), request_body = SaveStep,
    responses((status = 200, body = Step, description = "Later templates can use {{steps.<name>.response.*}}"),
              (status = 400, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)))]
pub async fn save_step(
    State(st): State<ApiState>,
    ids: Ids,
    JsonBody(body): JsonBody<SaveStep>,
) -> ApiResult<Json<Step>> {
    let id = ids.first();
    let step = st
        .store
        .write(move |c, _| library::save_step(c, id, body.name.trim()))
        .await
        .map_err(conflict_as_bad_request)?;
    Ok(Json(step))
}

#[utoipa::path(get, path = "/api/v1/steps", responses((status = 200, body = StepList)))]
pub async fn list_steps(State(st): State<ApiState>) -> ApiResult<Json<StepList>> {
    Ok(Json(StepList { items: st.store.read(library::list_steps).await? }))
}

#[utoipa::path(delete, path = "/api/v1/steps/{name}", params(("name" = String, Path)),
    responses((status = 204), (status = 404, body = super::error::ErrorBody)))]
pub async fn delete_step(State(st): State<ApiState>, Path(name): Path<String>) -> ApiResult<StatusCode> {
    st.store.write(move |c, _| library::delete_step(c, &name)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/saved-requests", responses((status = 200, body = SavedRequestList)))]
pub async fn list_saved(State(st): State<ApiState>) -> ApiResult<Json<SavedRequestList>> {
    Ok(Json(SavedRequestList { items: st.store.read(library::list_saved).await? }))
}

#[utoipa::path(post, path = "/api/v1/saved-requests", request_body = SavedRequestInput,
    responses((status = 201, body = SavedRequest), (status = 400, body = super::error::ErrorBody)))]
pub async fn create_saved(
    State(st): State<ApiState>,
    JsonBody(input): JsonBody<SavedRequestInput>,
) -> ApiResult<(StatusCode, Json<SavedRequest>)> {
    let saved = st
        .store
        .write(move |c, _| library::save_request(c, None, &input))
        .await
        .map_err(conflict_as_bad_request)?;
    Ok((StatusCode::CREATED, Json(saved)))
}

#[utoipa::path(put, path = "/api/v1/saved-requests/{id}", params(("id" = i64, Path)), request_body = SavedRequestInput,
    responses((status = 200, body = SavedRequest), (status = 400, body = super::error::ErrorBody),
              (status = 404, body = super::error::ErrorBody)))]
pub async fn update_saved(
    State(st): State<ApiState>,
    ids: Ids,
    JsonBody(input): JsonBody<SavedRequestInput>,
) -> ApiResult<Json<SavedRequest>> {
    let id = ids.first();
    let saved = st
        .store
        .write(move |c, _| library::save_request(c, Some(id), &input))
        .await
        .map_err(conflict_as_bad_request)?;
    Ok(Json(saved))
}

#[utoipa::path(delete, path = "/api/v1/saved-requests/{id}", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = super::error::ErrorBody)))]
pub async fn delete_saved(State(st): State<ApiState>, ids: Ids) -> ApiResult<StatusCode> {
    let id = ids.first();
    st.store.write(move |c, _| library::delete_saved(c, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/presets",
    responses((status = 200, body = PresetList, description = "HighLevel's Webhook and Custom Webhook actions, and more")))]
pub async fn list_presets() -> Json<PresetList> {
    Json(PresetList { items: presets::all() })
}
