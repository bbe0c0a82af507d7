#!/usr/bin/env python3
"""Runs a small allreduce job (coll_tuning) under weftrun with WEFT_TUNING_FILE and checks
what a user would see: the rules of the file decide (WEFT_COLL_VERBOSE=1 names the file and
the row), WEFT_ALLREDUCE_ALGORITHM still beats the file, `weftrun --info` shows the file's
rules, and a file that cannot be used ends the job with one message naming the file, the
line and column, and the problem.

    tuning_driver.py CASE WEFTRUN PROGRAM

Nothing here depends on time; a job that hangs is ended by weftrun's --timeout.
"""
import os
import subprocess
import sys
import tempfile

RANKS = "3"

# Reverses the built-in choice for 3 ranks: short vectors go to the ring, longer ones to
# recursive doubling (built in: recursive doubling, then Rabenseifner).
GOOD = """{
  "version": 1,
  "comment": "test file of tests/mp/tuning_driver.py",
  "collectives": {
    "allreduce": [
      {"algorithm": "ring", "below_bytes": 4096},
      {"algorithm": "recursive_doubling"}
    ]
  }
}
"""

# A trailing comma: the "]" on line 4, column 42.
MALFORMED = """{
  "version": 1,
  "collectives": {
    "allreduce": [{"algorithm": "ring"}, ]
  }
}
"""

UNKNOWN_ALGORITHM = """{
  "version": 1,
  "collectives": {
    "allreduce": [{"algorithm": "rign"}]
  }
}
"""


class Failure(Exception):
    pass


def check(condition, message, result=None):
    if not condition:
        if result is not None:
            message += (f"\n--- exit status {result.returncode}\n--- stdout:\n{result.stdout}"
                        f"--- stderr:\n{result.stderr}")
        raise Failure(message)


def run(weftrun, args, env_extra):
    env = dict(os.environ)
    for name in list(env):
        if name.startswith("WEFT_") and name.endswith("_ALGORITHM"):
            del env[name]
    env.pop("WEFT_COLL_STRICT", None)
    env.pop("MPIEXEC_TIMEOUT", None)
    env.update(env_extra)
    return subprocess.run([weftrun] + args, capture_output=True, text=True, env=env, timeout=55)


def write(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def job(weftrun, program, env_extra):
    return run(weftrun, ["-n", RANKS, "--timeout", "50", program], env_extra)


def case_file_decides(weftrun, program, directory):
    path = write(directory, "reversed.json", GOOD)
    result = job(weftrun, program, {"WEFT_TUNING_FILE": path, "WEFT_COLL_VERBOSE": "1"})
    check(result.returncode == 0, "the job with a tuning file failed", result)
    check("coll_tuning: ok" in result.stdout, "the job did not report its results as checked", result)
    for line in (f"MPI_Allreduce: 3 ranks, 64 bytes, commutative op -> ring (table row 1 of {path})",
                 f"MPI_Allreduce: 3 ranks, 16384 bytes, commutative op -> recursive_doubling "
                 f"(table row 2 of {path})"):
        check(line in result.stderr, f"missing from the verbose log: {line}", result)

    # Without the file the built-in rules choose otherwise (so the file made the difference).
    result = job(weftrun, program, {"WEFT_COLL_VERBOSE": "1"})
    check(result.returncode == 0, "the job without a tuning file failed", result)
    check("64 bytes, commutative op -> recursive_doubling (table row 1)" in result.stderr,
          "the built-in rules did not choose recursive_doubling for 64 bytes", result)

    # A forced algorithm still wins over the file's rules.
    result = job(weftrun, program, {"WEFT_TUNING_FILE": path, "WEFT_COLL_VERBOSE": "1",
                                    "WEFT_ALLREDUCE_ALGORITHM": "rabenseifner"})
    check(result.returncode == 0, "the forced job failed", result)
    check("64 bytes, commutative op -> rabenseifner (forced by WEFT_ALLREDUCE_ALGORITHM)" in result.stderr,
          "WEFT_ALLREDUCE_ALGORITHM did not win over the tuning file", result)


def case_info(weftrun, program, directory):
    path = write(directory, "reversed.json", GOOD)
    result = run(weftrun, ["--info"], {"WEFT_TUNING_FILE": path})
    check(result.returncode == 0, "weftrun --info failed", result)
    line = f"selection (from {path}): ring if bytes < 4 KiB; otherwise recursive_doubling"
    check(line in result.stdout, f"weftrun --info does not show the file's rules: {line}", result)
    check("WEFT_TUNING_FILE" in result.stdout, "weftrun --info does not list WEFT_TUNING_FILE", result)


def expect_refused(weftrun, program, path, problem):
    result = job(weftrun, program, {"WEFT_TUNING_FILE": path})
    check(result.returncode != 0, "a job with an unusable tuning file succeeded", result)
    message = f"MPI_Allreduce: WEFT_TUNING_FILE={path}: {problem}"
    check(message in result.stderr, f"missing from stderr: {message}", result)
    check("coll_tuning: ok" not in result.stdout, "the job ran to the end", result)


def case_malformed(weftrun, program, directory):
    path = write(directory, "malformed.json", MALFORMED)
    expect_refused(weftrun, program, path, "line 4, column 42: a trailing comma before ']'")


def case_unknown_algorithm(weftrun, program, directory):
    path = write(directory, "unknown.json", UNKNOWN_ALGORITHM)
    expect_refused(weftrun, program, path,
                   'line 4, column 33: allreduce rule 1: "rign" names no allreduce algorithm '
                   "(known: recursive_doubling, rabenseifner, ring)")


def case_missing(weftrun, program, directory):
    path = os.path.join(directory, "absent.json")
    expect_refused(weftrun, program, path, "cannot be opened: No such file or directory")


CASES = {
    "file_decides": case_file_decides,
    "info": case_info,
    "malformed": case_malformed,
    "unknown_algorithm": case_unknown_algorithm,
    "missing": case_missing,
}


def main():
    case, weftrun, program = sys.argv[1], sys.argv[2], sys.argv[3]
    with tempfile.TemporaryDirectory(prefix="weft-tuning-") as directory:
        try:
            CASES[case](weftrun, program, directory)
        except Failure as failure:
            print(f"FAIL {case}: {failure}")
            return 1
    print(f"ok {case}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
