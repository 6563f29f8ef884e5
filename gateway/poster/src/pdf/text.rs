//! Text: font choice per run, shaping (rustybuzz), bidi order, line breaking by measured
//! advances.
//!
//! A paragraph is resolved with the Unicode bidi algorithm, cut into runs of one embedding
//! level and one face, and shaped. Line breaks are chosen on the shaped clusters' advances
//! (at spaces, between Han/kana characters, or inside a word that is wider than the line).
//! Each line is then reordered visually and shaped again run by run, so Arabic joins and
//! Devanagari clusters form across the whole run.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use krilla::text::{GlyphId, KrillaGlyph};
use unicode_bidi::{Level, ParagraphBidiInfo};

use crate::PosterError;
use crate::fonts::{FontBook, LoadedFace, char_script, needs_no_glyph};

/// Colour as RGB.
pub(crate) type Rgb = (u8, u8, u8);

pub(crate) const BLACK: Rgb = (0, 0, 0);
pub(crate) const GREY: Rgb = (85, 85, 85);
pub(crate) const WHITE: Rgb = (255, 255, 255);
pub(crate) const RED: Rgb = (190, 20, 20);

/// How a paragraph is set.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub size: f32,
    pub bold: bool,
    pub color: Rgb,
    pub align: Align,
    pub dir: Dir,
}

impl Style {
    pub fn new(size: f32) -> Self {
        Style {
            size,
            bold: false,
            color: BLACK,
            align: Align::Start,
            dir: Dir::Auto,
        }
    }

    pub fn bold(mut self) -> Self {
        self.bold = true;
        self
    }

    pub fn color(mut self, c: Rgb) -> Self {
        self.color = c;
        self
    }

    pub fn center(mut self) -> Self {
        self.align = Align::Center;
        self
    }

    pub fn dir(mut self, rtl: bool) -> Self {
        self.dir = if rtl { Dir::Rtl } else { Dir::Ltr };
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    /// Left for a left-to-right paragraph, right for a right-to-left one.
    Start,
    Center,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dir {
    Ltr,
    Rtl,
    /// From the first strong character.
    Auto,
}

/// One `draw_glyphs` call: a shaped run in one face.
#[derive(Clone)]
pub(crate) struct Piece {
    pub face: Arc<LoadedFace>,
    pub glyphs: Arc<Vec<KrillaGlyph>>,
    pub text: Arc<str>,
    /// From the start of the line.
    pub x: f32,
    pub size: f32,
}

/// One set line.
#[derive(Clone)]
pub(crate) struct Line {
    pub pieces: Vec<Piece>,
    /// Advance width of the line.
    #[cfg_attr(not(test), allow(dead_code))]
    pub width: f32,
    pub ascent: f32,
    pub descent: f32,
    pub color: Rgb,
    /// Offset of the line in its column (from alignment).
    pub x: f32,
    /// The text of the line, for tests.
    #[cfg_attr(not(test), allow(dead_code))]
    pub text: String,
}

impl Line {
    pub fn height(&self) -> f32 {
        self.ascent + self.descent
    }
}

struct Shaped {
    glyphs: Arc<Vec<KrillaGlyph>>,
}

/// Shapes and sets text with the faces of a [`FontBook`], caching shaped runs: shaping does
/// not depend on the size, so the smaller steps of the layout reuse it.
pub(crate) struct TextEngine<'a> {
    pub fonts: &'a FontBook,
    shaped: HashMap<(usize, bool, String), Shaped>,
}

impl<'a> TextEngine<'a> {
    pub fn new(fonts: &'a FontBook) -> Self {
        TextEngine {
            fonts,
            shaped: HashMap::new(),
        }
    }

    /// Splits `text[range]` into runs of one face, in logical order. Characters no face has
    /// are given `None` (callers substitute such text before setting it).
    fn itemize(
        &self,
        text: &str,
        range: Range<usize>,
        bold: bool,
    ) -> Vec<(Range<usize>, Option<usize>)> {
        let Some(slice) = text.get(range.clone()) else {
            return Vec::new();
        };
        let chars: Vec<(usize, char)> = slice
            .char_indices()
            .map(|(i, c)| (i + range.start, c))
            .collect();
        // Scripts, with common characters (digits, spaces, punctuation) taking the script
        // before them, or after them at the start.
        let mut scripts: Vec<&'static str> = chars.iter().map(|&(_, c)| char_script(c)).collect();
        let mut last: Option<&'static str> = None;
        for s in scripts.iter_mut() {
            if *s == "Zyyy" {
                if let Some(l) = last {
                    *s = l;
                }
            } else {
                last = Some(*s);
            }
        }
        if let Some(first) = scripts.iter().copied().find(|s| *s != "Zyyy") {
            for s in scripts.iter_mut() {
                if *s != "Zyyy" {
                    break;
                }
                *s = first;
            }
        }
        let mut out: Vec<(Range<usize>, Option<usize>)> = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let script = scripts[i];
            let mut j = i;
            while j < chars.len() && scripts[j] == script {
                j += 1;
            }
            let start = chars[i].0;
            let end = chars.get(j).map_or(range.end, |c| c.0);
            {
                // The best face for each character, keeping the current face while it has the
                // next one: Arabic text with an em dash is drawn in Noto Sans Arabic, the dash
                // in Noto Sans, rather than all of it in a face that happens to have both.
                let mut current: Option<Option<usize>> = None;
                let mut run_start = start;
                for &(at, c) in &chars[i..j] {
                    if let Some(cur) = current {
                        let fits = match cur {
                            Some(f) => self.fonts.face_covers(f, c),
                            None => !self.fonts.covers_char(c),
                        };
                        if fits {
                            continue;
                        }
                        push_run(&mut out, run_start..at, cur);
                    }
                    run_start = at;
                    current = Some(if self.fonts.covers_char(c) {
                        self.fonts.pick(script, bold, c.encode_utf8(&mut [0u8; 4]))
                    } else {
                        None
                    });
                }
                if let Some(cur) = current {
                    push_run(&mut out, run_start..end, cur);
                }
            }
            i = j;
        }
        out
    }

    fn shape(
        &mut self,
        face: &Arc<LoadedFace>,
        rtl: bool,
        text: &str,
    ) -> Result<Arc<Vec<KrillaGlyph>>, PosterError> {
        let key = (face.key, rtl, text.to_string());
        if let Some(s) = self.shaped.get(&key) {
            return Ok(s.glyphs.clone());
        }
        let rb = rustybuzz::Face::from_slice(&face.data, face.index).ok_or_else(|| {
            PosterError::FontLoad {
                family: self.fonts.family_of(face.key).to_string(),
                path: std::path::PathBuf::new(),
                reason: "the shaper cannot read the face".to_string(),
            }
        })?;
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        buffer.set_direction(if rtl {
            rustybuzz::Direction::RightToLeft
        } else {
            rustybuzz::Direction::LeftToRight
        });
        let out = rustybuzz::shape(&rb, &[], buffer);
        let upem = face.units_per_em;
        let mut clusters: Vec<usize> = out
            .glyph_infos()
            .iter()
            .map(|g| g.cluster as usize)
            .collect();
        clusters.sort_unstable();
        clusters.dedup();
        let glyphs: Vec<KrillaGlyph> = out
            .glyph_infos()
            .iter()
            .zip(out.glyph_positions())
            .map(|(info, pos)| {
                let start = info.cluster as usize;
                let end = clusters
                    .iter()
                    .copied()
                    .find(|c| *c > start)
                    .unwrap_or(text.len());
                KrillaGlyph::new(
                    GlyphId::new(info.glyph_id),
                    pos.x_advance as f32 / upem,
                    pos.x_offset as f32 / upem,
                    pos.y_offset as f32 / upem,
                    pos.y_advance as f32 / upem,
                    start..end,
                    None,
                )
            })
            .collect();
        let glyphs = Arc::new(glyphs);
        self.shaped.insert(
            key,
            Shaped {
                glyphs: glyphs.clone(),
            },
        );
        Ok(glyphs)
    }

    /// Sets `text` (one paragraph: callers split at `\n`) in lines no wider than `width`.
    pub fn paragraph(
        &mut self,
        text: &str,
        style: Style,
        width: f32,
    ) -> Result<Vec<Line>, PosterError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Vec::new());
        }
        let level = match style.dir {
            Dir::Ltr => Some(Level::ltr()),
            Dir::Rtl => Some(Level::rtl()),
            Dir::Auto => None,
        };
        let bidi = ParagraphBidiInfo::new(text, level);
        let base_rtl = bidi.paragraph_level.is_rtl();

        // Widths of the clusters, in logical order: (byte offset, width).
        let mut clusters: Vec<(usize, f32)> = Vec::new();
        for (run, rtl) in level_runs(&bidi) {
            for (r, face) in self.itemize(text, run.clone(), style.bold) {
                let Some(face) = face else { continue };
                let face = self.fonts.load(face)?;
                let seg = text.get(r.clone()).unwrap_or("");
                let glyphs = self.shape(&face, rtl, seg)?;
                let mut widths: HashMap<usize, f32> = HashMap::new();
                for g in glyphs.iter() {
                    *widths.entry(g.text_range.start + r.start).or_insert(0.0) +=
                        g.x_advance * style.size;
                }
                let mut w: Vec<(usize, f32)> = widths.into_iter().collect();
                w.sort_by_key(|(s, _)| *s);
                clusters.extend(w);
            }
        }
        clusters.sort_by_key(|(s, _)| *s);

        let ranges = break_lines(text, &clusters, width);
        let mut lines = Vec::new();
        for r in ranges {
            lines.push(self.set_line(text, &bidi, r, style, width, base_rtl)?);
        }
        Ok(lines)
    }

    fn set_line(
        &mut self,
        text: &str,
        bidi: &ParagraphBidiInfo<'_>,
        range: Range<usize>,
        style: Style,
        width: f32,
        base_rtl: bool,
    ) -> Result<Line, PosterError> {
        let (levels, runs) = bidi.visual_runs(range.clone());
        let mut pieces = Vec::new();
        let mut x = 0.0f32;
        let (mut ascent, mut descent) = (0.0f32, 0.0f32);
        for run in runs {
            let rtl = levels.get(run.start).is_some_and(|l| l.is_rtl());
            let mut items = self.itemize(text, run.clone(), style.bold);
            if rtl {
                items.reverse();
            }
            for (r, face) in items {
                let Some(face) = face else { continue };
                let face = self.fonts.load(face)?;
                let seg = text.get(r).unwrap_or("");
                let glyphs = self.shape(&face, rtl, seg)?;
                let advance: f32 = glyphs.iter().map(|g| g.x_advance).sum::<f32>() * style.size;
                // The face's own extent, within bounds: some faces (Devanagari, Arabic) declare
                // a generous one that would space every multilingual line apart.
                let asc = (face.ascender / face.units_per_em).clamp(0.8, 1.0);
                let desc = (-face.descender / face.units_per_em).clamp(0.2, 0.32);
                ascent = ascent.max(asc * style.size);
                descent = descent.max(desc * style.size);
                pieces.push(Piece {
                    face,
                    glyphs,
                    text: Arc::from(seg),
                    x,
                    size: style.size,
                });
                x += advance;
            }
        }
        if pieces.is_empty() {
            ascent = style.size * 0.9;
            descent = style.size * 0.25;
        }
        let offset = match style.align {
            Align::Center => ((width - x) / 2.0).max(0.0),
            Align::Start if base_rtl => (width - x).max(0.0),
            Align::Start => 0.0,
        };
        Ok(Line {
            pieces,
            width: x,
            ascent,
            descent,
            color: style.color,
            x: offset,
            text: text.get(range).unwrap_or("").to_string(),
        })
    }

    /// `text` with every run of characters no face has replaced by its Latin transliteration;
    /// and the scripts so replaced.
    pub fn substitute(&self, text: &str) -> (String, Vec<&'static str>) {
        let mut out = String::with_capacity(text.len());
        let mut missing: Vec<&'static str> = Vec::new();
        let mut pending = String::new();
        let flush = |pending: &mut String, out: &mut String| {
            if !pending.is_empty() {
                out.push_str(&homeward_schemas::translit::to_latin(pending));
                pending.clear();
            }
        };
        for c in text.chars() {
            // Tabs and other controls have no glyph and are no default-ignorables the shaper
            // hides: they would print as .notdef.
            let c = if c.is_control() && c != '\n' { ' ' } else { c };
            if self.fonts.covers_char(c) {
                flush(&mut pending, &mut out);
                out.push(c);
            } else {
                let s = char_script(c);
                if !missing.contains(&s) {
                    missing.push(s);
                }
                pending.push(c);
            }
        }
        flush(&mut pending, &mut out);
        if missing.len() > 1 {
            missing.retain(|s| *s != "Zyyy");
        }
        (out, missing)
    }
}

fn push_run(out: &mut Vec<(Range<usize>, Option<usize>)>, r: Range<usize>, face: Option<usize>) {
    if r.is_empty() {
        return;
    }
    if let Some((last, f)) = out.last_mut()
        && *f == face
        && last.end == r.start
    {
        last.end = r.end;
        return;
    }
    out.push((r, face));
}

/// The runs of one embedding level, in logical order, with their direction.
fn level_runs(bidi: &ParagraphBidiInfo<'_>) -> Vec<(Range<usize>, bool)> {
    let mut out: Vec<(Range<usize>, bool)> = Vec::new();
    let text = bidi.text;
    for (i, _) in text.char_indices() {
        let rtl = bidi.levels.get(i).is_some_and(|l| l.is_rtl());
        let end = i + text[i..].chars().next().map_or(1, char::len_utf8);
        match out.last_mut() {
            Some((r, d)) if *d == rtl && r.end == i => r.end = end,
            _ => out.push((i..end, rtl)),
        }
    }
    out
}

fn is_break_anywhere(c: char) -> bool {
    matches!(char_script(c), "Hani" | "Hira" | "Kana")
        || matches!(c as u32, 0x3000..=0x303F | 0xFF00..=0xFFEF)
}

/// Line ranges (trailing spaces trimmed) such that each line's clusters fit `width`.
fn break_lines(text: &str, clusters: &[(usize, f32)], width: f32) -> Vec<Range<usize>> {
    // Cluster i spans clusters[i].0 .. clusters[i+1].0 (or the end of the text).
    let n = clusters.len();
    let end_of = |i: usize| clusters.get(i + 1).map_or(text.len(), |c| c.0);
    let is_space = |i: usize| {
        text.get(clusters[i].0..end_of(i))
            .is_some_and(|s| s.chars().all(|c| c.is_whitespace() || needs_no_glyph(c)))
    };
    // May a line break before cluster i?
    let break_before = |i: usize| {
        if i == 0 || i >= n {
            return false;
        }
        let prev = text.get(clusters[i - 1].0..end_of(i - 1)).unwrap_or("");
        let cur = text.get(clusters[i].0..end_of(i)).unwrap_or("");
        (is_space(i - 1) && !is_space(i))
            || prev.chars().last().is_some_and(is_break_anywhere)
            || cur.chars().next().is_some_and(is_break_anywhere)
    };
    let mut lines = Vec::new();
    let mut start = 0usize; // cluster index
    while start < n {
        // Skip spaces at the start of a line.
        while start < n && is_space(start) {
            start += 1;
        }
        if start >= n {
            break;
        }
        let mut w = 0.0f32;
        let mut last_break: Option<usize> = None;
        let mut i = start;
        let mut end = n;
        while i < n {
            if i > start && break_before(i) {
                last_break = Some(i);
            }
            let cw = clusters[i].1;
            if w + cw > width && i > start && !is_space(i) {
                end = match last_break {
                    Some(b) if b > start => b,
                    // A word wider than the line: cut it at a cluster.
                    _ => i,
                };
                break;
            }
            w += cw;
            i += 1;
        }
        // Trim trailing spaces.
        let mut e = end;
        while e > start && is_space(e - 1) {
            e -= 1;
        }
        let from = clusters[start].0;
        let to = if e < n { clusters[e].0 } else { text.len() };
        if from < to {
            lines.push(from..to);
        }
        start = end;
    }
    lines
}

#[cfg(test)]
pub(crate) fn has_arabic(s: &str) -> bool {
    s.chars().any(|c| char_script(c) == "Arab")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaks_at_spaces_and_cuts_long_words() {
        let text = "aa bb cc";
        let clusters: Vec<(usize, f32)> = text.char_indices().map(|(i, _)| (i, 1.0)).collect();
        assert_eq!(break_lines(text, &clusters, 5.0), vec![0..5, 6..8]);
        assert_eq!(break_lines(text, &clusters, 100.0), vec![0..8]);
        let long = "abcdefgh";
        let clusters: Vec<(usize, f32)> = long.char_indices().map(|(i, _)| (i, 1.0)).collect();
        assert_eq!(break_lines(long, &clusters, 3.0), vec![0..3, 3..6, 6..8]);
    }
}
