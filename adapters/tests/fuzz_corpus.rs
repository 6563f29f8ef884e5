//! Replays every committed fuzz input through the invariants the fuzz targets check.
//!
//! `fuzz/corpus/<target>/` (the minimised corpus) and `fuzz/regressions/<target>/` (minimised
//! crashers, each once a bug) are read from the workspace root and checked with
//! `homeward_adapters::invariants::check`, heap counted, exactly as `fuzz/fuzz_targets/*.rs`
//! do; no fuzzer is built. This file holds one test only: the heap counter is global, and a
//! second test running beside it would be counted too.

use homeward_adapters::invariants::{self, HeapMeter, Target};
use homeward_adapters::testdata::workspace_root;
use peak_alloc::PeakAlloc;

#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc;

struct Heap;

impl HeapMeter for Heap {
    fn current(&self) -> usize {
        ALLOC.current_usage()
    }

    fn peak(&self) -> usize {
        ALLOC.peak_usage()
    }

    fn reset_peak(&self) {
        ALLOC.reset_peak_usage();
    }
}

/// The fuzz targets `fuzz/Cargo.toml` declares (its `[[bin]]` names).
fn declared_targets() -> Vec<String> {
    let path = workspace_root().join("fuzz").join("Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let doc: toml::Table =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    doc.get("bin")
        .and_then(|b| b.as_array())
        .map(|bins| {
            bins.iter()
                .filter_map(|b| b.get("name").and_then(|n| n.as_str()).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_committed_fuzz_input_keeps_every_invariant() {
    // Every reader has a fuzz target, and every fuzz target a committed corpus.
    let declared = declared_targets();
    for target in Target::ALL {
        assert!(
            declared.iter().any(|d| d == target.name()),
            "fuzz/Cargo.toml has no target `{target}`: {declared:?}"
        );
    }
    for name in &declared {
        let dir = workspace_root().join("fuzz").join("corpus").join(name);
        let n = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
        assert!(n >= 20, "{} holds {n} inputs", dir.display());
    }

    let mut failures = Vec::new();
    let mut lines = Vec::new();
    for target in Target::ALL {
        let replay = invariants::replay(target.name(), &|data| {
            invariants::check(target, data, Some(&Heap))
        });
        assert!(
            replay.peak_heap > 0,
            "{target}: the heap counter saw nothing"
        );
        lines.push(format!(
            "{target}: {} corpus + {} regression inputs, most heap held for one item {} bytes (budget {})",
            replay.corpus,
            replay.regressions,
            replay.peak_heap,
            invariants::heap_budget(target, &invariants::limits())
        ));
        failures.extend(replay.failures);
    }
    assert!(
        failures.is_empty(),
        "{} fuzz inputs break an invariant:\n{}",
        failures.len(),
        failures.join("\n")
    );
    println!("{}", lines.join("\n"));
}
