//! `cargo fuzz run command`: see [`bc20_fuzz::command`] for the property.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| bc20_fuzz::command(data));
