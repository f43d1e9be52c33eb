"""Real peers for the chaos suite: the gateway as a child process, a field device and a seat
publishing QoS 1 on the broker, a watcher of the retained link states, and the store read
from outside.

Each scenario repeats its fault ``ROUNDS`` times (``MCV_CHAOS_ROUNDS``, default 2: the
short form in ``tests/run``) and after every round records and checks what
``chaos_seat.RoundCheck`` lists. The long form, by hand, lifts pytest's per-test timeout::

    MCV_CHAOS_ROUNDS=20 MCV_CHAOS_REPORT=chaos.jsonl .venv/bin/pytest -q --timeout 0 tests/chaos
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from chaos_seat import RoundCheck
from support import reap, wait_until

from radios.bus import MqttBus
from radios.bus_settings import BusSettings
from radios.payload import format_ts
from radios.reconnect_policy import ReconnectPolicy
from radios.schema import BackhaulState, Event, GatewayStatus, LinkState, PayloadError, Topics, decode

ROUNDS = max(1, int(os.environ.get("MCV_CHAOS_ROUNDS", "2")))
VEHICLE = "chaos-1"
TOPICS = Topics(VEHICLE)
FIELD_LINK = "field"
RATE_HZ = 20.0  # positions a second from the camera, and log entries from the seat: a busy scene
GATEWAY_START_S = 30.0     # a child Python importing PyAV, on a loaded two-core machine
WATCH_RECONNECT = ReconnectPolicy(first_delay_s=0.05, max_delay_s=0.2)  # the test's own eyes come back first
REPO = Path(__file__).resolve().parents[2]


# --- the gateway, as on a vehicle --------------------------------------------------------


def gateway_config(folder: Path, broker_url: str, store_path: Path, extra: str = "") -> Path:
    """A gateway config with one MQTT field-device link on the same broker, plus ``extra``."""
    path = folder / "mcv.toml"
    path.write_text(
        f'[vehicle]\nid = "{VEHICLE}"\nname = "Chaos vehicle"\n\n[broker]\nurl = "{broker_url}"\n\n'
        f'[store]\npath = {json.dumps(str(store_path))}\n\n'
        f'[[links]]\nid = "{FIELD_LINK}"\ntype = "mqtt"\nurl = "{broker_url}"\n{extra}')
    return path


class GatewayChild:
    """``python -m console gateway`` as a child process; each start logs to its own file."""

    def __init__(self, config: Path) -> None:
        self.config = config
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def log_path(self) -> Path:
        return self.config.parent / f"gateway-{self.starts}.log"

    def start(self) -> None:
        self.starts += 1
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "console", "gateway", "--config", str(self.config)],
                                            cwd=REPO, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        """SIGKILL: no clean stop, no flush, the will says offline."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            reap(self.process)
            self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            pass
        reap(self.process)
        self.process = None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_text(self) -> str:
        logs = sorted(self.config.parent.glob("gateway-*.log"), key=lambda p: int(p.stem.split("-")[1]))
        return "\n".join(p.read_text(errors="replace") for p in logs)


# --- what the seats see: retained link, gateway and backhaul states ------------------------


class BusWatch:
    """A seat's view of the bus: every link state, gateway status and backhaul state, with when it came.

    Reconnects fast on its own, so it sees a link come back as soon as the gateway says so.
    Its callback runs on the bus thread; the ``wait_*`` methods poll from the test's thread.
    """

    def __init__(self, host: str, port: int, client_id: str = "chaos-watch") -> None:
        self._lock = threading.Lock()
        self.links: list[tuple[float, LinkState]] = []
        self.gateway: list[tuple[float, str]] = []
        self.backhaul: list[tuple[float, BackhaulState]] = []
        self.bus = MqttBus(BusSettings(host, port, client_id), on_message=self._on_bus_message,
                           policy=WATCH_RECONNECT)
        self.bus.subscribe(f"{TOPICS.root}/link/+")
        self.bus.subscribe(TOPICS.gateway)
        self.bus.subscribe(TOPICS.backhaul)

    def _on_bus_message(self, topic: str, payload: bytes, retained: bool) -> None:
        """Bus thread. A retained copy is old news (it comes again on every reconnect): only live changes count."""
        if retained:
            return
        now = time.monotonic()
        try:
            if topic == TOPICS.gateway:
                entry = (now, decode(payload, GatewayStatus).state)
                with self._lock:
                    self.gateway.append(entry)
            elif topic == TOPICS.backhaul:
                with self._lock:
                    self.backhaul.append((now, decode(payload, BackhaulState)))
            else:
                with self._lock:
                    self.links.append((now, decode(payload, LinkState)))
        except PayloadError:
            pass

    def _first(self, entries: list, matches, after: float, timeout_s: float) -> float | None:
        """When the first entry after ``after`` that ``matches`` arrived; None if none within the timeout."""
        found: list[float] = []

        def seen() -> bool:
            with self._lock:
                found[:] = [t for t, item in entries if t >= after and matches(item)][:1]
            return bool(found)

        return found[0] if wait_until(seen, timeout_s) else None

    def wait_link(self, link: str, states: tuple[str, ...], after: float, timeout_s: float) -> float | None:
        """When ``link`` was first reported in one of ``states`` after ``after``; None if not within the timeout."""
        return self._first(self.links, lambda s: s.link == link and s.state in states, after, timeout_s)

    def wait_gateway(self, state: str, after: float, timeout_s: float) -> float | None:
        return self._first(self.gateway, lambda s: s == state, after, timeout_s)

    def wait_backhaul(self, state: str, after: float, timeout_s: float) -> float | None:
        return self._first(self.backhaul, lambda s: s.state == state, after, timeout_s)

    def __enter__(self) -> BusWatch:
        self.bus.start()
        assert self.bus.wait_connected(5), "the test's watcher could not reach the broker"
        return self

    def __exit__(self, *exc) -> None:
        self.bus.stop()


# --- field peers that want an acknowledgement ---------------------------------------------


@dataclass
class Sent:
    """What one peer published: key (position ts or event id), paho's handle, when (monotonic)."""

    key: str
    info: mqtt.MQTTMessageInfo
    at: float


class FieldPeers:
    """A body camera (positions on the device topic) and a seat (incident-log entries), one paho client each way.

    Both publish QoS 1 on the vehicle broker from the peer's own thread (``chaos-peers``), at
    ``rate_hz`` each. *Acknowledged* means the broker sent PUBACK (``is_published()``):
    from then on the device forgets the item and the vehicle must keep it. A position is
    known by its ``ts`` (unique per position, milliseconds), an entry by its ``id``.
    """

    DEVICE = "chaos-cam-1"

    def __init__(self, host: str, port: int, rate_hz: float = RATE_HZ) -> None:
        self.rate_hz = rate_hz
        self.positions: list[Sent] = []
        self.events: list[Sent] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._clock = datetime.now(timezone.utc) - timedelta(minutes=1)
        self._n = 0
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="chaos-peer", protocol=mqtt.MQTTv5)
        self.client.reconnect_delay_set(0.05, 0.2)
        self.client.connect_async(host, port, keepalive=5)

    def _run(self) -> None:
        while not self._stop.wait(1.0 / self.rate_hz):
            self.publish_one()

    def publish_one(self) -> None:
        """One position and one log entry (peer thread, or the test's)."""
        self._n += 1
        ts = format_ts(self._clock + timedelta(milliseconds=self._n))
        body = {"lat": 30.3 + self._n * 1e-6, "lon": 120.16, "heading": self._n % 360, "speed": 1.0, "ts": ts,
                "callsign": "Chaos cam"}
        event = Event.create("chaos-seat", category="note", text=f"chaos note {self._n}")
        try:
            position = self.client.publish(f"{TOPICS.root}/device/{self.DEVICE}/position", json.dumps(body), qos=1)
            entry = self.client.publish(TOPICS.events, event.encode(), qos=1)
        except (RuntimeError, ValueError):  # paho's queue refused: not acknowledged, not counted
            return
        now = time.monotonic()
        with self._lock:
            self.positions.append(Sent(ts, position, now))
            self.events.append(Sent(event.id, entry, now))

    def acknowledged(self, during: list[tuple[float, float]] | None = None) -> tuple[set[str], set[str]]:
        """Position ts and entry ids the broker has acknowledged so far (published during one of some spans, if given)."""
        def wanted(sent: Sent) -> bool:
            return _acked(sent.info) and (during is None or any(start <= sent.at <= end for start, end in during))

        with self._lock:
            return {s.key for s in self.positions if wanted(s)}, {s.key for s in self.events if wanted(s)}

    def sent(self) -> int:
        with self._lock:
            return len(self.positions)

    def __enter__(self) -> FieldPeers:
        self.client.loop_start()
        assert wait_until(self.client.is_connected, 5), "the field peer could not reach the broker"
        self._thread = threading.Thread(target=self._run, name="chaos-peers", daemon=True)
        self._thread.start()
        return self

    def pause(self) -> None:
        """Stop publishing (the peer thread ends); what is in flight still gets its PUBACK."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __exit__(self, *exc) -> None:
        self.pause()
        self.client.disconnect()
        self.client.loop_stop()


def _acked(info: mqtt.MQTTMessageInfo) -> bool:
    """True once the broker sent PUBACK. ``is_published`` raises for a message queued while
    disconnected even after paho sent it on reconnect and got its PUBACK; paho's own flag says."""
    try:
        return info.is_published()
    except (RuntimeError, ValueError):
        return bool(getattr(info, "_published", False))


# --- the store, read from outside as an auditor would ------------------------------------


class StoreAudit:
    """Read-only looks at the gateway's SQLite file while the gateway runs (WAL lets both in)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def integrity(self) -> str:
        return ", ".join(row[0] for row in self._query("PRAGMA integrity_check"))

    def position_ts(self, uid: str) -> set[str]:
        return {row[0] for row in self._query("SELECT ts FROM positions WHERE uid = ?", (uid,))}

    def event_ids(self) -> set[str]:
        return {row[0] for row in self._query("SELECT id FROM events")}

    def event_texts(self, like: str) -> list[str]:
        return [row[0] for row in self._query("SELECT text FROM events WHERE text LIKE ?", (like,))]

    def position_lats(self, uid: str) -> set[float]:
        return {round(row[0], 7) for row in self._query("SELECT lat FROM positions WHERE uid = ?", (uid,))}


def check_acknowledged(check: RoundCheck, peers: FieldPeers, audit: StoreAudit, timeout_s: float = 15.0,
                       excused: list[tuple[float, float]] | None = None) -> None:
    """Every position and entry the broker acknowledged so far is in the store (waits for the gateway to catch up).

    Items published during one of the ``excused`` spans are left out of the check and counted in ``check.excused_missing``.
    """
    positions, events = peers.acknowledged()
    if excused is not None:
        spared = peers.acknowledged(excused)
        positions, events = positions - spared[0], events - spared[1]
    missing: dict[str, set[str]] = {}

    def stored() -> bool:
        missing["positions"] = positions - audit.position_ts(FieldPeers.DEVICE)
        missing["events"] = events - audit.event_ids()
        return not missing["positions"] and not missing["events"]

    wait_until(stored, timeout_s, interval_s=0.2)
    check.acknowledged = len(positions) + len(events)
    check.missing = len(missing["positions"]) + len(missing["events"])
    check.require(check.missing == 0, f"{len(missing['positions'])} acknowledged positions and "
                                      f"{len(missing['events'])} acknowledged log entries are not in the store "
                                      f"(e.g. {sorted(missing['positions'])[:3]} {sorted(missing['events'])[:3]})")
    if excused is not None:
        check.excused_missing = len(spared[0] - audit.position_ts(FieldPeers.DEVICE)) + len(spared[1] - audit.event_ids())
