"""A live serial link: one port, one reader thread, line framing, and reopen when the device comes back.

``SerialLink`` opens any pyserial URL (a device path, ``socket://``, ``rfc2217://``,
``loop://``), cuts what arrives into lines, and hands each line to ``on_line``. When
the device vanishes (a USB adapter pulled, socat killed) the read fails, the link
goes down and ``LinkStatePolicy`` says when to try the port again, so a device that
reappears is back up without anyone touching the gateway.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable

import serial

from radios.config import LinkConfig
from radios.input_guard import BadInputLog
from radios.link import LinkPolicyState, LinkStatePolicy, LinkStatus, quiet_s_for
from radios.link_thread import LinkThread

log = logging.getLogger(__name__)

READ_TIMEOUT_S = 0.1     # how long one read may block: bounds stop() and the policy's ticks
TICK_S = 0.25
READ_CHUNK = 4096
MAX_LINE_BYTES = 1024    # far above NMEA's 82 characters; longer is garbage, not a sentence
STOP_JOIN_S = 2.0

_ERRNO = re.compile(r"\[Errno \d+\] ([^:]+)")

LineCallback = Callable[[str, bytes], bool]
StatusCallback = Callable[[LinkStatus], None]


class SerialLink(LinkThread):
    """One serial port kept open on its own reader thread ("serial-<link id>").

    ``on_line(link_id, line)`` gets each line without its line ending and returns True
    if the line was understood, False if it was bad input (that counts against the
    link's error rate). ``on_status(status)`` is called whenever the link's state
    changes. Both are called on the reader thread.
    """

    THREAD_NAME = "serial"
    STOP_JOIN_S = STOP_JOIN_S

    def __init__(
        self,
        config: LinkConfig,
        on_line: LineCallback,
        on_status: StatusCallback | None = None,
        policy: LinkStatePolicy | None = None,
        bad_input: BadInputLog | None = None,
    ) -> None:
        self._init_link(config, on_status, policy or LinkStatePolicy(quiet_s=quiet_s_for(config.profile)),
                        bad_input or BadInputLog(log))
        self._on_line = on_line
        self._write_lock = threading.Lock()
        self._port: serial.SerialBase | None = None
        self._discarding = False   # reader thread: skipping the rest of an overlong line

    def write(self, data: bytes) -> bool:
        """Send one message to the device (any thread); False if the port is not open."""
        with self._write_lock:
            port = self._port
            if port is None:
                return False
            try:
                port.write(data)
            except (serial.SerialException, OSError) as exc:
                log.info("link %s: write failed: %s", self.config.id, exc)
                return False
        with self._lock:
            self._counts["bytes_out"] += len(data)
            self._counts["messages_out"] += 1
        return True

    # -- the reader thread -----------------------------------------------------------

    def _run(self) -> None:
        buffer = bytearray()
        next_tick = time.monotonic() + TICK_S
        try:
            while not self._stopping.is_set():
                now = time.monotonic()
                if now >= next_tick:
                    self._feed("tick")
                    next_tick = now + TICK_S
                if self._port is None:
                    buffer.clear()
                    self._discarding = False
                    self._wait_and_open()
                    continue
                try:
                    chunk = self._port.read(max(1, min(self._port.in_waiting, READ_CHUNK)))
                except (serial.SerialException, OSError) as exc:
                    self._close(f"device gone: {_reason(exc)}; reopening when it is back", "error")
                    continue
                if chunk:
                    with self._lock:
                        self._counts["bytes_in"] += len(chunk)
                    buffer += chunk
                    self._split_lines(buffer)
        finally:
            self._close_port()

    def _wait_and_open(self) -> None:
        reopen_at = self._phase.reopen_at
        if reopen_at is None:
            reopen_at = time.monotonic()
        delay = reopen_at - time.monotonic()
        if delay > 0:
            self._stopping.wait(min(delay, TICK_S))
            return
        try:
            port = serial.serial_for_url(self.config.url, baudrate=self.config.baud, timeout=READ_TIMEOUT_S)
        except ValueError as exc:  # pyserial cannot parse the url: retrying will not help, the config must change
            self._feed("error", f"cannot open {self.config.url}: {_reason(exc)}; correct the link's url in the config")
            return
        except (serial.SerialException, OSError) as exc:
            self._feed("error", f"cannot open {self.config.url}: {_reason(exc)}; "
                                "check the cable and the device path (retrying)")
            return
        with self._write_lock:
            self._port = port
        self._feed("opened", f"{self.config.url} open, waiting for data")

    def _split_lines(self, buffer: bytearray) -> None:
        """Hand out every complete line; an overlong one is rejected once and skipped to its end."""
        while True:
            end = buffer.find(b"\n")
            if end < 0:
                if len(buffer) > MAX_LINE_BYTES:
                    if not self._discarding:
                        self._reject(f"line longer than {MAX_LINE_BYTES} bytes")
                    self._discarding = True
                    del buffer[:]
                return
            line = bytes(buffer[:end]).rstrip(b"\r")
            del buffer[:end + 1]
            if self._discarding:
                self._discarding = False  # the tail of a line already rejected
            elif len(line) > MAX_LINE_BYTES:
                self._reject(f"line longer than {MAX_LINE_BYTES} bytes")
            elif line:
                self._deliver(line)

    def _deliver(self, line: bytes) -> None:
        try:
            understood = self._on_line(self.config.id, line)
        except Exception:  # a decoder's bug must not kill the reader thread
            log.exception("link %s: line handler failed", self.config.id)
            understood = False
        if understood:
            with self._lock:
                self._counts["messages_in"] += 1
                self._last_seen = time.time()
            self._feed("data")
        else:
            with self._lock:
                self._counts["errors"] += 1
            self._feed("bad_data")

    def _close(self, detail: str, event: str) -> None:
        self._close_port()
        with self._lock:
            self._counts["errors"] += 1
        self._feed(event, detail)

    def _close_port(self) -> None:
        with self._write_lock:
            port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass

    def _describe(self, phase: LinkPolicyState, detail: str) -> str:
        if phase.state == "up":
            return f"{self.config.url} receiving"
        if phase.reason == "quiet":
            return f"{self.config.url} open but silent for {self._policy.quiet_s:g} s; check the device"
        if phase.reason == "bad_data":
            return f"{self.config.url}: most input is garbled; check the baud rate ({self.config.baud})"
        return detail


def _reason(exc: BaseException) -> str:
    """The cause inside pyserial's message: 'could not open port x: [Errno 2] No such file...' -> 'No such file...'."""
    causes = _ERRNO.findall(str(exc))
    return (causes[-1] if causes else str(exc))[:200]
