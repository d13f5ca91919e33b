//! Minimal HTTP/1.1 client plumbing over hyper's connection API (plain HTTP only;
//! every server we talk to is on loopback).

use std::time::Duration;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{CONTENT_LENGTH, HOST, HeaderValue};
use hyper::{Method, Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Where requests go: the socket address to dial, the `Host` header and the
/// request target (path and query).
#[derive(Debug, Clone)]
pub struct Target {
    pub addr: String,
    pub host: HeaderValue,
    pub path: Uri,
}

impl Target {
    pub fn parse(url: &str) -> Result<Self> {
        let uri: Uri = url.parse().with_context(|| format!("invalid URL {url:?}"))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some(other) => bail!("unsupported scheme {other:?} in {url:?} (only http)"),
            None => bail!("URL {url:?} has no scheme"),
        }
        let authority = uri.authority().with_context(|| format!("URL {url:?} has no host"))?;
        let port = authority.port_u16().unwrap_or(80);
        let addr = format!("{}:{port}", authority.host());
        let host = HeaderValue::from_str(authority.as_str())?;
        let path: Uri = uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/").parse()?;
        Ok(Self { addr, host, path })
    }
}

pub type Sender = SendRequest<Full<Bytes>>;

/// Open one keep-alive HTTP/1.1 connection; its driver runs on a spawned task.
pub async fn connect(target: &Target) -> Result<Sender> {
    let stream = TcpStream::connect(&target.addr)
        .await
        .with_context(|| format!("cannot connect to {}", target.addr))?;
    stream.set_nodelay(true)?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// Build a request for `target` with an explicit `Content-Length`.
pub fn build_request(
    target: &Target,
    method: Method,
    headers: &[(&str, &str)],
    body: Bytes,
) -> Result<Request<Full<Bytes>>> {
    let mut b = Request::builder()
        .method(method)
        .uri(target.path.clone())
        .header(HOST, target.host.clone())
        .header(CONTENT_LENGTH, body.len());
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    Ok(b.body(Full::new(body))?)
}

/// Send one request on `sender` and read the whole response body.
pub async fn exchange(
    sender: &mut Sender,
    req: Request<Full<Bytes>>,
) -> Result<(StatusCode, Bytes), hyper::Error> {
    sender.ready().await?;
    let resp = sender.send_request(req).await?;
    let status = resp.status();
    let body = resp.into_body().collect().await?.to_bytes();
    Ok((status, body))
}

/// One request on a fresh connection, bounded by `timeout`.
pub async fn request(
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
    body: Bytes,
    timeout: Duration,
) -> Result<(StatusCode, Bytes)> {
    let target = Target::parse(url)?;
    let fut = async {
        let mut sender = connect(&target).await?;
        let req = build_request(&target, method.clone(), headers, body)?;
        Ok::<_, anyhow::Error>(exchange(&mut sender, req).await?)
    };
    tokio::time::timeout(timeout, fut)
        .await
        .with_context(|| format!("{method} {url} timed out after {timeout:?}"))?
        .with_context(|| format!("{method} {url} failed"))
}

/// One blocking GET (with a bearer token when given); the status and the body as text.
pub fn get(url: &str, token: Option<&str>) -> Result<(u16, String)> {
    let target = Target::parse(url)?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async {
        let mut sender = tokio::time::timeout(Duration::from_secs(10), connect(&target)).await??;
        let bearer = token.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> = bearer.iter().map(|b| ("authorization", b.as_str())).collect();
        let req = build_request(&target, Method::GET, &headers, Bytes::new())?;
        let (status, body) =
            tokio::time::timeout(Duration::from_secs(10), exchange(&mut sender, req)).await??;
        Ok((status.as_u16(), String::from_utf8_lossy(&body).into_owned()))
    })
}
