//! `[[layouts]]` and `layout_files`: fixed-width layouts an administrator declares
//! (`docs/formats/layout.md`), inline or in files of their own such as
//! `config/layouts/state-flatfile.toml`. Each layout becomes a format under its name, for
//! `homeward import --format NAME` and a job's `format`.

use std::collections::BTreeMap;

use homeward_adapters::layout::{LayoutError, LayoutFormat, LayoutSpec};
use serde::Deserialize;

use super::Config;
use super::check::{CheckContext, Problems, check_document};

/// A file of layouts: `[[layouts]]` only.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayoutsFile {
    #[serde(default)]
    pub layouts: Vec<LayoutSpec>,
}

/// Reads `layout_files` into `cfg.file_layouts` and checks every layout: the declaration
/// (columns, fields, units, date formats), names clashing with built-in formats or with each
/// other.
pub fn check(cfg: &mut Config, ctx: &CheckContext, p: &mut Problems) {
    cfg.file_layouts.clear();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for (i, spec) in cfg.layouts.iter().enumerate() {
        let at = format!("layouts[{i}]");
        declaration(spec, &at, p);
        if let Some(first) = names.insert(spec.name.clone(), at.clone()) {
            p.error(
                format!("{at}.name"),
                format!("layout `{}` is declared twice (also {first})", spec.name),
                Some("give every layout its own name".into()),
            );
        }
    }
    for (i, f) in cfg.layout_files.iter().enumerate() {
        let at = format!("layout_files[{i}]");
        if !ctx.filesystem {
            continue;
        }
        let path = ctx.resolve(f);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                p.error(
                    at,
                    format!("{}: {e}", path.display()),
                    Some("check the path (relative paths are read from the configuration's directory)".into()),
                );
                continue;
            }
        };
        let (file, problems) = check_document::<LayoutsFile>(&text, Some(&path), |lf, p| {
            for (j, spec) in lf.layouts.iter().enumerate() {
                declaration(spec, &format!("layouts[{j}]"), p);
            }
        });
        for pr in problems {
            p.in_file(pr);
        }
        let Some(file) = file else { continue };
        if file.layouts.is_empty() {
            p.warning(
                at.clone(),
                format!("{} declares no [[layouts]]", path.display()),
                None,
            );
        }
        for spec in file.layouts {
            if let Some(first) = names.insert(spec.name.clone(), at.clone()) {
                p.error(
                    at.clone(),
                    format!(
                        "layout `{}` of {} is declared twice (also {first})",
                        spec.name,
                        path.display()
                    ),
                    Some("give every layout its own name".into()),
                );
                continue;
            }
            cfg.file_layouts.push(spec);
        }
    }
}

/// The declaration's own problems, at the column they are about.
fn declaration(spec: &LayoutSpec, at: &str, p: &mut Problems) {
    let Err(errors) = LayoutFormat::new(spec.clone()) else {
        return;
    };
    for e in errors {
        let path = match &e {
            LayoutError::Column { column, .. } => spec
                .columns
                .iter()
                .position(|c| &c.name == column)
                .map(|j| format!("{at}.columns[{j}]"))
                .unwrap_or_else(|| format!("{at}.name")),
            LayoutError::NoName { .. } => format!("{at}.name"),
            LayoutError::NoColumns { .. } => at.to_string(),
        };
        let fix = layout_fix(&e);
        p.error(path, e.to_string(), fix);
    }
}

fn layout_fix(e: &LayoutError) -> Option<String> {
    let LayoutError::Column { reason, .. } = e else {
        return Some(match e {
            LayoutError::NoName { .. } => "add name = \"...\" (the format's name)".into(),
            _ => "add [[layouts.columns]] entries (name, start, length, field)".into(),
        });
    };
    Some(
        if reason.contains("overlaps") {
            "fix start/length so the columns do not share characters (positions are 1-based)"
        } else if reason.contains("unknown field") {
            "use a canonical field name from docs/formats/layout.md, or `extra` to keep the column verbatim"
        } else if reason.contains("date_format") {
            "use a chrono format with year, month and day, e.g. \"%Y%m%d\" or \"%m/%d/%Y\""
        } else if reason.contains("unit") {
            "heights take unit = \"cm\", \"in\" or \"ftin\"; weights \"kg\" or \"lb\""
        } else if reason.contains("built-in") {
            "rename the layout (ncic, xml, pfif, auto and canonical are taken)"
        } else if reason.contains("native_id") {
            "add a column with field = \"native_id\" (or \"nic\")"
        } else if reason.contains("record length") {
            "make record_length at least the last column's end"
        } else {
            return None;
        }
        .into(),
    )
}
