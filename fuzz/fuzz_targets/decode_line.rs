//! `cargo fuzz run decode_line`: see [`bc20_fuzz::decode_line`] for the property.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| bc20_fuzz::decode_line(data));
