//! Routes of interop (issue 5): curl commands in and out.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{Ids, JsonBody, QueryParams};
use super::{ApiError, ApiState};
use crate::interop::curl::{CurlExport, CurlImport, parse_curl, to_curl};
use crate::outbound::build::is_secret_header;
use crate::outbound::log;
use crate::outbound::spec::SendRequest;
use crate::outbound::wire::{MASK, mask, occurrences};

type ApiResult<T> = Result<T, ApiError>;

pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/v1/import/curl", post(import_curl))
        .route("/api/v1/captures/{id}/curl", get(capture_curl))
        .route("/api/v1/requests/{id}/curl", get(send_curl))
        .route("/api/v1/requests/curl", post(built_curl))
        .route("/api/v1/export", get(export))
        .route("/api/v1/import/har", post(import_har).layer(axum::extract::DefaultBodyLimit::max(MAX_HAR)))
}

/// HAR files up to this size are imported.
const MAX_HAR: usize = 256 * 1024 * 1024;

/// `GET /api/v1/export`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `captures` (default), `sends`, or `all`.
    pub what: Option<String>,
    /// `har` (default), `ndjson` or `json`.
    pub format: Option<String>,
    /// Captures: only this endpoint's.
    pub endpoint: Option<i64>,
    /// Captures: a search (`GET /api/v1/captures` syntax). Sends: text anywhere.
    pub q: Option<String>,
    /// Captures: these ids (comma-separated).
    pub ids: Option<String>,
    /// Sends: `send`, `replay`, `forward` or `bulk`.
    pub kind: Option<String>,
    /// Sends: of this capture.
    pub capture_id: Option<i64>,
    /// Sends: of this bulk replay.
    pub batch_id: Option<i64>,
    /// At most this many of each (default 1,000, at most 100,000), the newest.
    pub limit: Option<usize>,
    /// Mask Authorization, cookies, API keys, signatures and secret-looking query parameters.
    #[serde(default)]
    pub redact: bool,
    /// Body paths to mask, comma-separated (`customer.email,password`).
    pub redact_paths: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/export", params(ExportQuery),
    responses((status = 200, description = "The file (Content-Disposition: attachment)", content_type = "application/json"),
              (status = 400, body = super::error::ErrorBody)))]
pub async fn export(
    State(st): State<ApiState>,
    QueryParams(q): QueryParams<ExportQuery>,
) -> ApiResult<axum::response::Response> {
    use crate::interop::export::{CaptureItem, Format, Redaction, render};
    let format = match q.format.as_deref() {
        None | Some("") => Format::Har,
        Some(f) => Format::parse(f)
            .ok_or_else(|| ApiError::bad_request(format!("format must be har, ndjson or json, not {f:?}")))?,
    };
    let what = q.what.as_deref().unwrap_or("captures");
    let (want_captures, want_sends) = match what {
        "captures" => (true, false),
        "sends" => (false, true),
        "all" => (true, true),
        other => {
            return Err(ApiError::bad_request(format!("what must be captures, sends or all, not {other:?}")));
        }
    };
    let limit = q.limit.unwrap_or(1000);
    if !(1..=100_000).contains(&limit) {
        return Err(ApiError::bad_request("limit must be between 1 and 100,000"));
    }
    let redaction = Redaction {
        secrets: q.redact,
        body_paths: q
            .redact_paths
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
    };
    let mut captures = Vec::new();
    if want_captures {
        st.store.caught_up().await;
        let ids: Option<Vec<i64>> = match q.ids.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(list) => Some(
                list.split(',')
                    .map(|s| {
                        s.trim()
                            .parse::<i64>()
                            .map_err(|_| ApiError::bad_request(format!("ids: {s:?} is not a number")))
                    })
                    .collect::<Result<_, _>>()?,
            ),
            None => None,
        };
        let query = match (&ids, q.q.as_deref()) {
            (None, Some(text)) => crate::search::parse(text).map_err(ApiError::bad_query)?,
            _ => None,
        };
        if query.as_ref().is_some_and(|q| q.uses_event_ids()) {
            st.store.event_ids_caught_up().await;
        }
        let store = st.store.clone();
        let base = st.store.capture_base();
        let endpoint = q.endpoint;
        captures = st
            .store
            .read(move |c| {
                let ids = match ids {
                    Some(ids) => ids,
                    None => crate::store::queries::capture_ids_matching(c, endpoint, query, limit)?,
                };
                let mut out = Vec::with_capacity(ids.len());
                for id in ids {
                    let (capture, body) = match crate::store::queries::get_capture(c, id) {
                        Ok(x) => x,
                        Err(crate::store::StoreError::NotFound(_)) => continue,
                        Err(e) => return Err(e),
                    };
                    let body = store.body_bytes(body)?.to_vec();
                    let query = capture.query.as_deref().map(|q| format!("?{q}")).unwrap_or_default();
                    let url = format!("{base}{}{query}", capture.path);
                    out.push(CaptureItem { capture, url, body });
                }
                Ok(out)
            })
            .await?;
    }
    let mut sends = Vec::new();
    if want_sends {
        let kind = match q.kind.as_deref().filter(|k| !k.is_empty()) {
            Some(k) => Some(
                log::SendKind::parse(k)
                    .ok_or_else(|| ApiError::bad_request(format!("kind {k:?} is not one")))?,
            ),
            None => None,
        };
        let filter = log::LogFilter {
            q: if want_captures { None } else { q.q.clone() },
            kind,
            capture_id: q.capture_id,
            batch_id: q.batch_id,
            status: None,
            before: None,
            limit,
        };
        sends = st
            .store
            .read(move |c| {
                let mut items = log::list(c, &filter)?;
                items.reverse();
                items.into_iter().map(|s| log::get(c, s.id).map(|r| r.to_stored(Some(s.id), false))).collect()
            })
            .await?;
    }
    let bytes = tokio::task::spawn_blocking(move || render(format, &captures, &sends, &redaction))
        .await
        .map_err(|e| ApiError::new(http::StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    let name = format!("hookbench-{what}-{}.{}", crate::util::now_ms(), format.extension());
    Ok(axum::response::IntoResponse::into_response((
        [
            (http::header::CONTENT_TYPE, format.content_type().to_owned()),
            (http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )))
}

/// `POST /api/v1/import/har`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The endpoint the requests become captures of (default: the Default endpoint).
    pub endpoint: Option<i64>,
}

/// What a HAR import stored.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct ImportResult {
    #[ts(type = "number[]")]
    pub capture_ids: Vec<i64>,
    /// Entries left out, and why.
    pub warnings: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/import/har", params(ImportQuery),
    request_body(content = String, content_type = "application/json", description = "A HAR 1.2 file"),
    responses((status = 200, body = ImportResult, description = "Each request of the file is now a capture (remote address `imported from HAR`)"),
              (status = 400, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)))]
pub async fn import_har(
    State(st): State<ApiState>,
    QueryParams(q): QueryParams<ImportQuery>,
    body: axum::body::Bytes,
) -> ApiResult<Json<ImportResult>> {
    let endpoint_id = q.endpoint.unwrap_or_else(|| st.store.default_endpoint_id());
    st.store.endpoint(endpoint_id).await?;
    let (requests, warnings) = tokio::task::spawn_blocking(move || crate::interop::export::parse_har(&body))
        .await
        .map_err(|e| ApiError::new(http::StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?
        .map_err(ApiError::bad_request)?;
    let mut capture_ids = Vec::with_capacity(requests.len());
    for r in requests {
        capture_ids
            .push(crate::capture::store_imported(&st.store, endpoint_id, r, "imported from HAR").await?);
    }
    st.store.caught_up().await;
    Ok(Json(ImportResult { capture_ids, warnings }))
}

/// `POST /api/v1/import/curl`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct CurlCommand {
    /// A curl command line (bash, `$'…'` or Windows cmd quoting, as browsers copy it).
    pub command: String,
}

#[utoipa::path(post, path = "/api/v1/import/curl", request_body = CurlCommand,
    responses((status = 200, body = CurlImport, description = "The request for the builder, and what could not be carried over"),
              (status = 400, body = super::error::ErrorBody, description = "`bad_command` with `position` (a byte offset) and `length`")))]
pub async fn import_curl(JsonBody(c): JsonBody<CurlCommand>) -> ApiResult<Json<CurlImport>> {
    if c.command.len() > 8 * 1024 * 1024 {
        return Err(ApiError::bad_request("the command is larger than 8 MiB"));
    }
    parse_curl(&c.command).map(Json).map_err(|e| {
        let mut err = ApiError::new(http::StatusCode::BAD_REQUEST, "bad_command", e.message);
        err.span = Some((e.position, 1));
        err
    })
}

/// Options of a curl export.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CurlQuery {
    /// A capture: send it here instead of where it was captured.
    pub url: Option<String>,
    /// A capture: mask Authorization, cookies, API keys and signatures.
    #[serde(default)]
    pub redact: bool,
    /// A send: include the secrets (masked by default).
    #[serde(default)]
    pub reveal: bool,
}

fn header_list(
    headers: impl IntoIterator<Item = (String, Vec<u8>, bool)>,
    hide: bool,
) -> Vec<(String, Vec<u8>)> {
    headers
        .into_iter()
        .map(|(n, v, secret)| if hide && secret { (n, MASK.as_bytes().to_vec()) } else { (n, v) })
        .collect()
}

fn masked_note(mut e: CurlExport, masked: bool) -> CurlExport {
    if masked {
        e.warnings.push(format!("secrets are shown as {MASK}; ask with reveal=true to include them"));
    }
    e
}

#[utoipa::path(get, path = "/api/v1/captures/{id}/curl", params(("id" = i64, Path), CurlQuery),
    responses((status = 200, body = CurlExport), (status = 404, body = super::error::ErrorBody)))]
pub async fn capture_curl(
    State(st): State<ApiState>,
    ids: Ids,
    QueryParams(q): QueryParams<CurlQuery>,
) -> ApiResult<Json<CurlExport>> {
    let id = ids.first();
    st.store.caught_up().await;
    let store = st.store.clone();
    let (capture, body) = st
        .store
        .read(move |c| {
            let (capture, body) = crate::store::queries::get_capture(c, id)?;
            Ok((capture, store.body_bytes(body)?))
        })
        .await?;
    let url = match q.url.filter(|u| !u.trim().is_empty()) {
        Some(u) => {
            let query = capture.query.as_deref().filter(|q| !q.is_empty());
            match query {
                Some(qs) if !u.contains('?') => format!("{u}?{qs}"),
                _ => u,
            }
        }
        None => {
            let query = capture.query.as_deref().map(|q| format!("?{q}")).unwrap_or_default();
            format!("{}{}{query}", st.store.capture_base(), capture.path)
        }
    };
    let headers = capture
        .headers
        .iter()
        .filter(|h| {
            !crate::outbound::replay::is_hop_by_hop(&h.name) || h.name.eq_ignore_ascii_case("content-length")
        })
        .map(|h| (h.name.clone(), h.raw_value(), is_secret_header(&h.name)));
    let export = to_curl(&capture.method, &url, &header_list(headers, q.redact), &body);
    Ok(Json(masked_note(export, false)))
}

#[utoipa::path(get, path = "/api/v1/requests/{id}/curl", params(("id" = i64, Path), CurlQuery),
    responses((status = 200, body = CurlExport), (status = 404, body = super::error::ErrorBody)))]
pub async fn send_curl(
    State(st): State<ApiState>,
    ids: Ids,
    QueryParams(q): QueryParams<CurlQuery>,
) -> ApiResult<Json<CurlExport>> {
    let id = ids.first();
    let record = st.store.read(move |c| log::get(c, id)).await?;
    let hide = !q.reveal;
    let head = &record.head;
    let bytes = if hide { mask(&head.bytes, &head.secrets) } else { head.bytes.clone() };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let mut lines = text.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let target = request_line.split(' ').nth(1).unwrap_or("/");
    // The scheme and authority come from the logged URL (they hold no secrets).
    let url = if target.starts_with("http://") || target.starts_with("https://") {
        target.to_owned()
    } else {
        match url::Url::parse(&record.url) {
            Ok(u) => format!("{}{target}", u.origin().ascii_serialization()),
            Err(_) => record.url.clone(),
        }
    };
    let headers: Vec<(String, Vec<u8>)> = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .filter(|(n, _)| !n.eq_ignore_ascii_case("proxy-authorization"))
        .map(|(n, v)| (n.to_owned(), v.trim_start().as_bytes().to_vec()))
        .collect();
    let body = if hide { mask(&record.body, &head.body_secrets()) } else { record.body.to_vec() };
    let export = to_curl(&record.method, &url, &headers, &body);
    Ok(Json(masked_note(export, hide && !head.secrets.is_empty())))
}

#[utoipa::path(post, path = "/api/v1/requests/curl", params(CurlQuery), request_body = SendRequest,
    responses((status = 200, body = CurlExport, description = "The built request (merge tags rendered) as a curl command"),
              (status = 400, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
pub async fn built_curl(
    State(st): State<ApiState>,
    QueryParams(q): QueryParams<CurlQuery>,
    JsonBody(req): JsonBody<SendRequest>,
) -> ApiResult<Json<CurlExport>> {
    let (ctx, secrets) = super::template::build_context_with_secrets(&st, &req.context).await?;
    let built = crate::outbound::build::build(&req, &ctx)?;
    let p = &built.prepared;
    let hide = !q.reveal;
    let hide_in = |bytes: &[u8], extra: &[(usize, usize)]| -> Vec<u8> {
        let mut ranges = extra.to_vec();
        ranges.extend(occurrences(bytes, &secrets));
        mask(bytes, &ranges)
    };
    let url = if hide {
        String::from_utf8_lossy(&hide_in(p.target.url.as_bytes(), &p.url_secrets)).into_owned()
    } else {
        p.target.url.clone()
    };
    let headers: Vec<(String, Vec<u8>)> = p
        .headers
        .iter()
        .map(|h| match (hide, h.secret) {
            (false, _) => (h.name.clone(), h.value.clone()),
            (true, true) => (h.name.clone(), MASK.as_bytes().to_vec()),
            (true, false) => (h.name.clone(), hide_in(&h.value, &[])),
        })
        .collect();
    let body = if hide { hide_in(&p.body, &[]) } else { p.body.to_vec() };
    let any_secret = p.headers.iter().any(|h| h.secret) || !p.url_secrets.is_empty() || !secrets.is_empty();
    let mut export = to_curl(&p.method, &url, &headers, &body);
    if built.oauth.is_some() {
        export.warnings.push("OAuth 2.0: the token is fetched when sent; curl gets the placeholder".into());
    }
    Ok(Json(masked_note(export, hide && any_secret)))
}
