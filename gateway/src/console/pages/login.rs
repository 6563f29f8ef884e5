//! Sign-in and sign-out.
//!
//! The sign-in form carries a random token that must equal the one in a short-lived cookie
//! set with the form (so another site cannot sign a browser in under its own account), and
//! comes from this origin. Failed attempts are throttled per user name and per address
//! ([`super::super::session::Sessions::throttled`]); the message never says whether the name
//! exists. Every attempt is in the audit log.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use homeward_store::{AuditDraft, AuditOutcome};
use maud::html;
use serde::Deserialize;

use super::super::html::bare;
use super::super::session::{random_token, same};
use super::super::{
    Console, Ctx, Form, LOGIN_COOKIE, SESSION_COOKIE, cookie, maud_html, new_correlation_id,
    origin_allowed, posted, with_headers,
};
use super::{Remote, remote};
use crate::jobs::blocking;

#[derive(Debug, Deserialize)]
pub struct Next {
    #[serde(default)]
    next: Option<String>,
}

/// Where to go after signing in: a console page of this site, never elsewhere.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with("/console/")
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.starts_with("/console/login")
                && !n.starts_with("/console/logout") =>
        {
            n.to_string()
        }
        _ => "/console/".to_string(),
    }
}

fn login_page(
    c: &Console,
    next: &str,
    error: Option<&str>,
    user: &str,
    status: StatusCode,
) -> Response {
    let nonce = random_token();
    let problem = c.accounts_error();
    let body = html! {
        @if let Some(e) = error {
            p class="flash bad" role="alert" id="login-error" { (e) }
        }
        @if let Some(p) = problem {
            p class="flash bad" role="alert" { "Sign-in is unavailable: the accounts file cannot be read (" (p) "). An administrator must fix it." }
        }
        form method="post" action="/console/login" class="login" {
            input type="hidden" name="_login" value=(nonce);
            input type="hidden" name="next" value=(next);
            label for="user" { "User name" }
            input type="text" id="user" name="user" value=(user) autocomplete="username" required autofocus
                aria-describedby=[error.map(|_| "login-error")];
            label for="password" { "Password" }
            input type="password" id="password" name="password" autocomplete="current-password" required;
            button type="submit" { "Sign in" }
        }
        p class="muted" { "Gateway " (c.ops.gateway_id()) ". Accounts are managed with "
            code { "homeward console user" } "." }
    };
    let mut resp = (status, maud_html(bare("Sign in", body))).into_response();
    let cookie = format!(
        "{LOGIN_COOKIE}={nonce}; Path=/console/login; Max-Age=900; {}",
        c.cookie_attrs()
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    with_headers(resp)
}

/// `GET /console/login`.
pub async fn form(State(c): Ctx, headers: HeaderMap, Query(q): Query<Next>) -> Response {
    let next = safe_next(q.next.as_deref());
    if let Some(t) = cookie(&headers, SESSION_COOKIE)
        && c.sessions.get(&t).is_some()
    {
        return Redirect::to(&next).into_response();
    }
    login_page(&c, &next, None, "", StatusCode::OK)
}

fn audit_draft(
    actor: &str,
    outcome: AuditOutcome,
    status: u16,
    detail: String,
    remote: Option<std::net::SocketAddr>,
) -> AuditDraft {
    AuditDraft {
        correlation_id: new_correlation_id(),
        actor: actor.to_string(),
        action: "POST /console/login".into(),
        target: None,
        outcome,
        status,
        detail,
        remote: remote.map(|r| r.to_string()),
    }
}

/// `POST /console/login`.
pub async fn submit(State(c): Ctx, headers: HeaderMap, r: Remote, body: Bytes) -> Response {
    let addr = remote(&r);
    let form = Form::parse(&body);
    let next = safe_next(form.get("next"));
    let user = form.text("user").unwrap_or_default();
    let password = form.get("password").unwrap_or("").to_string();
    let nonce_ok = match (form.get("_login"), cookie(&headers, LOGIN_COOKIE)) {
        (Some(a), Some(b)) => same(a, &b),
        _ => false,
    };
    if !nonce_ok || !origin_allowed(&c, &headers) {
        c.audit(audit_draft(
            "-",
            AuditOutcome::Refused,
            403,
            format!(
                "console sign-in for `{user}` refused: the form is stale or came from another site"
            ),
            addr,
        ))
        .await;
        return login_page(
            &c,
            &next,
            Some("The sign-in form had expired. Please try again."),
            &user,
            StatusCode::FORBIDDEN,
        );
    }
    let ip_key = addr.map(|a| format!("ip {}", a.ip())).unwrap_or_default();
    let user_key = format!("user {user}");
    for key in [&user_key, &ip_key] {
        if let Err(wait) = c.sessions.throttled(key) {
            c.audit(audit_draft(
                "-",
                AuditOutcome::Refused,
                429,
                format!("console sign-in for `{user}` throttled ({key}) after repeated failures"),
                addr,
            ))
            .await;
            let secs = wait.as_secs().max(1);
            return login_page(
                &c,
                &next,
                Some(&format!(
                    "Too many failed sign-ins. Try again in {secs} second{}.",
                    if secs == 1 { "" } else { "s" }
                )),
                &user,
                StatusCode::TOO_MANY_REQUESTS,
            );
        }
    }
    let accounts = c.accounts();
    let name = user.clone();
    let account = blocking(move || accounts.verify(&name, &password).cloned())
        .await
        .ok()
        .flatten();
    let Some(account) = account else {
        c.sessions.failed(&user_key);
        c.sessions.failed(&ip_key);
        c.audit(audit_draft(
            "-",
            AuditOutcome::Refused,
            401,
            format!("console sign-in for `{user}` refused: wrong name or password, or the account is disabled"),
            addr,
        ))
        .await;
        return login_page(
            &c,
            &next,
            Some("Wrong user name or password."),
            &user,
            StatusCode::UNAUTHORIZED,
        );
    };
    c.sessions.succeeded(&user_key);
    c.sessions.succeeded(&ip_key);
    let token = c.sessions.open(&account);
    c.audit(audit_draft(
        &account.name,
        AuditOutcome::Ok,
        303,
        format!("console sign-in ({})", account.role),
        addr,
    ))
    .await;
    let mut resp = Redirect::to(&next).into_response();
    let attrs = c.cookie_attrs();
    for value in [
        format!("{SESSION_COOKIE}={token}; Path=/; {attrs}"),
        format!("{LOGIN_COOKIE}=; Path=/console/login; Max-Age=0; {attrs}"),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    with_headers(resp)
}

/// `POST /console/logout`.
pub async fn logout(State(c): Ctx, headers: HeaderMap, r: Remote, body: Bytes) -> Response {
    let (v, _) = match posted(&c, &headers, remote(&r), "/console/logout", &body) {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    c.sessions.close(&v.token);
    c.audit(AuditDraft {
        correlation_id: v.correlation_id.clone(),
        actor: v.session.user.clone(),
        action: "POST /console/logout".into(),
        target: None,
        outcome: AuditOutcome::Ok,
        status: 303,
        detail: "console sign-out".into(),
        remote: v.remote.map(|r| r.to_string()),
    })
    .await;
    let mut resp = Redirect::to("/console/login").into_response();
    let value = format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; {}", c.cookie_attrs());
    if let Ok(h) = HeaderValue::from_str(&value) {
        resp.headers_mut().insert(header::SET_COOKIE, h);
    }
    with_headers(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_console_pages() {
        assert_eq!(safe_next(Some("/console/jobs")), "/console/jobs");
        assert_eq!(safe_next(Some("https://evil.example/")), "/console/");
        assert_eq!(safe_next(Some("//evil.example/console/")), "/console/");
        assert_eq!(safe_next(Some("/console/logout")), "/console/");
        assert_eq!(safe_next(None), "/console/");
    }
}
