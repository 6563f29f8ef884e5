//! The invariants hold on the seed corpus (the samples cut small, and the hostile cases of the
//! formats' tests), and the checks catch a reader that breaks them.
//!
//! `HOMEWARD_FUZZ_SEEDS=DIR cargo test -p homeward-adapters invariants::tests::seeds` writes the
//! seeds to `DIR/<target>/` (the input of `cargo fuzz cmin`, see docs/reliability.md).

use std::path::Path;

use super::accounting::Seen;
use super::*;
use crate::item::Position;
use crate::testdata::{files_with_suffix, world_small};
use crate::xmlcore::{ChildStream, Chunk};

/// Seeds of `target`: (file name, bytes).
fn seeds(target: Target) -> Vec<(String, Vec<u8>)> {
    let wire = world_small().join("wire");
    let mut out = Vec::new();
    match target {
        Target::Ncic => {
            for path in files_with_suffix(&wire, ".ncic") {
                let text = std::fs::read(&path).unwrap();
                for (k, chunk) in text
                    .split_inclusive(|b| *b == b'\n')
                    .collect::<Vec<_>>()
                    .chunks(6)
                    .enumerate()
                {
                    out.push((format!("ws-{}-{k}", stem(&path)), chunk.concat()));
                }
            }
            out.extend(hostile_ncic());
        }
        Target::Xml => {
            for path in files_with_suffix(&wire, ".xml") {
                if !path.to_string_lossy().ends_with(".atom.xml") {
                    out.extend(split_document(&path, "ExchangeHeader"));
                }
            }
            out.extend(hostile_xml());
        }
        Target::Pfif => {
            for path in files_with_suffix(&wire, ".atom.xml") {
                out.extend(split_document(&path, "-"));
            }
            let fictional = crate::testdata::shared_dir()
                .join("samples")
                .join("pfif14_fictional_atom_feed.xml");
            out.push(("fictional-feed".into(), std::fs::read(fictional).unwrap()));
            out.extend(hostile_pfif());
        }
        Target::Layout => {
            out.extend(layout_lines());
        }
    }
    out
}

fn stem(path: &Path) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("x")
        .replace('.', "-")
}

/// One small document per item of a sample: the sample's prolog, root start tag and headers,
/// then one report or entry, then the root's end tag.
fn split_document(path: &Path, header_local: &str) -> Vec<(String, Vec<u8>)> {
    let data = std::fs::read(path).unwrap();
    let mut stream = ChildStream::new(&data[..], Limits::default());
    let mut root = String::new();
    let mut head_end = None;
    let mut items = Vec::new();
    while let Some(chunk) = stream.next_chunk() {
        match chunk {
            Chunk::Root(node, _) => root = node.qname,
            Chunk::Child(c) => {
                let header = c.node.local == header_local
                    || (header_local == "-"
                        && c.node.ns.as_deref() == Some(crate::pfif::ATOM_NS)
                        && c.node.local != "entry");
                if header {
                    continue;
                }
                head_end.get_or_insert(c.position.byte_offset.unwrap() as usize);
                items.push(c.raw);
            }
            other => panic!("{}: {other:?}", path.display()),
        }
    }
    let head = &data[..head_end.unwrap()];
    items
        .into_iter()
        .enumerate()
        .map(|(k, raw)| {
            let mut d = head.to_vec();
            d.extend_from_slice(&raw);
            d.extend_from_slice(format!("\n</{root}>\n").as_bytes());
            (format!("ws-{}-{k}", stem(path)), d)
        })
        .collect()
}

fn hostile_ncic() -> Vec<(String, Vec<u8>)> {
    let good = "1N01HEADER.EMD.TX0101300.NAM/HADDAD, LINA.SEX/F.RAC/W.DOB/20090314.HGT/503.WGT/110.DLC/20240601.OCA/TX-2024-17.MIS/LAST SEEN AT SCHOOL";
    let mut v = vec![
        ("comments-blanks-crlf", format!("# header\r\n\r\n   \n{good}\r\n#x\n\n")),
        ("long-line", format!("{good}.MIS/{}\n{good}\n", "X".repeat(700))),
        ("long-comment", format!("#{}\n{good}\n", "c".repeat(600))),
        ("no-trailing-newline", good.to_string()),
        ("header-only", "1N01HEADER\n1N01HEADER.\n1N01HEADER.EMD\n1N01HEADER.EMD.TX0101300\n".into()),
        ("bad-fields", format!("{good}.SEX/Q\n{good}.NOSLASH\n{good}.sex/F\n{good}.SEX/F\n{good}.DOR/20240101\n")),
        ("transactions", "1N01HEADER.LM.TX0101300.NIC/M123456789.NAM/HADDAD, LINA.DOR/20240602\n1N01HEADER.CM.TX0101300.NIC/M123456789.OCA/TX-2024-17.DCL/20240603.RPS/LOCATED\n1N01HEADER.XM.TX0101300.NIC/M123456789.OCA/TX-2024-17\n1N01HEADER.MM.TX0101300.NIC/M123456789.OCA/TX-2024-17.HGT/504\n1N01HEADER.CU.TX0101300.NIC/U123456789.OCA/X-1.DCL/20240603.IDN/M123456789.NAM/HADDAD, LINA\n".into()),
        ("unknown-key-and-field", format!("1N01HEADER.ZZZ.TX0101300.NAM/A\n{good}.ZZZ/unknown value\n")),
        ("period-and-slash-games", format!("{good}..\n{good}.MIS/a/b/c\n{good}./x\n")),
    ]
    .into_iter()
    .map(|(n, s)| (format!("hostile-{n}"), s.into_bytes()))
    .collect::<Vec<_>>();
    let mut bad_utf8 = good.as_bytes().to_vec();
    bad_utf8.extend_from_slice(b".MIS/\xff\xfe\n");
    v.push(("hostile-not-utf8".into(), bad_utf8));
    v
}

const XML_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ch:ClearinghouseExchange xmlns:ch="urn:homeward:clearinghouse:1" xmlns:nc="http://release.niem.gov/niem/niem-core/5.0/" xmlns:j="http://release.niem.gov/niem/domains/jxdm/7.2/" xmlns:iso_3166="http://release.niem.gov/niem/codes/iso_3166-1/5.0/">
<ch:ExchangeHeader><ch:SenderIdentification>TX-CLEARINGHOUSE</ch:SenderIdentification><ch:ExchangeDateTime>2026-05-02T10:00:00Z</ch:ExchangeDateTime></ch:ExchangeHeader>
"#;
const XML_TAIL: &str = "</ch:ClearinghouseExchange>\n";

fn missing_report(id: &str, person: &str) -> String {
    format!(
        "<ch:MissingPersonReport><ch:CaseIdentification><nc:IdentificationID>{id}</nc:IdentificationID></ch:CaseIdentification><ch:ReportAction>enter</ch:ReportAction><ch:ReportDateTime>2026-05-01T00:00:00Z</ch:ReportDateTime><j:MissingPerson><nc:RoleOfPerson><nc:PersonName><nc:PersonGivenName>Lina</nc:PersonGivenName><nc:PersonSurName>Haddad</nc:PersonSurName></nc:PersonName>{person}</nc:RoleOfPerson></j:MissingPerson></ch:MissingPersonReport>\n"
    )
}

fn hostile_xml() -> Vec<(String, Vec<u8>)> {
    let doc = |reports: &[String]| format!("{XML_HEAD}{}{XML_TAIL}", reports.concat());
    let body = |d: String| d[d.find("<ch:Clear").unwrap_or(0)..].to_string();
    let two = doc(&[missing_report("A", ""), missing_report("B", "")]);
    let v: Vec<(&str, String)> = vec![
        (
            "billion-laughs",
            format!(
                "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\"><!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">]>\n{}",
                body(doc(&[missing_report("A&lol2;", "")]))
            ),
        ),
        (
            "external-entity",
            format!(
                "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>{}",
                body(doc(&[missing_report("&xxe;", "")]))
            ),
        ),
        (
            "undeclared-entity",
            doc(&[missing_report("A&xxe;", ""), missing_report("B", "")]),
        ),
        (
            "entity-in-header",
            two.replace("TX-CLEARINGHOUSE", "TX&x;-ME"),
        ),
        ("entity-outside", format!("{XML_HEAD}&amp;{XML_TAIL}")),
        (
            "truncated",
            two[..two.rfind("Lina").unwrap_or(0) + 2].to_string(),
        ),
        (
            "truncated-in-tag",
            two[..two.rfind("<nc:PersonSurName").unwrap_or(0) + 5].to_string(),
        ),
        (
            "wrong-namespace",
            two.replace(
                "xmlns:ch=\"urn:homeward:clearinghouse:1\"",
                "xmlns:ch=\"urn:example:other\"",
            ),
        ),
        ("html-root", "<html><body/></html>".into()),
        ("empty", String::new()),
        (
            "empty-root",
            "<ch:ClearinghouseExchange xmlns:ch=\"urn:homeward:clearinghouse:1\"/>".into(),
        ),
        (
            "not-well-formed",
            two.replace("</nc:PersonName>", "</nc:PersonNam>"),
        ),
        (
            "latin1",
            two.replace("encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\""),
        ),
        ("trailing-content", format!("{two}<extra/>")),
        ("trailing-text", format!("{two}text")),
        (
            "undeclared-prefix",
            doc(&[
                missing_report("A", "<zz:Thing>1</zz:Thing>"),
                missing_report("B", ""),
            ]),
        ),
        (
            "cdata-comment-pi",
            doc(&[
                missing_report("A<!--c--><![CDATA[x]]><?pi x?>", ""),
                missing_report("B", ""),
            ]),
        ),
        (
            "char-refs",
            doc(&[missing_report(
                "&#65;&#x42;&lt;&gt;&amp;&apos;&quot;&#0;&#xD800;",
                "",
            )]),
        ),
        (
            "bad-attribute",
            doc(&[missing_report("A", "").replace(
                "<j:MissingPerson>",
                "<j:MissingPerson a=\"1\" a=\"2\" b='&x;'>",
            )]),
        ),
        (
            "unknown-report",
            doc(&[
                "<ch:Other><x/></ch:Other>\n".into(),
                missing_report("B", ""),
            ]),
        ),
        (
            "no-sender",
            format!(
                "{}{}{XML_TAIL}",
                &XML_HEAD[..XML_HEAD.find("<ch:ExchangeHeader").unwrap_or(0)],
                missing_report("A", "")
            ),
        ),
        (
            "oversize-report",
            doc(&[
                missing_report("A", ""),
                missing_report(
                    "BIG",
                    &"<nc:PersonDescriptionText>xxxxxxxxxx</nc:PersonDescriptionText>".repeat(120),
                ),
                missing_report("C", ""),
            ]),
        ),
        (
            "oversize-document",
            doc(&(0..30)
                .map(|i| missing_report(&format!("A{i}"), ""))
                .collect::<Vec<_>>()),
        ),
        (
            "deep-nesting",
            doc(&[missing_report(
                "A",
                &format!("{}{}", "<nc:X>".repeat(200), "</nc:X>".repeat(200)),
            )]),
        ),
        ("bom", format!("\u{feff}{two}")),
        (
            "stray-text",
            two.replacen(
                "<ch:MissingPersonReport>",
                "Lina Haddad, missing<![CDATA[ ]]><ch:MissingPersonReport>",
                1,
            ),
        ),
        ("text-before-root", format!("junk{two}")),
    ];
    v.into_iter()
        .map(|(n, s)| (format!("hostile-{n}"), s.into_bytes()))
        .collect()
}

const FEED_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:pfif="http://zesty.ca/pfif/1.4" xmlns:gmcn="urn:homeward:gmcn:1">
<id>https://example.org/feed</id><title>t</title><updated>2026-05-02T10:00:00Z</updated>
"#;

fn entry(id: &str, extra: &str) -> String {
    format!(
        "<entry><id>pfif:example.org/{id}</id><title>x</title><updated>2026-05-01T00:00:00Z</updated><pfif:person><pfif:person_record_id>example.org/{id}</pfif:person_record_id><pfif:entry_date>2026-05-01T00:00:00Z</pfif:entry_date><pfif:source_date>2026-05-01T00:00:00Z</pfif:source_date><pfif:full_name>Lina Haddad</pfif:full_name><pfif:given_name>Lina</pfif:given_name><pfif:family_name>Haddad</pfif:family_name>{extra}</pfif:person></entry>\n"
    )
}

fn hostile_pfif() -> Vec<(String, Vec<u8>)> {
    let feed = |entries: &[String]| format!("{FEED_HEAD}{}</feed>\n", entries.concat());
    let two = feed(&[entry("a1", ""), entry("a2", "")]);
    let plain = "<?xml version=\"1.0\"?>\n<pfif:pfif xmlns:pfif=\"http://zesty.ca/pfif/1.4\"><pfif:person><pfif:person_record_id>example.org/p1</pfif:person_record_id><pfif:entry_date>2026-05-01T00:00:00Z</pfif:entry_date><pfif:full_name>A B</pfif:full_name><pfif:note><pfif:note_record_id>example.org/n1</pfif:note_record_id><pfif:person_record_id>example.org/p1</pfif:person_record_id><pfif:entry_date>2026-05-01T00:00:00Z</pfif:entry_date><pfif:author_name>x</pfif:author_name><pfif:source_date>2026-05-01T00:00:00Z</pfif:source_date><pfif:status>believed_alive</pfif:status><pfif:text>seen</pfif:text></pfif:note></pfif:person><pfif:note><pfif:note_record_id>example.org/n2</pfif:note_record_id><pfif:person_record_id>example.org/p1</pfif:person_record_id><pfif:entry_date>2026-05-02T00:00:00Z</pfif:entry_date><pfif:author_name>y</pfif:author_name><pfif:source_date>2026-05-02T00:00:00Z</pfif:source_date><pfif:text>note</pfif:text></pfif:note></pfif:pfif>\n".to_string();
    let v: Vec<(&str, String)> = vec![
        (
            "doctype-entity",
            format!(
                "<!DOCTYPE feed [<!ENTITY a \"aaaa\">]>{}",
                &two[two.find("<feed").unwrap_or(0)..]
            ),
        ),
        (
            "undeclared-entity",
            feed(&[
                entry("a1", "<pfif:description>&a;</pfif:description>"),
                entry("a2", ""),
            ]),
        ),
        (
            "truncated",
            two[..two.rfind("Lina").unwrap_or(0) + 2].to_string(),
        ),
        ("plain-pfif", plain),
        (
            "expired",
            feed(&[entry(
                "a1",
                "<pfif:expiry_date>2020-01-01T00:00:00Z</pfif:expiry_date>",
            )]),
        ),
        (
            "empty-entry",
            feed(&["<entry><id>x</id></entry>\n".into(), entry("a2", "")]),
        ),
        (
            "unknown-child",
            feed(&[
                "<pfif:person/>\n".into(),
                "<other xmlns=\"urn:o\"/>\n".into(),
                entry("a2", ""),
            ]),
        ),
        ("wrong-root", "<rss><channel/></rss>".into()),
        (
            "stray-text",
            two.replacen("<entry>", "stray text<entry>", 1),
        ),
        (
            "bad-dates",
            feed(&[entry(
                "a1",
                "<pfif:date_of_birth>2020-13-45</pfif:date_of_birth><pfif:age>-3</pfif:age>",
            )]),
        ),
        (
            "oversize-entry",
            feed(&[
                entry(
                    "a1",
                    &format!("<pfif:description>{}</pfif:description>", "d".repeat(5000)),
                ),
                entry("a2", ""),
            ]),
        ),
        (
            "oversize-document",
            feed(
                &(0..25)
                    .map(|i| entry(&format!("e{i}"), ""))
                    .collect::<Vec<_>>(),
            ),
        ),
    ];
    v.into_iter()
        .map(|(n, s)| (format!("hostile-{n}"), s.into_bytes()))
        .collect()
}

/// Layout lines: the NCIC samples' entries written with the example layout, a few per file,
/// and hostile lines.
fn layout_lines() -> Vec<(String, Vec<u8>)> {
    let layout = Target::Layout.format().unwrap();
    let ncic = Target::Ncic.format().unwrap();
    let mut out = Vec::new();
    for path in files_with_suffix(&world_small().join("wire"), ".ncic") {
        let text = std::fs::read(&path).unwrap();
        let records: Vec<_> = ncic
            .reader()
            .read(Box::new(&text[..]), read_context())
            .filter_map(|i| match i.item {
                Item::Entry(r) => Some(*r),
                _ => None,
            })
            .collect();
        for (k, chunk) in records.chunks(4).enumerate() {
            let mut w = layout.writer(&crate::WriteContext::new("fuzz"));
            let mut bytes = Vec::new();
            crate::write_records(w.as_mut(), chunk, &mut bytes).unwrap();
            out.push((format!("ws-{}-{k}", stem(&path)), bytes));
        }
    }
    let first = out.first().map(|(_, b)| b.clone()).unwrap_or_default();
    let text = String::from_utf8_lossy(&first).into_owned();
    let line = text.lines().nth(1).unwrap_or("").to_string();
    let v: Vec<(&str, Vec<u8>)> = vec![
        (
            "short-line",
            format!("header\n{}\n", &line[..line.len().min(40)]).into_bytes(),
        ),
        (
            "long-line",
            format!("header\n{line}{}\n{line}\n", "X".repeat(400)).into_bytes(),
        ),
        (
            "blank-and-crlf",
            format!("header\r\n\r\n  \r\n{line}\r\n").into_bytes(),
        ),
        (
            "multibyte",
            format!("header\n{}\n", line.replacen(' ', "é", 10)).into_bytes(),
        ),
        (
            "not-utf8",
            [b"header\n".as_slice(), line.as_bytes(), b"\xff\n"].concat(),
        ),
        ("only-header", b"header line only".to_vec()),
        (
            "bad-codes",
            format!("header\n{}\n", line.replace('M', "?")).into_bytes(),
        ),
    ];
    out.extend(v.into_iter().map(|(n, b)| (format!("hostile-{n}"), b)));
    out
}

#[test]
fn seeds_keep_every_invariant() {
    let dir = std::env::var_os("HOMEWARD_FUZZ_SEEDS").map(std::path::PathBuf::from);
    for target in Target::ALL {
        let seeds = seeds(target);
        assert!(seeds.len() >= 10, "{target}: only {} seeds", seeds.len());
        let mut totals = Report::default();
        for (name, bytes) in &seeds {
            let r = check(target, bytes, None).unwrap_or_else(|v| panic!("{target}/{name}: {v}"));
            totals.entries += r.entries;
            totals.transactions += r.transactions;
            totals.rejections += r.rejections;
            totals.exact_round_trips += r.exact_round_trips;
            if let Some(dir) = &dir {
                let d = dir.join(target.name());
                std::fs::create_dir_all(&d).unwrap();
                std::fs::write(d.join(name), bytes).unwrap();
            }
        }
        // The seeds reach both sides: accepted items that round-trip, and rejections.
        assert!(totals.entries > 20, "{target}: {totals:?}");
        assert!(totals.exact_round_trips > 20, "{target}: {totals:?}");
        assert!(totals.rejections >= 4, "{target}: {totals:?}");
    }
}

fn rejected_line(line: u64, offset: u64, raw: &[u8]) -> ReadItem {
    ReadItem::rejected(
        "ncic",
        None,
        "x",
        Position {
            line: Some(line),
            byte_offset: Some(offset),
            ..Position::default()
        },
        raw.to_vec(),
    )
}

#[test]
fn a_dropped_or_altered_line_is_caught() {
    let data = b"# c\nAAA\n\nBBB\r\n";
    let l = limits();
    // the reader the checks expect
    let mut seen = Seen::new(Target::Ncic, data, &l);
    seen.item(0, &rejected_line(2, 4, b"AAA")).unwrap();
    seen.item(1, &rejected_line(4, 9, b"BBB")).unwrap();
    seen.finish().unwrap();
    // one that drops the last line
    let mut seen = Seen::new(Target::Ncic, data, &l);
    seen.item(0, &rejected_line(2, 4, b"AAA")).unwrap();
    let v = seen.finish().unwrap_err();
    assert_eq!(v.rule, Rule::Accounting, "{v}");
    assert!(v.detail.contains("line 4"), "{v}");
    // one that keeps the carriage return
    let mut seen = Seen::new(Target::Ncic, data, &l);
    seen.item(0, &rejected_line(2, 4, b"AAA")).unwrap();
    let v = seen.item(1, &rejected_line(4, 9, b"BBB\r")).unwrap_err();
    assert_eq!(v.rule, Rule::Raw, "{v}");
    // one that keeps more than the line limit
    let long = vec![b'x'; 600];
    let mut seen = Seen::new(Target::Ncic, &long, &l);
    let v = seen.item(0, &rejected_line(1, 0, &long)).unwrap_err();
    assert_eq!(v.rule, Rule::Limits, "{v}");
}

fn child(index: u64, offset: u64, raw: &[u8]) -> ReadItem {
    ReadItem::rejected(
        "xml",
        Some("x"),
        "x",
        Position {
            index: Some(index),
            byte_offset: Some(offset),
            ..Position::default()
        },
        raw.to_vec(),
    )
}

#[test]
fn a_dropped_element_or_a_silent_truncation_is_caught() {
    let data = b"<r xmlns='urn:homeward:clearinghouse:1'><a/><b>1</b></r>";
    let l = limits();
    let mut seen = Seen::new(Target::Xml, data, &l);
    seen.item(0, &child(0, 40, b"<a/>")).unwrap();
    seen.item(1, &child(1, 44, b"<b>1</b>")).unwrap();
    seen.finish().unwrap();
    // `<b>` dropped
    let mut seen = Seen::new(Target::Xml, data, &l);
    seen.item(0, &child(0, 40, b"<a/>")).unwrap();
    let v = seen.finish().unwrap_err();
    assert!(v.detail.contains("`b` at byte 44"), "{v}");
    // raw bytes that are not the input's
    let mut seen = Seen::new(Target::Xml, data, &l);
    let v = seen.item(0, &child(0, 40, b"<a />")).unwrap_err();
    assert_eq!(v.rule, Rule::Raw, "{v}");
    // a truncated document read without a rejection
    let cut = &data[..50];
    let mut seen = Seen::new(Target::Xml, cut, &l);
    seen.item(0, &child(0, 40, b"<a/>")).unwrap();
    let v = seen.finish().unwrap_err();
    assert!(v.detail.contains("not whole"), "{v}");
    // the same, with the document-level rejection holding the rest
    let mut seen = Seen::new(Target::Xml, cut, &l);
    seen.item(0, &child(0, 40, b"<a/>")).unwrap();
    let mut refused = ReadItem::rejected(
        "xml",
        None,
        format!("{}: document is truncated", read_context().origin),
        Position {
            index: Some(1),
            ..Position::default()
        },
        cut[44..].to_vec(),
    );
    seen.item(1, &refused).unwrap();
    seen.finish().unwrap();
    // ... which must not claim more than the input holds
    let mut seen = Seen::new(Target::Xml, cut, &l);
    seen.item(0, &child(0, 40, b"<a/>")).unwrap();
    refused.raw = cut[30..].to_vec();
    seen.item(1, &refused).unwrap();
    assert_eq!(seen.finish().unwrap_err().rule, Rule::Raw);
}
