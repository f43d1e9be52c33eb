"""``mcv demo``: runs the demo field with consoles, or headless with a summary of what the store saw."""

from __future__ import annotations

import dataclasses
import signal
import threading
from datetime import datetime
from pathlib import Path

from console.demo_field import DemoField
from radios.config import Config, default_data_dir
from radios.demo_scenario import ScenarioTimeline


STORE_SETTLE_S = 10.0


def new_run_dir() -> Path:
    return default_data_dir() / "demo" / datetime.now().strftime("%Y%m%d-%H%M%S-%f")


def run_demo(base_config: Config, *, headless: bool, duration_s: float | None, seats: int = 1,
             lang: str | None = None, timeline: ScenarioTimeline | None = None) -> int:
    """Run the demo until the window closes, Ctrl+C, or ``duration_s`` passes."""
    field = DemoField(base_config, new_run_dir(), timeline, duration_s)
    stop = threading.Event()
    previous = {signum: signal.signal(signum, lambda *_: stop.set()) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        config = field.start(say=lambda text: print(f"mcv demo: {text}", flush=True))
        if headless:
            print(f"mcv demo: running headless for {duration_s or 0:g} s", flush=True)
            stop.wait(duration_s or 0)
        else:
            # The run's config is the field's; how this console draws video is still the caller's.
            _run_consoles(dataclasses.replace(config, video=base_config.video), seats, lang, duration_s)
        if field.field is not None:
            field.field.stop()
            field.wait_stored(STORE_SETTLE_S)  # the gateway stores what the broker acknowledged before it stops
        field.stop()
        if headless:
            summary = field.summary()
            scenario = field.scenario_report()
            for line in summary.lines() + (scenario.lines() if scenario else []):
                print(f"mcv demo: {line}", flush=True)
            scenario_ok = scenario is None or (scenario.outage_ok and scenario.sos_ok and scenario.nothing_lost)
            return 0 if summary.nothing_lost and summary.units > 0 and summary.events > 0 and scenario_ok else 1
        return 0
    finally:
        field.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _run_consoles(config: Config, seats: int, lang: str | None, duration_s: float | None) -> None:
    from PySide6.QtCore import QTimer

    from console.app import application, build_console
    from console.quit_signals import quit_on_signals
    from console.seats import SEAT_NAMES
    from console.video_renderer import open_renderer

    application()
    renderer = open_renderer(config.video)  # one per process, shared by the seats
    consoles = [build_console(config, seat, lang, renderer) for seat in SEAT_NAMES[:max(1, min(seats, 3))]]
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
        renderer.close()
