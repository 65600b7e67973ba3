//! End-to-end tests of the `bc20` binary: they run the built executable on fixtures.

mod conform_aedes;
mod conform_cli;
mod conform_serial;
mod conform_virtual;
mod decode;
mod diagram;
mod encode;
mod proxy;
mod sim;
mod support;
