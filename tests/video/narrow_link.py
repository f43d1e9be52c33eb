"""A narrow backhaul for tests: TCP and UDP relays on loopback whose uplink direction is held to a rate.

``NarrowTcpLink`` accepts on ``127.0.0.1:port`` and relays each connection to
``127.0.0.1:target_port``. Bytes towards the target pass a token bucket of ``kbps`` (a
burst of ``BURST_S`` at most); bytes back pass freely, like a 4G uplink narrower than its
downlink. Its own receive buffers are small, so a sender faster than the rate is held back
by TCP within a fraction of a second instead of filling megabytes of kernel buffers first.
``set_rate`` changes the rate while it runs; ``close`` closes every socket and joins
every thread. ``NarrowUdpLink`` does the same for UDP (an SRT push): a paced queue that
drops what overflows, as a router in front of a narrow uplink. ``NarrowUdpLinkProcess`` runs
one in a process of its own (this file as a script), so that the relay holds its rate while
the test's own process is busy with the gateway's threads.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time

BURST_S = 0.1  # the bucket holds this long of the rate
CHUNK = 4096
RCVBUF = 32 * 1024
CONNECT_PATIENCE_S = 5.0


PASSED_KEPT = 20_000  # records of what went towards the target; the oldest half goes beyond this


class _HeldRelay:
    """What both relays share: the rate towards the target, changed while running, and what passed."""

    def __init__(self, kbps: float, lock: threading.Lock | threading.Condition) -> None:
        self._rate = kbps * 1000 / 8
        self._lock = lock  # guards _rate, _passed and what the relay adds
        self._passed: list[tuple[float, int]] = []  # (when, bytes) towards the target

    def set_rate(self, kbps: float) -> None:
        with self._lock:
            self._rate = kbps * 1000 / 8

    def passed_kbps(self, window_s: float) -> float:
        """What went towards the target over the last ``window_s``."""
        now = time.monotonic()
        with self._lock:
            total = sum(size for at, size in self._passed if at >= now - window_s)
        return total * 8 / 1000 / window_s

    def _note_passed(self, size: int) -> None:
        """A relay thread: ``size`` bytes went towards the target just now."""
        with self._lock:
            self._passed.append((time.monotonic(), size))
            if len(self._passed) > PASSED_KEPT:
                del self._passed[:PASSED_KEPT // 2]


class NarrowTcpLink(_HeldRelay):
    """Relays TCP to ``target_port``, the direction towards it at ``kbps`` at most."""

    def __init__(self, target_port: int, kbps: float) -> None:
        super().__init__(kbps, threading.Lock())
        self.target_port = target_port
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
            self._note_passed(len(data))
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


QUEUE_S = 0.1  # the UDP relay's queue holds this long of the rate; beyond it a datagram is dropped
CATCH_UP_S = 0.05  # after the relay's own thread was held up, it sends this long of the rate at once at most
DATAGRAM = 65_536


class NarrowUdpLink(_HeldRelay):
    """Relays UDP datagrams to ``127.0.0.1:target_port``, the direction towards it at ``kbps`` at most.

    Like a router in front of a narrow uplink: datagrams towards the target wait in a queue
    of ``QUEUE_S`` of the rate and leave paced at the rate; one that finds the queue full is
    dropped (counted in ``dropped``). Datagrams back go to the last sender at once. One
    sender at a time (an SRT caller); ``set_rate`` and ``close`` as ``NarrowTcpLink``.
    """

    def __init__(self, target_port: int, kbps: float) -> None:
        super().__init__(kbps, threading.Condition())  # the lock guards _queue, _queued, _client, dropped too
        self.target_port = target_port
        self._queue: list[bytes] = []
        self._queued = 0
        self._client: tuple[str, int] | None = None
        self.dropped = 0
        self._closed = threading.Event()
        self._front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._front.bind(("127.0.0.1", 0))
        self._front.settimeout(0.2)
        self._back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._back.bind(("127.0.0.1", 0))
        self._back.settimeout(0.2)
        self.port = self._front.getsockname()[1]
        self._threads = [threading.Thread(target=body, name=f"narrow-udp-{name}", daemon=True)
                         for body, name in ((self._receive_up, "in"), (self._pace_up, "up"),
                                            (self._relay_down, "down"))]
        for thread in self._threads:
            thread.start()

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            self._lock.notify_all()
        for thread in self._threads:
            thread.join(5)
        self._front.close()
        self._back.close()

    def _receive_up(self) -> None:
        while not self._closed.is_set():
            try:
                data, sender = self._front.recvfrom(DATAGRAM)
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._client = sender
                if self._queued + len(data) > max(self._rate * QUEUE_S, 2 * len(data)):
                    self.dropped += 1
                    continue
                self._queue.append(data)
                self._queued += len(data)
                self._lock.notify_all()

    def _pace_up(self) -> None:
        """Send the queue's head when the rate allows: each datagram takes its size / rate."""
        free_at = time.monotonic()
        while not self._closed.is_set():
            with self._lock:
                self._lock.wait_for(lambda: self._queue or self._closed.is_set(), timeout=0.2)
                if not self._queue:
                    continue
                data = self._queue.pop(0)
                self._queued -= len(data)
                rate = self._rate
            now = time.monotonic()
            # A relay thread held up by a busy machine catches up (a link's rate does not wait for its
            # router's CPU), by CATCH_UP_S at most.
            free_at = max(free_at, now - CATCH_UP_S) + len(data) / rate
            if free_at > now:
                time.sleep(free_at - now)
            try:
                self._back.sendto(data, ("127.0.0.1", self.target_port))
            except OSError:
                continue  # nobody listens there (yet): the datagram is lost, as on a real link
            self._note_passed(len(data))

    def _relay_down(self) -> None:
        while not self._closed.is_set():
            try:
                data, _ = self._back.recvfrom(DATAGRAM)
            except TimeoutError:
                continue
            except OSError:
                continue  # an ICMP "port unreachable" from a restarting listener
            with self._lock:
                client = self._client
            if client is not None:
                try:
                    self._front.sendto(data, client)
                except OSError:
                    pass


class NarrowUdpLinkProcess:
    """A ``NarrowUdpLink`` in a child process (started and stopped by its PID), the same methods.

    The child reads one command a line on its stdin (``rate KBPS``, ``passed SECONDS``,
    ``dropped``) and answers one line on its stdout; its stdin closing ends it.
    """

    def __init__(self, target_port: int, kbps: float) -> None:
        from radios.child_process import die_with_parent

        self._lock = threading.Lock()  # one question and its answer at a time
        self._process = subprocess.Popen([sys.executable, __file__, str(target_port), str(kbps)],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                         preexec_fn=die_with_parent)
        self.port = int(self._process.stdout.readline())
        self.target_port = target_port

    def _ask(self, command: str) -> str:
        with self._lock:
            self._process.stdin.write(command + "\n")
            self._process.stdin.flush()
            return self._process.stdout.readline().strip()

    def set_rate(self, kbps: float) -> None:
        self._ask(f"rate {kbps}")

    def passed_kbps(self, window_s: float) -> float:
        return float(self._ask(f"passed {window_s}"))

    @property
    def dropped(self) -> int:
        return int(self._ask("dropped"))

    def close(self) -> None:
        if self._process.poll() is None:
            try:
                self._process.stdin.close()
                self._process.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self._process.kill()
                self._process.wait(5)
        self._process.stdout.close()


def _serve(target_port: int, kbps: float) -> None:
    """The child of ``NarrowUdpLinkProcess``: a relay, and answers on stdout."""
    link = NarrowUdpLink(target_port, kbps)
    print(link.port, flush=True)
    try:
        for line in sys.stdin:
            command, _, value = line.strip().partition(" ")
            if command == "rate":
                link.set_rate(float(value))
                answer = "ok"
            elif command == "passed":
                answer = f"{link.passed_kbps(float(value)):.1f}"
            else:
                answer = str(link.dropped)
            print(answer, flush=True)
    finally:
        link.close()


if __name__ == "__main__":
    _serve(int(sys.argv[1]), float(sys.argv[2]))
