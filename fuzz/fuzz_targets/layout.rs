//! Fuzz target `layout`: the layout reader, every invariant of `homeward_adapters::invariants`.
#![no_main]
#![forbid(unsafe_code)]

use homeward_adapters::invariants::Target;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| homeward_fuzz::run(Target::Layout, data));
