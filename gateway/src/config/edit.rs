//! Editing the `[[jobs]]` of a configuration text in place (the admin API's job editor,
//! `admin/config_edit.rs`).
//!
//! The text is parsed with `toml_edit`, which keeps every byte it does not change: the job's
//! own table is edited (a value that stays the same keeps its formatting and comment, a changed
//! one keeps its comment), and the rest of the file — other sections, other jobs, comments,
//! blank lines — is written back byte for byte. A text `toml_edit` would not write back exactly
//! is refused rather than reformatted.
//!
//! Fields come as JSON, as written in the TOML (`{"transport": "file_drop", "retry":
//! {"max_attempts": 3}}`): a job's fields are replaced as a whole (keys left out, or `null`,
//! are removed; nested tables such as `retry` likewise), its `id` never changes. Nothing here
//! checks what the fields mean: the edited text goes through the checker
//! ([`super::check::check_text`]) like any configuration.

use serde_json::{Map, Value as Json};
use toml_edit::{Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table, Value};

/// Why a job could not be edited (nothing was changed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error(
        "the configuration file is not valid TOML ({0}); fix it by hand (`homeward config check`)"
    )]
    Parse(String),
    #[error(
        "the configuration file cannot be edited in place (it would not be written back byte for byte); edit it by hand"
    )]
    NotRoundTrip,
    #[error("`jobs` is not written as [[jobs]] tables; edit it by hand")]
    JobsNotTables,
    #[error("no job `{0}` in the configuration file")]
    NoSuchJob(String),
    #[error("job `{0}` is in the configuration file more than once; edit it by hand")]
    Duplicate(String),
    #[error("a job `{0}` exists already")]
    Exists(String),
    #[error(
        "a job's id cannot be changed (`{from}` to `{to}`): add a job with the new id and delete this one"
    )]
    IdChange { from: String, to: String },
    #[error("a new job needs `id` (a string) in its fields")]
    MissingId,
    #[error("`{field}`: {why}")]
    Value { field: String, why: String },
    #[error(
        "no layout `{0}` among the [[layouts]] of the configuration file (a layout of `layout_files` is edited in its own file)"
    )]
    NoSuchLayout(String),
    #[error("`layouts` is not written as [[layouts]] tables; edit it by hand")]
    LayoutsNotTables,
}

/// One `[[layouts]]` table as written.
#[derive(Debug, Clone, PartialEq)]
pub struct LayoutTable {
    pub index: usize,
    pub name: Option<String>,
    /// Its keys and values as JSON (`columns` an array of objects).
    pub fields: Json,
}

fn layouts_of(doc: &DocumentMut) -> Result<Option<&ArrayOfTables>, EditError> {
    match doc.get("layouts") {
        None => Ok(None),
        Some(Item::ArrayOfTables(a)) => Ok(Some(a)),
        Some(_) => Err(EditError::LayoutsNotTables),
    }
}

/// Every `[[layouts]]` table of `text`, in order.
pub fn layouts(text: &str) -> Result<Vec<LayoutTable>, EditError> {
    let doc = parse(text)?;
    let Some(ls) = layouts_of(&doc)? else {
        return Ok(Vec::new());
    };
    Ok(ls
        .iter()
        .enumerate()
        .map(|(index, t)| LayoutTable {
            index,
            name: t.get("name").and_then(Item::as_str).map(str::to_string),
            fields: table_json(t),
        })
        .collect())
}

/// Replaces the columns of layout `name` (a `[[layouts]]` table of the file): each column an
/// object as written in TOML (`{"name", "start", "length", "field", "codes"?, ...}`), written
/// as `[[layouts.columns]]` tables; a column that stays the same keeps its formatting.
pub fn replace_layout_columns(
    text: &str,
    name: &str,
    columns: &[Map<String, Json>],
) -> Result<Edited, EditError> {
    let mut doc = parse(text)?;
    let ls = match doc.get_mut("layouts") {
        Some(Item::ArrayOfTables(a)) => a,
        Some(_) => return Err(EditError::LayoutsNotTables),
        None => return Err(EditError::NoSuchLayout(name.to_string())),
    };
    let found: Vec<usize> = ls
        .iter()
        .enumerate()
        .filter(|(_, t)| t.get("name").and_then(Item::as_str) == Some(name))
        .map(|(i, _)| i)
        .collect();
    let index = match found.as_slice() {
        [i] => *i,
        [] => return Err(EditError::NoSuchLayout(name.to_string())),
        _ => return Err(EditError::Duplicate(name.to_string())),
    };
    let table = ls
        .get_mut(index)
        .ok_or_else(|| EditError::NoSuchLayout(name.to_string()))?;
    let mut changed = Vec::new();
    let old: Vec<Table> = match table.get("columns") {
        Some(Item::ArrayOfTables(a)) => a.iter().cloned().collect(),
        _ => Vec::new(),
    };
    let mut new = ArrayOfTables::new();
    for (i, col) in columns.iter().enumerate() {
        let path = format!("columns[{i}]");
        let mut t = old.get(i).cloned().unwrap_or_default();
        merge_table(&mut t, col, &path, &mut changed, false)?;
        new.push(t);
    }
    if columns.len() < old.len() {
        changed.push(format!("columns[{}..]", columns.len()));
    }
    table.insert("columns", Item::ArrayOfTables(new));
    Ok(Edited {
        section: "layouts",
        text: doc.to_string(),
        index: Some(index),
        changed,
    })
}

/// One `[[jobs]]` table as written.
#[derive(Debug, Clone, PartialEq)]
pub struct JobTable {
    /// Its place among the `[[jobs]]` (the `2` of `jobs[2]` in the checker's problems).
    pub index: usize,
    /// Its `id`, when it is a string.
    pub id: Option<String>,
    /// Its keys and values as JSON (what an edit sends back, changed).
    pub fields: Json,
    /// The table's TOML text (its header, keys, comments and sub-tables).
    pub toml: String,
}

/// An edited text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    pub text: String,
    /// The array of tables the edited table is in (`jobs`, `layouts`).
    pub section: &'static str,
    /// The edited job's place among the `[[jobs]]` of the new text (`None` when deleted).
    pub index: Option<usize>,
    /// The keys that changed (`schedule`, `retry.max_attempts`), in order.
    pub changed: Vec<String>,
}

/// The order new keys are written in (others follow, alphabetically).
const ORDER: &[&str] = &[
    "id",
    // a layout's column
    "name",
    "start",
    "length",
    "field",
    "codes",
    "date_format",
    "unit",
    "required",
    "transport",
    "direction",
    "dir",
    "format",
    "source",
    "partner",
    "feed",
    "schedule",
    "time_zone",
    "batch_size",
    "enabled",
    "max_attempts",
    "initial_delay_ms",
    "max_delay_ms",
    "multiplier",
    "jitter",
    "retry",
];

fn ordered(m: &Map<String, Json>) -> Vec<(&String, &Json)> {
    let mut v: Vec<(&String, &Json)> = m.iter().collect();
    let rank = |k: &str| ORDER.iter().position(|o| *o == k).unwrap_or(ORDER.len());
    v.sort_by(|a, b| rank(a.0).cmp(&rank(b.0)).then_with(|| a.0.cmp(b.0)));
    v
}

fn parse(text: &str) -> Result<DocumentMut, EditError> {
    let doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| EditError::Parse(one_line(&e.to_string())))?;
    if doc.to_string() != text {
        return Err(EditError::NotRoundTrip);
    }
    Ok(doc)
}

fn one_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn jobs_of(doc: &DocumentMut) -> Result<Option<&ArrayOfTables>, EditError> {
    match doc.get("jobs") {
        None => Ok(None),
        Some(Item::ArrayOfTables(a)) => Ok(Some(a)),
        Some(_) => Err(EditError::JobsNotTables),
    }
}

fn jobs_of_mut(doc: &mut DocumentMut) -> Result<Option<&mut ArrayOfTables>, EditError> {
    match doc.get_mut("jobs") {
        None => Ok(None),
        Some(Item::ArrayOfTables(a)) => Ok(Some(a)),
        Some(_) => Err(EditError::JobsNotTables),
    }
}

fn table_id(t: &Table) -> Option<&str> {
    t.get("id").and_then(Item::as_str)
}

fn find(jobs: &ArrayOfTables, id: &str) -> Result<usize, EditError> {
    let found: Vec<usize> = jobs
        .iter()
        .enumerate()
        .filter(|(_, t)| table_id(t) == Some(id))
        .map(|(i, _)| i)
        .collect();
    match found.as_slice() {
        [] => Err(EditError::NoSuchJob(id.to_string())),
        [i] => Ok(*i),
        _ => Err(EditError::Duplicate(id.to_string())),
    }
}

/// Every `[[jobs]]` table of `text`, in order.
pub fn jobs(text: &str) -> Result<Vec<JobTable>, EditError> {
    let doc = parse(text)?;
    let Some(jobs) = jobs_of(&doc)? else {
        return Ok(Vec::new());
    };
    Ok(jobs
        .iter()
        .enumerate()
        .map(|(index, t)| JobTable {
            index,
            id: table_id(t).map(str::to_string),
            fields: table_json(t),
            toml: job_text(t),
        })
        .collect())
}

/// A job table alone, as TOML (`[[jobs]]` and its sub-tables).
fn job_text(t: &Table) -> String {
    let mut one = ArrayOfTables::new();
    one.push(t.clone());
    let mut doc = DocumentMut::new();
    doc.insert("jobs", Item::ArrayOfTables(one));
    doc.to_string().trim_start_matches(['\n', '\r']).to_string()
}

/// Replaces the fields of job `id` (see the module doc). `fields.id`, when given, must be `id`.
pub fn replace_job(text: &str, id: &str, fields: &Map<String, Json>) -> Result<Edited, EditError> {
    match fields.get("id") {
        None | Some(Json::Null) => {}
        Some(Json::String(s)) if s == id => {}
        Some(other) => {
            return Err(EditError::IdChange {
                from: id.to_string(),
                to: other
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| other.to_string()),
            });
        }
    }
    let mut doc = parse(text)?;
    let jobs = jobs_of_mut(&mut doc)?.ok_or_else(|| EditError::NoSuchJob(id.to_string()))?;
    let index = find(jobs, id)?;
    let table = jobs
        .get_mut(index)
        .ok_or_else(|| EditError::NoSuchJob(id.to_string()))?;
    let mut changed = Vec::new();
    let mut fields = fields.clone();
    fields.remove("id");
    merge_table(table, &fields, "", &mut changed, true)?;
    Ok(Edited {
        section: "jobs",
        text: doc.to_string(),
        index: Some(index),
        changed,
    })
}

/// Adds a job with `fields` (which name its `id`) after the last `[[jobs]]`.
pub fn add_job(text: &str, fields: &Map<String, Json>) -> Result<Edited, EditError> {
    let id = match fields.get("id") {
        Some(Json::String(s)) => s.clone(),
        _ => return Err(EditError::MissingId),
    };
    let mut doc = parse(text)?;
    if jobs_of_mut(&mut doc)?.is_none() {
        doc.insert("jobs", Item::ArrayOfTables(ArrayOfTables::new()));
    }
    let jobs = jobs_of_mut(&mut doc)?.ok_or(EditError::JobsNotTables)?;
    if jobs.iter().any(|t| table_id(t) == Some(id.as_str())) {
        return Err(EditError::Exists(id));
    }
    let mut table = Table::new();
    let mut changed = Vec::new();
    merge_table(&mut table, fields, "", &mut changed, false)?;
    jobs.push(table);
    let index = jobs.len() - 1;
    Ok(Edited {
        section: "jobs",
        text: doc.to_string(),
        index: Some(index),
        changed,
    })
}

/// Removes job `id` (its table, sub-tables and the comment lines just above its header).
pub fn remove_job(text: &str, id: &str) -> Result<Edited, EditError> {
    let mut doc = parse(text)?;
    let jobs = jobs_of_mut(&mut doc)?.ok_or_else(|| EditError::NoSuchJob(id.to_string()))?;
    let index = find(jobs, id)?;
    jobs.remove(index);
    if jobs.is_empty() {
        doc.remove("jobs");
    }
    Ok(Edited {
        section: "jobs",
        text: doc.to_string(),
        index: None,
        changed: vec!["(job removed)".into()],
    })
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Makes `table` hold exactly `fields` (null values: absent). `keep_id`: never remove `id`.
fn merge_table(
    table: &mut Table,
    fields: &Map<String, Json>,
    prefix: &str,
    changed: &mut Vec<String>,
    keep_id: bool,
) -> Result<(), EditError> {
    let gone: Vec<String> = table
        .iter()
        .map(|(k, _)| k.to_string())
        .filter(|k| fields.get(k).is_none_or(Json::is_null) && !(keep_id && k == "id"))
        .collect();
    for k in gone {
        table.remove(&k);
        changed.push(join(prefix, &k));
    }
    for (k, new) in ordered(fields) {
        if new.is_null() {
            continue;
        }
        let path = join(prefix, k);
        match table.get_mut(k) {
            Some(item) => update_item(item, new, &path, changed)?,
            None => {
                let item = match new {
                    // A table of the job (`retry`) is written as a sub-table, `[jobs.retry]`.
                    Json::Object(o) => {
                        let mut t = Table::new();
                        merge_table(&mut t, o, &path, &mut Vec::new(), false)?;
                        Item::Table(t)
                    }
                    other => Item::Value(to_value(other, &path)?),
                };
                table.insert(k, item);
                changed.push(path);
            }
        }
    }
    Ok(())
}

fn merge_inline(
    table: &mut InlineTable,
    fields: &Map<String, Json>,
    prefix: &str,
    changed: &mut Vec<String>,
) -> Result<(), EditError> {
    let gone: Vec<String> = table
        .iter()
        .map(|(k, _)| k.to_string())
        .filter(|k| fields.get(k).is_none_or(Json::is_null))
        .collect();
    for k in gone {
        table.remove(&k);
        changed.push(join(prefix, &k));
    }
    for (k, new) in ordered(fields) {
        if new.is_null() {
            continue;
        }
        let path = join(prefix, k);
        match table.get_mut(k) {
            Some(v) => update_value(v, new, &path, changed)?,
            None => {
                table.insert(k, to_value(new, &path)?);
                changed.push(path);
            }
        }
    }
    Ok(())
}

fn update_item(
    item: &mut Item,
    new: &Json,
    path: &str,
    changed: &mut Vec<String>,
) -> Result<(), EditError> {
    match (item, new) {
        (Item::Table(t), Json::Object(o)) => merge_table(t, o, path, changed, false),
        (Item::Value(v), new) => update_value(v, new, path, changed),
        (item, new) => {
            if !same(&item_json(item), new) {
                *item = Item::Value(to_value(new, path)?);
                changed.push(path.to_string());
            }
            Ok(())
        }
    }
}

fn update_value(
    v: &mut Value,
    new: &Json,
    path: &str,
    changed: &mut Vec<String>,
) -> Result<(), EditError> {
    if let (Value::InlineTable(t), Json::Object(o)) = (&mut *v, new) {
        return merge_inline(t, o, path, changed);
    }
    if same(&value_json(v), new) {
        return Ok(());
    }
    let mut replacement = to_value(new, path)?;
    // an integer where a float was written stays a float (JSON has one kind of number)
    if let (Value::Float(_), Value::Integer(i)) = (&*v, &replacement) {
        replacement = Value::from(*i.value() as f64);
    }
    *replacement.decor_mut() = v.decor().clone();
    *v = replacement;
    changed.push(path.to_string());
    Ok(())
}

/// A JSON value as a TOML value (objects as inline tables).
fn to_value(j: &Json, field: &str) -> Result<Value, EditError> {
    let bad = |why: &str| EditError::Value {
        field: field.to_string(),
        why: why.to_string(),
    };
    Ok(match j {
        Json::Null => {
            return Err(bad(
                "null has no TOML form here (leave the key out to remove it)",
            ));
        }
        Json::Bool(b) => Value::from(*b),
        Json::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Value::from(i),
            (None, _) if n.is_u64() => {
                return Err(bad("the number is larger than TOML integers allow"));
            }
            (None, Some(f)) => Value::from(f),
            (None, None) => return Err(bad("not a number TOML can hold")),
        },
        Json::String(s) => Value::from(s.as_str()),
        Json::Array(a) => {
            let mut arr = Array::new();
            for (i, e) in a.iter().enumerate() {
                arr.push(to_value(e, &format!("{field}[{i}]"))?);
            }
            Value::Array(arr)
        }
        Json::Object(o) => {
            let mut t = InlineTable::new();
            for (k, v) in ordered(o) {
                if v.is_null() {
                    continue;
                }
                t.insert(k, to_value(v, &join(field, k))?);
            }
            Value::InlineTable(t)
        }
    })
}

fn table_json(t: &Table) -> Json {
    Json::Object(
        t.iter()
            .map(|(k, i)| (k.to_string(), item_json(i)))
            .collect(),
    )
}

fn item_json(i: &Item) -> Json {
    match i {
        Item::None => Json::Null,
        Item::Value(v) => value_json(v),
        Item::Table(t) => table_json(t),
        Item::ArrayOfTables(a) => Json::Array(a.iter().map(table_json).collect()),
    }
}

fn value_json(v: &Value) -> Json {
    match v {
        Value::String(s) => Json::String(s.value().clone()),
        Value::Integer(i) => Json::from(*i.value()),
        Value::Float(f) => serde_json::Number::from_f64(*f.value())
            .map(Json::Number)
            .unwrap_or_else(|| Json::String(f.value().to_string())),
        Value::Boolean(b) => Json::Bool(*b.value()),
        Value::Datetime(d) => Json::String(d.value().to_string()),
        Value::Array(a) => Json::Array(a.iter().map(value_json).collect()),
        Value::InlineTable(t) => Json::Object(
            t.iter()
                .map(|(k, v)| (k.to_string(), value_json(v)))
                .collect(),
        ),
    }
}

/// Equal as configuration values (`2` and `2.0` are the same number).
fn same(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Json::Object(x), Json::Object(y)) => {
            let present = |m: &Map<String, Json>| m.iter().filter(|(_, v)| !v.is_null()).count();
            present(x) == present(y)
                && y.iter()
                    .filter(|(_, v)| !v.is_null())
                    .all(|(k, v)| x.get(k).is_some_and(|w| same(w, v)))
        }
        _ => a == b,
    }
}

/// The key of job `index` at a 1-based `line` and `column` (characters) of `text`
/// (`schedule`, `retry.max_attempts`; `""` for the job's header): where a problem the checker
/// located only at `jobs[i]` (an unknown key, a value of the wrong type) is. `None` when the
/// position is not in that job.
pub fn field_at(text: &str, index: usize, line: usize, column: usize) -> Option<String> {
    field_at_in(text, "jobs", index, line, column)
}

/// [`field_at`] in another array of tables (`layouts`).
pub fn field_at_in(
    text: &str,
    section: &str,
    index: usize,
    line: usize,
    column: usize,
) -> Option<String> {
    let start = text
        .split_inclusive('\n')
        .take(line.checked_sub(1)?)
        .map(str::len)
        .sum::<usize>();
    let rest = text.get(start..)?;
    let offset = start
        + rest
            .char_indices()
            .nth(column.checked_sub(1)?)
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
    let doc = toml_edit::Document::parse(text).ok()?;
    let table = doc.get(section)?.as_array_of_tables()?.get(index)?;
    if let Some(found) = key_in_table(table, offset, "") {
        return Some(found);
    }
    table
        .span()
        .is_some_and(|s| s.contains(&offset))
        .then(String::new)
}

fn key_in_table(t: &Table, offset: usize, prefix: &str) -> Option<String> {
    for (k, item) in t.iter() {
        let path = join(prefix, k);
        let key_span = t.key(k).and_then(|k| k.span());
        match item {
            Item::Table(sub) => {
                if sub.span().is_some_and(|s| s.contains(&offset)) {
                    return Some(path);
                }
                if let Some(found) = key_in_table(sub, offset, &path) {
                    return Some(found);
                }
            }
            Item::Value(v) => {
                let (Some(ks), Some(vs)) = (key_span, v.span()) else {
                    continue;
                };
                if (ks.start..vs.end.max(ks.end)).contains(&offset) {
                    if let Value::InlineTable(it) = v {
                        for (ik, iv) in it.iter() {
                            let ik_span = it.key(ik).and_then(|k| k.span());
                            if let (Some(a), Some(b)) = (ik_span, iv.span())
                                && (a.start..b.end.max(a.end)).contains(&offset)
                            {
                                return Some(join(&path, ik));
                            }
                        }
                    }
                    return Some(path);
                }
            }
            Item::ArrayOfTables(tables) => {
                // `[[layouts.columns]]`: `columns[2].length`
                for (j, sub) in tables.iter().enumerate() {
                    let at = format!("{path}[{j}]");
                    if let Some(found) = key_in_table(sub, offset, &at) {
                        return Some(found);
                    }
                    if sub.span().is_some_and(|s| s.contains(&offset)) {
                        return Some(at);
                    }
                }
            }
            Item::None => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# Homeward\n[store]\nengine = \"redb\"   # the engine\n\n# the inbox\n[[jobs]]\nid = \"a\"   # first\ntransport = \"file_drop\"\ndir = \"drop\"\nformat = \"ncic\"\nschedule = \"0 0 3 * * *\"  # nightly\n\n[jobs.retry]\nmax_attempts = 3\nmultiplier = 2.0\n\n# the push\n[[jobs]]\nid = \"b\"\ntransport = \"https_push\"\npartner = \"hub\"\nschedule = \"on change\"\n\n# partners follow\n[[partners]]\nid = \"hub\"\n";

    fn fields(v: Json) -> Map<String, Json> {
        match v {
            Json::Object(m) => m,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn jobs_are_read_with_their_fields_and_text() {
        let j = jobs(TEXT).unwrap();
        assert_eq!(j.len(), 2);
        assert_eq!(j[0].id.as_deref(), Some("a"));
        assert_eq!(j[0].fields["retry"]["max_attempts"], 3);
        assert_eq!(j[0].fields["schedule"], "0 0 3 * * *");
        assert!(
            j[0].toml.starts_with("# the inbox\n[[jobs]]\nid = \"a\""),
            "{}",
            j[0].toml
        );
        assert!(
            j[0].toml.contains("[jobs.retry]\nmax_attempts = 3"),
            "{}",
            j[0].toml
        );
        assert!(!j[0].toml.contains("https_push"));
        assert_eq!(j[1].index, 1);
        assert!(jobs("").unwrap().is_empty());
        assert!(matches!(jobs("[store\n"), Err(EditError::Parse(_))));
        assert_eq!(jobs("jobs = 1\n"), Err(EditError::JobsNotTables));
    }

    #[test]
    fn a_replaced_job_changes_only_its_table() {
        let mut f = jobs(TEXT).unwrap()[0].fields.clone();
        f["schedule"] = "0 30 2 * * *".into();
        f["time_zone"] = "America/Chicago".into();
        f["retry"]["max_attempts"] = 5.into();
        f["retry"]["multiplier"] = 2.into(); // as JavaScript sends 2.0
        let e = replace_job(TEXT, "a", &fields(f)).unwrap();
        assert_eq!(e.index, Some(0));
        assert_eq!(
            e.changed,
            vec!["schedule", "time_zone", "retry.max_attempts"]
        );
        let expected = TEXT
            .replace(
                "schedule = \"0 0 3 * * *\"  # nightly\n",
                "schedule = \"0 30 2 * * *\"  # nightly\ntime_zone = \"America/Chicago\"\n",
            )
            .replace("max_attempts = 3", "max_attempts = 5");
        assert_eq!(e.text, expected);
        // a value left out is removed; the id stays
        let e = replace_job(
            TEXT,
            "b",
            &fields(serde_json::json!({"transport": "https_push", "partner": "hub", "schedule": "0 0 * * * *", "retry": {"max_attempts": 2}})),
        )
        .unwrap();
        assert!(e.text.contains("[[jobs]]\nid = \"b\"\ntransport = \"https_push\"\npartner = \"hub\"\nschedule = \"0 0 * * * *\"\n"), "{}", e.text);
        assert!(e.text.contains("schedule = \"0 0 * * * *\"\n\n[jobs.retry]\nmax_attempts = 2\n\n# partners follow\n[[partners]]"), "{}", e.text);
        let e = replace_job(TEXT, "a", &fields(serde_json::json!({"transport": "file_drop", "dir": "drop", "format": "ncic", "schedule": "0 0 3 * * *"}))).unwrap();
        assert_eq!(e.changed, vec!["retry"]);
        assert!(!e.text.contains("max_attempts"));
        assert!(e.text.contains("# partners follow"));
    }

    #[test]
    fn ids_cannot_change_and_must_exist() {
        let f = fields(serde_json::json!({"id": "z", "transport": "file_drop"}));
        assert!(matches!(
            replace_job(TEXT, "a", &f),
            Err(EditError::IdChange { .. })
        ));
        assert_eq!(
            replace_job(TEXT, "nope", &Map::new()),
            Err(EditError::NoSuchJob("nope".into()))
        );
        let f = fields(serde_json::json!({"id": "a", "transport": "file_drop"}));
        assert_eq!(add_job(TEXT, &f), Err(EditError::Exists("a".into())));
        assert_eq!(add_job(TEXT, &Map::new()), Err(EditError::MissingId));
        let f = fields(serde_json::json!({"schedule": ["x", null]}));
        assert!(
            matches!(replace_job(TEXT, "a", &f), Err(EditError::Value { field, .. }) if field == "schedule[1]")
        );
    }

    #[test]
    fn jobs_are_added_after_the_last_and_removed_whole() {
        let f = fields(
            serde_json::json!({"schedule": "0 0 1 * * *", "id": "c", "transport": "file_drop", "format": "pfif", "direction": "out", "dir": "out", "retry": {"jitter": 0.1}}),
        );
        let e = add_job(TEXT, &f).unwrap();
        assert_eq!(e.index, Some(2));
        let (head, tail) = TEXT.split_at(TEXT.find("\n# partners follow").unwrap());
        assert!(e.text.starts_with(head));
        assert!(e.text.ends_with(tail));
        assert!(e.text.contains("[[jobs]]\nid = \"c\"\ntransport = \"file_drop\"\ndirection = \"out\"\ndir = \"out\"\nformat = \"pfif\"\nschedule = \"0 0 1 * * *\"\n\n[jobs.retry]\njitter = 0.1\n"), "{}", e.text);
        let j = jobs(&e.text).unwrap();
        assert_eq!(j[2].id.as_deref(), Some("c"));
        let r = remove_job(&e.text, "c").unwrap();
        assert_eq!(r.text.replace("\n\n\n", "\n\n"), TEXT);
        let r = remove_job(TEXT, "b").unwrap();
        assert!(!r.text.contains("# the push") && !r.text.contains("https_push"));
        assert!(r.text.contains("# partners follow\n[[partners]]"));
        // the first job of a file without any
        let e = add_job(
            "[store]\nengine = \"redb\"\n",
            &fields(serde_json::json!({"id": "x", "transport": "https_push"})),
        )
        .unwrap();
        assert_eq!(
            e.text,
            "[store]\nengine = \"redb\"\n\n[[jobs]]\nid = \"x\"\ntransport = \"https_push\"\n"
        );
        let r = remove_job(&e.text, "x").unwrap();
        assert_eq!(r.text, "[store]\nengine = \"redb\"\n");
    }

    #[test]
    fn positions_map_to_the_job_key_there() {
        let line = |needle: &str| TEXT[..TEXT.find(needle).unwrap()].matches('\n').count() + 1;
        assert_eq!(
            field_at(TEXT, 0, line("schedule = \"0 0 3"), 12).as_deref(),
            Some("schedule")
        );
        assert_eq!(
            field_at(TEXT, 0, line("max_attempts"), 1).as_deref(),
            Some("retry.max_attempts")
        );
        assert_eq!(
            field_at(TEXT, 0, line("[jobs.retry]"), 2).as_deref(),
            Some("retry")
        );
        assert_eq!(
            field_at(TEXT, 0, line("id = \"a\""), 1).as_deref(),
            Some("id")
        );
        assert_eq!(field_at(TEXT, 1, line("schedule = \"0 0 3"), 1), None);
        assert_eq!(field_at(TEXT, 0, line("engine"), 1), None);
        assert_eq!(field_at(TEXT, 5, 1, 1), None);
        let inline = "[[jobs]]\nid = \"a\"\nretry = { max_attempts = 0, jitter = 0.5 }\n";
        assert_eq!(
            field_at(inline, 0, 3, 12).as_deref(),
            Some("retry.max_attempts")
        );
        let mut f = jobs(inline).unwrap()[0].fields.clone();
        f["retry"]["max_attempts"] = 2.into();
        let e = replace_job(inline, "a", &fields(f)).unwrap();
        assert_eq!(e.text, inline.replace("= 0,", "= 2,"));
    }

    #[test]
    fn unchanged_fields_change_nothing() {
        for j in jobs(TEXT).unwrap() {
            let id = j.id.clone().unwrap();
            let e = replace_job(TEXT, &id, &fields(j.fields)).unwrap();
            assert_eq!(e.text, TEXT);
            assert!(e.changed.is_empty());
        }
    }
}
