//! The UI's static files (a Vite build, `ui/dist`), served from the control
//! listener so the UI and the API share one loopback origin. Without a build,
//! `/` shows a short status page instead.

use std::path::{Component, Path, PathBuf};

use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use http::{HeaderValue, StatusCode, Uri, header};

use super::{ApiError, ApiState};

/// The UI build to serve: `--ui-dir`, else `ui/dist` of the source tree this
/// binary was built from, if it exists.
pub fn resolve_ui_dir(given: Option<PathBuf>) -> Option<PathBuf> {
    let dir = given.unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("ui").join("dist"));
    dir.join("index.html").is_file().then_some(dir)
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// `rel` joined to `root`, refusing anything that could leave it.
fn safe_join(root: &Path, rel: &str) -> Option<PathBuf> {
    let rel = Path::new(rel.trim_start_matches('/'));
    if rel.as_os_str().is_empty() || !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    Some(root.join(rel))
}

async fn file_response(path: &Path, immutable: bool) -> Option<Response> {
    let bytes = tokio::fs::read(path).await.ok()?;
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(path)));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if immutable { "public, max-age=31536000, immutable" } else { "no-cache" }),
    );
    Some(resp)
}

const CSP: &str = "default-src 'self'; connect-src 'self'; img-src 'self' data: blob:; \
                   style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'";

/// The UI's entry page, or the status page when there is no UI build.
pub async fn index(st: &ApiState) -> Response {
    if let Some(dir) = &st.ui_dir
        && let Some(mut resp) = file_response(&dir.join("index.html"), false).await
    {
        resp.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
        return resp;
    }
    let capture = st.store.capture_base();
    Html(format!(
        "<!doctype html><meta charset=utf-8><title>Hookbench</title>\
         <style>body{{font:16px system-ui;margin:3em auto;max-width:40em;padding:0 1em}}code{{background:#eee;padding:2px 4px}}</style>\
         <h1>Hookbench is running</h1>\
         <p>Send any request to <code>{capture}/</code> (the Default endpoint) or to an endpoint's <code>{capture}/h/&lt;slug&gt;</code>.</p>\
         <p>The control API lives under <code>/api/v1/</code> and needs the token printed at start \
         (<code>Authorization: Bearer &lt;token&gt;</code>); its description is at <code>/api/v1/openapi.json</code>.</p>\
         <p>No UI build was found (run <code>cargo xtask run</code>, or pass <code>--ui-dir</code>).</p>"
    ))
    .into_response()
}

/// Everything not routed: unknown API paths get a JSON 404; other paths are
/// UI files.
pub async fn fallback(State(st): State<ApiState>, uri: Uri) -> Response {
    let path = uri.path();
    if path == "/api" || path.starts_with("/api/") {
        return ApiError::not_found("route").into_response();
    }
    if let Some(dir) = &st.ui_dir
        && let Some(file) = safe_join(dir, path)
        && let Some(resp) = file_response(&file, path.starts_with("/assets/")).await
    {
        return resp;
    }
    (StatusCode::NOT_FOUND, "not found").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cannot_leave_the_ui_dir() {
        let root = Path::new("/srv/ui");
        assert_eq!(safe_join(root, "/assets/app.js"), Some(root.join("assets/app.js")));
        assert_eq!(safe_join(root, "/../etc/passwd"), None);
        assert_eq!(safe_join(root, "/assets/../../x"), None);
        assert_eq!(safe_join(root, "//etc/passwd"), Some(root.join("etc/passwd")));
        assert_eq!(safe_join(root, "/"), None);
    }

    #[test]
    fn types() {
        assert_eq!(content_type(Path::new("a.js")), "text/javascript; charset=utf-8");
        assert_eq!(content_type(Path::new("a.unknown")), "application/octet-stream");
    }
}
