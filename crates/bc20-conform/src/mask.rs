//! Masking passwords and device secrets in everything the runner writes.

use bc20_grammar::{decode_line, Command, Context, Line, Mode, Response};

use crate::pattern::{split_fields, split_prefix};

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
            if s.len() >= MIN_ANYWHERE && out.contains(s.as_str()) {
                out = out.replace(s.as_str(), MASK);
            }
        }
        out
    }
}

/// `scheme://user:password@host...` with the password replaced by [`MASK`], for messages
/// and the recorded command line; text without a password is returned as it is.
pub fn mask_url_password(text: &str) -> String {
    let Some(scheme_end) = text.find("://").map(|i| i + 3) else {
        return text.to_owned();
    };
    let rest = &text[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return text.to_owned();
    };
    match rest[..at].find(':') {
        Some(colon) => format!(
            "{}{}:{MASK}{}",
            &text[..scheme_end],
            &rest[..colon],
            &rest[at..]
        ),
        None => text.to_owned(),
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
        Line::Command(Command::QmtCfgAliAuth { device_secret, .. })
        | Line::Response(Response::QmtCfgAliAuth { device_secret, .. }) => {
            vec![device_secret.into_owned()]
        }
        _ => Vec::new(),
    }
}

/// The line with its password / device-secret field replaced, by position.
fn mask_secret_fields(line: &str) -> String {
    let upper = line.to_ascii_uppercase();
    // (prefix, 0-based field index of the secret)
    let field = if upper.starts_with("AT+QMTCONN=") {
        Some(("AT+QMTCONN=", 3))
    } else if upper.starts_with("AT+QMTCFG=\"ALIAUTH\"") {
        Some(("AT+QMTCFG=", 4))
    } else if upper.starts_with("+QMTCFG: \"ALIAUTH\"") || upper.starts_with("+QMTCFG:\"ALIAUTH\"")
    {
        Some(("", 3))
    } else {
        None
    };
    let Some((cmd_prefix, index)) = field else {
        return line.to_owned();
    };
    let (prefix, params) = if cmd_prefix.is_empty() {
        match split_prefix(line) {
            (p, Some(params)) => (p, params),
            _ => return line.to_owned(),
        }
    } else {
        (&line[..cmd_prefix.len()], &line[cmd_prefix.len()..])
    };
    let mut fields: Vec<String> = split_fields(params, None)
        .into_iter()
        .map(str::to_owned)
        .collect();
    if let Some(f) = fields.get_mut(index) {
        *f = if f.starts_with('"') {
            format!("\"{MASK}\"")
        } else {
            MASK.to_owned()
        };
    } else {
        return line.to_owned();
    }
    format!("{prefix}{}", fields.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn short_secrets_are_masked_only_in_their_field() {
        let mut m = Masker::default();
        m.learn_and_mask_line("AT+QMTCONN=0,\"c\",\"u\",\"1\"");
        assert_eq!(m.mask("+QMTOPEN: 1,0"), "+QMTOPEN: 1,0");
    }
}
