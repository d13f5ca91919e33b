//! Token, Host and Origin checks.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};

use super::{ApiError, ApiState};
use crate::util::constant_time_eq;

pub const COOKIE: &str = "hookbench_token";

const LOOPBACK_NAMES: [&str; 3] = ["127.0.0.1", "localhost", "[::1]"];

/// True when `host` (a Host header or authority) names this listener by a loopback name.
pub fn is_loopback_host(host: &str, port: u16) -> bool {
    let (name, p) = match host.rsplit_once(':') {
        Some((n, p)) if !p.contains(']') => (n, Some(p)),
        _ => (host, None),
    };
    let port_ok = match p {
        Some(p) => p.parse::<u16>() == Ok(port),
        None => port == 80,
    };
    port_ok && LOOPBACK_NAMES.iter().any(|l| l.eq_ignore_ascii_case(name))
}

fn allowed_origin(origin: &str, port: u16) -> bool {
    match origin.strip_prefix("http://") {
        Some(host) => is_loopback_host(host, port),
        None => origin == "tauri://localhost",
    }
}

/// Refuse requests whose Host is not a loopback name (DNS rebinding), and
/// cross-origin requests from other sites.
pub async fn check_host_and_origin(State(st): State<ApiState>, req: Request, next: Next) -> Response {
    let port = st.api_addr.port();
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.as_str().to_owned()));
    match host {
        Some(h) if is_loopback_host(&h, port) => {}
        _ => {
            return ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden_host",
                "the control API answers only to 127.0.0.1, localhost or [::1]",
            )
            .into_response();
        }
    }
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        let ok = origin.to_str().is_ok_and(|o| allowed_origin(o, port));
        if !ok {
            return ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden_origin",
                "cross-origin requests are not allowed",
            )
            .into_response();
        }
    }
    next.run(req).await
}

/// The token a request carries, from `Authorization: Bearer` or the cookie.
pub fn presented_token(headers: &http::HeaderMap) -> Option<String> {
    if let Some(v) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let (scheme, rest) = v.split_once(' ')?;
        return scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim().to_owned());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(COOKIE).and_then(|r| r.strip_prefix('=')).map(str::to_owned))
}

pub fn token_ok(st: &ApiState, presented: &str) -> bool {
    constant_time_eq(presented.as_bytes(), st.token.as_bytes())
}

pub async fn require_token(State(st): State<ApiState>, req: Request, next: Next) -> Response {
    match presented_token(req.headers()) {
        Some(t) if token_ok(&st, &t) => next.run(req).await,
        Some(_) => ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "the token is not valid").into_response(),
        None => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "this API needs `Authorization: Bearer <token>` (the token is printed at start and kept in the data directory)",
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        assert!(is_loopback_host("127.0.0.1:8788", 8788));
        assert!(is_loopback_host("LOCALHOST:8788", 8788));
        assert!(is_loopback_host("[::1]:8788", 8788));
        assert!(!is_loopback_host("127.0.0.1:9999", 8788));
        assert!(!is_loopback_host("evil.example:8788", 8788));
        assert!(!is_loopback_host("127.0.0.1.evil.example:8788", 8788));
        assert!(!is_loopback_host("[::1]", 8788));
        assert!(is_loopback_host("localhost", 80));
    }

    #[test]
    fn origins() {
        assert!(allowed_origin("http://127.0.0.1:8788", 8788));
        assert!(allowed_origin("tauri://localhost", 8788));
        assert!(!allowed_origin("http://evil.example", 8788));
        assert!(!allowed_origin("https://127.0.0.1:8788", 8788));
        assert!(!allowed_origin("null", 8788));
    }

    #[test]
    fn tokens_from_header_or_cookie() {
        let mut h = http::HeaderMap::new();
        h.insert(header::AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert_eq!(presented_token(&h).as_deref(), Some("abc"));
        let mut h = http::HeaderMap::new();
        h.insert(header::COOKIE, "a=b; hookbench_token=xyz".parse().unwrap());
        assert_eq!(presented_token(&h).as_deref(), Some("xyz"));
        let mut h = http::HeaderMap::new();
        h.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(presented_token(&h), None);
    }
}
