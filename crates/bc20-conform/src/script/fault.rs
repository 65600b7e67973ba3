//! `fault ...` steps. The fault's text is bc20-fault's (one vocabulary, one parser): a step
//! whose arguments are all literal is read with [`bc20_fault::Fault`]'s `FromStr` when the
//! script is parsed, and the parser's byte offset becomes this line's caret; a step with
//! `${...}` arguments is read after expansion, when it runs (`link::Fault::parse`).

use bc20_fault::{Fault, ParseFaultError, ParseFaultErrorKind};

use super::error::{ScriptError, ScriptErrorKind as K};
use super::lexer::LineCursor;
use super::FaultStep;
use crate::template::Template;

pub(super) fn fault_step(cur: &mut LineCursor<'_>) -> Result<FaultStep, ScriptError> {
    let (at, name) = cur.word();
    if name.is_empty() {
        return Err(cur.error_at(
            at,
            1,
            K::MissingArgument {
                step: "fault",
                what: "a fault name",
            },
        ));
    }
    if !bc20_fault::NAMES.contains(&name) {
        return Err(cur.error_at(at, name.len(), K::UnknownFault(name.to_owned())));
    }
    let mut words = vec![(at, name)];
    let mut args = Vec::new();
    loop {
        let (at, w) = cur.word();
        if w.is_empty() {
            break;
        }
        args.push(cur.template(at, w)?);
        words.push((at, w));
    }
    if args.iter().all(Template::is_literal) {
        let text = words.iter().map(|w| w.1).collect::<Vec<_>>().join(" ");
        if let Err(e) = text.parse::<Fault>() {
            return Err(fault_error(cur, &words, name, e));
        }
    }
    Ok(FaultStep {
        name: name.to_owned(),
        args,
    })
}

/// The script error for a fault text that does not parse: the parser's byte range in the
/// words joined by single spaces, moved back onto the line.
fn fault_error(
    cur: &LineCursor<'_>,
    words: &[(usize, &str)],
    name: &str,
    e: ParseFaultError,
) -> ScriptError {
    // Offset in the joined text -> offset in the line.
    let on_line = |offset: usize| {
        let mut joined = 0;
        for &(at, w) in words {
            if offset <= joined + w.len() {
                return at + offset.saturating_sub(joined);
            }
            joined += w.len() + 1;
        }
        cur.text.trim_end().len()
    };
    let start = on_line(e.at);
    let end = on_line(e.at + e.len);
    let kind = match e.kind {
        ParseFaultErrorKind::UnknownName(n) => K::UnknownFault(n),
        other => {
            let usage = Fault::syntax(name).map_or("", |s| s.args);
            K::BadFault(format!("{other} (usage: fault {name} {usage})"))
        }
    };
    cur.error_at(start, end - start, kind)
}

#[cfg(test)]
mod tests {
    use crate::script::{parse_script, ScriptErrorKind, StepKind};

    /// The column and width of the error for a one-line script, and its message.
    fn caret(line: &str) -> (u32, u32, String) {
        let e = parse_script("t.bc20", line).unwrap_err();
        (e.column, e.width, e.kind.to_string())
    }

    #[test]
    fn the_caret_is_on_the_bad_word_whatever_the_blanks() {
        let (col, width, msg) = caret("  fault  black-hole   0\tup   5x");
        assert_eq!((col, width), (30, 2), "{msg}");
        assert!(
            msg.starts_with("bad fault arguments: bad duration `5x`"),
            "{msg}"
        );
        assert!(msg.ends_with("(usage: fault black-hole CONN_ID [up|down|both] DURATION)"));
    }

    #[test]
    fn a_missing_argument_is_shown_at_the_end_of_the_line() {
        let (col, width, msg) = caret("fault send-fail 0");
        assert_eq!((col, width), (18, 1), "{msg}");
        assert!(msg.contains("`send-fail` needs `on` or `off`"), "{msg}");
    }

    #[test]
    fn extra_words_are_underlined_to_the_end() {
        let (col, width, _) = caret("fault clear  all of it");
        assert_eq!((col, width), (14, 9));
    }

    #[test]
    fn a_duration_over_an_hour_is_refused() {
        let (col, width, msg) = caret("fault delay 0 down 61m");
        assert_eq!((col, width), (20, 3));
        assert!(msg.contains("over the one-hour maximum"), "{msg}");
    }

    #[test]
    fn templated_arguments_wait_for_the_run() {
        let s = parse_script("t.bc20", "set id = 9\nfault drop-link ${id}\n").unwrap();
        let faults: Vec<_> = s
            .steps()
            .filter_map(|st| match &st.kind {
                StepKind::Fault(f) => Some(f.name.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(faults, ["drop-link"]);
        // The name is checked at once, templates or not.
        let e = parse_script("t.bc20", "set id = 0\nfault meteor ${id}\n").unwrap_err();
        assert!(matches!(e.kind, ScriptErrorKind::UnknownFault(_)));
    }
}
