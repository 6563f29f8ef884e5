//! Checking a configuration file as a whole: TOML syntax, the shape of every section (unknown
//! keys, types, missing keys), then what each part means (cron expressions and time zones,
//! paths, partner keys and certificates, layouts, jobs naming unknown partners or formats,
//! duplicate ids). Every problem is found in one pass and reported with the file, the line and
//! column of the offending key, and how to fix it (`homeward config check FILE`).
//!
//! How lines are found: the document is parsed into a table whose keys and values keep their
//! byte spans ([`toml::de::DeTable`]); serde errors carry the span of the value they are about;
//! semantic problems carry a key path (`jobs[2].schedule`) that is looked up in that table.
//!
//! How every problem is found at once: the whole document is deserialized first; when that
//! fails, each top-level key — and each element of an array of tables (`[[jobs]]`) — is
//! deserialized on its own, so a typo in one job does not hide a bad cron expression in
//! another. The parts that deserialize are then checked for meaning.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue, Deserializer};

use super::Config;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The configuration cannot be used.
    Error,
    /// Usable, but probably not what was meant (a directory that will be created...).
    Warning,
}

/// One problem of a configuration file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub severity: Severity,
    /// The file the problem is in (the configuration, or a file it names).
    pub file: Option<PathBuf>,
    /// 1-based line and column of the offending key or value, when known.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The key path (`jobs[2].schedule`), empty for the document as a whole.
    pub path: String,
    pub message: String,
    /// What to do about it.
    pub fix: Option<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            if let Some(l) = self.line {
                write!(f, ":{l}")?;
                if let Some(c) = self.column {
                    write!(f, ":{c}")?;
                }
            }
            f.write_str(": ")?;
        } else if let Some(l) = self.line {
            write!(f, "line {l}: ")?;
        }
        f.write_str(match self.severity {
            Severity::Error => "error: ",
            Severity::Warning => "warning: ",
        })?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)?;
        if let Some(fix) = &self.fix {
            write!(f, "\n    fix: {fix}")?;
        }
        Ok(())
    }
}

/// Problems found by the semantic checks of one section, by key path.
#[derive(Debug, Default)]
pub struct Problems {
    items: Vec<Problem>,
}

impl Problems {
    /// An error at `path` (`jobs[2].schedule`).
    pub fn error(
        &mut self,
        path: impl Into<String>,
        message: impl Into<String>,
        fix: Option<String>,
    ) {
        self.push(Severity::Error, path, message, fix);
    }

    /// A warning at `path`.
    pub fn warning(
        &mut self,
        path: impl Into<String>,
        message: impl Into<String>,
        fix: Option<String>,
    ) {
        self.push(Severity::Warning, path, message, fix);
    }

    fn push(
        &mut self,
        severity: Severity,
        path: impl Into<String>,
        message: impl Into<String>,
        fix: Option<String>,
    ) {
        self.items.push(Problem {
            severity,
            file: None,
            line: None,
            column: None,
            path: path.into(),
            message: message.into(),
            fix,
        });
    }

    /// A problem in another file (a layout file, a token file), with its own position.
    pub fn in_file(&mut self, p: Problem) {
        self.items.push(p);
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// What the checks may look at.
#[derive(Debug, Clone)]
pub struct CheckContext {
    /// Relative paths in the configuration are read from here (the configuration file's
    /// directory).
    pub base_dir: PathBuf,
    /// Whether to look at the file system (paths exist, token files, certificates). Off for
    /// configuration text with no file (tests, `Config::parse`).
    pub filesystem: bool,
}

impl CheckContext {
    /// `p` resolved against the configuration's directory.
    pub fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }
}

/// The result of checking a configuration.
#[derive(Debug)]
pub struct Report {
    /// The configuration, when it has no errors.
    pub config: Option<Config>,
    /// Every problem, in file order.
    pub problems: Vec<Problem>,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.problems.len() - self.errors()
    }

    pub fn is_ok(&self) -> bool {
        self.errors() == 0
    }

    /// Every problem, one per paragraph.
    pub fn render(&self) -> String {
        self.problems
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// The result of checking a file: the report, or why the file could not be read.
#[derive(Debug)]
pub struct FileReport {
    pub report: Report,
    pub read_error: Option<std::io::Error>,
}

/// Reads and checks the configuration file at `path` (relative paths in it are read from its
/// directory; the file system is looked at).
pub fn check_file(path: &Path) -> FileReport {
    check_file_with(path, true)
}

/// [`check_file`], optionally without looking at anything but the file itself (for a
/// configuration written for another machine: its paths, token and layout files, partners'
/// CA files are not read).
pub fn check_file_with(path: &Path, filesystem: bool) -> FileReport {
    match std::fs::read_to_string(path) {
        Err(e) => FileReport {
            report: Report {
                config: None,
                problems: vec![Problem {
                    severity: Severity::Error,
                    file: Some(path.to_path_buf()),
                    line: None,
                    column: None,
                    path: String::new(),
                    message: format!("cannot be read: {e}"),
                    fix: Some("check the path and that this user may read it".into()),
                }],
            },
            read_error: Some(e),
        },
        Ok(text) => {
            let base_dir = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            let ctx = CheckContext {
                base_dir,
                filesystem,
            };
            FileReport {
                report: check_text(&text, Some(path), &ctx),
                read_error: None,
            }
        }
    }
}

/// Checks configuration text. `file` names it in messages; `ctx` says where relative paths
/// point and whether to look at the file system.
pub fn check_text(text: &str, file: Option<&Path>, ctx: &CheckContext) -> Report {
    let (config, problems) =
        check_document::<Config>(text, file, |cfg, p| super::check_semantics(cfg, ctx, p));
    Report { config, problems }
}

/// Checks a TOML document of type `T`: syntax, shape, then `semantics` on what deserialized
/// (it may complete the value, e.g. with files it names). Returns the value when there is no
/// error, and every problem located in `text`.
pub fn check_document<T: serde::de::DeserializeOwned>(
    text: &str,
    file: Option<&Path>,
    semantics: impl FnOnce(&mut T, &mut Problems),
) -> (Option<T>, Vec<Problem>) {
    let lines = LineIndex::new(text);
    let mut out = Vec::new();
    let place = |mut p: Problem, span: Option<std::ops::Range<usize>>, out: &mut Vec<Problem>| {
        if let Some(s) = span {
            let (l, c) = lines.position(s.start);
            p.line = Some(l);
            p.column = Some(c);
        }
        if p.file.is_none() {
            p.file = file.map(Path::to_path_buf);
        }
        out.push(p);
    };

    // 1. Syntax: every error the parser can recover from.
    let (root, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        let mut seen = BTreeSet::new();
        for e in syntax {
            let span = e.span();
            if !seen.insert((span.clone().map(|s| s.start), e.message().to_string())) {
                continue;
            }
            place(
                Problem {
                    severity: Severity::Error,
                    file: None,
                    line: None,
                    column: None,
                    path: String::new(),
                    message: format!("TOML syntax: {}", e.message()),
                    fix: syntax_fix(e.message()),
                },
                span,
                &mut out,
            );
        }
        sort(&mut out);
        return (None, out);
    }

    // 1b. Values TOML cannot hold: the spanned parser keeps an integer as text and the typed
    // deserialiser takes any u64, so `max_item_bytes = 9253372036854775807` (over i64::MAX)
    // was accepted, though TOML — and every other reader of the file — refuses it (found by
    // fuzzing). A plain table must read the text too.
    if let Err(e) = toml::from_str::<toml::Table>(text) {
        place(
            Problem {
                severity: Severity::Error,
                file: None,
                line: None,
                column: None,
                path: String::new(),
                message: format!("TOML: {}", e.message()),
                fix: syntax_fix(e.message()),
            },
            e.span(),
            &mut out,
        );
        return (None, out);
    }

    // 2. Shape: the whole document, else each part on its own.
    let (value, kept, shape) = shape::<T>(&root);
    let top = top_level_keys::<T>();
    for (span, message, path) in shape {
        let mut fix = shape_fix(&message);
        // A top-level key written under a [table] header belongs to that table.
        if let Some(found) = message
            .strip_prefix("unknown field `")
            .and_then(|r| r.split('`').next())
            && top.iter().any(|k| k == found)
            && span
                .as_ref()
                .is_some_and(|s| !is_top_level_key(&root, s.start))
        {
            fix = Some(format!(
                "`{found}` is a top-level key, but it is written under a [table] header, so it belongs to that table: move it above the first [table] header"
            ));
        }
        place(
            Problem {
                severity: Severity::Error,
                file: None,
                line: None,
                column: None,
                path,
                message,
                fix,
            },
            span,
            &mut out,
        );
    }

    // 3. Meaning: the semantic checks on what deserialized.
    let mut value = value;
    if let Some(v) = value.as_mut() {
        let mut problems = Problems::default();
        semantics(v, &mut problems);
        for p in problems.items {
            if p.file.is_some() {
                out.push(p);
                continue;
            }
            let original = kept.original_path(&p.path);
            let span = locate(&root, &original);
            place(
                Problem {
                    path: original,
                    ..p
                },
                span,
                &mut out,
            );
        }
    }
    sort(&mut out);
    let ok = !out.iter().any(|p| p.severity == Severity::Error);
    (if ok { value } else { None }, out)
}

fn sort(out: &mut [Problem]) {
    out.sort_by(|a, b| {
        (
            a.file.is_some() && a.line.is_none(),
            &a.file,
            a.line,
            a.column,
        )
            .cmp(&(
                b.file.is_some() && b.line.is_none(),
                &b.file,
                b.line,
                b.column,
            ))
    });
}

/// Which elements of arrays of tables survived the shape pass, by original index, so that
/// paths of the filtered document map back to the file.
#[derive(Debug, Default)]
struct Kept(BTreeMap<String, Vec<usize>>);

impl Kept {
    fn original_path(&self, path: &str) -> String {
        let segs = parse_path(path);
        let mut out = String::new();
        let mut prev_key: Option<String> = None;
        for (i, s) in segs.iter().enumerate() {
            match s {
                Seg::Key(k) => {
                    if i > 0 {
                        out.push('.');
                    }
                    out.push_str(k);
                    prev_key = if i == 0 { Some(k.clone()) } else { None };
                }
                Seg::Index(n) => {
                    let n = match (i, &prev_key) {
                        (1, Some(k)) => {
                            self.0.get(k).and_then(|v| v.get(*n).copied()).unwrap_or(*n)
                        }
                        _ => *n,
                    };
                    out.push_str(&format!("[{n}]"));
                    prev_key = None;
                }
            }
        }
        out
    }
}

type ShapeError = (Option<std::ops::Range<usize>>, String, String);

/// Deserializes the document; on failure, each part alone, keeping the parts that work.
fn shape<T: serde::de::DeserializeOwned>(
    root: &Spanned<DeTable<'_>>,
) -> (Option<T>, Kept, Vec<ShapeError>) {
    if let Ok(c) = T::deserialize(Deserializer::from(root.clone())) {
        return (Some(c), Kept::default(), Vec::new());
    }
    let mut errors: Vec<ShapeError> = Vec::new();
    let mut filtered = DeTable::new();
    let mut kept = Kept::default();
    let try_one = |key: &Spanned<std::borrow::Cow<'_, str>>,
                   value: Spanned<DeValue<'_>>|
     -> Result<(), toml::de::Error> {
        let mut t = DeTable::new();
        t.insert(key.clone(), value);
        let span = root.span();
        T::deserialize(Deserializer::from(Spanned::new(span, t))).map(|_| ())
    };
    for (key, value) in root.get_ref().iter() {
        let name = key.get_ref().to_string();
        match value.get_ref() {
            DeValue::Array(arr)
                if arr.iter().all(|e| e.get_ref().is_table()) && !arr.is_empty() =>
            {
                let mut good = DeArray::new();
                let mut idx = Vec::new();
                for (i, elem) in arr.iter().enumerate() {
                    let mut one = DeArray::new();
                    one.push(elem.clone());
                    match try_one(key, Spanned::new(value.span(), DeValue::Array(one))) {
                        Ok(()) => {
                            good.push(elem.clone());
                            idx.push(i);
                        }
                        Err(e) => errors.push((
                            e.span().or(Some(elem.span())),
                            e.message().to_string(),
                            format!("{name}[{i}]"),
                        )),
                    }
                }
                kept.0.insert(name.clone(), idx);
                filtered.insert(
                    key.clone(),
                    Spanned::new(value.span(), DeValue::Array(good)),
                );
            }
            _ => match try_one(key, value.clone()) {
                Ok(()) => {
                    filtered.insert(key.clone(), value.clone());
                }
                Err(e) => errors.push((
                    e.span().or(Some(key.span())),
                    e.message().to_string(),
                    if e.message().starts_with("unknown field") {
                        String::new()
                    } else {
                        name.clone()
                    },
                )),
            },
        }
    }
    // Errors that only show with the whole document (a key every part lacks).
    let config = match T::deserialize(Deserializer::from(Spanned::new(root.span(), filtered))) {
        Ok(c) => Some(c),
        Err(e) => {
            errors.push((e.span(), e.message().to_string(), String::new()));
            None
        }
    };
    let mut seen = BTreeSet::new();
    errors.retain(|(s, m, _)| seen.insert((s.clone().map(|s| s.start), m.clone())));
    (config, kept, errors)
}

/// The top-level keys `T` takes (read from the message of an unknown-field error).
fn top_level_keys<T: serde::de::DeserializeOwned>() -> Vec<String> {
    let mut t = DeTable::new();
    t.insert(
        Spanned::new(0..0, std::borrow::Cow::Borrowed("\u{1}")),
        Spanned::new(0..0, DeValue::Boolean(true)),
    );
    match T::deserialize(Deserializer::from(Spanned::new(0..0, t))) {
        Ok(_) => Vec::new(),
        Err(e) => e
            .message()
            .split('`')
            .skip(3)
            .step_by(2)
            .map(str::to_string)
            .collect(),
    }
}

/// Whether a key of the root table starts at `offset`.
fn is_top_level_key(root: &Spanned<DeTable<'_>>, offset: usize) -> bool {
    root.get_ref().keys().any(|k| k.span().start == offset)
}

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// `jobs[2].retry.max_attempts` → keys and indexes.
fn parse_path(path: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let mut rest = part;
        if let Some(b) = rest.find('[') {
            if b > 0 {
                out.push(Seg::Key(rest[..b].to_string()));
            }
            rest = &rest[b..];
            while let Some(r) = rest.strip_prefix('[') {
                let Some(e) = r.find(']') else { break };
                if let Ok(n) = r[..e].parse() {
                    out.push(Seg::Index(n));
                }
                rest = &r[e + 1..];
            }
        } else {
            out.push(Seg::Key(rest.to_string()));
        }
    }
    out
}

/// The span of the deepest part of `path` found in the document: a key's own span (its line),
/// an array element's span (`[[jobs]]` header or the value).
fn locate(root: &Spanned<DeTable<'_>>, path: &str) -> Option<std::ops::Range<usize>> {
    let segs = parse_path(path);
    let mut best: Option<std::ops::Range<usize>> = None;
    let mut table: Option<&DeTable<'_>> = Some(root.get_ref());
    let mut value: Option<&Spanned<DeValue<'_>>> = None;
    for s in segs {
        match s {
            Seg::Key(k) => {
                let t = match (table, value) {
                    (Some(t), None) => t,
                    (_, Some(v)) => match v.get_ref() {
                        DeValue::Table(t) => t,
                        _ => break,
                    },
                    _ => break,
                };
                let Some((key, v)) = t.get_key_value(k.as_str()) else {
                    break;
                };
                best = Some(key.span());
                value = Some(v);
                table = None;
            }
            Seg::Index(n) => {
                let Some(v) = value else { break };
                let DeValue::Array(a) = v.get_ref() else {
                    break;
                };
                let Some(e) = a.get(n) else { break };
                best = Some(e.span());
                value = Some(e);
            }
        }
    }
    best
}

/// Byte offsets to 1-based line and column (in characters).
struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { text, starts }
    }

    fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|s| *s <= offset).max(1);
        let start = self.starts[line - 1];
        let col = self
            .text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(0);
        (line, col + 1)
    }
}

fn syntax_fix(message: &str) -> Option<String> {
    let m = message.to_ascii_lowercase();
    let fix = if m.contains("quoted")
        || m.starts_with("invalid boolean")
        || m.starts_with("invalid integer")
        || m.starts_with("invalid float")
    {
        "put text values in double quotes: key = \"value\""
    } else if m.contains("invalid basic string") || m.contains("invalid literal string") {
        "close the string with a quote on the same line (\"\"\" for text over several lines)"
    } else if m.contains("duplicate") {
        "each key once per table: remove or rename the second one"
    } else if m.contains("unclosed") {
        "close the bracket or quote opened here"
    } else if m.contains("comma") {
        "separate array elements with commas: [\"a\", \"b\"]"
    } else {
        "see https://toml.io/en/v1.0.0 for the syntax"
    };
    Some(fix.to_string())
}

/// A suggestion for a serde error message.
fn shape_fix(message: &str) -> Option<String> {
    let ticks: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    if message.starts_with("unknown field ") {
        let found = ticks.first().copied().unwrap_or("");
        let expected: Vec<&str> = ticks.iter().skip(1).copied().collect();
        if let Some(near) = closest(found, &expected) {
            return Some(format!("did you mean `{near}`? (or remove `{found}`)"));
        }
        return Some(if expected.is_empty() {
            format!("remove `{found}`: this table takes no keys")
        } else {
            format!("remove `{found}`; known keys here: {}", expected.join(", "))
        });
    }
    if message.starts_with("unknown variant ") {
        let found = ticks.first().copied().unwrap_or("");
        let expected: Vec<&str> = ticks.iter().skip(1).copied().collect();
        if let Some(near) = closest(found, &expected) {
            return Some(format!("did you mean `{near}`?"));
        }
        return Some(format!("use one of: {}", expected.join(", ")));
    }
    if message.starts_with("missing field ") {
        let f = ticks.first().copied().unwrap_or("");
        return Some(format!("add `{f} = ...` to this table"));
    }
    if message.starts_with("invalid type")
        && let Some(exp) = message.split("expected ").nth(1)
    {
        return Some(format!("write {exp} here"));
    }
    None
}

/// The expected name nearest to `found` (edit distance at most 2, or a case difference).
pub fn closest<'a>(found: &str, expected: &[&'a str]) -> Option<&'a str> {
    expected
        .iter()
        .map(|e| (edit_distance(&found.to_lowercase(), &e.to_lowercase()), *e))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, e)| e)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_and_map_back() {
        assert_eq!(
            parse_path("jobs[2].retry.max_attempts"),
            vec![
                Seg::Key("jobs".into()),
                Seg::Index(2),
                Seg::Key("retry".into()),
                Seg::Key("max_attempts".into())
            ]
        );
        let mut kept = Kept::default();
        kept.0.insert("jobs".into(), vec![0, 2, 3]);
        assert_eq!(kept.original_path("jobs[1].schedule"), "jobs[2].schedule");
        assert_eq!(kept.original_path("store.path"), "store.path");
        assert_eq!(
            kept.original_path("partners[0].keys[0]"),
            "partners[0].keys[0]"
        );
    }

    #[test]
    fn lines_and_columns() {
        let li = LineIndex::new("a = 1\nbé = 2\n\nc");
        assert_eq!(li.position(0), (1, 1));
        assert_eq!(li.position(6), (2, 1));
        assert_eq!(li.position(9), (2, 3));
        assert_eq!(li.position(14), (3, 1));
        assert_eq!(li.position(15), (4, 1));
    }

    #[test]
    fn near_names_are_suggested() {
        assert_eq!(
            closest("shedule", &["schedule", "format", "id"]),
            Some("schedule")
        );
        assert_eq!(closest("zzz", &["schedule"]), None);
        assert_eq!(
            shape_fix("unknown field `shedule`, expected one of `id`, `schedule`").as_deref(),
            Some("did you mean `schedule`? (or remove `shedule`)")
        );
    }
}
