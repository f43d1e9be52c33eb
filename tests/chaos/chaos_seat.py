"""The console side of a chaos round: a seat whose event-loop lateness is measured, and the
record of what one round found (``RoundCheck``), printed and, when ``MCV_CHAOS_REPORT`` names
a file, appended to it as one JSON line."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from support import reap, wait_until

if TYPE_CHECKING:
    from chaos_support import GatewayChild, StoreAudit

CONSOLE_START_S = 45.0
# A seat whose loop stalls for a second more than the machine makes any process wait is
# frozen to its user. The machine's own lag (a plain process asking to wake every 100 ms,
# control_timer.py) is measured beside the seat and allowed on top: on a loaded two-core
# machine it reaches half a second and says nothing about the seat. A busy seat suffers
# more from load than that idle control (it needs the CPU it is not given), so the bound
# is what a user calls stuck, not what a free machine shows (p99 30 ms with video, 150-600
# ms with 20 bus messages a second at load 15; each round's report has the figures).
# MCV_CHAOS_CONSOLE_P99_MS changes it.
CONSOLE_P99_MS = float(os.environ.get("MCV_CHAOS_CONSOLE_P99_MS", "1000"))
FLUSH_S = 1.0              # the seat writes its figures this often
WARM_UP_FLUSHES = 3
REPO = Path(__file__).resolve().parents[2]
CONSOLE_SEAT = Path(__file__).with_name("console_seat.py")
CONTROL_TIMER = Path(__file__).with_name("control_timer.py")


# --- a console seat, and how late its event loop runs ------------------------------------


class LatencyFile:
    """JSON lines ``{"t": monotonic, "late_ms": [...]}`` one process appends every second; read here."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def flushes(self) -> int:
        return len(self.path.read_text().splitlines()) if self.path.exists() else 0

    def late_ms(self, since: float, until: float = float("inf")) -> list[float]:
        """Lateness samples flushed between ``since`` and ``until`` (monotonic, shared with this process)."""
        if not self.path.exists():
            return []
        samples: list[float] = []
        for line in self.path.read_text().splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:  # a line being written right now
                continue
            if since <= record["t"] <= until:
                samples += record["late_ms"]
        return samples

    def percentiles_ms(self, since: float, until: float) -> tuple[float, float, int]:
        """p50 and p99 lateness over [since, until], and how many samples: waits for the flush covering ``until``."""
        wait_until(lambda: bool(self.late_ms(until + FLUSH_S)), 5)
        samples = sorted(self.late_ms(since, until + 2 * FLUSH_S))
        if not samples:
            return float("nan"), float("nan"), 0
        return (samples[len(samples) // 2], samples[min(len(samples) - 1, int(len(samples) * 0.99))],
                len(samples))


class ConsoleSeat:
    """``tests/chaos/console_seat.py`` as a child process: a real seat (offscreen) whose loop-latency
    probe writes ``latency`` every second; beside it ``control_timer.py`` writes the machine's own lag."""

    def __init__(self, config: Path, folder: Path, seat: str = "commander") -> None:
        self.config = config
        self.seat = seat
        self.latency = LatencyFile(folder / "console-latency.jsonl")
        self.control = LatencyFile(folder / "control-latency.jsonl")
        self.log_path = folder / "console.log"
        self.process: subprocess.Popen | None = None
        self._control: subprocess.Popen | None = None

    def __enter__(self) -> ConsoleSeat:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        self._control = subprocess.Popen([sys.executable, str(CONTROL_TIMER), str(self.control.path)],
                                         stdin=subprocess.DEVNULL)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(CONSOLE_SEAT), str(self.config), str(self.latency.path), self.seat], cwd=REPO,
                env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        # Start-up (first show, first bus traffic) is late by seconds: measured rounds begin after WARM_UP_FLUSHES.
        if not wait_until(lambda: self.latency.flushes() >= WARM_UP_FLUSHES or self.process.poll() is not None,
                          CONSOLE_START_S):
            self.__exit__()
            raise AssertionError(f"the console seat measured nothing in {CONSOLE_START_S:.0f} s; "
                                 f"see {self.log_path}:\n{self.log_path.read_text(errors='replace')[-2000:]}")
        assert self.process.poll() is None, f"the console seat ended: {self.log_path.read_text(errors='replace')}"
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def __exit__(self, *exc) -> None:
        for process in (self.process, self._control):
            if process is None:
                continue
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                pass
            reap(process)
        self.process = self._control = None


# --- what every round checks, and the record it leaves ----------------------------------


@dataclass
class RoundCheck:
    """One round's findings; ``problems`` empty means the round held."""

    scenario: str
    round: int
    recovery_s: float | None = None
    bound_s: float | None = None
    acknowledged: int = 0
    missing: int = 0
    excused_missing: int = 0  # acknowledged items lost in a span a scenario names as a known fault (disk full)
    integrity: str = ""
    console_p50_ms: float | None = None
    console_p99_ms: float | None = None
    console_samples: int = 0
    machine_p99_ms: float | None = None  # the control process's lag over the same span
    load_1min: float = 0.0
    notes: dict[str, object] = field(default_factory=dict)  # what a scenario adds to its record
    problems: list[str] = field(default_factory=list)

    def require(self, ok: bool, problem: str) -> None:
        if not ok:
            self.problems.append(problem)

    def check_store(self, audit: StoreAudit) -> None:
        self.integrity = audit.integrity()
        self.require(self.integrity == "ok", f"PRAGMA integrity_check said {self.integrity!r}")

    def check_console(self, seat: ConsoleSeat, since: float, until: float) -> None:
        """The seat is alive and its loop's p99 lateness is within ``CONSOLE_P99_MS`` of the machine's own."""
        self.require(seat.alive(), "the console seat ended")
        self.console_p50_ms, self.console_p99_ms, self.console_samples = seat.latency.percentiles_ms(since, until)
        _, self.machine_p99_ms, _ = seat.control.percentiles_ms(since, until)
        self.load_1min = os.getloadavg()[0]
        self.require(self.console_samples > 0, "the console seat measured nothing this round")
        allowed = CONSOLE_P99_MS + (0.0 if math.isnan(self.machine_p99_ms) else self.machine_p99_ms)
        self.require(not self.console_samples or self.console_p99_ms <= allowed,
                     f"console event loop p99 {self.console_p99_ms:.0f} ms > {allowed:.0f} ms "
                     f"({CONSOLE_P99_MS:.0f} ms over the machine's own {self.machine_p99_ms:.0f} ms)")

    def check_recovery(self, what: str, started: float, back: float | None, bound_s: float) -> None:
        self.bound_s = bound_s
        self.recovery_s = None if back is None else round(back - started, 3)
        self.require(back is not None and back - started <= bound_s,
                     f"{what} not back within {bound_s:.1f} s (took {self.recovery_s})")

    def report(self) -> None:
        line = json.dumps(asdict(self))
        print(line)
        target = os.environ.get("MCV_CHAOS_REPORT")
        if target:
            with open(target, "a", encoding="utf-8") as f:
                f.write(line + "\n")

    def finish(self, seat: ConsoleSeat, started: float, audit: StoreAudit | None = None,
               gateway: GatewayChild | None = None) -> None:
        """End the round begun at ``started``: the store's integrity (when there is a store), the seat, the report.

        Fails the test if the round found a problem, with the tail of the gateway's log when
        there is a gateway: what it said while the round went wrong.
        """
        if audit is not None:
            self.check_store(audit)
        self.check_console(seat, started, time.monotonic())
        self.report()
        if self.problems:
            log = "" if gateway is None else f"\n{gateway.log_text()[-3000:]}"
            raise AssertionError(f"round {self.round}: {self.problems}{log}")
