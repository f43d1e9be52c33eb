"""``mcv demo``: a broker, a gateway, a simulated field and a console, started and stopped together.

Every simulated source speaks the real protocol to the real code path. The demo
writes its own config into a fresh run folder, so the gateway starts exactly as on a
vehicle (``mcv gateway --config F``), as a child process stopped by its PID.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from radios.broker import LocalBroker, broker_answers
from radios.bus import BusSettings, MqttBus
from radios.config import Config, default_data_dir, load_config
from radios.field_sim import SimulatedResponders
from radios.schema import GatewayStatus, PayloadError, Topics, decode
from radios.store import Store

DEMO_VEHICLE = "demo-1"
GATEWAY_READY_TIMEOUT_S = 15.0


@dataclass
class DemoSummary:
    """What the store saw in a headless run."""

    units: int
    positions: int
    events: int
    reports_acknowledged: int

    @property
    def nothing_lost(self) -> bool:
        return self.positions >= self.reports_acknowledged

    def lines(self) -> list[str]:
        return [
            f"units seen:            {self.units}",
            f"positions stored:      {self.positions}",
            f"events stored:         {self.events}",
            f"reports acknowledged:  {self.reports_acknowledged} by the broker, "
            + ("all stored" if self.nothing_lost else f"{self.reports_acknowledged - self.positions} MISSING"),
        ]


def demo_config_text(broker_url: str, store_path: Path) -> str:
    """The run's config file; JSON string quoting is valid TOML basic-string quoting."""
    return (
        "# Written by mcv demo for this run.\n"
        f'[vehicle]\nid = "{DEMO_VEHICLE}"\nname = "Demo vehicle"\n\n'
        f"[broker]\nurl = {json.dumps(broker_url)}\n\n"
        f"[store]\npath = {json.dumps(str(store_path))}\n"
    )


class DemoField:
    """Owns every process and thread the demo starts; ``stop`` ends them all."""

    def __init__(self, base_config: Config, run_dir: Path) -> None:
        self.base_config = base_config
        self.run_dir = run_dir
        self.broker: LocalBroker | None = None
        self.gateway: subprocess.Popen | None = None
        self.field: SimulatedResponders | None = None
        self._bus: MqttBus | None = None
        self.config: Config | None = None

    def start(self, say=print) -> Config:
        """Start broker (when none answers), gateway and field; returns the run's config."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        broker_url = self._broker_url(say)
        config_path = self.run_dir / "mcv.toml"
        config_path.write_text(demo_config_text(broker_url, self.run_dir / "mcv.sqlite3"))
        self.config = load_config(config_path)
        say(f"starting gateway (store {self.config.store_path})")
        self.gateway = subprocess.Popen(
            [sys.executable, "-m", "console", "gateway", "--config", str(config_path)],
            stdin=subprocess.DEVNULL, stdout=open(self.run_dir / "gateway.log", "wb"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        say("starting simulated field: 4 responders reporting over MQTT")
        topics = Topics(self.config.vehicle.id)
        gateway_online = threading.Event()

        def on_message(topic: str, payload: bytes, retained: bool) -> None:
            """Bus thread: the field waits for the gateway before it reports."""
            try:
                gateway_online.set() if decode(payload, GatewayStatus).state == "online" else None
            except PayloadError:
                pass

        self._bus = MqttBus(BusSettings.from_broker(self.config.broker, "mcv-demo-field"), on_message=on_message)
        self._bus.subscribe(topics.gateway)
        self._bus.start()
        if not gateway_online.wait(GATEWAY_READY_TIMEOUT_S):
            raise RuntimeError(f"the gateway did not come online within {GATEWAY_READY_TIMEOUT_S:.0f} s; "
                               f"see {self.run_dir / 'gateway.log'}")
        self.field = SimulatedResponders(self._bus, topics)
        self.field.start()
        return self.config

    def _broker_url(self, say) -> str:
        configured = self.base_config.broker
        if configured.url and broker_answers(configured.host, configured.port):
            say(f"using the configured broker at {configured.host}:{configured.port}")
            return configured.url
        self.broker = LocalBroker().start()
        say(f"started mosquitto on {self.broker.host}:{self.broker.port} (pid {self.broker.pid})")
        return self.broker.url

    def stop(self) -> None:
        """Stop field, gateway and broker, in that order; safe to call twice."""
        if self.field is not None:
            self.field.stop()
        if self._bus is not None:
            self._bus.stop()
            self._bus = None
        gateway, self.gateway = self.gateway, None
        if gateway is not None and gateway.poll() is None:
            gateway.send_signal(signal.SIGTERM)
            try:
                gateway.wait(10)
            except subprocess.TimeoutExpired:
                gateway.kill()
                gateway.wait(5)
        if gateway is not None and gateway.stdout:
            gateway.stdout.close()
        if self.broker is not None:
            self.broker.stop()
            self.broker = None

    def summary(self) -> DemoSummary:
        """Read the store once the gateway has stopped."""
        store = Store(self.config.store_path)
        try:
            return DemoSummary(units=store.count("units"), positions=store.count("positions"),
                               events=store.count("events"),
                               reports_acknowledged=self.field.acknowledged if self.field else 0)
        finally:
            store.close()


def new_run_dir() -> Path:
    return default_data_dir() / "demo" / datetime.now().strftime("%Y%m%d-%H%M%S-%f")


def run_demo(base_config: Config, *, headless: bool, duration_s: float | None, seats: int = 1,
             lang: str | None = None) -> int:
    """Run the demo until the window closes, Ctrl+C, or ``duration_s`` passes."""
    field = DemoField(base_config, new_run_dir())
    stop = threading.Event()
    previous = {signum: signal.signal(signum, lambda *_: stop.set()) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        config = field.start(say=lambda text: print(f"mcv demo: {text}", flush=True))
        if headless:
            print(f"mcv demo: running headless for {duration_s or 0:g} s", flush=True)
            stop.wait(duration_s or 0)
        else:
            _run_consoles(config, seats, lang, duration_s)
        if field.field is not None:
            field.field.stop()
            time.sleep(0.5)  # let the last acknowledgements arrive
        field.stop()
        if headless:
            summary = field.summary()
            for line in summary.lines():
                print(f"mcv demo: {line}", flush=True)
            return 0 if summary.nothing_lost and summary.units > 0 and summary.events > 0 else 1
        return 0
    finally:
        field.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _run_consoles(config: Config, seats: int, lang: str | None, duration_s: float | None) -> None:
    from PySide6.QtCore import QTimer

    from console.app import build_console, quit_on_signals
    from console.seats import SEAT_NAMES

    consoles = [build_console(config, seat, lang) for seat in SEAT_NAMES[:max(1, min(seats, 3))]]
    app = consoles[0].app
    for console in consoles:
        console.window.show()
        console.bus.start()
        console.window.destroyed.connect(app.quit)
    app.setQuitOnLastWindowClosed(True)
    poll = quit_on_signals(app)
    if duration_s:
        QTimer.singleShot(int(duration_s * 1000), app.quit)
    try:
        app.exec()
    finally:
        poll.stop()
        for console in consoles:
            console.stop()
