//! The checks of the running gateway's sections (`[gateway]`, `[listen]`, `[identity]`,
//! `[exchange]`, `[federation]`; types in `crate::service::config`), with key paths so that
//! `homeward config check` names their lines.

use homeward_exchange::keys::GatewayIdentity;
use homeward_exchange::partners::check_gateway_id;

use super::Config;
use super::check::{CheckContext, Problems, closest};

/// Every problem of the service sections.
pub fn check(cfg: &Config, ctx: &CheckContext, p: &mut Problems) {
    if let Some(g) = &cfg.gateway {
        if let Err(m) = check_gateway_id(&g.id) {
            p.error(
                "gateway.id",
                format!("[gateway] id: gateway id {m}"),
                Some("use letters, digits and . _ : - (as partners register this gateway)".into()),
            );
        } else if ctx.filesystem {
            // This gateway's own keys: present, readable only by it, a certificate that parses.
            let dir = ctx.resolve(cfg.identity.dir.as_deref().unwrap_or("keys".as_ref()));
            if let Err(e) = GatewayIdentity::load_dir(&g.id, &dir) {
                let at = if cfg.identity.dir.is_some() {
                    "identity.dir"
                } else {
                    "gateway.id"
                };
                p.error(
                    at,
                    format!("this gateway's keys in {}: {e}", dir.display()),
                    Some(format!(
                        "generate them: homeward keys generate --id {} --out {}",
                        g.id,
                        dir.display()
                    )),
                );
            }
        }
    }
    for (i, k) in cfg.identity.previous_keys.iter().enumerate() {
        if let Err(e) = homeward_exchange::keys::PublicKey::from_base64(k) {
            p.error(
                format!("identity.previous_keys[{i}]"),
                format!("not a public key: {e}"),
                Some("paste the base64 public key this gateway signed with before".into()),
            );
        }
    }
    if let Err(m) = cfg.exchange.validate() {
        let key = m
            .strip_prefix("[exchange] ")
            .and_then(|r| r.split_whitespace().next())
            .map(|k| format!("exchange.{k}"))
            .unwrap_or_else(|| {
                if m.starts_with("[exchange.retry]") {
                    "exchange.retry".into()
                } else {
                    "exchange".into()
                }
            });
        p.error(key, m, None);
    }
    let ids: Vec<&str> = cfg.partners.iter().map(|p| p.id.as_str()).collect();
    let unknown = |p: &mut Problems, at: String, what: &str, id: &str| {
        p.error(
            at,
            format!("{what}`{id}` is not a [[partners]] id"),
            Some(match closest(id, &ids) {
                Some(n) => format!("did you mean `{n}`?"),
                None => format!("add a [[partners]] entry with id = \"{id}\""),
            }),
        );
    };
    let f = &cfg.federation;
    for (i, id) in f.push_to.iter().enumerate() {
        if !ids.contains(&id.as_str()) {
            unknown(p, format!("federation.push_to[{i}]"), "", id);
        }
    }
    for (i, pull) in f.pull.iter().enumerate() {
        if !ids.contains(&pull.partner.as_str()) {
            unknown(
                p,
                format!("federation.pull[{i}].partner"),
                "partner ",
                &pull.partner,
            );
        }
        if pull.interval_ms == 0 {
            p.error(
                format!("federation.pull[{i}].interval_ms"),
                "interval_ms must be at least 1",
                Some("pull every minute: interval_ms = 60000".into()),
            );
        }
    }
    if f.poll_interval_ms == 0 {
        p.error("federation.poll_interval_ms", "must be at least 1", None);
    }
    if f.push_batch == 0 {
        p.error("federation.push_batch", "must be at least 1", None);
    }
}
