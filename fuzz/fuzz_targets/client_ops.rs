//! `cargo fuzz run client_ops`: the driver against the simulator core and the reference
//! model under arbitrary calls and faults (see `bc20_fuzz::client_ops`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| bc20_fuzz::client_ops(data));
