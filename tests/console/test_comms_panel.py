"""The comms seat's panel: a card per link from real gateway reports, rate plots, the backhaul card,
the raw traffic monitor, and an honest empty state."""

from collections import deque

import pytest
from PySide6.QtCore import QObject, Signal
from support import RunningGateway, wait_until

from console.bus_client import BusClient
from console.link_cards import LinkCardWidget
from console.link_history import RateHistory
from console.links_panel import LinksPanel
from console.traffic_monitor import traffic_line
from radios.bus_settings import BusSettings
from radios.schema import LinkState, Topics


class FakeBus(QObject):
    link_changed = Signal(object)
    backhaul_changed = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.traffic = deque(maxlen=200)


def report(link: str = "radio-1", **fields) -> LinkState:
    return LinkState.create("gateway", link=link, link_type=fields.pop("link_type", "serial"),
                            state=fields.pop("state", "up"), **fields)


def test_rates_come_from_counter_differences_and_survive_a_gateway_restart():
    history = RateHistory(history_s=600)
    history.add(1000.0, 100)
    history.add(1000.2, 150)   # too soon after the last: folded into the next sample
    history.add(1001.0, 160)
    history.add(1003.0, 260)
    assert history.series() == ([1001.0, 1003.0], [60.0, 50.0])
    history.add(1004.0, 5)     # counters went back: a new baseline, not a negative rate
    history.add(1005.0, 25)
    assert history.latest == 20.0
    history.add(1700.0, 30)    # ten minutes on, the old samples are gone
    assert history.series()[0] == [1700.0]


def test_empty_state_until_a_link_reports(qtbot):
    bus = FakeBus()
    panel = LinksPanel(bus)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.empty.isVisible() and not panel.cards and panel.backhaul is None
    assert panel.monitor.view.toPlainText() == "" and panel.monitor.view.placeholderText()
    bus.link_changed.emit(report(detail="/dev/ttyUSB0 open", messages_in=3))
    assert not panel.empty.isVisible() and list(panel.cards) == ["radio-1"]


def test_a_card_reads_at_a_glance_and_plots_the_rate(qtbot):
    card = LinkCardWidget("radio-1")
    qtbot.addWidget(card)
    card.show_state(report(messages_in=100, errors=2, detail="ok"), now=1_800_000_000.0)
    card.show_state(report(messages_in=130, messages_out=10, errors=2, detail="ok",
                           last_seen="2027-01-15T08:00:00.000Z"), now=1_800_000_002.0)
    assert card.title.text() == "radio-1 · serial" and card.state_label.text() == "up"
    assert "in 130 · out 10 · errors 2 · 20.0/s" in card.counters.text()
    assert "last seen 0:02 ago" in card.counters.text()
    xs, ys = card.curve.getData()
    assert list(xs) == [1_800_000_002.0] and list(ys) == [20.0]
    assert not card.extra.isVisibleTo(card)  # this link measures neither signal nor round trip
    card.show_state(report(state="down", detail="/dev/ttyUSB0 vanished"), now=1_800_000_003.0)
    assert card.state_label.text() == "down" and "#e5484d" in card.styleSheet()
    assert "last seen never" in card.counters.text()
    card.show_state(report(link_type="modem", signal=3, rtt_ms=812.4), now=1_800_000_004.0)
    assert card.extra.isVisibleTo(card) and card.extra.text() == "signal 3 · round trip 812 ms"


def test_cards_backhaul_and_traffic_from_a_real_gateway(broker, tmp_path, qtbot):
    topics = Topics("test-1")
    with RunningGateway(broker, tmp_path) as running:
        client = BusClient(BusSettings(broker.host, broker.port, "comms-seat"), topics, "console@test")
        panel = LinksPanel(client)
        qtbot.addWidget(panel)
        panel.show()
        client.start()
        try:
            qtbot.waitUntil(lambda: "local-bus" in panel.cards, timeout=5000)
            qtbot.waitUntil(lambda: panel.backhaul is not None, timeout=5000)
            assert not panel.empty.isVisible()
            card = panel.cards["local-bus"]
            assert card.state_label.text() == "up" and "local broker" in card.detail.text()
            assert panel.backhaul.state_label.text() == "not configured"
            assert wait_until(lambda: running.gateway.bus.is_connected, 5)
            running.gateway.publish_status()  # a second report, a second later, gives a rate
            qtbot.wait(600)
            running.gateway.publish_status()
            qtbot.waitUntil(lambda: len(card.curve.getData()[0] or []) >= 1, timeout=5000)
            panel._on_timer_tick()
            assert "mcv/v1/test-1/link/local-bus" in panel.monitor.view.toPlainText()
            shown = panel.monitor.view.toPlainText()
            panel.monitor.pause.click()
            assert panel.monitor.pause.text() == "Resume"
            running.gateway.publish_status()
            qtbot.waitUntil(lambda: len(client.traffic) > shown.count("\n") + 1, timeout=5000)
            panel._on_timer_tick()
            assert panel.monitor.view.toPlainText() == shown  # paused: the text stands still
            panel.monitor.pause.click()
            assert panel.monitor.view.toPlainText() != shown and panel.monitor.pause.text() == "Pause"
        finally:
            client.stop()


@pytest.mark.parametrize("entry, text", [
    ((0.0, "mcv/v1/x/unit/r1", 212), "mcv/v1/x/unit/r1  212 B"),
])
def test_traffic_lines_name_topic_and_size(entry, text):
    assert traffic_line(entry).endswith(text)
