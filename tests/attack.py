#!/usr/bin/env python3
"""Attack run (issue 9 "Done when"): honest submissions' latency without, then with an attack
of slow clients, idle uploads and garbage batches (random keys and random bytes), in one run.

usage: tests/attack.py [--seconds S] [--slow N] [--idle N] [--garbage N] [--honest N]

Bounded and loopback only: the server (AIDREG_URL) must be on 127.0.0.0/8 or ::1; at most
--slow + --idle attack connections (each capped at 1000) from the source addresses
127.0.0.2 ... 127.0.0.9 (the honest client uses 127.0.0.1), every phase lasts --seconds.
Needs AIDREG_URL, AIDREG_ADMIN_TOKEN and AIDREG_LOG_HOST as the e2e tests do (it creates two
ledgers: one for the honest submitter, one the garbage is aimed at).

Prints one line per phase and last
`attack: baseline_p99_ms=… attack_p99_ms=… baseline_n=… attack_n=… honest_errors=… …`;
exits 1 when an honest submission failed.
"""

import argparse
import ipaddress
import os
import random
import socket
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "e2e"))
sys.path.insert(0, os.path.join(HERE, "interop"))

from aidreg_client import Client, Key, compact, envelope, event, new_ledger  # noqa: E402

SOURCES = ["127.0.0.%d" % i for i in range(2, 10)]


def pct(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


class Attack:
    def __init__(self, host, port, code, args):
        self.host, self.port, self.code, self.args = host, port, code, args
        self.stop = threading.Event()
        self.threads = []
        self.counts = {"slow_opened": 0, "slow_closed_by_server": 0, "idle_opened": 0,
                       "idle_closed_by_server": 0, "garbage_sent": 0, "garbage_answers": {}}
        self.lock = threading.Lock()

    def count(self, k, n=1):
        with self.lock:
            self.counts[k] += n

    def connect(self, i):
        src = SOURCES[i % len(SOURCES)]
        s = socket.create_connection((self.host, self.port), timeout=5, source_address=(src, 0))
        s.setblocking(False)
        return s

    def holder(self, kind, n, first, nxt):
        """n connections that send `first`, then `nxt` every second; reopened when closed."""
        socks = [None] * n
        while not self.stop.is_set():
            for i in range(n):
                if self.stop.is_set():
                    break
                s = socks[i]
                try:
                    if s is None:
                        s = socks[i] = self.connect(i)
                        s.send(first)
                        self.count(kind + "_opened")
                        continue
                    try:
                        if s.recv(4096) == b"":
                            raise ConnectionResetError
                    except BlockingIOError:
                        pass
                    if nxt:
                        s.send(nxt)
                except OSError:
                    if s is not None:
                        self.count(kind + "_closed_by_server")
                        s.close()
                    socks[i] = None
            self.stop.wait(1.0)
        for s in socks:
            if s is not None:
                s.close()

    def garbage(self, bodies):
        c = Client("http://%s:%d" % (self.host, self.port), timeout=30)
        while not self.stop.is_set():
            body = random.choice(bodies)
            try:
                r = c.request("POST", "/v1/ledgers/%s/entries" % self.code, body)
                st = r.status
            except OSError:
                st = "error"
            with self.lock:
                self.counts["garbage_sent"] += 1
                a = self.counts["garbage_answers"]
                a[st] = a.get(st, 0) + 1

    def start(self, origin):
        a = self.args
        slow_first = b"GET /healthz HTTP/1.1\r\nHost: attack\r\n"
        idle_first = (b"POST /v1/ledgers/%s/entries HTTP/1.1\r\nHost: attack\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\n\r\n{" % (self.code.encode(), 8 * 1024 * 1024))
        self.threads.append(threading.Thread(target=self.holder, args=("slow", a.slow, slow_first, b"X-a: b\r\n")))
        self.threads.append(threading.Thread(target=self.holder, args=("idle", a.idle, idle_first, b"")))
        # Garbage: a batch of 1000 well-formed events signed by random keys, and a batch of
        # random bytes shaped as envelopes.
        keys = [Key() for _ in range(16)]
        signed = [envelope(event(origin, "key.enroll", "k%d" % i, {"key": "x", "role": "village", "scope": "x",
                                                                     "holder": {"name": "垃圾", "org": "垃圾"}}),
                           random.choice(keys)) for i in range(1000)]
        junk = [{"payloadType": "application/vnd.aidreg.event+json", "payload": os.urandom(300).hex(),
                 "signatures": [{"keyid": os.urandom(32).hex(), "sig": os.urandom(64).hex()}]} for _ in range(1000)]
        bodies = [compact({"envelopes": signed}), compact({"envelopes": junk})]
        for _ in range(a.garbage):
            self.threads.append(threading.Thread(target=self.garbage, args=(bodies,)))
        for t in self.threads:
            t.daemon = True
            t.start()

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(10)


def honest(lg, seconds, workers):
    """workers threads submitting one entry after another for `seconds`: latencies, errors."""
    lat, errors = [], []
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def run(w):
        c = Client(lg.client.base, timeout=30)
        i = 0
        while time.monotonic() < end:
            env = lg.filler(note="诚实 %d-%d" % (w, i))[1]
            i += 1
            t0 = time.monotonic()
            try:
                r = c.submit(lg.code, env)
                ok = r.status == 201
                err = None if ok else repr(r)
            except OSError as e:
                err = repr(e)
            dt = time.monotonic() - t0
            with lock:
                if err:
                    errors.append(err)
                else:
                    lat.append(dt)

    ts = [threading.Thread(target=run, args=(w,)) for w in range(workers)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return lat, errors


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--slow", type=int, default=240, help="slow-header connections (8 per source by default)")
    ap.add_argument("--idle", type=int, default=48, help="idle uploads announcing 8 MiB")
    ap.add_argument("--garbage", type=int, default=2, help="threads posting garbage batches")
    ap.add_argument("--honest", type=int, default=2, help="honest submitting threads")
    args = ap.parse_args(argv)
    args.slow, args.idle = min(args.slow, 1000), min(args.idle, 1000)
    args.seconds = min(args.seconds, 300)

    c = Client()
    u = urllib.parse.urlsplit(c.base)
    host = u.hostname
    if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
        sys.exit("attack.py: only against a server on loopback, not %s" % host)
    if host == "localhost":
        host = "127.0.0.1"
    lg = new_ledger(c, "47")
    lg.enroll("root", "county", "county", lg.code)
    target = new_ledger(c, "48")

    base_lat, base_err = honest(lg, args.seconds, args.honest)
    print("attack: baseline      n=%d p50_ms=%.1f p99_ms=%.1f errors=%d" % (
        len(base_lat), 1000 * pct(base_lat, 50), 1000 * pct(base_lat, 99), len(base_err)))

    atk = Attack(host, u.port, target.code, args)
    atk.start(target.origin)
    time.sleep(1.0)  # let the attack connections pile up
    try:
        att_lat, att_err = honest(lg, args.seconds, args.honest)
    finally:
        atk.finish()
    print("attack: under attack  n=%d p50_ms=%.1f p99_ms=%.1f errors=%d" % (
        len(att_lat), 1000 * pct(att_lat, 50), 1000 * pct(att_lat, 99), len(att_err)))
    k = atk.counts
    print("attack: attackers     slow=%d opened (%d closed by the server) idle=%d opened (%d closed) "
          "garbage batches=%d answers=%s" % (k["slow_opened"], k["slow_closed_by_server"], k["idle_opened"],
                                             k["idle_closed_by_server"], k["garbage_sent"],
                                             dict(sorted(k["garbage_answers"].items(), key=str))))
    for e in (base_err + att_err)[:5]:
        print("attack: honest error: %s" % e[:300])
    print("attack: baseline_p99_ms=%.1f attack_p99_ms=%.1f baseline_n=%d attack_n=%d honest_errors=%d" % (
        1000 * pct(base_lat, 99), 1000 * pct(att_lat, 99), len(base_lat), len(att_lat), len(base_err) + len(att_err)))
    return 1 if base_err or att_err else 0


if __name__ == "__main__":
    sys.exit(main())
