"""Helpers shared by tests: a real mosquitto per test, polling, and a bus client for assertions."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from radios.broker import LocalBroker
from radios.bus import BusSettings, MqttBus


def broker_fixture():
    @pytest.fixture
    def broker():
        """A real mosquitto on a free loopback port, stopped by its PID after the test."""
        with LocalBroker() as running:
            yield running

    return broker


def wait_until(predicate, timeout_s: float = 10.0, interval_s: float = 0.05) -> bool:
    """Poll ``predicate`` until it is true or ``timeout_s`` passes; returns its last value."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval_s)
    return bool(predicate())


def write_config(folder: Path, broker: LocalBroker, extra: str = "") -> Path:
    """A minimal valid config pointing at ``broker``, with the store in ``folder``."""
    path = folder / "mcv.toml"
    path.write_text(
        '[vehicle]\nid = "test-1"\nname = "Test vehicle"\n\n'
        f'[broker]\nurl = "{broker.url}"\n\n'
        f'[store]\npath = "{folder / "mcv.sqlite3"}"\n{extra}'
    )
    return path


class Recorder:
    """A bus client that keeps every message it receives, for assertions (bus thread appends)."""

    def __init__(self, broker: LocalBroker, pattern: str = "#", client_id: str = "test-recorder") -> None:
        self.messages: list[tuple[str, bytes, bool]] = []
        self._lock = threading.Lock()
        self.bus = MqttBus(BusSettings(broker.host, broker.port, client_id), on_message=self._on_message)
        self.bus.subscribe(pattern)

    def _on_message(self, topic: str, payload: bytes, retained: bool) -> None:
        """Bus thread."""
        with self._lock:
            self.messages.append((topic, payload, retained))

    def on(self, topic: str) -> list[bytes]:
        with self._lock:
            return [payload for t, payload, _ in self.messages if t == topic]

    def __enter__(self) -> "Recorder":
        self.bus.start()
        assert self.bus.wait_connected(5)
        return self

    def __exit__(self, *exc) -> None:
        self.bus.stop()
