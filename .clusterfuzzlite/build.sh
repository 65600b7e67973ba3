#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build: every cargo-fuzz target of fuzz/ into $OUT, each with the
# AT dictionary, its seed corpus (fuzz/seeds/<target>/) and its libFuzzer options.
cd "$SRC/bc20kit"

# The builder's cargo wrapper sets the sanitizer and coverage flags; -O as OSS-Fuzz advises,
# debug assertions on so overflow and internal invariants are checked too.
cargo fuzz build -O --debug-assertions

release=fuzz/target/x86_64-unknown-linux-gnu/release
for source in fuzz/fuzz_targets/*.rs; do
    target=$(basename "${source%.rs}")
    cp "$release/$target" "$OUT/"
    cp fuzz/bc20.dict "$OUT/$target.dict"
    max_len=4096
    [ "$target" = stream ] && max_len=9000
    printf '[libfuzzer]\ndict = %s.dict\nmax_len = %s\n' "$target" "$max_len" >"$OUT/$target.options"
    if [ -d "fuzz/seeds/$target" ]; then
        (cd "fuzz/seeds/$target" && zip -q -r "$OUT/${target}_seed_corpus.zip" .)
    fi
done
