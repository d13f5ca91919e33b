//! Connections for outbound requests: TCP, TLS (rustls, verification on or
//! off), an HTTP proxy (absolute-form, or CONNECT for https), and a pool of
//! idle keep-alive connections so bulk replay does not pay a handshake per
//! request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use base64::Engine as _;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls;

use super::OutboundError;
use super::wire::{Head, Prepared, Response, Target, WireHeader, read_response, write_head};

/// Anything a request can be written to.
pub trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

type Conn = BufReader<Box<dyn Io>>;

/// An HTTP proxy (`http://[user:pass@]host:port`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Proxy {
    pub host: String,
    pub port: u16,
    /// The `Proxy-Authorization` value, when the URL has credentials.
    pub auth: Option<String>,
}

impl Proxy {
    pub fn parse(raw: &str) -> Result<Proxy, OutboundError> {
        let shown = super::wire::redact_userinfo(raw);
        let bad = |why: &str| OutboundError::BadUrl(format!("proxy {shown:?}: {why}"));
        let u = url::Url::parse(raw.trim()).map_err(|e| bad(&e.to_string()))?;
        if u.scheme() != "http" {
            return Err(bad("only http:// proxies are supported (https targets go through CONNECT)"));
        }
        let t = Target::parse(raw)?;
        let auth = t.userinfo.as_ref().map(|(user, pass)| {
            format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}")))
        });
        Ok(Proxy { host: t.host, port: t.port, auth })
    }
}

/// How one exchange is made.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub verify_tls: bool,
    pub proxy: Option<Proxy>,
    /// Response bodies are cut at this many bytes.
    pub max_body: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct PoolKey {
    tls: bool,
    host: String,
    port: u16,
    verify: bool,
    proxy: Option<Proxy>,
}

/// Idle connections are dropped after this long.
const IDLE: Duration = Duration::from_secs(60);
/// At most this many idle connections per destination.
const MAX_IDLE: usize = 64;

/// The outbound HTTP/1.1 client. Cheap to share.
#[derive(Default)]
pub struct Client {
    idle: Mutex<HashMap<PoolKey, Vec<(Conn, Instant)>>>,
    verified: OnceLock<Arc<rustls::ClientConfig>>,
    unverified: OnceLock<Arc<rustls::ClientConfig>>,
}

impl Client {
    /// The head this request is written with under `opts` (through a proxy,
    /// plain http uses absolute-form and carries the proxy's credentials).
    pub fn head(&self, p: &Prepared, opts: &ClientOptions) -> Head {
        match &opts.proxy {
            Some(proxy) if !p.target.tls => {
                let extra: Vec<WireHeader> = proxy
                    .auth
                    .iter()
                    .map(|a| WireHeader::secret("Proxy-Authorization", a.as_bytes()))
                    .collect();
                write_head(p, true, &extra)
            }
            _ => write_head(p, false, &[]),
        }
    }

    /// Write `head` and the body, read the response. A pooled connection the
    /// server closed meanwhile is replaced by a new one, once.
    pub async fn exchange(
        &self,
        p: &Prepared,
        head: &Head,
        opts: &ClientOptions,
    ) -> Result<Response, OutboundError> {
        let key = PoolKey {
            tls: p.target.tls,
            host: p.target.host.to_ascii_lowercase(),
            port: p.target.port,
            verify: opts.verify_tls,
            proxy: opts.proxy.clone(),
        };
        let is_head = p.method.eq_ignore_ascii_case("HEAD");
        loop {
            let (mut conn, reused) = match self.take_idle(&key) {
                Some(c) => (c, true),
                None => (self.connect(&p.target, opts).await?, false),
            };
            match round_trip(&mut conn, head, &p.body, is_head, opts.max_body).await {
                Ok(resp) => {
                    if resp.reusable {
                        self.put_idle(key, conn);
                    }
                    return Ok(resp);
                }
                Err(RoundTripError { error, stale }) if reused && stale => {
                    tracing::debug!(%error, "a pooled connection was closed by the server; reconnecting");
                }
                Err(RoundTripError { error, .. }) => return Err(error),
            }
        }
    }

    fn take_idle(&self, key: &PoolKey) -> Option<Conn> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let list = idle.get_mut(key)?;
        while let Some((conn, since)) = list.pop() {
            if since.elapsed() < IDLE {
                return Some(conn);
            }
        }
        None
    }

    fn put_idle(&self, key: PoolKey, conn: Conn) {
        // Bytes the server sent beyond the response mean the connection is out of step.
        if !conn.buffer().is_empty() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let list = idle.entry(key).or_default();
        list.retain(|(_, since)| since.elapsed() < IDLE);
        if list.len() < MAX_IDLE {
            list.push((conn, Instant::now()));
        }
    }

    async fn connect(&self, t: &Target, opts: &ClientOptions) -> Result<Conn, OutboundError> {
        let (host, port) = match &opts.proxy {
            Some(p) => (p.host.as_str(), p.port),
            None => (t.host.as_str(), t.port),
        };
        let tcp = TcpStream::connect((host, port)).await.map_err(|e| {
            let via = if opts.proxy.is_some() { " (the proxy)" } else { "" };
            OutboundError::Connect(format!("{}{via}: {e}", display_addr(host, port)))
        })?;
        let _ = tcp.set_nodelay(true);
        let mut io: Box<dyn Io> = Box::new(tcp);
        if !t.tls {
            return Ok(BufReader::new(io));
        }
        if let Some(proxy) = &opts.proxy {
            io = connect_tunnel(io, t, proxy).await?;
        }
        let config = self.tls_config(opts.verify_tls);
        let name = rustls::pki_types::ServerName::try_from(t.host.clone())
            .map_err(|e| OutboundError::Tls(format!("{} is not a valid TLS server name: {e}", t.host)))?;
        let tls = TlsConnector::from(config).connect(name, io).await.map_err(|e| {
            let hint = if opts.verify_tls && e.to_string().contains("certificate") {
                " (turn TLS verification off to send to a server with a self-signed certificate)"
            } else {
                ""
            };
            OutboundError::Tls(format!("with {}: {e}{hint}", display_addr(&t.host, t.port)))
        })?;
        Ok(BufReader::new(Box::new(tls)))
    }

    fn tls_config(&self, verify: bool) -> Arc<rustls::ClientConfig> {
        let cell = if verify { &self.verified } else { &self.unverified };
        cell.get_or_init(|| Arc::new(tls_config(verify))).clone()
    }
}

fn display_addr(host: &str, port: u16) -> String {
    if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") }
}

struct RoundTripError {
    error: OutboundError,
    /// Nothing came back on a reused connection: the server had closed it.
    stale: bool,
}

async fn round_trip(
    conn: &mut Conn,
    head: &Head,
    body: &[u8],
    is_head: bool,
    max_body: usize,
) -> Result<Response, RoundTripError> {
    let write = async {
        let io = conn.get_mut();
        io.write_all(&head.bytes).await?;
        if !body.is_empty() {
            io.write_all(body).await?;
        }
        io.flush().await
    };
    if let Err(e) = write.await {
        return Err(RoundTripError {
            error: OutboundError::Io(format!("writing the request: {e}")),
            stale: true,
        });
    }
    read_response(conn, is_head, max_body).await.map_err(|error| {
        let stale = matches!(error, OutboundError::Closed)
            || matches!(&error, OutboundError::Io(m) if m.contains("reset"));
        RoundTripError { error, stale }
    })
}

/// `CONNECT host:port` through an HTTP proxy.
async fn connect_tunnel(io: Box<dyn Io>, t: &Target, proxy: &Proxy) -> Result<Box<dyn Io>, OutboundError> {
    let authority = display_addr(&t.host, t.port);
    let mut req = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(a) = &proxy.auth {
        req.push_str(&format!("Proxy-Authorization: {a}\r\n"));
    }
    req.push_str("\r\n");
    let mut conn = BufReader::new(io);
    conn.get_mut()
        .write_all(req.as_bytes())
        .await
        .map_err(|e| OutboundError::Io(format!("to the proxy: {e}")))?;
    let resp = read_response(&mut conn, true, 0).await?;
    if !(200..300).contains(&resp.status) {
        return Err(OutboundError::Connect(format!(
            "the proxy refused CONNECT {authority}: {} {}",
            resp.status, resp.reason
        )));
    }
    if !conn.buffer().is_empty() {
        return Err(OutboundError::Protocol("the proxy sent bytes after its CONNECT answer".into()));
    }
    Ok(conn.into_inner())
}

fn tls_config(verify: bool) -> rustls::ClientConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions");
    let mut config = if verify {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        // The system's store too: a company CA installed there is trusted here.
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(cert);
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
            .with_no_client_auth()
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config
}

/// "TLS verification off": any certificate is accepted; the handshake's
/// signatures are still checked (the connection is still encrypted to whoever
/// holds the key).
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxies_are_http_urls_with_optional_credentials() {
        let p = Proxy::parse("http://us%40er:p%3Ass@127.0.0.1:3128").unwrap();
        assert_eq!((p.host.as_str(), p.port), ("127.0.0.1", 3128));
        let expected = base64::engine::general_purpose::STANDARD.encode("us@er:p:ss");
        assert_eq!(p.auth.as_deref(), Some(format!("Basic {expected}").as_str()));
        assert_eq!(Proxy::parse("http://proxy.test").unwrap().port, 80);
        assert!(Proxy::parse("socks5://127.0.0.1:1080").is_err());
    }
}
