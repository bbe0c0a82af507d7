#!/usr/bin/env python3
"""Runs weftrun on a fault-injection program and checks what a user would see: the exit
status, the one-line message on stderr, how long the job took to end, and that no process
of the job survives.

    fault_driver.py CASE WEFTRUN PROGRAM

Every run gets a unique FAULT_TEST_TAG in its environment; ranks (and their children)
inherit it, so the survivor check finds this job's processes only, even when other tests
run the same program at the same time.
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid

RUN_LIMIT = 50  # seconds; meson's own timeout for these tests is 60


class Failure(Exception):
    pass


def check(condition, message, result=None):
    if not condition:
        if result is not None:
            message += f"\n--- exit status {result.returncode}\n--- stdout:\n{result.stdout}--- stderr:\n{result.stderr}"
        raise Failure(message)


def job_processes(program, tag):
    """Pids of live processes running `program` whose environment carries `tag`."""
    target = os.path.realpath(program)
    marker = f"FAULT_TEST_TAG={tag}".encode()
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{entry}/exe") != target:
                continue
            with open(f"/proc/{entry}/environ", "rb") as f:
                if marker in f.read().split(b"\0"):
                    pids.append(int(entry))
        except OSError:
            continue  # gone meanwhile, or a zombie
    return pids


class Job:
    def __init__(self, weftrun, program):
        self.weftrun = weftrun
        self.program = program
        self.tag = uuid.uuid4().hex
        self.env = dict(os.environ, FAULT_TEST_TAG=self.tag)
        self.env.pop("MPIEXEC_TIMEOUT", None)

    def run(self, args, stdin_text=None, extra_env=None):
        env = dict(self.env, **(extra_env or {}))
        start = time.monotonic()
        result = subprocess.run([self.weftrun] + args, input=stdin_text if stdin_text is not None else "",
                                capture_output=True, text=True, env=env, timeout=RUN_LIMIT)
        result.elapsed = time.monotonic() - start
        result.ended_at = time.monotonic()
        return result

    def start(self, args):
        return subprocess.Popen([self.weftrun] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=self.env)

    def wait_for_ranks(self, count, limit=20.0):
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if len(job_processes(self.program, self.tag)) >= count:
                return
            time.sleep(0.05)
        raise Failure(f"the {count} ranks did not start within {limit} s")

    def check_no_survivors(self, grace=0.0):
        deadline = time.monotonic() + grace
        while True:
            left = job_processes(self.program, self.tag)
            if not left:
                return
            if time.monotonic() >= deadline:
                for pid in left:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                raise Failure(f"processes of the job survived: {left}")
            time.sleep(0.05)


def case_kill9(weftrun, program):
    job = Job(weftrun, program)
    result = job.run(["-n", "3", program])
    check(result.returncode == 128 + 9, "expected exit status 137 (rank killed by signal 9)", result)
    check(re.search(r"weftrun: rank 1 \(pid \d+\) on host \S+ was killed by signal 9 \(Killed\); ending the job",
                    result.stderr), "stderr does not name rank 1, its host and signal 9", result)
    killed = re.search(r"killed at ([0-9.]+)", result.stdout)
    check(killed is not None, "rank 1 did not report its kill time", result)
    reaction = result.ended_at - float(killed.group(1))
    print(f"job ended {reaction:.3f} s after rank 1 was killed")
    # weftrun promises 2 s; the assertion leaves room for a loaded machine.
    check(reaction < 5.0, f"the job took {reaction:.2f} s to end after the kill")
    job.check_no_survivors()


def case_abort(weftrun, program):
    job = Job(weftrun, program)
    result = job.run(["-n", "3", program])
    check(result.returncode == 7, "expected exit status 7 from MPI_Abort(MPI_COMM_WORLD, 7)", result)
    check("weftrun: rank 1 called MPI_Abort with error code 7" in result.stderr,
          "stderr does not report rank 1's MPI_Abort", result)
    job.check_no_survivors()


def case_exit_before_finalize(weftrun, program):
    job = Job(weftrun, program)
    result = job.run(["-n", "3", program, "before", "0"])
    check(result.returncode != 0, "a rank that exits 0 without MPI_Finalize must fail the job", result)
    check(re.search(r"weftrun: rank 1 \(pid \d+\) on host \S+ exited with status 0 without calling MPI_Finalize",
                    result.stderr), "stderr does not report rank 1's exit without MPI_Finalize", result)
    job.check_no_survivors()


def case_exit_after_finalize(weftrun, program):
    job = Job(weftrun, program)
    result = job.run(["-n", "3", program, "after", "3"])
    check(result.returncode == 3, "expected rank 1's exit status 3", result)
    job.check_no_survivors()


def case_timeout(weftrun, program):
    job = Job(weftrun, program)
    for args, env, label in [
        (["--timeout", "2", "-n", "2", program], None, "--timeout 2"),
        (["-n", "2", program], {"MPIEXEC_TIMEOUT": "2"}, "MPIEXEC_TIMEOUT=2"),
        (["--timeout", "2", "-n", "2", program], {"MPIEXEC_TIMEOUT": "600"}, "--timeout 2 over MPIEXEC_TIMEOUT=600"),
    ]:
        result = job.run(args, extra_env=env)
        check(result.returncode == 124, f"{label}: expected exit status 124", result)
        check("weftrun: job timed out after 2 seconds" in result.stderr, f"{label}: no timeout message", result)
        check(result.elapsed < 15, f"{label}: the job took {result.elapsed:.1f} s", result)
        print(f"{label}: ended after {result.elapsed:.2f} s")
        job.check_no_survivors()


def case_sigint(weftrun, program):
    for sig in (signal.SIGINT, signal.SIGTERM):
        job = Job(weftrun, program)
        process = job.start(["-n", "2", program])
        job.wait_for_ranks(2)
        process.send_signal(sig)
        out, err = process.communicate(timeout=RUN_LIMIT)
        check(process.returncode == 128 + sig, f"{sig.name} to weftrun: expected exit status {128 + sig}, got "
              f"{process.returncode}\n{err}")
        job.check_no_survivors()


def case_weftrun_killed(weftrun, program):
    job = Job(weftrun, program)
    process = job.start(["-n", "2", program])
    job.wait_for_ranks(2)
    process.kill()
    process.wait(timeout=RUN_LIMIT)
    # The ranks have PR_SET_PDEATHSIG=SIGKILL: they die with weftrun.
    job.check_no_survivors(grace=3.0)


def case_launch(weftrun, program):
    job = Job(weftrun, program)
    with tempfile.TemporaryDirectory() as wdir:
        # -x and --wdir of the first segment are the defaults of the second.
        result = job.run(["--tag-output", "-x", "FOO=bar", "-x", "FAULT_TEST_TAG", "--wdir", wdir,
                          "-n", "2", program, "--appnum", "0", "--env", "FOO=bar", "--wdir", wdir, "--stdin",
                          ":", "-n", "3", program, "--appnum", "1", "--env", "FOO=bar", "--wdir", wdir, "--stdin"],
                         stdin_text="hello\nsecond line\n")
        check(result.returncode == 0, "the launch checks failed", result)
        lines = result.stdout.splitlines()
        for line in lines:
            check(re.fullmatch(r"\[\d\] rank \d (of 5 appnum \d|ok|read 'hello')", line),
                  f"unexpected or broken line {line!r}", result)
        for rank in range(5):
            appnum = 0 if rank < 2 else 1
            check(f"[{rank}] rank {rank} of 5 appnum {appnum}" in lines, f"rank {rank}'s appnum line is missing",
                  result)
            check(f"[{rank}] rank {rank} ok" in lines, f"rank {rank} did not pass its checks", result)
        check("[0] rank 0 read 'hello'" in lines, "rank 0 did not read weftrun's stdin", result)

        # Without --tag-output lines pass unchanged; -x VAR exports weftrun's own value.
        result = job.run(["-x", "FROM_PARENT", "-n", "2", program, "--env", "FROM_PARENT=yes"],
                         extra_env={"FROM_PARENT": "yes"})
        check(result.returncode == 0, "the -x VAR check failed", result)
        check("rank 1 ok" in result.stdout.splitlines(), "untagged output is missing", result)

        # Many short writes from several ranks on both streams: every line arrives whole.
        script = ('i=0; while [ $i -lt 3000 ]; do echo "line $i of rank $PMI_RANK 0123456789abcdef"; '
                  'echo "err $i of rank $PMI_RANK" >&2; i=$((i+1)); done')
        result = job.run(["--tag-output", "-n", "4", "sh", "-c", script])
        check(result.returncode == 0, "the output stress run failed", result)
        for stream, pattern in ((result.stdout, r"\[(\d)\] line \d+ of rank \1 0123456789abcdef"),
                                (result.stderr, r"\[(\d)\] err \d+ of rank \1")):
            lines = stream.splitlines()
            check(len(lines) == 4 * 3000, f"expected {4 * 3000} lines, got {len(lines)}")
            broken = [line for line in lines if not re.fullmatch(pattern, line)]
            check(not broken, f"{len(broken)} lines were cut or mixed, e.g. {broken[:3]}")

        # Binding: --bind-to hwthread pins rank i to the i-th CPU weftrun may use in topology
        # order (wrapping when the ranks outnumber them); --bind-to core to the i-th core's
        # CPUs; --bind-to none leaves every rank weftrun's whole set; the default binds a
        # core per rank when the ranks fit the cores, a CPU when they fit the CPUs.
        allowed = sorted(os.sched_getaffinity(0))
        show = 'echo "$PMI_RANK $(grep Cpus_allowed_list /proc/self/status | cut -f2)"'

        def topology_value(cpu, name, default):
            try:
                with open(f"/sys/devices/system/cpu/cpu{cpu}/topology/{name}") as f:
                    return max(int(f.read()), 0) if name == "physical_package_id" else int(f.read())
            except OSError:
                return default

        place = {cpu: (topology_value(cpu, "physical_package_id", 0), topology_value(cpu, "core_id", cpu))
                 for cpu in allowed}
        threads = sorted(allowed, key=lambda cpu: (place[cpu], cpu))
        cores = []
        for cpu in threads:
            if cores and place[cores[-1][0]] == place[cpu]:
                cores[-1].append(cpu)
            else:
                cores.append([cpu])

        def placements(options, ranks):
            result = job.run(options + ["-n", str(ranks), "sh", "-c", show])
            check(result.returncode == 0, f"the binding run {options} failed", result)
            found = dict(line.split(" ", 1) for line in result.stdout.splitlines())
            check(len(found) == ranks, f"expected {ranks} placement lines", result)
            return found

        def expand(text):
            cpus = []
            for part in text.split(","):
                low, _, high = part.partition("-")
                cpus += list(range(int(low), int(high or low) + 1))
            return cpus

        per_thread = [[cpu] for cpu in threads]
        automatic_fit = cores if len(cores) >= len(allowed) else per_thread
        for options, ranks, units in ((["--bind-to", "none"], 2, None),
                                      (["--bind-to", "hwthread"], len(allowed) + 1, per_thread),
                                      (["--bind-to", "core"], len(cores) + 1, cores),
                                      (["--bind-to", "core", "--map-by", "core"], len(cores), cores),
                                      ([], len(cores), cores),
                                      ([], len(allowed), automatic_fit),
                                      ([], len(allowed) + 1, per_thread if len(allowed) == 1 else None)):
            found = placements(options, ranks)
            for rank in range(ranks):
                expected = sorted(units[rank % len(units)]) if units else allowed
                check(expand(found[str(rank)]) == expected,
                      f"{options or 'default binding'} with {ranks} ranks: rank {rank} may run on "
                      f"{found[str(rank)]}, expected {expected}")

        # --report-bindings says the same, on stderr, before the ranks start.
        result = job.run(["--report-bindings", "--bind-to", "hwthread", "--gpus", "5,6", "-n", "2",
                          "sh", "-c", "true"])
        check(result.returncode == 0, "the --report-bindings run failed", result)
        for rank in range(2):
            check(f"weftrun: rank {rank} (host " in result.stderr and
                  f"local rank {rank} of 2): CPUs {threads[rank % len(threads)]}, "
                  f"CUDA_VISIBLE_DEVICES={5 + rank}" in result.stderr,
                  f"--report-bindings did not report rank {rank}", result)

        # Placement mistakes are refused before any rank starts: status 2, one message, and
        # no rank ran (none created its marker file).
        marker = os.path.join(wdir, "started")
        for options, message in ((["--gpus", "0,1", "-n", "3"],
                                  "weftrun: --gpus: 3 ranks on one host with 1 GPU each need 3 GPUs, "
                                  "but the GPU list has 2"),
                                 (["--gpus", "0,x"], "'x' is not a GPU number"),
                                 (["--gpus", ""], "the GPU list is empty"),
                                 (["--bind-to", "board"], "'board' given to --bind-to"),
                                 (["--map-by", "ppr:2"], "ppr:N:UNIT"),
                                 (["--bind-to", "none", "--map-by", "slot:PE=2"], "--bind-to core or hwthread")):
            result = job.run(options + ["sh", "-c", f"touch {marker}"])
            check(result.returncode == 2, f"{options} must be refused with status 2", result)
            check(message in result.stderr, f"{options}: the message should say {message!r}", result)
            check(not os.path.exists(marker), f"{options}: a rank started although the plan was refused")

        # A failed check in a rank makes weftrun's status nonzero.
        result = job.run(["-n", "2", program, "--env", "FOO=not-set"])
        check(result.returncode == 1, "a rank's failed check must give exit status 1", result)


def case_pmi_key(weftrun, program):
    job = Job(weftrun, program)
    result = job.run(["-n", "2", program])
    check(result.returncode == 0, "the PMI key check failed", result)
    check("pmi key check ok" in result.stdout, "the rank did not confirm the key check", result)
    check(result.stderr.count("weftrun: warning: refused PMI init") == 2,
          "weftrun did not warn about the two refused inits", result)
    check("its first PMI request must be cmd=init" in result.stderr,
          "weftrun did not warn about the request before init", result)


CASES = {
    "kill9": case_kill9,
    "abort": case_abort,
    "exit_before_finalize": case_exit_before_finalize,
    "exit_after_finalize": case_exit_after_finalize,
    "timeout": case_timeout,
    "signal": case_sigint,
    "weftrun_killed": case_weftrun_killed,
    "launch": case_launch,
    "pmi_key": case_pmi_key,
}


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in CASES:
        print(f"usage: {sys.argv[0]} {{{'|'.join(CASES)}}} WEFTRUN PROGRAM", file=sys.stderr)
        return 2
    try:
        CASES[sys.argv[1]](os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3]))
    except (Failure, subprocess.TimeoutExpired) as failure:
        print(f"FAIL: {failure}", file=sys.stderr)
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
