"""Fixtures for the map tests: real PNG tiles, a local HTTP tile server, a fake clock.

The tile server listens on 127.0.0.1 only, on a free port, and is stopped by the
fixture; nothing a map test does leaves this machine.
"""

from __future__ import annotations

import http.server
import re
import struct
import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterator

import pytest


def make_png(seed: int = 0, size: int = 1) -> bytes:
    """A real PNG image (``size`` x ``size``, one colour picked from ``seed``), made with zlib."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    colour = bytes(((seed * 37) % 256, (seed * 91) % 256, (seed * 173) % 256))
    raw = b"".join(b"\x00" + colour * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20 + b"\xff\xd9"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L" + b"\x00" * 14


class FakeClock:
    """A clock that moves only when told; ``sleep`` moves it, so waits are recorded, not slept."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


_TILE_PATH = re.compile(r"^/(?:(?P<sub>[a-z0-9]+)/)?(?P<z>\d+)/(?P<x>\d+)/(?P<y>\d+)\.png$")


class TileServer:
    """A scripted XYZ tile server on 127.0.0.1 serving ``/[{s}/]{z}/{x}/{y}.png``.

    Tiles are distinct PNGs. ``fail[path]`` lists statuses to answer before the tile;
    ``missing`` paths get 404; after ``cut_after`` tiles served, every further request
    has its connection dropped without an answer (a cut backhaul). Requests are
    recorded with their headers; ``served`` counts tiles actually delivered.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[str] = []
        self.headers: list[dict[str, str]] = []
        self.served: Counter[str] = Counter()
        self.fail: dict[str, list[int]] = {}
        self.missing: set[str] = set()
        self.custom: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.cut_after: int | None = None
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                server.handle(self)

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="test-tile-server", daemon=True
        )
        self.thread.start()

    @staticmethod
    def tile(z: int, x: int, y: int) -> bytes:
        return make_png(seed=z * 10_000 + x * 100 + y)

    def handle(self, h: http.server.BaseHTTPRequestHandler) -> None:
        path = h.path.split("?", 1)[0]
        with self.lock:
            self.requests.append(h.path)
            self.headers.append(dict(h.headers))
            if self.cut_after is not None and sum(self.served.values()) >= self.cut_after:
                h.close_connection = True
                h.wfile.flush()
                h.connection.shutdown(2)
                return
            script = self.fail.get(path)
            status = script.pop(0) if script else None
        if path in self.custom:
            status_code, headers, body = self.custom[path]
            return self._answer(h, status_code, body, headers)
        if status is not None:
            return self._answer(h, status, b"busy", {"Retry-After": "0"})
        match = _TILE_PATH.match(path)
        if match is None or path in self.missing:
            return self._answer(h, 404, b"no such tile", {})
        body = self.tile(int(match["z"]), int(match["x"]), int(match["y"]))
        with self.lock:
            self.served[path] += 1
        self._answer(h, 200, body, {"Content-Type": "image/png"})

    @staticmethod
    def _answer(h: http.server.BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str]) -> None:
        h.send_response(status)
        for name, value in headers.items():
            h.send_header(name, value)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def stop(self) -> None:
        if self.thread.is_alive():
            self.httpd.shutdown()
            self.thread.join(5)
        self.httpd.server_close()


@pytest.fixture
def tile_server() -> Iterator[TileServer]:
    server = TileServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def no_leftover_threads() -> Iterator[None]:
    """Fail a test that leaves a thread running."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 2.0
    def leftovers() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t not in before and t.is_alive()]

    while (extra := leftovers()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not extra, f"test left threads running: {extra}"


class Samples:
    """Tile bytes for tests: ``png(seed)`` makes distinct real PNGs; ``jpeg`` and ``webp`` are headers."""

    png = staticmethod(make_png)
    jpeg = JPEG
    webp = WEBP


@pytest.fixture
def samples() -> type[Samples]:
    return Samples
