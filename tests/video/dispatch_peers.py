"""HQ's side of video dispatch for tests: Debian's ffmpeg listening for SRT or RTMP on loopback,
writing what it receives to a file, started and stopped by its PID; and a reader for that file."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import av
import av.error

from radios.child_process import die_with_parent

FFMPEG = "/usr/bin/ffmpeg"


class HqReceiver:
    """``ffmpeg`` as HQ's media server: one SRT or RTMP listener on ``port``, saving to ``path``."""

    def __init__(self, kind: str, port: int, folder: Path, passphrase: str | None = None) -> None:
        self.kind = kind
        self.port = port
        self.folder = folder
        self.passphrase = passphrase
        self.process: subprocess.Popen[bytes] | None = None
        self.path: Path | None = None
        self._runs = 0

    @property
    def url(self) -> str:
        """Where the vehicle sends to (the caller's URL)."""
        return f"srt://127.0.0.1:{self.port}" if self.kind == "srt" else f"rtmp://127.0.0.1:{self.port}/live/mcv"

    def start(self) -> HqReceiver:
        self._runs += 1
        suffix = "ts" if self.kind == "srt" else "flv"
        self.path = self.folder / f"received-{self.kind}-{self._runs}.{suffix}"
        if self.kind == "srt":
            source = ["-i", f"srt://127.0.0.1:{self.port}?mode=listener"]
            if self.passphrase:
                source = ["-passphrase", self.passphrase] + source
        else:
            source = ["-listen", "1", "-i", f"rtmp://127.0.0.1:{self.port}/live/mcv"]
        args = [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                "-probesize", "65536", "-analyzeduration", "1000000", *source,
                "-c", "copy", "-f", "mpegts" if self.kind == "srt" else "flv", str(self.path)]
        self.errors = (self.folder / f"receiver-{self.kind}-{self._runs}.log").open("wb")
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=self.errors, preexec_fn=die_with_parent)
        deadline = time.monotonic() + 10
        while not _bound(self.port, "udp" if self.kind == "srt" else "tcp") and time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the {self.kind} receiver ended at once; see {self.errors.name}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """End the listener gracefully (it finishes its file) and reap it."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
            self.process = None
            self.errors.close()

    def kill(self) -> None:
        """End the listener abruptly, like HQ's server crashing."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        self.stop()

    def size(self) -> int:
        return self.path.stat().st_size if self.path is not None and self.path.exists() else 0


class RestartingReceiver:
    """HQ as a media server that takes the next publish after one ends (an ffmpeg listener takes
    one stream and ends): a thread starts the listener again whenever it has ended."""

    def __init__(self, folder: Path, kind: str = "rtmp") -> None:
        self.receiver = HqReceiver(kind, _free_port(), folder).start()
        self.port = self.receiver.port
        self.runs = 1
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="hq-receiver-restarts", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stopping.wait(0.05):
            if self.receiver.process is not None and self.receiver.process.poll() is not None:
                self.receiver.stop()
                try:
                    self.receiver.start()
                except RuntimeError:
                    pass  # a publish broke off while it came up: it ended again, started on the next turn
                self.runs += 1

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(10)
        self.receiver.stop()


def _free_port() -> int:
    """A port on 127.0.0.1 free for TCP and UDP right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _bound(port: int, proto: str) -> bool:
    """Whether something listens on ``port`` (TCP in LISTEN, or a bound UDP socket), from /proc."""
    wanted = f":{port:04X}"
    for table in (f"/proc/net/{proto}", f"/proc/net/{proto}6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[1].endswith(wanted) and (proto == "udp" or fields[3] == "0A"):
                return True
    return False


@dataclass(frozen=True)
class Received:
    """What a received file holds: decoded video frames, their size and the video's bitrate."""

    frames: int
    width: int | None
    height: int | None
    seconds: float
    kbps: float  # the whole file (container included) over the span of its video timestamps


def read_received(path: Path) -> Received:
    """Decode every frame of a received file (raises if it is not decodable video)."""
    frames = 0
    width = height = None
    first = last = None
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for packet in container.demux(stream):
            if packet.pts is not None:
                at = float(packet.pts * packet.time_base)
                first = at if first is None else min(first, at)
                last = at if last is None else max(last, at)
            for frame in packet.decode():
                frames += 1
                width, height = frame.width, frame.height
    seconds = (last - first) if first is not None and last is not None else 0.0
    kbps = path.stat().st_size * 8 / 1000 / seconds if seconds > 0 else 0.0
    return Received(frames, width, height, seconds, kbps)
