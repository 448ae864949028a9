"""A small TCP proxy on loopback between the server and PostgreSQL that can make the
database slow, silent, absent or rude (tests/outage/outage.py):

  pass       forward both ways (every byte in order, as soon as it arrives)
  delay      forward every chunk `delay` seconds after it arrived (in order)
  blackhole  read and drop everything, both ways, closing nothing: to the server the
             database accepted its packets and never answered (a firewall that drops)
  refuse     the listener is closed (connection refused) and every open connection closed
             (PostgreSQL stopped)
  reset      every open connection, and every new one the moment it is accepted, is reset
             (RST: SO_LINGER 0 then close)

heal() goes back to pass (the listener opened again).
"""

import queue
import socket
import struct
import threading
import time

MODES = ("pass", "delay", "blackhole", "refuse", "reset")


def _rst(sock):
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


class _Pair:
    """One client connection and its upstream, with a pump and a sender per direction."""

    def __init__(self, proxy, client, upstream):
        self.proxy, self.client, self.upstream = proxy, client, upstream
        self.closed = False
        for src, dst in ((client, upstream), (upstream, client)):
            q = queue.Queue()
            threading.Thread(target=self._pump, args=(src, q), daemon=True).start()
            threading.Thread(target=self._send, args=(dst, q), daemon=True).start()

    def _pump(self, src, q):
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if not data:
                q.put((0, None))
                return
            mode = self.proxy.mode
            if mode == "blackhole":
                continue
            q.put((time.monotonic() + (self.proxy.delay if mode == "delay" else 0), data))

    def _send(self, dst, q):
        while True:
            when, data = q.get()
            if data is None:
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                return
            wait = when - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                dst.sendall(data)
            except OSError:
                self.close()
                return

    def close(self, reset=False):
        if self.closed:
            return
        self.closed = True
        for s in (self.client, self.upstream):
            if reset:
                _rst(s)
            else:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
        self.proxy._forget(self)


class Proxy:
    def __init__(self, port, target_port, host="127.0.0.1"):
        self.port, self.target, self.host = port, (host, target_port), host
        self.mode, self.delay = "pass", 2.0
        self.lock = threading.Lock()
        self.pairs = set()
        self.lsock = None
        self.accepted = 0
        self._listen()

    def _listen(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.host, self.port))
        s.listen(64)
        self.lsock = s
        threading.Thread(target=self._accept, args=(s,), daemon=True).start()

    def _accept(self, lsock):
        while True:
            try:
                c, _ = lsock.accept()
            except OSError:
                return  # the listener was closed
            self.accepted += 1
            if self.mode in ("reset", "refuse"):
                _rst(c)
                continue
            try:
                u = socket.create_connection(self.target, timeout=5)
                u.settimeout(None)
            except OSError:
                _rst(c)
                continue
            with self.lock:
                self.pairs.add(_Pair(self, c, u))

    def _forget(self, pair):
        with self.lock:
            self.pairs.discard(pair)

    def set_mode(self, mode, delay=None):
        assert mode in MODES, mode
        if delay is not None:
            self.delay = delay
        self.mode = mode
        if mode in ("refuse", "reset"):
            if mode == "refuse" and self.lsock:
                self.lsock.close()
                self.lsock = None
            with self.lock:
                pairs = list(self.pairs)
            for p in pairs:
                p.close(reset=mode == "reset")

    def heal(self):
        self.mode = "pass"
        if self.lsock is None:
            self._listen()

    def close(self):
        if self.lsock:
            self.lsock.close()
            self.lsock = None
        with self.lock:
            pairs = list(self.pairs)
        for p in pairs:
            p.close()
