"""Satellite fallback: while the IP backhaul is down, the outbox's alarms and orders go by SBD.

``SatelliteFallback`` owns one thread, ``sbd-fallback``. While the uplink says the
backhaul is down and an SBD modem can send, it takes the outbox's alarms and orders
(priorities ``PRIORITY_ALARM`` and ``PRIORITY_ORDER`` only: nothing else is worth
satellite airtime) oldest-first within priority, packs each into one SBD message
(``radios.sbd_codec``) and sends it, one message per SBD session.

The outbox row stays: it is deleted only when HQ acknowledges it over IP, as every
row is (docs/backhaul.md). A successful SBD session only means the satellite operator
has the message, not that HQ handled it, so when IP returns the uplink sends the item
again with the same id and HQ drops that copy by id (``HqDedup``; docs/sbd.md). What
went by satellite is remembered here so it is not sent by satellite twice; that memory
is not kept across a gateway restart (a restart mid-outage may send an alarm by SBD
once more, and HQ's dedup absorbs it too).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterable, Sequence

from radios.at_modem import AtModem, SbdSendResult
from radios.outbox_policy import PRIORITY_ALARM, PRIORITY_NAMES, PRIORITY_ORDER, OutboxItem
from radios.sbd_codec import SbdFormatError, encode
from radios.schema import Alarm, Event, PayloadError, decode
from radios.store import Store
from radios.uplink import UplinkWorker

log = logging.getLogger(__name__)

SRC = "gateway/satellite"
SATELLITE_PRIORITIES = frozenset({PRIORITY_ALARM, PRIORITY_ORDER})
TICK_S = 0.25           # how soon an outage or a newly queued alarm is noticed
RETRY_AFTER_S = 15.0    # after a failed session; a real modem also backs off between sessions
PEEK_ROWS = 50
STOP_JOIN_S = 5.0

EventCallback = Callable[[Event], None]


def next_for_satellite(rows: Sequence[OutboxItem], done: Collection[str]) -> OutboxItem | None:
    """The first row (by priority, then age) that is an alarm or order not yet sent or given up on."""
    for row in sorted(rows, key=lambda r: (r.priority, r.seq)):
        if row.priority in SATELLITE_PRIORITIES and row.id not in done:
            return row
    return None


def should_send(ip_up: bool, modem_ready: bool, now: float, retry_at: float) -> bool:
    """Whether to start an SBD session now: only while IP is down, the modem can send and no back-off runs."""
    return not ip_up and modem_ready and now >= retry_at


class SatelliteFallback:
    """Sends alarms and orders from the outbox by SBD while the IP backhaul is down.

    ``ip_is_up()`` is asked on the ``sbd-fallback`` thread; ``on_event(Event)`` is called
    on that thread for each item sent by satellite (the gateway logs it).
    """

    def __init__(self, store: Store, modem: AtModem, ip_is_up: Callable[[], bool], *,
                 on_event: EventCallback | None = None, retry_after_s: float = RETRY_AFTER_S,
                 tick_s: float = TICK_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.modem = modem
        self._ip_is_up = ip_is_up
        self._on_event = on_event or (lambda event: None)
        self.retry_after_s = retry_after_s
        self.tick_s = tick_s
        self._clock = clock
        self._lock = threading.Lock()
        self._sent: set[str] = set()        # ids delivered to the satellite operator
        self._unsendable: set[str] = set()  # rows that are not an alarm or event (never retried)
        self._failures = 0
        self._retry_at = 0.0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="sbd-fallback", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop after the session in progress, if any (the modem's own stop cuts it short)."""
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(STOP_JOIN_S)

    def sent_ids(self) -> set[str]:
        """Ids sent by satellite since start (any thread)."""
        with self._lock:
            return set(self._sent)

    @property
    def failures(self) -> int:
        with self._lock:
            return self._failures

    # -- the sbd-fallback thread ----------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.wait(self.tick_s):
            if not should_send(self._ip_is_up(), self.modem.can_send, self._clock(), self._retry_at):
                continue
            row = self._next_row()
            if row is not None:
                self._send(row)

    def _next_row(self) -> OutboxItem | None:
        """Page through the outbox's alarms and orders for the first one still to go by satellite."""
        with self._lock:
            done = self._sent | self._unsendable
        after = None
        while True:
            rows = [OutboxItem(*row) for row in self.store.outbox_peek(PEEK_ROWS, after=after)]
            choice = next_for_satellite(rows, done)
            if choice is not None or len(rows) < PEEK_ROWS or rows[-1].priority not in SATELLITE_PRIORITIES:
                return choice
            after = (rows[-1].priority, rows[-1].seq)

    def _send(self, row: OutboxItem) -> None:
        try:
            item = decode(row.payload)
            if not isinstance(item, (Alarm, Event)):
                raise SbdFormatError(f"a {item.KIND} payload does not travel by satellite")
            message = encode(item)
        except (PayloadError, SbdFormatError) as exc:
            log.warning("satellite: outbox item %s cannot go by SBD: %s", row.id, exc)
            with self._lock:
                self._unsendable.add(row.id)
            return
        if self._ip_is_up():
            return  # IP came back while we looked: the uplink sends it
        result: SbdSendResult = self.modem.send_sbd(message)
        if not result.ok:
            with self._lock:
                self._failures += 1
            self._retry_at = self._clock() + self.retry_after_s
            log.warning("satellite: sending %s by SBD failed: %s; trying again in %g s", row.id, result.detail,
                        self.retry_after_s)
            return
        with self._lock:
            self._sent.add(row.id)
        what = PRIORITY_NAMES.get(row.priority, "item")
        log.info("satellite: %s %s sent by SBD (%d bytes)", what, row.id, len(message))
        self._on_event(Event.create(SRC, category="link", text=(
            f"Backhaul down: {what} sent to HQ by satellite ({len(message)} bytes): {_short(item.text)}")))


def satellite_fallback_for(store: Store, links: Iterable[object], uplink: UplinkWorker | None,
                           on_event: EventCallback | None = None) -> SatelliteFallback | None:
    """The fallback over the first SBD modem among ``links``, or None without an uplink or a modem.

    IP counts as down from the uplink's first failed or lost connection until it is up
    again, not while it is still making its first connection.
    """
    if uplink is None:
        return None
    modem = next((link for link in links if isinstance(link, AtModem) and link.settings.profile == "sbd"), None)
    if modem is None:
        return None
    return SatelliteFallback(store, modem, lambda: not uplink.in_outage, on_event=on_event)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
