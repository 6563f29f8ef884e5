//! API errors: a status, a stable code and a message, as JSON.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::envelope::VerifyError;
use crate::policy::Violation;

/// The JSON body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable code (`bad_signature`, `replay`, `policy_violation`, ...).
    pub error: String,
    pub message: String,
    /// Whether sending again (re-signed) may succeed.
    pub retriable: bool,
    /// The items outside the policy, for `policy_violation`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Violation>,
}

/// An error answered to a partner.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub violations: Vec<Violation>,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            violations: Vec::new(),
        }
    }

    pub fn retriable(&self) -> bool {
        self.status >= 500
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: self.code.to_string(),
            message: self.message.clone(),
            retriable: self.retriable(),
            violations: self.violations.clone(),
        }
    }

    /// 401: no partner identity on the connection (should not happen over mutual TLS).
    pub fn no_peer() -> Self {
        Self::new(
            401,
            "no_peer",
            "no client certificate identified this connection",
        )
    }

    pub fn policy(violations: Vec<Violation>) -> Self {
        let first = violations
            .first()
            .map(|v| v.to_string())
            .unwrap_or_default();
        Self {
            status: 403,
            code: "policy_violation",
            message: format!(
                "{} item(s) outside what this partner may send; first: {first}",
                violations.len()
            ),
            violations,
        }
    }
}

impl From<VerifyError> for ApiError {
    fn from(e: VerifyError) -> Self {
        ApiError::new(e.status(), e.code(), e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self.body()).unwrap_or_default();
        let mut resp = (status, body).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        resp
    }
}
