//! Routes of merge-tag templates (issue 5): render with lint, and the sample
//! contact `{{contact.*}}` tags render against.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::extract::JsonBody;
use super::{ApiError, ApiState};
use crate::analysis::path::parse_tag_path;
use crate::outbound::library;
use crate::outbound::spec::TemplateContext;
use crate::store::{StoreError, queries};
use crate::template::{Context, Mode, Rendered, context, render, sample_contact};

type ApiResult<T> = Result<T, ApiError>;

/// Templates longer than this are refused (a body template is at most a few MiB).
const MAX_TEMPLATE: usize = 8 * 1024 * 1024;

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/v1/render", post(render_template))
        .route("/api/v1/sample-contact", get(get_contact).put(put_contact))
        .route("/api/v1/merge-tags", post(merge_tags))
}

/// `POST /api/v1/render`.
#[derive(Debug, Clone, Deserialize, ToSchema, ts_rs::TS)]
pub struct RenderRequest {
    pub template: String,
    /// `inboundWebhookRequest` from this capture…
    #[ts(optional, type = "number")]
    pub capture_id: Option<i64>,
    /// …or from this endpoint's mapping reference.
    #[ts(optional, type = "number")]
    pub endpoint_id: Option<i64>,
    /// How values are written (default `text`).
    #[serde(default)]
    #[ts(optional)]
    pub mode: Option<Mode>,
    /// A contact to use instead of the saved sample contact.
    #[schema(value_type = Object)]
    #[ts(optional, type = "Record<string, unknown>")]
    pub contact: Option<Value>,
    /// Variables for `{{env.*}}`, over those of the environment.
    #[schema(value_type = Object)]
    #[ts(optional, type = "Record<string, unknown>")]
    pub env: Option<Value>,
    /// The environment (name or id) for `{{env.*}}`; default: the active one.
    #[serde(default)]
    #[ts(optional)]
    pub environment: Option<String>,
}

/// The sample contact (`{{contact.*}}`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct SampleContact {
    #[schema(value_type = Object)]
    #[ts(type = "Record<string, unknown>")]
    pub contact: Value,
}

const CONTACT_KEY: &str = "sample_contact";

fn load_contact(c: &rusqlite::Connection) -> Result<Value, StoreError> {
    Ok(queries::get_json_setting(c, CONTACT_KEY)?.unwrap_or_else(sample_contact))
}

#[utoipa::path(post, path = "/api/v1/render", request_body = RenderRequest,
    responses((status = 200, body = Rendered, description = "The output, and diagnostics with byte offsets into the template"),
              (status = 400, body = super::error::ErrorBody),
              (status = 404, body = super::error::ErrorBody, description = "No such capture or endpoint")))]
pub async fn render_template(
    State(st): State<ApiState>,
    JsonBody(req): JsonBody<RenderRequest>,
) -> ApiResult<Json<Rendered>> {
    if req.template.len() > MAX_TEMPLATE {
        return Err(ApiError::bad_request("the template is larger than 8 MiB"));
    }
    let spec = TemplateContext {
        capture_id: req.capture_id,
        endpoint_id: req.endpoint_id,
        contact: req.contact,
        env: req.env,
        environment: req.environment,
    };
    let (ctx, secrets) = build_context_with_secrets(&st, &spec).await?;
    let mode = req.mode.unwrap_or_default();
    let template = req.template;
    let out = tokio::task::spawn_blocking(move || {
        let mut out = render(&template, &ctx, mode);
        // The values of secret variables never show in a preview.
        out.output = crate::outbound::wire::mask_values(&out.output, &secrets);
        out
    })
    .await
    .map_err(|e| ApiError::new(http::StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    Ok(Json(out))
}

/// One tag a template can use, for completion.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct MergeTagInfo {
    /// The tag path: `contact.email`, `inboundWebhookRequest.items[0].sku`.
    pub path: String,
    /// Its value, shortened (objects and arrays as `{…}` and `[n]`).
    pub preview: String,
}

/// `POST /api/v1/merge-tags`: every tag of a context.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct MergeTags {
    pub tags: Vec<MergeTagInfo>,
    /// More tags exist than the 5,000 listed.
    pub truncated: bool,
}

const MAX_TAGS: usize = 5000;

fn preview(v: &Value) -> String {
    let s = match v {
        Value::Object(m) => return format!("{{…{} keys}}", m.len()),
        Value::Array(a) => return format!("[{} items]", a.len()),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match s.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

#[utoipa::path(post, path = "/api/v1/merge-tags", request_body = TemplateContext,
    responses((status = 200, body = MergeTags, description = "The tags `{{…}}` can use with this context, sorted"),
              (status = 400, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)))]
pub async fn merge_tags(
    State(st): State<ApiState>,
    JsonBody(spec): JsonBody<TemplateContext>,
) -> ApiResult<Json<MergeTags>> {
    let (ctx, secrets) = build_context_with_secrets(&st, &spec).await?;
    let paths = ctx.known_paths();
    let truncated = paths.len() > MAX_TAGS;
    let tags = paths
        .into_iter()
        .take(MAX_TAGS)
        .map(|path| {
            let preview =
                parse_tag_path(&path).ok().and_then(|segs| ctx.get(&segs).map(preview)).unwrap_or_default();
            // The values of secret variables never show.
            let preview = crate::outbound::wire::mask_values(&preview, &secrets);
            MergeTagInfo { path, preview }
        })
        .collect();
    Ok(Json(MergeTags { tags, truncated }))
}

/// The context `{{…}}` tags render against: the sample contact (or the one
/// given), `inboundWebhookRequest` from a capture or an endpoint's mapping
/// reference, and `env`.
/// And the values of the environment's secret variables, in the forms they
/// may take in a request (masked wherever the request is shown).
pub(crate) async fn build_context_with_secrets(
    st: &ApiState,
    spec: &TemplateContext,
) -> ApiResult<(Context, Vec<String>)> {
    for (name, v) in [("contact", &spec.contact), ("env", &spec.env)] {
        if v.as_ref().is_some_and(|v| !v.is_object()) {
            return Err(ApiError::bad_request(format!("{name} must be a JSON object")));
        }
    }
    if spec.capture_id.is_some() {
        st.store.caught_up().await;
    }
    let store = st.store.clone();
    let (capture_id, endpoint_id, contact) = (spec.capture_id, spec.endpoint_id, spec.contact.clone());
    let (environment, explicit_env) = (spec.environment.clone(), spec.env.clone());
    let (ctx, secrets) = st
        .store
        .read(move |c| {
            let contact = match contact {
                Some(v) => v,
                None => load_contact(c)?,
            };
            let mut ctx = Context::new().with("contact", contact);
            let (mut env, secrets) = library::env_for(c, environment.as_deref())?
                .unwrap_or((Value::Object(Default::default()), Vec::new()));
            if let (Value::Object(base), Some(Value::Object(over))) = (&mut env, explicit_env) {
                base.extend(over);
            }
            ctx = ctx.with("env", env).with("steps", library::steps_document(c)?);
            if let Some(id) = capture_id {
                let loaded = crate::analysis::db::load(c, store.blobs(), id)?;
                ctx = ctx.with_inbound(&loaded.source());
            } else if let Some(ep) = endpoint_id {
                let (reference, _) = crate::analysis::db::get_reference(c, ep)?
                    .ok_or(StoreError::NotFound("mapping reference"))?;
                let parsed: Vec<_> = reference
                    .fields
                    .iter()
                    .filter_map(|f| parse_tag_path(&f.path).ok().map(|s| (s, f.sample.clone())))
                    .collect();
                ctx = ctx.with(
                    "inboundWebhookRequest",
                    context::document_from_fields(parsed.iter().map(|(s, v)| (s.as_slice(), v))),
                );
            }
            Ok((ctx, secrets))
        })
        .await?;
    Ok((ctx, secrets))
}

#[utoipa::path(get, path = "/api/v1/sample-contact", responses((status = 200, body = SampleContact)))]
pub async fn get_contact(State(st): State<ApiState>) -> ApiResult<Json<SampleContact>> {
    let contact = st.store.read(load_contact).await?;
    Ok(Json(SampleContact { contact }))
}

#[utoipa::path(put, path = "/api/v1/sample-contact", request_body = SampleContact,
    responses((status = 200, body = SampleContact), (status = 400, body = super::error::ErrorBody)))]
pub async fn put_contact(
    State(st): State<ApiState>,
    JsonBody(body): JsonBody<SampleContact>,
) -> ApiResult<Json<SampleContact>> {
    if !body.contact.is_object() {
        return Err(ApiError::bad_request("contact must be a JSON object"));
    }
    if body.contact.to_string().len() > 1024 * 1024 {
        return Err(ApiError::bad_request("the sample contact is larger than 1 MiB"));
    }
    let contact = body.contact.clone();
    st.store.write(move |c, _| queries::put_json_setting(c, CONTACT_KEY, &contact)).await?;
    Ok(Json(body))
}
