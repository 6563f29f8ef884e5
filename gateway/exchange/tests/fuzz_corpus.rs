//! Replays every committed input of the fuzz targets `envelope`, `receipt` and `request`
//! through the invariants they check (`homeward_exchange::invariants`), heap counted, exactly
//! as `fuzz/fuzz_targets/{envelope,receipt,request}.rs` do; no fuzzer is built. One test only:
//! the heap counter is global, and a second test running beside it would be counted too.

use homeward_adapters::invariants::{self, HeapMeter};
use homeward_exchange::invariants::{TARGETS, check_envelope, check_receipt, check_request};
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

#[test]
fn every_committed_fuzz_input_keeps_every_exchange_invariant() {
    let mut failures = Vec::new();
    let mut lines = Vec::new();
    for target in TARGETS {
        let replay = invariants::replay(target, &|data| match target {
            "envelope" => check_envelope(data, Some(&Heap)),
            "receipt" => check_receipt(data, Some(&Heap)),
            _ => check_request(data, Some(&Heap)),
        });
        assert!(
            replay.corpus >= 20,
            "{target}: {} corpus inputs committed under fuzz/corpus/{target}/",
            replay.corpus
        );
        assert!(
            replay.peak_heap > 0,
            "{target}: the heap counter saw nothing"
        );
        lines.push(format!(
            "{target}: {} corpus + {} regression inputs, most heap held for one input {} bytes",
            replay.corpus, replay.regressions, replay.peak_heap
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
