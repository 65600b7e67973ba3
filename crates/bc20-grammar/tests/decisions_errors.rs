//! spec/DECISIONS.md and the grammar's error enums agree (D49): every backticked error variant
//! a decision promises exists in `DecodeErrorKind` or `EncodeError`, with the fields it names.
//!
//! A name counts as a promised grammar error when it is written `DecodeErrorKind::X` or
//! `EncodeError::X`, or when the bullet (or paragraph) it stands in says "typed error". The
//! variants are read from src/error.rs, so a rename on either side fails here.

use std::collections::BTreeMap;
use std::path::Path;

/// Variant name → its field names, for one `pub enum` of src/error.rs.
fn variants(source: &str, enum_name: &str) -> BTreeMap<String, Vec<String>> {
    let start = source
        .find(&format!("pub enum {enum_name} {{"))
        .unwrap_or_else(|| panic!("no enum {enum_name} in src/error.rs"));
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in source[start..].lines().skip(1) {
        if line == "}" {
            break;
        }
        let Some(body) = line.strip_prefix("    ") else {
            continue;
        };
        if let Some(field) = body.strip_prefix("    ") {
            // `        name: Type,` inside a struct variant.
            if let (Some(v), Some((name, _))) = (&current, field.split_once(':')) {
                if !name.starts_with("///") && !name.starts_with('#') {
                    if let Some(fields) = out.get_mut(v) {
                        fields.push(name.trim().to_owned());
                    }
                }
            }
            continue;
        }
        let name: String = body
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if name.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
            out.insert(name.clone(), Vec::new());
            current = Some(name);
        }
    }
    out
}

/// A backticked error name: `X`, `X { a, b }`, `Enum::X`, `Enum::X { a }`.
#[derive(Debug)]
struct Named {
    decision: String,
    enum_name: Option<String>,
    variant: String,
    fields: Option<Vec<String>>,
}

fn is_camel_case(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && s.chars().all(|c| c.is_ascii_alphanumeric())
        && s.chars().skip(1).any(|c| c.is_ascii_uppercase())
        && s.chars().any(|c| c.is_ascii_lowercase())
}

fn parse_name(decision: &str, code: &str) -> Option<Named> {
    let (path, fields) = match code.split_once(" {") {
        Some((path, rest)) => {
            let inner = rest.trim_end().strip_suffix('}')?;
            let fields = inner
                .split(',')
                .map(|f| f.trim().to_owned())
                .filter(|f| !f.is_empty() && f != "..")
                .collect();
            (path, Some(fields))
        }
        None => (code, None),
    };
    let (enum_name, variant) = match path.split_once("::") {
        Some((e, v)) => (Some(e.to_owned()), v),
        None => (None, path),
    };
    // A qualified name may be one word (`EncodeError::Length`); a bare one must be CamelCase
    // and not an enum's own name, to tell it from prose.
    let shaped = match enum_name {
        Some(_) => variant
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_uppercase()),
        None => is_camel_case(variant) && !ENUMS.contains(&variant),
    };
    shaped.then(|| Named {
        decision: decision.to_owned(),
        enum_name,
        variant: variant.to_owned(),
        fields,
    })
}

/// Type names that are not variants.
const ENUMS: [&str; 5] = [
    "DecodeErrorKind",
    "EncodeError",
    "DecodeError",
    "WarningKind",
    "Warning",
];

/// Backticked names in DECISIONS that a decision presents as a grammar error.
fn promised(decisions: &str) -> Vec<Named> {
    let mut out = Vec::new();
    let mut decision = String::from("preamble");
    // Bullets and paragraphs: a new one starts at a `- ` item or a blank line.
    let mut block = String::new();
    let flush = |decision: &str, block: &mut String, out: &mut Vec<Named>| {
        // Sentence by sentence: "typed error" and the name in the same one.
        for sentence in block.split(". ") {
            let says_typed_error = sentence.contains("typed error");
            for (i, code) in sentence.split('`').enumerate() {
                if i % 2 == 0 {
                    continue;
                }
                let Some(named) = parse_name(decision, code) else {
                    continue;
                };
                let grammar_enum = matches!(
                    named.enum_name.as_deref(),
                    Some("DecodeErrorKind" | "EncodeError")
                );
                if grammar_enum || (named.enum_name.is_none() && says_typed_error) {
                    out.push(named);
                }
            }
        }
        block.clear();
    };
    for line in decisions.lines() {
        let trimmed = line.trim_start();
        if let Some(title) = line.strip_prefix("## ") {
            flush(&decision, &mut block, &mut out);
            decision = title.split(':').next().unwrap_or(title).to_owned();
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with("- ") {
            flush(&decision, &mut block, &mut out);
        }
        block.push_str(trimmed);
        block.push(' ');
    }
    flush(&decision, &mut block, &mut out);
    out
}

#[test]
fn every_error_variant_named_in_decisions_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let decisions = std::fs::read_to_string(root.join("../../spec/DECISIONS.md")).unwrap();
    let source = std::fs::read_to_string(root.join("src/error.rs")).unwrap();
    let enums = [
        ("DecodeErrorKind", variants(&source, "DecodeErrorKind")),
        ("EncodeError", variants(&source, "EncodeError")),
    ];
    assert!(enums[0].1.contains_key("LineTooLong") && enums[1].1.contains_key("Rule"));
    let named = promised(&decisions);
    let mut problems = Vec::new();
    for n in &named {
        let candidates: Vec<_> = enums
            .iter()
            .filter(|(e, _)| n.enum_name.as_deref().is_none_or(|want| want == *e))
            .filter_map(|(e, vs)| vs.get(&n.variant).map(|f| (*e, f)))
            .collect();
        if candidates.is_empty() {
            problems.push(format!(
                "{}: `{}` is not a variant of {}",
                n.decision,
                n.variant,
                n.enum_name
                    .as_deref()
                    .unwrap_or("DecodeErrorKind or EncodeError")
            ));
            continue;
        }
        if let Some(fields) = &n.fields {
            let fits = candidates
                .iter()
                .any(|(_, have)| fields.iter().all(|f| have.contains(f)));
            if !fits {
                problems.push(format!(
                    "{}: `{} {{ {} }}` names fields the variant does not have ({:?})",
                    n.decision,
                    n.variant,
                    fields.join(", "),
                    candidates
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The check has teeth: the names issue 10 found missing are among those checked.
    for want in [
        "TypographicQuote",
        "NoTopics",
        "EmptyTopic",
        "TooManyTopics",
        "UnsupportedPromptForm",
        "LineTooLong",
        "NoSuchForm",
    ] {
        assert!(
            named.iter().any(|n| n.variant == want),
            "{want} is not found as a promised error in DECISIONS.md"
        );
    }
}

#[test]
fn the_decisions_parser_catches_a_missing_variant() {
    let text = "## D99: x\n\n- Strict: a typed error (`NoSuchThing`). The client: `NotAnError`.\n- Client: `NotAnErrorEither` here.\n";
    let named = promised(text);
    assert_eq!(named.len(), 1, "{named:?}");
    assert_eq!(named[0].variant, "NoSuchThing");
    let named = promised("## D98: y\n\nThe encoder returns `EncodeError::Length { field, n }`.\n");
    assert_eq!(
        named[0].fields.as_deref(),
        Some(&["field".to_owned(), "n".to_owned()][..])
    );
}
