"""The private cluster and server environment of the long harnesses (tests/torture,
tests/outage, tools/soak.py), through cluster.sh beside this file."""

import os
import shutil
import subprocess

CLUSTER_SH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cluster.sh")


class ClusterError(Exception):
    pass


def run(name, *a):
    """cluster.sh NAME ARGS...: its stdout; ClusterError with its stderr when it fails."""
    r = subprocess.run(["bash", CLUSTER_SH, name] + list(a), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if r.returncode != 0:
        raise ClusterError("cluster.sh %s failed: %s" % (" ".join(a), r.stderr.strip()[-2000:]))
    return r.stdout


def start(name, build, offset):
    """Starts cluster NAME on AIDREG_PG_PORT + offset (or the next free port) with a fresh
    database and a log key; the server's environment: os.environ with its AIDREG_* settings
    (the HTTP port AIDREG_PORT + offset, or the next free pair)."""
    pg = int(os.environ.get("AIDREG_PG_PORT") or 55433) + offset
    http = int(os.environ.get("AIDREG_PORT") or 18080) + offset
    env = dict(os.environ)
    for line in run(name, "start", build, str(pg), str(http)).splitlines():
        k, _, v = line.partition("=")
        if k.startswith("AIDREG_"):
            env[k] = v
    return env


def cannot_run():
    """None, or why this machine cannot run a private cluster."""
    if os.geteuid() != 0:
        return "the private cluster needs root (runuser -u postgres)"
    if not shutil.which("runuser") or subprocess.run(["id", "postgres"], capture_output=True).returncode != 0:
        return "no postgres account (install postgresql)"
    return None


def terminate(proc, seconds):
    """SIGTERM to a server we started, SIGKILL if it is still there after seconds. True
    when it stopped on SIGTERM (or had already exited)."""
    if proc is None or proc.poll() is not None:
        return True
    proc.terminate()
    try:
        proc.wait(seconds)
        return True
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return False


def sanitizer_reports(log_path):
    """["sanitizer report in LOG (MARKER)", ...] for each ASan/LSan/UBSan report in a server log."""
    if not log_path or not os.path.exists(log_path):
        return []
    with open(log_path, errors="replace") as f:
        text = f.read()
    return ["sanitizer report in %s (%s)" % (log_path, m)
            for m in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:") if m in text]
