//! What every fuzz target shares: the counting allocator the heap invariant reads, and the
//! call into the invariants (the same checks the corpus replay tests run).
#![forbid(unsafe_code)]

use homeward_adapters::invariants::{self, HeapMeter, Report, Target, Violation};
use peak_alloc::PeakAlloc;

#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc;

/// The heap as the counting allocator sees it.
pub struct Heap;

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

/// Checks one input; a broken invariant is a crash for libFuzzer (with the reason printed).
pub fn run(target: Target, data: &[u8]) {
    if let Err(v) = invariants::check(target, data, Some(&Heap)) {
        panic!("invariant broken: {v}");
    }
}

/// The check of a target defined outside the adapters (an envelope, a receipt, a request, the
/// configuration): the same function its corpus replay test calls.
pub type Check = fn(&[u8], Option<&dyn HeapMeter>) -> Result<Report, Violation>;

/// Runs `check` on `data`; a broken invariant is a crash for libFuzzer.
pub fn run_check(check: Check, data: &[u8]) {
    if let Err(v) = check(data, Some(&Heap)) {
        panic!("invariant broken: {v}");
    }
}
