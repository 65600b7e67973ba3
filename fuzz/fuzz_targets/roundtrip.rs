//! `cargo fuzz run roundtrip`: see [`bc20_fuzz::roundtrip`] for the property.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| bc20_fuzz::roundtrip(data));
