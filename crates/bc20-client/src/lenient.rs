//! Lenient readings of asynchronous results that `bc20-grammar` rejects although
//! spec/DECISIONS.md says a lenient decoder accepts them (reported upstream):
//!
//! - `+QMTCONN: <id>,0` without `<ret_code>` (D27: accepted, ret_code absent);
//! - `+QMTCONN: <id>,1,<n>` (D27: a third field after result 1 is a retransmission count);
//! - `+QMTSUB: <id>,<msgID>,1` without the count (D30: lenient, the count may be absent).
//!
//! Only lines that failed to decode reach this module, and only in lenient mode.

use bc20_grammar::{limits, PacketResult, SubValue, Urc};

/// `+QMTCONN: ` / `+QMTSUB: ` followed by small decimal fields, nothing else.
fn fields(line: &[u8], prefix: &[u8]) -> Option<Vec<u32>> {
    let rest = line
        .get(..prefix.len())
        .filter(|p| p.eq_ignore_ascii_case(prefix))
        .map(|_| &line[prefix.len()..])?;
    let rest = std::str::from_utf8(rest).ok()?.trim();
    rest.split(',')
        .map(|f| f.trim().parse::<u32>().ok())
        .collect()
}

fn conn_id(v: u32) -> Option<u8> {
    u8::try_from(v)
        .ok()
        .filter(|&c| i64::from(c) <= limits::CONN_ID.1)
}

/// The URC a lenient module meant, for the three shapes above.
pub(crate) fn reread(line: &[u8]) -> Option<Urc<'static>> {
    if let Some(f) = fields(line, b"+QMTCONN:") {
        return match f[..] {
            [id, 0] => Some(Urc::QmtConn {
                conn_id: conn_id(id)?,
                result: PacketResult::Sent,
                ret_code: None,
            }),
            [id, 1, _] => Some(Urc::QmtConn {
                conn_id: conn_id(id)?,
                result: PacketResult::Retransmission,
                ret_code: None,
            }),
            _ => None,
        };
    }
    if let Some(f) = fields(line, b"+QMTSUB:") {
        if let [id, msg, 1] = f[..] {
            let msg_id = u16::try_from(msg).ok().filter(|&m| m > 0)?;
            let value: Option<SubValue> = None;
            return Some(Urc::QmtSub {
                conn_id: conn_id(id)?,
                msg_id,
                result: PacketResult::Retransmission,
                value,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rereads_only_the_documented_shapes() {
        assert!(matches!(
            reread(b"+QMTCONN: 0,0"),
            Some(Urc::QmtConn { ret_code: None, .. })
        ));
        assert!(matches!(
            reread(b"+QMTCONN: 5,1,2"),
            Some(Urc::QmtConn {
                result: PacketResult::Retransmission,
                ..
            })
        ));
        assert!(matches!(
            reread(b"+QMTSUB: 1,7,1"),
            Some(Urc::QmtSub { msg_id: 7, .. })
        ));
        assert_eq!(reread(b"+QMTCONN: 6,0"), None);
        assert_eq!(reread(b"+QMTCONN: 0,x"), None);
        assert_eq!(reread(b"+QMTSUB: 0,0,1"), None);
        assert_eq!(reread(b"+QMTPUB: 0,1,1"), None);
    }
}
