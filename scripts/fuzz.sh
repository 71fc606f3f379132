#!/usr/bin/env bash
# Runs one fuzz target for a bounded time: scripts/fuzz.sh TARGET SECONDS [JOBS] [-- LIBFUZZER_ARGS...]
#   TARGET   yaml | terraform | iam | scan   (or `build` to only build, `seeds` to only write seeds)
#   SECONDS  total run time (libFuzzer -max_total_time)
#   JOBS     parallel fuzzing processes (default 1; the machine has 2 cores)
# Builds fuzz/ with coverage instrumentation on stable Rust (see fuzz/README.md), writes the seed
# corpus from the repository's fixtures, then runs libFuzzer in fork mode so that one crash,
# timeout or out-of-memory input is saved and fuzzing goes on. Findings land in
# fuzz/artifacts/TARGET/ (crash-*, timeout-*, oom-*), the growing corpus in fuzz/corpus/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:?usage: scripts/fuzz.sh TARGET SECONDS [JOBS] [-- LIBFUZZER_ARGS...]}"
seconds="${2:-60}"
jobs="${3:-1}"
if [ "$jobs" = "--" ]; then
  jobs=1
  shift 2
else
  shift $(( $# < 3 ? $# : 3 ))
fi
if [ "${1:-}" = "--" ]; then shift; fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
triple="$(rustc -vV | sed -n 's/^host: //p')"
# What `cargo fuzz build --sanitizer none` passes to rustc: SanitizerCoverage (8-bit counters,
# PC table, comparison tracing, stack depth) for libFuzzer's feedback, `--cfg fuzzing`, debug
# assertions on. All stable codegen options: no nightly, no RUSTC_BOOTSTRAP.
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cllvm-args=-sanitizer-coverage-stack-depth \
--cfg fuzzing -Cdebug-assertions -Coverflow-checks"
# `--target` keeps the instrumented build in its own directory (target/<triple>/release) and
# keeps RUSTFLAGS off build scripts and proc macros.
build() {
  cargo build --locked --release --manifest-path fuzz/Cargo.toml --target "$triple" --bins
}
seeds() {
  python3 scripts/fuzz-seeds.py fuzz/seeds
}
case "$target" in
  build) build; exit 0 ;;
  seeds) seeds; exit 0 ;;
  yaml|terraform|iam|scan) ;;
  *) echo "unknown target $target (yaml, terraform, iam, scan)" >&2; exit 2 ;;
esac
build
seeds
bin="$CARGO_TARGET_DIR/$triple/release/$target"
mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
# Per input: 10 s before an input counts as a hang, 2 GiB of RSS (and 2 GiB in one allocation)
# before it counts as a memory blow-up. Inputs up to 64 KiB (whole scans: 256 KiB).
maxlen=65536
[ "$target" = scan ] && maxlen=262144
exec "$bin" "fuzz/corpus/$target" "fuzz/seeds/$target" \
  -fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
  -max_len="$maxlen" -dict="fuzz/dict/$target.dict" \
  -artifact_prefix="fuzz/artifacts/$target/" -print_final_stats=1 "$@"
