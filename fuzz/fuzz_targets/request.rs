//! Fuzz target `request`: the partner API's request handling, in process, every invariant of `homeward_exchange::invariants::check_request`.
#![no_main]
#![forbid(unsafe_code)]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| homeward_fuzz::run_check(homeward_exchange::invariants::check_request, data));
