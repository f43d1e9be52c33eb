"""Each seat's real window under Xvfb, saved as PNG and checked to show something.

Set MCV_SHOT_DIR to keep the pictures (they go to the test's temporary folder otherwise).
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from support import Recorder, VirtualScreen, reap, wait_for_line, write_config

from console.seats import SEAT_NAMES
from radios.config import load_config
from radios.gateway import Gateway
from radios.schema import Event, UnitState
from radios.store import Store

pytestmark = pytest.mark.xvfb


def distinct_colours(path: Path, step: int = 8) -> int:
    image = QImage(str(path))
    assert not image.isNull(), f"{path} is not an image"
    return len({image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)})


@pytest.fixture
def field(broker, tmp_path):
    config = load_config(write_config(tmp_path, broker))
    store = Store(config.store_path)
    gateway = Gateway(config, store)
    gateway.start()
    assert gateway.bus.wait_connected(5)
    with Recorder(broker, "none") as source:
        for n, name in enumerate(("Rescue 1", "Medic 1", "Pump team")):
            unit = UnitState.create("test", uid=f"u{n}", unit_kind="responder", callsign=name,
                                    lat=30.31 + n / 1000, lon=120.16, heading=90.0, speed=1.5)
            source.bus.publish(gateway.topics.unit(f"u{n}"), unit.encode(), retain=True).wait_for_publish(5)
    gateway.record(Event.create("test", category="situation", text="Water 0.4 m at Gongchen Bridge underpass"))
    gateway.publish_status()
    yield config
    gateway.stop()
    store.close()


@pytest.mark.parametrize("seat", SEAT_NAMES)
def test_seat_window_is_not_blank(field, seat, tmp_path):
    shots = Path(os.environ.get("MCV_SHOT_DIR", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with VirtualScreen() as screen:
        env = {**os.environ, "DISPLAY": screen.display, "QT_QPA_PLATFORM": "xcb"}
        console = subprocess.Popen([sys.executable, "-m", "console", "console", "--config", str(field.path),
                                    "--seat", seat, "--lang", "en"], env=env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            wait_for_line(console.stderr, "local bus up")
            subprocess.run(["sleep", "2"])  # let history and retained state arrive and paint
            shot = screen.grab(shots / f"seat-{seat}.png")
            console.send_signal(signal.SIGTERM)
            assert console.wait(10) == 0
        finally:
            reap(console)
    assert distinct_colours(shot) > 12, f"{shot} looks blank"
