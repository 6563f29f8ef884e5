//! A small client of the admin API (plain HTTP/1.1 on loopback), for `homeward status` and
//! `homeward admin ...`: commands against a running gateway go through its admin API, since
//! only one process can have the store open.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use tokio::net::TcpStream;

/// Why a call to the admin API failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(
        "cannot reach the admin API at {addr}: {source} (is `homeward serve` running with [admin]?)"
    )]
    Connect {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("admin API at {addr}: {message}")]
    Http { addr: SocketAddr, message: String },
    #[error("admin API at {addr} did not answer within {secs} s")]
    Timeout { addr: SocketAddr, secs: u64 },
}

/// An answer: status, headers and body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl Answer {
    /// The value of header `name` (case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }

    pub fn json(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// The `message` of an error answer, or the body as text.
    pub fn message(&self) -> String {
        self.json()
            .ok()
            .and_then(|v| {
                v.get("message")
                    .and_then(|m| m.as_str())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| String::from_utf8_lossy(&self.body).into_owned())
    }
}

/// Calls the admin API at `addr` with `token`.
#[derive(Clone)]
pub struct AdminClient {
    pub addr: SocketAddr,
    token: Option<String>,
    pub timeout: Duration,
}

impl std::fmt::Debug for AdminClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminClient")
            .field("addr", &self.addr)
            .field("token", &self.token.as_ref().map(|_| "<hidden>"))
            .finish()
    }
}

impl AdminClient {
    pub fn new(addr: SocketAddr, token: Option<String>) -> Self {
        Self {
            addr,
            token,
            timeout: Duration::from_secs(120),
        }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Result<Answer, ClientError> {
        self.call("GET", path, Bytes::new()).await
    }

    /// `POST path` with an empty body.
    pub async fn post(&self, path: &str) -> Result<Answer, ClientError> {
        self.call("POST", path, Bytes::new()).await
    }

    /// One request on a fresh connection.
    pub async fn call(&self, method: &str, path: &str, body: Bytes) -> Result<Answer, ClientError> {
        self.request(method, path, body, &[]).await
    }

    /// A request with one more header (e.g. `x-correlation-id`).
    pub async fn call_with_header(
        &self,
        method: &str,
        path: &str,
        name: &str,
        value: &str,
    ) -> Result<Answer, ClientError> {
        self.request(method, path, Bytes::new(), &[(name, value)])
            .await
    }

    async fn request(
        &self,
        method: &str,
        path: &str,
        body: Bytes,
        extra: &[(&str, &str)],
    ) -> Result<Answer, ClientError> {
        let addr = self.addr;
        let fut = async {
            let http = |message: String| ClientError::Http { addr, message };
            let stream = TcpStream::connect(addr)
                .await
                .map_err(|source| ClientError::Connect { addr, source })?;
            let io = hyper_util::rt::TokioIo::new(stream);
            let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
                .await
                .map_err(|e| http(e.to_string()))?;
            let driver = tokio::spawn(async move {
                let _ = conn.await;
            });
            let mut req = Request::builder()
                .method(method)
                .uri(path)
                .header(HOST, addr.to_string())
                .header(CONTENT_TYPE, "application/json");
            if let Some(t) = &self.token {
                req = req.header(AUTHORIZATION, format!("Bearer {t}"));
            }
            for (n, v) in extra {
                req = req.header(*n, *v);
            }
            let req = req.body(Full::new(body)).map_err(|e| http(e.to_string()))?;
            let resp = sender
                .send_request(req)
                .await
                .map_err(|e| http(e.to_string()))?;
            let status = resp.status().as_u16();
            let headers = resp
                .headers()
                .iter()
                .map(|(n, v)| {
                    (
                        n.to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let body = resp
                .into_body()
                .collect()
                .await
                .map_err(|e| http(e.to_string()))?
                .to_bytes();
            driver.abort();
            Ok(Answer {
                status,
                headers,
                body,
            })
        };
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(r) => r,
            Err(_) => Err(ClientError::Timeout {
                addr,
                secs: self.timeout.as_secs(),
            }),
        }
    }
}
