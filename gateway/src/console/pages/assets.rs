//! The console's stylesheet and script, compiled into the binary (no separate files to
//! deploy, nothing fetched from elsewhere).

use axum::http::header;
use axum::response::{IntoResponse, Response};

const CSS: &str = include_str!("../assets/console.css");
const JS: &str = include_str!("../assets/console.js");

fn asset(kind: &'static str, body: &'static str) -> Response {
    super::super::with_headers(
        (
            [
                (header::CONTENT_TYPE, kind),
                (header::CACHE_CONTROL, "private, max-age=300"),
            ],
            body,
        )
            .into_response(),
    )
}

pub async fn css() -> Response {
    asset("text/css; charset=utf-8", CSS)
}

pub async fn js() -> Response {
    asset("text/javascript; charset=utf-8", JS)
}
