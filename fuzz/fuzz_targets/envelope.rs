//! Fuzz target `envelope`: envelope parsing and signature verification, every invariant of `homeward_exchange::invariants::check_envelope`.
#![no_main]
#![forbid(unsafe_code)]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| homeward_fuzz::run_check(homeward_exchange::invariants::check_envelope, data));
