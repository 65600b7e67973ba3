#!/usr/bin/env bash
# Builds every fuzz target and runs each for a bounded time; fails on any crash.
#
#   bash fuzz/ci.sh                 # every target, 60 s each
#   FUZZ_SECONDS=10 bash fuzz/ci.sh # shorter
#   bash fuzz/ci.sh stream roundtrip
#
# Each run starts from fuzz/corpus/<target>/ (kept between runs, not committed) plus the
# committed seeds fuzz/seeds/<target>/, with the AT dictionary fuzz/bc20.dict. A crash, a
# timeout, a leak or an out-of-memory leaves an artifact in fuzz/artifacts/<target>/; the script
# prints its path, its bytes in hex and the command that reproduces it, then exits 1.
# Exit codes: 0 no finding, 1 a finding, 2 a build or setup failure.
#
# cargo-fuzz needs nightly flags; on a stable toolchain RUSTC_BOOTSTRAP=1 unlocks them.
set -uo pipefail

cd "$(dirname "$0")"
seconds="${FUZZ_SECONDS:-60}"
export RUSTC_BOOTSTRAP=1
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# Safe Rust cannot return a dangling stack pointer, and ASan's fake stacks for it cost about a
# fifth of the executions; leaks, overflows and use-after-free stay detected.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_stack_use_after_return=0}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz/ci.sh: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked || exit 2
fi

mapfile -t all < <(cargo fuzz list)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")

echo "fuzz/ci.sh: building ${all[*]}"
cargo fuzz build || { echo "fuzz/ci.sh: build failed" >&2; exit 2; }

# Per target libFuzzer options: `stream` needs room for lines over the 4096-byte default limit.
extra_options() {
    case "$1" in
        stream) echo "-max_len=9000" ;;
        *) echo "-max_len=4096" ;;
    esac
}

# The grammar's field-capture corpus (crates/bc20-grammar/tests/corpus/, one byte stream per
# file: *.modem from the module, *.host from the host) seeds `stream` and `command`: each file
# with the control bytes that read it as it was captured, in both modes. Written under
# corpus/captures-<target>/ (not committed), rebuilt on every run.
capture_seeds() {
    local target="$1" out="corpus/captures-$1" file name controls
    rm -rf "$out"
    mkdir -p "$out"
    for file in ../crates/bc20-grammar/tests/corpus/*; do
        name=$(basename "$file")
        case "$target:$name" in
            # split.rs: bit 0 lenient, bit 1 host to module.
            stream:*.modem) controls=(00 01) ;;
            stream:*.host) controls=(02 03) ;;
            # command.rs: bit 0 lenient, bit 1 echo, bits 2-3 AT+CMEE.
            command:*.host) controls=(06 09) ;;
            *) continue ;;
        esac
        for c in "${controls[@]}"; do
            { printf "\\x$c"; cat "$file"; } >"$out/$name.$c"
        done
    done
    echo "$out"
}

status=0
summary=()
for target in "${targets[@]}"; do
    corpus="corpus/$target"
    artifacts="artifacts/$target"
    mkdir -p "$corpus" "$artifacts"
    seeds=()
    [ -d "seeds/$target" ] && seeds=("seeds/$target")
    case "$target" in
        stream | command) seeds+=("$(capture_seeds "$target")") ;;
    esac
    log="$artifacts/last-run.log"
    before=$(find "$artifacts" -type f ! -name '*.log' | wc -l)
    stamp=$(mktemp)
    echo "fuzz/ci.sh: $target for ${seconds}s"
    # shellcheck disable=SC2046
    cargo fuzz run "$target" "$corpus" "${seeds[@]}" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -dict=bc20.dict -artifact_prefix="$artifacts/" -print_final_stats=1 \
        $(extra_options "$target") >"$log" 2>&1
    rc=$?
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)
    summary+=("$target: ${done_line:-no final stats (rc $rc)}")
    after=$(find "$artifacts" -type f ! -name '*.log' | wc -l)
    if [ "$rc" -ne 0 ] || [ "$after" -gt "$before" ]; then
        status=1
        echo "fuzz/ci.sh: $target FAILED (libFuzzer exit $rc)"
        grep -E "panicked at|^thread '|ERROR: (libFuzzer|AddressSanitizer)" -A2 "$log" | head -20
        # Only an artifact this run wrote: older ones (already fixed or under study) would
        # blame the wrong input when the run failed for another reason (e.g. a build error).
        artifact=$(find "$artifacts" -type f -newer "$stamp" ! -name '*.log' -printf '%T@ %p\n' 2>/dev/null |
            sort -rn | head -1 | cut -d' ' -f2-)
        if [ -n "$artifact" ]; then
            echo "artifact: fuzz/$artifact ($(wc -c <"$artifact") bytes)"
            od -An -tx1 -v "$artifact" | head -64
            echo "reproduce (from the repository root): RUSTC_BOOTSTRAP=1 cargo fuzz run $target fuzz/$artifact"
        else
            tail -20 "$log"
        fi
    fi
    rm -f "$stamp"
done

echo "fuzz/ci.sh: summary (${seconds}s per target)"
printf '  %s\n' "${summary[@]}"
exit "$status"
