"""The uplink panel says how much the backhaul carries and how that is known: the gateway's
retained ``dispatch`` payloads, as a gateway publishes them on a real broker, read by a real
seat's bus client."""

from __future__ import annotations

import pytest
from support import retain

from console.bus_client import BusClient
from console.dispatch_actions import DispatchActions
from console.uplink_panel import UplinkPanel
from radios.bus import BusSettings
from radios.schema import DispatchState, Topics

TOPICS = Topics("test-1")


@pytest.fixture
def seat(broker, qtbot):
    bus = BusClient(BusSettings(broker.host, broker.port, "seat-capacity"), TOPICS, source="console@test")
    actions = DispatchActions(bus, lambda: "communications")
    panel = UplinkPanel(actions, lambda: [])
    qtbot.addWidget(panel)
    bus.start()
    try:
        yield panel
    finally:
        bus.stop()
        actions.deleteLater()


@pytest.mark.parametrize(("capacity", "source", "shown"), [
    (1800, "measured", "capacity 1.8 Mbit/s (measured)"),
    (2000, "configured", "capacity 2.0 Mbit/s (configured)"),
    (640, "measured", "capacity 640 kb/s (measured)"),
    (None, "", "capacity unknown"),
])
def test_the_capacity_and_how_it_is_known_are_shown(seat, broker, qtbot, capacity, source, shown):
    state = DispatchState.create("gateway", backhaul="up", budget_kbps=1260, capacity_kbps=capacity,
                                 capacity_source=source, target="srt://hq.example.org:8890")
    retain(broker, TOPICS.dispatch, state.encode(), client_id="gateway-under-test")
    qtbot.waitUntil(lambda: shown in seat.summary.text(), timeout=5000)
    assert "budget 1260 kb/s" in seat.summary.text()


@pytest.mark.parametrize("source", ["estimated", "MEASURED", 5, None, ["measured"]])
def test_a_capacity_source_no_gateway_sends_is_refused(source):
    from radios.payload import PayloadError

    with pytest.raises(PayloadError):
        DispatchState.create("gateway", backhaul="up", budget_kbps=1, capacity_source=source)
