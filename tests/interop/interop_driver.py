#!/usr/bin/env python3
"""Interop checks for weft programs and tools.

    interop_driver.py hydra MPIEXEC PROGRAM
        MPICH's launcher (Hydra) starts a weft-built program over PMI-1 with 4 ranks.
        Hydra sets no WEFT_PMI_KEY, so the library must send its init without a key.
    interop_driver.py wrappers WEFTCC WEFTCXX WEFTRUN SOURCE
        The uninstalled compiler wrappers: -show, -compile-info, -link-info, link flags
        only when linking, WEFT_CC; then SOURCE is built with weftcc, a C++ program with
        weftcxx, and both run under weftrun.
"""
import os
import subprocess
import sys
import tempfile

RUN_LIMIT = 50


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def run(command, env=None):
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=RUN_LIMIT,
                            stdin=subprocess.DEVNULL)
    return result


def describe(result):
    return f"exit status {result.returncode}\n--- stdout:\n{result.stdout}--- stderr:\n{result.stderr}"


def clean_environment():
    """The caller's environment without anything an enclosing launcher left behind."""
    env = dict(os.environ)
    for name in list(env):
        if name.startswith("PMI_") or name in ("WEFT_PMI_KEY", "WEFT_LOCAL_RANK", "WEFT_LOCAL_SIZE",
                                               "WEFT_UNIVERSE_SIZE", "MPIEXEC_TIMEOUT"):
            del env[name]
    return env


def case_hydra(mpiexec, program):
    result = run([mpiexec, "-n", "4", program, "4"], env=clean_environment())
    check(result.returncode == 0, "mpiexec.mpich could not run the weft program: " + describe(result))
    check("interop ok: 4 ranks" in result.stdout, "the program did not confirm 4 ranks: " + describe(result))


CXX_SOURCE = r"""
#include <mpi.h>
#include <cstdio>
#include <vector>
int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  std::vector<int> ranks(static_cast<std::size_t>(size), -1);
  if (rank == 0) {
    for (int r = 1; r < size; ++r) MPI_Recv(&ranks[r], 1, MPI_INT, r, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    std::printf("c++ ok: %d ranks\n", size);
  } else {
    MPI_Send(&rank, 1, MPI_INT, 0, 0, MPI_COMM_WORLD);
  }
  MPI_Finalize();
  return 0;
}
"""


def case_wrappers(weftcc, weftcxx, weftrun, source):
    shown = run(["sh", weftcc, "-show", "-O2", "x.c", "-o", "x"])
    check(shown.returncode == 0, "weftcc -show failed: " + describe(shown))
    words = shown.stdout.split()
    check(words[0] == "cc", f"weftcc -show does not start with cc: {shown.stdout!r}")
    check(any(w.startswith("-I") for w in words), f"weftcc -show has no -I: {shown.stdout!r}")
    check(words[-1] == "-lweft", f"weftcc -show does not end with -lweft: {shown.stdout!r}")
    check(any(w.startswith("-Wl,-rpath,") for w in words), f"weftcc -show has no rpath: {shown.stdout!r}")
    check(words.index("x.c") < words.index("-lweft"), "the library must follow the user's files")
    check("-show" not in words, "weftcc passed -show on to the compiler")

    for flag in ("-c", "-E", "-S", "-M", "-MM"):
        compile_only = run(["sh", weftcc, "-show", flag, "x.c"])
        check("-lweft" not in compile_only.stdout.split() and "-L" not in compile_only.stdout,
              f"weftcc {flag} must not add link flags: {compile_only.stdout!r}")

    compile_info = run(["sh", weftcc, "-compile-info"]).stdout.split()
    link_info = run(["sh", weftcc, "-link-info"]).stdout.split()
    check("-lweft" not in compile_info and any(w.startswith("-I") for w in compile_info),
          f"bad -compile-info: {compile_info}")
    check("-lweft" in link_info and any(w.startswith("-I") for w in link_info), f"bad -link-info: {link_info}")

    shown_cxx = run(["sh", weftcxx, "-show", "y.cc"]).stdout.split()
    check(shown_cxx[0] == "c++" and shown_cxx[-1] == "-lweft", f"bad weftcxx -show: {shown_cxx}")
    env = dict(os.environ, WEFT_CC="gcc -std=c11", WEFT_CXX="g++")
    overridden = run(["sh", weftcc, "-show", "x.c"], env=env).stdout.split()
    check(overridden[:2] == ["gcc", "-std=c11"], f"WEFT_CC is not honoured: {overridden}")

    with tempfile.TemporaryDirectory() as work:
        c_program = os.path.join(work, "ring")
        built = run(["sh", weftcc, "-O1", source, "-o", c_program])
        check(built.returncode == 0, "weftcc could not build the C program: " + describe(built))
        cxx_source = os.path.join(work, "hello.cc")
        with open(cxx_source, "w") as f:
            f.write(CXX_SOURCE)
        cxx_program = os.path.join(work, "hello_cxx")
        built = run(["sh", weftcxx, "-O1", cxx_source, "-o", cxx_program], env=env)
        check(built.returncode == 0, "weftcxx could not build the C++ program: " + describe(built))

        ran = run([weftrun, "-n", "3", c_program, "3"], env=clean_environment())
        check(ran.returncode == 0 and "interop ok: 3 ranks" in ran.stdout,
              "the weftcc-built program failed under weftrun: " + describe(ran))
        ran = run([weftrun, "-n", "2", cxx_program], env=clean_environment())
        check(ran.returncode == 0 and "c++ ok: 2 ranks" in ran.stdout,
              "the weftcxx-built program failed under weftrun: " + describe(ran))


def main():
    cases = {"hydra": (case_hydra, 2), "wrappers": (case_wrappers, 4)}
    if len(sys.argv) < 2 or sys.argv[1] not in cases or len(sys.argv) != 2 + cases[sys.argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    function, _ = cases[sys.argv[1]]
    try:
        function(*sys.argv[2:])
    except (Failure, subprocess.TimeoutExpired) as failure:
        print(f"FAIL: {failure}", file=sys.stderr)
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
