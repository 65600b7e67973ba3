//! `expect`, `expect-eventually`, `expect-any`, `expect-set` and `expect-none`.

use std::time::Duration;

use super::{Session, StepError};
use crate::pattern::{Captures, Matcher};
use crate::script::{format_duration, Span, Step};

impl Session<'_> {
    fn deadline(&self, within: Option<Duration>) -> Duration {
        match within {
            Some(d) => self.link.now() + d,
            None => self.default_deadline(),
        }
    }

    fn bind(&mut self, captures: Captures) {
        for (name, value) in captures {
            self.vars.insert(name, value);
        }
    }

    /// The next line must match (in teardown: the next line that matches).
    pub(super) fn expect_one(
        &mut self,
        within: Option<Duration>,
        matcher: &Matcher,
        _step: &Step,
    ) -> Result<(), StepError> {
        let deadline = self.deadline(within);
        loop {
            let Some(line) = self.next_line(deadline)? else {
                return Err(StepError::Fail(format!(
                    "expected `{}`, nothing arrived {}",
                    matcher.describe(),
                    self.describe_wait(deadline)
                )));
            };
            match matcher.matches(&line.raw, line.line(), &self.vars) {
                Ok(c) => {
                    self.bind(c);
                    return Ok(());
                }
                Err(_) if self.lenient_order => continue,
                Err(why) => {
                    let decode = match &line.decoded {
                        Err(e) => format!(" (grammar: {e})"),
                        Ok(_) => String::new(),
                    };
                    return Err(StepError::Fail(format!(
                        "expected `{}`, got `{}`: {why}{decode}",
                        matcher.describe(),
                        line.text()
                    )));
                }
            }
        }
    }

    /// Lines that do not match are consumed and logged; the first that matches satisfies the
    /// step. Failing at the deadline, the message counts the skipped lines and shows the first
    /// few (the transcript has them all).
    pub(super) fn expect_eventually(
        &mut self,
        within: Option<Duration>,
        matcher: &Matcher,
    ) -> Result<(), StepError> {
        let deadline = self.deadline(within);
        // A flood of URCs must not grow this: the count and the first few are enough.
        let mut skipped = 0usize;
        let mut shown: Vec<String> = Vec::new();
        loop {
            let Some(line) = self.next_line(deadline)? else {
                let mut msg = format!(
                    "expected `{}` eventually, no line matched {}",
                    matcher.describe(),
                    self.describe_wait(deadline)
                );
                if skipped > 0 {
                    let list: Vec<String> = shown.iter().map(|t| format!("`{t}`")).collect();
                    msg.push_str(&format!("; skipped {skipped} line(s): {}", list.join(", ")));
                    if skipped > shown.len() {
                        msg.push_str(&format!(" and {} more", skipped - shown.len()));
                    }
                }
                return Err(StepError::Fail(msg));
            };
            if let Ok(c) = matcher.matches(&line.raw, line.line(), &self.vars) {
                self.bind(c);
                return Ok(());
            }
            let text = line.text();
            self.runner_note(&format!("skipped by expect-eventually: `{text}`"));
            skipped += 1;
            if shown.len() < SKIPPED_SHOWN {
                shown.push(text);
            }
        }
    }

    /// The next line must match one of the alternatives; the first in order that matches
    /// binds its captures (in teardown: the next line that matches one).
    pub(super) fn expect_any(
        &mut self,
        within: Option<Duration>,
        matchers: &[(Span, Matcher)],
    ) -> Result<(), StepError> {
        let deadline = self.deadline(within);
        let alternatives = matchers
            .iter()
            .map(|(_, m)| format!("`{}`", m.describe()))
            .collect::<Vec<_>>()
            .join(", ");
        loop {
            let Some(line) = self.next_line(deadline)? else {
                return Err(StepError::Fail(format!(
                    "expected one of {alternatives}, nothing arrived {}",
                    self.describe_wait(deadline)
                )));
            };
            let mut why = Vec::with_capacity(matchers.len());
            for (_, m) in matchers {
                match m.matches(&line.raw, line.line(), &self.vars) {
                    Ok(c) => {
                        self.bind(c);
                        return Ok(());
                    }
                    Err(w) => why.push(format!("`{}`: {w}", m.describe())),
                }
            }
            if self.lenient_order {
                continue;
            }
            let decode = match &line.decoded {
                Err(e) => format!(" (grammar: {e})"),
                Ok(_) => String::new(),
            };
            return Err(StepError::Fail(format!(
                "expected one of {alternatives}, got `{}`{decode}: {}",
                line.text(),
                why.join("; ")
            )));
        }
    }

    /// The next N lines match the N matchers, in any order.
    pub(super) fn expect_set(
        &mut self,
        within: Option<Duration>,
        matchers: &[(Span, Matcher)],
    ) -> Result<(), StepError> {
        let deadline = self.deadline(within);
        // For each received line, which matchers accept it (with their captures).
        let mut accepted: Vec<Vec<(usize, Captures)>> = Vec::new();
        let mut texts: Vec<String> = Vec::new();
        while accepted.len() < matchers.len() {
            let Some(line) = self.next_line(deadline)? else {
                let missing: Vec<String> = unmatched(matchers.len(), &accepted)
                    .into_iter()
                    .map(|i| format!("`{}`", matchers[i].1.describe()))
                    .collect();
                return Err(StepError::Fail(format!(
                    "expect-set: {} of {} line(s) arrived {}; still missing one of {}",
                    accepted.len(),
                    matchers.len(),
                    self.describe_wait(deadline),
                    missing.join(", ")
                )));
            };
            let opts: Vec<(usize, Captures)> = matchers
                .iter()
                .enumerate()
                .filter_map(|(i, (_, m))| {
                    m.matches(&line.raw, line.line(), &self.vars)
                        .ok()
                        .map(|c| (i, c))
                })
                .collect();
            if opts.is_empty() {
                if self.lenient_order {
                    continue;
                }
                return Err(StepError::Fail(format!(
                    "expect-set: `{}` matches none of the set",
                    line.text()
                )));
            }
            accepted.push(opts);
            texts.push(line.text());
            if assignment(matchers.len(), &accepted).is_none() {
                return Err(StepError::Fail(format!(
                    "expect-set: lines {} cannot each match a different pattern",
                    texts
                        .iter()
                        .map(|t| format!("`{t}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
        if let Some(a) = assignment(matchers.len(), &accepted) {
            for (line_idx, m_idx) in a.into_iter().enumerate() {
                if let Some((_, c)) = accepted[line_idx].iter().find(|(i, _)| *i == m_idx) {
                    self.bind(c.clone());
                }
            }
        }
        Ok(())
    }

    /// No line for `d`.
    pub(super) fn expect_none(&mut self, d: Duration) -> Result<(), StepError> {
        let until = self.link.now() + d;
        if let Some(l) = self.reader.queue.front() {
            return Err(StepError::Fail(format!(
                "expected silence for {}, but `{}` was already waiting",
                format_duration(d),
                l.text()
            )));
        }
        while self.link.now() < until {
            if self.pump(until)? {
                if let Some(l) = self.reader.queue.front() {
                    return Err(StepError::Fail(format!(
                        "expected silence for {}, got `{}`",
                        format_duration(d),
                        l.text()
                    )));
                }
            }
        }
        Ok(())
    }
}

/// How many skipped lines an `expect-eventually` failure quotes.
const SKIPPED_SHOWN: usize = 5;

/// A perfect matching line → matcher (Kuhn's algorithm), as `result[line] = matcher`.
fn assignment(n_matchers: usize, accepted: &[Vec<(usize, Captures)>]) -> Option<Vec<usize>> {
    let mut owner: Vec<Option<usize>> = vec![None; n_matchers];
    for line in 0..accepted.len() {
        let mut seen = vec![false; n_matchers];
        if !augment(line, accepted, &mut owner, &mut seen) {
            return None;
        }
    }
    let mut result = vec![0; accepted.len()];
    for (m, o) in owner.iter().enumerate() {
        if let Some(l) = o {
            result[*l] = m;
        }
    }
    Some(result)
}

fn augment(
    line: usize,
    accepted: &[Vec<(usize, Captures)>],
    owner: &mut [Option<usize>],
    seen: &mut [bool],
) -> bool {
    for (m, _) in &accepted[line] {
        if seen[*m] {
            continue;
        }
        seen[*m] = true;
        if owner[*m].is_none_or(|other| augment(other, accepted, owner, seen)) {
            owner[*m] = Some(line);
            return true;
        }
    }
    false
}

/// Matchers not yet taken by the best assignment so far.
fn unmatched(n: usize, accepted: &[Vec<(usize, Captures)>]) -> Vec<usize> {
    match assignment(n, accepted) {
        Some(a) => (0..n).filter(|m| !a.contains(m)).collect(),
        None => (0..n).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignment_resolves_overlapping_matchers() {
        // Line 0 matches both; line 1 only matcher 0: line 0 must take matcher 1.
        let accepted = vec![vec![(0, vec![]), (1, vec![])], vec![(0, vec![])]];
        assert_eq!(assignment(2, &accepted), Some(vec![1, 0]));
        let impossible = vec![vec![(0, vec![])], vec![(0, vec![])]];
        assert_eq!(assignment(2, &impossible), None);
    }
}
