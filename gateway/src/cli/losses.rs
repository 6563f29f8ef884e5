//! What a writer could not hold exactly, reported on stderr: by default one line per field
//! (how many records, and the first example), or every loss with `--each-loss`. Records left
//! out of the output altogether (`Loss::left_out`) are reported apart, as `left out of F:`,
//! and counted, so a summary never says "exported N" of records it did not write.

use std::collections::BTreeMap;
use std::io::Write;

use homeward_adapters::Loss;

/// Collects the losses of one output.
#[derive(Debug)]
pub struct LossReport {
    format: String,
    each: bool,
    total: u64,
    left_out: u64,
    /// (left out, field) → (how many, the first loss of it)
    by_field: BTreeMap<(bool, String), (u64, String)>,
}

impl LossReport {
    /// `each`: print every loss as it comes instead of a summary at the end.
    pub fn new(format: &str, each: bool) -> Self {
        Self {
            format: format.to_string(),
            each,
            total: 0,
            left_out: 0,
            by_field: BTreeMap::new(),
        }
    }

    /// Counts a loss (and prints it, with `each`).
    pub fn add(&mut self, loss: &Loss, out: &mut dyn Write) {
        self.total += 1;
        if loss.left_out {
            self.left_out += 1;
        }
        if self.each {
            let _ = writeln!(out, "{} {}: {loss}", lead(loss.left_out), self.format);
        }
        let e = self
            .by_field
            .entry((loss.left_out, loss.field.clone()))
            .or_insert_with(|| (0, format!("{}: {}", loss.record, loss.detail)));
        e.0 += 1;
    }

    /// How many losses were counted (records left out included).
    pub fn total(&self) -> u64 {
        self.total
    }

    /// How many records or transactions were left out of the output.
    pub fn left_out(&self) -> u64 {
        self.left_out
    }

    /// How many were written, but not exactly.
    pub fn not_exact(&self) -> u64 {
        self.total - self.left_out
    }

    /// The summary, one line per field (nothing with `each`: every loss was printed).
    pub fn summary(&self, out: &mut dyn Write) {
        if self.each {
            return;
        }
        // records left out first: they matter most
        let left_out = self.by_field.iter().filter(|e| e.0.0);
        let not_exact = self.by_field.iter().filter(|e| !e.0.0);
        for ((left, field), (n, first)) in left_out.chain(not_exact) {
            let _ = writeln!(
                out,
                "{} {}: {field}: {n}×, e.g. {first}",
                lead(*left),
                self.format
            );
        }
        if !self.by_field.is_empty() {
            let _ = writeln!(out, "(--each-loss lists every one)");
        }
    }
}

fn lead(left_out: bool) -> &'static str {
    if left_out {
        "left out of"
    } else {
        "not exact in"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use homeward_schemas::RecordId;

    fn loss(native: &str, field: &str) -> Loss {
        Loss {
            left_out: false,
            record: RecordId::new("SRC", native),
            field: field.into(),
            detail: format!("{field} rounded"),
        }
    }

    #[test]
    fn summary_counts_by_field_with_the_first_example() {
        let mut r = LossReport::new("ncic", false);
        let mut sink = Vec::new();
        r.add(&loss("A", "height_cm"), &mut sink);
        r.add(&loss("B", "height_cm"), &mut sink);
        r.add(&loss("B", "agency.name"), &mut sink);
        assert!(sink.is_empty());
        r.summary(&mut sink);
        let text = String::from_utf8(sink).unwrap();
        assert_eq!(r.total(), 3);
        assert!(text.contains("not exact in ncic: height_cm: 2×, e.g. SRC/A: height_cm rounded"));
        assert!(text.contains("not exact in ncic: agency.name: 1×, e.g. SRC/B"));
    }

    #[test]
    fn records_left_out_are_counted_and_listed_first() {
        let mut r = LossReport::new("xml", false);
        let mut sink = Vec::new();
        r.add(&loss("A", "sex"), &mut sink);
        r.add(
            &Loss {
                left_out: true,
                ..loss("B", "kind")
            },
            &mut sink,
        );
        r.summary(&mut sink);
        let text = String::from_utf8(sink).unwrap();
        assert_eq!((r.total(), r.left_out(), r.not_exact()), (2, 1, 1));
        assert!(
            text.starts_with("left out of xml: kind: 1×, e.g. SRC/B"),
            "{text}"
        );
        assert!(text.contains("not exact in xml: sex: 1×"), "{text}");
    }

    #[test]
    fn each_prints_every_loss_and_no_summary() {
        let mut r = LossReport::new("xml", true);
        let mut sink = Vec::new();
        r.add(&loss("A", "sex"), &mut sink);
        r.add(&loss("B", "sex"), &mut sink);
        r.summary(&mut sink);
        let text = String::from_utf8(sink).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
    }
}
