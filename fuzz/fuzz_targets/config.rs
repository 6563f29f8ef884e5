//! Fuzz target `config`: the configuration loaders (gateway configuration and partner registry), every invariant of `homeward_gateway::invariants::check_config`.
#![no_main]
#![forbid(unsafe_code)]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| homeward_fuzz::run_check(homeward_gateway::invariants::check_config, data));
