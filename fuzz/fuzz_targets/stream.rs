//! `cargo fuzz run stream`: see [`bc20_fuzz::stream`] for the property.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| bc20_fuzz::stream(data));
