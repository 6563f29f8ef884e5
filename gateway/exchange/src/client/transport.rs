//! One HTTPS request over mutual TLS to a partner: TCP connect, TLS handshake, HTTP/1.1.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use rustls_pki_types::ServerName;
use tokio::net::TcpStream;

use crate::partners::Endpoint;
use crate::tls::PeerRejected;

/// An answer.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Why no answer came.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{stage}: {message}")]
pub struct TransportError {
    /// `connect`, `tls`, `http`, `timeout`, `response`.
    pub stage: &'static str,
    pub message: String,
    /// The partner's certificate was refused by our verifier.
    pub server_rejected: Option<PeerRejected>,
    /// The partner sent a TLS alert (our certificate refused, mostly).
    pub alert: Option<String>,
}

impl TransportError {
    fn new(stage: &'static str, message: impl Into<String>) -> Self {
        Self {
            stage,
            message: message.into(),
            server_rejected: None,
            alert: None,
        }
    }

    /// Whether sending again cannot help: a certificate refused on either side.
    pub fn is_permanent(&self) -> bool {
        self.server_rejected.is_some()
            || self.alert.as_deref().is_some_and(|a| {
                a.contains("Certificate") || a.contains("UnknownCA") || a.contains("AccessDenied")
            })
    }

    /// Builds one from any error, finding TLS causes in the source chain.
    fn from_error(stage: &'static str, e: &(dyn std::error::Error + 'static)) -> Self {
        let mut out = Self::new(stage, chain(e));
        let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(err) = cur {
            if let Some(io) = err.downcast_ref::<std::io::Error>() {
                if let Some(r) = PeerRejected::from_io_error(io) {
                    out.server_rejected = Some(r);
                }
                if let Some(rustls::Error::AlertReceived(a)) =
                    io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>())
                {
                    out.alert = Some(format!("{a:?}"));
                }
            }
            if let Some(rustls::Error::AlertReceived(a)) = err.downcast_ref::<rustls::Error>() {
                out.alert = Some(format!("{a:?}"));
            }
            cur = err.source();
        }
        out
    }
}

fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// Timeouts and limits of one request.
#[derive(Debug, Clone, Copy)]
pub struct RequestLimits {
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub max_response_bytes: usize,
}

/// `%`-escapes everything but unreserved characters (RFC 3986), for query values.
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Sends one request to `endpoint` + `path_and_query` over TLS with `tls`.
pub async fn send(
    tls: Arc<rustls::ClientConfig>,
    endpoint: &Endpoint,
    method: Method,
    path_and_query: &str,
    content_type: Option<&'static str>,
    body: Bytes,
    limits: RequestLimits,
) -> Result<RawResponse, TransportError> {
    let authority = endpoint.authority();
    let tcp = tokio::time::timeout(limits.connect_timeout, TcpStream::connect(&authority))
        .await
        .map_err(|_| TransportError::new("timeout", format!("connecting to {authority}")))?
        .map_err(|e| TransportError::new("connect", format!("{authority}: {e}")))?;
    let _ = tcp.set_nodelay(true);
    // the name is only sent as SNI: the verifier checks the registry, not names
    let name = ServerName::try_from(endpoint.host.clone())
        .or_else(|_| ServerName::try_from("partner.invalid".to_string()))
        .map_err(|e| TransportError::new("tls", e.to_string()))?;
    let connector = tokio_rustls::TlsConnector::from(tls);
    let stream = tokio::time::timeout(limits.connect_timeout, connector.connect(name, tcp))
        .await
        .map_err(|_| TransportError::new("timeout", "TLS handshake"))?
        .map_err(|e| TransportError::from_error("tls", &e))?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| TransportError::from_error("http", &e))?;
    let driver = tokio::spawn(conn);
    let uri = format!("{}{}", endpoint.base_path, path_and_query);
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, authority);
    if let Some(ct) = content_type {
        req = req.header(header::CONTENT_TYPE, ct);
    }
    let req = req
        .body(Full::new(body))
        .map_err(|e| TransportError::new("http", e.to_string()))?;
    let mut driver = driver;
    let result = tokio::time::timeout(limits.request_timeout, async {
        let resp = match sender.send_request(req).await {
            Ok(r) => r,
            Err(e) => {
                // the connection's own error (a TLS alert, say) says more than "canceled"
                if let Ok(Ok(Err(conn_err))) =
                    tokio::time::timeout(Duration::from_secs(1), &mut driver).await
                {
                    return Err(TransportError::from_error("http", &conn_err));
                }
                return Err(TransportError::from_error("http", &e));
            }
        };
        let (parts, body) = resp.into_parts();
        let body = Limited::new(body, limits.max_response_bytes)
            .collect()
            .await
            .map_err(|e| TransportError::new("response", e.to_string()))?
            .to_bytes();
        Ok(RawResponse {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    })
    .await
    .map_err(|_| TransportError::new("timeout", "no complete answer in time"))?;
    driver.abort();
    result
}
