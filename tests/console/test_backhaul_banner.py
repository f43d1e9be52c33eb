"""The backhaul banner: shown while HQ is unreachable or the backlog drains, hidden otherwise."""

import threading
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMainWindow
from support import open_seat, write_config

from console.backhaul_banner import format_duration, install_backhaul_banner
from radios.broker import LocalBroker, free_port
from radios.schema import BackhaulState, format_ts


class FakeBus(QObject):
    backhaul_changed = Signal(object)


@pytest.fixture
def window(qtbot):
    bus = FakeBus()
    host = QMainWindow()
    qtbot.addWidget(host)
    banner = install_backhaul_banner(host, bus)
    host.show()
    return bus, host, banner


def state(kind: str, ago_s: float = 0, **fields) -> BackhaulState:
    since = format_ts(datetime.now(timezone.utc) - timedelta(seconds=ago_s))
    return BackhaulState.create("gateway", state=kind, since=since, **fields)


def test_durations_read_the_same_in_every_language():
    assert [format_duration(s) for s in (0, 5, 65, 3725, -3)] == ["0:00", "0:05", "1:05", "1:02:05", "0:00"]


def test_shown_while_down_with_a_ticking_duration_and_the_backlog(window, qtbot):
    bus, host, banner = window
    toolbar = banner.parentWidget()
    assert not toolbar.isVisible()
    bus.backhaul_changed.emit(state("not_configured"))
    assert not toolbar.isVisible()
    bus.backhaul_changed.emit(state("down", ago_s=65, backlog=312, detail="cannot reach HQ",
                                    backlog_by_priority=[["alarm", 2], ["position", 310]]))
    assert toolbar.isVisible() and banner.isVisible()
    assert "DOWN for 1:05" in banner.text.text()
    assert banner.backlog.text() == "Queued: alarms 2 · positions 310"
    assert banner.toolTip() == "cannot reach HQ" and not banner.progress.isVisible()
    qtbot.waitUntil(lambda: "DOWN for 1:06" in banner.text.text(), timeout=2500)


def test_shows_progress_while_draining_and_hides_when_drained(window):
    bus, host, banner = window
    toolbar = banner.parentWidget()
    bus.backhaul_changed.emit(state("up", backlog=300, delivered=100, draining=True,
                                    backlog_by_priority=[["event", 300]]))
    assert toolbar.isVisible() and banner.progress.isVisible()
    assert (banner.progress.value(), banner.progress.maximum()) == (100, 400)
    assert "100 of 400" in banner.text.text()
    bus.backhaul_changed.emit(state("up", backlog=0, delivered=400, draining=False))
    assert not toolbar.isVisible()
    bus.backhaul_changed.emit(state("up", backlog=3, delivered=5, draining=False))  # live traffic in flight
    assert not toolbar.isVisible()


def test_every_seat_sees_the_banner_while_hq_is_away(broker, tmp_path, qtbot):
    from radios.config import load_config
    from radios.gateway import Gateway
    from radios.store import Store

    hq_port = free_port()
    config = load_config(write_config(tmp_path, broker, f'\n[uplink]\nurl = "mqtt://127.0.0.1:{hq_port}"\n'))
    store = Store(config.store_path)
    gateway = Gateway(config, store)
    gateway.start()
    stop_heartbeat = threading.Event()
    heartbeat = threading.Thread(target=gateway.run_until, args=(stop_heartbeat,), name="heartbeat")
    heartbeat.start()
    console = open_seat(config, "comms", qtbot)
    try:
        banner = console.window.backhaul_banner
        qtbot.waitUntil(lambda: banner.parentWidget().isVisible(), timeout=5000)
        assert "DOWN" in banner.text.text()
        console.window.apply_seat("commander")  # a restored seat layout keeps it on screen
        assert banner.parentWidget().isVisible()
        with LocalBroker(port=hq_port):
            qtbot.waitUntil(lambda: not banner.parentWidget().isVisible(), timeout=8000)
            assert gateway.uplink.is_up
    finally:
        stop_heartbeat.set()
        heartbeat.join()
        console.stop()
        gateway.stop()
        store.close()
