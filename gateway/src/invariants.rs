//! Invariants the configuration loaders keep on any text: what the fuzz target `config` (under
//! `fuzz/`) and the corpus replay test (`tests/fuzz_config_corpus.rs`, part of
//! `cargo test --workspace`) check, with the same call.
//!
//! One input is loaded both as the gateway's configuration (the checker behind
//! [`Config::parse`] and `homeward config check`, without the file system) and as a partner
//! registry ([`PartnerRegistry::from_toml`], relative `ca_file` paths resolved in a directory
//! that does not exist). [`check_config`] asserts:
//!
//! 1. **No panic**, and memory bounded by the input.
//! 2. **Every error names a place**: each error of the configuration carries the line and
//!    column of its key or value (within the text), or is about the document as a whole (no
//!    key path); a registry problem names its path (`partners[1].keys[0].not_after`), and the
//!    path leads through the text to the key, or to the table that lacks it.
//! 3. **Nothing silently ignored**: an accepted configuration is TOML (a plain `toml::Table`
//!    reads it too) whose every top-level key the loader knows; `[store]`, `[limits]` and
//!    `[crossmatch]` hold the values of the text; it holds one partner per `[[partners]]`, one
//!    job per `[[jobs]]` and one layout per `[[layouts]]`. An accepted registry holds one partner per
//!    `[[partners]]`.

use std::path::{Path, PathBuf};

use homeward_adapters::invariants::{HeapMeter, Report, Rule, Violation};
use homeward_exchange::partners::{PartnerRegistry, RegistryError};

use crate::config::Config;
use crate::config::check::{CheckContext, Severity, check_text};

const TARGET: &str = "config";

/// The top-level keys of the configuration file.
const SECTIONS: &[&str] = &[
    "store",
    "limits",
    "gateway",
    "listen",
    "identity",
    "exchange",
    "federation",
    "admin",
    "jobs",
    "layouts",
    "layout_files",
    "partners",
    "crossmatch",
    "console",
];

/// The most heap loading `len` bytes of TOML may take: the parser's tables and strings (the
/// checker keeps the spanned document, and deserialises it again part by part when it has
/// errors), a few dozen times the text, plus fixed overhead (the semantic checks: cron
/// schedules, time zones, partner keys).
pub fn heap_budget(len: usize) -> usize {
    len.saturating_mul(64).saturating_add(1024 * 1024)
}

/// Where relative `ca_file` paths are resolved: nowhere (the check reads no files of its own).
const BASE_DIR: &str = "/nonexistent/homeward-fuzz";

/// Loads `data` as the gateway configuration and as a partner registry and checks the
/// invariants above. Input that is not UTF-8 is not TOML and is skipped (the loader reads the
/// file as text first and names the file when it is not).
pub fn check_config(data: &[u8], heap: Option<&dyn HeapMeter>) -> Result<Report, Violation> {
    let v = |rule, detail: String| Violation::of(TARGET, rule, None, detail);
    let Ok(text) = std::str::from_utf8(data) else {
        return Ok(Report::default());
    };
    if let Some(h) = heap {
        h.reset_peak();
    }
    let base = heap.map_or(0, |h| h.current());
    let checked = check_text(
        text,
        None,
        &CheckContext {
            base_dir: PathBuf::from(BASE_DIR),
            filesystem: false,
        },
    );
    let registry = PartnerRegistry::from_toml(text, Path::new(BASE_DIR));
    let held = heap.map_or(0, |h| h.peak().saturating_sub(base));
    if held > heap_budget(data.len()) {
        return Err(v(
            Rule::Limits,
            format!(
                "loading {} bytes held {held} bytes of heap (budget {})",
                data.len(),
                heap_budget(data.len())
            ),
        ));
    }
    let mut report = Report {
        peak_heap: held,
        ..Report::default()
    };
    let table = toml::from_str::<toml::Table>(text);
    // `Config::parse` is the same check; it must agree
    if Config::parse(text).is_ok() != checked.config.is_some() {
        return Err(v(
            Rule::Accounting,
            "Config::parse and the checker disagree on whether the text is a configuration".into(),
        ));
    }

    match &checked.config {
        Some(c) => {
            report.entries += 1;
            if !checked.is_ok() {
                return Err(v(
                    Rule::Accounting,
                    format!("accepted with errors: {}", checked.render()),
                ));
            }
            let t = table.as_ref().map_err(|e| {
                v(
                    Rule::Accounting,
                    format!("the configuration was accepted, but the text is not TOML: {e}"),
                )
            })?;
            account_config(c, t).map_err(|e| v(Rule::Accounting, e))?;
        }
        None => {
            report.rejections += 1;
            let errors: Vec<_> = checked
                .problems
                .iter()
                .filter(|p| p.severity == Severity::Error)
                .collect();
            if errors.is_empty() {
                return Err(v(Rule::ErrorPlace, "refused without an error".into()));
            }
            let lines = text.split('\n').count();
            for p in errors {
                let placed = match (p.line, p.column) {
                    (Some(l), Some(c)) => l >= 1 && l <= lines && c >= 1,
                    (None, None) => p.path.is_empty(),
                    _ => false,
                };
                if !placed || p.message.is_empty() || p.file.is_some() {
                    return Err(v(
                        Rule::ErrorPlace,
                        format!(
                            "configuration error `{p}` (line {:?}, column {:?}, path `{}`) names no place in the {lines}-line text",
                            p.line, p.column, p.path
                        ),
                    ));
                }
            }
        }
    }

    match registry {
        Ok(reg) => {
            report.entries += 1;
            let partners = count(table.as_ref().ok(), "partners");
            if reg.len() != partners {
                return Err(v(
                    Rule::Accounting,
                    format!(
                        "the registry holds {} partners, the text {partners}",
                        reg.len()
                    ),
                ));
            }
        }
        Err(e) => {
            report.rejections += 1;
            registry_error_place(&e, text, table.as_ref().ok())
                .map_err(|m| v(Rule::ErrorPlace, format!("registry error `{e}`: {m}")))?;
        }
    }
    Ok(report)
}

/// How many elements the array `key` of the text has.
fn count(t: Option<&toml::Table>, key: &str) -> usize {
    t.and_then(|t| t.get(key))
        .and_then(toml::Value::as_array)
        .map_or(0, Vec::len)
}

/// Every top-level key of the text is one the loader knows; `[store]` and `[limits]` hold the
/// text's values; arrays of tables hold as many entries as the text.
fn account_config(c: &Config, t: &toml::Table) -> Result<(), String> {
    let int = |v: &toml::Value| v.as_integer();
    for (section, value) in t {
        if !SECTIONS.contains(&section.as_str()) {
            return Err(format!(
                "`{section}` is in the text, but no key the loader knows"
            ));
        }
        if section != "store" && section != "limits" && section != "crossmatch" {
            continue;
        }
        let inner = value
            .as_table()
            .ok_or_else(|| format!("`{section}` is not a table, yet accepted"))?;
        for (key, val) in inner {
            let same = match (section.as_str(), key.as_str()) {
                ("store", "engine") => val.as_str() == Some(c.store.engine.as_str()),
                ("store", "path") => val.as_str().map(PathBuf::from) == c.store.path.clone(),
                ("store", "batch_size") => {
                    int(val).and_then(|i| usize::try_from(i).ok()) == Some(c.store.batch_size)
                }
                ("limits", "max_line_bytes") => {
                    int(val).and_then(|i| usize::try_from(i).ok()) == c.limits.max_line_bytes
                }
                ("limits", "max_document_bytes") => {
                    int(val).and_then(|i| u64::try_from(i).ok()) == c.limits.max_document_bytes
                }
                ("limits", "max_item_bytes") => {
                    int(val).and_then(|i| usize::try_from(i).ok()) == c.limits.max_item_bytes
                }
                ("crossmatch", "enabled") => val.as_bool() == Some(c.crossmatch.enabled),
                ("crossmatch", "top_k") => {
                    int(val).and_then(|i| usize::try_from(i).ok()) == Some(c.crossmatch.top_k)
                }
                ("crossmatch", "batch") => {
                    int(val).and_then(|i| usize::try_from(i).ok()) == Some(c.crossmatch.batch)
                }
                ("crossmatch", "poll_interval_ms") => {
                    int(val).and_then(|i| u64::try_from(i).ok())
                        == Some(c.crossmatch.poll_interval_ms)
                }
                _ => {
                    return Err(format!(
                        "[{section}] {key} is in the text, but no key the loader knows"
                    ));
                }
            };
            if !same {
                return Err(format!(
                    "[{section}] {key} = {val} in the text, the loader holds {:?} / {:?} / {:?}",
                    c.store, c.limits, c.crossmatch
                ));
            }
        }
    }
    for (key, held) in [
        ("partners", c.partners.len()),
        ("jobs", c.jobs.len()),
        ("layouts", c.layouts.len()),
    ] {
        let written = count(Some(t), key);
        if held != written {
            return Err(format!(
                "the text has {written} {key}, the configuration holds {held}"
            ));
        }
    }
    Ok(())
}

/// A TOML error names line and column: its span lies within the text, and its message says
/// where.
fn toml_place(
    message: &str,
    span: Option<std::ops::Range<usize>>,
    text: &str,
) -> Result<(), String> {
    match span {
        Some(s) if s.start <= s.end && s.end <= text.len() => {}
        other => return Err(format!("span {other:?} is not in the text")),
    }
    if !message.contains("line ") || !message.contains("column ") {
        return Err("the message names no line and column".into());
    }
    Ok(())
}

fn registry_error_place(
    e: &RegistryError,
    text: &str,
    table: Option<&toml::Table>,
) -> Result<(), String> {
    match e {
        RegistryError::Toml { message, .. } => {
            // the registry keeps the message only; parse again (as it does) for the span
            let span = toml::from_str::<toml::Table>(text)
                .err()
                .or_else(|| toml::from_str::<homeward_exchange::partners::PartnersFile>(text).err())
                .and_then(|e| e.span());
            toml_place(message, span, text)
        }
        RegistryError::Invalid { errors, .. } => {
            if errors.is_empty() {
                return Err("invalid, with no problem listed".into());
            }
            let root = table.ok_or("invalid, yet the text is not TOML")?;
            for p in errors {
                if p.message.is_empty() {
                    return Err(format!("{}: no message", p.path));
                }
                path_in(root, &p.path).map_err(|m| format!("{}: {m}", p.path))?;
            }
            Ok(())
        }
        RegistryError::Io { .. } => Err("a file error from text already read".into()),
    }
}

/// Follows `partners[1].keys[0].not_after` through the text: every step but the last must be
/// there; the last may be missing (a key the problem says is missing) if its table is there.
fn path_in(root: &toml::Table, path: &str) -> Result<(), String> {
    let mut here = toml::Value::Table(root.clone());
    let steps: Vec<&str> = path.split('.').collect();
    for (i, step) in steps.iter().enumerate() {
        let last = i + 1 == steps.len();
        let (name, index) = match step.split_once('[') {
            Some((n, rest)) => {
                let idx = rest
                    .strip_suffix(']')
                    .and_then(|x| x.parse::<usize>().ok())
                    .ok_or_else(|| format!("`{step}` is not name[index]"))?;
                (n, Some(idx))
            }
            None => (*step, None),
        };
        let table = here
            .as_table()
            .ok_or_else(|| format!("`{step}` is under a value that is not a table"))?;
        let Some(next) = table.get(name) else {
            return if last && index.is_none() {
                Ok(())
            } else {
                Err(format!("`{name}` is not in the text"))
            };
        };
        here = match index {
            Some(idx) => next
                .as_array()
                .and_then(|a| a.get(idx))
                .cloned()
                .ok_or_else(|| format!("`{step}` is not in the text"))?,
            None => next.clone(),
        };
    }
    Ok(())
}

/// Seeds of the `config` target: the shipped configuration files, every case of the loaders'
/// own tests, and hostile TOML (deep nesting, huge numbers, duplicate keys, bad dates).
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let key = "Ar6JvYwnVkZi6GcO1w+AZV7z0sfEbp3qAz39Vz1NIG0=";
    let fp = "ab".repeat(32);
    let partner = format!(
        "[[partners]]\nid = \"hub.example.org\"\nendpoint = \"https://127.0.0.1:8443/federation/\"\nrole = \"hub\"\n\n[[partners.keys]]\npublic_key = \"{key}\"\nnot_before = 2026-01-01T00:00:00Z\nnot_after = \"2027-01-01T00:00:00Z\"\n\n[partners.tls]\nfingerprints = [\"{fp}\"]\n\n[partners.share]\nkinds = [\"missing\", \"unidentified\"]\njurisdictions = [\"US-TX\", \"mx\"]\nchildren_only = true\nwithhold = [\"dental\", \"dna\", \"fingerprints\", \"free_text\"]\n\n[partners.accept]\nsources = [\"TX\"]\n"
    );
    let mut out: Vec<(String, String)> = vec![
        ("empty".into(), String::new()),
        (
            "full".into(),
            "[store]\nengine = \"redb\"\npath = \"/srv/hw\"\nbatch_size = 50\n\n[limits]\nmax_line_bytes = 4096\nmax_document_bytes = 67108864\nmax_item_bytes = 1048576\n".into(),
        ),
        ("store-sled".into(), "[store]\nengine = \"sled\"\n".into()),
        ("misspelt-key".into(), "[store]\nengnie = \"redb\"\n".into()),
        ("misspelt-section".into(), "[stroe]\n".into()),
        ("unknown-engine".into(), "[store]\nengine = \"rocksdb\"\n".into()),
        ("batch-size-zero".into(), "[store]\nbatch_size = 0\n".into()),
        ("batch-size-negative".into(), "[store]\nbatch_size = -1\n".into()),
        ("line-limit-zero".into(), "[limits]\nmax_line_bytes = 0\n".into()),
        ("document-limit-zero".into(), "[limits]\nmax_document_bytes = 0\n".into()),
        ("item-limit-huge".into(), "[limits]\nmax_item_bytes = 9223372036854775807\n".into()),
        ("limit-is-text".into(), "[limits]\nmax_item_bytes = \"1 MiB\"\n".into()),
        ("limit-is-float".into(), "[limits]\nmax_item_bytes = 1e6\n".into()),
        ("section-is-value".into(), "store = 5\n".into()),
        ("dotted-keys".into(), "store.engine = \"redb\"\nlimits.max_line_bytes = 10\n".into()),
        ("inline-table".into(), "store = { engine = \"redb\", batch_size = 2 }\n".into()),
        ("duplicate-key".into(), "[store]\nbatch_size = 1\nbatch_size = 2\n".into()),
        ("duplicate-section".into(), "[store]\n[store]\n".into()),
        ("not-toml".into(), "this is not toml\n".into()),
        ("unterminated-string".into(), "[store]\npath = \"/srv\n".into()),
        ("deep-arrays".into(), format!("x = {}{}\n", "[".repeat(200), "]".repeat(200))),
        ("crlf".into(), "[store]\r\nengine = \"redb\"\r\n".into()),
        ("partners-good".into(), partner.clone()),
        ("partners-empty".into(), "partners = []\n".into()),
        (
            "partners-bad-key".into(),
            partner.replace(key, "not base64!"),
        ),
        (
            "partners-bad-endpoint".into(),
            partner.replace("https://127.0.0.1:8443/federation/", "http://x"),
        ),
        (
            "partners-bad-dates".into(),
            partner.replace("2027-01-01T00:00:00Z", "2025-01-01T00:00:00Z"),
        ),
        (
            "partners-date-without-offset".into(),
            partner.replace("2026-01-01T00:00:00Z", "2026-01-01T00:00:00"),
        ),
        (
            "partners-unknown-role".into(),
            partner.replace("role = \"hub\"", "role = \"sheriff\""),
        ),
        (
            "partners-no-tls".into(),
            partner.replace(&format!("[partners.tls]\nfingerprints = [\"{fp}\"]\n"), ""),
        ),
        (
            "partners-bad-fingerprint".into(),
            partner.replace(&fp, "zz"),
        ),
        (
            "partners-ca-file-missing".into(),
            partner.replace(
                &format!("fingerprints = [\"{fp}\"]"),
                "ca_file = \"partners/hub-ca.pem\"",
            ),
        ),
        (
            "partners-ca-file-device".into(),
            partner.replace(&format!("fingerprints = [\"{fp}\"]"), "ca_file = \"/dev/zero\""),
        ),
        (
            "partners-ca-pem-garbage".into(),
            partner.replace(
                &format!("fingerprints = [\"{fp}\"]"),
                "ca_pem = \"-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----\\n\"",
            ),
        ),
        (
            "partners-duplicate".into(),
            format!("{partner}\n{partner}"),
        ),
        (
            "partners-unclaimed-from-police".into(),
            partner
                .replace("role = \"hub\"", "role = \"law_enforcement\"")
                .replace("sources = [\"TX\"]", "sources = [\"\"]\nkinds = [\"unclaimed\"]"),
        ),
        (
            "partners-empty-statuses".into(),
            partner.replace("children_only = true", "children_only = true\nstatuses = []"),
        ),
        (
            "partners-bad-jurisdiction".into(),
            partner.replace("\"US-TX\"", "\"Texas\""),
        ),
        (
            "partners-unknown-key".into(),
            partner.replace("role = \"hub\"", "role = \"hub\"\ncolour = \"blue\""),
        ),
        ("partners-id-empty".into(), partner.replace("hub.example.org", "")),
        ("config-and-partners".into(), format!("[store]\nengine = \"redb\"\n{partner}")),
    ];
    for file in ["config/layouts/state-flatfile.toml", "deploy/homeward.toml"] {
        let path = homeward_adapters::testdata::workspace_root().join(file);
        if let Ok(t) = std::fs::read_to_string(&path) {
            out.push((format!("shipped-{}", file.replace('/', "-")), t));
        }
    }
    out.into_iter().map(|(n, t)| (n, t.into_bytes())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `HOMEWARD_FUZZ_SEEDS=DIR cargo test -p homeward --lib invariants::tests::seeds` writes
    /// the seeds to `DIR/config/`; without the variable, checks every seed keeps the
    /// invariants.
    #[test]
    fn seeds() {
        let seeds = super::seeds();
        assert!(seeds.len() >= 20);
        if let Some(dir) = std::env::var_os("HOMEWARD_FUZZ_SEEDS") {
            let d = std::path::PathBuf::from(dir).join("config");
            std::fs::create_dir_all(&d).unwrap();
            for (name, bytes) in &seeds {
                std::fs::write(d.join(name), bytes).unwrap();
            }
        }
        let failures: Vec<String> = seeds
            .iter()
            .filter_map(|(name, bytes)| {
                check_config(bytes, None)
                    .err()
                    .map(|e| format!("{name}: {e}"))
            })
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn the_invariants_see_what_they_should() {
        // a configuration (every key accounted for) is not a registry, and the other way round
        let r = check_config(b"[store]\nengine = \"redb\"\nbatch_size = 3\n", None).unwrap();
        assert_eq!((r.entries, r.rejections), (1, 1));
        // partners alone are both (the configuration holds the registry)
        let r = check_config(b"partners = []\n", None).unwrap();
        assert_eq!((r.entries, r.rejections), (2, 0));
        // empty text is both, empty
        let r = check_config(b"", None).unwrap();
        assert_eq!((r.entries, r.rejections), (2, 0));
        // a key the loader does not hold would break "nothing silently ignored"
        let t: toml::Table = toml::from_str("[store]\nengine = \"redb\"\n").unwrap();
        let c = Config::parse("[store]\nengine = \"sled\"\n").unwrap();
        assert!(account_config(&c, &t).is_err());
        let t: toml::Table = toml::from_str("[[jobs]]\n").unwrap();
        assert!(account_config(&Config::default(), &t).is_err());
        // registry paths are followed through the text
        let t: toml::Table =
            toml::from_str("[[partners]]\nid = \"a\"\n[[partners.keys]]\npublic_key = \"x\"\n")
                .unwrap();
        assert!(path_in(&t, "partners[0].keys[0].public_key").is_ok());
        assert!(
            path_in(&t, "partners[0].tls").is_ok(),
            "a missing key of a table that is there"
        );
        assert!(path_in(&t, "partners[1].id").is_err());
        assert!(path_in(&t, "partners[0].keys[1].not_after").is_err());
    }
}
