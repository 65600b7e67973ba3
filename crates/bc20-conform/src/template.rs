//! Text with `${name}` references, expanded at run time: the script language's values and
//! the typed patterns' literals share it (a module of its own, below both, so neither imports
//! the other through it).

use std::collections::BTreeMap;

use serde::Serialize;

/// One piece of a [`Template`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Piece {
    /// Literal text.
    Text(String),
    /// `${name}`.
    Var(String),
}

/// Text with variable references, e.g. `AT+QMTOPEN=0,"${broker_host}",${broker_port}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Template {
    /// The pieces in order.
    pub pieces: Vec<Piece>,
}

/// Why a template could not be read: the byte offset and what is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemplateError {
    /// Byte offset in the parsed text.
    pub at: usize,
    /// Length of the offending part.
    pub len: usize,
    /// What is wrong.
    pub what: &'static str,
}

impl Template {
    /// A template without references.
    pub fn literal(text: &str) -> Self {
        Template {
            pieces: if text.is_empty() {
                Vec::new()
            } else {
                vec![Piece::Text(text.to_owned())]
            },
        }
    }

    /// Parses `${name}` references; `$$` is a literal `$`; any other `$` is literal too.
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let mut pieces = Vec::new();
        let mut lit = String::new();
        let mut rest = text;
        let mut offset = 0;
        while let Some(i) = rest.find('$') {
            lit.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            if let Some(body) = after.strip_prefix('{') {
                let Some(end) = body.find('}') else {
                    return Err(TemplateError {
                        at: offset + i,
                        len: rest.len() - i,
                        what: "`${` without a closing `}`",
                    });
                };
                let name = &body[..end];
                if !is_name(name) {
                    return Err(TemplateError {
                        at: offset + i,
                        len: end + 3,
                        what: "a variable name is letters, digits and `_`",
                    });
                }
                if !lit.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut lit)));
                }
                pieces.push(Piece::Var(name.to_owned()));
                let used = i + 2 + end + 1;
                offset += used;
                rest = &rest[used..];
            } else if let Some(stripped) = after.strip_prefix('$') {
                lit.push('$');
                offset += i + 2;
                rest = stripped;
            } else {
                lit.push('$');
                offset += i + 1;
                rest = after;
            }
        }
        lit.push_str(rest);
        if !lit.is_empty() {
            pieces.push(Piece::Text(lit));
        }
        Ok(Template { pieces })
    }

    /// The variables referenced, in order.
    pub fn vars(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Var(v) => Some(v.as_str()),
            Piece::Text(_) => None,
        })
    }

    /// Whether the template has no references.
    pub fn is_literal(&self) -> bool {
        self.vars().next().is_none()
    }

    /// The text with every reference replaced; `Err(name)` for an undefined one.
    pub fn expand(&self, vars: &BTreeMap<String, String>) -> Result<String, String> {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Var(v) => match vars.get(v) {
                    Some(value) => out.push_str(value),
                    None => return Err(v.clone()),
                },
            }
        }
        Ok(out)
    }

    /// The text as written (references as `${name}`), for messages.
    pub fn source(&self) -> String {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(&t.replace('$', "$$")),
                Piece::Var(v) => {
                    out.push_str("${");
                    out.push_str(v);
                    out.push('}');
                }
            }
        }
        out
    }
}

/// Whether `name` is a valid variable or capture name.
pub fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_references() {
        let t = Template::parse("AT+QMTOPEN=0,\"${host}\",${port}").unwrap();
        let vars = BTreeMap::from([
            ("host".to_owned(), "127.0.0.1".to_owned()),
            ("port".to_owned(), "1883".to_owned()),
        ]);
        assert_eq!(t.expand(&vars).unwrap(), "AT+QMTOPEN=0,\"127.0.0.1\",1883");
        assert_eq!(t.vars().collect::<Vec<_>>(), ["host", "port"]);
    }

    #[test]
    fn dollar_alone_is_literal() {
        let t = Template::parse("a$b$$c$").unwrap();
        assert_eq!(t.expand(&BTreeMap::new()).unwrap(), "a$b$c$");
    }

    #[test]
    fn unclosed_and_bad_names_are_errors() {
        assert_eq!(Template::parse("x${abc").unwrap_err().at, 1);
        assert!(Template::parse("${a-b}").is_err());
        assert!(Template::parse("${}").is_err());
    }
}
