//! The PDF of a poster: [`render_pdf`].
//!
//! The page is built as a list of rows (one line of text high, or a block such as the photo
//! box beside the names), each positioned in the content column, then cut into pages. Text is
//! shaped and measured by [`text`]; krilla writes it as real text (fonts subset and embedded,
//! a ToUnicode map per glyph), so the PDF can be searched and copied from.
//!
//! Fitting: the poster is laid out at full size; if it does not fit one page it is laid out
//! again a step smaller (90 %, 80 %, 75 %), and if it still does not fit at the smallest step
//! it continues on further pages (rows are never cut; the banner of an inactive case is
//! repeated at the top of every page).

mod text;

#[cfg(test)]
mod tests;

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use serde::Serialize;

use crate::fonts::{FontBook, script_name};
use crate::model::{Localized, Poster, PosterName};
use crate::{NameRole, PosterError};
use text::{BLACK, GREY, Line, RED, Rgb, Style, TextEngine, WHITE};

/// Paper size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Paper {
    /// Letter for a case in the United States or Canada (by where the person was last seen, else
    /// the agency), A4 elsewhere.
    Auto,
    /// US Letter, 8.5 × 11 in.
    Letter,
    /// ISO A4, 210 × 297 mm.
    A4,
}

impl Paper {
    /// The paper for a case in `country` (ISO 3166-1 alpha-2): `Auto` resolved.
    pub fn resolve(self, country: Option<&str>) -> Paper {
        match self {
            Paper::Auto => match country.map(str::to_ascii_uppercase).as_deref() {
                Some("US" | "CA" | "PR" | "GU" | "VI" | "AS" | "MP") => Paper::Letter,
                _ => Paper::A4,
            },
            p => p,
        }
    }

    /// Width and height in PostScript points.
    pub fn size_pt(self) -> (f32, f32) {
        match self {
            Paper::Letter => (612.0, 792.0),
            Paper::A4 | Paper::Auto => (595.276, 841.89),
        }
    }
}

/// A rendered poster.
#[derive(Debug, Clone)]
pub struct RenderedPdf {
    pub bytes: Vec<u8>,
    /// Scripts (ISO 15924) of text the machine has no font for; that text is printed in Latin
    /// transliteration with a note, or (poster languages) left out in favour of English.
    pub missing_scripts: Vec<String>,
    pub pages: usize,
    /// The paper used (`Auto` resolved).
    pub paper: Paper,
}

const MARGIN: f32 = 36.0;
const FOOTER: f32 = 18.0;
const SCALES: [f32; 4] = [1.0, 0.9, 0.8, 0.75];

/// Renders `poster` as a PDF with the faces of `fonts`.
pub fn render_pdf(
    poster: &Poster,
    fonts: &FontBook,
    paper: Paper,
) -> Result<RenderedPdf, PosterError> {
    if fonts.is_empty() || !fonts.covers("Aa09 ") {
        return Err(PosterError::NoFonts {
            searched: fonts.dirs().to_vec(),
        });
    }
    let paper = paper.resolve(poster.country.as_deref());
    let (page_w, page_h) = paper.size_pt();
    let width = page_w - 2.0 * MARGIN;

    let content = Content::new(poster, fonts);
    let mut engine = TextEngine::new(fonts);

    let Layout {
        header,
        body,
        pages,
    } = layout(&content, &mut engine, width, page_h)?;
    let missing = missing_scripts(&content, &body);

    let mut doc = Document::new();
    doc.set_metadata(metadata(poster, &content));
    let total = pages.len().max(1);
    for (pi, page_rows) in pages.iter().enumerate() {
        let settings = PageSettings::from_wh(page_w, page_h).ok_or_else(|| PosterError::Pdf {
            record: poster.record_id.clone(),
            reason: format!("bad page size {page_w} × {page_h}"),
        })?;
        let mut page = doc.start_page_with(settings);
        let mut surface = page.surface();
        let mut y = MARGIN;
        let header_pos: Vec<(usize, f32)> = header
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let at = y - MARGIN;
                y += r.height;
                (i, at)
            })
            .collect();
        let header_h = y - MARGIN;
        draw_rows(&mut surface, &header, &header_pos, MARGIN, MARGIN, width);
        draw_rows(
            &mut surface,
            &body,
            page_rows,
            MARGIN,
            MARGIN + header_h,
            width,
        );
        let footer = format!(
            "Record {} · generated {} · page {} of {}",
            poster.record_id,
            poster.generated,
            pi + 1,
            total
        );
        let (footer, _) = engine.substitute(&footer);
        let lines = engine.paragraph(&footer, Style::new(7.5).color(GREY), width)?;
        let mut fy = page_h - MARGIN - FOOTER + 10.0;
        for l in &lines {
            draw_line(&mut surface, l, MARGIN, fy + l.ascent);
            fy += l.height();
        }
        surface.finish();
        page.finish();
    }
    let bytes = doc.finish().map_err(|e| PosterError::Pdf {
        record: poster.record_id.clone(),
        reason: e.to_string(),
    })?;
    Ok(RenderedPdf {
        bytes,
        missing_scripts: missing,
        pages: total,
        paper,
    })
}

/// Rows laid out at one size, and cut into pages.
struct Layout {
    header: Vec<Row>,
    body: Vec<Row>,
    /// Per page: (body row, y from the top of the body).
    pages: Vec<Vec<(usize, f32)>>,
}

/// The largest step of [`SCALES`] at which the poster fits one page, else the smallest.
fn layout(
    content: &Content<'_>,
    engine: &mut TextEngine<'_>,
    width: f32,
    page_h: f32,
) -> Result<Layout, PosterError> {
    let mut smallest = None;
    for scale in SCALES {
        let l = layout_at(content, engine, scale, width, page_h)?;
        if l.pages.len() <= 1 {
            return Ok(l);
        }
        smallest = Some(l);
    }
    smallest.ok_or_else(|| PosterError::Pdf {
        record: content.poster.record_id.clone(),
        reason: "no layout was made".to_string(),
    })
}

fn layout_at(
    content: &Content<'_>,
    engine: &mut TextEngine<'_>,
    scale: f32,
    width: f32,
    page_h: f32,
) -> Result<Layout, PosterError> {
    let header = build_header(content, engine, scale, width)?;
    let body = build_body(content, engine, scale, width)?;
    let header_h: f32 = header.iter().map(|r| r.height).sum();
    let avail = page_h - 2.0 * MARGIN - FOOTER - header_h;
    let pages = paginate(&body, avail);
    Ok(Layout {
        header,
        body,
        pages,
    })
}

// === what is printed ===

/// The poster reduced to what this machine can print.
struct Content<'p> {
    poster: &'p Poster,
    /// Poster languages whose labels the fonts can draw, poster order.
    langs: Vec<String>,
    /// Poster languages left out, with the scripts they need.
    dropped: Vec<(String, Vec<&'static str>)>,
    /// Use `value_en` for facts: the first poster language was left out.
    english_values: bool,
    missing: Vec<&'static str>,
}

impl<'p> Content<'p> {
    fn new(poster: &'p Poster, fonts: &FontBook) -> Self {
        let mut langs = Vec::new();
        let mut dropped = Vec::new();
        let mut missing: Vec<&'static str> = Vec::new();
        for lang in &poster.languages {
            let mut scripts: Vec<&'static str> = Vec::new();
            for l in all_localized(poster).filter(|l| &l.lang == lang) {
                for s in fonts.missing_scripts(&l.text) {
                    if !scripts.contains(&s) {
                        scripts.push(s);
                    }
                }
            }
            if scripts.is_empty() || lang == "en" {
                langs.push(lang.clone());
            } else {
                for s in &scripts {
                    if !missing.contains(s) {
                        missing.push(s);
                    }
                }
                dropped.push((lang.clone(), scripts));
            }
        }
        let english_values = poster.languages.first().is_some_and(|f| !langs.contains(f));
        Content {
            poster,
            langs,
            dropped,
            english_values,
            missing,
        }
    }

    fn pick<'a>(&self, list: &'a [Localized]) -> Vec<&'a Localized> {
        list.iter()
            .filter(|l| self.langs.contains(&l.lang))
            .collect()
    }

    fn joined(&self, list: &[Localized]) -> String {
        self.pick(list)
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join(" / ")
    }
}

fn all_localized(p: &Poster) -> impl Iterator<Item = &Localized> {
    p.heading
        .iter()
        .chain(p.facts.iter().flat_map(|f| f.labels.iter()))
        .chain(&p.contact_labels)
        .chain(&p.labels.name)
        .chain(&p.labels.aliases)
        .chain(&p.labels.description)
        .chain(&p.labels.case_number)
        .chain(&p.labels.nic)
        .chain(p.status.iter().flat_map(|b| b.texts.iter()))
}

fn missing_scripts(content: &Content<'_>, body: &[Row]) -> Vec<String> {
    let mut out: Vec<String> = content.missing.iter().map(|s| s.to_string()).collect();
    for r in body {
        for s in &r.missing {
            if !out.iter().any(|o| o == s) {
                out.push((*s).to_string());
            }
        }
    }
    out
}

fn metadata(poster: &Poster, content: &Content<'_>) -> Metadata {
    let heading = content
        .pick(&poster.heading)
        .first()
        .map(|h| h.text.clone())
        .unwrap_or_else(|| "MISSING".to_string());
    let name = poster
        .names
        .first()
        .map(|n| n.latin.clone().unwrap_or_else(|| n.text.clone()))
        .unwrap_or_default();
    let title = if name.is_empty() {
        heading
    } else {
        format!("{heading}: {name}")
    };
    let g = poster.generated;
    let mut m = Metadata::new()
        .title(title)
        .creator("Homeward".to_string())
        .description(format!("Poster of record {}", poster.record_id));
    if let Some(l) = content.langs.first() {
        m = m.language(l.clone());
    }
    use chrono::Datelike;
    if let (Ok(y), Ok(mo), Ok(d)) = (
        u16::try_from(g.year()),
        u8::try_from(g.month()),
        u8::try_from(g.day()),
    ) {
        m = m.creation_date(DateTime::new(y).month(mo).day(d));
    }
    m
}

// === rows ===

/// Something drawn, relative to the top left of its row.
enum Item {
    Text {
        x: f32,
        baseline: f32,
        line: Line,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        stroke: Rgb,
    },
}

#[derive(Clone, Copy)]
enum GroupStyle {
    /// A red band (the banner).
    Red,
    /// A framed box (the contact).
    Frame,
}

/// A horizontal slab of the page: the unit of page breaks.
struct Row {
    height: f32,
    items: Vec<Item>,
    group: Option<GroupStyle>,
    /// Keep on the page of the next row (a section label).
    keep_with_next: bool,
    /// Height needed below the row's top on its page (the photo beside the names).
    reserve: f32,
    /// Scripts replaced by their transliteration in this row.
    missing: Vec<&'static str>,
}

impl Row {
    fn space(h: f32) -> Row {
        Row {
            height: h,
            items: Vec::new(),
            group: None,
            keep_with_next: false,
            reserve: 0.0,
            missing: Vec::new(),
        }
    }
}

/// Builds rows for one layout pass.
struct Rows<'e, 'f> {
    engine: &'e mut TextEngine<'f>,
    rows: Vec<Row>,
    group: Option<GroupStyle>,
}

impl<'e, 'f> Rows<'e, 'f> {
    fn new(engine: &'e mut TextEngine<'f>) -> Self {
        Rows {
            engine,
            rows: Vec::new(),
            group: None,
        }
    }

    fn space(&mut self, h: f32) {
        let mut r = Row::space(h);
        r.group = self.group;
        self.rows.push(r);
    }

    /// Sets `text` (paragraphs split at `\n`) into lines, substituting what no font draws.
    fn lines(
        &mut self,
        text: &str,
        style: Style,
        width: f32,
    ) -> Result<(Vec<Line>, Vec<&'static str>), PosterError> {
        let (text, missing) = self.engine.substitute(text);
        let mut lines = Vec::new();
        for para in text.split('\n') {
            lines.extend(self.engine.paragraph(para, style, width)?);
        }
        Ok((lines, missing))
    }

    /// One row per line of `text`, at `x` in a column `width` wide.
    fn text(&mut self, text: &str, style: Style, x: f32, width: f32) -> Result<usize, PosterError> {
        let (lines, missing) = self.lines(text, style, width)?;
        let n = lines.len();
        for (i, l) in lines.into_iter().enumerate() {
            let mut row = row_of(vec![(x, l)]);
            row.group = self.group;
            if i == 0 {
                row.missing = missing.clone();
            }
            self.rows.push(row);
        }
        Ok(n)
    }

    /// Two columns side by side, line by line.
    fn columns(
        &mut self,
        left: (&str, Style, f32, f32),
        right: (&str, Style, f32, f32),
    ) -> Result<(), PosterError> {
        let (l, lm) = self.lines(left.0, left.1, left.3)?;
        let (r, rm) = self.lines(right.0, right.1, right.3)?;
        let n = l.len().max(r.len());
        let mut l = l.into_iter();
        let mut r = r.into_iter();
        for i in 0..n {
            let mut cells = Vec::new();
            if let Some(a) = l.next() {
                cells.push((left.2, a));
            }
            if let Some(b) = r.next() {
                cells.push((right.2, b));
            }
            let mut row = row_of(cells);
            row.group = self.group;
            if i == 0 {
                row.missing = lm.iter().chain(&rm).copied().collect();
            }
            self.rows.push(row);
        }
        Ok(())
    }
}

/// A row holding lines side by side, on one baseline.
fn row_of(cells: Vec<(f32, Line)>) -> Row {
    let ascent = cells.iter().map(|(_, l)| l.ascent).fold(0.0f32, f32::max);
    let descent = cells.iter().map(|(_, l)| l.descent).fold(0.0f32, f32::max);
    let size = cells
        .iter()
        .flat_map(|(_, l)| l.pieces.iter().map(|p| p.size))
        .fold(0.0f32, f32::max);
    let items = cells
        .into_iter()
        .map(|(x, line)| Item::Text {
            x,
            baseline: ascent,
            line,
        })
        .collect();
    Row {
        height: ascent + descent + 0.06 * size,
        items,
        group: None,
        keep_with_next: false,
        reserve: 0.0,
        missing: Vec::new(),
    }
}

fn note_for(what: &str, scripts: &[&str]) -> String {
    let names: Vec<&str> = scripts.iter().map(|s| script_name(s)).collect();
    format!(
        "({what} in {} script not shown: no font for it on this server)",
        names.join(", ")
    )
}

fn build_header(
    content: &Content<'_>,
    engine: &mut TextEngine<'_>,
    s: f32,
    width: f32,
) -> Result<Vec<Row>, PosterError> {
    let mut b = Rows::new(engine);
    let Some(banner) = &content.poster.status else {
        return Ok(b.rows);
    };
    let pad = 8.0 * s;
    b.group = Some(GroupStyle::Red);
    b.space(pad);
    for t in content.pick(&banner.texts) {
        let style = Style::new(12.5 * s).bold().color(WHITE).center().dir(t.rtl);
        b.text(&t.text, style, pad, width - 2.0 * pad)?;
        b.space(2.0 * s);
    }
    b.space(pad);
    b.group = None;
    b.space(10.0 * s);
    Ok(b.rows)
}

fn build_body(
    content: &Content<'_>,
    engine: &mut TextEngine<'_>,
    s: f32,
    width: f32,
) -> Result<Vec<Row>, PosterError> {
    let poster = content.poster;
    let mut b = Rows::new(engine);

    // Heading, each language.
    for (i, h) in content.pick(&poster.heading).iter().enumerate() {
        let size = if i == 0 { 40.0 } else { 24.0 } * s;
        let style = Style::new(size)
            .bold()
            .color(if poster.status.is_some() { GREY } else { BLACK })
            .center()
            .dir(h.rtl);
        b.text(&h.text, style, 0.0, width)?;
    }
    for (lang, scripts) in &content.dropped {
        let note = note_for(&format!("labels of language `{lang}`"), scripts);
        b.text(&note, Style::new(7.5 * s).color(GREY).center(), 0.0, width)?;
    }
    b.space(10.0 * s);

    // Photo box and names beside it.
    let photo_w = 140.0 * s;
    let photo_h = 175.0 * s;
    let col_x = photo_w + 16.0 * s;
    let col_w = width - col_x;
    let first = b.rows.len();
    let name_label = content.joined(&poster.labels.name);
    if !name_label.is_empty() {
        b.text(
            &name_label,
            Style::new(9.5 * s).bold().color(GREY),
            col_x,
            col_w,
        )?;
    }
    let primary: Vec<&PosterName> = poster
        .names
        .iter()
        .filter(|n| n.role == NameRole::Primary)
        .collect();
    for n in &primary {
        name_rows(&mut b, n, 24.0 * s, Some(16.0 * s), col_x, col_w, s)?;
        b.space(3.0 * s);
    }
    let aliases: Vec<&PosterName> = poster
        .names
        .iter()
        .filter(|n| n.role != NameRole::Primary)
        .collect();
    if !aliases.is_empty() {
        b.space(4.0 * s);
        let label = content.joined(&poster.labels.aliases);
        b.text(&label, Style::new(9.5 * s).bold().color(GREY), col_x, col_w)?;
        for n in aliases {
            name_rows(&mut b, n, 13.0 * s, None, col_x, col_w, s)?;
        }
    }
    if b.rows.len() == first {
        b.text("—", Style::new(24.0 * s), col_x, col_w)?;
    }
    let names_h: f32 = b.rows[first..].iter().map(|r| r.height).sum();
    let (photo_items, url_below) = photo_box(&mut b, poster, photo_w, photo_h, s)?;
    if let Some(row) = b.rows.get_mut(first) {
        row.items.extend(photo_items);
        row.reserve = photo_h;
    }
    b.space((photo_h - names_h).max(0.0) + 6.0 * s);
    if let Some(url) = url_below {
        b.text(&url, Style::new(6.5 * s).color(GREY), 0.0, width)?;
    }
    b.space(8.0 * s);

    // Facts, two columns.
    let label_w = 0.47 * width;
    let value_x = 0.5 * width;
    let value_w = width - value_x;
    for f in &poster.facts {
        let label = content.joined(&f.labels);
        let value = if content.english_values {
            &f.value_en
        } else {
            &f.value
        };
        let label_style = Style::new(9.5 * s).bold().color(GREY).dir(false);
        b.columns(
            (&label, label_style, 0.0, label_w),
            (value, Style::new(12.0 * s), value_x, value_w),
        )?;
        b.space(4.0 * s);
    }

    // Description.
    if !poster.description.is_empty() {
        b.space(8.0 * s);
        let label = content.joined(&poster.labels.description);
        b.text(&label, Style::new(10.0 * s).bold().color(GREY), 0.0, width)?;
        if let Some(r) = b.rows.last_mut() {
            r.keep_with_next = true;
        }
        for d in &poster.description {
            let scripts = b.engine.fonts.missing_scripts(&d.text);
            if !scripts.is_empty() {
                let note = note_for("text", &scripts);
                b.text(&note, Style::new(7.5 * s).color(GREY), 0.0, width)?;
            }
            b.text(&d.text, Style::new(11.5 * s).dir(d.rtl), 0.0, width)?;
            b.space(5.0 * s);
        }
    }

    // Contact box.
    b.space(10.0 * s);
    let pad = 10.0 * s;
    let inner = width - 2.0 * pad;
    b.group = Some(GroupStyle::Frame);
    b.space(pad);
    for l in content.pick(&poster.contact_labels) {
        b.text(
            &l.text,
            Style::new(11.0 * s).bold().color(RED).dir(l.rtl),
            pad,
            inner,
        )?;
    }
    b.space(4.0 * s);
    let c = &poster.contact;
    if let Some(a) = &c.agency_name {
        b.text(a, Style::new(15.0 * s).bold(), pad, inner)?;
    }
    if let Some(p) = &c.phone {
        b.text(p, Style::new(20.0 * s).bold(), pad, inner)?;
    }
    if let Some(o) = &c.ori {
        b.text(&format!("ORI: {o}"), Style::new(10.0 * s), pad, inner)?;
    }
    if let Some(n) = &c.case_number {
        let label = content.joined(&poster.labels.case_number);
        b.text(&format!("{label}: {n}"), Style::new(10.0 * s), pad, inner)?;
    }
    if let Some(n) = &c.nic {
        let label = content.joined(&poster.labels.nic);
        b.text(&format!("{label}: {n}"), Style::new(10.0 * s), pad, inner)?;
    }
    b.space(pad);
    b.group = None;
    Ok(b.rows)
}

/// The rows of one name: in its script (or, without a font for it, its Latin form and a note),
/// then its Latin form.
fn name_rows(
    b: &mut Rows<'_, '_>,
    n: &PosterName,
    size: f32,
    latin_size: Option<f32>,
    x: f32,
    width: f32,
    s: f32,
) -> Result<(), PosterError> {
    let scripts = b.engine.fonts.missing_scripts(&n.text);
    let bold = latin_size.is_some();
    let style = |sz: f32| {
        let st = Style::new(sz);
        if bold { st.bold() } else { st }
    };
    if scripts.is_empty() {
        match (latin_size, &n.latin) {
            (Some(ls), Some(latin)) => {
                b.text(&n.text, style(size).dir(n.rtl), x, width)?;
                b.text(latin, Style::new(ls), x, width)?;
            }
            (None, Some(latin)) => {
                b.text(
                    &format!("{} ({latin})", n.text),
                    style(size).dir(false),
                    x,
                    width,
                )?;
            }
            (_, None) => {
                b.text(&n.text, style(size).dir(n.rtl), x, width)?;
            }
        }
    } else {
        let latin = n
            .latin
            .clone()
            .unwrap_or_else(|| homeward_schemas::translit::to_latin(&n.text));
        b.text(&latin, style(size), x, width)?;
        let note = note_for("name", &scripts);
        b.text(&note, Style::new(7.5 * s).color(GREY), x, width)?;
        if let Some(r) = b.rows.last_mut() {
            for sc in scripts {
                if !r.missing.contains(&sc) {
                    r.missing.push(sc);
                }
            }
        }
    }
    Ok(())
}

/// The framed photo box: the gateway never fetches images, so it names the photo. Returns
/// the box and, when the URL does not fit in it, the text to print below the block instead.
fn photo_box(
    b: &mut Rows<'_, '_>,
    poster: &Poster,
    w: f32,
    h: f32,
    s: f32,
) -> Result<(Vec<Item>, Option<String>), PosterError> {
    let mut items = vec![Item::Rect {
        x: 0.0,
        y: 0.0,
        w,
        h,
        stroke: GREY,
    }];
    let pad = 6.0 * s;
    let inner = w - 2.0 * pad;
    let (title, _) = b.lines(
        "Photo",
        Style::new(14.0 * s).bold().color(GREY).center(),
        inner,
    )?;
    let detail = match &poster.photo {
        Some(p) => p.url.clone(),
        None => "no photo on file".to_string(),
    };
    let (small, _) = b.lines(&detail, Style::new(6.5 * s).color(GREY).center(), inner)?;
    let start = h * 0.38;
    let needed: f32 = title.iter().chain(&small).map(Line::height).sum();
    let (lines, below) = if start + needed <= h - pad {
        (title.into_iter().chain(small).collect::<Vec<_>>(), None)
    } else {
        (title, Some(format!("Photo: {detail}")))
    };
    let mut y = start;
    for l in lines {
        let baseline = y + l.ascent;
        y += l.height();
        items.push(Item::Text {
            x: pad,
            baseline,
            line: l,
        });
    }
    Ok((items, below))
}

// === pages ===

/// Cuts rows into pages `avail` high: (row index, y from the top of the body) per page.
fn paginate(rows: &[Row], avail: f32) -> Vec<Vec<(usize, f32)>> {
    let mut pages: Vec<Vec<(usize, f32)>> = Vec::new();
    let mut cur: Vec<(usize, f32)> = Vec::new();
    let mut y = 0.0f32;
    for (i, row) in rows.iter().enumerate() {
        let mut need = row.height.max(row.reserve);
        if row.keep_with_next
            && let Some(next) = rows.get(i + 1)
        {
            need += next.height;
        }
        let blank = row.items.is_empty() && row.group.is_none();
        if y + need > avail + 0.01 && !cur.is_empty() {
            pages.push(std::mem::take(&mut cur));
            y = 0.0;
            if blank {
                // No spacing at the top of a page.
                continue;
            }
        }
        cur.push((i, y));
        y += row.height;
    }
    if !cur.is_empty() || pages.is_empty() {
        pages.push(cur);
    }
    pages
}

fn color(c: Rgb) -> rgb::Color {
    rgb::Color::new(c.0, c.1, c.2)
}

fn draw_rows(
    surface: &mut Surface<'_>,
    rows: &[Row],
    placed: &[(usize, f32)],
    x0: f32,
    y0: f32,
    width: f32,
) {
    // Group backgrounds and frames first, one per run of rows of a group on this page.
    let mut runs: Vec<(GroupStyle, f32, f32)> = Vec::new();
    let mut open: Option<(GroupStyle, f32, f32)> = None;
    for &(i, y) in placed {
        let Some(row) = rows.get(i) else { continue };
        match (row.group, open.as_mut()) {
            (Some(g), Some((og, _, bottom))) if same_group(g, *og) => *bottom = y + row.height,
            (g, _) => {
                if let Some(o) = open.take() {
                    runs.push(o);
                }
                open = g.map(|g| (g, y, y + row.height));
            }
        }
    }
    if let Some(o) = open.take() {
        runs.push(o);
    }
    for (g, top, bottom) in runs {
        let Some(rect) = Rect::from_xywh(x0, y0 + top, width, bottom - top) else {
            continue;
        };
        let mut pb = PathBuilder::new();
        pb.push_rect(rect);
        let Some(path) = pb.finish() else { continue };
        match g {
            GroupStyle::Red => {
                surface.set_stroke(None);
                surface.set_fill(Some(fill(RED)));
            }
            GroupStyle::Frame => {
                surface.set_fill(None);
                surface.set_stroke(Some(stroke(RED, 2.0)));
            }
        }
        surface.draw_path(&path);
    }
    for &(i, y) in placed {
        let Some(row) = rows.get(i) else { continue };
        for item in &row.items {
            match item {
                Item::Text { x, baseline, line } => {
                    draw_line(surface, line, x0 + x, y0 + y + baseline);
                }
                Item::Rect {
                    x,
                    y: ry,
                    w,
                    h,
                    stroke: c,
                } => {
                    let Some(rect) = Rect::from_xywh(x0 + x, y0 + y + ry, *w, *h) else {
                        continue;
                    };
                    let mut pb = PathBuilder::new();
                    pb.push_rect(rect);
                    if let Some(path) = pb.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(stroke(*c, 1.0)));
                        surface.draw_path(&path);
                    }
                }
            }
        }
    }
}

fn same_group(a: GroupStyle, b: GroupStyle) -> bool {
    matches!(
        (a, b),
        (GroupStyle::Red, GroupStyle::Red) | (GroupStyle::Frame, GroupStyle::Frame)
    )
}

fn fill(c: Rgb) -> Fill {
    Fill {
        paint: color(c).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn stroke(c: Rgb, width: f32) -> Stroke {
    Stroke {
        paint: color(c).into(),
        width,
        ..Stroke::default()
    }
}

fn draw_line(surface: &mut Surface<'_>, line: &Line, x: f32, baseline: f32) {
    surface.set_stroke(None);
    surface.set_fill(Some(fill(line.color)));
    for p in &line.pieces {
        surface.draw_glyphs(
            Point::from_xy(x + line.x + p.x, baseline),
            p.glyphs.as_slice(),
            p.face.font.clone(),
            &p.text,
            p.size,
            false,
        );
    }
}
