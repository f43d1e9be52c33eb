"""Test peers for the uplink: an "HQ" mosquitto that survives restarts, an HQ consumer, and a
backhaul to HQ (a socat hop) that is cut and restored."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from pathlib import Path

from support import reap, wait_until

from radios.broker import LocalBroker, broker_answers, free_port
from radios.bus import BusSettings, MqttBus
from radios.hq_dedup import HqDedup, payload_id
from radios.reconnect_policy import ReconnectPolicy

FAST_RECONNECT = ReconnectPolicy(first_delay_s=0.1, max_delay_s=0.3)


class HqBroker:
    """A mosquitto playing district HQ: persistent (sessions and queues survive a restart on
    the same port, as a real HQ's do), unlimited queues, stopped and started by its PID."""

    def __init__(self, folder: Path, extra_config: str = "") -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._config = (f"persistence true\npersistence_location {folder}/\nmax_queued_messages 0\n"
                        f"{extra_config}")
        self.broker = LocalBroker(extra_config=self._config)
        self.port = self.broker.port
        self.host = self.broker.host
        self.url = self.broker.url

    def start(self) -> HqBroker:
        self.broker.start()
        return self

    def stop(self) -> None:
        self.broker.stop()

    def restart(self) -> None:
        self.broker = LocalBroker(port=self.port, extra_config=self._config).start()

    def freeze(self) -> None:
        """SIGSTOP: the TCP connection stays open but nothing answers (a silent link)."""
        os.kill(self.broker.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.broker.pid, signal.SIGCONT)


class HqConsumer:
    """What HQ runs on the vehicles' topics: a persistent QoS 1 session and dedup by id.

    ``raw`` is every copy the broker delivered; ``delivered`` the ids accepted, in order.
    """

    def __init__(self, hq: HqBroker, pattern: str = "mcv/v1/+/#", client_id: str = "hq-consumer") -> None:
        self.raw: list[tuple[str, bytes]] = []
        self.delivered: list[str] = []
        self.dedup = HqDedup()
        self._lock = threading.Lock()
        settings = BusSettings(hq.host, hq.port, client_id, persistent_session=True)
        self.bus = MqttBus(settings, on_message=self._on_message, policy=FAST_RECONNECT)
        self.bus.subscribe(pattern, qos=1)

    def _on_message(self, topic: str, payload: bytes, retained: bool) -> None:
        """Bus thread."""
        if topic.endswith("/uplink/ping"):
            return
        with self._lock:
            self.raw.append((topic, payload))
            if self.dedup.accept_payload(payload):
                self.delivered.append(payload_id(payload))

    def count(self) -> int:
        with self._lock:
            return len(self.delivered)

    def __enter__(self) -> HqConsumer:
        self.bus.start()
        assert self.bus.wait_connected(5)
        return self

    def __exit__(self, *exc) -> None:
        self.bus.stop()
        self.dedup.close()


class SocatBackhaul:
    """A TCP hop (socat) from the vehicle to HQ's broker: killing it by its process group cuts the link."""

    def __init__(self, target_port: int) -> None:
        self.port = free_port()
        self.target_port = target_port
        self.process: subprocess.Popen | None = None

    def restore(self) -> None:
        self.process = subprocess.Popen(
            ["socat", f"TCP-LISTEN:{self.port},bind=127.0.0.1,reuseaddr,fork", f"TCP:127.0.0.1:{self.target_port}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        assert wait_until(lambda: broker_answers("127.0.0.1", self.port), 5)

    def cut(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)  # socat and the children it forked per connection
            reap(self.process)
            self.process = None
