"""Real RTSP peers for the video tests: the GStreamer test server, a TCP proxy that can go
silent like a dropped radio link, and stream settings to point a worker at them.
Fixtures in ``conftest.py`` own their lifetimes."""

from __future__ import annotations

import select
import socket
import threading
import time
from dataclasses import dataclass

from video.fake_camera_server import FakeCameraServer as RtspTestServer  # noqa: F401 (the tests' name)


@dataclass(frozen=True)
class FakeStreamConfig:
    """The attributes of ``radios.config.StreamConfig`` the ingest reads."""

    url: str
    id: str = "cam1"
    name: str = "Test camera"
    kind: str = "fixed"
    sub_url: str | None = None
    transport: str = "tcp"
    latency_ms: int = 200


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class FreezableProxy:
    """A TCP relay to ``127.0.0.1:target_port`` that can stop relaying without closing.

    ``freeze()`` models a silent network drop: sockets stay open, no byte moves. New
    connections are accepted but not served either, as through a dead radio link.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._frozen = threading.Event()
        self._closed = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._spawn(self._accept_loop, "accept")

    def freeze(self) -> None:
        self._frozen.set()

    def thaw(self) -> None:
        self._frozen.clear()

    def close(self) -> None:
        """Stop relaying, close every socket and join every thread."""
        self._closed.set()
        for sock in self._sockets:  # wakes a pump blocked in sendall
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in self._threads:
            thread.join(timeout=5)
        for sock in [self._listener, *self._sockets]:
            sock.close()

    def _spawn(self, target, name: str, *args) -> None:
        thread = threading.Thread(target=target, args=args, name=f"test-proxy-{name}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        self._listener.settimeout(0.1)
        while not self._closed.is_set():
            if self._frozen.is_set():
                time.sleep(0.05)
                continue
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=2)
            except OSError:
                client.close()
                continue
            self._sockets += [client, upstream]
            self._spawn(self._pump, "up", client, upstream)
            self._spawn(self._pump, "down", upstream, client)

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        while not self._closed.is_set():
            if self._frozen.is_set():
                time.sleep(0.05)
                continue
            try:
                readable, _, _ = select.select([source], [], [], 0.1)
                if not readable:
                    continue
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
            except OSError:
                break
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

