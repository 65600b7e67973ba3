//! Malformed and hostile input on the serial line never panics or wedges the module, and the
//! next valid command is answered correctly.

mod common;

use bc20_sim::{Bench, Fault, Modem, ModemConfig, Quirk, Quirks, SimTime, Way};
use common::{framed, quiet, s};
use proptest::prelude::*;

/// Feeds `chunks`, then ends the line and sends `AT`: the answer must be `OK`.
fn answers_at_after(config: ModemConfig, chunks: &[Vec<u8>]) {
    let mut m = Modem::new(config, SimTime::ZERO);
    let mut t = SimTime::ZERO;
    for c in chunks {
        m.handle_host_bytes(t, c);
        while m.poll_net().is_some() {}
        t += std::time::Duration::from_millis(7);
        m.handle_timeout(t);
    }
    // Whatever the noise started (a QMTOPEN nobody answers, a held OK) ends by itself.
    t += std::time::Duration::from_secs(100);
    m.handle_timeout(t);
    m.poll_host();
    m.handle_host_bytes(t, b"\rAT\r");
    let out = m.poll_host().unwrap_or_default();
    assert!(
        out.ends_with(b"\r\nOK\r\n"),
        "{:?}",
        String::from_utf8_lossy(&out)
    );
}

#[test]
fn one_megabyte_without_a_line_end() {
    let mut b = Bench::new(quiet());
    b.write(0, &vec![b'A'; 1 << 20]);
    assert_eq!(b.read_text(0), framed(&["+CME ERROR: 24"]));
    b.write(0, b"\rAT\r");
    assert_eq!(b.read_text(0), framed(&["OK"]));
}

#[test]
fn an_over_long_command_line_is_text_string_too_long_d12() {
    let mut b = Bench::new(quiet());
    let line = format!("AT+QMTPUB=0,0,0,0,\"t\",\"{}\"", "x".repeat(5000));
    assert_eq!(b.command(&line), framed(&["+CME ERROR: 24"]));
    assert_eq!(b.command("AT"), framed(&["OK"]));
}

#[test]
fn nul_bytes_and_garbage() {
    let mut b = Bench::new(quiet());
    b.write(0, b"\0\0\0\r");
    assert_eq!(b.read_text(0), framed(&["ERROR"]));
    b.write(0, b"AT\0\r");
    assert_eq!(b.read_text(0), framed(&["ERROR"]));
    b.write(0, b"\xff\xfe\x01garbage\r");
    assert_eq!(b.read_text(0), framed(&["ERROR"]));
    b.write(0, b"\r\r\n\n\r");
    assert_eq!(b.read_text(0), "");
    assert_eq!(b.command("AT"), framed(&["OK"]));
}

#[test]
fn commands_split_across_reads_and_joined_in_one() {
    let mut b = Bench::new(quiet());
    for piece in [&b"AT+QM"[..], b"TOPEN=0,\"bro", b"ker\",18", b"83", b"\r"] {
        b.write(0, piece);
    }
    assert_eq!(b.read_text(0), framed(&["OK", "+QMTOPEN: 0,0"]));
    b.write(0, b"AT\rAT+QMTOPEN?\r\nAT+CSQ\r");
    assert_eq!(
        b.read_text(0),
        framed(&[
            "OK",
            "+QMTOPEN: 0,\"broker\",1883",
            "OK",
            "+CSQ: 31,99",
            "OK"
        ])
    );
}

#[test]
fn a_lone_lf_after_cr_is_ignored_d3() {
    let mut b = Bench::new(ModemConfig::default());
    b.write(0, b"AT\r\n");
    assert_eq!(b.read_text(0), "AT\r\r\nOK\r\n");
}

#[test]
fn hostile_input_with_every_quirk_on() {
    let all: Quirks = Quirk::ALL.into_iter().collect();
    let config = ModemConfig {
        quirks: all,
        ..ModemConfig::default()
    };
    answers_at_after(
        config,
        &[
            b"AT+QMTOPEN=0,\"h\",1\r".to_vec(),
            vec![0; 100],
            b"AT+QMTPUB=0,0,0,0,\"t\",\"x\"\r".to_vec(),
        ],
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_and_at_still_works(chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..600), 0..8)) {
        answers_at_after(ModemConfig::default(), &chunks);
    }

    #[test]
    fn at_flavoured_noise_never_panics(chunks in prop::collection::vec(
        prop::collection::vec(prop::sample::select(b"AT+QMTOPENCFGSUBPUB=?,\"\r\n0123456789\x00\xe2\x80\x9c".to_vec()), 0..200), 0..10))
    {
        answers_at_after(ModemConfig { mode: bc20_grammar::Mode::Lenient, ..ModemConfig::default() }, &chunks);
    }

    /// Random sessions with faults and time jumps on the virtual network: no panic, and the
    /// module still answers.
    #[test]
    fn random_sessions_with_faults(steps in prop::collection::vec(0usize..22, 1..40)) {
        let mut b = Bench::new(quiet());
        for step in steps {
            match step {
                0 => { b.command("AT+QMTOPEN=0,\"broker\",1883"); }
                1 => { b.command("AT+QMTCONN=0,\"dev\""); }
                2 => { b.command("AT+QMTSUB=0,1,\"a/#\",2"); }
                3 => { b.command("AT+QMTPUB=0,2,1,0,\"a/b\",\"x\""); }
                4 => { b.command("AT+QMTPUB=0,3,2,1,\"a/c\",\"y\""); }
                5 => { b.command("AT+QMTUNS=0,4,\"a/#\""); }
                6 => { b.command("AT+QMTDISC=0"); }
                7 => { b.command("AT+QMTCLOSE=0"); }
                8 => { b.command("AT+QMTCFG=\"timeout\",0,1,2,1"); }
                9 => { b.command("AT+QMTCFG=\"keepalive\",0,5"); }
                10 => b.inject(0, Fault::DropLink { conn_id: 0, how: Default::default() }),
                11 => b.inject(0, Fault::KillLink { conn_id: 0 }),
                12 => b.inject(0, Fault::BlackHole { conn_id: 0, way: Way::Both, duration: s(3) }),
                13 => b.inject(0, Fault::Delay { conn_id: 0, way: Way::Down, delay: s(1) }),
                14 => b.inject(0, Fault::SendFail { conn_id: 0, on: true }),
                15 => b.inject(0, Fault::Clear),
                16 => b.inject(0, Fault::HoldClose { conn_id: 0, on: true }),
                17 => { b.advance(s(1)); }
                18 => { b.advance(s(30)); }
                19 => b.publish("a/b", b"z", 2, false),
                20 => { b.net.broker.behaviour.silent_ping = !b.net.broker.behaviour.silent_ping; }
                _ => { b.command("AT+QMTCONN?"); }
            }
        }
        b.advance(s(200));
        b.read(0);
        prop_assert_eq!(b.command("AT"), framed(&["OK"]));
    }
}

/// Final result codes in module output (lenient, so `AT+CMEE=2` texts count too).
fn finals(out: &[u8]) -> usize {
    use bc20_grammar::{Direction, FrameKind, Mode, StreamConfig, StreamDecoder};
    let mut d = StreamDecoder::new(StreamConfig {
        mode: Mode::Lenient,
        direction: Direction::ModemToHost,
        ..StreamConfig::default()
    });
    let mut n = 0;
    d.feed(out, |f| {
        n += usize::from(f.kind == FrameKind::Final || f.raw.starts_with(b"+CME ERROR:"))
    });
    n
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Every command line the host completes gets exactly one final result code, in any
    /// chunking, any mode, any AT+CMEE, with a short line limit too (the fuzz target
    /// `command` checks the same).
    #[test]
    fn one_final_result_code_per_command_line(
        lenient in any::<bool>(),
        cmee in 0u8..3,
        short in any::<bool>(),
        chunks in prop::collection::vec(
            prop::collection::vec(prop::sample::select(b"AT+QMTOPENCFGSUBPUBCLOSE=?,\"\r\n05\x00\xff ateATIE".to_vec()), 0..120), 0..12),
    ) {
        use bc20_grammar::{Direction, Mode, StreamConfig, StreamDecoder};
        let config = ModemConfig {
            mode: if lenient { Mode::Lenient } else { Mode::Strict },
            echo: false,
            cmee,
            max_line_len: if short { 64 } else { 4096 },
            ..ModemConfig::default()
        };
        let mut lines = StreamDecoder::new(StreamConfig { mode: config.mode, max_line_len: config.max_line_len, direction: Direction::HostToModem });
        let mut t = SimTime::ZERO;
        let mut m = Modem::new(config, t);
        m.poll_host();
        for chunk in &chunks {
            let mut commands = 0;
            lines.feed(chunk, |_| commands += 1);
            t += std::time::Duration::from_millis(1);
            m.handle_host_bytes(t, chunk);
            while m.poll_net().is_some() {}
            let out = m.poll_host().unwrap_or_default();
            prop_assert_eq!(finals(&out), commands, "output {:?}", String::from_utf8_lossy(&out));
        }
        m.handle_timeout(t + s(120));
        let late = m.poll_host().unwrap_or_default();
        prop_assert_eq!(finals(&late), 0);
    }
}
