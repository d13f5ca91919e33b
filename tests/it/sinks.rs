//! Local servers on 127.0.0.1 that outbound requests are sent to: they keep
//! every request's exact bytes and answer as a test says (an echo, a 429 then
//! 200, an OAuth token endpoint, a redirect, silence), over plain TCP or TLS.
//! Plus a small HTTP proxy (absolute-form and CONNECT).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub head: String,
    pub body: Vec<u8>,
    pub method: String,
    pub target: String,
    /// Which connection (0, 1, …) it came on.
    pub connection: usize,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.split("\r\n").skip(1).find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }
}

/// What a sink does with a request.
pub enum Reply {
    /// These bytes (a whole response).
    Raw(Vec<u8>),
    /// Nothing, ever (a server that hangs).
    Hang,
}

/// A response with a Content-Length.
pub fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut out = format!("HTTP/1.1 {status} Whatever\r\n");
    for (n, v) in headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    Reply::Raw(out)
}

type Handler = Arc<dyn Fn(&Received, usize) -> Reply + Send + Sync>;

pub struct Sink {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT` (or https).
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin> Io for T {}

impl Sink {
    /// A sink whose answers `handler` gives (with the request and how many came before it).
    pub async fn start(handler: impl Fn(&Received, usize) -> Reply + Send + Sync + 'static) -> Sink {
        Self::start_inner(Arc::new(handler), None).await
    }

    /// The same over TLS with a self-signed certificate for `localhost`.
    pub async fn start_tls(handler: impl Fn(&Received, usize) -> Reply + Send + Sync + 'static) -> Sink {
        Self::start_inner(Arc::new(handler), Some(tls_acceptor())).await
    }

    /// Answers 200 with `{"ok": true}` to everything.
    pub async fn echo() -> Sink {
        Self::start(|_, _| response(200, &[("Content-Type", "application/json")], b"{\"ok\":true}")).await
    }

    async fn start_inner(handler: Handler, tls: Option<tokio_rustls::TlsAcceptor>) -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binding a sink");
        let addr = listener.local_addr().expect("addr");
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let log = received.clone();
        let task = tokio::spawn(async move {
            let mut n = 0;
            while let Ok((tcp, _)) = listener.accept().await {
                let (handler, log, tls) = (handler.clone(), log.clone(), tls.clone());
                let connection = n;
                n += 1;
                tokio::spawn(async move {
                    let io: Box<dyn Io> = match tls {
                        Some(acceptor) => match acceptor.accept(tcp).await {
                            Ok(s) => Box::new(s),
                            Err(_) => return,
                        },
                        None => Box::new(tcp),
                    };
                    serve_connection(io, connection, handler, log).await;
                });
            }
        });
        let url = format!("http://{addr}");
        Sink { addr, url, received, task }
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// `https://localhost:PORT` for a TLS sink.
    pub fn https_url(&self) -> String {
        format!("https://localhost:{}", self.addr.port())
    }
}

async fn serve_connection(
    io: Box<dyn Io>,
    connection: usize,
    handler: Handler,
    log: Arc<Mutex<Vec<Received>>>,
) {
    let mut r = BufReader::new(io);
    loop {
        let Some(req) = read_request(&mut r, connection).await else { return };
        let count = {
            let mut log = log.lock().unwrap();
            log.push(req.clone());
            log.len() - 1
        };
        match handler(&req, count) {
            Reply::Raw(bytes) => {
                if r.get_mut().write_all(&bytes).await.is_err() {
                    return;
                }
                let _ = r.get_mut().flush().await;
            }
            Reply::Hang => {
                tokio::time::sleep(std::time::Duration::from_secs(600)).await;
                return;
            }
        }
    }
}

async fn read_request<R: tokio::io::AsyncBufRead + Unpin>(r: &mut R, connection: usize) -> Option<Received> {
    let mut head = Vec::new();
    loop {
        let n = r.read_until(b'\n', &mut head).await.ok()?;
        if n == 0 {
            return None;
        }
        if head.ends_with(b"\r\n\r\n") {
            break;
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let len: usize = text
        .split("\r\n")
        .find_map(|l| l.split_once(':').filter(|(n, _)| n.eq_ignore_ascii_case("content-length")))
        .map(|(_, v)| v.trim().parse().unwrap_or(0))
        .unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body).await.ok()?;
    let mut first = text.split("\r\n").next().unwrap_or("").split(' ');
    let method = first.next().unwrap_or("").to_owned();
    let target = first.next().unwrap_or("").to_owned();
    Some(Received { head: text, body, method, target, connection })
}

fn tls_acceptor() -> tokio_rustls::TlsAcceptor {
    use tokio_rustls::rustls;
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("a certificate");
    let der = rustls::pki_types::CertificateDer::from(cert.cert.der().to_vec());
    let key = rustls::pki_types::PrivateKeyDer::try_from(cert.signing_key.serialize_der()).expect("a key");
    let config =
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(vec![der], key)
            .expect("a server config");
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

/// An HTTP proxy: plain requests (absolute-form) are answered by the proxy
/// itself (`X-Via-Proxy: yes`) after being recorded; CONNECT is tunnelled.
pub struct TestProxy {
    pub url: String,
    seen: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestProxy {
    pub async fn start() -> TestProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binding a proxy");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let log = seen.clone();
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    let mut r = BufReader::new(tcp);
                    let Some(req) = read_request(&mut r, 0).await else { return };
                    log.lock().unwrap().push(req.head.clone());
                    let mut tcp = r.into_inner();
                    if req.method == "CONNECT" {
                        let Ok(mut upstream) =
                            TcpStream::connect(req.target.replace("localhost", "127.0.0.1")).await
                        else {
                            let _ =
                                tcp.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n").await;
                            return;
                        };
                        let _ = tcp.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await;
                        let _ = tokio::io::copy_bidirectional(&mut tcp, &mut upstream).await;
                    } else {
                        let _ = tcp
                            .write_all(b"HTTP/1.1 200 OK\r\nX-Via-Proxy: yes\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                            .await;
                    }
                });
            }
        });
        TestProxy { url, seen, task }
    }

    /// Heads of the requests the proxy got.
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}
