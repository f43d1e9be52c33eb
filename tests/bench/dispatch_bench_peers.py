"""The dispatch benchmark's parts: HQ's SRT receiver that reads the clock barcode from every
decoded frame, and the two senders it compares (the gateway's ``DispatchWorker`` in a child
process of its own, and a plain ``ffmpeg`` doing the same pull, re-encode and push).

- ``ClockReceiver``: Debian's ``ffmpeg`` listens for SRT (PyAV's bundled FFmpeg has no
  SRT) and copies the MPEG-TS it receives to its stdout without touching it; the thread
  ``bench-dispatch-receiver`` decodes that pipe with PyAV (low delay, no frame threading,
  as the console does) and reads the barcode from each frame's luma. A reading is
  ``receive time - burnt time``: the whole path from the camera's encoder to a decoded
  picture at HQ.
- ``DirectReader``: the same decode and read straight from the camera's RTSP URL, the
  path without any uplink; what the uplink adds is the difference.
- ``start_mcv_sender``: ``dispatch_bench_sender.py`` (a ``DispatchWorker`` with a fixed
  plan) as a child process, so its CPU, with its ffmpeg child's, is its own.
- ``start_ffmpeg_sender``: the yardstick, one ffmpeg pulling RTSP over TCP and pushing SRT.

Every process is started with ``die_with_parent`` and stopped by its PID.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import av
import av.error
import numpy as np
from av.codec.context import Flags as CodecFlags

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from clock_barcode import FRAME_HEIGHT, FRAME_WIDTH, PictureRect, burnt_time, read_ticks  # noqa: E402

from radios.child_process import die_with_parent  # noqa: E402

FFMPEG = "/usr/bin/ffmpeg"
SENDER_SCRIPT = Path(__file__).with_name("dispatch_bench_sender.py")
WHOLE_FRAME = PictureRect(0, 0, FRAME_WIDTH, FRAME_HEIGHT)
PLAUSIBLE_S = (-0.02, 5.0)
"""A reading outside this is a misread or a frame from another time: counted, not used."""


class _BarcodeSink:
    """Readings of decoded frames, kept under a lock for the bench's main thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._readings: list[tuple[float, float]] = []  # (received at, latency s)
        self.frames = 0
        self.unreadable = 0

    def frame(self, frame: av.VideoFrame) -> None:
        received = time.time()
        plane = frame.planes[0]
        luma = np.frombuffer(plane, np.uint8).reshape(frame.height, plane.line_size)[:, :frame.width]
        rect = WHOLE_FRAME if frame.width == FRAME_WIDTH else PictureRect(0, 0, frame.width, frame.height)
        ticks = read_ticks(luma, rect)
        with self._lock:
            self.frames += 1
            latency = None if ticks is None else received - burnt_time(ticks, received)
            if latency is None or not PLAUSIBLE_S[0] <= latency <= PLAUSIBLE_S[1]:
                self.unreadable += 1
            else:
                self._readings.append((received, latency))

    def since(self, start: float) -> list[float]:
        """Latencies (s) of the frames received after ``start`` (epoch seconds)."""
        with self._lock:
            return [latency for at, latency in self._readings if at >= start]

    def first_after(self, start: float) -> float | None:
        with self._lock:
            return next((at for at, _ in self._readings if at >= start), None)


def _decode_into(container: av.container.InputContainer, sink: _BarcodeSink, stopping: threading.Event) -> None:
    video = container.streams.video[0]
    decoder = video.codec_context
    decoder.flags |= CodecFlags.low_delay
    decoder.thread_type = "SLICE"
    for packet in container.demux(video):
        if stopping.is_set():
            return
        try:
            for frame in decoder.decode(packet):
                sink.frame(frame)
        except av.error.InvalidDataError:
            continue


class ClockReceiver:
    """HQ: an ffmpeg SRT listener on ``port`` whose MPEG-TS is decoded here, frame by frame."""

    def __init__(self, port: int, srt_latency_ms: int) -> None:
        self.port = port
        self.url = f"srt://127.0.0.1:{port}?latency={srt_latency_ms * 1000}"
        self.sink = _BarcodeSink()
        self._stopping = threading.Event()
        self._process: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None
        self.error = ""

    def start(self) -> ClockReceiver:
        args = [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-fflags", "nobuffer",
                "-probesize", "32768", "-analyzeduration", "0",
                "-i", f"srt://127.0.0.1:{self.port}?mode=listener",
                "-map", "0:v:0", "-c", "copy", "-f", "mpegts", "-flush_packets", "1", "pipe:1"]
        self._process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.DEVNULL, bufsize=0, preexec_fn=die_with_parent)
        self._thread = threading.Thread(target=self._run, name="bench-dispatch-receiver", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            with av.open(self._process.stdout, "r", format="mpegts",
                         options={"fflags": "nobuffer", "probesize": "32768", "analyzeduration": "0"}) as container:
                _decode_into(container, self.sink, self._stopping)
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            if not self._stopping.is_set():
                self.error = f"{type(exc).__name__}: {exc}"

    def stop(self) -> None:
        self._stopping.set()
        if self._process is not None:
            if self._process.poll() is None:
                self._process.terminate()
            try:
                self._process.wait(5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
        if self._thread is not None:
            self._thread.join(5)
        if self._process is not None:
            self._process.stdout.close()


class DirectReader:
    """The camera read straight over RTSP (TCP) on ``bench-dispatch-direct``: the path with no uplink."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sink = _BarcodeSink()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-dispatch-direct", daemon=True)
        self.error = ""

    def start(self) -> DirectReader:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            with av.open(self.url, options={"rtsp_transport": "tcp", "fflags": "nobuffer"},
                         timeout=(10.0, 5.0)) as container:
                _decode_into(container, self.sink, self._stopping)
        except (av.error.FFmpegError, OSError) as exc:
            if not self._stopping.is_set():
                self.error = f"{type(exc).__name__}: {exc}"

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(10)


def start_mcv_sender(camera_url: str, target_url: str, kbps: int, width: int, height: int,
                     fps: int) -> subprocess.Popen[bytes]:
    """The gateway's uplink path (``DispatchWorker``, its pull and its ffmpeg child) in a process of its own."""
    args = [sys.executable, str(SENDER_SCRIPT), camera_url, target_url, str(kbps), str(width), str(height), str(fps)]
    return subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            preexec_fn=die_with_parent)


def ffmpeg_sender_command(camera_url: str, target_url: str, kbps: int, width: int, height: int,
                          fps: int) -> list[str]:
    """The yardstick: pull RTSP over TCP, x264 with the same settings as the gateway's child, push SRT."""
    return [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error",
            "-rtsp_transport", "tcp", "-fflags", "nobuffer", "-i", camera_url, "-map", "0:v:0", "-an",
            "-vf", f"scale={width}:{height},fps={fps}",
            "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
            "-bf", "0", "-g", str(fps * 2), "-b:v", f"{kbps}k", "-maxrate", f"{kbps}k", "-bufsize", f"{kbps // 2}k",
            "-f", "mpegts", "-flush_packets", "1", f"{target_url}&mode=caller"]


def start_ffmpeg_sender(camera_url: str, target_url: str, kbps: int, width: int, height: int,
                        fps: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(ffmpeg_sender_command(camera_url, target_url, kbps, width, height, fps),
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            preexec_fn=die_with_parent)


def stop_process(process: subprocess.Popen[bytes]) -> str:
    """Terminate (kill what lingers), reap; what it wrote to stderr, for a failed run's report."""
    if process.poll() is None:
        process.terminate()
    try:
        _, errors = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        _, errors = process.communicate(timeout=5)
    return (errors or b"").decode(errors="replace")


def median_ms(values: list[float]) -> float | None:
    return 1000 * statistics.median(values) if values else None


def percentile_ms(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]
