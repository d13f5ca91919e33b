//! What a user asks to send: the request builder's fields, auth and options.
//! Field names are a contract (`POST /api/v1/requests/send`): extend, don't rename.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::template::Diagnostic;

/// `true`, for `#[serde(default = …)]`.
pub(crate) fn yes() -> bool {
    true
}

/// A row of the query or headers table, or a form field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct NameValue {
    pub name: String,
    pub value: String,
    /// A row switched off stays in the builder but is not sent.
    #[serde(default = "yes")]
    #[ts(as = "Option<bool>", optional)]
    pub enabled: bool,
}

impl NameValue {
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        NameValue { name: name.into(), value: value.into(), enabled: true }
    }
}

/// A file in a multipart body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct FilePart {
    /// The form field's name.
    pub name: String,
    pub filename: String,
    #[serde(default)]
    #[ts(optional)]
    pub content_type: Option<String>,
    /// The file's bytes, base64.
    pub data_base64: String,
}

/// How the body is built (and which Content-Type goes with it, unless a
/// `Content-Type` header says otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum BodyType {
    /// No body.
    None,
    /// `body` is a JSON template (values escaped as JSON); `application/json`.
    Json,
    /// `form` fields, `application/x-www-form-urlencoded`.
    Form,
    /// `form` fields and `files`, `multipart/form-data`.
    Multipart,
    /// `body` as written (or `body_base64`), with whatever Content-Type header is given.
    Raw,
}

/// Where an API key goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ApiKeyIn {
    #[default]
    Header,
    Query,
}

/// OAuth 2.0 grants.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum OAuthGrant {
    #[default]
    ClientCredentials,
    RefreshToken,
}

/// How the client proves itself to the token endpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    /// HTTP Basic with the client id and secret (RFC 6749 §2.3.1).
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the form body.
    Body,
}

/// Auth. Every string may hold merge tags (`{{env.token}}`); what it produces
/// is a secret, masked wherever the request is shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Auth {
    #[default]
    None,
    Bearer {
        token: String,
    },
    Basic {
        username: String,
        password: String,
    },
    ApiKey {
        name: String,
        value: String,
        #[serde(default, rename = "in")]
        #[ts(as = "Option<ApiKeyIn>", optional, rename = "in")]
        placement: ApiKeyIn,
    },
    /// A token is fetched from `token_url`, cached until it expires, and fetched
    /// again (the request retried once) when the target answers 401.
    Oauth2 {
        #[serde(default)]
        #[ts(as = "Option<OAuthGrant>", optional)]
        grant: OAuthGrant,
        token_url: String,
        client_id: String,
        #[serde(default)]
        #[ts(as = "Option<String>", optional)]
        client_secret: String,
        #[serde(default)]
        #[ts(as = "Option<String>", optional)]
        scope: String,
        #[serde(default)]
        #[ts(as = "Option<String>", optional)]
        audience: String,
        /// For the refresh-token grant.
        #[serde(default)]
        #[ts(as = "Option<String>", optional)]
        refresh_token: String,
        #[serde(default)]
        #[ts(as = "Option<ClientAuth>", optional)]
        client_auth: ClientAuth,
    },
}

fn thirty_seconds() -> u64 {
    30_000
}

/// How a request is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct SendOptions {
    /// For the whole exchange, redirects and token fetches included (default
    /// 30 s, as long as HighLevel waits for a webhook's answer).
    #[serde(default = "thirty_seconds")]
    #[ts(as = "Option<u32>", optional)]
    pub timeout_ms: u64,
    /// Follow up to 10 redirects (default on).
    #[serde(default = "yes")]
    #[ts(as = "Option<bool>", optional)]
    pub follow_redirects: bool,
    /// Check the server's TLS certificate (default on).
    #[serde(default = "yes")]
    #[ts(as = "Option<bool>", optional)]
    pub verify_tls: bool,
    /// An HTTP proxy: `http://[user:pass@]host:port`.
    #[serde(default)]
    #[ts(optional)]
    pub proxy: Option<String>,
}

impl Default for SendOptions {
    fn default() -> Self {
        SendOptions { timeout_ms: thirty_seconds(), follow_redirects: true, verify_tls: true, proxy: None }
    }
}

/// Where `{{…}}` tags take their values from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct TemplateContext {
    /// `inboundWebhookRequest` from this capture…
    #[serde(default)]
    #[ts(optional, type = "number")]
    pub capture_id: Option<i64>,
    /// …or from this endpoint's mapping reference.
    #[serde(default)]
    #[ts(optional, type = "number")]
    pub endpoint_id: Option<i64>,
    /// A contact to use instead of the saved sample contact.
    #[serde(default)]
    #[schema(value_type = Object)]
    #[ts(optional, type = "Record<string, unknown>")]
    pub contact: Option<serde_json::Value>,
    /// Variables for `{{env.*}}`, over those of the environment.
    #[serde(default)]
    #[schema(value_type = Object)]
    #[ts(optional, type = "Record<string, unknown>")]
    pub env: Option<serde_json::Value>,
    /// The environment (name or id) for `{{env.*}}`; default: the active one.
    #[serde(default)]
    #[ts(optional)]
    pub environment: Option<String>,
}

/// `POST /api/v1/requests/send`: a request to build, render and send (or only
/// render, with `dry_run`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct SendRequest {
    /// Any method; GET, POST, PUT, PATCH, DELETE, HEAD and OPTIONS are the usual ones.
    pub method: String,
    /// May hold merge tags; a tag's value in the path or query is percent-encoded.
    pub url: String,
    /// Appended to the URL's query, in order.
    #[serde(default)]
    #[ts(as = "Option<Vec<NameValue>>", optional)]
    pub query: Vec<NameValue>,
    #[serde(default)]
    #[ts(as = "Option<Vec<NameValue>>", optional)]
    pub headers: Vec<NameValue>,
    /// The body template (for `json` and `raw`).
    #[serde(default)]
    #[ts(as = "Option<String>", optional)]
    pub body: String,
    /// Default: `raw` when `body` or `body_base64` is given, else `none`.
    #[serde(default)]
    #[ts(optional)]
    pub body_type: Option<BodyType>,
    /// Exact body bytes for `raw` (no merge tags), instead of `body`.
    #[serde(default)]
    #[ts(optional)]
    pub body_base64: Option<String>,
    /// Fields of a `form` or `multipart` body.
    #[serde(default)]
    #[ts(as = "Option<Vec<NameValue>>", optional)]
    pub form: Vec<NameValue>,
    /// Files of a `multipart` body.
    #[serde(default)]
    #[ts(as = "Option<Vec<FilePart>>", optional)]
    pub files: Vec<FilePart>,
    #[serde(default)]
    #[ts(as = "Option<Auth>", optional)]
    pub auth: Auth,
    #[serde(default)]
    #[ts(as = "Option<SendOptions>", optional)]
    pub options: SendOptions,
    /// Build and render only: nothing is sent or stored.
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub dry_run: bool,
    #[serde(default, flatten)]
    pub context: TemplateContext,
}

/// A template problem in one field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct FieldDiagnostic {
    /// `url`, `query[0].value`, `headers[2].name`, `body`, `form[1].value`, `auth.token`…
    pub field: String,
    #[serde(flatten)]
    pub diagnostic: Diagnostic,
}

/// What to change in a capture before replaying it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct ReplayOverrides {
    #[serde(default)]
    #[ts(optional)]
    pub method: Option<String>,
    /// Replaces the target URL's path (and query, if it has one).
    #[serde(default)]
    #[ts(optional)]
    pub path: Option<String>,
    /// The headers to send instead of the captured ones.
    #[serde(default)]
    #[ts(optional)]
    pub headers: Option<Vec<NameValue>>,
    /// A body (text) instead of the captured one.
    #[serde(default)]
    #[ts(optional)]
    pub body: Option<String>,
    /// A body (bytes, base64) instead of the captured one.
    #[serde(default)]
    #[ts(optional)]
    pub body_base64: Option<String>,
    /// Keep the captured `Host` header instead of the target's.
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub keep_host: bool,
}

/// `POST /api/v1/captures/{id}/replay`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, ts_rs::TS)]
pub struct ReplayRequest {
    /// Where to send it. The capture's query string is added when this URL has none.
    pub url: String,
    #[serde(default)]
    #[ts(optional)]
    pub overrides: Option<ReplayOverrides>,
    #[serde(default)]
    #[ts(as = "Option<SendOptions>", optional)]
    pub options: SendOptions,
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub dry_run: bool,
}
