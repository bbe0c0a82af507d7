#!/usr/bin/env python3
"""Builds MPICH's conformance tests (test/mpi of pmodels/mpich) and runs them on weft or MPICH.

    tests/mpich-suite/run.py --git-dir /work/.mirror/pmodels+mpich/repo
    tests/mpich-suite/run.py --source ~/src/mpich --impl mpich --dirs pt2pt,coll
    tests/mpich-suite/run.py --git-dir ... --dirs coll --only allred --keep

The tests are configured as a strict-MPI, C-only build would configure them (no MPIX
extensions, no Fortran, C++ or GPU tests), each directory's testlist decides what runs,
and a test passes by the rules of MPICH's own runtests: exit status 0 and a lone
"No Errors" line as its only output (unless the entry names another result test).
The end of the output is a markdown table per directory and the failures with reasons.
README.md beside this file says more. Python 3 standard library only.
"""

import argparse
import concurrent.futures
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

DEFAULT_DIRS = ("basic init pt2pt coll datatype comm group info errhan attr topo part "
                "session mpi_t spawn").split()
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Values a strict-MPI configure (--enable-strictmpi, no Fortran, no C++, no GPU) gives the
# @...@ placeholders of testlist.in files. "#" comments the line out. A placeholder not
# listed here drops its line, with a note, rather than guessing.
TESTLIST_SUBSTITUTIONS = {
    "mpix": "#", "coll_error": "#", "comm_overlap": "", "namepub_tests": "",
    "spawndir": "spawn", "rmadir": "rma", "partdir": "part", "threadsdir": "#",
    "iodir": "#", "f77dir": "#", "f90dir": "#", "f08dir": "#", "cxxdir": "#",
    "errordir": "#", "perfdir": "#", "ftdir": "#", "ckpointdir": "#", "faultsdir": "#",
    "impldir": "#", "pmidir": "#", "cudadir": "#", "hipdir": "#", "largetest": "#",
    "nocxxdistgraph": "#", "ALLOCMEMF": "#", "F77SPAWNARGTEST": "#",
    "F03SPAWNARGTEST": "#", "f77profile": "#", "f90profile": "#", "ccl_type": "#",
}

# The helper library: util/ sources every single-threaded test links (run_mpitests.c is
# linked on its own by the tests that define run() instead of main()).
HELPER_SOURCES = ["mtest.c", "mtest_common.c", "mtest_single.c", "dtypes.c"]

# Lines of output runtests accepts besides "No Errors" (matched like its check_result).
NO_ERRORS_RE = re.compile(r"^\s*No [Ee]rrors\s*$")
SKIPPED_RE = re.compile(r"^\s*Test Skipped\s*$")
WARNING_RE = re.compile(r"^(MPICH: |WARNING: |(Abort.*)?application called MPI_Abort)")
HARMLESS_RE = re.compile(r"(FORTRAN STOP|requesting checkpoint|checkpoint completed)\s*$")
STUB_MARK = "mpich-suite stub:"


def log(message):
    print(message, flush=True)


def die(message):
    print(f"run.py: {message}", file=sys.stderr)
    sys.exit(2)


# ---------------------------------------------------------------------------------------
# Sources and generated configuration

def fetch_sources(args, scratch):
    """Copies test/mpi into scratch/src/test/mpi (never building inside the user's tree)."""
    dest = os.path.join(scratch, "src")
    if args.git_dir:
        os.makedirs(dest, exist_ok=True)
        archive = subprocess.run(["git", "--git-dir", args.git_dir, "archive", args.rev,
                                  "test/mpi"], stdout=subprocess.PIPE, check=False)
        if archive.returncode != 0:
            die(f"git archive {args.rev} test/mpi failed in {args.git_dir}")
        subprocess.run(["tar", "-x", "-C", dest], input=archive.stdout, check=True)
        described = subprocess.run(["git", "--git-dir", args.git_dir, "describe", "--tags",
                                    "--always", args.rev], capture_output=True, text=True)
        origin = f"{args.git_dir} at {args.rev} ({described.stdout.strip()})"
    else:
        root = os.path.abspath(args.source)
        for candidate in (os.path.join(root, "test", "mpi"), root):
            if os.path.isfile(os.path.join(candidate, "util", "mtest.c")):
                shutil.copytree(candidate, os.path.join(dest, "test", "mpi"), symlinks=True,
                                ignore=shutil.ignore_patterns("*.o", "*.a", "*.la", ".libs"))
                break
        else:
            die(f"{root} holds neither test/mpi nor util/mtest.c")
        origin = root
    return os.path.join(dest, "test", "mpi"), origin


def write_config_headers(gen_include, dirs):
    """mpitestconf.h as a strict-MPI, C-only configure on Linux/GCC would write it."""
    defines = [
        ("ENABLE_STRICTMPI", "1"), ("USE_STRICT_MPI", "1"),
        ("HAVE_STDARG_H", "1"), ("HAVE_STDIO_H", "1"), ("HAVE_STDLIB_H", "1"),
        ("HAVE_STRING_H", "1"), ("HAVE_STRINGS_H", "1"), ("HAVE_INTTYPES_H", "1"),
        ("HAVE_STDINT_H", "1"), ("HAVE_UNISTD_H", "1"), ("HAVE_MEMORY_H", "1"),
        ("HAVE_SYS_TYPES_H", "1"), ("HAVE_SYS_STAT_H", "1"), ("HAVE_SYS_TIME_H", "1"),
        ("HAVE_SYS_RESOURCE_H", "1"), ("HAVE_PTHREAD_H", "1"), ("STDC_HEADERS", "1"),
        ("HAVE_STRDUP", "1"), ("HAVE_USLEEP", "1"), ("HAVE_GETRUSAGE", "1"),
        ("HAVE_LONG_DOUBLE", "1"), ("HAVE_LONG_LONG", "1"), ("HAVE_LONG_LONG_INT", "1"),
        ("HAVE__BOOL", "1"), ("HAVE_FLOAT__COMPLEX", "1"), ("HAVE_DOUBLE__COMPLEX", "1"),
        ("HAVE_LONG_DOUBLE__COMPLEX", "1"), ("USE_LONG_DOUBLE_COMPLEX", "1"),
        ("HAVE_FLOAT16", "1"), ("HAVE_ATOMIC", "1"), ("HAVE_H_ADDR_LIST", "1"),
        ("SIZEOF_VOID_P", "8"), ("SIZEOF_INT", "4"), ("SIZEOF_LONG", "8"),
        ("SIZEOF_LONG_LONG", "8"), ("SIZEOF_SHORT", "2"), ("POINTERINT_t", "long"),
        ("THREAD_PACKAGE_NAME", "THREAD_PACKAGE_POSIX"),
    ]
    # The helper library calls one-sided and dynamic-process functions only when these are
    # defined, so they follow the directories asked for.
    if "spawn" in dirs:
        defines.append(("HAVE_MPI_SPAWN", "1"))
    if "rma" in dirs:
        defines.append(("HAVE_MPI_WIN_CREATE", "1"))
    if "io" in dirs:
        defines.append(("HAVE_MPI_IO", "1"))
    os.makedirs(gen_include, exist_ok=True)
    with open(os.path.join(gen_include, "mpitestconf.h"), "w") as out:
        out.write("/* Written by tests/mpich-suite/run.py: a strict-MPI, C-only configuration "
                  "of MPICH's test suite. */\n#ifndef MPITESTCONF_H_INCLUDED\n"
                  "#define MPITESTCONF_H_INCLUDED\n")
        for name, value in defines:
            out.write(f"#define {name} {value}\n")
        out.write("#endif\n")
    # MPICH's own build generates mtest_mpix.h (MPIX aliases); a strict build has none.
    with open(os.path.join(gen_include, "mtest_mpix.h"), "w") as out:
        out.write("/* Written by tests/mpich-suite/run.py: no MPIX aliases (strict MPI). */\n")
    # dtpools includes "../dtpoolsconf.h" relative to its include directory.
    with open(os.path.join(os.path.dirname(gen_include), "dtpoolsconf.h"), "w") as out:
        out.write("/* Written by tests/mpich-suite/run.py. */\n#define HAVE_STDLIB_H 1\n"
                  "#define HAVE_STRING_H 1\n#define HAVE_LIMITS_H 1\n#define HAVE_STDINT_H 1\n"
                  "#define HAVE_SYS_TYPES_H 1\n#define HAVE_STRDUP 1\n#define HAVE_MEMSET 1\n")


# ---------------------------------------------------------------------------------------
# Makefile.am (which sources and flags make each program) and testlist files

def parse_makefile_am(path):
    variables = {}
    if not os.path.isfile(path):
        return variables
    with open(path, errors="replace") as f:
        text = f.read().replace("\\\n", " ")
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        match = re.match(r"^\s*([A-Za-z0-9_]+)\s*(\+?=)\s*(.*)$", line)
        if not match:
            continue
        name, op, value = match.groups()
        if op == "+=" and name in variables:
            variables[name] += " " + value.strip()
        else:
            variables[name] = value.strip()
    return variables


def expand_make(value, variables):
    """Expands $(VAR) from the same Makefile.am; drops automake's own and @subst@ values."""
    def replace(match):
        name = match.group(1)
        if name in ("AM_CPPFLAGS", "LDADD", "AM_CFLAGS", "run_mpitests_obj"):
            return ""
        return expand_make(variables.get(name, ""), variables)
    value = re.sub(r"\$\(([A-Za-z0-9_]+)\)", replace, value)
    return re.sub(r"@[A-Za-z0-9_]+@", "", value)


class Program:
    """One executable: its sources and flags, built once for all its testlist entries."""

    def __init__(self, directory, name, variables):
        canon = re.sub(r"[^A-Za-z0-9_]", "_", name)
        self.directory = directory
        self.name = name
        self.sources = expand_make(variables.get(canon + "_SOURCES", name + ".c"),
                                   variables).split()
        self.cppflags = shlex.split(expand_make(variables.get(canon + "_CPPFLAGS", ""),
                                                variables))
        self.cppflags += shlex.split(expand_make(variables.get(canon + "_CFLAGS", ""),
                                                 variables))
        self.built = None          # None: not tried; True/False afterwards
        self.build_reason = ""
        self.missing = []          # functions the link could not find
        self.output = ""
        self.lock = threading.Lock()


class Entry:
    """One line of a testlist: a program, a process count and key=value options."""

    def __init__(self, directory, name, np, list_file, line):
        self.directory = directory
        self.name = name
        self.np = np
        self.list_file = list_file
        self.line = line
        self.args = []
        self.envs = []
        self.mpiexecargs = []
        self.options = {}
        self.status = None         # passed / failed / skipped
        self.reason = ""
        self.category = ""
        self.output = ""
        self.command = ""
        self.seconds = 0.0

    def label(self):
        text = f"{self.directory}/{self.name} {self.np}"
        if self.args:
            text += " " + " ".join(self.args)
        if self.envs:
            text += " " + " ".join("env=" + e for e in self.envs)
        return text


def read_testlist(topdir, directory, notes):
    """Returns the entries of directory/testlist (or testlist.in, substituted)."""
    base = os.path.join(topdir, directory)
    for list_name in ("testlist", "testlist.in"):
        path = os.path.join(base, list_name)
        if os.path.isfile(path):
            break
    else:
        return None
    entries = []
    with open(path, errors="replace") as f:
        for raw in f:
            line = raw.rstrip("\r\n")
            unknown = [p for p in re.findall(r"@([A-Za-z0-9_]+)@", line)
                       if p not in TESTLIST_SUBSTITUTIONS]
            if unknown:
                notes.append(f"{directory}/{list_name}: dropped '{line.strip()}' "
                             f"(unknown placeholder @{unknown[0]}@)")
                continue
            line = re.sub(r"@([A-Za-z0-9_]+)@", lambda m: TESTLIST_SUBSTITUTIONS[m.group(1)],
                          line)
            line = line.split("#", 1)[0].strip()
            if not line or line.startswith("!"):
                continue
            fields = line.split()
            if os.path.isdir(os.path.join(base, fields[0])):
                sub = read_testlist(topdir, os.path.join(directory, fields[0]), notes)
                entries.extend(sub or [])
                continue
            np = 2
            if len(fields) > 1 and fields[1].isdigit():
                np = int(fields[1])
            name, entry_dir = fields[0], directory
            if "/" in name:
                entry_dir = os.path.join(directory, os.path.dirname(name))
                name = os.path.basename(name)
            entry = Entry(entry_dir, name, np, f"{directory}/{list_name}", line)
            for field in fields[2:]:
                key, _, value = field.partition("=")
                if key == "arg":
                    entry.args.append(value)
                elif key == "env":
                    entry.envs.append(value)
                elif key == "mpiexecarg":
                    entry.mpiexecargs.append(value)
                else:
                    entry.options[key] = value
            entries.append(entry)
    return entries


def implicit_entries(topdir, directory, variables):
    """A directory without a testlist (basic): every program Makefile.am builds, 2 ranks.

    These programs print no "No Errors", so they pass on exit status 0 alone."""
    names = expand_make(variables.get("noinst_PROGRAMS", ""), variables).split()
    entries = []
    for name in names:
        entry = Entry(directory, name, 2, f"{directory}/Makefile.am (no testlist)", name)
        entry.options["resultTest"] = "ExitStatusOnly"
        entries.append(entry)
    return entries


# ---------------------------------------------------------------------------------------
# Implementations

class Implementation:
    def __init__(self, args):
        self.kind = args.impl
        if args.impl == "weft":
            builddir = os.path.abspath(args.builddir)
            self.cc = os.path.join(builddir, "launcher", "weftcc")
            self.launcher = os.path.join(builddir, "launcher", "weftrun")
            for tool in (self.cc, self.launcher):
                if not os.access(tool, os.X_OK):
                    die(f"{tool} missing: build weft first (meson setup {args.builddir} && "
                        f"ninja -C {args.builddir})")
        else:
            self.cc = shutil.which("mpicc.mpich")
            self.launcher = shutil.which("mpiexec.mpich")
            if not self.cc or not self.launcher:
                die("mpicc.mpich/mpiexec.mpich not found: apt-get install -y mpich")
        self.version = self.mpi_version()

    def mpi_version(self):
        probe = subprocess.run([self.cc, "-E", "-dM", "-x", "c", "-"],
                               input="#include <mpi.h>\n", capture_output=True, text=True)
        found = dict(re.findall(r"#define (MPI_VERSION|MPI_SUBVERSION) (\d+)", probe.stdout))
        return (int(found.get("MPI_VERSION", 0)), int(found.get("MPI_SUBVERSION", 0)))

    def command(self, np, timeout, mpiexecargs, program, args):
        if self.kind == "weft":
            return [self.launcher, "-n", str(np), "--timeout", str(timeout),
                    *mpiexecargs, program, *args]
        return [self.launcher, "-n", str(np), *mpiexecargs, program, *args]

    def environment(self, timeout, envs):
        env = dict(os.environ)
        env["MPIEXEC_TIMEOUT"] = str(timeout)
        if self.kind == "weft" and getattr(self, "name_server", None):
            env.setdefault("WEFT_NAME_SERVER", self.name_server)
        for item in envs:
            key, _, value = item.partition("=")
            env[key] = value
        return env


def run_capture(command, cwd=None, env=None, timeout=None):
    """Runs command in its own process group; on timeout kills the whole group."""
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out.decode(errors="replace"), False
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, _ = proc.communicate()
        return None, out.decode(errors="replace"), True


def load_standard_functions():
    """Names of the MPI-5.0 functions from weft's API description, with their deprecation.

    Lets a report tell a function weft lacks from one the standard no longer has."""
    functions = {}
    path = os.path.join(REPO_ROOT, "api", "mpi.api")
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        for line in f:
            match = re.match(r"^(MPI_\w+) ->(.*)$", line)
            if match:
                name, rest = match.groups()
                deprecated = re.search(r"deprecated=(\S+)", rest)
                note = f"deprecated since {deprecated.group(1)}" if deprecated else ""
                functions[name] = note
                if "large=" in rest:
                    functions[name + "_c"] = note
    return functions


STANDARD_FUNCTIONS = load_standard_functions()


def describe_missing(name):
    if STANDARD_FUNCTIONS is None:
        return name
    if name not in STANDARD_FUNCTIONS:
        return f"{name} (not an MPI-5.0 function)"
    note = STANDARD_FUNCTIONS[name]
    return f"{name} ({note})" if note else name


def first_missing_symbols(output):
    found = []
    for symbol in re.findall(r"undefined reference to [`']([A-Za-z0-9_]+)'", output):
        if symbol not in found:
            found.append(symbol)
    return found


def first_error_line(output):
    for line in output.splitlines():
        if "error:" in line or "Error" in line:
            return line.strip()
    lines = [l for l in output.splitlines() if l.strip()]
    return lines[0].strip() if lines else "no output"


# ---------------------------------------------------------------------------------------
# Building

class Builder:
    def __init__(self, impl, topdir, scratch, cflags, stub_missing):
        self.impl = impl
        self.topdir = topdir
        self.scratch = scratch
        self.cflags = shlex.split(cflags)
        self.gen_include = os.path.join(scratch, "gen", "include")
        self.includes = ["-I" + self.gen_include, "-I" + os.path.join(topdir, "include"),
                         "-I" + os.path.join(topdir, "dtpools", "include")]
        self.libdir = os.path.join(scratch, "lib")
        self.stub_missing = stub_missing
        self.stubbed = []
        self.helper_missing = []
        self.dtpools_missing = []
        self.run_main = None
        self.libraries = []

    def compile(self, source, obj, extra=()):
        command = [self.impl.cc, *self.cflags, *self.includes, *extra, "-c", source, "-o", obj]
        rc, out, _ = run_capture(command, timeout=300)
        return rc == 0, out

    def archive(self, name, objects):
        path = os.path.join(self.libdir, name)
        if os.path.exists(path):
            os.unlink(path)
        subprocess.run(["ar", "rcs", path, *objects], check=True)
        return path

    def build_helpers(self):
        """Builds libmtest.a (util/), libdtpools.a and run_mpitests.o once per run."""
        os.makedirs(self.libdir, exist_ok=True)
        util = os.path.join(self.topdir, "util")
        objects = []
        for source in HELPER_SOURCES:
            path = os.path.join(util, source)
            if not os.path.isfile(path):
                continue
            obj = os.path.join(self.libdir, source[:-2] + ".o")
            ok, out = self.compile(path, obj)
            if not ok:
                die(f"the helper library does not compile: util/{source}\n{out}")
            objects.append(obj)
        runner = os.path.join(util, "run_mpitests.c")
        if os.path.isfile(runner):
            self.run_main = os.path.join(self.libdir, "run_mpitests.o")
            ok, out = self.compile(runner, self.run_main)
            if not ok:
                die(f"util/run_mpitests.c does not compile\n{out}")
        dtp_objects = []
        dtp_src = os.path.join(self.topdir, "dtpools", "src")
        if os.path.isdir(dtp_src):
            for source in sorted(os.listdir(dtp_src)):
                if source.endswith(".c"):
                    obj = os.path.join(self.libdir, "dtp_" + source[:-2] + ".o")
                    ok, out = self.compile(os.path.join(dtp_src, source), obj)
                    if not ok:
                        die(f"dtpools/src/{source} does not compile\n{out}")
                    dtp_objects.append(obj)

        # Which functions does the helper library call that the implementation lacks?
        # Link every helper object into a program that does nothing and read the errors.
        probe_c = os.path.join(self.libdir, "probe.c")
        with open(probe_c, "w") as f:
            f.write("int main(void) { return 0; }\n")
        self.helper_missing = self.probe_missing(probe_c, objects)
        self.dtpools_missing = [name for name in self.probe_missing(probe_c, dtp_objects + objects)
                                if name not in self.helper_missing]
        if self.helper_missing and self.stub_missing:
            objects.append(self.write_stubs(self.helper_missing))
            self.stubbed = list(self.helper_missing)
        self.libraries = [self.archive("libmtest.a", objects)]
        if dtp_objects:
            self.libraries.append(self.archive("libdtpools.a", dtp_objects))
            # dtpools calls back into the helper library (MTest memory helpers).
            self.libraries.append(self.libraries[0])

    def probe_missing(self, probe_c, objects):
        rc, out, _ = run_capture([self.impl.cc, *self.cflags, probe_c, *objects, "-lm",
                                  "-o", os.path.join(self.libdir, "probe")], timeout=300)
        return first_missing_symbols(out) if rc != 0 else []

    def write_stubs(self, functions):
        """Each missing function prints one line to stderr and returns MPI_ERR_OTHER."""
        path = os.path.join(self.libdir, "missing_stubs.c")
        with open(path, "w") as f:
            f.write("/* Written by tests/mpich-suite/run.py --stub-missing: stand-ins for "
                    "functions the MPI library lacks.\n   Results with them are not real. */\n"
                    "#include <mpi.h>\n#include <stdio.h>\n")
            for name in functions:
                f.write(f"int stub_{name}(void) __asm__(\"{name}\");\n"
                        f"int stub_{name}(void)\n{{\n    static int told;\n"
                        f"    if (!told++)\n        fprintf(stderr, \"{STUB_MARK} {name} "
                        f"called (returns MPI_ERR_OTHER)\\n\");\n"
                        f"    return MPI_ERR_OTHER;\n}}\n")
        obj = path[:-2] + ".o"
        ok, out = self.compile(path, obj)
        if not ok:
            die(f"the stub file does not compile\n{out}")
        return obj

    def build(self, program, bindir):
        """Compiles and links one program; records why when it cannot."""
        with program.lock:
            if program.built is not None:
                return program.built
            srcdir = os.path.join(self.topdir, program.directory)
            sources = [os.path.join(srcdir, s) for s in program.sources]
            exe = os.path.join(bindir, program.name)
            program.built = False
            if any(not s.endswith(".c") for s in sources):
                program.build_reason = "not a C program (" + " ".join(program.sources) + ")"
                return False
            missing_files = [s for s in sources if not os.path.isfile(s)]
            if missing_files:
                program.build_reason = "source missing: " + os.path.relpath(
                    missing_files[0], self.topdir)
                return False
            objects = []
            uses_run = False
            for source in sources:
                obj = os.path.join(bindir, program.name + "." +
                                   os.path.basename(source)[:-2] + ".o")
                ok, out = self.compile(source, obj, program.cppflags)
                if not ok:
                    program.build_reason = "compile error: " + first_error_line(out)
                    program.output = out
                    return False
                objects.append(obj)
                with open(source, errors="replace") as f:
                    text = f.read()
                if not re.search(r"\bmain\s*\(", text) and re.search(
                        r"\bint\s+run\s*\(\s*const\s+char", text):
                    uses_run = True
            if uses_run and self.run_main:
                objects.append(self.run_main)
            command = [self.impl.cc, *self.cflags, *objects, *self.libraries, "-lm",
                       "-o", exe]
            rc, out, _ = run_capture(command, timeout=300)
            if rc != 0:
                program.missing = first_missing_symbols(out)
                if program.missing:
                    program.build_reason = "missing function " + describe_missing(
                        program.missing[0])
                else:
                    program.build_reason = "link error: " + first_error_line(out)
                program.output = out
                return False
            program.built = True
            return True


# ---------------------------------------------------------------------------------------
# Judging a run (the rules of MPICH's runtests, check_result and the TestXxx routines)

def judge(entry, rc, output, timed_out):
    """Returns (status, category, reason)."""
    found_noerror = skipped = stray = warnings = 0
    first_stray = ""
    for line in output.splitlines():
        if NO_ERRORS_RE.match(line) and not found_noerror:
            found_noerror = 1
        elif SKIPPED_RE.match(line):
            skipped += 1
        elif WARNING_RE.match(line):
            warnings += 1
            first_stray = first_stray or line.strip()
        elif HARMLESS_RE.search(line):
            pass
        else:
            stray += 1
            first_stray = first_stray or line.strip()
    status_bad = timed_out or rc != 0
    stubs = sorted(set(re.findall(re.escape(STUB_MARK) + r" (\S+)", output)))

    test = entry.options.get("resultTest", "")
    if test in ("TestStatus", "TestErrFatal"):
        ok = status_bad
    elif test == "TestStatusNoErrors":
        ok = found_noerror and not stray and status_bad
    elif test == "ExitStatusOnly":
        ok = not status_bad
    elif test == "TestBench":
        ok = not status_bad
    else:
        allow_warnings = test == "TestAllowWarnings"
        ok = ((found_noerror or skipped) and not stray
              and (allow_warnings or not warnings) and not status_bad)
    if ok:
        if skipped and not found_noerror and test in ("", "TestAllowWarnings"):
            return "skipped", "skipped", "the test printed 'Test Skipped'"
        return "passed", "", ""

    if test in ("TestStatus", "TestErrFatal") and not status_bad:
        return "failed", "exit status", "exited 0 where a failure was expected"
    if stubs:
        return "failed", "stub: " + stubs[0], "called stubbed " + ", ".join(stubs)
    if timed_out or rc == 124 or (entry.seconds >= entry.timeout - 1 and rc != 0):
        return "failed", "timeout", f"timeout after {entry.timeout} s"
    signal_match = re.search(r"signal (\d+)|KILLED BY SIGNAL: (\d+)", output)
    if rc is not None and (rc < 0 or 128 < rc < 160) or signal_match:
        number = -rc if rc is not None and rc < 0 else (
            rc - 128 if rc is not None and 128 < rc < 160 else
            int(next(g for g in signal_match.groups() if g)))
        name = signal.Signals(number).name if number in signal.Signals._value2member_map_ \
            else str(number)
        return "failed", "crash", f"killed by {name}" + (
            f" ({first_stray})" if first_stray else "")
    if stray or warnings:
        return "failed", "wrong output", f"output: {first_stray[:160]}"
    if not found_noerror and not skipped:
        return "failed", "no 'No Errors'", f"no 'No Errors' line (exit status {rc})"
    return "failed", "exit status", f"exit status {rc}"


# ---------------------------------------------------------------------------------------
# The run

def select_entries(entries, args, impl):
    """Marks entries that are not run, for the reasons runtests (or this runner) skips."""
    for entry in entries:
        opts = entry.options
        if (args.only and entry.name != args.only) or entry.np < args.min_np:
            entry.status = "unselected"
            continue
        if "hasgpu" in opts:
            entry.status, entry.reason = "skipped", "needs a GPU"
        elif opts.get("strict", "").lower() == "false":
            entry.status, entry.reason = "skipped", "non-strict test (MPICH extensions)"
        elif opts.get("requiresMPIX", "").lower() == "true":
            entry.status, entry.reason = "skipped", "needs MPIX functions"
        elif opts.get("xfail") and not args.runxfail:
            entry.status, entry.reason = "skipped", "xfail=" + opts["xfail"]
        elif "mem" in opts and float(opts["mem"]) > args.memory_gb:
            entry.status, entry.reason = "skipped", f"needs {opts['mem']} GB of memory"
        elif "mpiversion" in opts and tuple(
                int(x) for x in opts["mpiversion"].split(".")[:2]) > impl.version:
            entry.status, entry.reason = "skipped", "needs MPI " + opts["mpiversion"]
        elif entry.envs and args.no_env_variants:
            entry.status, entry.reason = "skipped", "env= variant (--no-env-variants)"
        elif entry.np > args.max_np:
            entry.status, entry.reason = "skipped", f"needs {entry.np} processes (> {args.max_np})"
        limit = args.timeout
        if opts.get("timeLimit", "").isdigit():
            limit = int(opts["timeLimit"])
        entry.timeout = min(limit, args.max_timeout)


class Scheduler:
    """Up to `jobs` tests at once, but a test with more than two ranks runs alone."""

    def __init__(self, jobs):
        self.jobs = jobs
        self.in_use = 0
        self.cond = threading.Condition()

    def weight(self, entry):
        return 1 if entry.np <= 2 else self.jobs

    def acquire(self, entry):
        need = self.weight(entry)
        with self.cond:
            self.cond.wait_for(lambda: self.in_use + need <= self.jobs)
            self.in_use += need

    def release(self, entry):
        with self.cond:
            self.in_use -= self.weight(entry)
            self.cond.notify_all()


def run_entry(entry, program, builder, impl, bindir, scheduler, args):
    if not builder.build(program, bindir):
        entry.status, entry.category = "failed", "build"
        entry.reason = program.build_reason
        entry.output = program.output[-4000:]
        entry.built = False
        entry.missing = program.missing
        return entry
    entry.built = True
    command = impl.command(entry.np, entry.timeout, entry.mpiexecargs,
                           "./" + program.name, entry.args)
    entry.command = " ".join(shlex.quote(c) for c in command)
    if entry.envs:
        entry.command = " ".join(entry.envs) + " " + entry.command
    scheduler.acquire(entry)
    try:
        start = time.monotonic()
        rc, output, timed_out = run_capture(command, cwd=bindir,
                                            env=impl.environment(entry.timeout, entry.envs),
                                            timeout=entry.timeout + 30)
        entry.seconds = time.monotonic() - start
    finally:
        scheduler.release(entry)
    entry.rc = rc
    entry.output = output[-4000:]
    entry.status, entry.category, entry.reason = judge(entry, rc, output, timed_out)
    return entry


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--source", metavar="DIR",
                        help="an MPICH checkout (holding test/mpi) or test/mpi itself")
    source.add_argument("--git-dir", metavar="GITDIR",
                        help="a bare MPICH git directory; test/mpi is extracted with git archive")
    parser.add_argument("--rev", default="HEAD", help="revision for --git-dir (default HEAD)")
    parser.add_argument("--impl", choices=("weft", "mpich"), default="weft")
    parser.add_argument("--builddir", default=os.path.join(REPO_ROOT, "build"),
                        help="weft's build directory (default: build at the top of the tree)")
    parser.add_argument("--dirs", default=",".join(DEFAULT_DIRS),
                        help="comma-separated test/mpi directories")
    parser.add_argument("--only", metavar="NAME", help="run only the entries of this program")
    parser.add_argument("-j", "--jobs", type=int, default=1,
                        help="builds and small (1-2 rank) tests at once (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--scratch", metavar="DIR", help="scratch directory (default: a new "
                        "one under $TMPDIR); implies --keep")
    parser.add_argument("--json", metavar="FILE", help="write every entry's result here")
    parser.add_argument("--stub-missing", action="store_true",
                        help="add stand-ins for functions the helper library needs and the "
                        "library lacks (the numbers are then NOT real)")
    parser.add_argument("--max-np", type=int, default=8)
    parser.add_argument("--min-np", type=int, default=1,
                        help="only entries with at least this many ranks")
    parser.add_argument("--timeout", type=int, default=60, help="default per test (s)")
    parser.add_argument("--max-timeout", type=int, default=120, help="cap per test (s)")
    parser.add_argument("--memory-gb", type=float, default=4.0,
                        help="skip entries whose mem= is above this (runtests' default 4)")
    parser.add_argument("--no-env-variants", action="store_true",
                        help="skip entries with env= settings (MPICH tuning variables: on "
                        "another library they rerun the same test)")
    parser.add_argument("--runxfail", action="store_true", help="also run xfail= entries")
    parser.add_argument("--cflags", default="-O1 -g -w")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print each failure's output as it happens")
    args = parser.parse_args()

    dirs = [d.strip().strip("/") for d in args.dirs.split(",") if d.strip()]
    impl = Implementation(args)
    if args.scratch:
        scratch = os.path.abspath(args.scratch)
        os.makedirs(scratch, exist_ok=True)
        args.keep = True
    else:
        scratch = tempfile.mkdtemp(prefix=f"mpich-suite-{impl.kind}-")
    # weft's name service is shared by every job of the user on the host: the tests of this
    # run publish their fixed service names in a directory of their own, so runs side by
    # side (and other jobs of the user) never see each other's names.
    impl.name_server = os.path.join(scratch, "names")
    try:
        return run_suite(args, dirs, impl, scratch)
    finally:
        if args.keep:
            log(f"scratch kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def run_suite(args, dirs, impl, scratch):
    topdir, origin = fetch_sources(args, scratch)
    write_config_headers(os.path.join(scratch, "gen", "include"), dirs)
    log(f"MPICH test suite from {origin}")
    log(f"implementation: {impl.kind} ({impl.cc}; MPI {impl.version[0]}.{impl.version[1]}), "
        f"strict MPI, C only, -j{args.jobs}")
    builder = Builder(impl, topdir, scratch, args.cflags, args.stub_missing)
    builder.build_helpers()
    if builder.helper_missing:
        names = ", ".join(builder.helper_missing)
        if builder.stubbed:
            banner = ("!" * 78 + "\n!! STUBBED: the helper library calls functions "
                      f"{impl.kind} lacks: {names}.\n!! They were replaced by stubs that "
                      "return MPI_ERR_OTHER. THESE NUMBERS ARE NOT REAL.\n" + "!" * 78)
        else:
            banner = (f"the helper library needs functions {impl.kind} lacks: {names}; "
                      "every test will fail to link (--stub-missing measures anyway)")
        log(banner)
    if builder.dtpools_missing:
        log(f"dtpools (linked by the tests that draw datatypes from its pools) needs functions "
            f"{impl.kind} lacks: {', '.join(builder.dtpools_missing)}; those tests will not link")

    notes = []
    all_entries = []
    programs = {}
    for directory in dirs:
        if not os.path.isdir(os.path.join(topdir, directory)):
            notes.append(f"{directory}: no such directory in test/mpi")
            continue
        variables = parse_makefile_am(os.path.join(topdir, directory, "Makefile.am"))
        entries = read_testlist(topdir, directory, notes)
        if entries is None:
            entries = implicit_entries(topdir, directory, variables)
            notes.append(f"{directory}: no testlist; ran the {len(entries)} programs of "
                         "Makefile.am with 2 ranks, passing on exit status 0")
        for entry in entries:
            entry.top = directory
            key = (entry.directory, entry.name)
            if key not in programs:
                entry_vars = variables if entry.directory == directory else parse_makefile_am(
                    os.path.join(topdir, entry.directory, "Makefile.am"))
                programs[key] = Program(entry.directory, entry.name, entry_vars)
        select_entries(entries, args, impl)
        all_entries.extend(e for e in entries if e.status != "unselected")

    scheduler = Scheduler(max(1, args.jobs))
    pending = [e for e in all_entries if e.status is None]
    log(f"{len(all_entries)} entries, {len(pending)} to run, "
        f"{len({(e.directory, e.name) for e in pending})} programs to build")
    done = 0

    def work(entry):
        bindir = os.path.join(scratch, "bin", entry.directory)
        os.makedirs(bindir, exist_ok=True)
        return run_entry(entry, programs[(entry.directory, entry.name)], builder, impl,
                         bindir, scheduler, args)

    lock = threading.Lock()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for entry in pool.map(work, pending):
            with lock:
                done += 1
                mark = {"passed": "ok  ", "failed": "FAIL", "skipped": "skip"}[entry.status]
                detail = f"  ({entry.reason})" if entry.reason else ""
                log(f"[{done}/{len(pending)}] {mark} {entry.label()} "
                    f"{entry.seconds:.1f}s{detail}")
                if args.verbose and entry.status == "failed":
                    log("    " + entry.output.strip().replace("\n", "\n    ")[-2000:])

    report(all_entries, dirs, builder, impl, notes, args)
    return 0


def report(entries, dirs, builder, impl, notes, args):
    print()
    if builder.stubbed:
        print(f"**STUBBED ({', '.join(builder.stubbed)} return MPI_ERR_OTHER): "
              "these numbers are not real.**\n")
    print(f"MPICH test suite on {impl.kind}:\n")
    print("| directory | entries | built | passed | failed | skipped |")
    print("|---|---:|---:|---:|---:|---:|")
    totals = [0, 0, 0, 0, 0]
    for directory in dirs:
        mine = [e for e in entries if e.top == directory]
        row = [len(mine), sum(1 for e in mine if getattr(e, "built", False)),
               sum(1 for e in mine if e.status == "passed"),
               sum(1 for e in mine if e.status == "failed"),
               sum(1 for e in mine if e.status == "skipped")]
        totals = [a + b for a, b in zip(totals, row)]
        print(f"| {directory} | " + " | ".join(str(n) for n in row) + " |")
    print("| **total** | " + " | ".join(f"**{n}**" for n in totals) + " |")

    failures = [e for e in entries if e.status == "failed"]
    if failures:
        print("\nFailures:\n")
        for entry in failures:
            print(f"- `{entry.label()}`: {entry.reason}")
        groups = {}
        for entry in failures:
            if entry.category == "build":
                cause = entry.reason
            elif entry.category.startswith("stub: "):
                cause = f"reached the stub of {entry.category[6:]} (stubbed, not real)"
            else:
                cause = entry.category
            groups.setdefault(cause, []).append(entry)
        print("\nFailures by cause:\n")
        for cause, members in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            names = sorted({f"{e.directory}/{e.name}" for e in members})
            print(f"- {cause} — {len(members)} entries: " + ", ".join(names))
    if notes:
        print("\nNotes:\n")
        for note in notes:
            print(f"- {note}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({
                "implementation": impl.kind, "stubbed": builder.stubbed,
                "helper_missing": builder.helper_missing, "dirs": dirs,
                "entries": [{
                    "dir": e.top, "program": f"{e.directory}/{e.name}", "np": e.np,
                    "args": e.args, "env": e.envs, "line": e.line, "status": e.status,
                    "category": e.category, "reason": e.reason,
                    "built": getattr(e, "built", None), "command": e.command,
                    "seconds": round(e.seconds, 2), "exit_status": getattr(e, "rc", None),
                    "missing_functions": getattr(e, "missing", []),
                    "output": e.output if e.status == "failed" else "",
                } for e in entries],
            }, out, indent=1)
        print(f"\nresults written to {args.json}")


if __name__ == "__main__":
    sys.exit(main())
