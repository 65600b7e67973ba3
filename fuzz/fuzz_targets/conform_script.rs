//! `cargo fuzz run conform_script`: the conformance script parser never panics, and what it
//! reports points into the input (see `bc20_fuzz::conform_script`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| bc20_fuzz::conform_script(data));
