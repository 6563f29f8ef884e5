//! Tests of the PDF. They render with the fonts of the machine and read the text back with
//! `pdftotext` (poppler-utils), asserting on a script's text when a font covers it and on
//! `missing_scripts` when none does. Every name and case here is synthetic.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

use chrono::NaiveDate;
use homeward_schemas::{
    Agency, EyeColor, HairColor, Kind, LatinName, Mark, MarkKind, Name, NameRole, PartialDate,
    Place, Range, Record, Sex, Side, Status, StatusEvent, Text, TextKind,
};

use super::text::{Style, TextEngine};
use super::*;

const CYRILLIC: &str = "Анна Петрова";
const ARABIC: &str = "آنا بتروفا";
const DEVANAGARI: &str = "अन्ना पेत्रोवा";

fn system() -> &'static FontBook {
    static BOOK: OnceLock<FontBook> = OnceLock::new();
    BOOK.get_or_init(|| {
        let started = Instant::now();
        let book = FontBook::system();
        eprintln!(
            "FontBook::system(): {} faces in {:?}",
            book.len(),
            started.elapsed()
        );
        book
    })
}

/// The poster rendered with the machine's fonts; `None` (after checking the refusal) on a
/// machine without any font.
fn render(poster: &Poster, paper: Paper) -> Option<RenderedPdf> {
    let fonts = system();
    match render_pdf(poster, fonts, paper) {
        Ok(pdf) => Some(pdf),
        Err(PosterError::NoFonts { .. }) if !fonts.covers("Aa09 ") => {
            eprintln!("no font on this machine: only the refusal was checked");
            None
        }
        Err(e) => panic!("{e}"),
    }
}

fn today() -> NaiveDate {
    "2026-12-07".parse().unwrap()
}

fn date(s: &str) -> PartialDate {
    s.parse().unwrap()
}

/// A child missing in Texas whose names are on file in four scripts.
fn four_scripts() -> Record {
    let mut r = Record::new(Kind::Missing, "TX0101300", "M000000123");
    r.names.push(Name {
        full: Some(CYRILLIC.into()),
        lang: Some("ru".into()),
        latin: Some(LatinName {
            full: Some("Anna Petrova".into()),
            ..LatinName::default()
        }),
        ..Name::default()
    });
    r.names.push(Name {
        role: NameRole::Alias,
        full: Some(ARABIC.into()),
        lang: Some("ar".into()),
        ..Name::default()
    });
    r.names.push(Name {
        role: NameRole::Alternate,
        full: Some(DEVANAGARI.into()),
        lang: Some("hi".into()),
        ..Name::default()
    });
    r.names.push(Name {
        role: NameRole::Alias,
        full: Some("Annie Petrov".into()),
        ..Name::default()
    });
    r.complete_names();
    r.sex = Some(Sex::Female);
    r.birth_dates.push(date("2011-03-12"));
    r.last_contact = Some(date("2025-01-02"));
    r.height_cm = Some(Range::exact(178.0));
    r.weight_kg = Some(Range::exact(70.0));
    r.eye = Some(EyeColor::Brown);
    r.hair = Some(HairColor::Blond);
    r.marks.push(Mark {
        kind: MarkKind::Scar,
        side: Some(Side::Right),
        part: "HND".into(),
        text: None,
    });
    r.last_seen = Some(Place {
        city: Some("Austin".into()),
        region: Some("US-TX".into()),
        country: Some("US".into()),
        ..Place::default()
    });
    r.agency = Agency {
        ori: Some("TX0101300".into()),
        name: Some("Example County Sheriff".into()),
        ..Agency::default()
    };
    r.provenance.author_phone = Some("+1 555 0100".into());
    r.case_number = Some("24-001234".into());
    r.nic = Some("M000000123".into());
    r.texts.push(Text {
        kind: TextKind::Description,
        lang: Some("en".into()),
        text: "Last seen wearing a red hoodie and white sneakers near the library.".into(),
    });
    r
}

/// With `POSTER_OUT=DIR`, tests leave their PDFs there to be looked at.
fn keep(name: &str, bytes: &[u8]) {
    if let Some(dir) = std::env::var_os("POSTER_OUT") {
        let _ = std::fs::write(Path::new(&dir).join(name), bytes);
    }
}

fn pdftotext(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("poster.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("pdftotext")
        .arg("-enc")
        .arg("UTF-8")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) must be installed: apt-get install -y poppler-utils");
    assert!(
        out.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn has_range(text: &str, lo: u32, hi: u32) -> usize {
    text.chars()
        .filter(|c| (lo..=hi).contains(&(*c as u32)))
        .count()
}

/// The text with all whitespace collapsed, so lines broken by the layout still match.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn four_script_poster_has_searchable_text() {
    let fonts = system();
    let poster = Poster::from_record(&four_scripts(), today()).unwrap();
    assert_eq!(poster.languages, ["ru", "ar", "hi", "en"]);
    let started = Instant::now();
    let Some(pdf) = render(&poster, Paper::Auto) else {
        return;
    };
    let first = started.elapsed();
    let started = Instant::now();
    let again = render(&poster, Paper::Auto).unwrap();
    assert_eq!(again.bytes, pdf.bytes, "rendering is deterministic");
    eprintln!(
        "four-script poster: first render {first:?} (loads the faces), again {:?}",
        started.elapsed()
    );
    eprintln!(
        "four-script poster: {} bytes, {} page(s), rendered in {:?} ({} faces)",
        pdf.bytes.len(),
        pdf.pages,
        started.elapsed(),
        fonts.len()
    );
    keep("four-scripts.pdf", &pdf.bytes);
    assert!(pdf.bytes.starts_with(b"%PDF-"));
    assert_eq!(pdf.paper, Paper::Letter);
    assert_eq!(pdf.pages, 1);
    let text = pdftotext(&pdf.bytes);
    let flat = flat(&text);
    for expected in [
        "MISSING CHILD",
        "Anna Petrova",
        CYRILLIC,
        "ПРОПАЛ РЕБЁНОК",
        "2011-03-12",
        "178 cm (5 ft 10 in)",
        "70 kg (154 lb)",
        "Austin, TX, US",
        "Example County Sheriff",
        "+1 555 0100",
        "24-001234",
        "M000000123",
        "Scar, right hand",
        "red hoodie",
        "Record TX0101300/M000000123",
        "Photo",
        "no photo on file",
    ] {
        assert!(flat.contains(expected), "`{expected}` not in:\n{text}");
    }
    // Age at disappearance 13, now 15.
    assert!(flat.contains("Age at disappearance"), "{text}");

    for (script, sample, lo, hi) in [
        ("Arab", ARABIC, 0x0600, 0x06FF),
        ("Deva", DEVANAGARI, 0x0900, 0x097F),
    ] {
        if fonts.covers(sample) {
            assert!(
                !pdf.missing_scripts.iter().any(|s| s == script),
                "{script} is covered but reported missing"
            );
            assert!(
                has_range(&text, lo, hi) >= 4,
                "no {script} text extracted:\n{text}"
            );
        } else {
            assert!(
                pdf.missing_scripts.iter().any(|s| s == script),
                "{script} has no font but is not reported: {:?}",
                pdf.missing_scripts
            );
            assert!(
                flat.contains("script not shown: no font for it on this server"),
                "{text}"
            );
        }
    }
}

#[test]
fn scripts_use_their_noto_faces_when_installed() {
    let fonts = system();
    let families = fonts.families();
    if families.iter().any(|f| f == "Noto Sans Arabic") {
        assert_eq!(fonts.family_for(ARABIC, false), Some("Noto Sans Arabic"));
    }
    if families.iter().any(|f| f == "Noto Sans Devanagari") {
        assert_eq!(
            fonts.family_for(DEVANAGARI, true),
            Some("Noto Sans Devanagari")
        );
    }
    if families.iter().any(|f| f == "Noto Sans") {
        assert_eq!(fonts.family_for(CYRILLIC, true), Some("Noto Sans"));
    } else if !fonts.is_empty() {
        assert!(fonts.family_for("Anna", false).is_some());
    }
}

#[test]
fn no_notdef_glyph_is_ever_drawn() {
    let fonts = system();
    if fonts.is_empty() {
        assert!(!fonts.covers("A"));
        return;
    }
    let mut engine = TextEngine::new(fonts);
    for sample in [
        CYRILLIC,
        ARABIC,
        DEVANAGARI,
        "Anna Petrova — 2011-03-12 (5 ft 10 in)",
        "لم يعد سارياً — تم العثور على هذا الشخص في 2026-02-01: يُرجى عدم النشر",
        "王小明",
        "tab\there\u{1}and a control",
    ] {
        let (text, missing) = engine.substitute(sample);
        let lines = engine.paragraph(&text, Style::new(12.0), 400.0).unwrap();
        assert!(!lines.is_empty());
        for l in &lines {
            assert!(l.width <= 400.0 + 0.01, "{} is {} wide", l.text, l.width);
            for p in &l.pieces {
                assert!(
                    p.glyphs.iter().all(|g| g.glyph_id.to_u32() != 0),
                    ".notdef in `{}` ({})",
                    p.text,
                    fonts.family_of(p.face.key)
                );
            }
        }
        assert_eq!(missing.is_empty(), fonts.covers(sample), "{sample}");
    }
}

#[test]
fn han_name_without_a_font_is_printed_in_latin_with_a_note() {
    let fonts = system();
    let mut r = Record::new(Kind::Missing, "partner.example.cn", "cn-88");
    r.names.push(Name {
        full: Some("王小明".into()),
        lang: Some("zh".into()),
        ..Name::default()
    });
    r.complete_names();
    r.sex = Some(Sex::Male);
    let poster = Poster::from_record(&r, today()).unwrap();
    assert_eq!(poster.languages, ["zh", "en"]);
    let Some(pdf) = render(&poster, Paper::A4) else {
        return;
    };
    keep("han.pdf", &pdf.bytes);
    assert_eq!(pdf.paper, Paper::A4);
    let text = flat(&pdftotext(&pdf.bytes));
    if fonts.covers("王小明失踪人员") {
        assert!(text.contains("王小明"), "{text}");
        assert!(text.contains("失踪人员"), "{text}");
        assert!(pdf.missing_scripts.is_empty());
    } else {
        assert_eq!(pdf.missing_scripts, ["Hani"]);
        assert!(text.contains("Wang Xiao Ming"), "{text}");
        assert!(
            text.contains("(name in Han script not shown: no font for it on this server)"),
            "{text}"
        );
        assert!(
            text.contains("If you have information, contact the police"),
            "{text}"
        );
        // The Chinese labels are left out, English stays.
        assert!(text.contains("MISSING"), "{text}");
        assert!(!text.contains("失踪"), "{text}");
    }
}

#[test]
fn located_poster_says_so_across_the_top() {
    let mut r = four_scripts();
    r.status = Status::Located;
    r.status_history.push(StatusEvent {
        status: Status::Located,
        date: Some(date("2026-02-01")),
        applied_at: None,
        reason: None,
        by: None,
        note_record_id: None,
    });
    let poster = Poster::from_record(&r, today()).unwrap();
    let Some(pdf) = render(&poster, Paper::Auto) else {
        return;
    };
    keep("located.pdf", &pdf.bytes);
    let text = flat(&pdftotext(&pdf.bytes));
    assert!(
        text.contains("NOT ACTIVE — this person was located on 2026-02-01: do not distribute"),
        "{text}"
    );
    assert!(
        text.contains("НЕАКТУАЛЬНО — этот человек найден 2026-02-01: не распространять"),
        "{text}"
    );
    // The banner comes first.
    let banner = text.find("NOT ACTIVE").unwrap();
    let heading = text.find("MISSING CHILD").unwrap();
    assert!(banner < heading);
}

#[test]
fn long_text_shrinks_then_continues_on_another_page_without_loss() {
    let mut r = four_scripts();
    r.texts.clear();
    // A little more than fits at full size: shrinks onto one page.
    r.texts.push(Text {
        kind: TextKind::Circumstances,
        lang: Some("en".into()),
        text: "She was last seen leaving the library by the north door. ".repeat(14),
    });
    let poster = Poster::from_record(&r, today()).unwrap();
    let Some(pdf) = render(&poster, Paper::Letter) else {
        return;
    };
    assert_eq!(pdf.pages, 1);

    // Far more than fits: continues on further pages, and every paragraph is there.
    r.texts.clear();
    for i in 0..40 {
        r.texts.push(Text {
            kind: TextKind::Description,
            lang: Some("en".into()),
            text: format!(
                "Paragraph marker{i:02}: a long synthetic description that goes on to fill \
                 the page with words about clothes, places and times."
            ),
        });
    }
    let poster = Poster::from_record(&r, today()).unwrap();
    let Some(pdf) = render(&poster, Paper::Letter) else {
        return;
    };
    keep("long.pdf", &pdf.bytes);
    assert!(pdf.pages >= 2, "{} pages", pdf.pages);
    let text = flat(&pdftotext(&pdf.bytes));
    for i in 0..40 {
        assert!(text.contains(&format!("marker{i:02}")), "marker{i:02} lost");
    }
    assert!(text.contains(&format!("page {} of {}", pdf.pages, pdf.pages)));
    assert!(text.contains("Example County Sheriff"));
}

#[test]
fn a_long_photo_url_is_printed_whole() {
    let mut r = four_scripts();
    let url = format!(
        "https://photos.example.org/cases/{}/primary.jpg",
        "segment-".repeat(60)
    );
    r.photos.push(homeward_schemas::Photo {
        url: url.clone(),
        primary: true,
        ..homeward_schemas::Photo::default()
    });
    let poster = Poster::from_record(&r, today()).unwrap();
    let Some(pdf) = render(&poster, Paper::Auto) else {
        return;
    };
    keep("long-url.pdf", &pdf.bytes);
    let text: String = pdftotext(&pdf.bytes)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert!(text.contains(&url), "{text}");
}

#[test]
fn paper_follows_the_country_of_the_case() {
    assert_eq!(Paper::Auto.resolve(Some("US")), Paper::Letter);
    assert_eq!(Paper::Auto.resolve(Some("ca")), Paper::Letter);
    assert_eq!(Paper::Auto.resolve(Some("RU")), Paper::A4);
    assert_eq!(Paper::Auto.resolve(None), Paper::A4);
    assert_eq!(Paper::A4.resolve(Some("US")), Paper::A4);
    let mut r = four_scripts();
    r.last_seen = None;
    r.agency.country = Some("MX".into());
    let poster = Poster::from_record(&r, today()).unwrap();
    let Some(pdf) = render(&poster, Paper::Auto) else {
        return;
    };
    assert_eq!(pdf.paper, Paper::A4);
}

fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let p = entry.path();
        if p.is_dir() {
            if let Some(f) = find_file(&p, name) {
                return Some(f);
            }
        } else if p.file_name().is_some_and(|n| n == name) {
            return Some(p);
        }
    }
    None
}

#[test]
fn configured_dirs_limit_the_fonts() {
    let missing = FontBook::from_dirs(&[PathBuf::from("/nonexistent/fonts")]);
    assert!(matches!(missing, Err(PosterError::FontDir { .. })));

    let empty = tempfile::tempdir().unwrap();
    let book = FontBook::from_dirs(&[empty.path().to_path_buf()]).unwrap();
    assert!(book.is_empty());
    let poster = Poster::from_record(&four_scripts(), today()).unwrap();
    let err = render_pdf(&poster, &book, Paper::Auto).unwrap_err();
    assert!(matches!(err, PosterError::NoFonts { .. }), "{err}");

    // DejaVu Sans alone: Latin, Cyrillic and Arabic, no Devanagari.
    let Some(dejavu) = find_file(Path::new("/usr/share/fonts"), "DejaVuSans.ttf") else {
        eprintln!("DejaVuSans.ttf not installed: only the empty-directory case was checked");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&dejavu, dir.path().join("DejaVuSans.ttf")).unwrap();
    let book = FontBook::from_dirs(&[dir.path().to_path_buf()]).unwrap();
    assert_eq!(book.families(), ["DejaVu Sans"]);
    let pdf = render_pdf(&poster, &book, Paper::Auto).unwrap();
    assert!(pdf.missing_scripts.iter().any(|s| s == "Deva"));
    let text = flat(&pdftotext(&pdf.bytes));
    assert!(text.contains(CYRILLIC), "{text}");
    assert!(
        text.contains("(name in Devanagari script not shown: no font for it on this server)"),
        "{text}"
    );
    assert!(!text.contains("लापता"), "{text}");
    assert_eq!(has_range(&text, 0x0900, 0x097F), 0, "{text}");
}

#[test]
fn font_book_is_shareable() {
    fn shareable<T: Send + Sync>() {}
    shareable::<FontBook>();
    shareable::<Poster>();
}

#[test]
fn arabic_banner_keeps_its_date_left_to_right() {
    let fonts = system();
    let mut engine = TextEngine::new(fonts);
    let banner = crate::labels::AR
        .banner_text(Status::Located, Some("2026-02-01"))
        .unwrap();
    if !fonts.covers(&banner) {
        assert!(!fonts.missing_scripts(&banner).is_empty());
        return;
    }
    let lines = engine
        .paragraph(&banner, Style::new(12.0).dir(true), 1000.0)
        .unwrap();
    assert_eq!(lines.len(), 1);
    let mut pieces: Vec<_> = lines[0].pieces.iter().collect();
    pieces.sort_by(|a, b| a.x.total_cmp(&b.x));
    let digits: String = pieces
        .iter()
        .map(|p| p.text.to_string())
        .filter(|t| t.chars().any(|c| c.is_ascii_digit()))
        .collect();
    assert!(digits.contains("2026-02-01"), "{digits}");
    // Visually, the Arabic text starts at the right: its first words are the last piece.
    let last = pieces.last().unwrap();
    assert!(last.text.starts_with("لم"), "{}", last.text);
    if fonts.families().iter().any(|f| f == "Noto Sans Arabic") {
        for p in pieces.iter().filter(|p| super::text::has_arabic(&p.text)) {
            assert_eq!(fonts.family_of(p.face.key), "Noto Sans Arabic");
        }
    }
}
