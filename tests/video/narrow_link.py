"""A narrow backhaul for tests: a TCP relay on loopback whose uplink direction is held to a rate.

``NarrowTcpLink`` accepts on ``127.0.0.1:port`` and relays each connection to
``127.0.0.1:target_port``. Bytes towards the target pass a token bucket of ``kbps`` (a
burst of ``BURST_S`` at most); bytes back pass freely, like a 4G uplink narrower than its
downlink. Its own receive buffers are small, so a sender faster than the rate is held back
by TCP within a fraction of a second instead of filling megabytes of kernel buffers first.
``set_rate`` changes the rate while it runs; ``close`` closes every socket and joins
every thread.
"""

from __future__ import annotations

import socket
import threading
import time

BURST_S = 0.1  # the bucket holds this long of the rate
CHUNK = 4096
RCVBUF = 32 * 1024
CONNECT_PATIENCE_S = 5.0


class NarrowTcpLink:
    """Relays TCP to ``target_port``, the direction towards it at ``kbps`` at most."""

    def __init__(self, target_port: int, kbps: float) -> None:
        self.target_port = target_port
        self._rate = kbps * 1000 / 8
        self._lock = threading.Lock()  # guards _rate, _passed
        self._passed: list[tuple[float, int]] = []  # (when, bytes) towards the target
        self._closed = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)  # inherited by accepted sockets
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen()
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._spawn(self._accept_loop, "accept")

    def set_rate(self, kbps: float) -> None:
        with self._lock:
            self._rate = kbps * 1000 / 8

    def passed_kbps(self, window_s: float) -> float:
        """What went towards the target over the last ``window_s``."""
        now = time.monotonic()
        with self._lock:
            total = sum(size for at, size in self._passed if at >= now - window_s)
        return total * 8 / 1000 / window_s

    def close(self) -> None:
        self._closed.set()
        for sock in [self._listener, *self._sockets]:
            try:
                sock.close()
            except OSError:
                pass
        for thread in self._threads:
            thread.join(5)

    def _spawn(self, target, name: str, *args) -> None:
        thread = threading.Thread(target=target, args=args, name=f"narrow-link-{name}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            server = self._connect()
            if server is None:
                client.close()
                continue
            for sock in (client, server):
                sock.settimeout(0.2)
                self._sockets.append(sock)
            self._spawn(self._pump_limited, "up", client, server)
            self._spawn(self._pump_free, "down", server, client)

    def _connect(self) -> socket.socket | None:
        """The far end, tried for up to ``CONNECT_PATIENCE_S``: a listener restarting between two
        publishes is not a broken link."""
        deadline = time.monotonic() + CONNECT_PATIENCE_S
        while not self._closed.is_set():
            try:
                return socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                if time.monotonic() > deadline:
                    return None
                time.sleep(0.05)
        return None

    def _pump_limited(self, source: socket.socket, sink: socket.socket) -> None:
        """Towards the target: read only what the bucket allows, so TCP holds the sender back."""
        tokens, last = 0.0, time.monotonic()
        while not self._closed.is_set():
            now = time.monotonic()
            with self._lock:
                rate = self._rate
            tokens = min(max(rate * BURST_S, CHUNK), tokens + (now - last) * rate)
            last = now
            if tokens < CHUNK:
                time.sleep((CHUNK - tokens) / rate)
                continue
            try:
                data = source.recv(CHUNK)
            except TimeoutError:
                continue
            except OSError:
                break
            if not data:
                break
            tokens -= len(data)
            with self._lock:
                self._passed.append((time.monotonic(), len(data)))
                if len(self._passed) > 10_000:
                    del self._passed[:5_000]
            try:
                sink.sendall(data)
            except OSError:
                break
        _shut(sink)

    def _pump_free(self, source: socket.socket, sink: socket.socket) -> None:
        while not self._closed.is_set():
            try:
                data = source.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not data:
                break
            try:
                sink.sendall(data)
            except OSError:
                break
        _shut(sink)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass
