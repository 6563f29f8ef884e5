//! `[[jobs]]`: what the gateway does on its own, on a schedule or when its store changes.
//!
//! ```toml
//! [[jobs]]
//! id = "tx-inbox"                    # letters, digits, . _ -
//! transport = "file_drop"            # file_drop | https_pull | https_push
//! dir = "/var/spool/homeward/tx"     # file_drop: inbox/ processing/ done/ failed/ outbox/
//! direction = "in"                   # file_drop: in (import the inbox) | out (write changes to outbox/)
//! format = "ncic"                    # ncic | xml | pfif | a [[layouts]] name | auto (file_drop in)
//! source = "TX"                      # optional: file records under this source
//! schedule = "0 */5 * * * *"         # cron with seconds: sec min hour day month weekday [year]
//! time_zone = "America/Chicago"      # IANA name; default UTC
//!
//! [jobs.retry]                       # per item: a file, a page, a batch of records
//! max_attempts = 5
//! initial_delay_ms = 500
//! max_delay_ms = 60000
//! multiplier = 2.0
//! jitter = 0.5
//!
//! [[jobs]]
//! id = "hub-pull"
//! transport = "https_pull"
//! partner = "hub.example.org"        # a [[partners]] id
//! feed = "changes"                   # changes (signed pages) | pfif (a PFIF 1.4 feed)
//! schedule = "*/30 * * * * *"
//!
//! [[jobs]]
//! id = "hub-push"
//! transport = "https_push"
//! partner = "hub.example.org"
//! schedule = "on change"             # push what changed as soon as it is stored
//! ```
//!
//! After the last attempt an item goes to quarantine and the job goes on with the next: a
//! file that cannot be imported moves to `failed/` with its reason (its content, or what the
//! reader refused of it, is in quarantine); a record a partner refuses for good is kept in
//! quarantine as a canonical item. A partner that does not answer is not a poison item: the
//! run ends, the job's cursor stays where it was, and the next run starts from there.

use std::collections::BTreeMap;
use std::path::PathBuf;

use homeward_ops::{RetryPolicy, RetryPolicyError, ScheduleError, Trigger};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::config::check::{CheckContext, Problems, closest};

/// How a job moves data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportKind {
    /// Files in a drop directory.
    FileDrop,
    /// Pages of a partner's change feed, or its PFIF feed, over HTTPS with mutual TLS.
    HttpsPull,
    /// This gateway's changes to a partner, signed, over HTTPS with mutual TLS.
    HttpsPush,
}

impl std::fmt::Display for TransportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TransportKind::FileDrop => "file_drop",
            TransportKind::HttpsPull => "https_pull",
            TransportKind::HttpsPush => "https_push",
        })
    }
}

/// Which way a file-drop job moves files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Import what partners drop in `inbox/`.
    #[default]
    In,
    /// Write this gateway's changes, in `format`, to `outbox/` (each file appears whole).
    Out,
}

/// Which feed of a partner a pull job reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feed {
    /// `GET /v1/changes`: signed pages of canonical records, after a cursor.
    #[default]
    Changes,
    /// `GET /v1/pfif/person`: a PFIF 1.4 feed, after the last entry date seen.
    Pfif,
}

/// One `[[jobs]]` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobConfig {
    /// Unique among jobs: letters, digits, `.`, `_`, `-` (at most 64).
    pub id: String,
    pub transport: TransportKind,
    /// A cron expression with seconds, or `on change`.
    pub schedule: String,
    /// The IANA time zone the cron expression is read in (default UTC).
    #[serde(default)]
    pub time_zone: Option<String>,
    /// file_drop: the format of the files (`auto` detects each file, in only); https_push:
    /// `canonical` (the default).
    #[serde(default)]
    pub format: Option<String>,
    /// file_drop: the drop directory.
    #[serde(default)]
    pub dir: Option<PathBuf>,
    /// file_drop: `in` (default) or `out`.
    #[serde(default)]
    pub direction: Option<Direction>,
    /// file_drop in: file records under this source instead of the format's own rule.
    #[serde(default)]
    pub source: Option<String>,
    /// https_pull and https_push: the partner's id in `[[partners]]`.
    #[serde(default)]
    pub partner: Option<String>,
    /// https_pull: `changes` (default) or `pfif`.
    #[serde(default)]
    pub feed: Option<Feed>,
    /// Items per page pulled, records per push, changes per outgoing file (default 500).
    #[serde(default)]
    pub batch_size: Option<usize>,
    /// Retries of one item before it goes to quarantine (or, for a partner that does not
    /// answer, before the run ends to resume next time).
    #[serde(default)]
    pub retry: RetryPolicy,
    /// A disabled job is checked but not scheduled.
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// Items per batch when a job does not say.
pub const DEFAULT_JOB_BATCH: usize = 500;

impl JobConfig {
    pub fn direction(&self) -> Direction {
        self.direction.unwrap_or_default()
    }

    pub fn feed(&self) -> Feed {
        self.feed.unwrap_or_default()
    }

    pub fn batch_size(&self) -> usize {
        self.batch_size.unwrap_or(DEFAULT_JOB_BATCH).max(1)
    }

    /// The job's trigger.
    pub fn trigger(&self) -> Result<Trigger, ScheduleError> {
        Trigger::parse(&self.schedule, self.time_zone.as_deref())
    }

    /// What the job does, in a few words (status tables).
    pub fn describe(&self) -> String {
        match self.transport {
            TransportKind::FileDrop => format!(
                "file drop {} {} ({})",
                match self.direction() {
                    Direction::In => "from",
                    Direction::Out => "to",
                },
                self.dir
                    .as_ref()
                    .map(|d| d.display().to_string())
                    .unwrap_or_default(),
                self.format.as_deref().unwrap_or("auto")
            ),
            TransportKind::HttpsPull => format!(
                "pull {} from {}",
                match self.feed() {
                    Feed::Changes => "changes",
                    Feed::Pfif => "PFIF feed",
                },
                self.partner.as_deref().unwrap_or("?")
            ),
            TransportKind::HttpsPush => {
                format!("push to {}", self.partner.as_deref().unwrap_or("?"))
            }
        }
    }
}

/// Whether `id` is a usable job id.
pub fn check_job_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("is empty".into());
    }
    if id.len() > 64 {
        return Err(format!("is {} bytes long; at most 64", id.len()));
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!("contains {c:?}; use letters, digits and . _ -"));
    }
    Ok(())
}

/// The semantic checks of `[[jobs]]`.
pub fn check(cfg: &Config, ctx: &CheckContext, p: &mut Problems) {
    let formats = cfg.format_names();
    let partners: Vec<&str> = cfg.partners.iter().map(|p| p.id.as_str()).collect();
    let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, job) in cfg.jobs.iter().enumerate() {
        let at = |k: &str| format!("jobs[{i}].{k}");
        if let Err(why) = check_job_id(&job.id) {
            p.error(
                at("id"),
                format!("job id {why}"),
                Some("name the job with letters, digits and . _ - (e.g. \"tx-inbox\")".into()),
            );
        }
        if let Some(first) = ids.insert(&job.id, i) {
            p.error(
                at("id"),
                format!("job id `{}` is used twice (also jobs[{first}])", job.id),
                Some("give every job its own id".into()),
            );
        }
        check_schedule(job, i, p);
        check_retry(&job.retry, i, p);
        if job.batch_size == Some(0) {
            p.error(
                at("batch_size"),
                "batch_size must be at least 1",
                Some("remove it for the default (500)".into()),
            );
        }
        let not_for = |p: &mut Problems, key: &str, present: bool| {
            if present {
                p.error(
                    at(key),
                    format!("`{key}` has no meaning for a {} job", job.transport),
                    Some(format!("remove `{key}`")),
                );
            }
        };
        match job.transport {
            TransportKind::FileDrop => {
                not_for(p, "partner", job.partner.is_some());
                not_for(p, "feed", job.feed.is_some());
                let dir_ok = match &job.dir {
                    None => {
                        p.error(
                            format!("jobs[{i}]"),
                            "a file_drop job needs `dir`, its drop directory",
                            Some("add dir = \"/var/spool/homeward/<job>\"".into()),
                        );
                        false
                    }
                    Some(d) => {
                        if ctx.filesystem {
                            check_drop_dir(&ctx.resolve(d), &at("dir"), p);
                        }
                        true
                    }
                };
                let _ = dir_ok;
                match (&job.format, job.direction()) {
                    (None, Direction::In) => p.error(
                        format!("jobs[{i}]"),
                        "a file_drop job needs `format`",
                        Some(format!(
                            "add format = \"auto\" (detect each file) or one of: {}",
                            formats.join(", ")
                        )),
                    ),
                    (None, Direction::Out) => p.error(
                        format!("jobs[{i}]"),
                        "an outgoing file_drop job needs `format`, the format files are written in",
                        Some(format!("add format = one of: {}", formats.join(", "))),
                    ),
                    (Some(f), dir) => {
                        let auto_ok = dir == Direction::In && f == "auto";
                        if !auto_ok && !formats.iter().any(|n| n == f) {
                            if !ctx.filesystem && !cfg.layout_files.is_empty() {
                                p.warning(
                                    at("format"),
                                    format!("format `{f}` is not built in; it may be a layout of layout_files, which were not read"),
                                    None,
                                );
                            } else {
                                unknown_format(p, at("format"), f, &formats, dir == Direction::In);
                            }
                        }
                    }
                }
                if job.direction() == Direction::Out {
                    not_for(p, "source", job.source.is_some());
                }
                let on_change = matches!(job.trigger(), Ok(Trigger::OnChange));
                if on_change && job.direction() == Direction::In {
                    p.error(
                        at("schedule"),
                        "an incoming file drop cannot run `on change`: files arriving in the inbox are not store changes",
                        Some("poll the inbox on a schedule, e.g. schedule = \"*/30 * * * * *\"".into()),
                    );
                }
            }
            TransportKind::HttpsPull | TransportKind::HttpsPush => {
                not_for(p, "dir", job.dir.is_some());
                not_for(p, "direction", job.direction.is_some());
                not_for(p, "source", job.source.is_some());
                match &job.partner {
                    None => p.error(
                        format!("jobs[{i}]"),
                        format!("a {} job needs `partner`", job.transport),
                        Some(if partners.is_empty() {
                            "add partner = \"<id>\" and a [[partners]] entry for it".into()
                        } else {
                            format!("add partner = one of: {}", partners.join(", "))
                        }),
                    ),
                    Some(id) if !partners.contains(&id.as_str()) => p.error(
                        at("partner"),
                        format!("partner `{id}` is not in [[partners]]"),
                        Some(match closest(id, &partners) {
                            Some(n) => format!("did you mean `{n}`?"),
                            None if partners.is_empty() => format!(
                                "add a [[partners]] entry with id = \"{id}\" (its keys come from `homeward keys show` on its side)"
                            ),
                            None => format!(
                                "use one of: {}, or add a [[partners]] entry for `{id}`",
                                partners.join(", ")
                            ),
                        }),
                    ),
                    Some(_) => {}
                }
                if job.transport == TransportKind::HttpsPull {
                    if let Some(f) = &job.format {
                        let expected = match job.feed() {
                            Feed::Changes => "canonical",
                            Feed::Pfif => "pfif",
                        };
                        if f != expected {
                            p.error(
                                at("format"),
                                format!(
                                    "a pull of the {:?} feed reads `{expected}`, not `{f}`",
                                    job.feed()
                                ),
                                Some("remove `format`: the feed decides it".into()),
                            );
                        }
                    }
                    if matches!(job.trigger(), Ok(Trigger::OnChange)) {
                        p.error(
                            at("schedule"),
                            "a pull cannot run `on change`: this gateway's changes say nothing about the partner's",
                            Some("pull on a schedule, e.g. schedule = \"0 */5 * * * *\"".into()),
                        );
                    }
                } else {
                    not_for(p, "feed", job.feed.is_some());
                    if let Some(f) = &job.format
                        && f != "canonical"
                    {
                        p.error(
                            at("format"),
                            format!("pushes carry canonical records, not `{f}`"),
                            Some("remove `format`".into()),
                        );
                    }
                }
            }
        }
    }
}

fn unknown_format(p: &mut Problems, path: String, f: &str, formats: &[String], auto: bool) {
    let names: Vec<&str> = formats.iter().map(String::as_str).collect();
    p.error(
        path,
        format!("format `{f}` is neither built in nor a [[layouts]] name"),
        Some(match closest(f, &names) {
            Some(n) => format!("did you mean `{n}`?"),
            None => format!(
                "use one of: {}{}, or declare a [[layouts]] named `{f}`",
                names.join(", "),
                if auto { ", auto" } else { "" }
            ),
        }),
    );
}

/// What is wrong with a job's `schedule` or `time_zone`, as the checker reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleProblem {
    /// The job's key at fault: `schedule` or `time_zone`.
    pub field: &'static str,
    pub message: String,
    pub fix: String,
}

/// Reads a job's `schedule` in its `time_zone` exactly as `homeward config check` does: the
/// trigger, or the problem with the message and fix the checker gives (the admin API's cron
/// preview answers the same).
pub fn parse_schedule(schedule: &str, time_zone: Option<&str>) -> Result<Trigger, ScheduleProblem> {
    Trigger::parse(schedule, time_zone).map_err(|e| match e {
        ScheduleError::TimeZone { .. } => ScheduleProblem {
            field: "time_zone",
            message: e.to_string(),
            fix: "use an IANA zone name such as \"UTC\", \"America/Chicago\" or \"Europe/Kyiv\"".into(),
        },
        ScheduleError::FiveFields { expr } => ScheduleProblem {
            field: "schedule",
            message: "cron expression has 5 fields; Homeward's cron starts with seconds".into(),
            fix: format!("write schedule = \"0 {expr}\" (or \"on change\")"),
        },
        e => ScheduleProblem {
            field: "schedule",
            message: e.to_string(),
            fix: "six or seven fields: sec min hour day-of-month month day-of-week [year], e.g. \"0 */5 * * * *\" every five minutes; or \"on change\""
                .into(),
        },
    })
}

fn check_schedule(job: &JobConfig, i: usize, p: &mut Problems) {
    if let Err(sp) = parse_schedule(&job.schedule, job.time_zone.as_deref()) {
        p.error(format!("jobs[{i}].{}", sp.field), sp.message, Some(sp.fix));
    }
}

fn check_retry(r: &RetryPolicy, i: usize, p: &mut Problems) {
    if let Err(e) = r.validate() {
        let (key, fix) = match e {
            RetryPolicyError::NoAttempts => ("max_attempts", "max_attempts = 1 means no retry"),
            RetryPolicyError::Multiplier(_) => ("multiplier", "use 1.0 (constant delay) or more"),
            RetryPolicyError::Jitter(_) => ("jitter", "use a fraction such as 0.5"),
            RetryPolicyError::Delays { .. } => (
                "max_delay_ms",
                "make max_delay_ms at least initial_delay_ms",
            ),
        };
        p.error(
            format!("jobs[{i}].retry.{key}"),
            e.to_string(),
            Some(fix.into()),
        );
    }
}

fn check_drop_dir(dir: &std::path::Path, path: &str, p: &mut Problems) {
    match std::fs::metadata(dir) {
        Ok(m) if !m.is_dir() => p.error(
            path,
            format!("{} is not a directory", dir.display()),
            Some("point `dir` at a directory".into()),
        ),
        Ok(_) => {
            let probe = dir.join(format!(".homeward-check-{}", std::process::id()));
            match std::fs::write(&probe, b"") {
                Ok(()) => {
                    let _ = std::fs::remove_file(&probe);
                }
                Err(e) => p.error(
                    path,
                    format!("{} is not writable by this user: {e}", dir.display()),
                    Some(format!(
                        "give the gateway's user write access (chown homeward {})",
                        dir.display()
                    )),
                ),
            }
        }
        Err(_) => match dir.parent() {
            Some(parent) if parent.as_os_str().is_empty() || parent.is_dir() => p.warning(
                path,
                format!(
                    "{} does not exist yet; the gateway will create it",
                    dir.display()
                ),
                None,
            ),
            _ => p.error(
                path,
                format!("{} does not exist, nor does its parent", dir.display()),
                Some(format!("create it: mkdir -p {}", dir.display())),
            ),
        },
    }
}
