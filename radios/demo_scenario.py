"""The demo's script: when the backhaul to HQ drops and comes back, when a responder sends an SOS.

``ScenarioTimeline`` is the plan (seconds after the field starts reporting);
``ScenarioWorker`` carries it out on its own thread, "demo-scenario", and watches the
gateway's retained backhaul state on the vehicle's bus to record what the seats saw:
the outage, the backlog at its peak and the drain. ``ScenarioReport`` reads the run's
store and HQ's side once the gateway has stopped and says whether anything was lost.
Qt-free.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from radios.demo_hq import DemoHq
from radios.schema import BackhaulState, PayloadError, decode
from radios.store import Store

# A run with no --duration (a person watching): the outage at minute 2 for 60 s, the SOS halfway through it.
OUTAGE_AT_S = 120.0
OUTAGE_FOR_S = 60.0
SOS_AT_S = 150.0
# A run of --duration S gets the whole scenario fitted into it when S is at least this long:
# the cut at 20 % of the run, lasting 35 %, the SOS 40 % into the outage, 45 % left for the drain.
FIT_FROM_S = 30.0
FIT_OUTAGE_AT, FIT_OUTAGE_FOR, FIT_SOS_INTO_OUTAGE = 0.20, 0.35, 0.40
MAX_OUTBOX_ROWS = 10_000_000  # the report looks at every row left
OUTAGE_DOWN_TEXT = "Backhaul to HQ down"
OUTAGE_RESTORED_TEXT = "Backhaul to HQ restored"
SATELLITE_TEXT = "sent to HQ by satellite"
MISSING_SHOWN = 3
DRAIN_GRACE_S = 15.0  # after the restore: the uplink's back-off (up to 5 s), reconnecting and sending
# Fewer sent than queued: a long outage's positions are thinned to each unit's newest (docs/backhaul.md).
COMPACTED_NOTE = " (older positions were compacted while it was down, by design)"


@dataclass(frozen=True)
class ScenarioTimeline:
    """When things happen, in seconds after the field starts reporting."""

    outage_at_s: float = OUTAGE_AT_S
    outage_for_s: float = OUTAGE_FOR_S
    sos_at_s: float = SOS_AT_S

    @property
    def restore_at_s(self) -> float:
        return self.outage_at_s + self.outage_for_s

    @classmethod
    def fitted(cls, duration_s: float | None, *, outage_at_s: float | None = None,
               outage_for_s: float | None = None, sos_at_s: float | None = None) -> ScenarioTimeline:
        """The default plan, fitted into a run of ``duration_s`` when that is long enough; given times win."""
        plan = cls()
        if duration_s is not None and duration_s >= FIT_FROM_S:
            outage_at, outage_for = duration_s * FIT_OUTAGE_AT, duration_s * FIT_OUTAGE_FOR
            plan = cls(round(outage_at, 1), round(outage_for, 1), round(outage_at + outage_for * FIT_SOS_INTO_OUTAGE, 1))
        given = {"outage_at_s": outage_at_s, "outage_for_s": outage_for_s, "sos_at_s": sos_at_s}
        for name, value in given.items():
            if value is not None and not value >= 0:  # NaN too
                flag = "--" + name.removesuffix("_s").replace("_", "-")
                raise ValueError(f"{flag} {value:g} is not a time in the demo; give seconds, 0 or more")
        return replace(plan, **{name: value for name, value in given.items() if value is not None})

    def lines(self, duration_s: float | None = None) -> list[str]:
        """The timeline as start-up says it; what falls after the run's end is marked so."""
        def when(t: float) -> str:
            late = duration_s is not None and t >= duration_s
            return f"at {t:g} s" + (" (after this run ends)" if late else "")

        return [f"scenario: backhaul to HQ cut {when(self.outage_at_s)}, restored {when(self.restore_at_s)}",
                f"scenario: Rescue 2 sends an SOS from its body camera {when(self.sos_at_s)}"]


@dataclass
class BackhaulWatch:
    """What the seats were shown about the backhaul: fed each retained state, in arrival order."""

    went_down: bool = False
    peak_backlog: int = 0
    peak_by_priority: list = field(default_factory=list)
    back_up: bool = False
    drained: bool = False
    drained_items: int = 0
    drain_s: float | None = None
    _up_at: float | None = None

    def on_state(self, state: BackhaulState, now: float) -> None:
        if state.state == "down":
            self.went_down = True
            self.back_up = self.drained = False
            if state.backlog > self.peak_backlog:
                self.peak_backlog, self.peak_by_priority = state.backlog, state.backlog_by_priority
        elif state.state == "up" and self.went_down:
            if not self.back_up:
                self.back_up, self._up_at = True, now
            if not self.drained and not state.draining and state.backlog == 0:
                self.drained, self.drained_items = True, state.delivered
                self.drain_s = now - self._up_at


class ScenarioWorker:
    """Runs the timeline on its own thread ("demo-scenario"): cuts and restores HQ, raises the SOS.

    The thread lives until ``stop``, and HQ's broker restarted on it ends with it: stop the
    worker after the gateway, when HQ is no longer needed. ``raise_sos()`` is called on that
    thread. ``on_bus_message`` is called on the vehicle bus's thread by whoever owns the bus,
    which must subscribe to ``backhaul_topic``.
    """

    def __init__(self, timeline: ScenarioTimeline, hq: DemoHq, backhaul_topic: str,
                 raise_sos: Callable[[], None], say: Callable[[str], None] = print,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.timeline = timeline
        self.hq = hq
        self.backhaul_topic = backhaul_topic
        self._raise_sos = raise_sos
        self._say = say
        self._clock = clock
        self.watch = BackhaulWatch()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._cut_at: float | None = None  # clock times of the steps carried out
        self._restored_at: float | None = None
        self._sos_at: float | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="demo-scenario", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(10)

    def on_bus_message(self, topic: str, payload: bytes, retained: bool) -> None:
        """Vehicle bus thread: the gateway's retained backhaul state."""
        if topic != self.backhaul_topic:
            return
        try:
            state = decode(payload, BackhaulState)
        except PayloadError:
            return  # the gateway's own payload; the gateway counts bad input, the demo need not
        with self._lock:
            self.watch.on_state(state, self._clock())

    def watched(self) -> BackhaulWatch:
        with self._lock:
            return replace(self.watch)

    def played(self) -> ScenarioPlayed:
        """Any thread: which steps were carried out, so far (a run may end before the timeline does)."""
        with self._lock:
            restored = None if self._restored_at is None else self._clock() - self._restored_at
            return ScenarioPlayed(cut=self._cut_at is not None, restored_ago_s=restored, sos=self._sos_at is not None)

    @property
    def sos_raised(self) -> bool:
        return self.played().sos

    def _run(self) -> None:
        started = self._clock()
        steps = sorted([(self.timeline.outage_at_s, 0, self._cut), (self.timeline.restore_at_s, 1, self._restore),
                        (self.timeline.sos_at_s, 2, self._sos)], key=lambda step: (step[0], step[1]))
        for at_s, _, action in steps:
            if self._stop.wait(max(0.0, started + at_s - self._clock())):
                return
            action()
        # HQ's broker, restarted on this thread, gets the die-with-parent signal when the thread
        # that started it ends (PR_SET_PDEATHSIG follows the thread): so stay until stopped.
        self._stop.wait()

    def _cut(self) -> None:
        self._say(f"scenario: cutting the backhaul to HQ for {self.timeline.outage_for_s:g} s "
                  f"(HQ's broker on port {self.hq.broker.port} stops)")
        self.hq.cut()
        with self._lock:
            self._cut_at = self._clock()

    def _restore(self) -> None:
        self._say("scenario: restoring the backhaul to HQ; the outbox drains, alarms first")
        self.hq.restore()
        with self._lock:
            self._restored_at = self._clock()

    def _sos(self) -> None:
        self._say("scenario: Rescue 2 presses SOS on its body camera")
        self._raise_sos()
        with self._lock:
            self._sos_at = self._clock()


@dataclass(frozen=True)
class ScenarioPlayed:
    """Which of the timeline's steps a run carried out before it ended."""

    cut: bool
    restored_ago_s: float | None  # how long before the end the backhaul came back; None: it did not
    sos: bool

    @property
    def drain_expected(self) -> bool:
        """Whether the run went on long enough after the restore for the backlog to be sent."""
        return self.restored_ago_s is not None and self.restored_ago_s >= DRAIN_GRACE_S


@dataclass(frozen=True)
class ScenarioReport:
    """What the store and HQ saw of the scenario, read once the gateway has stopped."""

    outage_start: str | None
    outage_end: str | None
    watch: BackhaulWatch
    sos_at: str | None  # when the store took Rescue 2's SOS alarm
    sos_at_hq: bool
    sos_by_satellite: bool
    hq_items: int
    hq_duplicates_dropped: int
    events_stored: int
    events_missing: int  # stored, not at HQ and not waiting in the outbox either: lost
    missing_texts: tuple[str, ...]  # the first few of those, for the summary
    outbox_left: int
    expected: ScenarioTimeline
    played: ScenarioPlayed

    @classmethod
    def read(cls, store: Store, hq: DemoHq, watch: BackhaulWatch, timeline: ScenarioTimeline,
             played: ScenarioPlayed) -> ScenarioReport:
        events = store.events_since(None, limit=MAX_OUTBOX_ROWS)
        at_hq = hq.received_ids()
        waiting = {row[1] for row in store.outbox_peek(MAX_OUTBOX_ROWS)}
        down = next((e for e in events if e.text.startswith(OUTAGE_DOWN_TEXT)), None)
        restored = next((e for e in events if e.text.startswith(OUTAGE_RESTORED_TEXT)
                         and (down is None or e.ts >= down.ts)), None)
        sos = next((a for a in store.alarms(None) if a.alarm_kind == "sos"), None)
        sos_event = next((e for e in events if e.category == "alarm" and e.text.startswith("SOS:")), None)
        missing = [e for e in events if e.id not in at_hq and e.id not in waiting]
        return cls(
            outage_start=down.ts if down else None, outage_end=restored.ts if restored else None, watch=watch,
            sos_at=sos.ts if sos else None, sos_at_hq=sos_event is not None and sos_event.id in at_hq,
            sos_by_satellite=any(SATELLITE_TEXT in e.text and "SOS" in e.text for e in events),
            hq_items=len(at_hq), hq_duplicates_dropped=hq.dedup.duplicates,
            events_stored=len(events), events_missing=len(missing),
            missing_texts=tuple(f"{e.ts} {e.text}" for e in missing[:MISSING_SHOWN]),
            outbox_left=len(waiting), expected=timeline, played=played)

    @property
    def outage_ok(self) -> bool:
        """A cut was logged with a backlog; a restore was logged; a drain the run had time for finished."""
        played = self.played
        if played.cut and not (self.outage_start and self.watch.peak_backlog > 0):
            return False
        if played.restored_ago_s is not None and not self.outage_end:
            return False
        return self.watch.drained or not played.drain_expected

    @property
    def sos_ok(self) -> bool:
        """A raised SOS was stored, and reached HQ unless the backhaul was still down at the end."""
        if not self.played.sos:
            return True
        still_down = self.played.cut and self.played.restored_ago_s is None
        return self.sos_at is not None and (self.sos_at_hq or still_down or not self.played.drain_expected)

    @property
    def nothing_lost(self) -> bool:
        return self.events_missing == 0

    def lines(self) -> list[str]:
        watch, played = self.watch, self.played
        if not played.cut:
            outage = [f"backhaul outage:       none in this run (planned at {self.expected.outage_at_s:g} s, "
                      f"restored at {self.expected.restore_at_s:g} s)"]
        else:
            end = (self.outage_end or "NOT RECORDED") if played.restored_ago_s is not None else "(still down at the end)"
            if played.restored_ago_s is not None and not watch.drained and not played.drain_expected:
                drained = f"not yet (the run ended {played.restored_ago_s:.0f} s after the restore)"
            elif watch.drained and watch.drain_s is not None:
                drained = (f"{watch.drained_items} items in {watch.drain_s:.1f} s"
                           + (COMPACTED_NOTE if watch.drained_items < watch.peak_backlog else ""))
            else:
                drained = "NOT DRAINED" if played.restored_ago_s is not None else "waiting in the outbox"
            outage = [f"backhaul outage:       {self.outage_start or 'NOT RECORDED'} to {end}",
                      f"backlog queued:        {watch.peak_backlog} items at the peak"
                      + (f" ({_by_priority(watch.peak_by_priority)})" if watch.peak_by_priority else ""),
                      f"backlog drained:       {drained}"]
        if not played.sos:
            sos = f"SOS alarm:             none in this run (planned at {self.expected.sos_at_s:g} s)"
        elif self.sos_at is None:
            sos = "SOS alarm:             NOT STORED"
        else:
            sos = (f"SOS alarm:             stored at {self.sos_at}, "
                   + ("at HQ" if self.sos_at_hq else "not at HQ yet" if self.sos_ok else "NOT AT HQ")
                   + (", sent by satellite during the outage" if self.sos_by_satellite else ""))
        lost = ("none" if self.nothing_lost else f"{self.events_missing} MISSING")
        return [*outage, sos,
                f"at HQ:                 {self.hq_items} items, {self.hq_duplicates_dropped} copies dropped by id",
                f"events lost:           {lost} (of {self.events_stored} stored: each is at HQ "
                f"or still in the outbox, {self.outbox_left} waiting)",
                *(f"  missing: {text}" for text in self.missing_texts)]


def _by_priority(pairs: list) -> str:
    return ", ".join(f"{count} {name}" for name, count in pairs)
