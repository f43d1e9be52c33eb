"""A camera whose picture carries its clock: FFmpeg makes 720p25 H.264 with the barcode burnt
in and sends it as RTP to ``clock_rtsp_relay.py``, GStreamer's RTSP server, which serves it.

Both run as child processes, stopped by their PIDs. ``kill()`` ends both at once, as a
camera losing power does; ``start()`` again brings the same URL back.
"""

from __future__ import annotations

import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from clock_barcode import FRAME_HEIGHT, FRAME_WIDTH, drawbox_filters  # noqa: E402

from radios.child_process import die_with_parent  # noqa: E402
from video.fake_camera_server import SYSTEM_PYTHON, gstreamer_available  # noqa: E402

RELAY_SCRIPT = Path(__file__).with_name("clock_rtsp_relay.py")
FPS = 25
BITRATE, VBV_BUFFER = "3M", "600k"  # a camera's 720p main stream; a small buffer keeps key frames short
READY_TIMEOUT_S = 15.0


def encoder_command(udp_port: int) -> list[str]:
    """FFmpeg: live test picture, barcode, x264 zero latency with a key frame every second, RTP out."""
    return [
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin",
        "-re", "-f", "lavfi", "-i", f"testsrc2=size={FRAME_WIDTH}x{FRAME_HEIGHT}:rate={FPS}",
        "-vf", drawbox_filters(),
        # One thread, so one slice per picture: with several, a low-delay decoder behind the
        # relay (PyAV's, the console's) showed most pictures half grey.
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-threads", "1", "-pix_fmt", "yuv420p",
        "-g", str(FPS), "-keyint_min", str(FPS), "-bf", "0",
        "-b:v", BITRATE, "-maxrate", BITRATE, "-bufsize", VBV_BUFFER,
        "-f", "rtp", "-payload_type", "96", f"rtp://127.0.0.1:{udp_port}?pkt_size=1200",
    ]


class ClockCamera:
    """The barcode camera at ``rtsp://127.0.0.1:<rtsp_port>/clock``."""

    def __init__(self, rtsp_port: int, udp_port: int) -> None:
        self.rtsp_port = rtsp_port
        self.udp_port = udp_port
        self.url = f"rtsp://127.0.0.1:{rtsp_port}/clock"
        self._relay: subprocess.Popen[str] | None = None
        self._encoder: subprocess.Popen[bytes] | None = None
        self._errors = tempfile.TemporaryFile()

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in (self._relay, self._encoder) if p is not None and p.poll() is None]

    def start(self) -> None:
        """Start encoder and server; return once the server listens. Raises ``RuntimeError`` saying why not."""
        if not gstreamer_available():
            raise RuntimeError("the clock camera needs GStreamer's RTSP server for the system Python: "
                               "run installer/setup.sh --dev")
        if shutil.which("ffmpeg") is None:
            raise RuntimeError("the clock camera needs ffmpeg: run installer/setup.sh")
        self._encoder = subprocess.Popen(encoder_command(self.udp_port), stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=self._errors, preexec_fn=die_with_parent)
        self._relay = subprocess.Popen([SYSTEM_PYTHON, str(RELAY_SCRIPT), str(self.rtsp_port), str(self.udp_port)],
                                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._errors,
                                       text=True, preexec_fn=die_with_parent)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self._relay.stdout], [], [], 0.1)
            if ready:
                line = self._relay.stdout.readline()
                if line.strip() == "READY":
                    return
                if not line:
                    break
            if self._relay.poll() is not None or self._encoder.poll() is not None:
                break
        self.stop()
        raise RuntimeError(f"the clock camera on port {self.rtsp_port} did not start: {self.errors()[-500:]}")

    def kill(self) -> None:
        """End encoder and server abruptly, like a camera losing power."""
        for process in (self._relay, self._encoder):
            if process is not None and process.poll() is None:
                process.kill()
        self.stop()

    def stop(self) -> None:
        """Terminate both (kill what lingers) and reap them."""
        for process in (self._relay, self._encoder):
            if process is not None and process.poll() is None:
                process.terminate()
        for process in (self._relay, self._encoder):
            if process is None:
                continue
            try:
                process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=3)
            if process.stdout is not None:
                process.stdout.close()
        self._relay = self._encoder = None

    def errors(self) -> str:
        """What the encoder and server wrote to stderr so far."""
        self._errors.seek(0)
        return self._errors.read().decode(errors="replace")

    def close(self) -> None:
        self.stop()
        self._errors.close()
