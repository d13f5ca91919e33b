//! The control API (v1): JSON over HTTP on the loopback control listener, plus
//! server-sent events. The UI speaks only this, in the desktop window and in a
//! browser alike.
//!
//! Security: every route but the landing page needs the session token (bearer
//! header, or the cookie the one-time `/?token=` URL sets); a `Host` that is not
//! a loopback name is refused (DNS rebinding); a foreign `Origin` is refused; no
//! CORS headers are ever sent.

mod analysis;
mod auth;
mod error;
mod extract;
mod handlers;
pub mod interop;
mod library;
mod requests;
mod search;
pub mod template;
mod ui;

/// Request and response bodies of the API beyond the model types.
pub mod types {
    pub use super::error::{ErrorBody, ErrorDetail};
    pub use super::handlers::{CreateEndpoint, Info, PatchCapture, PatchEndpoint};
}

pub use ui::resolve_ui_dir;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use utoipa::OpenApi;

pub use error::ApiError;

use crate::events::Events;
use crate::store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct ApiState {
    pub store: Store,
    pub events: Events,
    pub listener: crate::capture::Listener,
    /// Sends, replays and forwards.
    pub outbound: crate::outbound::Outbound,
    pub token: Arc<str>,
    /// The control listener's own address (for the Host check and URLs).
    pub api_addr: SocketAddr,
    pub data_dir: Arc<std::path::Path>,
    /// The UI build served at `/` (none: a status page).
    pub ui_dir: Option<Arc<std::path::Path>>,
    /// The engine's shutdown: event streams end with it, so a graceful stop
    /// need not wait for them.
    pub shutdown: tokio_util::sync::CancellationToken,
}

/// The control API's router.
pub fn router(state: ApiState) -> Router {
    let api = Router::new()
        .route("/api/v1/info", get(handlers::info))
        .route("/api/v1/endpoints", get(handlers::list_endpoints).post(handlers::create_endpoint))
        .route(
            "/api/v1/endpoints/{id}",
            get(handlers::get_endpoint).patch(handlers::patch_endpoint).delete(handlers::delete_endpoint),
        )
        .route("/api/v1/endpoints/{id}/rotate", post(handlers::rotate_endpoint))
        .route("/api/v1/captures", get(handlers::list_captures))
        .route(
            "/api/v1/captures/{id}",
            get(handlers::get_capture).patch(handlers::patch_capture).delete(handlers::delete_capture),
        )
        .route("/api/v1/captures/{id}/body", get(handlers::get_body))
        .route("/api/v1/captures/{id}/parts/{n}", get(handlers::get_part))
        .route("/api/v1/listener", get(handlers::get_listener).put(handlers::put_listener))
        .route("/api/v1/settings", get(handlers::get_settings).put(handlers::put_settings))
        .route("/api/v1/events", get(handlers::events))
        .route("/api/v1/openapi.json", get(openapi_json))
        .merge(analysis::routes())
        .merge(search::routes())
        .merge(template::routes())
        .merge(requests::routes())
        .merge(interop::routes())
        .merge(library::routes())
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), auth::require_token));
    Router::new()
        .route("/", get(handlers::landing))
        .merge(api)
        .fallback(ui::fallback)
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::check_host_and_origin))
        .with_state(state)
}

async fn openapi_json() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Hookbench control API", description = "Capture, browse and manage webhooks. Every route needs `Authorization: Bearer <token>`."),
    modifiers(&BearerAuth),
    security(("token" = [])),
    paths(
        handlers::info,
        handlers::list_endpoints, handlers::create_endpoint, handlers::get_endpoint,
        handlers::patch_endpoint, handlers::delete_endpoint, handlers::rotate_endpoint,
        handlers::list_captures, handlers::get_capture, handlers::get_body, handlers::get_part,
        handlers::patch_capture, handlers::delete_capture,
        handlers::get_settings, handlers::put_settings,
        handlers::get_listener, handlers::put_listener,
        handlers::events,
        analysis::diff, analysis::schema, analysis::fields,
        analysis::get_reference, analysis::put_reference, analysis::delete_reference,
        analysis::get_mapping, analysis::put_mapping, analysis::export_mapping, analysis::import_mapping,
        analysis::preview_mapping,
        search::list_filters, search::create_filter, search::delete_filter,
        search::get_event_id, search::put_event_id, search::deliveries,
        template::render_template, template::get_contact, template::put_contact, template::merge_tags,
        requests::send, requests::replay_capture, requests::list, requests::get_one, requests::delete_one,
        requests::start_bulk, requests::list_bulk, requests::get_bulk, requests::bulk_items, requests::stop_bulk,
        interop::import_curl, interop::capture_curl, interop::send_curl, interop::built_curl,
        interop::export, interop::import_har,
        library::list_environments, library::create_environment, library::get_environment,
        library::update_environment, library::delete_environment, library::save_step, library::list_steps,
        library::delete_step, library::list_saved, library::create_saved, library::update_saved,
        library::delete_saved, library::list_presets,
        requests::resume_bulk, requests::get_forward, requests::put_forward, requests::delete_forward,
    ),
    components(schemas(crate::events::Event))
)]
pub struct ApiDoc;
