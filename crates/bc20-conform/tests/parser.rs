//! The script parser: a reference script's outline and the caret rendering of every kind of
//! mistake, pinned with insta; and every suite script parses.

use bc20_conform::pattern::{FieldPattern, Matcher};
use bc20_conform::script::{NetValue, NetworkCheckKind, PayloadPattern, PeerStep, Step, StepKind};
use bc20_conform::{load_script, parse_script};

const REFERENCE: &str = r#"# A script using every step.
title Reference script
tags 3.2.2 qmtopen.write qmtopen.result=0
tags 5.2
requires sim
timeout 5s
xfail BC20-1234: QMTSTAT 6 after a cell reselection
time-limit 3m
ignore regex \+CEREG: .*
secret pw = hunter2

setup:
  set host = ${broker_host}
  send AT+QMTOPEN=0,"${host}",${broker_port}
  expect OK
  expect within 80s +QMTOPEN: 0,$result
test:
  send AT+QMTCONN=0,"c-${uid}","u","${pw}"
  expect literal OK
  expect regex \+QMTCONN: 0,(?P<r>[0-2]),0
  expect-set within 2s {
    +QMTSTAT: 0,_
    +QMTRECV: 1,*
  }
  expect-none 500ms
  expect-eventually within 10s +QMTSTAT: 0,$err
  expect-eventually literal ${host} is up
  expect-any within 1s {
    OK
    +CME ERROR: $cme
    regex ERROR|NO CARRIER
  }
  wait 1.5s
  send-raw "AT\r\xff"
  peer subscribe topic="t/${uid}" qos=1
  peer publish topic="t/${uid}" payload="a \"quoted\", payload" qos=2 retain=1
  peer expect topic="t/${uid}" payload=$got qos=1 retain=0 within 3s
  peer expect-none 1s
  fault black-hole 0 up 10s
  fault clear
  mark quiet
  expect-keepalive 0 keepalive=2s since=quiet
  expect-retransmissions 0 PUBLISH id=${r} retries=3 every=10s tolerance=1s since=quiet
  expect-retransmissions ${r} pubrel retries=0 every=1s
  note half way to ${host}
  reset
teardown:
  send AT+QMTCLOSE=0
"#;

fn outline(step: &Step) -> String {
    let at = format!("{:>2}:{:<2}", step.span.line, step.span.column);
    let what = match &step.kind {
        StepKind::Send(t) => format!("send {}", t.source()),
        StepKind::SendRaw(t) => format!(
            "send-raw {:?}",
            bc20_conform::script::raw_bytes(&t.source())
        ),
        StepKind::Expect { within, matcher } => {
            format!("expect within={within:?} {}", matcher_outline(matcher))
        }
        StepKind::ExpectSet { within, matchers } => format!(
            "expect-set within={within:?} [{}]",
            matchers
                .iter()
                .map(|(_, m)| matcher_outline(m))
                .collect::<Vec<_>>()
                .join(" | ")
        ),
        StepKind::ExpectEventually { within, matcher } => {
            format!(
                "expect-eventually within={within:?} {}",
                matcher_outline(matcher)
            )
        }
        StepKind::ExpectAny { within, matchers } => format!(
            "expect-any within={within:?} [{}]",
            matchers
                .iter()
                .map(|(span, m)| format!("{}: {}", span.line, matcher_outline(m)))
                .collect::<Vec<_>>()
                .join(" | ")
        ),
        StepKind::ExpectNone(d) => format!("expect-none {d:?}"),
        StepKind::Wait(d) => format!("wait {d:?}"),
        StepKind::Set {
            name,
            value,
            secret,
        } => format!("set {name} = {} secret={secret}", value.source()),
        StepKind::Peer(PeerStep::Publish {
            topic,
            payload,
            qos,
            retain,
        }) => {
            format!(
                "peer publish {} {:?} qos={qos} retain={retain}",
                topic.source(),
                payload.source()
            )
        }
        StepKind::Peer(PeerStep::Subscribe { topic, qos }) => {
            format!("peer subscribe {} qos={qos}", topic.source())
        }
        StepKind::Peer(PeerStep::Unsubscribe { topic }) => {
            format!("peer unsubscribe {}", topic.source())
        }
        StepKind::Peer(PeerStep::Expect {
            topic,
            payload,
            qos,
            retain,
            within,
        }) => format!(
            "peer expect {} payload={} qos={qos:?} retain={retain:?} within={within:?}",
            topic.source(),
            match payload {
                PayloadPattern::Any => "_".to_owned(),
                PayloadPattern::Capture(c) => format!("${c}"),
                PayloadPattern::Exact(t) => format!("{:?}", t.source()),
            }
        ),
        StepKind::Peer(PeerStep::ExpectNone(d)) => format!("peer expect-none {d:?}"),
        StepKind::Fault(f) => format!(
            "fault {} {}",
            f.name,
            f.args
                .iter()
                .map(|a| a.source())
                .collect::<Vec<_>>()
                .join(" ")
        ),
        StepKind::Reset => "reset".to_owned(),
        StepKind::Note(n) => format!("note {}", n.source()),
        StepKind::Include(p) => format!("include {p}"),
        StepKind::Mark(n) => format!("mark {n}"),
        StepKind::Network(c) => {
            let v = |v: &NetValue| format!("{}={}", v.key, v.text.source());
            let what = match &c.kind {
                NetworkCheckKind::KeepAlive { keepalive } => {
                    format!("expect-keepalive {}", v(keepalive))
                }
                NetworkCheckKind::Retransmissions {
                    packet,
                    id,
                    retries,
                    every,
                } => format!(
                    "expect-retransmissions {} id={:?} {} {}",
                    bc20_fault::type_name(*packet),
                    id.as_ref().map(v),
                    v(retries),
                    v(every)
                ),
            };
            format!(
                "{what} {} tolerance={:?} since={:?}",
                v(&c.slot),
                c.tolerance.as_ref().map(v),
                c.since
            )
        }
    };
    format!("{at} {what}")
}

fn matcher_outline(m: &Matcher) -> String {
    match m {
        Matcher::Typed(p) => {
            let fields: Vec<String> = p
                .fields
                .iter()
                .map(|f| match f {
                    FieldPattern::Any => "_".to_owned(),
                    FieldPattern::Capture { name, quoted } => {
                        if *quoted {
                            format!("\"${name}\"")
                        } else {
                            format!("${name}")
                        }
                    }
                    FieldPattern::Literal(t) => format!("<{}>", t.source()),
                })
                .collect();
            format!(
                "typed[{}]({}{}){{{}}}",
                p.prefix.trim_end(),
                fields.join(","),
                if p.rest { ",*" } else { "" },
                p.forms.join(",")
            )
        }
        Matcher::Literal(t) => format!("literal({})", t.source()),
        Matcher::Regex(r) => format!("regex({}; captures {:?})", r.source.source(), r.names),
    }
}

#[test]
fn reference_script_outline() {
    let s = parse_script("conformance/reference.bc20", REFERENCE).unwrap();
    let mut out = vec![
        format!("name: {}", s.name),
        format!("title: {:?}", s.title),
        format!("tags: {:?}", s.tags),
        format!(
            "requires_sim: {} prologue: {} timeout: {:?}",
            s.requires_sim, s.prologue, s.default_timeout
        ),
        format!("xfail: {:?} time-limit: {:?}", s.xfail, s.time_limit),
        format!(
            "ignore: {}",
            s.ignore
                .iter()
                .map(matcher_outline)
                .collect::<Vec<_>>()
                .join(" ")
        ),
    ];
    for (name, steps) in [
        ("setup", &s.setup),
        ("test", &s.test),
        ("teardown", &s.teardown),
    ] {
        out.push(format!("{name}:"));
        out.extend(steps.iter().map(outline));
    }
    insta::assert_snapshot!(out.join("\n"));
}

/// Each bad script, one per line of the snapshot, with its rendered error.
const BAD: &[&str] = &[
    "frobnicate AT",
    "send",
    "expect",
    "expect within 2x OK",
    "expect within 2s",
    "wait",
    "wait 5 s",
    "wait 2h",
    "expect-none",
    "send AT+QMTOPEN=0,\"${host\",1",
    "send AT+X=${undefined}",
    "send-raw AT",
    "send-raw \"AT\\q\"",
    "send-raw \"AT",
    "expect regex (unclosed",
    "expect +QMTOPEN: 0,0,0,0,0",
    "expect +FOO: 1",
    "expect +QMTSUB: 0,*,1",
    "expect-set {\n  OK",
    "}",
    "expect-set {\n}",
    "expect-set OK",
    "peer",
    "peer dance",
    "peer publish payload=\"x\"",
    "peer publish topic=\"t\" qos=3",
    "peer publish topic=\"t\" color=red",
    "peer publish topic=\"t\" topic=\"u\"",
    "peer expect topic=\"t\" retain=2",
    "peer expect topic=\"t\" within 2q",
    "peer expect topic=\"t\" payload=$1x",
    "fault",
    "fault meteor 0",
    "fault drop-link 9",
    "fault black-hole 0 sideways 1s",
    "requires",
    "requires hardware",
    "title",
    "title a\ntitle b",
    "tags",
    "tags 3.2.2 bad/tag",
    "set = 1",
    "set 1x = 2",
    "prologue maybe",
    "timeout 1s\ntimeout 2s",
    "reset now",
    "include",
    "send AT\u{1}",
    "# only a comment",
    "  \tsend AT ok\n\texpect +CME ERROR: x",
    "\u{feff}\u{feff}title twice marked",
    "xfail",
    "xfail T-1\n  xfail T-2",
    "time-limit",
    "time-limit soon",
    "time-limit 0s",
    "time-limit 1s\ntime-limit 1s",
    "expect-eventually",
    "expect-eventually within 2s",
    "expect-eventually +FOO: 1",
    "expect-any OK",
    "expect-any {\n}",
    "expect-any within 1s {\n  OK",
    "expect-any {\n  OK\n  +FOO: 1\n}",
    "expect-any {\n  expect-set {\n}",
    "note ${nope}",
    "note ${unclosed",
    "expect ${line}",
    "expect AT+QMTOPEN=0,\"${host}\",1",
    "expect-keepalive 0",
    "expect-keepalive 9 keepalive=2s",
    "expect-keepalive 0 keepalive=2s since=nowhere",
    "expect-keepalive 0 keepalive=${ka}",
    "expect-retransmissions 0 CONNECT retries=1 every=1s",
    "expect-retransmissions 0 PUBLISH retries=x every=1s",
    "expect-retransmissions 0 PUBLISH retries=1 every=1s within 2s",
    "mark 1st",
];

#[test]
fn errors_point_at_the_culprit() {
    let mut out = Vec::new();
    for (i, text) in BAD.iter().enumerate() {
        let file = format!("bad{i}.bc20");
        let rendered = match parse_script(&file, text) {
            Ok(_) => "(parsed)".to_owned(),
            Err(e) => e.to_string(),
        };
        out.push(format!("--- {text:?}\n{rendered}"));
    }
    insta::assert_snapshot!(out.join("\n"));
}

#[test]
fn every_suite_script_loads() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../conformance");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "bc20") {
            let s = load_script(&p).unwrap_or_else(|e| panic!("{e}"));
            assert!(s.title.is_some(), "{}: no title", s.path);
            n += 1;
        }
    }
    assert!(n >= 30, "only {n} scripts");
}

#[test]
fn include_errors_name_the_included_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("lib.inc"),
        "send AT\nexpect +QMTOPEN: 0,0,0,0\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("main.bc20"), "include lib.inc\n").unwrap();
    std::fs::write(dir.path().join("loop.bc20"), "include loop.bc20\n").unwrap();
    std::fs::write(dir.path().join("missing.bc20"), "include nope.inc\n").unwrap();
    let e = load_script(&dir.path().join("main.bc20")).unwrap_err();
    assert!(e.file.ends_with("lib.inc") && e.line == 2, "{e}");
    let e = load_script(&dir.path().join("loop.bc20")).unwrap_err();
    assert!(e.to_string().contains("nest deeper"), "{e}");
    let e = load_script(&dir.path().join("missing.bc20")).unwrap_err();
    assert!(e.file.ends_with("missing.bc20") && e.line == 1, "{e}");
}

#[test]
fn no_input_panics_the_parser() {
    // A cheap, deterministic sweep of odd inputs (the fuzz target does the rest).
    let pieces = [
        "send ",
        "expect ",
        "expect-set {",
        "}",
        "peer publish topic=",
        "\"",
        "$",
        "${",
        "+QMTRECV: ",
        "*",
        "_",
        ",",
        "within ",
        "regex ",
        "(",
        "\\x",
        "\u{201c}",
        "\n",
        "fault delay 0 ",
    ];
    let mut seed = 0x1234_5678u64;
    for _ in 0..3000 {
        let mut text = String::new();
        for _ in 0..(seed % 9) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            text.push_str(pieces[(seed % pieces.len() as u64) as usize]);
        }
        let _ = parse_script("fuzz.bc20", &text);
    }
}
