//! The console's pages, one module per part of the menu.

pub mod assets;
pub mod dashboard;
pub mod jobs;
pub mod login;
pub mod matches;
pub mod poster;
pub mod quarantine;
pub mod records;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::{Ctx, visit};

/// The caller's address, when the listener recorded it (never fails to extract).
#[derive(Debug, Clone, Copy)]
pub struct Remote(pub Option<SocketAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Remote {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Remote(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}

pub fn remote(r: &Remote) -> Option<SocketAddr> {
    r.0
}

/// The path and query of a request (where to come back after signing in).
pub fn here(uri: &Uri) -> String {
    uri.path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| uri.path().to_string())
}

/// `/console/...` that is no page.
pub async fn not_found(
    axum::extract::State(c): Ctx,
    headers: HeaderMap,
    r: Remote,
    uri: Uri,
) -> Response {
    let v = match visit(&c, &headers, remote(&r), &here(&uri)) {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let body = maud::html! {
        p { "There is no console page at " code { (uri.path()) } "." }
        p { a href="/console/" { "Back to the dashboard" } }
    };
    let mut resp = c.page(&v, "", "Not found", body);
    *resp.status_mut() = StatusCode::NOT_FOUND;
    resp.into_response()
}
