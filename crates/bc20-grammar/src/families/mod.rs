//! One module per command family of the note, each holding that family's decoding and encoding
//! (as smoltcp's `wire/` holds one protocol per file). The families sit between the shared
//! layers below them (the lexer [`crate::cursor`], the field readers [`crate::fields`], the
//! writer [`crate::wire`], the text checks [`crate::text`] and the line types) and the
//! dispatchers above them ([`crate::decode`] picks a family by a line's name, [`crate::encode`]
//! by a value's variant). A family module uses no other family and no dispatcher.
//!
//! Each offers what its family has of: `decode_write` (the `AT+X=` form after the `=`),
//! `decode_answer` (the `+X: ` line after its name), `encode_command`, `encode_response` and
//! `encode_urc` (the line without its terminator). An encoder takes its own typed value (the
//! variant's fields, a [`crate::CfgSetting`], a [`crate::PacketOutcome`]), never the whole
//! line type, so the dispatcher's match is exhaustive and no family has a case it cannot handle.

pub(crate) mod basic;
pub(crate) mod final_result;
pub(crate) mod qmtcfg;
pub(crate) mod qmtclose;
pub(crate) mod qmtconn;
pub(crate) mod qmtdisc;
pub(crate) mod qmtopen;
pub(crate) mod qmtpub;
pub(crate) mod qmtrecv;
pub(crate) mod qmtstat;
pub(crate) mod qmtsub;
pub(crate) mod qmtuns;
