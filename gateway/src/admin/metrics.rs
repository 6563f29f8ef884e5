//! Metrics in the Prometheus text exposition format (version 0.0.4), written by hand: a few
//! counters kept while the gateway runs, and gauges read when `/metrics` is asked (job
//! statuses, store counts, quarantine). No exporter crate, so no second TLS stack in the tree.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// The kind of a metric family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
}

type Labels = Vec<(String, String)>;

#[derive(Debug, Clone)]
struct Family {
    help: &'static str,
    kind: Kind,
    series: BTreeMap<Labels, f64>,
}

/// Counters and gauges by name and labels.
#[derive(Debug, Default)]
pub struct Metrics {
    families: Mutex<BTreeMap<&'static str, Family>>,
}

fn labels(l: &[(&str, &str)]) -> Labels {
    l.iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    fn with(
        &self,
        name: &'static str,
        help: &'static str,
        kind: Kind,
        f: impl FnOnce(&mut Family),
    ) {
        if let Ok(mut fams) = self.families.lock() {
            let fam = fams.entry(name).or_insert_with(|| Family {
                help,
                kind,
                series: BTreeMap::new(),
            });
            f(fam);
        }
    }

    /// Adds `by` to a counter.
    pub fn inc(&self, name: &'static str, help: &'static str, l: &[(&str, &str)], by: f64) {
        self.with(name, help, Kind::Counter, |f| {
            *f.series.entry(labels(l)).or_insert(0.0) += by;
        });
    }

    /// Sets a gauge.
    pub fn set(&self, name: &'static str, help: &'static str, l: &[(&str, &str)], v: f64) {
        self.with(name, help, Kind::Gauge, |f| {
            f.series.insert(labels(l), v);
        });
    }

    /// The value of one series (tests, status).
    pub fn get(&self, name: &str, l: &[(&str, &str)]) -> Option<f64> {
        let fams = self.families.lock().ok()?;
        fams.get(name)?.series.get(&labels(l)).copied()
    }

    /// A copy, to add read-time gauges to before rendering.
    pub fn snapshot(&self) -> Metrics {
        let fams = self.families.lock().map(|f| f.clone()).unwrap_or_default();
        Metrics {
            families: Mutex::new(fams),
        }
    }

    /// The text exposition: `# HELP`, `# TYPE`, then one line per series, families by name.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let Ok(fams) = self.families.lock() else {
            return out;
        };
        for (name, fam) in fams.iter() {
            let _ = writeln!(out, "# HELP {name} {}", fam.help);
            let _ = writeln!(
                out,
                "# TYPE {name} {}",
                match fam.kind {
                    Kind::Counter => "counter",
                    Kind::Gauge => "gauge",
                }
            );
            for (l, v) in &fam.series {
                out.push_str(name);
                if !l.is_empty() {
                    out.push('{');
                    for (i, (k, val)) in l.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        let _ = write!(out, "{k}=\"{}\"", escape(val));
                    }
                    out.push('}');
                }
                let _ = writeln!(out, " {}", number(*v));
            }
        }
        out
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_text_format() {
        let m = Metrics::new();
        m.inc(
            "homeward_job_runs_total",
            "Job runs.",
            &[("job", "a"), ("outcome", "ok")],
            1.0,
        );
        m.inc(
            "homeward_job_runs_total",
            "Job runs.",
            &[("job", "a"), ("outcome", "ok")],
            2.0,
        );
        m.set("homeward_quarantine_open", "Open items.", &[], 4.0);
        m.set("homeward_x", "X.", &[("path", "a\"b\\c\nd")], 0.25);
        let text = m.render();
        assert_eq!(
            text,
            "# HELP homeward_job_runs_total Job runs.\n# TYPE homeward_job_runs_total counter\nhomeward_job_runs_total{job=\"a\",outcome=\"ok\"} 3\n\
             # HELP homeward_quarantine_open Open items.\n# TYPE homeward_quarantine_open gauge\nhomeward_quarantine_open 4\n\
             # HELP homeward_x X.\n# TYPE homeward_x gauge\nhomeward_x{path=\"a\\\"b\\\\c\\nd\"} 0.25\n"
        );
        assert_eq!(
            m.get(
                "homeward_job_runs_total",
                &[("job", "a"), ("outcome", "ok")]
            ),
            Some(3.0)
        );
        let snap = m.snapshot();
        snap.set("homeward_y", "Y.", &[], 1.0);
        assert!(m.get("homeward_y", &[]).is_none());
    }
}
