"""The demo's district HQ: a second broker the gateway's uplink sends to, and what HQ received.

The backhaul outage of the demo scenario is this broker going away and coming back on
the same port, as a real HQ does when the 4G cell or the VSAT link drops: the gateway's
``UplinkWorker`` sees the connection refused, queues in its outbox and drains when it
returns. The broker keeps sessions and queues across the cut (``persistence true`` in
the run folder), and the consumer holds a persistent QoS 1 session and drops copies by
id (``HqDedup``), as docs/backhaul.md asks of a real HQ. Qt-free.
"""

from __future__ import annotations

import threading
from pathlib import Path

from radios.broker import LocalBroker
from radios.bus import BusSettings, MqttBus
from radios.hq_dedup import HqDedup, payload_id
from radios.reconnect_policy import ReconnectPolicy

HQ_CLIENT_ID = "demo-hq-consumer"
CONNECT_TIMEOUT_S = 5.0
# HQ's consumer is on HQ's own LAN: it comes back as soon as its broker does.
CONSUMER_RECONNECT = ReconnectPolicy(first_delay_s=0.2, max_delay_s=1.0)


class DemoHq:
    """The HQ broker (a mosquitto child process) and HQ's consumer of one vehicle's topics.

    ``cut()`` stops the broker by its PID and ``restore()`` starts it again on the same
    port; both are called from the scenario's thread. ``received_ids`` may be read from
    any thread.
    """

    def __init__(self, folder: Path, vehicle: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._broker_config = (f"persistence true\npersistence_location {folder}/\n"
                               "max_queued_messages 0\n")  # HQ keeps a whole outage's backlog for its consumer
        self.broker = LocalBroker(extra_config=self._broker_config)
        self.pattern = f"mcv/v1/{vehicle}/#"
        self.dedup = HqDedup()
        self._lock = threading.Lock()
        self._ids: set[str] = set()
        self.copies = 0  # every copy delivered, duplicates included
        self._consumer: MqttBus | None = None
        self.cut_count = 0

    @property
    def url(self) -> str:
        return self.broker.url

    @property
    def is_up(self) -> bool:
        return self.broker.pid is not None

    def start(self) -> DemoHq:
        """Start the broker and the consumer; the consumer is connected on return."""
        self.broker.start()
        settings = BusSettings(self.broker.host, self.broker.port, HQ_CLIENT_ID, persistent_session=True)
        self._consumer = MqttBus(settings, on_message=self._on_hq_message, policy=CONSUMER_RECONNECT)
        self._consumer.subscribe(self.pattern, qos=1)
        self._consumer.start()
        if not self._consumer.wait_connected(CONNECT_TIMEOUT_S):
            self.stop()
            raise RuntimeError(f"the demo's HQ consumer could not connect to {self.url} "
                               f"within {CONNECT_TIMEOUT_S:.0f} s; see mosquitto's log in the run folder")
        return self

    def cut(self) -> None:
        """The backhaul drops: HQ's broker stops (it saves its sessions and queues first)."""
        self.broker.stop()
        self.cut_count += 1

    def restore(self) -> None:
        """The backhaul returns: HQ's broker listens again on the same port."""
        self.broker = LocalBroker(port=self.broker.port, extra_config=self._broker_config).start()

    def stop(self) -> None:
        """Stop the consumer, then the broker; safe to call twice."""
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            consumer.stop()
        self.broker.stop()

    def close(self) -> None:
        self.stop()
        self.dedup.close()

    def _on_hq_message(self, topic: str, payload: bytes, retained: bool) -> None:
        """HQ consumer's bus thread: each item once by id; the uplink's pings are not items."""
        if topic.endswith("/uplink/ping"):
            return
        item_id = payload_id(payload)
        with self._lock:
            self.copies += 1
            if self.dedup.accept_payload(payload) and item_id is not None:
                self._ids.add(item_id)

    def received_ids(self) -> set[str]:
        """The ids HQ has handled (each once)."""
        with self._lock:
            return set(self._ids)
