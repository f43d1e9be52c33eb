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


class VirtualScreen:
    """An Xvfb display of its own for tests that need a real X server; stopped by its PID."""

    def __init__(self, size: str = "1600x900") -> None:
        self.size = size
        self.display = ""
        self._process = None

    def __enter__(self) -> "VirtualScreen":
        import shutil
        import subprocess

        if shutil.which("Xvfb") is None:
            pytest.fail("Xvfb is not installed: run installer/setup.sh --dev")
        number = next(n for n in range(150, 250) if not Path(f"/tmp/.X{n}-lock").exists())
        self.display = f":{number}"
        self._process = subprocess.Popen(["Xvfb", self.display, "-screen", "0", f"{self.size}x24", "-nolisten", "tcp"],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_until(lambda: Path(f"/tmp/.X11-unix/X{number}").exists(), 10):
            self.__exit__()
            pytest.fail(f"Xvfb did not start on {self.display}")
        return self

    def grab(self, path: Path) -> Path:
        import subprocess

        subprocess.run(["/usr/bin/import", "-display", self.display, "-window", "root", str(path)],
                       check=True, timeout=30)
        return path

    def __exit__(self, *exc) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
            self._process = None


def reap(process) -> None:
    """Kill ``process`` if it still runs, wait for it and close its pipes (no zombie, no open file)."""
    if process.poll() is None:
        process.kill()
    process.wait(5)
    for pipe in (process.stdin, process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()


def wait_for_line(stream, needle: str) -> str:
    """Read ``stream`` until a line contains ``needle``; fail if the stream ends first."""
    for line in stream:
        if needle in line:
            return line
    raise AssertionError(f"the process ended without saying {needle!r}")


class RunningGateway:
    """A gateway and its store in this process, on ``broker``, for tests that need one answering."""

    def __init__(self, broker: LocalBroker, folder: Path, extra: str = "") -> None:
        from radios.config import load_config
        from radios.gateway import Gateway
        from radios.store import Store

        self.config = load_config(write_config(folder, broker, extra))
        self.store = Store(self.config.store_path)
        self.gateway = Gateway(self.config, self.store)

    def __enter__(self) -> "RunningGateway":
        self.gateway.start()
        assert self.gateway.bus.wait_connected(5)
        return self

    def __exit__(self, *exc) -> None:
        self.gateway.stop()
        self.store.close()


def open_seat(config, seat: str, qtbot):
    """A seat's console as ``mcv console`` opens it (in English): built for ``config``, its window
    shown and given to ``qtbot`` (closed after the test), its bus started. The caller stops it."""
    from console.app import build_console  # only the console tests open a seat; the rest stay Qt-free

    console = build_console(config, seat, "en")
    qtbot.addWidget(console.window)
    console.window.show()
    console.bus.start()
    return console


def retain(broker: LocalBroker, topic: str, payload: bytes, client_id: str = "test-retainer") -> None:
    """Retain ``payload`` on ``topic`` from a plain paho client (as a gateway, old or new, would)."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
    client.connect(broker.host, broker.port)
    client.loop_start()
    try:
        client.publish(topic, payload, qos=1, retain=True).wait_for_publish(5)
    finally:
        client.loop_stop()
        client.disconnect()
