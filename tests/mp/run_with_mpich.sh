#!/bin/sh
# Builds every multi-process test program with MPICH and runs it at several rank counts.
# A program that fails here is a wrong test, not a weft bug: use this to validate tests.
#
#   tests/mp/run_with_mpich.sh                 # all programs, ranks 1 2 3 4 5 8
#   tests/mp/run_with_mpich.sh p2p_basic       # selected programs
#   RANKS="2 4" tests/mp/run_with_mpich.sh     # other rank counts
#
# Environment: MPICC (default mpicc.mpich), MPIEXEC (default mpiexec.mpich), RANKS,
# BUILD_DIR (default ${TMPDIR:-/tmp}/weft-mp-mpich), TIMEOUT seconds per run (default 60),
# VERBOSE=1 to show each program's output on success too.
set -u

here=$(cd "$(dirname "$0")" && pwd)
mpicc=${MPICC:-mpicc.mpich}
mpiexec=${MPIEXEC:-mpiexec.mpich}
ranks=${RANKS:-"1 2 3 4 5 8"}
build_dir=${BUILD_DIR:-${TMPDIR:-/tmp}/weft-mp-mpich}
timeout_s=${TIMEOUT:-60}
verbose=${VERBOSE:-0}

if [ $# -gt 0 ]; then
  programs="$*"
else
  programs=$(cd "$here" && ls *.c | sed 's/\.c$//')
fi

mkdir -p "$build_dir"
failures=""
passes=0

for program in $programs; do
  source="$here/$program.c"
  binary="$build_dir/$program"
  # -Wno-stringop-overflow: GCC 12 misreads MPICH's MPI_STATUSES_IGNORE, ((MPI_Status *)1),
  # as a zero-sized array at -O2.
  if ! "$mpicc" -std=c11 -O2 -g -Wall -Wextra -Werror -Wno-stringop-overflow -pthread \
      -o "$binary" "$source"; then
    echo "BUILD FAIL $program"
    failures="$failures $program(build)"
    continue
  fi
  for n in $ranks; do
    log="$build_dir/$program.n$n.log"
    start=$(date +%s.%N)
    timeout "$timeout_s" "$mpiexec" -n "$n" "$binary" >"$log" 2>&1
    rc=$?
    elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
    if [ $rc -eq 0 ]; then
      passes=$((passes + 1))
      printf 'ok    %-28s n=%-2s %6.2fs\n' "$program" "$n" "$elapsed"
      [ "$verbose" = 1 ] && sed 's/^/      | /' "$log"
    else
      printf 'FAIL  %-28s n=%-2s %6.2fs rc=%s\n' "$program" "$n" "$elapsed" "$rc"
      sed 's/^/      | /' "$log" | head -40
      failures="$failures $program(n=$n)"
    fi
  done
done

if [ -n "$failures" ]; then
  echo "passed $passes; FAILED:$failures"
  exit 1
fi
echo "all $passes runs passed"
