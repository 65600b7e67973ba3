//! The `conform_script` property: the conformance script parser never panics, and what it
//! reports points into the input (see `bc20_conform::parse_script`).

/// Parses `data` as a script and checks every span it reports.
pub fn conform_script(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let lines = text.split('\n').count();
    match bc20_conform::parse_script("fuzz.bc20", &text) {
        Ok(script) => {
            for step in script.steps() {
                assert!(step.span.line >= 1 && step.span.line <= lines);
                assert!(step.span.column >= 1);
            }
        }
        Err(e) => {
            assert!(e.line >= 1 && e.line as usize <= lines.max(1));
            assert!(e.column >= 1 && e.width >= 1);
            let rendered = e.to_string();
            assert!(rendered.starts_with("error: fuzz.bc20:"));
        }
    }
}
