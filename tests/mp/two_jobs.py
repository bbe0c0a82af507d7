#!/usr/bin/env python3
"""Separately started jobs meeting through ports, names and MPI_Comm_join (tests/mp/ports_jobs.c).

    two_jobs.py WEFTRUN PORTS_JOBS TRANSPORT ACCEPT_N CONNECT_N [handover|default-names|stale-socket]

ACCEPT_N and CONNECT_N are the sizes of the two weftrun runs; 0 runs that side as a
singleton (the program alone, no launcher). Both sides start at once; each must exit 0.
Then a third run (a singleton) checks that the port of the ended job leads nowhere and its
name is gone.

Names go through a rendezvous directory made for the run (WEFT_NAME_SERVER), so runs of the
suite side by side never meet; `default-names` leaves WEFT_NAME_SERVER unset instead, using
the user's own directory (with names unique to the run). `handover` first starts a job that
publishes a name and so serves the names, lets the accepting job publish through it, ends
it, and only then starts the connecting job: the accepting job's name must have moved to the
name server elected after it. `stale-socket` leaves in the rendezvous directory what a name
server killed with SIGKILL would: a socket file nobody listens on.
Every job has a timeout, and so has the script.
"""
import os
import socket
import subprocess
import sys
import tempfile
import time

JOB_TIMEOUT = 60


def command(weftrun, program, n, *arguments):
    if n == 0:
        return [program, *arguments]
    return [weftrun, "-n", str(n), "--timeout", "50", program, *arguments]


def start(name, argv, env):
    print(f"start {name}: {' '.join(argv)}", flush=True)
    return subprocess.Popen(argv, env=env)


def finish(name, job, deadline):
    try:
        status = job.wait(timeout=max(1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        job.kill()
        job.wait()
        print(f"FAIL: {name} did not end within {JOB_TIMEOUT} s", file=sys.stderr)
        return False
    if status != 0:
        print(f"FAIL: {name} exited with status {status}", file=sys.stderr)
        return False
    return True


def wait_for(path, deadline, jobs):
    while not os.path.exists(path):
        for name, job in jobs:
            if job.poll() is not None:
                print(f"FAIL: {name} ended (status {job.returncode}) before {path} appeared",
                      file=sys.stderr)
                return False
        if time.monotonic() > deadline:
            print(f"FAIL: {path} never appeared", file=sys.stderr)
            return False
        time.sleep(0.02)
    return True


def main():
    weftrun, program, transport = sys.argv[1:4]
    accept_n, connect_n = int(sys.argv[4]), int(sys.argv[5])
    mode = sys.argv[6] if len(sys.argv) > 6 else "basic"
    with tempfile.TemporaryDirectory(prefix="weft-two-jobs-") as scratch:
        env = dict(os.environ)
        env.pop("MPIEXEC_TIMEOUT", None)
        env["WEFT_TRANSPORT"] = transport
        if mode == "default-names":
            env.pop("WEFT_NAME_SERVER", None)
        else:
            env["WEFT_NAME_SERVER"] = os.path.join(scratch, "names")
        if mode == "stale-socket":
            # What a name server killed with SIGKILL leaves: a socket file nobody listens on
            # (and its lock file, unlocked). The first job must replace it, not wait on it.
            os.mkdir(env["WEFT_NAME_SERVER"], 0o700)
            stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            stale.bind(os.path.join(env["WEFT_NAME_SERVER"], "names.sock"))
            stale.close()
            open(os.path.join(env["WEFT_NAME_SERVER"], "names.lock"), "w").close()
        service = f"weft-test-two-jobs-{os.getpid()}-{int(time.time() * 1000) % 100000000}"
        port_file = os.path.join(scratch, "port")
        deadline = time.monotonic() + JOB_TIMEOUT
        ok = True
        held = None
        hold_file = os.path.join(scratch, "hold")
        if mode == "handover":
            held = start("holding job", command(weftrun, program, 1, "hold", service + "-held",
                                                hold_file), env)
            if not wait_for(hold_file + ".held", deadline, [("holding job", held)]):
                held.kill()
                sys.exit(1)
        accepting = start("accepting job", command(weftrun, program, accept_n, "accept", service,
                                                   port_file), env)
        if held is not None:
            # The accepting job has published through the holding job's name server: end it.
            if not wait_for(port_file, deadline, [("accepting job", accepting)]):
                for job in (held, accepting):
                    job.kill()
                sys.exit(1)
            with open(hold_file, "w") as f:
                f.write("go\n")
            ok = finish("holding job", held, deadline) and ok
        connecting = start("connecting job", command(weftrun, program, connect_n, "connect",
                                                     service), env)
        ok = finish("accepting job", accepting, deadline) and ok
        ok = finish("connecting job", connecting, deadline) and ok
        if not ok:
            sys.exit(1)
        # Both ended: their port leads nowhere and their names are gone.
        for gone in [service] + ([service + "-held"] if held is not None else []):
            stale = start("stale check", [program, "stale", gone, port_file], env)
            if not finish("stale check", stale, time.monotonic() + JOB_TIMEOUT):
                sys.exit(1)
    print("two_jobs: ok")


if __name__ == "__main__":
    main()
