#!/usr/bin/env python3
"""Two leader-mode jobs side by side, as two model servers behind one load balancer run:
each weftrun gets its own --gpus list and its own CPUs (through its affinity mask), both
run at the same time, and neither sees the other's devices or CPUs.

    side_by_side.py WEFTRUN PLACEMENT_ENV LEADER_MODE

1. placement_env in both jobs: rank 0 of each creates a file and waits for the other
   job's, so the two are known to be running at once; every rank checks its variables and
   CUDA_VISIBLE_DEVICES and prints them; --report-bindings shows the CPUs each got.
2. The leader_mode example in both jobs at once, each with its own GPUs.
Exit status 0 when every check passes; each job has a timeout, and so has the script.
"""
import os
import re
import subprocess
import sys
import tempfile

JOB_TIMEOUT = 60


def fail(message, *results):
    print(f"FAIL: {message}", file=sys.stderr)
    for name, (status, out, err) in results:
        print(f"--- job {name}: status {status}\n{out}\n--- stderr\n{err}", file=sys.stderr)
    sys.exit(1)


def start(command, cpus):
    def pin():
        if cpus is not None:
            os.sched_setaffinity(0, cpus)

    env = dict(os.environ)
    env.pop("CUDA_VISIBLE_DEVICES", None)
    env.pop("MPIEXEC_TIMEOUT", None)
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, preexec_fn=pin)


def finish(process):
    try:
        out, err = process.communicate(timeout=JOB_TIMEOUT + 10)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        return (None, out, err)
    return (process.returncode, out, err)


def main():
    weftrun, placement_env, leader_mode = sys.argv[1:4]
    allowed = sorted(os.sched_getaffinity(0))
    # Disjoint CPU sets when there are at least two CPUs; else both jobs share the one.
    half = max(len(allowed) // 2, 1)
    cpu_sets = {"a": set(allowed[:half]), "b": set(allowed[half:]) or set(allowed)}
    gpu_lists = {"a": ["0", "1", "2"], "b": ["3", "4", "5"]}
    ranks = 3

    with tempfile.TemporaryDirectory() as meeting:
        jobs = {}
        for name, other in (("a", "b"), ("b", "a")):
            gpus = ",".join(gpu_lists[name])
            jobs[name] = start([weftrun, "--timeout", str(JOB_TIMEOUT), "--report-bindings",
                                "--bind-to", "core", "--gpus", gpus, "-n", str(ranks), placement_env,
                                "--gpus", gpus, "1", "--print", "--rendezvous", meeting, name, other],
                               cpu_sets[name])
        results = {name: finish(process) for name, process in jobs.items()}
    all_results = list(results.items())
    for name, (status, out, err) in results.items():
        if status != 0:
            fail(f"job {name} did not succeed", *all_results)
        seen = {}
        for line in out.splitlines():
            match = re.fullmatch(r"placement rank (\d+) local (\d+) of (\d+) gpus (\S+)", line)
            if match:
                seen[int(match[1])] = match[4]
        expected = {rank: gpu_lists[name][rank] for rank in range(ranks)}
        if seen != expected:
            fail(f"job {name}: ranks saw CUDA_VISIBLE_DEVICES {seen}, expected {expected}", *all_results)
        reported = re.findall(r"weftrun: rank (\d+) \(host .*?, local rank \d+ of \d+\): CPUs (\S+),", err)
        if len(reported) != ranks:
            fail(f"job {name}: --report-bindings printed {len(reported)} lines", *all_results)
        for rank, text in reported:
            cpus = set()
            for part in text.split(","):
                low, _, high = part.partition("-")
                cpus.update(range(int(low), int(high or low) + 1))
            if not cpus <= cpu_sets[name]:
                fail(f"job {name}: rank {rank} was bound to CPUs {sorted(cpus)}, outside the job's "
                     f"{sorted(cpu_sets[name])}", *all_results)
    a_gpus = set(gpu_lists["a"])
    b_gpus = set(gpu_lists["b"])
    if a_gpus & b_gpus:
        fail("the test's GPU lists overlap")

    # Two servers of the example model at once.
    jobs = {name: start([weftrun, "--timeout", str(JOB_TIMEOUT), "--gpus", ",".join(gpu_lists[name]),
                         "-n", str(ranks), leader_mode, "--verbose", "--requests", "40"], cpu_sets[name])
            for name in ("a", "b")}
    results = {name: finish(process) for name, process in jobs.items()}
    all_results = list(results.items())
    for name, (status, out, err) in results.items():
        if status != 0 or "every answer matches the serial model" not in out:
            fail(f"leader_mode job {name} did not succeed", *all_results)
        devices = set(re.findall(r"CUDA_VISIBLE_DEVICES=(\S+)", out))
        if devices != set(gpu_lists[name]):
            fail(f"leader_mode job {name} saw devices {sorted(devices)}, expected {gpu_lists[name]}",
                 *all_results)
    print("side by side: both jobs ran at once on disjoint GPU and CPU sets")


if __name__ == "__main__":
    main()
