//! Name keys: tokens normalised across scripts, romanisations and nicknames.
//!
//! A name token goes through three steps:
//!
//! 1. **Latin letters**: Unicode NFKD, marks removed, any script romanised
//!    ([`homeward_schemas::translit::match_key`]), upper case, letters only.
//! 2. **Spelling-normalised form** ([`normalize`]): romanisation and spelling variants fold
//!    together — `KH→H`, `X→KS`, `W→V`, `Y/J→I`, `PH→F`, `TH→T`, `TS/TZ→C`, `C→K/S`,
//!    `SHCH/SCH→SH`, doubled letters once, a leading `IE→E`, a trailing `H` after a vowel
//!    dropped. `ALEXANDR`, `ALEKSANDR`; `YULIA`, `IULIA`, `JULIA`; `EVGENIYA`, `YEVGENIIA`;
//!    `WILLIAMS`, `WILLYAMS`; `KONOVALOV`, `KONOWALOV` each become one form.
//! 3. **Nickname groups** ([`nicknames`]): `BILL`, `WILLIAM` share the group of `WILLIAM`.
//!
//! Tokens are then compared by [`compare_tokens`]: exact normalised form, same nickname group,
//! the same consonants when one was written in Arabic (or Hebrew) script, which leaves short
//! vowels out (`MHMD`, `MOHAMED`), one or two edits (typos, transpositions), same consonant
//! skeleton (names romanised without vowels), prefix, initial.

mod nicknames;
#[cfg(test)]
mod tests;

use std::hash::{Hash, Hasher};
use std::sync::OnceLock;

use homeward_schemas::translit;
use rustc_hash::{FxHashMap, FxHasher};

/// A stable 64-bit hash of a string (FxHash; the same on every run and platform).
pub fn hash_str(s: &str) -> u64 {
    let mut h = FxHasher::default();
    s.hash(&mut h);
    h.finish()
}

/// The Latin, upper-case, letters-only tokens of a name text in any script (as
/// [`translit::match_key`] splits them; plain ASCII takes a fast path to the same result).
/// A word written in Han characters is one token (`秀英` → `XIUYING`, as pinyin writes a given
/// name), not one per syllable.
pub fn latin_tokens(text: &str) -> Vec<String> {
    if text.is_ascii() {
        let mut out = Vec::new();
        let mut cur = String::new();
        for c in text.bytes() {
            if c.is_ascii_alphabetic() {
                cur.push(char::from(c.to_ascii_uppercase()));
            } else if c == b'\'' || c == b'`' {
                // O'BRIEN -> OBRIEN
            } else if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        }
        if !cur.is_empty() {
            out.push(cur);
        }
        return out;
    }
    if !text.split_whitespace().any(is_han_word) {
        return translit::match_key(text)
            .split(' ')
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect();
    }
    let mut out = Vec::new();
    for word in text.split_whitespace() {
        let key = translit::match_key(word);
        if is_han_word(word) {
            let joined: String = key.split(' ').collect();
            if !joined.is_empty() {
                out.push(joined);
            }
        } else {
            out.extend(key.split(' ').filter(|t| !t.is_empty()).map(str::to_string));
        }
    }
    out
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

fn is_han_word(word: &str) -> bool {
    !word.is_ascii() && word.chars().any(is_han)
}

/// Whether `text` is written in a script that leaves short vowels out (Arabic, Hebrew): its
/// Latin tokens are then compared by their consonants too ([`TokenMatch::Consonants`]).
pub fn is_abjad(text: &str) -> bool {
    !text.is_ascii() && matches!(translit::detect_script(text), "Arab" | "Hebr")
}

/// The tokens of a name text in any script, as [`Tok`]s.
pub fn toks(text: &str) -> Vec<Tok> {
    let abjad = is_abjad(text);
    latin_tokens(text)
        .iter()
        .filter_map(|w| Tok::with_script(w, abjad))
        .collect()
}

/// The spelling-normalised form of one upper-case ASCII token (see the module doc).
pub fn normalize(token: &str) -> String {
    let b = token.as_bytes();
    // Pass 1: digraphs and letters with several romanisations.
    let mut s: Vec<u8> = Vec::with_capacity(b.len() + 2);
    let mut i = 0;
    let at = |i: usize, pat: &[u8]| b.get(i..i + pat.len()) == Some(pat);
    while i < b.len() {
        let c = b[i];
        if at(i, b"SHCH") {
            s.extend_from_slice(b"SH");
            i += 4;
        } else if at(i, b"SCH") {
            s.extend_from_slice(b"SH");
            i += 3;
        } else if at(i, b"TCH") {
            s.extend_from_slice(b"CH");
            i += 3;
        } else if at(i, b"CHR") {
            s.extend_from_slice(b"KR");
            i += 3;
        } else if at(i, b"CHH") {
            s.extend_from_slice(b"CH");
            i += 3;
        } else if at(i, b"CH") {
            s.extend_from_slice(b"CH");
            i += 2;
        } else if at(i, b"DZH") || at(i, b"ZH") || at(i, b"DJ") {
            s.push(b'J');
            i += if at(i, b"DZH") { 3 } else { 2 };
        } else if at(i, b"KH") || at(i, b"GH") || at(i, b"BH") || at(i, b"DH") {
            // aspirates and Slavic/Arabic KH: keep the consonant (KH -> H)
            s.push(if c == b'K' { b'H' } else { c });
            i += 2;
        } else if at(i, b"PH") {
            s.push(b'F');
            i += 2;
        } else if at(i, b"TH") {
            s.push(b'T');
            i += 2;
        } else if at(i, b"TS") || at(i, b"TZ") {
            s.push(b'C');
            i += 2;
        } else if at(i, b"CK") {
            s.push(b'K');
            i += 2;
        } else if at(i, b"OU") {
            s.push(b'U');
            i += 2;
        } else if at(i, b"EE") {
            s.push(b'I');
            i += 2;
        } else if at(i, b"OO") {
            s.push(b'U');
            i += 2;
        } else {
            match c {
                b'X' => s.extend_from_slice(b"KS"),
                b'Q' => s.push(b'K'),
                b'W' => s.push(b'V'),
                b'Y' | b'J' => s.push(b'I'),
                b'C' => {
                    let next = b.get(i + 1).copied();
                    s.push(if matches!(next, Some(b'E' | b'I' | b'Y')) {
                        b'S'
                    } else {
                        b'C'
                    });
                }
                _ => s.push(c),
            }
            i += 1;
        }
    }
    // Pass 2: a remaining C (not part of CH) is K.
    let mut t: Vec<u8> = Vec::with_capacity(s.len());
    for (k, &c) in s.iter().enumerate() {
        if c == b'C' && s.get(k + 1) != Some(&b'H') {
            t.push(b'K');
        } else if c == b'J' {
            t.push(b'I');
        } else {
            t.push(c);
        }
    }
    // Pass 3: doubled letters once.
    t.dedup();
    // Pass 4: leading IE -> E (YELENA, IELENA, ELENA), trailing H after a vowel (SARAH).
    if t.len() > 3 && t.starts_with(b"IE") {
        t.remove(0);
    }
    if t.len() > 2 && t.last() == Some(&b'H') && is_vowel(t[t.len() - 2]) {
        t.pop();
    }
    String::from_utf8(t).unwrap_or_default()
}

fn is_vowel(c: u8) -> bool {
    matches!(c, b'A' | b'E' | b'I' | b'O' | b'U')
}

/// The consonant skeleton of a normalised token: vowels and `H` dropped, repeats once.
pub fn skeleton(norm: &str) -> String {
    let mut out: Vec<u8> = norm
        .bytes()
        .filter(|c| !is_vowel(*c) && *c != b'H')
        .collect();
    out.dedup();
    String::from_utf8(out).unwrap_or_default()
}

/// The consonant key of a normalised token, for names written without short vowels: a
/// leading article (`AL`, `EL`) dropped, the vowels dropped (`H` kept: it is a letter of
/// Arabic), repeats once, and whether the word opens with a vowel. `MOHAMED`, `MUHAMAD` and
/// `MHMD` share one; `OMAR`, `UMAR` and `AMR` another; `ELSAIED` and `ALSID` a third.
pub fn consonant_key(norm: &str) -> (u64, u8) {
    let b = norm.as_bytes();
    let b = if b.len() > 4 && (b.starts_with(b"AL") || b.starts_with(b"EL")) {
        &b[2..]
    } else {
        b
    };
    let mut h = FxHasher::default();
    let mut len = 0u8;
    let mut last = 0u8;
    if b.first().is_some_and(|c| is_vowel(*c)) {
        h.write_u8(b'*');
    }
    for &c in b {
        if !is_vowel(c) && c != last {
            h.write_u8(c);
            len = len.saturating_add(1);
            last = c;
        }
    }
    (h.finish(), len)
}

/// A Soundex-like blocking code of a normalised token: the class of the first letter and of
/// up to three following consonants. Survives vowel typos and most consonant spellings.
pub fn phonetic_code(norm: &str) -> u32 {
    fn class(c: u8) -> u8 {
        match c {
            b'B' | b'F' | b'P' | b'V' => 1,
            b'C' | b'G' | b'I' | b'K' | b'Q' | b'S' | b'X' | b'Z' => 2,
            b'D' | b'T' => 3,
            b'L' => 4,
            b'M' | b'N' => 5,
            b'R' => 6,
            _ => 0,
        }
    }
    let mut bytes = norm.bytes();
    let Some(first) = bytes.next() else { return 0 };
    // the first letter itself (vowels keep their letter so ANNA and INNA differ)
    let mut code: u32 = u32::from(first);
    let mut last = class(first);
    let mut n = 0;
    for c in bytes {
        let k = if is_vowel(c) || c == b'H' {
            0
        } else {
            class(c)
        };
        if k != 0 && k != last {
            code = code * 8 + u32::from(k);
            n += 1;
            if n == 3 {
                break;
            }
        }
        if k != 0 || is_vowel(c) {
            last = k;
        }
    }
    while n < 3 {
        code *= 8;
        n += 1;
    }
    code
}

fn nickname_table() -> &'static FxHashMap<String, Vec<u64>> {
    static TABLE: OnceLock<FxHashMap<String, Vec<u64>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut m: FxHashMap<String, Vec<u64>> = FxHashMap::default();
        for (formal, shorts) in nicknames::GROUPS {
            let f = normalize(formal);
            let g = hash_str(&f);
            for name in std::iter::once(formal).chain(shorts.iter()) {
                for t in latin_tokens(name) {
                    let e = m.entry(normalize(&t)).or_default();
                    if !e.contains(&g) {
                        e.push(g);
                    }
                }
            }
        }
        m
    })
}

/// One name token in its compared forms. Two tokens are equal when their normalised forms are.
#[derive(Debug, Clone)]
pub struct Tok {
    /// The word as written (Latin letters, upper case), for explanations.
    pub text: Box<str>,
    /// Spelling-normalised form.
    pub norm: Box<str>,
    /// Hash of `norm`.
    pub hash: u64,
    /// Nickname groups the token belongs to (hashes of the formal names); empty if none.
    pub groups: Box<[u64]>,
    /// Consonant skeleton hash.
    pub skel: u64,
    /// Length of the consonant skeleton.
    pub skel_len: u8,
    /// Which letters the normalised form holds (bit 0 = A): a quick bound on edit distance.
    pub letters: u32,
    /// Phonetic blocking code.
    pub code: u32,
    /// Romanised from a script written without short vowels (Arabic, Hebrew).
    pub abjad: bool,
    /// [`consonant_key`] hash and length.
    pub cons: u64,
    pub cons_len: u8,
}

impl PartialEq for Tok {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash
    }
}

impl Eq for Tok {}

impl Tok {
    /// The token for one upper-case ASCII word; `None` when nothing is left.
    pub fn new(word: &str) -> Option<Self> {
        Self::with_script(word, false)
    }

    /// The token for one upper-case ASCII word romanised from a script written without short
    /// vowels (`abjad`) or not.
    pub fn with_script(word: &str, abjad: bool) -> Option<Self> {
        let norm = normalize(word);
        if norm.is_empty() {
            return None;
        }
        let groups = nickname_table()
            .get(&norm)
            .cloned()
            .unwrap_or_default()
            .into_boxed_slice();
        let sk = skeleton(&norm);
        let skel = hash_str(&sk);
        let skel_len = sk.len().min(255) as u8;
        let letters = norm
            .bytes()
            .filter(u8::is_ascii_uppercase)
            .fold(0u32, |m, c| m | 1 << (c - b'A'));
        let (cons, cons_len) = consonant_key(&norm);
        Some(Self {
            abjad,
            cons,
            cons_len,
            letters,
            skel_len,
            text: word.into(),
            hash: hash_str(&norm),
            code: phonetic_code(&norm),
            groups,
            skel,
            norm: norm.into_boxed_str(),
        })
    }

    /// The key a frequency table counts: the nickname group if any (so BILL and WILLIAM
    /// count together), else the token.
    pub fn freq_key(&self) -> u64 {
        self.groups.first().copied().unwrap_or(self.hash)
    }

    /// The blocking key of the token: its first nickname group, else its phonetic code.
    pub fn block_key(&self) -> u64 {
        match self.groups.first() {
            Some(g) => *g,
            None => u64::from(self.code) | (1 << 40),
        }
    }

    pub fn is_initial(&self) -> bool {
        self.norm.len() == 1
    }
}

/// One way a person's name is written: given names, middle names, family names.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NameForm {
    pub given: Vec<Tok>,
    pub middle: Vec<Tok>,
    pub family: Vec<Tok>,
}

impl NameForm {
    /// Builds a form from its parts as texts in any script.
    pub fn from_parts(given: Option<&str>, middle: Option<&str>, family: Option<&str>) -> Self {
        let part = |s: Option<&str>| -> Vec<Tok> { s.map(toks).unwrap_or_default() };
        let mut given_toks = part(given);
        let mut middle_toks = part(middle);
        // "JOHN JAMES" in a given-name field: first is given, the rest middle.
        if given_toks.len() > 1 && middle_toks.is_empty() {
            middle_toks = given_toks.split_off(1);
        }
        Self {
            given: given_toks,
            middle: middle_toks,
            family: part(family),
        }
    }

    /// Builds a form from a full name written as one string: the first token is the given
    /// name, the last the family name, the rest middle names. (The other order is tried when
    /// comparing.) A Chinese name written in Han without a space is family name first: its
    /// first character is the family name, the rest the given name (`王秀英`).
    pub fn from_full(full: &str) -> Self {
        let trimmed = full.trim();
        if !trimmed.is_ascii() && trimmed.chars().nth(1).is_some() && trimmed.chars().all(is_han) {
            let split = trimmed.chars().next().map_or(0, char::len_utf8);
            let (family, given) = trimmed.split_at(split);
            return Self::from_parts(Some(given), None, Some(family));
        }
        let mut toks: Vec<Tok> = toks(full);
        match toks.len() {
            0 => Self::default(),
            1 => Self {
                family: toks,
                ..Self::default()
            },
            _ => {
                let family = toks.pop().into_iter().collect();
                let given = vec![toks.remove(0)];
                Self {
                    given,
                    middle: toks,
                    family,
                }
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.given.is_empty() && self.family.is_empty() && self.middle.is_empty()
    }

    /// All tokens of the form.
    pub fn tokens(&self) -> impl Iterator<Item = &Tok> {
        self.given
            .iter()
            .chain(self.middle.iter())
            .chain(self.family.iter())
    }

    /// The form written out, normalised (for tests and debugging).
    pub fn display(&self) -> String {
        self.tokens()
            .map(|t| &*t.norm)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The form as written (Latin letters), for explanations.
    pub fn text(&self) -> String {
        self.tokens()
            .map(|t| &*t.text)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// How two tokens agree, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TokenMatch {
    /// Nothing in common.
    None,
    /// One is the initial of the other.
    Initial,
    /// One is a prefix (three letters or more) of the other (`CHRIS`, `CHRISTOPHER`).
    Prefix,
    /// Same consonants (a name romanised without vowels).
    Skeleton,
    /// Two edits apart (long names).
    Edit2,
    /// Same consonants, one of the two written in a script without short vowels
    /// (`MHMD`, `MOHAMED`; see [`consonant_key`]).
    Consonants,
    /// One edit apart: a typo, a transposition, a dropped or doubled letter.
    Edit1,
    /// Nickname and formal name of one group.
    Nickname,
    /// Same normalised spelling.
    Exact,
}

impl TokenMatch {
    /// The word used in explanations.
    pub fn word(self) -> &'static str {
        match self {
            TokenMatch::None => "differs",
            TokenMatch::Initial => "initial agrees",
            TokenMatch::Prefix => "short form",
            TokenMatch::Skeleton => "same consonants",
            TokenMatch::Edit2 => "two letters differ",
            TokenMatch::Consonants => "same consonants (written without vowels)",
            TokenMatch::Edit1 => "one letter differs",
            TokenMatch::Nickname => "nickname",
            TokenMatch::Exact => "agrees",
        }
    }
}

/// Compares two tokens.
pub fn compare_tokens(a: &Tok, b: &Tok) -> TokenMatch {
    if a.hash == b.hash {
        return TokenMatch::Exact;
    }
    if a.groups.iter().any(|g| b.groups.contains(g)) {
        return TokenMatch::Nickname;
    }
    // one of the two written without short vowels, and the consonants agree: below a
    // one-letter difference, above anything looser
    let consonants = (a.abjad || b.abjad) && a.cons == b.cons && a.cons_len >= 2;
    let (x, y) = (a.norm.as_bytes(), b.norm.as_bytes());
    if x.len() == 1 || y.len() == 1 {
        return if x[0] == y[0] {
            TokenMatch::Initial
        } else {
            TokenMatch::None
        };
    }
    let shorter = x.len().min(y.len());
    // an edit changes at most two letters of the letter set
    let differing = (a.letters ^ b.letters).count_ones();
    if shorter >= 3 && differing <= 4 && x.len().abs_diff(y.len()) <= 2 {
        let mut d = osa_distance(x, y, 2);
        if d > 1 {
            // a typo can split a digraph the normalisation folds (CHRISTOHPER): the words
            // as written may be closer
            d = d.min(osa_distance(a.text.as_bytes(), b.text.as_bytes(), 2));
        }
        if d <= 1 && shorter >= 4 {
            return TokenMatch::Edit1;
        }
        if d <= 1 && shorter == 3 && x.len() == y.len() && x[0] == y[0] {
            return TokenMatch::Edit1;
        }
        if consonants {
            return TokenMatch::Consonants;
        }
        if d <= 2 && shorter >= 6 {
            return TokenMatch::Edit2;
        }
    }
    if consonants {
        return TokenMatch::Consonants;
    }
    if a.skel == b.skel && a.skel_len >= 3 && x[0] == y[0] {
        return TokenMatch::Skeleton;
    }
    if shorter >= 3 && (x.starts_with(y) || y.starts_with(x)) {
        return TokenMatch::Prefix;
    }
    TokenMatch::None
}

/// Optimal-string-alignment distance (Damerau–Levenshtein with adjacent transpositions),
/// stopping early once every path exceeds `max` (then returns `max + 1`).
pub fn osa_distance(a: &[u8], b: &[u8], max: usize) -> usize {
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > max {
        return max + 1;
    }
    if m >= 48 {
        return osa_heap(a, b, max);
    }
    // three rows on the stack (i-2, i-1, i), taking turns by `i % 3`: no row is zeroed or
    // swapped per step (the two earlier ones are read from 48-byte copies), and a word
    // under 48 letters keeps every distance in a byte
    let mut rows = [[0u8; 48]; 3];
    for (j, p) in rows[0].iter_mut().enumerate().take(m + 1) {
        *p = j as u8;
    }
    for i in 1..=n {
        let (cur_at, prev_at, prev2_at) = (i % 3, (i - 1) % 3, (i + 1) % 3);
        let prev = rows[prev_at];
        let prev2 = rows[prev2_at];
        let cur = &mut rows[cur_at];
        cur[0] = i as u8;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = u8::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if usize::from(row_min) > max {
            return max + 1;
        }
    }
    usize::from(rows[n % 3][m]).min(max + 1)
}

fn osa_heap(a: &[u8], b: &[u8], max: usize) -> usize {
    let (n, m) = (a.len(), b.len());
    let mut prev2 = vec![0usize; m + 1];
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut cur = vec![0usize; m + 1];
    for i in 1..=n {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return max + 1;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[m].min(max + 1)
}
