"""Alarms on every seat: shown flashing, seen by a seat that opens late, gone everywhere once acknowledged."""

import pytest
from PySide6.QtCore import Qt
from support import RunningGateway, open_seat, wait_until

from radios.schema import Alarm


@pytest.fixture
def running(broker, tmp_path):
    with RunningGateway(broker, tmp_path) as gateway:
        yield gateway


def test_an_alarm_raised_before_a_seat_opens_waits_for_it_and_ack_clears_every_seat(running, qtbot):
    alarm = Alarm.create("bodycam-r2", alarm_kind="sos", text="Rescue 2 trapped by water", unit="r2")
    running.gateway.alarm_desk.raise_alarm(alarm)
    commander = open_seat(running.config, "commander", qtbot)
    comms = open_seat(running.config, "comms", qtbot)
    try:
        for console in (commander, comms):
            bar = console.window.alarm_bar
            qtbot.waitUntil(lambda: alarm.id in bar.open_alarms, timeout=5000)
            assert console.window.alarm_toolbar.isVisible()
            assert "Rescue 2 trapped by water" in bar.text.text() and "SOS" in bar.text.text()
        qtbot.mouseClick(commander.window.alarm_bar.acknowledge, Qt.LeftButton)
        for console in (commander, comms):
            qtbot.waitUntil(lambda: not console.window.alarm_toolbar.isVisible(), timeout=5000)
        assert running.store.alarms("acknowledged")[0].acknowledged_by == "commander"
        assert wait_until(lambda: any(e.text.startswith("Alarm acknowledged") and e.seat == "commander"
                                      for e in running.store.events_since(None)), 5)
    finally:
        commander.stop()
        comms.stop()


def test_the_oldest_alarm_is_shown_first_and_the_rest_are_counted(running, qtbot):
    console = open_seat(running.config, "drone", qtbot)
    try:
        qtbot.waitUntil(lambda: console.bus.state == "up", timeout=5000)
        raised = []
        with qtbot.waitSignal(console.window.alarm_bar.alarm_raised, timeout=5000):
            first = Alarm.create("drone-1", alarm_kind="battery", text="Drone 1 battery 9 %", unit="drone-1")
            running.gateway.alarm_desk.raise_alarm(first)
        console.window.alarm_bar.alarm_raised.connect(raised.append)
        running.gateway.alarm_desk.raise_alarm(Alarm.create("r3", alarm_kind="sos", text="Medic 1 SOS"))
        qtbot.waitUntil(lambda: len(raised) == 1, timeout=5000)
        bar = console.window.alarm_bar
        assert "Drone 1 battery 9 %" in bar.text.text() and "BATTERY" in bar.text.text()
        assert bar.more.text() == "+1 more"
    finally:
        console.stop()


def test_a_saved_seat_layout_cannot_hide_an_open_alarm(running, qtbot):
    console = open_seat(running.config, "commander", qtbot)
    try:
        window = console.window
        window.seat_actions["comms"].trigger()
        window.seat_actions["commander"].trigger()  # both layouts now saved with no alarm showing
        running.gateway.alarm_desk.raise_alarm(Alarm.create("r1", alarm_kind="sos", text="Rescue 1 SOS"))
        qtbot.waitUntil(lambda: window.alarm_toolbar.isVisible(), timeout=5000)
        window.seat_actions["comms"].trigger()
        assert window.alarm_toolbar.isVisible()
    finally:
        console.stop()
