//! Replays every committed input of the fuzz target `config` through the invariants it checks
//! (`homeward_gateway::invariants::check_config`), heap counted, exactly as
//! `fuzz/fuzz_targets/config.rs` does; no fuzzer is built. One test only: the heap counter is
//! global.

use homeward_adapters::invariants::{self, HeapMeter};
use homeward_gateway::invariants::check_config;
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
fn every_committed_fuzz_input_keeps_every_configuration_invariant() {
    let replay = invariants::replay("config", &|data| check_config(data, Some(&Heap)));
    assert!(replay.corpus >= 20, "{} corpus inputs", replay.corpus);
    assert!(replay.peak_heap > 0, "the heap counter saw nothing");
    assert!(
        replay.failures.is_empty(),
        "{} fuzz inputs break an invariant:\n{}",
        replay.failures.len(),
        replay.failures.join("\n")
    );
    println!(
        "config: {} corpus + {} regression inputs, most heap held for one input {} bytes",
        replay.corpus, replay.regressions, replay.peak_heap
    );
}
