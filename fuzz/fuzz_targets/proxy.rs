//! `cargo fuzz run proxy`: see [`bc20_fuzz::proxy`] for the property.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| bc20_fuzz::proxy(data));
