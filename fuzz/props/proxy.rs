//! The `proxy` target: the fault proxy's core (`bc20_proxy::Proxy`) under arbitrary bytes
//! from both ends, faults, closes and time.

use bc20_fault::Fault;
use bc20_grammar::time::Instant;
use bc20_proxy::{Action, Proxy, Side};

use super::show;

/// Faults the input picks from (every kind the proxy produces, and two it refuses).
const FAULTS: [&str; 16] = [
    "black-hole 0 up 1s",
    "black-hole 0 down 1s",
    "delay 0 both 300ms",
    "delay 0 up 0s",
    "drop-link 0",
    "kill-link 1",
    "hold-close 0 on",
    "refuse-connections on",
    "clear",
    "drop-packet 0 down PINGRESP times 2",
    "hold-packet 0 up PUBLISH 200ms id 7",
    "close-after 0 down SUBACK",
    "connack 0 5",
    "garbage 0",
    "drop-link 1 fin",
    "link-down 0",
];

/// Input layout: a sequence of operations, each one byte `op` and, for data, one length
/// byte then that many bytes. `op % 8`: 0/1 bytes from the module/broker of connection
/// `op / 8 % 3`, 2 a fault (`op / 8 % 16` of [`FAULTS`]), 3 time +`op` ms, 4 a new
/// connection (expected as slot `op / 8 % 6`), 5/6 a module/broker close, 7 a label.
///
/// Checks that nothing panics and that no end receives more bytes than the other end sent
/// (but for the `garbage` fault's own `00 00`, which no forwarded packet can be: the proxy
/// cuts a stream starting with 0x00 off as not MQTT).
pub fn proxy(data: &[u8]) {
    let mut p = Proxy::new();
    let mut now = Instant::ZERO;
    let mut sent = [[0usize; 2]; 3];
    let mut got = [[0usize; 2]; 3];
    let mut rest = data;
    let mut next_key = 0u64;
    while let Some((&op, tail)) = rest.split_first() {
        rest = tail;
        let key = u64::from(op / 8 % 3);
        match op % 8 {
            k @ (0 | 1) => {
                let Some((&len, tail)) = rest.split_first() else {
                    break;
                };
                let n = usize::from(len).min(tail.len());
                let (chunk, tail) = tail.split_at(n);
                rest = tail;
                let from = if k == 0 { Side::Module } else { Side::Broker };
                sent[key as usize][k as usize] += chunk.len();
                p.receive(now, key, from, chunk);
            }
            2 => {
                let f: Fault = FAULTS[usize::from(op / 8) % FAULTS.len()].parse().unwrap();
                let _ = p.inject(now, &f);
            }
            3 => now += std::time::Duration::from_millis(u64::from(op)),
            4 => {
                p.expect_connection(op / 8 % 6);
                next_key = (next_key + 1) % 3;
                let _ = p.accept(now, next_key);
            }
            5 => p.closed(now, key, Side::Module),
            6 => p.closed(now, key, Side::Broker),
            _ => p.label(key, op / 8 % 6),
        }
        p.handle_timeout(now);
        while let Some(a) = p.poll_action() {
            if let Action::Send { key, to, bytes } = a {
                if bytes[..] == [0, 0] {
                    continue;
                }
                // Bytes towards the broker came from the module, and the other way round.
                let from = usize::from(to == Side::Module);
                got[key as usize % 3][from] += bytes.len();
            }
        }
    }
    for k in 0..3 {
        for d in 0..2 {
            assert!(
                got[k][d] <= sent[k][d],
                "connection {k}: {} bytes passed on, {} received: {}",
                got[k][d],
                sent[k][d],
                show(data)
            );
        }
    }
}
