"""An AT modem on a serial port: signal and registration polled, SBD messages sent, its state in words.

``AtModem`` keeps a ``SerialLink`` (the port, its reader thread, reopen on replug) and
one worker thread of its own, ``modem-<link id>``, which owns the request/response
exchange: one command at a time is written, the reply's lines are collected until a
final result (``OK``, ``ERROR``, ``+CME ERROR``) or a timeout, and a command that got
no answer is retried. Between sends it polls ``AT+CSQ`` (and ``AT+CREG?`` on the
cellular profile), so a modem that stops answering, loses its signal or its network
shows as such on the link's state. Replies are read by the pure parsers in
``radios.at_commands``.

Sending (Iridium SBD, FIELD.md): ``AT+SBDWB=<n>`` -> ``READY`` -> n bytes and the
2-byte checksum -> ``0`` (``OK``), then ``AT+SBDIX`` -> ``+SBDIX: mo,...``; mo 0-4 is
success. ``send_sbd`` may be called from any thread; it waits for the modem thread.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from radios.at_commands import (
    CREG_REGISTERED, CREG_TEXT, MAX_MO_BYTES, MAX_REPLY_CHARS, READY, SBD_SIGNAL_MAX, SBDWB_STATUS_TEXT,
    AtReplyError, SbdixResult, error_text, is_final, parse_creg, parse_csq, parse_sbdix, parse_sbdwb_status,
    sbd_frame,
)
from radios.config import LinkConfig
from radios.input_guard import BadInputLog
from radios.link import LinkStatePolicy, LinkStatus
from radios.serial_link import SerialLink

log = logging.getLogger(__name__)

PROFILES = ("sbd", "cellular")
POLL_S = 10.0              # AT+CSQ (and AT+CREG?) this often while idle
COMMAND_TIMEOUT_S = 2.0    # an ordinary command's whole reply
SBDIX_TIMEOUT_S = 60.0     # a satellite session may take most of a minute
SETTLE_QUIET_S = 0.3       # after a timeout, this long without a line means no late reply is coming
RETRIES = 2                # a command with no answer is written again this many times
RECHECK_S = 1.0            # a modem that did not answer is probed again after this long
QUIET_FACTOR = 3.0         # the port counts as silent after three missed polls
STOP_JOIN_S = 3.0
WAITING = "waiting for the modem to answer"
MAX_WAITING_LINES = 256    # lines nobody has asked for yet; a babbling modem's extra lines are dropped
_KEEP = object()  # _set_view: leave this field as it is

StatusCallback = Callable[[LinkStatus], None]


class AtTimeout(Exception):
    """The modem did not finish its reply in time (or the port is closed)."""


class AtCommandError(Exception):
    """The modem answered ``ERROR`` (or ``+CME ERROR``) to a command."""


@dataclass(frozen=True)
class ModemSettings:
    """How the modem is driven; a snapshot taken when it is built."""

    profile: str = "sbd"
    poll_s: float = POLL_S
    command_timeout_s: float = COMMAND_TIMEOUT_S
    sbdix_timeout_s: float = SBDIX_TIMEOUT_S
    retries: int = RETRIES
    min_signal: int = 1    # below this there is no point in starting a session

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ValueError(f"modem profile {self.profile!r} is not one of {', '.join(PROFILES)}")


@dataclass(frozen=True)
class SbdSendResult:
    """What became of one SBD send: ``ok`` once the satellite gateway has the message."""

    ok: bool
    detail: str
    session: SbdixResult | None = None


class AtModem:
    """One AT modem: its port, its worker thread ``modem-<id>``, its state and signal.

    ``on_status(LinkStatus)`` is called when the link's state (connecting, up, degraded,
    down) changes, on the serial reader thread or the modem thread.
    """

    def __init__(self, config: LinkConfig, settings: ModemSettings | None = None, *,
                 on_status: StatusCallback | None = None, bad_input: BadInputLog | None = None) -> None:
        self.config = config
        self.settings = settings or ModemSettings(profile=config.profile or "sbd")
        self._on_status = on_status or (lambda status: None)
        policy = LinkStatePolicy(quiet_s=max(5.0, self.settings.poll_s * QUIET_FACTOR))
        self.link = SerialLink(config, on_line=self._on_line, on_status=self._on_link_status,
                               policy=policy, bad_input=bad_input)
        self._lines: queue.Queue[str] = queue.Queue(MAX_WAITING_LINES)
        self._jobs: queue.Queue[tuple[bytes, Future] | None] = queue.Queue()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # guards the modem's view below and _published
        self._answering = False
        self._problem = WAITING  # why the modem cannot send, "" when it can
        self._signal: int | None = None
        self._registered: bool | None = None
        self._published: str | None = None  # the state last given to on_status

    @property
    def id(self) -> str:
        return self.config.id

    def start(self) -> None:
        """Open the port and start the modem thread."""
        if self._thread is not None:
            return
        self._stopping.clear()
        self.link.start()
        self._thread = threading.Thread(target=self._run, name=f"modem-{self.config.id}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the modem thread (a send in progress is answered as failed) and close the port."""
        self._stopping.set()
        self._jobs.put(None)
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(STOP_JOIN_S)
        self.link.stop()
        self._fail_waiting_jobs("the modem link was stopped")

    @property
    def signal(self) -> int | None:
        with self._lock:
            return self._signal

    @property
    def registered(self) -> bool | None:
        """Whether a cellular modem is registered (home or roaming); None when not known or not asked."""
        with self._lock:
            return self._registered

    @property
    def can_send(self) -> bool:
        """Whether an SBD session is worth trying now: port open, modem answering, signal enough."""
        with self._lock:
            ready = self._answering and not self._problem
        return ready and self.settings.profile == "sbd" and self.link.is_open

    def status(self) -> LinkStatus:
        """The serial link's status with the modem's own view folded in (any thread)."""
        base = self.link.status()
        with self._lock:
            problem, signal = self._problem, self._signal
        scale = SBD_SIGNAL_MAX if self.settings.profile == "sbd" else 31
        signal_text = f"signal {signal}/{scale}" if signal is not None else "signal unknown"
        state, detail = base.state, base.detail
        if base.state == "up":
            if problem == WAITING:
                state, detail = "connecting", f"{self.config.url}: {problem}"
            elif problem:
                state, detail = "degraded", f"{problem}; {signal_text}"
            else:
                state, detail = "up", f"{self.settings.profile} modem ready; {signal_text}"
        return dataclasses.replace(base, link_type="modem", state=state, detail=detail, signal=signal)

    def send_sbd(self, data: bytes, timeout_s: float | None = None) -> SbdSendResult:
        """Any thread: send one message of 1-340 bytes by SBD and wait for the session's result."""
        if self.settings.profile != "sbd":
            return SbdSendResult(False, f"a {self.settings.profile} modem does not send SBD")
        if not 1 <= len(data) <= MAX_MO_BYTES:
            return SbdSendResult(False, f"an SBD message holds 1 to {MAX_MO_BYTES} bytes, not {len(data)}")
        if self._thread is None:
            return SbdSendResult(False, "the modem link is not running")
        done: Future[SbdSendResult] = Future()
        self._jobs.put((bytes(data), done))
        wait = timeout_s if timeout_s is not None else (
            self.settings.sbdix_timeout_s + 4 * self.settings.command_timeout_s * (self.settings.retries + 1))
        try:
            return done.result(wait)
        except TimeoutError:
            return SbdSendResult(False, "the modem did not finish the send in time")

    # -- the serial reader thread ---------------------------------------------------------

    def _on_line(self, link_id: str, line: bytes) -> bool:
        """Serial reader thread: one reply line for the modem thread; False if it is not modem text."""
        try:
            text = line.decode("ascii").strip()
        except UnicodeDecodeError:
            return False
        if not text or len(text) > MAX_REPLY_CHARS or not text.isprintable():
            return False
        try:
            self._lines.put_nowait(text)
        except queue.Full:
            pass
        return True

    def _on_link_status(self, status: LinkStatus) -> None:
        """Serial reader thread: the port opened, went quiet or vanished."""
        if status.state == "down":
            with self._lock:
                self._answering, self._problem = False, WAITING
        self._publish_if_changed()

    # -- the modem thread -------------------------------------------------------------

    def _run(self) -> None:
        next_poll = 0.0
        while not self._stopping.is_set():
            if not self.link.is_open:
                self._stopping.wait(0.1)
                next_poll = 0.0
                continue
            try:
                job = self._jobs.get(timeout=max(0.0, next_poll - time.monotonic()))
            except queue.Empty:
                job = None
            if self._stopping.is_set():
                break
            if job is not None:
                data, done = job
                if not done.set_running_or_notify_cancel():
                    continue
                done.set_result(self._send(data))
                continue
            if time.monotonic() >= next_poll:
                ok = self._poll()
                next_poll = time.monotonic() + (self.settings.poll_s if ok else RECHECK_S)

    def _poll(self) -> bool:
        """Probe the modem if needed, then read its signal (and registration); False if it did not answer."""
        try:
            if not self._answering:
                self._command("AT")
                self._command("ATE0")  # no echo: replies are then only replies
                with self._lock:
                    self._answering = True
            lines = self._command("AT+CSQ")
            signal = parse_csq(_reply_to(lines, "+CSQ"), self.settings.profile)
            registered = None
            if self.settings.profile == "cellular":
                stat = parse_creg(_reply_to(self._command("AT+CREG?"), "+CREG"))
                registered = stat in CREG_REGISTERED
                creg_text = CREG_TEXT[stat]
        except AtTimeout as exc:
            self._set_view(answering=False, problem=f"the modem does not answer ({exc})")
            return False
        except AtCommandError as exc:
            self._set_view(problem=f"the modem answered {exc}")
            return False
        except AtReplyError as exc:
            self._set_view(problem=f"the modem's reply makes no sense ({exc})")
            return False
        problem = ""
        if signal is None or signal < self.settings.min_signal:
            problem = "no signal: check the antenna's view of the sky" if self.settings.profile == "sbd" \
                else "no signal"
        elif registered is False:
            problem = f"no service: {creg_text}"
        self._set_view(signal=signal, registered=registered, problem=problem)
        return True

    def _send(self, data: bytes) -> SbdSendResult:
        """Modem thread: one SBD session for ``data``."""
        try:
            status = None
            for _ in range(self.settings.retries + 1):
                lines = self._command(f"AT+SBDWB={len(data)}", until=lambda line: line == READY or is_final(line))
                if lines[-1] != READY:
                    raise AtCommandError(f"{lines[-1]} to AT+SBDWB")
                self._write(sbd_frame(data))
                lines = self._collect(self.settings.command_timeout_s, is_final, "AT+SBDWB")
                status = parse_sbdwb_status(_first_of(lines, lambda line: line in ("0", "1", "2", "3")))
                if status == 0:
                    break
                log.info("modem %s: AT+SBDWB said %s", self.config.id, SBDWB_STATUS_TEXT[status])
            if status != 0:
                return SbdSendResult(False, f"the modem refused the message: {SBDWB_STATUS_TEXT[status]}")
            lines = self._command("AT+SBDIX", timeout_s=self.settings.sbdix_timeout_s, retry=False)
            session = parse_sbdix(_reply_to(lines, "+SBDIX"))
        except AtTimeout as exc:
            self._set_view(answering=False, problem=f"the modem does not answer ({exc})")
            return SbdSendResult(False, f"the modem does not answer ({exc})")
        except AtCommandError as exc:
            return SbdSendResult(False, f"the modem answered {exc}")
        except AtReplyError as exc:
            return SbdSendResult(False, f"the modem's reply makes no sense ({exc})")
        if session.no_service:
            self._set_view(problem=f"no service: {session.describe()}")
        elif session.sent:
            self._set_view(problem="")
        return SbdSendResult(session.sent, session.describe(), session)

    def _command(self, command: str, *, timeout_s: float | None = None, retry: bool = True,
                 until: Callable[[str], bool] = is_final) -> list[str]:
        """Write ``command`` and return its reply's lines up to the final one; retried when unanswered."""
        timeout_s = timeout_s or self.settings.command_timeout_s
        attempts = self.settings.retries + 1 if retry else 1
        for attempt in range(attempts):
            self._drain()
            self._write(f"{command}\r".encode("ascii"))
            try:
                lines = self._collect(timeout_s, until, command)
            except AtTimeout:
                self._settle(timeout_s)
                if attempt + 1 == attempts:
                    raise
                continue
            failure = error_text(lines[-1])
            if failure is not None:
                raise AtCommandError(f"{failure} to {command}")
            return lines
        raise AssertionError("unreachable")

    def _collect(self, timeout_s: float, until: Callable[[str], bool], command: str) -> list[str]:
        """Lines from the reader until ``until`` says the reply is complete; echoes of ``command`` skipped."""
        deadline = time.monotonic() + timeout_s
        lines: list[str] = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or self._stopping.is_set():
                raise AtTimeout(f"no complete reply to {command} within {timeout_s:g} s")
            try:
                line = self._lines.get(timeout=min(left, 0.1))
            except queue.Empty:
                continue
            if line == command or _belongs_elsewhere(line, command):
                continue
            lines.append(line)
            if until(line):
                return lines

    def _write(self, data: bytes) -> None:
        if not self.link.write(data):
            raise AtTimeout("the port is closed")

    def _settle(self, wait_s: float) -> None:
        """After a timeout: swallow the late reply, if one is still coming, before the next command.

        Without this, a reply that arrives just after its command gave up would be taken
        as the answer to the next one (a late ``OK`` would "answer" ``AT+SBDWB``).
        """
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline and not self._stopping.is_set():
            try:
                self._lines.get(timeout=SETTLE_QUIET_S)
            except queue.Empty:
                return  # quiet: nothing late is on its way

    def _drain(self) -> None:
        """Forget lines nobody asked for (late replies, unsolicited codes) before a new command."""
        while True:
            try:
                self._lines.get_nowait()
            except queue.Empty:
                return

    def _fail_waiting_jobs(self, why: str) -> None:
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return
            if job is not None and job[1].set_running_or_notify_cancel():
                job[1].set_result(SbdSendResult(False, why))

    def _set_view(self, *, answering: bool | None = None, problem: str | None = None,
                  signal: object = _KEEP, registered: object = _KEEP) -> None:
        with self._lock:
            if answering is not None:
                self._answering = answering
                if not answering:
                    self._signal = None
            if problem is not None:
                self._problem = problem
            if signal is not _KEEP:
                self._signal = signal
            if registered is not _KEEP:
                self._registered = registered
        self._publish_if_changed()

    def _publish_if_changed(self) -> None:
        """Tell ``on_status`` when the combined state changed (not for every change of signal)."""
        status = self.status()
        with self._lock:
            if status.state == self._published:
                return
            self._published = status.state
        self._on_status(status)


def _reply_to(lines: list[str], prefix: str) -> str:
    """The line of a reply that starts with ``prefix`` (``+CSQ``); AtReplyError if there is none."""
    return _first_of(lines, lambda line: line.startswith(prefix), prefix)


def _belongs_elsewhere(line: str, command: str) -> bool:
    """An information line (``+CSQ:5``) that answers some other command than ``command``."""
    if not line.startswith("+") or ":" not in line:
        return False
    return not command.upper().startswith("AT" + line.split(":", 1)[0].upper())


def _first_of(lines: list[str], wanted: Callable[[str], bool], what: str = "the status") -> str:
    for line in lines:
        if wanted(line):
            return line
    raise AtReplyError(f"no {what} line in the reply {lines[:3]!r}")
