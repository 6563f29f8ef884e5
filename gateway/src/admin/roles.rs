//! Who may call what on the admin API: three roles, ordered, and the role each route needs.
//!
//! | role | may |
//! |---|---|
//! | `viewer` | read: status, jobs, partners, quarantine, records, matches, metrics, cron previews |
//! | `investigator` | the viewer's reads, and decide on matches (confirm, exclude, undo) and mark notices read |
//! | `administrator` | everything: run jobs, reprocess quarantine, edit and reload the configuration, read the configuration history and the audit log |
//!
//! An admin token (the `Authorization: Bearer` of scripts and `homeward status`) acts as an
//! administrator; a web-console account has the role written in the accounts file. The one
//! table below is what the admin API's guard enforces for every caller, so the console and
//! the API can never disagree about who may do what.

use axum::http::Method;
use serde::{Deserialize, Serialize};

/// A caller's role. Ordered: each role may do what the ones before it may.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[default]
    Viewer,
    Investigator,
    Administrator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Investigator => "investigator",
            Role::Administrator => "administrator",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "viewer" => Some(Role::Viewer),
            "investigator" => Some(Role::Investigator),
            "administrator" | "admin" => Some(Role::Administrator),
            _ => None,
        }
    }

    /// Every role, least first.
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Investigator, Role::Administrator];
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The role a call needs: `route` is the matched route pattern (`/v1/jobs/{id}/run`), or the
/// path when nothing matched.
pub fn required(method: &Method, route: &str) -> Role {
    let reads = method == Method::GET || method == Method::HEAD;
    // what only administrators may read: the audit log, the configuration and its history
    if route.starts_with("/v1/audit") || route.starts_with("/v1/config") {
        return Role::Administrator;
    }
    if reads {
        return Role::Viewer;
    }
    match route {
        "/v1/matches/confirm" | "/v1/matches/exclude" | "/v1/matches/undo" | "/v1/matches/read" => {
            Role::Investigator
        }
        _ => Role::Administrator,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_for_viewers_changes_for_those_who_make_them() {
        assert_eq!(required(&Method::GET, "/v1/jobs"), Role::Viewer);
        assert_eq!(required(&Method::GET, "/v1/records/show"), Role::Viewer);
        assert_eq!(required(&Method::GET, "/v1/cron/preview"), Role::Viewer);
        assert_eq!(
            required(&Method::POST, "/v1/matches/confirm"),
            Role::Investigator
        );
        assert_eq!(
            required(&Method::POST, "/v1/matches/read"),
            Role::Investigator
        );
        for (m, r) in [
            (Method::POST, "/v1/jobs/{id}/run"),
            (Method::POST, "/v1/quarantine/{id}/reprocess"),
            (Method::POST, "/v1/reload"),
            (Method::PUT, "/v1/config/jobs/{id}"),
            (Method::DELETE, "/v1/config/jobs/{id}"),
            (Method::GET, "/v1/config/history"),
            (Method::GET, "/v1/audit"),
            (Method::POST, "unmatched"),
        ] {
            assert_eq!(required(&m, r), Role::Administrator, "{m} {r}");
        }
    }

    #[test]
    fn roles_are_ordered_and_parse() {
        assert!(Role::Viewer < Role::Investigator && Role::Investigator < Role::Administrator);
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
