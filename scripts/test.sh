#!/usr/bin/env bash
# Runs weft's test suite: every tier (unit, mp, fault, interop, bench smoke) on the
# regular build, then the unit and mp tiers again on an AddressSanitizer +
# UndefinedBehaviorSanitizer build. Ends with one line "N passed, N failed".
# Usage: scripts/test.sh [build-dir]   (after scripts/setup.sh)
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
asan=${build}-asan
jobs=$(nproc)

[ -f "$build/build.ninja" ] || meson setup "$build" -Dwerror=true >/dev/null
ninja -C "$build" -j"$jobs" || exit 1
meson test -C "$build" --num-processes "$jobs" --print-errorlogs
status=$?

if [ ! -f "$asan/build.ninja" ]; then
  meson setup "$asan" -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug \
    >/dev/null
fi
ninja -C "$asan" -j"$jobs" || exit 1
# Leak reports from the launcher's forked children are noise; errors are not.
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C "$asan" --num-processes "$jobs" --print-errorlogs --suite unit --suite mp \
  --no-suite tcp --no-suite large
status_asan=$?

python3 - "$build" "$asan" <<'PY'
import json, sys
passed = failed = skipped = 0
for d in sys.argv[1:]:
    try:
        lines = open(f"{d}/meson-logs/testlog.json").read().splitlines()
    except OSError:
        continue
    for line in lines:
        if not line.strip():
            continue
        result = json.loads(line).get("result")
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
[ $status -eq 0 ] && [ $status_asan -eq 0 ]
