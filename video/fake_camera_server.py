"""Fake cameras as a child process: starts ``fake_cameras.py`` with the system Python and stops it by PID."""

from __future__ import annotations

import functools
import logging
import select
import subprocess
import tempfile
import time
from pathlib import Path

from radios.child_process import die_with_parent, end_process

SYSTEM_PYTHON = "/usr/bin/python3"  # has python3-gi; the venv does not
SERVER_SCRIPT = Path(__file__).with_name("fake_cameras.py")
READY_TIMEOUT_S = 15.0
_LOADER_RACE = "Inconsistency detected by ld.so"

log = logging.getLogger(__name__)


@functools.cache
def gstreamer_available() -> bool:
    """True when the system Python can load GStreamer's RTSP server."""
    probe = ("import gi; gi.require_version('GstRtspServer', '1.0'); "
             "from gi.repository import GstRtspServer")
    try:
        return subprocess.run([SYSTEM_PYTHON, "-c", probe], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


class FakeCameraServer:
    """``fake_cameras.py`` as a child process on a fixed loopback port, stopped by its PID."""

    def __init__(self, port: int, mounts: tuple[str, ...] = ("cam1",), auth: str | None = None,
                 audio_mounts: tuple[str, ...] = ()) -> None:
        self.port = port
        self.mounts = mounts
        self.auth = auth  # "user:password" the server demands, or None for open access
        self.audio_mounts = audio_mounts  # mounts that serve sound and no video
        self._process: subprocess.Popen[str] | None = None

    def url(self, mount: str = "cam1", userinfo: str = "") -> str:
        """``rtsp://[userinfo@]127.0.0.1:port/mount``."""
        prefix = f"{userinfo}@" if userinfo else ""
        return f"rtsp://{prefix}127.0.0.1:{self.port}/{mount}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The server process's PID until it is stopped."""
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Start serving and return once the script prints READY; raise ``RuntimeError`` saying why not."""
        if not gstreamer_available():
            raise RuntimeError("the fake cameras need GStreamer's RTSP server for the system Python: "
                               "run installer/setup.sh (apt-get install gir1.2-gst-rtsp-server-1.0 python3-gi)")
        if self.running:
            raise RuntimeError("the fake cameras are already running")
        errors = self._start_once()
        if _LOADER_RACE in errors:
            # glibc's loader can trip over GStreamer loading plugins on two threads at once;
            # the process dies at start-up, and a second start does not meet the same race.
            errors = self._start_once()
        if errors:
            raise RuntimeError(f"the fake cameras on port {self.port} did not start: {errors.strip()[-500:]}")

    def _start_once(self) -> str:
        """One attempt: "" once the script prints READY, else what it wrote to stderr."""
        # GStreamer's warnings go to a file: a pipe nobody reads would stall a long demo.
        self._errors = tempfile.TemporaryFile()
        process = subprocess.Popen(
            [SYSTEM_PYTHON, str(SERVER_SCRIPT), str(self.port), *self.mounts,
             *(["--auth", self.auth] if self.auth else []),
             *(arg for mount in self.audio_mounts for arg in ("--audio-only", mount))],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._errors, text=True,
            preexec_fn=die_with_parent,
        )
        self._process = process
        assert process.stdout is not None
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            ready, _, _ = select.select([process.stdout], [], [], 0.1)
            if ready:
                line = process.stdout.readline()
                if line.strip() == "READY":
                    return ""
                if not line:  # the process ended before it was ready
                    break
            elif process.poll() is not None:
                break
        return self._end()[1] or "it did not say READY in time"

    def stop(self) -> str:
        """Terminate the server (kill it if it lingers) and return what it wrote to stderr.

        A server that had already ended by itself is logged as a warning with its exit
        status and the end of its stderr: its cameras went dark while in use.
        """
        ended_by_itself, errors = self._end()
        if ended_by_itself is not None:
            log.warning("the fake cameras on port %d had ended by themselves (exit status %d): %s",
                        self.port, ended_by_itself, errors.strip()[-1500:] or "nothing on stderr")
        return errors

    def kill(self) -> None:
        """End the server abruptly, like a camera losing power."""
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()
            self._reap(process)

    def _end(self) -> tuple[int | None, str]:
        """Terminate the server if it runs; the exit status it had already ended with (None if it
        was running), and what it wrote to stderr."""
        process, self._process = self._process, None
        if process is None:
            return None, ""
        ended_by_itself = process.poll()
        end_process(process, 3)
        return ended_by_itself, self._reap(process)

    def _reap(self, process: subprocess.Popen[str]) -> str:
        """Close an ended server's pipes; what it wrote to stderr."""
        process.stdout.close()
        self._errors.seek(0)
        errors = self._errors.read().decode(errors="replace")
        self._errors.close()
        return errors
