//! Embeds bc20kit's git revision (`BC20KIT_GIT_REVISION`) for the reports' certification
//! record: `git rev-parse --short=12 HEAD`, plus `-dirty` when `git status --porcelain` lists
//! any change in the work tree, or `unknown` without git or outside a repository (a crate
//! tarball).

use std::path::PathBuf;

#[allow(dead_code)] // the build script uses only part of it
#[path = "src/report/git.rs"]
mod git;

use git::git;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let revision = git::revision_of(&manifest, &[]);
    println!("cargo:rustc-env=BC20KIT_GIT_REVISION={revision}");

    // Run again when HEAD moves (checkout, commit) and when the sources the runner is built
    // from change (so the dirty flag follows edits). An edit elsewhere in the work tree
    // alone does not refresh the flag; the next commit or source change does.
    let git_path =
        |p: &str| git(&manifest, &["rev-parse", "--git-path", p]).map(|g| manifest.join(g));
    let mut watch: Vec<PathBuf> = Vec::new();
    watch.extend(git_path("HEAD"));
    watch.extend(git_path("packed-refs"));
    if let Some(branch) = git(&manifest, &["symbolic-ref", "-q", "HEAD"]) {
        watch.extend(git_path(&branch));
    }
    if let Some(top) = git(&manifest, &["rev-parse", "--show-toplevel"]) {
        let top = PathBuf::from(top);
        for p in [
            "Cargo.toml",
            "Cargo.lock",
            "spec",
            "crates/bc20-conform/src",
            "crates/bc20-grammar/src",
            "crates/bc20-sim/src",
            "crates/bc20/src",
        ] {
            watch.push(top.join(p));
        }
    }
    for p in watch.iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", p.display());
    }
}
