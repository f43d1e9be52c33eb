"""The console window against a real broker and gateway: seats, status, and the event log."""

import pytest
from PySide6.QtCore import Qt
from support import open_seat, wait_until, write_config

from console.app import build_console
from console.seats import SEAT_NAMES
from radios.config import load_config
from radios.gateway import Gateway
from radios.schema import Event
from radios.store import Store


@pytest.fixture
def system(broker, tmp_path, qtbot):
    config = load_config(write_config(tmp_path, broker))
    store = Store(config.store_path)
    gateway = Gateway(config, store)
    gateway.start()
    console = open_seat(config, "commander", qtbot)
    yield config, gateway, console
    console.stop()
    gateway.stop()
    store.close()


def test_an_entry_typed_in_the_log_reaches_the_store(system, qtbot):
    config, gateway, console = system
    qtbot.waitUntil(lambda: console.bus.state == "up", timeout=5000)
    panel = console.window.event_log
    qtbot.keyClicks(panel.entry, "Evacuation of Block 7 started ")
    panel.entry.insert("撤离开始")  # as an input method commits it; QTest types ASCII only
    qtbot.keyClick(panel.entry, Qt.Key_Return)
    assert panel.entry.text() == ""
    assert wait_until(lambda: any(e.text == "Evacuation of Block 7 started 撤离开始" and e.seat == "commander"
                                  for e in gateway.store.events_since(None)), 5)


def test_a_seat_opened_later_gets_the_history_and_shows_each_event_once(system, qtbot):
    config, gateway, console = system
    earlier = Event.create("console@other", category="order", text="Earlier order", seat="comms")
    gateway.store.add_event(earlier).result(5)
    late = build_console(config, "comms", "en")
    qtbot.addWidget(late.window)
    late.bus.start()
    try:
        model = late.window.event_log.model
        ids = lambda: [model.event_at(r).id for r in range(model.rowCount())]  # noqa: E731
        qtbot.waitUntil(lambda: earlier.id in ids(), timeout=5000)
        gateway.record(earlier)  # the same event again, live this time
        qtbot.wait(300)
        assert ids().count(earlier.id) == 1
    finally:
        late.stop()


def test_status_bar_shows_broker_gateway_and_backhaul(system, qtbot):
    config, gateway, console = system
    bar = console.window.statusBar()
    qtbot.waitUntil(lambda: "connected" in bar.broker.text(), timeout=5000)
    gateway.publish_status()
    qtbot.waitUntil(lambda: "online" in bar.gateway.text(), timeout=5000)
    qtbot.waitUntil(lambda: "no uplink configured" in bar.backhaul.text(), timeout=5000)
    assert "UTC" in bar.clock.text()


def test_units_and_links_come_from_the_bus(system, qtbot):
    config, gateway, console = system
    gateway.publish_status()
    qtbot.waitUntil(lambda: list(console.window.links.cards) == ["local-bus"], timeout=5000)
    from radios.schema import UnitState

    unit = UnitState.create("sim", uid="r9", unit_kind="responder", callsign="Rescue 9", lat=30.3, lon=120.1)
    gateway.bus.publish(gateway.topics.unit("r9"), unit.encode())
    qtbot.waitUntil(lambda: console.window.units.model.rowCount() == 1, timeout=5000)


def test_seats_switch_and_restore_their_layout(system, qtbot):
    config, gateway, console = system
    window = console.window
    for name in SEAT_NAMES:
        window.seat_actions[name].trigger()
        assert window.seat == name
        assert window.windowTitle().endswith("seat")
    window.seat_actions["drone"].trigger()
    assert window.docks["video"].isVisible() and not window.docks["links"].isVisible()
    window.docks["map"].hide()
    window.seat_actions["commander"].trigger()
    window.seat_actions["drone"].trigger()
    assert not window.docks["map"].isVisible(), "the drone seat's own layout was not restored"
    window.reset_layout()
    assert window.docks["map"].isVisible()


def test_help_lists_every_shortcut(system):
    rows = dict((what, keys) for keys, what in system[2].window.shortcut_rows())
    assert rows["Keyboard shortcuts"] == "F1"
    assert rows["Commander"] == "Ctrl+1"
    assert "New log entry" in rows


def test_empty_docks_say_what_is_missing(system):
    window = system[2].window
    assert "No map source configured" in window.units.map_view.notice


def test_theme_switches_between_night_and_day_and_is_remembered(system):
    window = system[2].window
    base = window.palette().color(window.backgroundRole()).lightness()
    window.toggle_theme()
    assert window.settings.value("theme") == "day"
    from PySide6.QtWidgets import QApplication

    assert QApplication.instance().palette().window().color().lightness() > base
    window.toggle_theme()
    assert window.settings.value("theme") == "night"
