"""The gateway's own unit states: stored at once, published once durable, a unit's latest per tick.

Every unit the gateway itself hears of (serial radios, the vehicle's GPS, field devices
over MQTT, drones, TAK contacts) goes through here. A busy field link (a thousand body
cameras, a radio net at full rate) hands the gateway thousands of positions a second.
Every one of them is stored (the track keeps them all), but a seat's live view needs
only each unit's latest: ``UnitPublishWorker`` gathers states for ``COALESCE_S``, waits
until the store has committed them (nothing goes on the bus before it is durable), then
publishes the latest state of each unit that moved, retained on ``unit/{uid}``, and
hands it to ``on_published`` (the geofence watch, the outbox to HQ). Publishing a batch
from one thread also spares the link's own thread the bus's queue and wake-ups, so the
link keeps reading. A batch waits until the broker has taken the one before it: when
the bus falls behind, more positions of a unit are superseded within a batch instead of
the bus's queue overflowing.

The gateway subscribes to every unit without its own (``MqttBus.subscribe(own=False)``),
so it does not hear these states back: what was published has been handled here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import paho.mqtt.client as mqtt

from radios.schema import Topics, UnitState
from radios.store import Store
from radios.write_receipt import WriteReceipt

log = logging.getLogger(__name__)

COALESCE_S = 0.1         # how long positions gather before a batch is published (seats redraw at ~10 Hz)
STORE_WAIT_S = 10.0      # how long a batch waits for its commit before trying again next round
BROKER_WAIT_S = 5.0      # how long a batch waits for the broker to take the one before it

Publish = Callable[..., object]   # MqttBus.publish(topic, payload, qos=, retain=)
Published = Callable[[UnitState], None]


class UnitPublishWorker:
    """Stores each state at once and publishes each unit's latest from its thread ("unit-publisher").

    ``submit`` is called on any link's thread; ``publish`` and ``on_published(state)``
    are called on this worker's thread.
    """

    def __init__(self, store: Store, topics: Topics, publish: Publish, on_published: Published | None = None,
                 coalesce_s: float = COALESCE_S) -> None:
        self.store = store
        self.topics = topics
        self.publish = publish
        self.on_published = on_published or (lambda state: None)
        self.coalesce_s = coalesce_s
        self.published = 0   # states published, for the figures
        self.coalesced = 0   # states stored but superseded before they went out
        self._latest: dict[str, tuple[UnitState, WriteReceipt]] = {}
        self._lock = threading.Lock()           # guards _latest
        self._wakeup = threading.Condition(self._lock)
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._last_sent: mqtt.MQTTMessageInfo | None = None  # worker thread only

    def start(self) -> None:
        if self._thread is None:
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="unit-publisher", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Publish what is already stored, then end the thread."""
        with self._wakeup:
            self._stopping = True
            self._wakeup.notify()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(STORE_WAIT_S + 1)

    def submit(self, state: UnitState) -> WriteReceipt:
        """Any link's thread: store the position now; its unit goes out on the bus after the commit."""
        receipt = self.store.add_unit_state(state)
        with self._wakeup:
            if self._latest.pop(state.uid, None) is not None:
                self.coalesced += 1
            self._latest[state.uid] = (state, receipt)
            if len(self._latest) == 1:
                self._wakeup.notify()
        return receipt

    def _run(self) -> None:
        """Body of "unit-publisher": every tick with news, wait for the commit, publish each unit's latest."""
        while True:
            with self._wakeup:
                while not self._latest and not self._stopping:
                    self._wakeup.wait()
                if not self._latest:
                    return
                stopping = self._stopping
            if not stopping:
                with self._wakeup:
                    self._wakeup.wait_for(lambda: self._stopping, self.coalesce_s)
            with self._wakeup:
                batch, self._latest = self._latest, {}
            self._publish_durable(batch, retry=not stopping)

    def _publish_durable(self, batch: dict[str, tuple[UnitState, WriteReceipt]], retry: bool) -> None:
        """Worker thread: publish each state whose write has committed; a slow store's wait for the next round."""
        self._wait_for_broker()
        for uid, (state, receipt) in batch.items():
            try:
                receipt.result(timeout=STORE_WAIT_S)
            except TimeoutError:
                log.warning("unit %s: the store has not committed its position in %g s; %s", uid, STORE_WAIT_S,
                            "publishing it later" if retry else "not published (stopping)")
                if retry:
                    with self._wakeup:
                        self._latest.setdefault(uid, (state, receipt))
                continue
            except Exception as exc:  # the write failed: never announce what is not stored
                log.error("unit %s: position %s not stored (%s); not published", uid, state.id, exc)
                continue
            info = self.publish(self.topics.unit(uid), state.encode(), qos=1, retain=True)
            if getattr(info, "rc", None) == mqtt.MQTT_ERR_QUEUE_SIZE:  # the bus is full: this unit goes next round
                if retry:
                    with self._wakeup:
                        self._latest.setdefault(uid, (state, receipt))
                continue
            self._last_sent = info
            self.published += 1
            try:
                self.on_published(state)
            except Exception:  # a watcher's bug must not stop the units going out
                log.exception("unit %s: handling the published state failed", uid)

    def _wait_for_broker(self) -> None:
        """Worker thread: let the broker take the last batch first, so the bus's queue stays short."""
        last, self._last_sent = self._last_sent, None
        if last is None:
            return
        try:
            last.wait_for_publish(BROKER_WAIT_S)
        except (RuntimeError, ValueError):  # not connected, or refused: nothing to wait for
            pass
