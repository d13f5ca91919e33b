//! From the builder's fields to the request that goes out: merge tags
//! rendered for where they stand, the body encoded, Content-Type and
//! Content-Length set to match, auth applied.

use base64::Engine as _;
use bytes::Bytes;

use super::OutboundError;
use super::spec::{ApiKeyIn, Auth, BodyType, ClientAuth, FieldDiagnostic, OAuthGrant, SendRequest};
use super::wire::{Prepared, Target, WireHeader};
use crate::template::render::percent_encode;
use crate::template::{Context, Diagnostic, Mode, Severity, render};

/// The user agent sent unless the request sets its own.
pub const USER_AGENT: &str = concat!("Hookbench/", env!("CARGO_PKG_VERSION"));

/// The Authorization value of an OAuth 2.0 request until its token is fetched
/// (what a dry run shows when no token is cached yet).
pub const OAUTH_PLACEHOLDER: &str = "Bearer <token fetched when sent>";

/// OAuth 2.0 settings with their merge tags rendered.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OAuth {
    pub grant: OAuthGrant,
    pub token_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub scope: String,
    pub audience: String,
    pub refresh_token: String,
    pub client_auth: ClientAuth,
}

/// A request ready to go, and what rendering found.
#[derive(Debug, Clone)]
pub struct Built {
    pub prepared: Prepared,
    /// The token is fetched at send time and written as `Authorization: Bearer`.
    pub oauth: Option<OAuth>,
    pub diagnostics: Vec<FieldDiagnostic>,
}

struct Renderer<'a> {
    ctx: &'a Context,
    diagnostics: Vec<FieldDiagnostic>,
}

impl Renderer<'_> {
    fn render(&mut self, field: impl Fn() -> String, src: &str, mode: Mode) -> String {
        if !src.contains("{{") && !src.contains("\\{{") {
            return src.to_owned();
        }
        let out = render(src, self.ctx, mode);
        let name = field();
        self.diagnostics.extend(
            out.diagnostics.into_iter().map(|d| FieldDiagnostic { field: name.clone(), diagnostic: d }),
        );
        out.output
    }

    fn warn(&mut self, field: &str, message: String) {
        self.diagnostics.push(FieldDiagnostic {
            field: field.to_owned(),
            diagnostic: Diagnostic::warning(message, 0, 0, None),
        });
    }

    /// A URL template: tags before the path (a base URL, a host) are written as
    /// they are; tags in the path and query are percent-encoded.
    fn url(&mut self, src: &str) -> String {
        let split = path_start(src);
        let head = self.render(|| "url".into(), &src[..split], Mode::Text);
        let before = self.diagnostics.len();
        let tail = self.render(|| "url".into(), &src[split..], Mode::Url);
        for d in &mut self.diagnostics[before..] {
            d.diagnostic.start += split;
            d.diagnostic.end += split;
        }
        head + &tail
    }
}

/// Where the path begins in a URL template: the first `/` outside a tag after
/// `://` (or anywhere, when the template starts with a tag such as `{{env.base}}/x`).
fn path_start(src: &str) -> usize {
    let b = src.as_bytes();
    let mut i = 0;
    let mut seen_scheme = !src.contains("://");
    let mut in_tag = false;
    while i < b.len() {
        if !in_tag && b[i..].starts_with(b"{{") {
            in_tag = true;
            i += 2;
            continue;
        }
        if in_tag {
            if b[i..].starts_with(b"}}") {
                in_tag = false;
                i += 2;
            } else {
                i += 1;
            }
            continue;
        }
        if !seen_scheme && b[i..].starts_with(b"://") {
            seen_scheme = true;
            i += 3;
            continue;
        }
        if seen_scheme && (b[i] == b'/' || b[i] == b'?') {
            return i;
        }
        i += 1;
    }
    b.len()
}

/// `tchar` of RFC 9110: what a method or a header name may be made of.
pub fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c))
}

fn has(headers: &[WireHeader], name: &str) -> bool {
    headers.iter().any(|h| h.name.eq_ignore_ascii_case(name))
}

/// Header names whose values are secrets wherever they come from.
pub fn is_secret_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(n.as_str(), "authorization" | "proxy-authorization" | "cookie" | "set-cookie")
        || n.contains("api-key")
        || n.contains("apikey")
        || n.contains("api_key")
        || n.contains("token")
        || n.contains("secret")
        || n.contains("signature")
        || n.contains("password")
}

/// Build `req` against `ctx`. Malformed templates fail with every problem and
/// where it is; unknown tags are warnings (they render empty).
pub fn build(req: &SendRequest, ctx: &Context) -> Result<Built, OutboundError> {
    let mut r = Renderer { ctx, diagnostics: Vec::new() };
    let method = req.method.trim().to_owned();
    let method = if method.is_empty() { "GET".to_owned() } else { method };
    if !is_token(&method) {
        return Err(OutboundError::Invalid(format!("{method:?} is not an HTTP method")));
    }

    // URL and query table.
    let mut url = r.url(&req.url);
    let mut pairs = Vec::new();
    for (i, q) in req.query.iter().enumerate().filter(|(_, q)| q.enabled) {
        let name = r.render(|| format!("query[{i}].name"), &q.name, Mode::Text);
        let value = r.render(|| format!("query[{i}].value"), &q.value, Mode::Text);
        pairs.push(format!("{}={}", percent_encode(&name), percent_encode(&value)));
    }
    if !pairs.is_empty() {
        let (base, frag) = match url.find('#') {
            Some(i) => (url[..i].to_owned(), &url[i..]),
            None => (url.clone(), ""),
        };
        let sep = if !base.contains('?') {
            "?"
        } else if base.ends_with('?') || base.ends_with('&') {
            ""
        } else {
            "&"
        };
        url = format!("{base}{sep}{}{frag}", pairs.join("&"));
    }

    // Headers, in order.
    let mut headers: Vec<WireHeader> = Vec::new();
    for (i, h) in req.headers.iter().enumerate().filter(|(_, h)| h.enabled) {
        let name = r.render(|| format!("headers[{i}].name"), &h.name, Mode::Text).trim().to_owned();
        if name.is_empty() && h.value.is_empty() {
            continue;
        }
        if !is_token(&name) {
            return Err(OutboundError::Invalid(format!("headers[{i}]: {name:?} is not a valid header name")));
        }
        let value = r.render(|| format!("headers[{i}].value"), &h.value, Mode::Header);
        if value.contains(['\r', '\n']) {
            return Err(OutboundError::Invalid(format!(
                "headers[{i}] ({name}): a header value cannot hold a line break"
            )));
        }
        let secret = is_secret_header(&name);
        headers.push(WireHeader { name, value: value.into_bytes(), secret });
    }

    // Body.
    let body_type = req.body_type.unwrap_or(if req.body.is_empty() && req.body_base64.is_none() {
        BodyType::None
    } else {
        BodyType::Raw
    });
    let (body, content_type): (Vec<u8>, Option<String>) = match body_type {
        BodyType::None => (Vec::new(), None),
        BodyType::Json => {
            let text = r.render(|| "body".into(), &req.body, Mode::Json);
            if let Err(e) = serde_json::from_str::<serde_json::Value>(&text)
                && !text.trim().is_empty()
            {
                r.warn(
                    "body",
                    format!("the body is not valid JSON once rendered ({e}); it is sent as written"),
                );
            }
            (text.into_bytes(), Some("application/json".into()))
        }
        BodyType::Raw => match &req.body_base64 {
            Some(b64) => (decode_b64(b64, "body_base64")?, None),
            None => (r.render(|| "body".into(), &req.body, Mode::Text).into_bytes(), None),
        },
        BodyType::Form => {
            let mut ser = url::form_urlencoded::Serializer::new(String::new());
            for (i, f) in req.form.iter().enumerate().filter(|(_, f)| f.enabled) {
                let name = r.render(|| format!("form[{i}].name"), &f.name, Mode::Text);
                let value = r.render(|| format!("form[{i}].value"), &f.value, Mode::Text);
                ser.append_pair(&name, &value);
            }
            (ser.finish().into_bytes(), Some("application/x-www-form-urlencoded".into()))
        }
        BodyType::Multipart => {
            let boundary = format!("----HookbenchBoundary{}", hex::encode(crate::util::random_bytes::<12>()));
            let mut out = Vec::new();
            for (i, f) in req.form.iter().enumerate().filter(|(_, f)| f.enabled) {
                let name = r.render(|| format!("form[{i}].name"), &f.name, Mode::Text);
                let value = r.render(|| format!("form[{i}].value"), &f.value, Mode::Text);
                out.extend_from_slice(
                    format!(
                        "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n",
                        quote_param(&name)
                    )
                    .as_bytes(),
                );
                out.extend_from_slice(value.as_bytes());
                out.extend_from_slice(b"\r\n");
            }
            for (i, f) in req.files.iter().enumerate() {
                let data = decode_b64(&f.data_base64, &format!("files[{i}].data_base64"))?;
                let ct =
                    f.content_type.as_deref().filter(|c| !c.is_empty()).unwrap_or("application/octet-stream");
                out.extend_from_slice(
                    format!(
                        "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {ct}\r\n\r\n",
                        quote_param(&f.name),
                        quote_param(&f.filename)
                    )
                    .as_bytes(),
                );
                out.extend_from_slice(&data);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
            // A Content-Type the user set without a boundary gets ours.
            if let Some(h) = headers.iter_mut().find(|h| h.name.eq_ignore_ascii_case("content-type")) {
                let v = String::from_utf8_lossy(&h.value).into_owned();
                if v.to_ascii_lowercase().starts_with("multipart/")
                    && !v.to_ascii_lowercase().contains("boundary=")
                {
                    h.value = format!("{v}; boundary={boundary}").into_bytes();
                }
            }
            (out, Some(format!("multipart/form-data; boundary={boundary}")))
        }
    };

    // Auth.
    let mut oauth = None;
    let mut url_secret = None;
    let auth_header = match &req.auth {
        Auth::None => None,
        Auth::Bearer { token } => {
            let t = r.render(|| "auth.token".into(), token, Mode::Header);
            if t.contains(['\r', '\n']) {
                return Err(OutboundError::Invalid("auth.token: a token cannot hold a line break".into()));
            }
            Some(WireHeader::secret("Authorization", format!("Bearer {}", t.trim())))
        }
        Auth::Basic { username, password } => {
            let u = r.render(|| "auth.username".into(), username, Mode::Text);
            let p = r.render(|| "auth.password".into(), password, Mode::Text);
            let enc = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
            Some(WireHeader::secret("Authorization", format!("Basic {enc}")))
        }
        Auth::ApiKey { name, value, placement } => {
            let name = r.render(|| "auth.name".into(), name, Mode::Text).trim().to_owned();
            let value = r.render(|| "auth.value".into(), value, Mode::Text);
            match placement {
                ApiKeyIn::Header => {
                    if !is_token(&name) {
                        return Err(OutboundError::Invalid(format!(
                            "auth.name: {name:?} is not a valid header name"
                        )));
                    }
                    if value.contains(['\r', '\n']) {
                        return Err(OutboundError::Invalid(
                            "auth.value: an API key cannot hold a line break".into(),
                        ));
                    }
                    headers.retain(|h| !h.name.eq_ignore_ascii_case(&name));
                    headers.push(WireHeader::secret(&name, value));
                    None
                }
                ApiKeyIn::Query => {
                    let (base, frag) = match url.find('#') {
                        Some(i) => (url[..i].to_owned(), url[i..].to_owned()),
                        None => (url.clone(), String::new()),
                    };
                    let sep = if base.contains('?') { "&" } else { "?" };
                    let prefix = format!("{base}{sep}{}=", percent_encode(&name));
                    let enc = percent_encode(&value);
                    url_secret = Some(enc.clone());
                    url = format!("{prefix}{enc}{frag}");
                    None
                }
            }
        }
        Auth::Oauth2 {
            grant,
            token_url,
            client_id,
            client_secret,
            scope,
            audience,
            refresh_token,
            client_auth,
        } => {
            oauth = Some(OAuth {
                grant: *grant,
                token_url: r.render(|| "auth.token_url".into(), token_url, Mode::Text),
                client_id: r.render(|| "auth.client_id".into(), client_id, Mode::Text),
                client_secret: r.render(|| "auth.client_secret".into(), client_secret, Mode::Text),
                scope: r.render(|| "auth.scope".into(), scope, Mode::Text),
                audience: r.render(|| "auth.audience".into(), audience, Mode::Text),
                refresh_token: r.render(|| "auth.refresh_token".into(), refresh_token, Mode::Text),
                client_auth: *client_auth,
            });
            Some(WireHeader::secret("Authorization", OAUTH_PLACEHOLDER))
        }
    };
    if let Some(h) = auth_header {
        if has(&headers, "authorization") {
            r.warn(
                "auth",
                "the Authorization header of the headers table is replaced by the auth settings".into(),
            );
        }
        headers.retain(|h| !h.name.eq_ignore_ascii_case("authorization"));
        headers.push(h);
    }

    let errors: Vec<FieldDiagnostic> =
        r.diagnostics.iter().filter(|d| d.diagnostic.severity == Severity::Error).cloned().collect();
    if !errors.is_empty() {
        return Err(OutboundError::Template(errors));
    }

    let target = Target::parse(&url)?;
    // Credentials in the URL are sent as Basic auth (as curl does), never in the URL.
    if let Some((user, pass)) = &target.userinfo {
        if has(&headers, "authorization") {
            r.warn(
                "url",
                "the URL's user:password is not used: the request has its own Authorization".into(),
            );
        } else {
            let enc = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
            headers.push(WireHeader::secret("Authorization", format!("Basic {enc}")));
        }
    }
    let mut url_secrets = Vec::new();
    if let Some(secret) = url_secret.filter(|s| !s.is_empty()) {
        // The key was appended last, so its last occurrence in the parsed URL is it.
        if let Some(at) = target.url.rfind(&secret) {
            url_secrets.push((at, at + secret.len()));
        }
    }
    let prepared =
        finish(method, target, headers, body.into(), content_type, &mut |field, msg| r.warn(field, msg));
    let prepared = Prepared { url_secrets, ..prepared };
    Ok(Built { prepared, oauth, diagnostics: r.diagnostics })
}

/// Put `Host` first (unless given), set Content-Type (unless given),
/// Content-Length from the body, and a User-Agent (unless given).
pub fn finish(
    method: String,
    target: Target,
    mut headers: Vec<WireHeader>,
    body: Bytes,
    content_type: Option<String>,
    warn: &mut dyn FnMut(&str, String),
) -> Prepared {
    let before = headers.len();
    headers.retain(|h| {
        !h.name.eq_ignore_ascii_case("content-length") && !h.name.eq_ignore_ascii_case("transfer-encoding")
    });
    if headers.len() != before {
        warn("headers", "Content-Length and Transfer-Encoding are set from the body".into());
    }
    if !has(&headers, "host") {
        headers.insert(0, WireHeader::new("Host", target.authority.as_bytes()));
    }
    if let Some(ct) = content_type
        && !has(&headers, "content-type")
    {
        headers.push(WireHeader::new("Content-Type", ct));
    }
    let m = method.to_ascii_uppercase();
    if !body.is_empty() || matches!(m.as_str(), "POST" | "PUT" | "PATCH") {
        headers.push(WireHeader::new("Content-Length", body.len().to_string()));
    }
    if !has(&headers, "user-agent") {
        headers.push(WireHeader::new("User-Agent", USER_AGENT));
    }
    Prepared { method, target, headers, body, url_secrets: Vec::new(), secret_values: Vec::new() }
}

fn decode_b64(s: &str, field: &str) -> Result<Vec<u8>, OutboundError> {
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map_err(|e| OutboundError::Invalid(format!("{field} is not base64: {e}")))
}

/// A multipart parameter value inside double quotes.
fn quote_param(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "%22").replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbound::spec::NameValue;
    use crate::outbound::wire::{mask, write_head};
    use serde_json::json;

    fn ctx() -> Context {
        Context::new()
            .with("contact", json!({"email": "ana@example.com", "name": "Ana \"A\" Ávila"}))
            .with("env", json!({"base": "http://127.0.0.1:9/api", "token": "tok-123", "id": "a b/c"}))
    }

    fn head_text(b: &Built) -> String {
        String::from_utf8(write_head(&b.prepared, false, &[]).bytes).unwrap()
    }

    #[test]
    fn a_json_request_with_tags_in_every_place() {
        let req = SendRequest {
            method: "post".into(),
            url: "{{env.base}}/contacts/{{env.id}}".into(),
            query: vec![
                NameValue::new("q", "{{contact.email}}"),
                NameValue { enabled: false, ..NameValue::new("off", "1") },
            ],
            headers: vec![NameValue::new("X-Email", "{{contact.email}}")],
            body: r#"{"name": "{{contact.name}}"}"#.into(),
            body_type: Some(BodyType::Json),
            auth: Auth::Bearer { token: "{{env.token}}".into() },
            ..Default::default()
        };
        let b = build(&req, &ctx()).unwrap();
        assert!(b.diagnostics.is_empty(), "{:?}", b.diagnostics);
        let body = std::str::from_utf8(&b.prepared.body).unwrap();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(body).unwrap(),
            json!({"name": "Ana \"A\" Ávila"})
        );
        assert_eq!(
            head_text(&b),
            format!(
                "post /api/contacts/a%20b%2Fc?q=ana%40example.com HTTP/1.1\r\nHost: 127.0.0.1:9\r\nX-Email: ana@example.com\r\n\
                 Authorization: Bearer tok-123\r\nContent-Type: application/json\r\nContent-Length: {}\r\nUser-Agent: {USER_AGENT}\r\n\r\n",
                body.len()
            )
        );
    }

    #[test]
    fn a_bad_tag_says_which_field_and_where() {
        let req = SendRequest {
            method: "GET".into(),
            url: "http://127.0.0.1:9/x".into(),
            headers: vec![NameValue::new("A", "1"), NameValue::new("B", "x {{contact.email | nope}}")],
            ..Default::default()
        };
        match build(&req, &ctx()) {
            Err(OutboundError::Template(d)) => {
                assert_eq!(d[0].field, "headers[1].value");
                assert!(d[0].diagnostic.start >= 2, "{d:?}");
            }
            other => panic!("{other:?}"),
        }
        let req = SendRequest { url: "http://127.0.0.1:9/{{emial}}".into(), ..req };
        let req = SendRequest { headers: vec![], ..req };
        let b = build(&req, &ctx()).unwrap();
        assert_eq!((b.diagnostics[0].field.as_str(), b.diagnostics[0].diagnostic.start), ("url", 19));
    }

    #[test]
    fn form_and_multipart_bodies_get_their_content_type_unless_one_is_given() {
        let form = vec![NameValue::new("email", "{{contact.email}}"), NameValue::new("a b", "1&2")];
        let req = SendRequest {
            method: "POST".into(),
            url: "http://h.test/".into(),
            form: form.clone(),
            body_type: Some(BodyType::Form),
            ..Default::default()
        };
        let b = build(&req, &ctx()).unwrap();
        assert_eq!(&b.prepared.body[..], b"email=ana%40example.com&a+b=1%262");
        assert!(head_text(&b).contains("Content-Type: application/x-www-form-urlencoded\r\n"));

        let req = SendRequest {
            body_type: Some(BodyType::Multipart),
            files: vec![crate::outbound::spec::FilePart {
                name: "file".into(),
                filename: "a.bin".into(),
                content_type: None,
                data_base64: "AAEC".into(),
            }],
            headers: vec![NameValue::new("content-type", "multipart/related")],
            ..req
        };
        let b = build(&req, &ctx()).unwrap();
        let head = head_text(&b);
        let boundary = head.split("boundary=").nth(1).unwrap().split("\r\n").next().unwrap();
        assert!(
            head.contains("content-type: multipart/related; boundary=") && !head.contains("Content-Type:"),
            "{head}"
        );
        let decoded = crate::decode::decode(
            Some(&format!("multipart/form-data; boundary={boundary}")),
            None,
            &b.prepared.body,
        );
        let parts = decoded.parts.unwrap();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[2].filename.as_deref(), Some("a.bin"));
    }

    #[test]
    fn api_keys_in_the_query_are_masked_and_content_length_is_ours() {
        let req = SendRequest {
            method: "PUT".into(),
            url: "http://h.test/x?a=1".into(),
            headers: vec![NameValue::new("Content-Length", "999")],
            auth: Auth::ApiKey {
                name: "api_key".into(),
                value: "{{env.token}}".into(),
                placement: ApiKeyIn::Query,
            },
            ..Default::default()
        };
        let b = build(&req, &ctx()).unwrap();
        let head = write_head(&b.prepared, false, &[]);
        let masked = String::from_utf8(mask(&head.bytes, &head.secrets)).unwrap();
        assert!(masked.starts_with("PUT /x?a=1&api_key=•••••• HTTP/1.1\r\n"), "{masked}");
        assert!(masked.contains("Content-Length: 0\r\n") && !masked.contains("999"));
        assert_eq!(b.diagnostics[0].field, "headers");
    }

    #[test]
    fn methods_and_header_names_must_be_tokens() {
        let req = SendRequest { method: "GE T".into(), url: "http://h.test/".into(), ..Default::default() };
        assert!(matches!(build(&req, &ctx()), Err(OutboundError::Invalid(_))));
        let req =
            SendRequest { method: "PURGE".into(), headers: vec![NameValue::new("Bad Name", "x")], ..req };
        assert!(matches!(build(&req, &ctx()), Err(OutboundError::Invalid(m)) if m.contains("headers[0]")));
    }

    #[test]
    fn the_path_starts_after_the_authority_even_when_a_tag_holds_the_base() {
        assert_eq!(path_start("https://{{env.host}}/a/{{x}}"), 20);
        assert_eq!(path_start("{{env.base}}/a"), 12);
        assert_eq!(path_start("{{env.base}}?q={{x}}"), 12);
        assert_eq!(path_start("http://h.test"), 13);
    }
}
