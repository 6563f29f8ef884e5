//! Scripts and Latin transliteration of names.
//!
//! A name keeps the script it was written in; its Latin form is the partner's own
//! transliteration when one was sent, and otherwise computed here ([`to_latin`]): diacritics
//! of Latin, Greek and Cyrillic letters removed, Devanagari and Arabic by small romanisers of
//! their own (the inherent vowel and schwa deletion; long vowels and the article), anything
//! else by `any_ascii` (Cyrillic, Han in pinyin without tones, Hangul...).

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// ISO 15924 code of the script most letters of `s` are written in (`Latn`, `Cyrl`, `Arab`,
/// `Hani`, `Deva`, ...); `Zyyy` (common) when `s` has no letters.
pub fn detect_script(s: &str) -> &'static str {
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for c in s.chars().filter(|c| c.is_alphabetic()) {
        let script = script_of(c);
        match counts.iter_mut().find(|(k, _)| *k == script) {
            Some((_, n)) => *n += 1,
            None => counts.push((script, 1)),
        }
    }
    counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(k, _)| k)
        .unwrap_or("Zyyy")
}

fn script_of(c: char) -> &'static str {
    match c as u32 {
        0x0000..=0x024F | 0x1E00..=0x1EFF | 0x2C60..=0x2C7F | 0xA720..=0xA7FF => "Latn",
        0x0370..=0x03FF | 0x1F00..=0x1FFF => "Grek",
        0x0400..=0x052F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => "Cyrl",
        0x0530..=0x058F => "Armn",
        0x0590..=0x05FF => "Hebr",
        0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => {
            "Arab"
        }
        0x0900..=0x097F => "Deva",
        0x0980..=0x09FF => "Beng",
        0x0A00..=0x0A7F => "Guru",
        0x0A80..=0x0AFF => "Gujr",
        0x0B80..=0x0BFF => "Taml",
        0x0C00..=0x0C7F => "Telu",
        0x0C80..=0x0CFF => "Knda",
        0x0D00..=0x0D7F => "Mlym",
        0x0E00..=0x0E7F => "Thai",
        0x10A0..=0x10FF => "Geor",
        0x1100..=0x11FF | 0xAC00..=0xD7AF | 0x3130..=0x318F => "Hang",
        0x1200..=0x139F => "Ethi",
        0x3040..=0x309F => "Hira",
        0x30A0..=0x30FF => "Kana",
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F => "Hani",
        _ => "Zyyy",
    }
}

/// Whether `s` is written in Latin letters only (with any punctuation, digits and spaces).
pub fn is_latin(s: &str) -> bool {
    s.chars()
        .filter(|c| c.is_alphabetic())
        .all(|c| script_of(c) == "Latn")
}

/// The Latin transliteration of `s`, as people write such names in Latin letters. Spaces are
/// collapsed and the result trimmed; case is kept where the script has case, and words of
/// scripts without case are capitalised.
///
/// - Latin, Greek and Cyrillic: Unicode NFKD with the diacritics of their letters removed
///   (`José` → `Jose`, `Андрей` → `Andrei`), then `any_ascii` (`Захарова` → `Zakharova`).
/// - Devanagari: a romanisation of Hindi names ([`devanagari`]): the inherent vowel, Hindi
///   schwa deletion, anusvara, the usual Latin spellings (`नेहा मंडल` → `Neha Mandal`,
///   `राहुल शर्मा` → `Rahul Sharma`).
/// - Arabic: the consonant skeleton with the long vowels and the usual conventions for the
///   article, `ta marbuta`, `ayn` and `abd al-` ([`arabic`]): `فاطمة` → `Fatma`,
///   `محمد` → `Mhmd`.
/// - Anything else (Han, Hangul, Thai, ...): `any_ascii` on NFKD, combining marks kept (a Han
///   syllable is its own capitalised word: `北京` → `Bei Jing`).
pub fn to_latin(s: &str) -> String {
    let chars: Vec<char> = s.nfkc().collect();
    let mut out = String::with_capacity(s.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        match script_of(chars[i]) {
            "Deva" => {
                let j = run_end(&chars, i, "Deva");
                devanagari::romanise(&chars[i..j], &mut out);
                i = j;
            }
            "Arab" => {
                let j = run_end(&chars, i, "Arab");
                arabic::romanise(&chars[i..j], &mut out);
                i = j;
            }
            _ => {
                other(chars[i], &mut out);
                i += 1;
            }
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where a run of `script` starting at `i` ends: its letters and signs, with the spaces and
/// joiners between them (an Arabic name's words are read together: `عبد الله`).
fn run_end(chars: &[char], i: usize, script: &str) -> usize {
    let mut j = i;
    let mut end = i;
    while j < chars.len() {
        let c = chars[j];
        if script_of(c) == script {
            end = j + 1;
        } else if !(c == ' ' || c == '\u{200C}' || c == '\u{200D}') {
            break;
        }
        j += 1;
    }
    end
}

/// One character of a script without a romaniser of its own.
fn other(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c);
        return;
    }
    for d in std::iter::once(c).nfkd() {
        if d.is_ascii() {
            out.push(d);
            continue;
        }
        if is_combining_mark(d)
            && (matches!(script_of(d), "Latn" | "Grek" | "Cyrl" | "Zyyy")
                || matches!(out_base_script(c), "Latn" | "Grek" | "Cyrl"))
        {
            // a diacritic of a Latin, Greek or Cyrillic letter is dropped (José, Андрей);
            // the signs of other scripts are their letters' vowels: kept
            continue;
        }
        let t = any_ascii::any_ascii_char(d);
        // Han syllables come out as separate capitalised words ("Bei"), which is what a
        // reader of a poster expects; keep a space between them.
        if !t.is_empty()
            && script_of(d) == "Hani"
            && out.chars().last().is_some_and(|p| p.is_alphabetic())
        {
            out.push(' ');
        }
        out.push_str(t);
    }
}

/// The script of the letter a (possibly precomposed) character is built on; a lone
/// combining mark (U+0300..) counts as common.
fn out_base_script(c: char) -> &'static str {
    std::iter::once(c)
        .nfkd()
        .find(|d| !is_combining_mark(*d))
        .map(script_of)
        .unwrap_or("Zyyy")
}

/// Appends `word` to `out` with its first letter upper case.
fn push_capitalised(out: &mut String, word: &str) {
    let mut cs = word.chars();
    if let Some(f) = cs.next() {
        out.push(f.to_ascii_uppercase());
        out.push_str(cs.as_str());
    }
}

pub mod devanagari {
    //! Devanagari names (Hindi, Marathi, Nepali) in the Latin letters people write them with.
    //!
    //! Each consonant carries the inherent vowel `a` unless a vowel sign or the virama
    //! (halant) follows it. Hindi drops that vowel (schwa deletion) at the end of a word
    //! (`राहुल` → `rahul`, not `rahula`), except after a conjunct (`महेन्द्र` → `mahendra`) or in a
    //! one-syllable word, and inside a word in the context vowel–consonant–_–consonant–vowel,
    //! read right to left (`विमला` → `vimla`, `यादव` → `yadav`). The anusvara is `n`, `m`
    //! before a labial and `ng` before `ह` (`सिंह` → `singh`); chandrabindu `n`, visarga `h`.
    //! Spellings are the common ones (`sh` for श and ष, `ch`, `chh`, `v`, `ksh`, `gy` for ज्ञ),
    //! long vowels written short (`ी` → `i`, `ू` → `u`: the matcher folds `ee`/`oo`).

    /// Consonants U+0915..=U+0939.
    const CONSONANTS: [&str; 37] = [
        "k", "kh", "g", "gh", "n", // क ख ग घ ङ
        "ch", "chh", "j", "jh", "n", // च छ ज झ ञ
        "t", "th", "d", "dh", "n", // ट ठ ड ढ ण
        "t", "th", "d", "dh", "n", "n", // त थ द ध न ऩ
        "p", "ph", "b", "bh", "m", // प फ ब भ म
        "y", "r", "r", "l", "l", "l", "v", // य र ऱ ल ळ ऴ व
        "sh", "sh", "s", "h", // श ष स ह
    ];

    /// Independent vowels U+0904..=U+0914.
    const VOWELS: [&str; 17] = [
        "a", "a", "a", "i", "i", "u", "u", "ri", "li", "e", "e", "e", "ai", "o", "o", "o", "au",
    ];

    /// Vowel signs U+093E..=U+094C.
    const SIGNS: [&str; 15] = [
        "a", "i", "i", "u", "u", "ri", "ri", "e", "e", "e", "ai", "o", "o", "o", "au",
    ];

    const VIRAMA: char = '\u{094D}';
    const NUKTA: char = '\u{093C}';

    fn consonant(c: char) -> Option<&'static str> {
        match c {
            '\u{0915}'..='\u{0939}' => Some(CONSONANTS[c as usize - 0x0915]),
            // with nukta, precomposed: क़ ख़ ग़ ज़ ड़ ढ़ फ़ य़
            '\u{0958}' => Some("q"),
            '\u{0959}' => Some("kh"),
            '\u{095A}' => Some("gh"),
            '\u{095B}' => Some("z"),
            '\u{095C}' => Some("r"),
            '\u{095D}' => Some("rh"),
            '\u{095E}' => Some("f"),
            '\u{095F}' => Some("y"),
            _ => None,
        }
    }

    /// A consonant followed by the nukta sign.
    fn with_nukta(lat: &'static str) -> &'static str {
        match lat {
            "k" => "q",
            "g" => "gh",
            "j" => "z",
            "d" => "r",
            "dh" => "rh",
            "ph" => "f",
            other => other,
        }
    }

    fn vowel(c: char) -> Option<&'static str> {
        match c {
            '\u{0904}'..='\u{0914}' => Some(VOWELS[c as usize - 0x0904]),
            '\u{0960}' => Some("ri"),
            '\u{0961}' => Some("li"),
            '\u{0972}' => Some("a"),
            _ => None,
        }
    }

    fn sign(c: char) -> Option<&'static str> {
        match c {
            '\u{093E}'..='\u{094C}' => Some(SIGNS[c as usize - 0x093E]),
            '\u{094E}' => Some("e"),
            '\u{094F}' => Some("au"),
            '\u{0962}' | '\u{0963}' => Some("li"),
            '\u{093A}' | '\u{093B}' => Some("e"),
            _ => None,
        }
    }

    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Vowel {
        /// The inherent `a` (dropped by schwa deletion when `keep` is false).
        Inherent {
            keep: bool,
        },
        Sign(&'static str),
        /// The virama: a consonant of a conjunct, or a word's last written without a vowel.
        None,
    }

    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Tail {
        Anusvara,
        Chandrabindu,
        Visarga,
    }

    /// One written syllable: a consonant with its vowel, or an independent vowel.
    #[derive(Clone, Copy)]
    struct Unit {
        /// The consonant's Latin letters; empty for an independent vowel.
        cons: &'static str,
        vowel: Vowel,
        tail: Option<Tail>,
    }

    impl Unit {
        fn sounds_vowel(&self) -> bool {
            match self.vowel {
                Vowel::Inherent { keep } => keep,
                Vowel::Sign(_) => true,
                Vowel::None => false,
            }
        }

        fn is_consonant(&self) -> bool {
            !self.cons.is_empty()
        }
    }

    /// Romanises a run of Devanagari (words separated by spaces) into `out`.
    pub(super) fn romanise(chars: &[char], out: &mut String) {
        let mut word: Vec<Unit> = Vec::new();
        for &c in chars {
            if let Some(lat) = consonant(c) {
                // ज्ञ is written gy (gyan), not jn
                if lat == "n"
                    && c == '\u{091E}'
                    && word
                        .last()
                        .is_some_and(|u| u.cons == "j" && u.vowel == Vowel::None)
                {
                    word.pop();
                    word.push(Unit {
                        cons: "gy",
                        vowel: Vowel::Inherent { keep: true },
                        tail: None,
                    });
                    continue;
                }
                word.push(Unit {
                    cons: lat,
                    vowel: Vowel::Inherent { keep: true },
                    tail: None,
                });
            } else if let Some(v) = vowel(c) {
                word.push(Unit {
                    cons: "",
                    vowel: Vowel::Sign(v),
                    tail: None,
                });
            } else if let Some(v) = sign(c) {
                match word.last_mut() {
                    Some(u) if u.is_consonant() && u.vowel == (Vowel::Inherent { keep: true }) => {
                        u.vowel = Vowel::Sign(v);
                    }
                    // a sign without its consonant: its vowel alone
                    _ => word.push(Unit {
                        cons: "",
                        vowel: Vowel::Sign(v),
                        tail: None,
                    }),
                }
            } else if c == VIRAMA {
                if let Some(u) = word.last_mut().filter(|u| u.is_consonant()) {
                    u.vowel = Vowel::None;
                }
            } else if c == NUKTA {
                if let Some(u) = word.last_mut().filter(|u| u.is_consonant()) {
                    u.cons = with_nukta(u.cons);
                }
            } else if let Some(t) = match c {
                '\u{0902}' => Some(Tail::Anusvara),
                '\u{0900}' | '\u{0901}' => Some(Tail::Chandrabindu),
                '\u{0903}' => Some(Tail::Visarga),
                _ => None,
            } {
                if let Some(u) = word.last_mut() {
                    u.tail = Some(t);
                }
            } else if c == '\u{0950}' {
                // ॐ
                word.push(Unit {
                    cons: "",
                    vowel: Vowel::Sign("o"),
                    tail: None,
                });
                word.push(Unit {
                    cons: "m",
                    vowel: Vowel::None,
                    tail: None,
                });
            } else if c == '\u{093D}' || c == '\u{200C}' || c == '\u{200D}' {
                // avagraha, joiners: nothing
            } else {
                flush(&mut word, out);
                match c {
                    '\u{0966}'..='\u{096F}' => {
                        out.push(char::from(b'0' + (c as u32 - 0x0966) as u8));
                    }
                    '\u{0964}' | '\u{0965}' => out.push(' '),
                    '\u{0970}' => out.push('.'),
                    ' ' => out.push(' '),
                    _ => out.push_str(any_ascii::any_ascii_char(c)),
                }
            }
        }
        flush(&mut word, out);
    }

    /// Hindi schwa deletion on one word (see the module doc).
    fn delete_schwas(w: &mut [Unit]) {
        let n = w.len();
        let inherent = |u: &Unit| u.is_consonant() && u.vowel == Vowel::Inherent { keep: true };
        // the end of a word, after a single consonant, in a word of two syllables or more
        if n >= 2 {
            let last = w[n - 1];
            let conjunct = w[n - 2].is_consonant() && w[n - 2].vowel == Vowel::None;
            let earlier_vowel = w[..n - 1].iter().any(Unit::sounds_vowel);
            if inherent(&last) && last.tail.is_none() && !conjunct && earlier_vowel {
                w[n - 1].vowel = Vowel::Inherent { keep: false };
            }
        }
        // inside: V C _ C V, right to left
        for i in (1..n.saturating_sub(1)).rev() {
            let (prev, cur, next) = (w[i - 1], w[i], w[i + 1]);
            let ok = inherent(&cur)
                && cur.tail.is_none()
                && prev.sounds_vowel()
                && prev.tail.is_none()
                && next.is_consonant()
                && next.sounds_vowel();
            if ok {
                w[i].vowel = Vowel::Inherent { keep: false };
            }
        }
    }

    fn flush(word: &mut Vec<Unit>, out: &mut String) {
        if word.is_empty() {
            return;
        }
        delete_schwas(word);
        let mut s = String::new();
        for (i, u) in word.iter().enumerate() {
            s.push_str(u.cons);
            match u.vowel {
                Vowel::Inherent { keep: true } => s.push('a'),
                Vowel::Sign(v) => s.push_str(v),
                _ => {}
            }
            let next = word.get(i + 1).map(|x| x.cons).unwrap_or("");
            match u.tail {
                Some(Tail::Anusvara) => s.push_str(match next {
                    "p" | "ph" | "b" | "bh" | "m" => "m",
                    "h" => "ng",
                    _ => "n",
                }),
                Some(Tail::Chandrabindu) => s.push('n'),
                Some(Tail::Visarga) => s.push('h'),
                None => {}
            }
        }
        super::push_capitalised(out, &s);
        word.clear();
    }
}

pub mod arabic {
    //! Arabic names in Latin letters: the consonants as written, with the long vowels, and
    //! the conventions people use for what the script leaves out.
    //!
    //! Short vowels are not written in Arabic, so they are not invented: `محمد` → `Mhmd`
    //! (the matcher compares such a word by its consonants: `MHMD` ~ `MOHAMED`). The long
    //! vowels and the letters that stand for them are read as people write them: `ا` `a`,
    //! `و` `u` between consonants and `w` before a vowel or at the start, `ي` `i` or `y`
    //! likewise, `ى` and `ة` (ta marbuta) `a` (`فاطمة` → `Fatma`); hamza on alef `a`/`i`
    //! (`أحمد` → `Ahmd`, `إبراهيم` → `Ibrahim`); `ع` an `a` where it opens a syllable
    //! (`علي` → `Ali`, `سعيد` → `Said`) and nothing after a long vowel; the article joined
    //! (`السيد` → `Alsid`), `عبد ال…` as `Abdel …` and `عبد الله` as `Abdallah`. Harakat,
    //! when written, give their vowels; shadda doubles.

    fn consonant(c: char) -> Option<&'static str> {
        Some(match c {
            'ب' => "b",
            'ت' => "t",
            'ث' => "th",
            'ج' => "j",
            'ح' => "h",
            'خ' => "kh",
            'د' => "d",
            'ذ' => "dh",
            'ر' => "r",
            'ز' => "z",
            'س' => "s",
            'ش' => "sh",
            'ص' => "s",
            'ض' => "d",
            'ط' => "t",
            'ظ' => "z",
            'غ' => "gh",
            'ف' => "f",
            'ق' => "q",
            'ك' | 'ک' => "k",
            'ل' => "l",
            'م' => "m",
            'ن' | 'ں' => "n",
            'ه' | 'ہ' | 'ھ' => "h",
            // Persian and Urdu letters
            'پ' => "p",
            'چ' => "ch",
            'ژ' => "zh",
            'گ' => "g",
            'ٹ' => "t",
            'ڈ' => "d",
            'ڑ' => "r",
            _ => return None,
        })
    }

    fn is_vowel_letter(c: char) -> bool {
        matches!(
            c,
            'ا' | 'أ' | 'إ' | 'آ' | 'ٱ' | 'ى' | 'ة' | 'و' | 'ي' | 'ی' | 'ے'
        )
    }

    fn is_haraka(c: char) -> bool {
        matches!(c, '\u{064B}'..='\u{0652}' | '\u{0670}')
    }

    /// Romanises a run of Arabic (words separated by spaces) into `out`.
    pub(super) fn romanise(chars: &[char], out: &mut String) {
        let words: Vec<Vec<char>> = chars
            .split(|c| c.is_whitespace() || *c == '\u{200C}' || *c == '\u{200D}')
            .filter(|w| !w.is_empty())
            .map(|w| w.iter().copied().filter(|c| *c != '\u{0640}').collect())
            .collect();
        let mut k = 0;
        while k < words.len() {
            if k > 0 {
                out.push(' ');
            }
            let w = &words[k];
            // عبد الله, عبد الرحمن (also written as one word)
            let abd = ['ع', 'ب', 'د'];
            let article = |x: &[char]| x.len() > 2 && x[0] == 'ا' && x[1] == 'ل';
            if w.as_slice() == abd && words.get(k + 1).is_some_and(|n| article(n)) {
                abd_al(&words[k + 1], out);
                k += 2;
                continue;
            }
            if w.len() > 5 && w[..3] == abd && article(&w[3..]) {
                abd_al(&w[3..], out);
                k += 1;
                continue;
            }
            word(w, out);
            k += 1;
        }
    }

    /// `عبد` and a word with the article: `Abdallah`, else `Abdel` and the word.
    fn abd_al(rest: &[char], out: &mut String) {
        if rest == ['ا', 'ل', 'ل', 'ه'] {
            out.push_str("Abdallah");
        } else {
            out.push_str("Abdel ");
            word(&rest[2..], out);
        }
    }

    fn word(w: &[char], out: &mut String) {
        if w == ['ا', 'ل', 'ل', 'ه'] {
            out.push_str("Allah");
            return;
        }
        let mut s = String::new();
        let mut start = 0;
        if w.len() > 3 && w[0] == 'ا' && w[1] == 'ل' {
            s.push_str("al");
            start = 2;
        }
        // the next letter after position i, harakat skipped
        let next_letter = |i: usize| w[i + 1..].iter().copied().find(|c| !is_haraka(*c));
        let ends_vowel = |s: &str| s.ends_with(['a', 'e', 'i', 'o', 'u']);
        // the last consonant and where it ends (a shadda doubles it, before its haraka)
        let mut last: Option<(&str, usize)> = None;
        for i in start..w.len() {
            let c = w[i];
            let initial = i == start;
            let next = next_letter(i);
            let next_vowel = next.is_some_and(is_vowel_letter)
                || w.get(i + 1)
                    .is_some_and(|c| matches!(c, '\u{064E}' | '\u{064F}' | '\u{0650}'));
            if let Some(l) = consonant(c) {
                s.push_str(l);
                last = Some((l, s.len()));
                continue;
            }
            match c {
                'ا' | 'أ' | 'آ' | 'ٱ' => {
                    // a long a (not doubled after a fatha)
                    if !s.ends_with('a') || initial {
                        s.push('a');
                    }
                }
                'إ' => s.push('i'),
                'ى' | 'ة' => s.push('a'),
                'ؤ' => s.push('u'),
                'ئ' => s.push(if next.is_some_and(is_vowel_letter) {
                    'y'
                } else {
                    'i'
                }),
                'ء' => {}
                'و' => s.push_str(if initial || next_vowel { "w" } else { "u" }),
                'ي' | 'ی' => s.push_str(if initial || next_vowel { "y" } else { "i" }),
                'ے' => s.push('e'),
                'ع' => {
                    // opens a syllable: its vowel; after a long vowel, nothing
                    if initial || !ends_vowel(&s) {
                        s.push('a');
                    }
                }
                '\u{064E}' => s.push('a'),
                '\u{064F}' => s.push('u'),
                '\u{0650}' => s.push('i'),
                '\u{064B}' => s.push_str("an"),
                '\u{064C}' => s.push_str("un"),
                '\u{064D}' => s.push_str("in"),
                '\u{0670}' => s.push('a'),
                '\u{0651}' => {
                    // shadda: the consonant again (a haraka may be written first)
                    if let Some((l, at)) = last.take() {
                        s.insert_str(at, l);
                    }
                }
                '\u{0652}' | '\u{0653}' | '\u{0654}' | '\u{0655}' => {}
                '\u{0660}'..='\u{0669}' => {
                    s.push(char::from(b'0' + (c as u32 - 0x0660) as u8));
                }
                '\u{06F0}'..='\u{06F9}' => {
                    s.push(char::from(b'0' + (c as u32 - 0x06F0) as u8));
                }
                '،' | '؛' | '؟' => s.push(' '),
                other => s.push_str(any_ascii::any_ascii_char(other)),
            }
        }
        push_words(out, &s);
    }

    /// Capitalises each space-separated word of `s` into `out`.
    fn push_words(out: &mut String, s: &str) {
        for (i, w) in s.split(' ').filter(|w| !w.is_empty()).enumerate() {
            if i > 0 {
                out.push(' ');
            }
            super::push_capitalised(out, w);
        }
    }
}

/// An ASCII upper-case key for comparing names: transliterated, upper case, letters and single
/// spaces only (hyphens and apostrophes become spaces or vanish).
pub fn match_key(s: &str) -> String {
    let latin = to_latin(s);
    let mut out = String::with_capacity(latin.len());
    let mut space = false;
    for c in latin.chars() {
        if c.is_ascii_alphabetic() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c.to_ascii_uppercase());
        } else if c == '\'' || c == '`' {
            // O'BRIEN -> OBRIEN
        } else {
            space = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_scripts() {
        assert_eq!(detect_script("Lina Haddad"), "Latn");
        assert_eq!(detect_script("Евгения Захарова"), "Cyrl");
        assert_eq!(detect_script("لينا حداد"), "Arab");
        assert_eq!(detect_script("北京"), "Hani");
        assert_eq!(detect_script("राहुल"), "Deva");
        assert_eq!(detect_script("  "), "Zyyy");
        assert_eq!(detect_script("José Müller"), "Latn");
    }

    #[test]
    fn transliterates() {
        assert_eq!(to_latin("Захарова"), "Zakharova");
        assert_eq!(to_latin("José Müller"), "Jose Muller");
        assert_eq!(to_latin("北京"), "Bei Jing");
        assert!(to_latin("لينا حداد").is_ascii());
        assert_eq!(match_key("O'Brien-Smith  jr."), "OBRIEN SMITH JR");
        assert_eq!(match_key("Ферапонт"), "FERAPONT");
    }

    #[test]
    fn latin_greek_and_cyrillic_lose_their_diacritics_only() {
        for (text, latin) in [
            ("José", "Jose"),
            ("François Lefèvre", "Francois Lefevre"),
            ("Øyvind Åsheim", "Oyvind Asheim"),
            ("Jose\u{301}", "Jose"),
            ("Андрей", "Andrei"),
            ("Сергей Щербаков", "Sergei Shcherbakov"),
            ("Алёна Чернышёва", "Alena Chernysheva"),
            ("Юлия", "Yuliya"),
            ("Андрій Олійник", "Andrii Oliinik"),
            ("Νίκος", "Nikos"),
            ("王秀英", "Wang Xiu Ying"),
        ] {
            assert_eq!(to_latin(text), latin, "{text}");
        }
    }

    #[test]
    fn devanagari_names_as_people_write_them() {
        for (text, latin) in [
            // the inherent vowel, and Hindi schwa deletion at the end of a word
            ("राहुल शर्मा", "Rahul Sharma"),
            ("नेहा मंडल", "Neha Mandal"),
            ("अन्ना पेत्रोवा", "Anna Petrova"),
            ("अमित", "Amit"),
            ("विजय", "Vijay"),
            ("संजय", "Sanjay"),
            ("सुरेश", "Suresh"),
            ("मनोज", "Manoj"),
            ("आनंद", "Anand"),
            ("दीपक", "Dipak"),
            ("पटेल", "Patel"),
            ("कुमार", "Kumar"),
            ("यादव", "Yadav"),
            ("गोयल", "Goyal"),
            ("चौहान", "Chauhan"),
            ("राय", "Ray"),
            ("ओम", "Om"),
            // kept after a conjunct, and in a word of one syllable
            ("महेन्द्र", "Mahendra"),
            ("मिश्र", "Mishra"),
            ("कृष्ण", "Krishna"),
            ("न", "Na"),
            // inside a word: vowel, consonant, _, consonant, vowel
            ("विमला", "Vimla"),
            ("चिपलुन", "Chiplun"),
            ("रंगराजन", "Rangarajan"),
            ("चंदना", "Chandana"),
            ("चन्दना", "Chandana"),
            ("कविता", "Kavita"),
            // vowel signs, independent vowels, conjuncts
            ("प्रिया", "Priya"),
            ("पूजा", "Puja"),
            ("लक्ष्मी", "Lakshmi"),
            ("ज्योत्स्ना", "Jyotsna"),
            ("ज्ञान", "Gyan"),
            ("बरुआ", "Barua"),
            ("देसाई", "Desai"),
            ("रेड्डी", "Reddi"),
            ("इंदु", "Indu"),
            ("इन्दु", "Indu"),
            ("रोद्रिगुएस", "Rodrigues"),
            ("सेठ", "Seth"),
            ("छाया", "Chhaya"),
            // anusvara: n, m before a labial, ng before h
            ("मुंबई", "Mumbai"),
            ("अम्बाजी", "Ambaji"),
            ("सिंह", "Singh"),
            ("अलांग", "Alang"),
            // nukta, visarga, chandrabindu, digits
            ("ज़ैनब", "Zainab"),
            ("फ़रहान", "Farhan"),
            ("दुःख", "Duhkh"),
            ("चाँद", "Chand"),
            ("१२३", "123"),
        ] {
            assert_eq!(to_latin(text), latin, "{text}");
        }
        // precomposed and decomposed nukta letters are one
        assert_eq!(to_latin("\u{095B}ैनब"), to_latin("\u{091C}\u{093C}ैनब"));
    }

    #[test]
    fn arabic_names_keep_their_consonants_and_long_vowels() {
        for (text, latin) in [
            ("محمد", "Mhmd"),
            ("أحمد", "Ahmd"),
            ("محمود", "Mhmud"),
            ("علي", "Ali"),
            ("عمر", "Amr"),
            ("يوسف", "Yusf"),
            ("إبراهيم", "Ibrahim"),
            ("فاطمة", "Fatma"),
            ("سارة", "Sara"),
            ("آية", "Aya"),
            ("نور", "Nur"),
            ("ياسمين", "Yasmin"),
            ("لينا حداد", "Lina Hdad"),
            ("مروان", "Mrwan"),
            ("سعيد", "Said"),
            ("سعد", "Sad"),
            ("مصطفى", "Mstfa"),
            ("فؤاد", "Fuad"),
            ("السيد", "Alsid"),
            ("عبد الله", "Abdallah"),
            ("عبدالله", "Abdallah"),
            ("عبد الرحمن", "Abdel Rhmn"),
            ("محمد عبد الرحمن", "Mhmd Abdel Rhmn"),
            // harakat, when written, give their vowels; shadda doubles
            ("مُحَمَّد", "Muhammad"),
        ] {
            assert_eq!(to_latin(text), latin, "{text}");
        }
        // presentation forms read as the letters
        assert_eq!(to_latin("\u{FEE3}\u{FEA4}\u{FEE4}\u{FEAA}"), "Mhmd");
    }

    #[test]
    fn mixed_scripts_each_their_own_way() {
        assert_eq!(to_latin("Rahul (राहुल)"), "Rahul (Rahul)");
        assert_eq!(to_latin("José, मंडल"), "Jose, Mandal");
        assert_eq!(match_key("नेहा मंडल"), "NEHA MANDAL");
        assert_eq!(match_key("राहुल शर्मा"), "RAHUL SHARMA");
    }

    /// The transliteration before Devanagari and Arabic had their own: NFKD, every combining
    /// mark dropped, any_ascii.
    fn old_to_latin(s: &str) -> String {
        let stripped: String = s.nfkd().filter(|c| !is_combining_mark(*c)).collect();
        let mut out = String::new();
        for c in stripped.chars() {
            if c.is_ascii() {
                out.push(c);
            } else {
                out.push_str(any_ascii::any_ascii_char(c));
            }
        }
        out.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    proptest::proptest! {
        /// Latin, Greek and Cyrillic names come out as they always did (stored keys, the
        /// generator's romanisations and the tests rely on them).
        #[test]
        fn latin_greek_cyrillic_unchanged(
            s in "[A-Za-z \\-'À-ɏЀ-ӿͰ-Ͽ\u{300}-\u{36F}]{0,24}"
        ) {
            proptest::prop_assert_eq!(to_latin(&s), old_to_latin(&s));
        }

        /// Any sequence of Devanagari and Arabic code points (signs without their consonant,
        /// a virama or nukta first, joiners, digits) romanises without a panic, to ASCII.
        #[test]
        fn devanagari_and_arabic_never_panic(
            s in "[\u{0900}-\u{097F}\u{0600}-\u{06FF}\u{200C}\u{200D} ]{0,24}"
        ) {
            proptest::prop_assert!(to_latin(&s).is_ascii());
            let k = match_key(&s);
            proptest::prop_assert!(k.bytes().all(|b| b.is_ascii_uppercase() || b == b' '));
        }

        #[test]
        fn always_ascii(s in "\\PC{0,40}") {
            proptest::prop_assert!(to_latin(&s).is_ascii());
            let k = match_key(&s);
            proptest::prop_assert!(k.bytes().all(|b| b.is_ascii_uppercase() || b == b' '));
        }
    }
}
