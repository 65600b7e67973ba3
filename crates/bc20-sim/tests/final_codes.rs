//! Final result codes (D5, D6), the basic commands (D40) and AT+QMTCFG's forms (3.2.1).

mod common;

use bc20_sim::{Bench, ModemConfig};
use common::{framed, quiet};

// ---------------------------------------------------------------- final result codes (D5, D6)

#[test]
fn final_result_codes_d6() {
    let mut b = Bench::new(quiet());
    let cases: &[(&str, &str)] = &[
        ("AT+FOO", "ERROR"),
        ("hello", "ERROR"),
        ("AT+QMTCFG?", "ERROR"),
        ("AT+QMTCLOSE?", "ERROR"),
        ("AT+QMTPUB?", "ERROR"),
        ("AT+QMTOPEN", "ERROR"),
        ("at+qmtopen?", "ERROR"),
        ("AT+QMTOPEN=6,\"h\",1", "+CME ERROR: 50"),
        ("AT+QMTOPEN=0,\"h\",0", "+CME ERROR: 50"),
        ("AT+QMTOPEN=0,\u{201c}h\u{201d},1883", "+CME ERROR: 50"),
        ("AT+QMTOPEN=0,\"\",1883", "+CME ERROR: 50"),
        ("AT+QMTCFG=\"keepalive\"", "+CME ERROR: 50"),
        ("AT+QMTCFG=\"version\",0,4", "+CME ERROR: 50"),
        ("AT+QMTCFG=\"will\",0,1", "+CME ERROR: 50"),
        ("AT+QMTSUB=0,1", "+CME ERROR: 50"),
        ("AT+QMTSUB=0,0,\"a\",0", "+CME ERROR: 50"),
        ("AT+QMTPUB=0,0,1,0,\"a\",\"x\"", "+CME ERROR: 50"),
        ("AT+QMTPUB=0,5,0,0,\"a\",\"x\"", "+CME ERROR: 50"),
        ("AT+QMTPUB=0,1,1,0,\"a\"", "+CME ERROR: 50"),
        ("AT+CMEE=3", "+CME ERROR: 50"),
    ];
    for (cmd, want) in cases {
        assert_eq!(b.command(cmd), framed(&[want]), "{cmd}");
    }
    let long_host = format!("AT+QMTOPEN=0,\"{}\",1883", "h".repeat(101));
    assert_eq!(b.command(&long_host), framed(&["+CME ERROR: 24"]));
    b.write(0, b"AT+QMTCONN=0,\"\xff\xfe\"\r");
    assert_eq!(b.read_text(0), framed(&["+CME ERROR: 25"]));
    b.write(0, b"AT+QMTPUB=0,0,0,0,\"t\",\"a\0b\"\r");
    assert_eq!(b.read_text(0), framed(&["+CME ERROR: 25"]));
}

#[test]
fn cmee_0_and_2() {
    let mut b = Bench::new(quiet());
    assert_eq!(b.command("AT+CMEE=0"), framed(&["OK"]));
    assert_eq!(b.command("AT+QMTCLOSE=0"), framed(&["ERROR"]));
    assert_eq!(b.command("AT+CMEE=2"), framed(&["OK"]));
    assert_eq!(
        b.command("AT+QMTCLOSE=0"),
        framed(&["+CME ERROR: Operation not allowed"])
    );
    assert_eq!(
        b.command("AT+QMTOPEN=9,\"h\",1"),
        framed(&["+CME ERROR: Incorrect parameters"])
    );
}

#[test]
fn basic_commands_d40() {
    let mut b = Bench::new(ModemConfig::default());
    assert_eq!(b.command("AT"), "AT\r\r\nOK\r\n");
    assert_eq!(b.command("ATE0"), "ATE0\r\r\nOK\r\n");
    assert_eq!(b.command("AT"), framed(&["OK"]));
    assert_eq!(
        b.command("ATI"),
        framed(&["Quectel", "BC20", "Revision: bc20kit-sim", "OK"])
    );
    assert_eq!(
        b.command("AT+CGMR"),
        framed(&["Revision: bc20kit-sim", "OK"])
    );
    assert_eq!(b.command("AT+CPIN?"), framed(&["+CPIN: READY", "OK"]));
    assert_eq!(b.command("AT+CEREG?"), framed(&["+CEREG: 0,1", "OK"]));
    assert_eq!(b.command("AT+CGATT?"), framed(&["+CGATT: 1", "OK"]));
    assert_eq!(b.command("AT+CSQ"), framed(&["+CSQ: 31,99", "OK"]));
    // Echo happens on receipt: ATE1 itself is not echoed, the next command is.
    assert_eq!(b.command("ATE1"), framed(&["OK"]));
    assert_eq!(b.command("AT"), "AT\r\r\nOK\r\n");
}

#[test]
fn boot_emits_ip_and_echo_is_on_d4_d40() {
    let mut m = bc20_sim::Modem::new(ModemConfig::default(), bc20_sim::SimTime::ZERO);
    assert_eq!(m.poll_host().unwrap(), b"\r\n+IP: 10.0.0.1\r\n");
    assert!(m.echo());
    assert_eq!(m.cmee(), 1);
}

#[test]
fn qmtcfg_write_and_query_forms() {
    let mut b = Bench::new(quiet());
    assert_eq!(
        b.command("AT+QMTCFG=\"keepalive\",5"),
        framed(&["+QMTCFG: \"keepalive\",120", "OK"])
    );
    assert_eq!(b.command("AT+QMTCFG=\"KEEPALIVE\",5,3600"), framed(&["OK"]));
    assert_eq!(
        b.command("AT+QMTCFG=\"keepalive\",5"),
        framed(&["+QMTCFG: \"keepalive\",3600", "OK"])
    );
    assert_eq!(
        b.command("AT+QMTCFG=\"session\",0"),
        framed(&["+QMTCFG: \"session\",1", "OK"])
    );
    assert_eq!(
        b.command("AT+QMTCFG=\"timeout\",0"),
        framed(&["+QMTCFG: \"timeout\",10,3,0", "OK"])
    );
    // D18: positional, values left off keep their setting.
    b.command("AT+QMTCFG=\"timeout\",0,20,5,1");
    b.command("AT+QMTCFG=\"timeout\",0,30");
    assert_eq!(
        b.command("AT+QMTCFG=\"timeout\",0"),
        framed(&["+QMTCFG: \"timeout\",30,5,1", "OK"])
    );
    assert_eq!(
        b.command("AT+QMTCFG=\"will\",0"),
        framed(&["+QMTCFG: \"will\",0", "OK"])
    );
    b.command("AT+QMTCFG=\"will\",0,1,1,0,\"dev/lwt\",\"gone, unexpectedly\"");
    assert_eq!(
        b.command("AT+QMTCFG=\"will\",0"),
        framed(&[
            "+QMTCFG: \"will\",1,1,0,\"dev/lwt\",\"gone, unexpectedly\"",
            "OK"
        ])
    );
    assert_eq!(b.command("AT+QMTCFG=\"aliauth\",0"), framed(&["OK"]));
    b.command("AT+QMTCFG=\"aliauth\",0,\"pk\",\"dn\",\"ds\"");
    assert_eq!(
        b.command("AT+QMTCFG=\"aliauth\",0"),
        framed(&["+QMTCFG: \"aliauth\",\"pk\",\"dn\",\"ds\"", "OK"])
    );
    assert_eq!(
        b.command("AT+QMTCFG=\"KeepAlive\",0"),
        framed(&["+CME ERROR: 50"])
    );
}
