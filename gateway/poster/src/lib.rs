//! Printable "missing person" posters.
//!
//! Two halves:
//!
//! - [`Poster::from_record`]: the poster as plain, serialisable data, every word already in
//!   the poster's languages, for any renderer (the console lays it out as HTML).
//! - [`render_pdf`]: the poster as a one-page PDF (more pages only when it cannot fit), with
//!   text shaped for every script a font on the machine covers ([`FontBook`]).
//!
//! # Languages
//!
//! A poster is written in the languages its record carries, then English:
//!
//! 1. the `lang` of each name and of each public free text (BCP 47, reduced to the primary
//!    subtag; `zh-Hant`/`zh-TW`/`zh-HK` kept apart as `zh-Hant`), in the order they appear;
//! 2. for a name without `lang`, the language its script implies (`Cyrl` → `ru`, `Arab` →
//!    `ar`, `Deva` → `hi`, `Hani` → `zh`, `Hebr` → `he`, `Grek` → `el`, ...), but only when no
//!    stated language of the record is written in that script (a Cyrillic name in a record
//!    that says `uk` elsewhere is not taken for Russian);
//! 3. English, always, last.
//!
//! Languages with a label table ([`labels`]: `en es fr pt de ru uk zh hi ar`) become
//! `Poster::languages`; the others are listed in `Poster::untranslated` and the poster speaks
//! English for them.
//!
//! # What goes on a poster, and what never does
//!
//! A poster is public. From the record it takes: names (primary, then aliases and alternate
//! names) with their Latin forms, the primary photo *by reference* (URL, digest, type: the
//! gateway never fetches images), date of birth, ages, sex, height, weight, eye and hair
//! colour, scars/marks/tattoos, date and place last seen (name, city, region, country: no
//! street or postal code), the holding agency (name, ORI, a phone number), case number and NIC.
//!
//! Free texts, by kind ([`homeward_schemas::TextKind`]):
//!
//! | kind | on the poster | why |
//! |---|---|---|
//! | `description` (PFIF `description`, `gmcn:description`) | yes | written for the public |
//! | `circumstances` (XML `j:MissingPersonCircumstanceText`) | yes | the circumstances published with a case |
//! | `remarks` (NCIC `MIS`) | **no** | NCIC remarks are for law enforcement: they can carry investigative detail |
//!
//! Never on a poster: dental data and X-ray flags, blood type, fingerprints and DNA
//! availability, body-part status, circumcision, caution and medical condition codes (NCIC
//! `CMC`), identifying numbers (passport, SSN...), jewellery, race and ethnicity, home address,
//! PFIF notes, provenance other than the phone, linked records and `extra` (except an agency
//! telephone number stored there).
//!
//! The phone is an agency telephone number the partner sent (an `extra` entry whose key names
//! both an agency/organisation/contact and a phone), else the PFIF record author's phone,
//! which PFIF publishes with the record as its contact.
//!
//! # Values
//!
//! Numbers and dates are language-neutral: ISO dates as the record has them (partial dates
//! stay partial: `2009-05`), ages as ranges when the dates are partial (`14–15`), heights and
//! weights in metric then imperial (`178 cm (5 ft 10 in)`, `70 kg (154 lb)`, exact
//! conversions of `homeward_schemas::units`, rounded to the centimetre, inch, kilogram and
//! pound). Sex, eye and hair colour are in the first poster language with English in
//! parentheses (`карие (brown)`). Marks are in English (`Tattoo, left arm: ROSE`; the text
//! as the partner wrote it), one per line.
//!
//! A record that is not active carries a [`Banner`] in every poster language ("NOT ACTIVE —
//! this person was located on 2025-02-01: do not distribute"), so a printed poster of a found
//! child is never taken for a live one. Expired records and records past their expiry date
//! are refused ([`PosterError::Expired`]); so are unidentified and unclaimed records
//! ([`PosterError::NotMissing`]).
//!
//! # Fonts
//!
//! [`FontBook::system`] reads the faces under `/usr/share/fonts`, `/usr/local/share/fonts`,
//! `~/.fonts` and `~/.local/share/fonts`; [`FontBook::from_dirs`] reads configured
//! directories. Each run of text is drawn with the preferred face that has all its
//! characters (script-specific Noto Sans, Noto Sans, DejaVu Sans, then anything; bold for
//! headings and names where the family has it). Text no face covers is never drawn as
//! `.notdef` boxes: a name is printed in its Latin form with a note "(name in Han script not
//! shown: no font for it on this server)", a free text in transliteration with the same kind
//! of note, and a poster language whose labels cannot be drawn is left out of the PDF (English
//! remains); [`RenderedPdf::missing_scripts`] lists the scripts concerned. On Debian,
//! `fonts-noto-core` covers Latin, Cyrillic, Greek, Arabic, Hebrew, Devanagari and most other
//! scripts; Chinese, Japanese and Korean need `fonts-noto-cjk`.
//!
//! # Cost
//!
//! Measured once on a 2-core x86_64 VM (AMD EPYC), release build, with `fonts-dejavu-core` and
//! `fonts-noto-core` installed (306 faces): [`FontBook::system`] takes about 150 ms (it reads
//! every face's character map once), and rendering the four-script test poster (Latin,
//! Cyrillic, Arabic, Devanagari names; four poster languages; one page, 68 KB) about 20 ms,
//! the first render included (it loads the faces it uses). In a debug build: about 0.55 s and
//! 0.3 s. Build one book per process and share it: it is `Send + Sync`, and caches the faces
//! it has loaded.

mod error;
mod fonts;
pub mod labels;
mod model;
mod pdf;

pub use error::PosterError;
pub use fonts::FontBook;
pub use homeward_schemas::{NameRole, Status};
pub use model::{Banner, Contact, Fact, Localized, PhotoRef, Poster, PosterName, SectionLabels};
pub use pdf::{Paper, RenderedPdf, render_pdf};
