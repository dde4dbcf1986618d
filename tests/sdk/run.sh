#!/usr/bin/env bash
# Runs the official Databricks SDK for Python against `brickform emulator`.
# Called by .ci/run after the cargo tests; also runs alone: `bash tests/sdk/run.sh`.
set -euo pipefail
cd "$(dirname "$0")/../.."

sdk_dir=tests/sdk
venv="$sdk_dir/.venv"
binary=target/debug/brickform

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$sdk_dir/requirements.txt"

# Built by `cargo test --workspace` already; this is a no-op then.
cargo build --quiet --locked -p brickform-cli

work="$(mktemp -d)"
emulator_pid=""
cleanup() {
    if [ -n "$emulator_pid" ] && kill -0 "$emulator_pid" 2>/dev/null; then
        kill -TERM "$emulator_pid" 2>/dev/null || true
        wait "$emulator_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

"$binary" -v emulator --listen 127.0.0.1:0 --provisioning-delay 2s \
    >"$work/stdout" 2>"$work/emulator.log" &
emulator_pid=$!

# The first (and only) stdout line says where the emulator listens.
for _ in $(seq 1 100); do
    if [ -s "$work/stdout" ] || ! kill -0 "$emulator_pid" 2>/dev/null; then
        break
    fi
    sleep 0.1
done
line="$(head -n 1 "$work/stdout")"
case "$line" in
    "listening on http://"*) base_url="${line#listening on }" ;;
    *)
        echo "the emulator did not print its listening line; its log:" >&2
        cat "$work/emulator.log" >&2
        exit 1
        ;;
esac

if ! "$venv/bin/python" "$sdk_dir/check_emulator.py" "$base_url"; then
    echo "the SDK check failed; the emulator's log:" >&2
    cat "$work/emulator.log" >&2
    exit 1
fi

kill -TERM "$emulator_pid"
if ! wait "$emulator_pid"; then
    echo "the emulator did not stop cleanly on SIGTERM; its log:" >&2
    cat "$work/emulator.log" >&2
    exit 1
fi
emulator_pid=""
