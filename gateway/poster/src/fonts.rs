//! The fonts found on the machine, and which one draws which text.
//!
//! [`FontBook`] lists the faces of font directories with `fontdb` and reads each face's
//! character map once (with `ttf-parser`, through `rustybuzz`), so choosing a face for a run
//! of text never loads a font that will not be used. A face is loaded (read from disk) the
//! first time it draws something and kept for the life of the book.
//!
//! Preference, for a run of text in script `S` (ISO 15924), among the faces having a glyph for
//! every character of the run:
//!
//! 1. the script's own Noto Sans face (`Noto Sans Arabic`, `Noto Sans Devanagari`,
//!    `Noto Sans CJK SC`...), or `Noto Sans` for Latin, Greek and Cyrillic;
//! 2. `Noto Sans`;
//! 3. any other `Noto Sans …` family;
//! 4. `DejaVu Sans`;
//! 5. anything else.
//!
//! Within a family: the weight nearest the one asked for (700 for bold headings, 400 else),
//! upright before italic, normal width before condensed.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use homeward_schemas::translit;
use rustybuzz::ttf_parser;

use crate::PosterError;

/// Faces in order of preference, per (script, bold).
type PreferenceCache = HashMap<(&'static str, bool), Arc<Vec<usize>>>;

/// The font faces available for drawing posters.
pub struct FontBook {
    db: fontdb::Database,
    faces: Vec<FaceEntry>,
    dirs: Vec<PathBuf>,
    loaded: Mutex<HashMap<usize, Arc<LoadedFace>>>,
    preference: Mutex<PreferenceCache>,
}

impl std::fmt::Debug for FontBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FontBook")
            .field("dirs", &self.dirs)
            .field("faces", &self.faces.len())
            .finish()
    }
}

/// One face, as listed (not loaded).
struct FaceEntry {
    id: fontdb::ID,
    family: String,
    families: Vec<String>,
    path: PathBuf,
    weight: u16,
    italic: bool,
    normal_width: bool,
    /// Sorted, disjoint ranges of the code points the face has glyphs for.
    coverage: Vec<(u32, u32)>,
}

impl FaceEntry {
    fn covers(&self, c: char) -> bool {
        let c = c as u32;
        self.coverage
            .binary_search_by(|&(lo, hi)| {
                if hi < c {
                    std::cmp::Ordering::Less
                } else if lo > c {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok()
    }

    fn has_family(&self, name: &str) -> bool {
        self.families.iter().any(|f| f.eq_ignore_ascii_case(name))
    }
}

/// A face read from disk, ready to shape and draw with.
pub(crate) struct LoadedFace {
    pub(crate) key: usize,
    pub(crate) data: Arc<Vec<u8>>,
    pub(crate) index: u32,
    pub(crate) font: krilla::text::Font,
    pub(crate) units_per_em: f32,
    pub(crate) ascender: f32,
    pub(crate) descender: f32,
}

/// Characters that need no glyph: controls, joiners, bidi marks and other default-ignorables,
/// which the shaper hides.
pub(crate) fn needs_no_glyph(c: char) -> bool {
    c.is_control()
        || matches!(c as u32,
            0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F
            | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
            | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0xE0000..=0xE0FFF)
}

/// The script of one character (`Zyyy` for digits, spaces, punctuation and symbols).
pub(crate) fn char_script(c: char) -> &'static str {
    if !c.is_alphabetic() {
        // Devanagari and other Indic vowel signs and viramas are marks, not alphabetic in
        // every table: keep them with their letters.
        return match c as u32 {
            0x0900..=0x097F => "Deva",
            0x0600..=0x06FF | 0x0750..=0x077F => "Arab",
            0x0590..=0x05FF => "Hebr",
            0x0980..=0x09FF => "Beng",
            0x0E00..=0x0E7F => "Thai",
            _ => "Zyyy",
        };
    }
    let mut buf = [0u8; 4];
    translit::detect_script(c.encode_utf8(&mut buf))
}

/// The script-specific families preferred for `script`, best first.
fn script_families(script: &str) -> &'static [&'static str] {
    match script {
        "Latn" | "Grek" | "Cyrl" | "Zyyy" => &["Noto Sans"],
        "Arab" => &[
            "Noto Sans Arabic",
            "Noto Naskh Arabic",
            "Noto Sans Arabic UI",
        ],
        "Hebr" => &["Noto Sans Hebrew"],
        "Deva" => &["Noto Sans Devanagari", "Noto Sans Devanagari UI"],
        "Beng" => &["Noto Sans Bengali"],
        "Guru" => &["Noto Sans Gurmukhi"],
        "Gujr" => &["Noto Sans Gujarati"],
        "Taml" => &["Noto Sans Tamil"],
        "Telu" => &["Noto Sans Telugu"],
        "Knda" => &["Noto Sans Kannada"],
        "Mlym" => &["Noto Sans Malayalam"],
        "Thai" => &["Noto Sans Thai"],
        "Armn" => &["Noto Sans Armenian"],
        "Geor" => &["Noto Sans Georgian"],
        "Ethi" => &["Noto Sans Ethiopic"],
        "Hani" => &[
            "Noto Sans CJK SC",
            "Noto Sans SC",
            "Noto Sans CJK TC",
            "Noto Sans TC",
        ],
        "Hira" | "Kana" => &["Noto Sans CJK JP", "Noto Sans JP"],
        "Hang" => &["Noto Sans CJK KR", "Noto Sans KR"],
        _ => &[],
    }
}

/// The English name of a script code, as notes on the poster say it (`Han`, `Arabic`...).
pub(crate) fn script_name(script: &str) -> &str {
    match script {
        "Latn" => "Latin",
        "Grek" => "Greek",
        "Cyrl" => "Cyrillic",
        "Armn" => "Armenian",
        "Hebr" => "Hebrew",
        "Arab" => "Arabic",
        "Deva" => "Devanagari",
        "Beng" => "Bengali",
        "Guru" => "Gurmukhi",
        "Gujr" => "Gujarati",
        "Taml" => "Tamil",
        "Telu" => "Telugu",
        "Knda" => "Kannada",
        "Mlym" => "Malayalam",
        "Thai" => "Thai",
        "Geor" => "Georgian",
        "Hang" => "Hangul",
        "Ethi" => "Ethiopic",
        "Hira" => "Hiragana",
        "Kana" => "Katakana",
        "Hani" => "Han",
        other => other,
    }
}

impl FontBook {
    /// The fonts of this machine: `/usr/share/fonts`, `/usr/local/share/fonts`, `~/.fonts`
    /// and `~/.local/share/fonts` (directories that do not exist are skipped).
    pub fn system() -> FontBook {
        let mut dirs = vec![
            PathBuf::from("/usr/share/fonts"),
            PathBuf::from("/usr/local/share/fonts"),
        ];
        if let Some(home) = std::env::var_os("HOME") {
            let home = PathBuf::from(home);
            dirs.push(home.join(".fonts"));
            dirs.push(home.join(".local/share/fonts"));
        }
        let existing: Vec<PathBuf> = dirs.into_iter().filter(|d| d.is_dir()).collect();
        Self::scan(existing)
    }

    /// The fonts of the configured directories (searched recursively). A directory that cannot
    /// be read is an error: a configured font directory is expected to exist.
    pub fn from_dirs(dirs: &[PathBuf]) -> Result<FontBook, PosterError> {
        for d in dirs {
            std::fs::read_dir(d).map_err(|source| PosterError::FontDir {
                path: d.clone(),
                source,
            })?;
        }
        Ok(Self::scan(dirs.to_vec()))
    }

    fn scan(dirs: Vec<PathBuf>) -> FontBook {
        let mut db = fontdb::Database::new();
        for d in &dirs {
            db.load_fonts_dir(d);
        }
        let mut faces: Vec<FaceEntry> = db
            .faces()
            .filter_map(|info| {
                let path = match &info.source {
                    fontdb::Source::File(p) => p.clone(),
                    _ => PathBuf::new(),
                };
                let coverage = db.with_face_data(info.id, coverage)??;
                let families: Vec<String> = info.families.iter().map(|(f, _)| f.clone()).collect();
                Some(FaceEntry {
                    id: info.id,
                    family: families.first().cloned().unwrap_or_default(),
                    families,
                    path,
                    weight: info.weight.0,
                    italic: info.style != fontdb::Style::Normal,
                    normal_width: info.stretch == fontdb::Stretch::Normal,
                    coverage,
                })
            })
            .collect();
        // A stable order, whatever order the directories were read in.
        faces.sort_by(|a, b| {
            (&a.family, a.weight, a.italic, &a.path).cmp(&(&b.family, b.weight, b.italic, &b.path))
        });
        FontBook {
            db,
            faces,
            dirs,
            loaded: Mutex::new(HashMap::new()),
            preference: Mutex::new(HashMap::new()),
        }
    }

    /// How many faces were found.
    pub fn len(&self) -> usize {
        self.faces.len()
    }

    pub fn is_empty(&self) -> bool {
        self.faces.is_empty()
    }

    /// The directories searched.
    pub fn dirs(&self) -> &[PathBuf] {
        &self.dirs
    }

    /// The family names found, sorted, without repeats.
    pub fn families(&self) -> Vec<String> {
        let mut f: Vec<String> = self.faces.iter().map(|f| f.family.clone()).collect();
        f.dedup();
        f
    }

    /// Whether some face has a glyph for every character of `text`.
    pub fn covers(&self, text: &str) -> bool {
        text.chars()
            .all(|c| needs_no_glyph(c) || self.faces.iter().any(|f| f.covers(c)))
    }

    /// The family that would draw `text` as one run, if one face covers all of it.
    pub fn family_for(&self, text: &str, bold: bool) -> Option<&str> {
        let script = dominant_script(text);
        self.pick(script, bold, text)
            .map(|i| self.faces[i].family.as_str())
    }

    /// The scripts (ISO 15924) of the characters of `text` no face has a glyph for.
    pub fn missing_scripts(&self, text: &str) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for c in text.chars() {
            if needs_no_glyph(c) || self.faces.iter().any(|f| f.covers(c)) {
                continue;
            }
            let s = char_script(c);
            if !out.contains(&s) {
                out.push(s);
            }
        }
        // Punctuation and symbols go with the script they are written with.
        if out.len() > 1 {
            out.retain(|s| *s != "Zyyy");
        }
        out
    }

    /// Whether any face has a glyph for `c`.
    pub(crate) fn covers_char(&self, c: char) -> bool {
        needs_no_glyph(c) || self.faces.iter().any(|f| f.covers(c))
    }

    /// Faces in order of preference for `script`.
    fn preference(&self, script: &'static str, bold: bool) -> Arc<Vec<usize>> {
        let mut cache = lock(&self.preference);
        if let Some(p) = cache.get(&(script, bold)) {
            return p.clone();
        }
        let own = script_families(script);
        let want = if bold { 700 } else { 400 };
        let mut order: Vec<usize> = (0..self.faces.len()).collect();
        order.sort_by_key(|&i| {
            let f = &self.faces[i];
            let tier = if let Some(k) = own.iter().position(|n| f.has_family(n)) {
                k
            } else if f.has_family("Noto Sans") {
                10
            } else if f.family.starts_with("Noto Sans") && !f.family.contains("Mono") {
                11
            } else if f.has_family("DejaVu Sans") {
                12
            } else if f.family.starts_with("Noto Sans") || f.family.contains("Sans") {
                13
            } else {
                14
            };
            (
                tier,
                f.family.clone(),
                f.weight.abs_diff(want),
                f.italic,
                !f.normal_width,
            )
        });
        let order = Arc::new(order);
        cache.insert((script, bold), order.clone());
        order
    }

    /// The best face covering every character of `text`.
    pub(crate) fn pick(&self, script: &'static str, bold: bool, text: &str) -> Option<usize> {
        let order = self.preference(script, bold);
        order.iter().copied().find(|&i| {
            let f = &self.faces[i];
            text.chars().all(|c| needs_no_glyph(c) || f.covers(c))
        })
    }

    /// Whether face `key` covers `c`.
    pub(crate) fn face_covers(&self, key: usize, c: char) -> bool {
        needs_no_glyph(c) || self.faces.get(key).is_some_and(|f| f.covers(c))
    }

    /// The face `key`, loaded (once).
    pub(crate) fn load(&self, key: usize) -> Result<Arc<LoadedFace>, PosterError> {
        if let Some(f) = lock(&self.loaded).get(&key) {
            return Ok(f.clone());
        }
        let entry = self.faces.get(key).ok_or_else(|| PosterError::FontLoad {
            family: String::new(),
            path: PathBuf::new(),
            reason: format!("no face number {key}"),
        })?;
        let fail = |reason: &str| PosterError::FontLoad {
            family: entry.family.clone(),
            path: entry.path.clone(),
            reason: reason.to_string(),
        };
        let (data, index) = self
            .db
            .with_face_data(entry.id, |data, index| (data.to_vec(), index))
            .ok_or_else(|| fail("cannot read the font file"))?;
        let data = Arc::new(data);
        let (units_per_em, ascender, descender) = {
            let face = ttf_parser::Face::parse(&data, index)
                .map_err(|e| fail(&format!("cannot parse the face: {e}")))?;
            (
                f32::from(face.units_per_em()),
                f32::from(face.ascender()),
                f32::from(face.descender()),
            )
        };
        let font = krilla::text::Font::new(krilla::Data::from(data.clone()), index)
            .ok_or_else(|| fail("the PDF writer cannot use the face"))?;
        let loaded = Arc::new(LoadedFace {
            key,
            data,
            index,
            font,
            units_per_em: units_per_em.max(1.0),
            ascender,
            descender,
        });
        lock(&self.loaded).insert(key, loaded.clone());
        Ok(loaded)
    }

    pub(crate) fn family_of(&self, key: usize) -> &str {
        self.faces.get(key).map(|f| f.family.as_str()).unwrap_or("")
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The guarded maps are caches that are never left half-updated: a panic elsewhere while
    // one was held does not make them wrong.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The script most letters of `text` are in (`Zyyy` when none).
pub(crate) fn dominant_script(text: &str) -> &'static str {
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for c in text.chars() {
        let s = char_script(c);
        if s == "Zyyy" {
            continue;
        }
        match counts.iter_mut().find(|(k, _)| *k == s) {
            Some((_, n)) => *n += 1,
            None => counts.push((s, 1)),
        }
    }
    counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(k, _)| k)
        .unwrap_or("Zyyy")
}

/// The code points a face maps to a real glyph, as sorted disjoint ranges.
fn coverage(data: &[u8], index: u32) -> Option<Vec<(u32, u32)>> {
    let face = ttf_parser::Face::parse(data, index).ok()?;
    let cmap = face.tables().cmap?;
    let mut cps: Vec<u32> = Vec::new();
    let unicode: Vec<_> = cmap
        .subtables
        .into_iter()
        .filter(|s| s.is_unicode())
        .collect();
    // A format 12 table holds the whole map (format 4 is then its BMP subset), and maps
    // ranges to consecutive glyphs, so its code points need no glyph check; format 4
    // segments may hold holes mapped to glyph 0, so its code points are checked.
    let full = unicode
        .iter()
        .any(|s| matches!(s.format, ttf_parser::cmap::Format::SegmentedCoverage(_)));
    for sub in unicode {
        match sub.format {
            ttf_parser::cmap::Format::SegmentedCoverage(_) => sub.codepoints(|cp| cps.push(cp)),
            ttf_parser::cmap::Format::UnicodeVariationSequences(_) => {}
            _ if full => {}
            _ => sub.codepoints(|cp| {
                if sub.glyph_index(cp).is_some_and(|g| g.0 != 0) {
                    cps.push(cp);
                }
            }),
        }
    }
    cps.sort_unstable();
    cps.dedup();
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    for cp in cps {
        match ranges.last_mut() {
            Some((_, hi)) if *hi + 1 == cp => *hi = cp,
            _ => ranges.push((cp, cp)),
        }
    }
    (!ranges.is_empty()).then_some(ranges)
}
