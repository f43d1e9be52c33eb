"""Real RTSP peers for the video tests: the GStreamer test server, a TCP proxy that can go
silent like a dropped radio link, and stream settings to point a worker at them.
Fixtures in ``conftest.py`` own their lifetimes."""

from __future__ import annotations

import select
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"  # has python3-gi; the venv does not
SERVER_SCRIPT = Path(__file__).with_name("rtsp_server.py")
READY_TIMEOUT_S = 15.0


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


class RtspTestServer:
    """The GStreamer RTSP server script as a child process on a fixed port."""

    def __init__(self, port: int, mounts: tuple[str, ...] = ("cam1",), auth: str | None = None) -> None:
        self.port = port
        self.mounts = mounts
        self.auth = auth  # "user:password" the server demands, or None for open access
        self._process: subprocess.Popen[str] | None = None

    def url(self, mount: str = "cam1", userinfo: str = "") -> str:
        """``rtsp://[userinfo@]127.0.0.1:port/mount``."""
        prefix = f"{userinfo}@" if userinfo else ""
        return f"rtsp://{prefix}127.0.0.1:{self.port}/{mount}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start the server and return once it prints READY; fails loudly otherwise."""
        if self.running:
            raise RuntimeError("the RTSP test server is already running")
        process = subprocess.Popen(
            [SYSTEM_PYTHON, str(SERVER_SCRIPT), str(self.port), *self.mounts, *(["--auth", self.auth] if self.auth else [])],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._process = process
        assert process.stdout is not None
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            ready, _, _ = select.select([process.stdout], [], [], 0.1)
            if ready:
                line = process.stdout.readline()
                if line.strip() == "READY":
                    return
                if not line:  # the process ended before it was ready
                    break
            elif process.poll() is not None:
                break
        errors = self.stop()
        raise RuntimeError(f"RTSP test server on port {self.port} did not get ready: {errors.strip()[-500:]}")

    def stop(self) -> str:
        """Terminate the server (kill it if it lingers) and return what it wrote to stderr."""
        process, self._process = self._process, None
        if process is None:
            return ""
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=3)
        _, errors = process.communicate()
        return errors or ""

    def kill(self) -> None:
        """End the server abruptly, like a camera losing power."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
        self.stop()


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

