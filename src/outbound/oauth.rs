//! OAuth 2.0 access tokens for outbound requests: client-credentials and
//! refresh-token grants (RFC 6749 §4.4, §6), cached until they expire.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use serde::Deserialize;

use super::OutboundError;
use super::build::{OAuth, finish};
use super::client::{Client, ClientOptions};
use super::spec::{ClientAuth, OAuthGrant};
use super::wire::{Target, WireHeader};

/// A token is fetched again this long before it expires.
const MARGIN: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
struct Cached {
    access_token: String,
    expires: Option<Instant>,
}

/// Tokens by the settings that fetched them. A refresh token the server
/// rotates is remembered and used next time.
#[derive(Default)]
pub struct TokenCache {
    tokens: tokio::sync::Mutex<HashMap<OAuth, Cached>>,
    rotated: std::sync::Mutex<HashMap<OAuth, String>>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    expires_in: Option<serde_json::Value>,
    refresh_token: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

impl TokenCache {
    /// A cached token that has not expired, without fetching.
    pub async fn cached(&self, o: &OAuth) -> Option<String> {
        // A fetch in progress (holding the lock) is not waited for.
        let tokens = self.tokens.try_lock().ok()?;
        tokens
            .get(o)
            .filter(|c| c.expires.is_none_or(|e| Instant::now() + MARGIN < e))
            .map(|c| c.access_token.clone())
    }

    /// A valid token: the cached one, else a new one. `fresh`: the cached one
    /// was refused (401), fetch another whatever its expiry says.
    pub async fn token(
        &self,
        client: &Client,
        o: &OAuth,
        opts: &ClientOptions,
        fresh: bool,
    ) -> Result<String, OutboundError> {
        // Held across the fetch: concurrent requests wait for one fetch.
        let mut tokens = self.tokens.lock().await;
        if !fresh
            && let Some(c) = tokens.get(o)
            && c.expires.is_none_or(|e| Instant::now() + MARGIN < e)
        {
            return Ok(c.access_token.clone());
        }
        tokens.remove(o);
        let got = self.fetch(client, o, opts).await?;
        tokens.insert(o.clone(), got.clone());
        Ok(got.access_token)
    }

    async fn fetch(&self, client: &Client, o: &OAuth, opts: &ClientOptions) -> Result<Cached, OutboundError> {
        let fail = |m: String| OutboundError::OAuth(format!("token request to {}: {m}", o.token_url));
        let target = Target::parse(&o.token_url).map_err(|e| fail(e.to_string()))?;
        let refresh = match o.grant {
            OAuthGrant::ClientCredentials => None,
            OAuthGrant::RefreshToken => {
                let rotated = self.rotated.lock().unwrap_or_else(|e| e.into_inner()).get(o).cloned();
                let refresh = rotated.unwrap_or_else(|| o.refresh_token.clone());
                if refresh.is_empty() {
                    return Err(fail("the refresh-token grant needs a refresh token".into()));
                }
                Some(refresh)
            }
        };
        let (headers, body) = token_request(o, refresh.as_deref());
        let ct = Some("application/x-www-form-urlencoded".to_owned());
        let p = finish("POST".into(), target, headers, body, ct, &mut |_, _| {});
        let head = client.head(&p, opts);
        let resp = client.exchange(&p, &head, opts).await.map_err(|e| fail(e.to_string()))?;
        let parsed: Result<TokenResponse, _> = serde_json::from_slice(&resp.body);
        let snippet = || String::from_utf8_lossy(&resp.body[..resp.body.len().min(300)]).into_owned();
        let t = match parsed {
            Ok(t) => t,
            Err(_) => {
                return Err(fail(format!(
                    "answered {} with a body that is not JSON: {}",
                    resp.status,
                    snippet()
                )));
            }
        };
        if !(200..300).contains(&resp.status) || t.access_token.is_none() {
            let why = match (t.error, t.error_description) {
                (Some(e), Some(d)) => format!("{e}: {d}"),
                (Some(e), None) => e,
                _ => snippet(),
            };
            return Err(fail(format!("answered {} ({why})", resp.status)));
        }
        let token = t.access_token.clone().unwrap_or_default();
        if token.bytes().any(|b| b.is_ascii_control()) {
            return Err(fail("the access token holds control characters".into()));
        }
        if let Some(r) = t.refresh_token {
            self.rotated.lock().unwrap_or_else(|e| e.into_inner()).insert(o.clone(), r);
        }
        let expires_in = match t.expires_in {
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        Ok(Cached {
            access_token: t.access_token.unwrap_or_default(),
            // An absurd lifetime is capped (a year), not an overflow.
            expires: expires_in
                .and_then(|s| Instant::now().checked_add(Duration::from_secs(s.min(365 * 86_400)))),
        })
    }
}

/// The token request's headers and form body.
fn token_request(o: &OAuth, refresh: Option<&str>) -> (Vec<WireHeader>, Bytes) {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    match o.grant {
        OAuthGrant::ClientCredentials => {
            form.append_pair("grant_type", "client_credentials");
        }
        OAuthGrant::RefreshToken => {
            form.append_pair("grant_type", "refresh_token");
            form.append_pair("refresh_token", refresh.unwrap_or_default());
        }
    }
    if !o.scope.is_empty() {
        form.append_pair("scope", &o.scope);
    }
    if !o.audience.is_empty() {
        form.append_pair("audience", &o.audience);
    }
    let mut headers = vec![WireHeader::new("Accept", "application/json")];
    match o.client_auth {
        ClientAuth::Basic => {
            let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            let pair = format!("{}:{}", enc(&o.client_id), enc(&o.client_secret));
            let value = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair));
            headers.push(WireHeader::secret("Authorization", value));
        }
        ClientAuth::Body => {
            form.append_pair("client_id", &o.client_id);
            if !o.client_secret.is_empty() {
                form.append_pair("client_secret", &o.client_secret);
            }
        }
    }
    (headers, Bytes::from(form.finish()))
}
