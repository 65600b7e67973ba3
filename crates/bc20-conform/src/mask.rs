//! Masking passwords and device secrets in everything the runner writes.

use bc20_grammar::{decode_line, split_params, CfgSetting, Command, Context, Line, Mode, Response};

/// What replaces a secret.
pub const MASK: &str = "****";

/// Shortest secret masked wherever it appears (shorter ones only in their own fields, so
/// that a password `1` does not blank every digit of a transcript).
const MIN_ANYWHERE: usize = 3;

/// Known secrets, learned from `secret` steps and from the password and device-secret fields
/// of the commands sent.
#[derive(Debug, Clone, Default)]
pub struct Masker {
    secrets: Vec<String>,
}

impl Masker {
    /// Adds a secret value.
    pub fn add(&mut self, secret: &str) {
        if !secret.is_empty() && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_owned());
            // Longest first, so a secret containing another is masked whole.
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// Learns the secrets a line carries (AT+QMTCONN password, aliauth device secret) and
    /// returns the line with those fields masked.
    pub fn learn_and_mask_line(&mut self, line: &str) -> String {
        let mut masked = mask_secret_fields(line);
        if masked != line {
            for s in secret_fields(line) {
                self.add(&s);
            }
            masked = self.mask(&masked);
            return masked;
        }
        self.mask(line)
    }

    /// Replaces every known secret (of at least 3 bytes) by [`MASK`].
    pub fn mask(&self, text: &str) -> String {
        let mut out = mask_secret_fields(text);
        for s in &self.secrets {
            if s.len() < MIN_ANYWHERE {
                continue;
            }
            // Module lines reach the transcript escaped (`\\`, `\xff`): the secret must be
            // found in that form too.
            let escaped = crate::transcript::printable(s.as_bytes());
            for form in [s.as_str(), escaped.as_str()] {
                if out.contains(form) {
                    out = out.replace(form, MASK);
                }
            }
        }
        out
    }
}

/// Where a line's secret value is: `(start of the parameters, 0-based field index)`.
///
/// Decided by the grammar's decode, not by the shape of the text: only the AT+QMTCONN write
/// command with a password, the `AT+QMTCFG="aliauth",...` write command and its read response
/// `+QMTCFG: "aliauth",<pk>,<dn>,<ds>` carry a secret value. The test-form answer
/// `+QMTCFG: "aliauth",(0-5),"productkey","devicename","devicesecret"` lists parameter names
/// and decodes as a test response, so it is left alone.
fn secret_field(line: &str) -> Option<(usize, usize)> {
    const CONN: &str = "AT+QMTCONN=";
    const CFG: &str = "AT+QMTCFG=";
    let starts = |p: &str| {
        line.get(..p.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(p))
    };
    // Cheap filter first: the grammar decodes only lines that may carry a secret.
    if !(starts(CONN) || starts(CFG) || starts("+QMTCFG:")) {
        return None;
    }
    match decode_line(line.as_bytes(), Mode::Lenient, Context::default()) {
        Ok(d) => match d.line {
            Line::Command(Command::QmtConn {
                password: Some(_), ..
            }) => Some((CONN.len(), 3)),
            Line::Command(Command::QmtCfg {
                setting: CfgSetting::AliAuth { .. },
                ..
            }) => Some((CFG.len(), 4)),
            // The parameters start after `+QMTCFG:` and the blank lenient decoding may find.
            Line::Response(Response::QmtCfgAliAuth { .. }) => {
                let colon = line.find(':')? + 1;
                Some((colon + usize::from(line[colon..].starts_with(' ')), 3))
            }
            _ => None,
        },
        // A command the grammar rejects (a script may send a malformed or out-of-range one on
        // purpose) is still typed by the host and may still hold a password: mask the field
        // where the command's syntax puts it. Module lines that do not decode are left alone.
        Err(_) if starts(CONN) => Some((CONN.len(), 3)),
        Err(_) if starts("AT+QMTCFG=\"ALIAUTH\",") => Some((CFG.len(), 4)),
        Err(_) => None,
    }
}

/// The secret values a line carries.
fn secret_fields(line: &str) -> Vec<String> {
    let Ok(d) = decode_line(line.as_bytes(), Mode::Lenient, Context::default()) else {
        return Vec::new();
    };
    match d.line {
        Line::Command(Command::QmtConn {
            password: Some(p), ..
        }) => vec![p.into_owned()],
        Line::Command(Command::QmtCfg {
            setting: CfgSetting::AliAuth { device_secret, .. },
            ..
        })
        | Line::Response(Response::QmtCfgAliAuth { device_secret, .. }) => {
            vec![device_secret.into_owned()]
        }
        _ => Vec::new(),
    }
}

/// The line with its password / device-secret field replaced (see [`secret_field`]).
fn mask_secret_fields(line: &str) -> String {
    let Some((start, index)) = secret_field(line) else {
        return line.to_owned();
    };
    let (prefix, params) = line.split_at(start);
    let mut fields: Vec<&str> = split_params(params);
    let quoted = format!("\"{MASK}\"");
    match fields.get_mut(index) {
        Some(f) if f.starts_with('"') => *f = &quoted,
        Some(f) => *f = MASK,
        None => return line.to_owned(),
    }
    format!("{prefix}{}", fields.join(","))
}

/// `text` with the password of every URL in it masked: `mqtt://user:pw@host:1883` becomes
/// `mqtt://user:****@host:1883`, also inside a longer text (an error message, a
/// `--reset-cmd`). A URL without a password is left as it is.
pub fn mask_url_password(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    // `scheme://user:password@host...`: the password may hold `/`, `#` or `?` (a URL parser
    // would reject it, and the error would show it), so the userinfo ends at the LAST `@`
    // before whatever ends the URL in text.
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail.find(url_end).unwrap_or(tail.len());
        out.push_str(&mask_userinfo(&tail[..end]));
        rest = &tail[end..];
    }
    out.push_str(rest);
    // `user:password@host` without a scheme (`--broker` accepts it).
    let mut masked = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while !rest.is_empty() {
        let end = rest.find(url_end).unwrap_or(rest.len());
        let word = &rest[..end];
        if word.contains("://") {
            masked.push_str(word);
        } else {
            masked.push_str(&mask_userinfo(word));
        }
        let sep = rest[end..].chars().next().map_or(0, char::len_utf8);
        masked.push_str(&rest[end..end + sep]);
        rest = &rest[end + sep..];
    }
    masked
}

/// What ends a URL inside text.
fn url_end(c: char) -> bool {
    c.is_whitespace() || "\"'<>`".contains(c)
}

/// `user:password@rest` → `user:****@rest`; anything else unchanged.
fn mask_userinfo(s: &str) -> String {
    let Some(at) = s.rfind('@') else {
        return s.to_owned();
    };
    let already = s.get(..at).is_some_and(|u| u.ends_with(MASK));
    match s[..at].split_once(':') {
        Some((user, _)) if !already && !user.is_empty() => {
            format!("{user}:{MASK}{}", &s[at..])
        }
        _ => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_passwords_are_masked_with_or_without_a_scheme_and_with_odd_characters() {
        for (text, hidden) in [
            ("mqtt://user:hun#ter2pw@127.0.0.1:1883", "hun#ter2pw"),
            ("bad broker URL `mqtt://user:hun/ter2pw@h:1`", "hun/ter2pw"),
            ("--broker quser:S3cr3tPw@127.0.0.1:18902", "S3cr3tPw"),
            (
                "relay http://admin:RelayPw77@10.0.0.9/cycle?x=1",
                "RelayPw77",
            ),
        ] {
            let m = mask_url_password(text);
            assert!(!m.contains(hidden) && m.contains(MASK), "{text} -> {m}");
        }
        for plain in ["mqtt://127.0.0.1:1883", "ssh user@host", "a:b c@d", "12:30"] {
            assert_eq!(mask_url_password(plain), plain);
        }
    }

    #[test]
    fn a_secret_is_masked_in_its_escaped_form_too() {
        let mut m = Masker::default();
        m.add("Pa\\ssw0rd");
        let line = crate::transcript::printable(b"+QMTCFG: \"will\",1,0,0,\"t\",\"Pa\\ssw0rd\"");
        assert!(!m.mask(&line).contains("ssw0rd"), "{}", m.mask(&line));
    }

    #[test]
    fn qmtconn_password_is_masked_and_learned() {
        let mut m = Masker::default();
        let line = "AT+QMTCONN=0,\"dev\",\"user\",\"hunter2\"";
        assert_eq!(
            m.learn_and_mask_line(line),
            "AT+QMTCONN=0,\"dev\",\"user\",\"****\""
        );
        assert_eq!(m.mask("echo: hunter2!"), "echo: ****!");
    }

    #[test]
    fn aliauth_secret_is_masked_in_command_and_response() {
        let mut m = Masker::default();
        assert_eq!(
            m.learn_and_mask_line("AT+QMTCFG=\"aliauth\",0,\"pk\",\"dn\",\"s3cr3t\""),
            "AT+QMTCFG=\"aliauth\",0,\"pk\",\"dn\",\"****\""
        );
        assert_eq!(
            m.mask("+QMTCFG: \"aliauth\",\"pk\",\"dn\",\"s3cr3t\""),
            "+QMTCFG: \"aliauth\",\"pk\",\"dn\",\"****\""
        );
    }

    #[test]
    fn qmtcfg_test_form_answer_is_left_alone() {
        let mut m = Masker::default();
        let line = "+QMTCFG: \"aliauth\",(0-5),\"productkey\",\"devicename\",\"devicesecret\"";
        assert_eq!(m.learn_and_mask_line(line), line);
        assert_eq!(m.mask(line), line);
        // Nor are other +QMTCFG answers with four fields.
        let will = "+QMTCFG: \"will\",1,1,0,\"t\",\"m\"";
        assert_eq!(m.mask(will), will);
    }

    #[test]
    fn aliauth_read_response_is_masked_at_the_secret() {
        let m = Masker::default();
        assert_eq!(
            m.mask("+QMTCFG: \"aliauth\",\"a1B2c3D4e5F\",\"device-01\",\"0123abcd\""),
            "+QMTCFG: \"aliauth\",\"a1B2c3D4e5F\",\"device-01\",\"****\""
        );
    }

    #[test]
    fn qmtconn_without_password_is_left_alone() {
        let mut m = Masker::default();
        for line in [
            "AT+QMTCONN=0,\"dev\"",
            "AT+QMTCONN=0,\"dev\",\"user\"",
            "AT+QMTCONN?",
            "+QMTCONN: 0,0,0",
        ] {
            assert_eq!(m.learn_and_mask_line(line), line);
        }
    }

    #[test]
    fn a_malformed_qmtconn_still_hides_its_password() {
        let mut m = Masker::default();
        assert_eq!(
            m.learn_and_mask_line("AT+QMTCONN=9,\"dev\",\"user\",\"hunter2\""),
            "AT+QMTCONN=9,\"dev\",\"user\",\"****\""
        );
    }

    #[test]
    fn url_passwords_are_masked() {
        assert_eq!(
            mask_url_password("mqtt://user:pw@host:1883"),
            "mqtt://user:****@host:1883"
        );
        assert_eq!(
            mask_url_password("cannot connect to mqtt://u:p@ss@h:1/x: refused"),
            "cannot connect to mqtt://u:****@h:1/x: refused"
        );
        for plain in [
            "mqtt://host:1883",
            "mqtt://user@host",
            "mqtt://[::1]:1883",
            "no url",
        ] {
            assert_eq!(mask_url_password(plain), plain);
        }
    }

    #[test]
    fn short_secrets_are_masked_only_in_their_field() {
        let mut m = Masker::default();
        m.learn_and_mask_line("AT+QMTCONN=0,\"c\",\"u\",\"1\"");
        assert_eq!(m.mask("+QMTOPEN: 1,0"), "+QMTOPEN: 1,0");
    }
}
