//! The console's page frame and small HTML helpers (maud escapes every value it writes).

use maud::{DOCTYPE, Markup, html};
use serde_json::Value;

use super::session::Flash;
use crate::admin::roles::Role;

/// What the frame needs to know about the signed-in user.
pub struct Frame<'a> {
    pub user: &'a str,
    pub role: Role,
    pub agency: Option<&'a str>,
    pub csrf: &'a str,
    pub gateway: &'a str,
    pub flash: Option<Flash>,
    /// The menu entry to mark as current (`dashboard`, `jobs`, ...).
    pub section: &'a str,
}

const MENU: &[(&str, &str, &str)] = &[
    ("dashboard", "/console/", "Dashboard"),
    ("jobs", "/console/jobs", "Adapters and jobs"),
    ("quarantine", "/console/quarantine", "Quarantine"),
    ("matches", "/console/matches", "Match review"),
    ("records", "/console/records", "Records"),
];

/// A whole page: skip link, header with the menu and the user, the flash message, `body`.
pub fn page(f: &Frame<'_>, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Homeward " (f.gateway) }
                link rel="stylesheet" href="/console/assets/console.css";
                // no favicon request: the admin API would refuse it (401) and audit it
                link rel="icon" href="data:,";
                script src="/console/assets/console.js" defer {}
            }
            body {
                a class="skip" href="#main" { "Skip to content" }
                header class="top" {
                    div class="brand" {
                        span class="logo" aria-hidden="true" { "⌂" }
                        " Homeward "
                        span class="gw" { (f.gateway) }
                    }
                    nav aria-label="Main" {
                        ul {
                            @for (key, href, label) in MENU {
                                li {
                                    @if *key == f.section {
                                        a href=(href) aria-current="page" { (label) }
                                    } @else {
                                        a href=(href) { (label) }
                                    }
                                }
                            }
                            @if f.role == Role::Administrator {
                                li {
                                    @if f.section == "audit" {
                                        a href="/console/audit" aria-current="page" { "Audit log" }
                                    } @else {
                                        a href="/console/audit" { "Audit log" }
                                    }
                                }
                            }
                        }
                    }
                    div class="who" {
                        span { (f.user) }
                        " "
                        span class={"role role-" (f.role.as_str())} { (f.role.as_str()) }
                        @if let Some(a) = f.agency { " · " span class="agency" { (a) } }
                        form method="post" action="/console/logout" class="inline" {
                            input type="hidden" name="_csrf" value=(f.csrf);
                            button type="submit" class="link" { "Sign out" }
                        }
                    }
                }
                main id="main" tabindex="-1" {
                    @if let Some(fl) = &f.flash {
                        div class={"flash " (if fl.ok { "ok" } else { "bad" })} role=(if fl.ok { "status" } else { "alert" }) {
                            (fl.text)
                        }
                    }
                    h1 { (title) }
                    (body)
                }
                footer { "Homeward " (env!("CARGO_PKG_VERSION")) " · all actions are recorded in the audit log" }
            }
        }
    }
}

/// A page without the menu (sign-in, errors before sign-in).
pub fn bare(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Homeward" }
                link rel="stylesheet" href="/console/assets/console.css";
                // no favicon request: the admin API would refuse it (401) and audit it
                link rel="icon" href="data:,";
            }
            body class="bare" {
                main id="main" {
                    h1 { span class="logo" aria-hidden="true" { "⌂ " } "Homeward" }
                    h2 { (title) }
                    (body)
                }
            }
        }
    }
}

/// The hidden CSRF field of a form.
pub fn csrf(token: &str) -> Markup {
    html! { input type="hidden" name="_csrf" value=(token); }
}

/// A value as text: strings as they are, null as an empty string, the rest as JSON.
pub fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The value at a dotted path (`activity.last_exchange.at`), as text.
pub fn at(v: &Value, path: &str) -> String {
    text(get(v, path))
}

/// The value at a dotted path, or null.
pub fn get<'a>(v: &'a Value, path: &str) -> &'a Value {
    let mut cur = v;
    for key in path.split('.') {
        cur = match cur {
            Value::Object(m) => m.get(key).unwrap_or(&Value::Null),
            Value::Array(a) => key
                .parse::<usize>()
                .ok()
                .and_then(|i| a.get(i))
                .unwrap_or(&Value::Null),
            _ => &Value::Null,
        };
    }
    cur
}

/// An RFC 3339 time shown to the minute in UTC (`2026-12-07 14:05 UTC`); empty stays empty.
pub fn when(s: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(s) {
        Ok(t) => t
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%d %H:%M:%S UTC")
            .to_string(),
        Err(_) => s.to_string(),
    }
}

/// A `<time>` element for an RFC 3339 time.
pub fn time(s: &str) -> Markup {
    if s.is_empty() {
        return html! { span class="muted" { "—" } };
    }
    html! { time datetime=(s) { (when(s)) } }
}

/// A status word as a badge.
pub fn badge(word: &str) -> Markup {
    let class = match word {
        "ok" | "active" | "proposed" | "resolved" | "confirmed" | "succeeded" => "good",
        "failed" | "refused" | "excluded" | "error" | "rejected" => "bad",
        "" => "muted",
        _ => "neutral",
    };
    html! { span class={"badge " (class)} { (if word.is_empty() { "—" } else { word }) } }
}

/// The path and query of a console link, with its parameters encoded.
pub fn link(path: &str, params: &[(&str, &str)]) -> String {
    let q: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter().filter(|(_, v)| !v.is_empty()))
        .finish();
    if q.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{q}")
    }
}

/// A definition list of label/value pairs, skipping empty values.
pub fn facts(rows: &[(&str, String)]) -> Markup {
    html! {
        dl class="facts" {
            @for (k, v) in rows {
                @if !v.is_empty() {
                    dt { (k) }
                    dd { (v) }
                }
            }
        }
    }
}

/// Raw bytes shown as text with the part `[from, to)` (byte offsets) highlighted.
pub fn highlighted(raw: &str, span: Option<(usize, usize)>) -> Markup {
    match span {
        Some((a, b))
            if a < b && b <= raw.len() && raw.is_char_boundary(a) && raw.is_char_boundary(b) =>
        {
            html! {
                pre class="raw" {
                    (&raw[..a])
                    mark id="rejected-field" { (&raw[a..b]) }
                    (&raw[b..])
                }
            }
        }
        _ => html! { pre class="raw" { (raw) } },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_and_paths_read() {
        let v = serde_json::json!({"a": {"b": [{"c": "<script>"}]}});
        assert_eq!(at(&v, "a.b.0.c"), "<script>");
        let m = html! { p { (at(&v, "a.b.0.c")) } };
        assert_eq!(m.into_string(), "<p>&lt;script&gt;</p>");
        assert_eq!(at(&v, "a.x.y"), "");
    }

    #[test]
    fn links_encode_their_parameters() {
        assert_eq!(
            link("/console/records", &[("q", "Анна & co"), ("status", "")]),
            "/console/records?q=%D0%90%D0%BD%D0%BD%D0%B0+%26+co"
        );
    }

    #[test]
    fn highlight_marks_the_span_only_on_char_boundaries() {
        let m = highlighted("MKE/EME.HGT/5X0.", Some((8, 15))).into_string();
        assert!(
            m.contains("<mark id=\"rejected-field\">HGT/5X0</mark>"),
            "{m}"
        );
        let m = highlighted("ÄB", Some((1, 2))).into_string();
        assert!(!m.contains("<mark"), "{m}");
    }
}
