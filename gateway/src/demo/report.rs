//! The demo's report: what moved, what was refused, the hub's identification candidates.

use std::collections::BTreeMap;
use std::io::Write;

use homeward_crossmatch::{Candidate, Engine, Matches};
use homeward_exchange::evidence::EntryKind;

use super::{Live, Outcome};
use crate::cli::status::table;

fn line(out: &mut (dyn Write + Send), s: impl AsRef<str>) {
    let _ = writeln!(out, "{}", s.as_ref());
}

/// WHAT MOVED: records at each gateway, jobs, exchanges between partners.
pub fn moved(out: &mut (dyn Write + Send), lives: &[&Live]) -> Outcome {
    let mut outcome = Outcome::default();
    line(out, "WHAT MOVED");
    let mut rows = Vec::new();
    for l in lives {
        let stats = l.running.store().stats().unwrap_or_default();
        let kinds: BTreeMap<String, u64> = stats.by_kind.clone();
        let by_source = stats.by_source.len();
        rows.push(vec![
            l.node.id.to_string(),
            stats.records.to_string(),
            ["missing", "unidentified", "unclaimed"]
                .iter()
                .map(|k| format!("{} {k}", kinds.get(*k).copied().unwrap_or(0)))
                .collect::<Vec<_>>()
                .join(", "),
            by_source.to_string(),
            stats.last_change.to_string(),
        ]);
        outcome.records.insert(l.node.id.to_string(), kinds);
    }
    let _ = write!(
        out,
        "{}",
        table(
            &["GATEWAY", "RECORDS", "BY KIND", "SOURCES", "CHANGES"],
            &rows,
            70
        )
    );
    line(out, "");
    let mut rows = Vec::new();
    for l in lives {
        for j in l.attached.ops.job_views() {
            rows.push(vec![
                l.node.id.to_string(),
                j.id.clone(),
                format!("{} ({})", j.schedule, j.time_zone),
                format!("{} ({} failed)", j.runs, j.failures),
                j.last_outcome
                    .as_ref()
                    .map(|o| format!("{}: {}", if o.ok { "ok" } else { "FAILED" }, o.summary))
                    .unwrap_or_else(|| "never run".into()),
            ]);
        }
    }
    let _ = write!(
        out,
        "{}",
        table(
            &["GATEWAY", "JOB", "SCHEDULE", "RUNS", "LAST OUTCOME"],
            &rows,
            90
        )
    );
    line(out, "");
    let mut rows = Vec::new();
    for l in lives {
        let evidence = l.running.federation().evidence.all().unwrap_or_default();
        let mut by: BTreeMap<(String, &'static str), u64> = BTreeMap::new();
        for e in &evidence {
            *by.entry((e.partner.clone(), e.kind.as_str())).or_default() += 1;
        }
        for ((partner, kind), n) in by {
            rows.push(vec![
                l.node.id.to_string(),
                partner,
                kind.to_string(),
                n.to_string(),
            ]);
        }
    }
    for l in lives {
        for p in l.attached.ops.partner_statuses() {
            if p.exchanges == 0 || p.id.starts_with("unregistered:") || p.id.starts_with("peer:") {
                continue;
            }
            line(
                out,
                format!(
                    "  {} with {}: {} record(s) in, {} out; {} exchange(s), {} failed, {} refusal(s)",
                    l.node.id,
                    p.id,
                    p.records_in,
                    p.records_out,
                    p.exchanges,
                    p.failures,
                    p.refusals
                ),
            );
        }
    }
    line(out, "");
    line(
        out,
        "Exchanges, from each gateway's evidence log (hash-chained, signed):",
    );
    let _ = write!(
        out,
        "{}",
        table(
            &["GATEWAY", "PARTNER", "EVIDENCE ENTRY", "COUNT"],
            &rows,
            60
        )
    );
    line(out, "");
    outcome
}

/// WHAT WAS REFUSED: files set aside, quarantine, refusals in the evidence logs, failed runs.
pub fn refused(out: &mut (dyn Write + Send), lives: &[&Live]) -> usize {
    line(out, "WHAT WAS REFUSED");
    let mut n = 0;
    for l in lives {
        let failed = l.node.root.join("drop/failed");
        let mut files: Vec<_> = std::fs::read_dir(&failed)
            .map(|r| r.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        for f in files
            .iter()
            .filter(|f| f.to_string_lossy().ends_with(".reason.txt"))
        {
            let reason = std::fs::read_to_string(f).unwrap_or_default();
            let reason = reason.lines().nth(1).unwrap_or("").to_string();
            let name = f
                .file_name()
                .map(|n| {
                    n.to_string_lossy()
                        .trim_end_matches(".reason.txt")
                        .to_string()
                })
                .unwrap_or_default();
            line(
                out,
                format!(
                    "  {}: file {name} set aside in failed/: {reason}",
                    l.node.id
                ),
            );
            n += 1;
        }
        let q = l.running.store().quarantine_list().unwrap_or_default();
        if !q.is_empty() {
            line(
                out,
                format!("  {}: {} item(s) in quarantine, e.g.:", l.node.id, q.len()),
            );
            for item in q.iter().take(3) {
                line(
                    out,
                    format!(
                        "      #{} {} ({}, {}): {}",
                        item.id, item.origin, item.format, item.position, item.reason
                    ),
                );
            }
            n += q.len();
        }
        let evidence = l.running.federation().evidence.all().unwrap_or_default();
        // Refusals and failures, grouped: kind, partner and code, with the first detail.
        let mut groups: BTreeMap<(String, String, String), (u64, u64, String)> = BTreeMap::new();
        for e in evidence.iter().filter(|e| {
            matches!(
                e.kind,
                EntryKind::PushRefused
                    | EntryKind::TlsRefused
                    | EntryKind::PullRefused
                    | EntryKind::PushRefusedByPartner
                    | EntryKind::PushFailed
            )
        }) {
            let g = groups
                .entry((
                    e.kind.to_string(),
                    e.partner.clone(),
                    e.outcome.code.clone(),
                ))
                .or_insert((0, e.seq, e.outcome.detail.clone()));
            g.0 += 1;
        }
        for ((kind, partner, code), (count, first, detail)) in groups {
            line(
                out,
                format!(
                    "  {}: {count}× {kind} ({code}) with {partner}, first at evidence #{first}: {detail}",
                    l.node.id
                ),
            );
            n += count as usize;
        }
        for j in l.attached.ops.job_views() {
            if j.failures > 0 {
                line(
                    out,
                    format!(
                        "  {}: job {} failed {} of {} run(s) (a partner down: nothing skipped, the next run went on)",
                        l.node.id, j.id, j.failures, j.runs
                    ),
                );
            }
        }
    }
    line(out, "");
    n
}

/// TOP IDENTIFICATION CANDIDATES AT THE HUB.
pub fn candidates(
    out: &mut (dyn Write + Send),
    engine: &Engine,
    best: &[Candidate],
    truth: &BTreeMap<String, u32>,
    top: usize,
    records: usize,
    matches: &Matches,
) -> Vec<(String, bool)> {
    line(
        out,
        format!(
            "TOP IDENTIFICATION CANDIDATES AT THE HUB ({records} records crossmatched: {} unidentified or unclaimed with candidates, {} same-person clusters)",
            best.len(),
            matches.clusters.len()
        ),
    );
    let mut shown = Vec::new();
    for (i, c) in best.iter().take(top).enumerate() {
        let correct = match (truth.get(&c.left.native_id), truth.get(&c.right.native_id)) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        };
        line(
            out,
            format!(
                "{}. {} ({}) may be missing person {} ({}): score {:.1} bits{}",
                i + 1,
                c.right.native_id,
                c.right.source,
                c.left.native_id,
                c.left.source,
                c.score,
                if correct {
                    "  [the same person in the world's truth]"
                } else {
                    "  [not the same person in the world's truth]"
                }
            ),
        );
        if let Some(parts) = engine.explain(c) {
            line(out, format!("   reasons: {}", parts.reasons()));
        }
        shown.push((format!("{} ~ {}", c.right, c.left), correct));
    }
    if best.is_empty() {
        line(out, "(no candidates)");
    }
    shown
}
