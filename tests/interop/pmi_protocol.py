#!/usr/bin/env python3
"""weftrun's PMI-1 server, spoken to directly: this script runs weftrun with copies of
itself as ranks, and each rank talks raw PMI over PMI_FD. It checks every reply against
the wire format the weft library relies on, without needing the library.

    pmi_protocol.py WEFTRUN            (the driver)
    pmi_protocol.py rank SCENARIO ...  (what weftrun starts)
"""
import os
import socket
import subprocess
import sys
import tempfile

RUN_LIMIT = 50


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


# ---------------------------------------------------------------- rank side

class Pmi:
    def __init__(self):
        self.sock = socket.socket(fileno=int(os.environ["PMI_FD"]))
        self.reader = self.sock.makefile("r", newline="\n")
        self.rank = int(os.environ["PMI_RANK"])
        self.size = int(os.environ["PMI_SIZE"])

    def send(self, line):
        self.sock.sendall(line.encode() + b"\n")

    def ask(self, line):
        self.send(line)
        reply = self.reader.readline()
        check(reply.endswith("\n"), f"rank {self.rank}: no reply to {line!r}")
        return reply[:-1]

    def expect(self, line, reply):
        got = self.ask(line)
        check(got == reply, f"rank {self.rank}: {line!r} got {got!r}, expected {reply!r}")
        return got

    def init(self):
        return self.expect(f"cmd=init pmi_version=1 pmi_subversion=1 key={os.environ['WEFT_PMI_KEY']}",
                           "cmd=response_to_init pmi_version=1 pmi_subversion=1 rc=0")


def fields(reply):
    return dict(word.split("=", 1) for word in reply.split())


def scenario_protocol(expected_universe, expected_appnums):
    pmi = Pmi()
    pmi.init()
    rank = pmi.rank
    pmi.expect("cmd=get_maxes", "cmd=maxes kvsname_max=256 keylen_max=256 vallen_max=1024 rc=0")
    appnum = expected_appnums.split(",")[rank]
    pmi.expect("cmd=get_appnum", f"cmd=appnum appnum={appnum} rc=0")
    check(os.environ.get("PMI_APPNUM") == appnum, f"rank {rank}: PMI_APPNUM is {os.environ.get('PMI_APPNUM')}")
    pmi.expect("cmd=get_universe_size", f"cmd=universe_size size={expected_universe} rc=0")
    if expected_universe == "-1":
        check("WEFT_UNIVERSE_SIZE" not in os.environ, "WEFT_UNIVERSE_SIZE is set though no size was given")
    else:
        check(os.environ.get("WEFT_UNIVERSE_SIZE") == expected_universe, "WEFT_UNIVERSE_SIZE is wrong")
    reply = pmi.ask("cmd=get_my_kvsname")
    kvs = fields(reply).get("kvsname", "")
    check(reply == f"cmd=my_kvsname kvsname={kvs} rc=0" and kvs, f"bad my_kvsname reply {reply!r}")
    check(os.environ.get("WEFT_LOCAL_RANK") == str(rank), "WEFT_LOCAL_RANK is wrong")
    check(os.environ.get("WEFT_LOCAL_SIZE") == str(pmi.size), "WEFT_LOCAL_SIZE is wrong")
    check(len(os.environ.get("WEFT_PMI_KEY", "")) == 32, "WEFT_PMI_KEY is not 32 hex characters")
    check(os.environ.get("PMI_PORT", "").startswith("127.0.0.1:"), "PMI_PORT is not a loopback address")

    # put; a duplicate is refused; extra blanks are tolerated.
    pmi.expect(f"cmd=put kvsname={kvs} key=card-{rank} value=addr={rank}:x", "cmd=put_result rc=0")
    pmi.expect(f"cmd=put   kvsname={kvs}  key=card-{rank}   value=again  ", "cmd=put_result rc=-1 msg=duplicate_key")
    big = "v" * 1024
    pmi.expect(f"cmd=put kvsname={kvs} key=big-{rank} value={big}", "cmd=put_result rc=0")
    pmi.expect(f"cmd=put kvsname={kvs} key=huge-{rank} value={big}v", "cmd=put_result rc=-1 msg=value_too_long")
    pmi.expect(f"cmd=put kvsname=other key=k value=v", "cmd=put_result rc=-1 msg=unknown_kvsname")
    pmi.expect("cmd=frobnicate now=1", "cmd=frobnicate_result rc=-1 msg=unknown_command")

    # Values put before the barrier are visible after it, to every rank.
    pmi.expect("cmd=barrier_in", "cmd=barrier_out rc=0")
    for other in range(pmi.size):
        pmi.expect(f"cmd=get kvsname={kvs} key=card-{other}", f"cmd=get_result rc=0 value=addr={other}:x")
    pmi.expect(f"cmd=get kvsname={kvs} key=big-{(rank + 1) % pmi.size}", f"cmd=get_result rc=0 value={big}")
    pmi.expect(f"cmd=get kvsname={kvs} key=absent", "cmd=get_result rc=-1 msg=key_not_found value=")
    # A second barrier works like the first.
    pmi.expect("cmd=barrier_in", "cmd=barrier_out rc=0")
    pmi.expect("cmd=finalize", "cmd=finalize_ack rc=0")
    print(f"rank {rank} protocol ok", flush=True)


def scenario_wrong_key():
    pmi = Pmi()
    pmi.expect("cmd=init pmi_version=1 pmi_subversion=1 key=ffffffffffffffffffffffffffffffff",
               "cmd=response_to_init pmi_version=1 pmi_subversion=1 rc=-1 msg=wrong_key")
    check(pmi.reader.readline() == "", "the connection stayed open after a wrong key")
    print("wrong key refused", flush=True)


def scenario_wait_in_barrier():
    pmi = Pmi()
    pmi.init()
    pmi.ask("cmd=barrier_in")  # never answered: weftrun ends the job first


def scenario_abort(code, message):
    pmi = Pmi()
    pmi.init()
    pmi.send(f"cmd=abort exitcode={code} msg={message}")
    pmi.reader.readline()  # weftrun kills the job


# ---------------------------------------------------------------- driver side

def run_job(weftrun, args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PMI_") and k != "MPIEXEC_TIMEOUT"}
    return subprocess.run([weftrun] + args, capture_output=True, text=True, env=env, timeout=RUN_LIMIT,
                          stdin=subprocess.DEVNULL)


def describe(result):
    return f"exit status {result.returncode}\n--- stdout:\n{result.stdout}--- stderr:\n{result.stderr}"


def drive(weftrun):
    me = [sys.executable, os.path.abspath(__file__), "rank"]

    result = run_job(weftrun, ["-n", "3"] + me + ["protocol", "-1", "0,0,0"])
    check(result.returncode == 0, "protocol run failed: " + describe(result))
    for rank in range(3):
        check(f"rank {rank} protocol ok" in result.stdout, f"rank {rank} did not finish: " + describe(result))

    # MPMD appnums, and the universe size from --usize, from -H slots and from a hostfile.
    result = run_job(weftrun, ["--usize", "8", "-n", "2"] + me + ["protocol", "8", "0,0,1"] +
                     [":", "-n", "1"] + me + ["protocol", "8", "0,0,1"])
    check(result.returncode == 0, "MPMD/--usize run failed: " + describe(result))
    result = run_job(weftrun, ["-H", "localhost:4,127.0.0.1:2", "-n", "2"] + me + ["protocol", "6", "0,0"])
    check(result.returncode == 0, "-H slots run failed: " + describe(result))
    with tempfile.NamedTemporaryFile("w", suffix=".hosts") as hostfile:
        hostfile.write("# hosts\nlocalhost slots=3\n127.0.0.1\n")
        hostfile.flush()
        result = run_job(weftrun, ["--hostfile", hostfile.name, "-n", "1"] + me + ["protocol", "4", "0"])
        check(result.returncode == 0, "hostfile run failed: " + describe(result))
    result = run_job(weftrun, ["-H", "no-such-host.invalid", "-n", "1", "true"])
    check(result.returncode != 0 and "host 'no-such-host.invalid' is not this host; remote hosts are not "
          "supported yet" in result.stderr, "a remote host must be refused: " + describe(result))

    # A rank's init with a wrong key is refused, with a warning, and the job fails.
    result = run_job(weftrun, ["-n", "1"] + me + ["wrong_key"])
    check("wrong key refused" in result.stdout, "the wrong key was not refused: " + describe(result))
    check("refused PMI init from rank 0: it presented a wrong key" in result.stderr,
          "no warning for the wrong key: " + describe(result))

    # A program that never uses PMI and exits 0 while another rank waits in a PMI barrier.
    result = run_job(weftrun, ["-n", "1", "true", ":", "-n", "1"] + me + ["wait_in_barrier"])
    check(result.returncode != 0 and "rank 0" in result.stderr and "without calling MPI_Init while other ranks "
          "use MPI" in result.stderr, "an MPI-less rank beside MPI ranks must fail the job: " + describe(result))
    # ... but a job of programs that never use PMI is fine.
    result = run_job(weftrun, ["-n", "2", "true"])
    check(result.returncode == 0, "non-MPI programs must run: " + describe(result))

    # Abort: the message may hold spaces; the status is the code modulo 256.
    result = run_job(weftrun, ["-n", "2"] + me + ["abort", "300", "out of memory: 12 bytes"])
    check(result.returncode == 300 % 256, "abort status is not 300 % 256: " + describe(result))
    check("called MPI_Abort with error code 300 (message: out of memory: 12 bytes); ending the job"
          in result.stderr, "the abort message is missing: " + describe(result))


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "rank":
        scenarios = {"protocol": scenario_protocol, "wrong_key": scenario_wrong_key,
                     "wait_in_barrier": scenario_wait_in_barrier, "abort": scenario_abort}
        try:
            scenarios[sys.argv[2]](*sys.argv[3:])
        except Failure as failure:
            print(f"FAIL: {failure}", file=sys.stderr, flush=True)
            return 1
        return 0
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        drive(os.path.abspath(sys.argv[1]))
    except (Failure, subprocess.TimeoutExpired) as failure:
        print(f"FAIL: {failure}", file=sys.stderr)
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
