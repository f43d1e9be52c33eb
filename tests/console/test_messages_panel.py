"""The messages panel against a real broker, gateway and simulated responder: orders out, states back, HQ's orders read."""

import pytest
from PySide6.QtCore import Qt
from support import RunningGateway, wait_until

from console.bus_client import BusClient
from console.messages_panel import MessagesPanel, quick_replies, state_label, templates
from radios.bus import BusSettings, MqttBus
from radios.field_inbox import ResponderInbox
from radios.schema import Message, UnitState


@pytest.fixture
def running(broker, tmp_path):
    with RunningGateway(broker, tmp_path) as gateway:
        yield gateway


@pytest.fixture
def responder(running, broker):
    """Rescue 1's body camera: reports its position and answers messages, delivered then read."""
    topics = running.gateway.topics
    bus = MqttBus(BusSettings(broker.host, broker.port, "bodycam-r1"), on_message=lambda *m: inbox.on_message(*m))
    inbox = ResponderInbox(lambda topic, payload: bus.publish(topic, payload, qos=1), topics, ["r1"],
                           read_after_s=0.3)
    for pattern in inbox.topics_to_watch():
        bus.subscribe(pattern, qos=1)
    inbox.start()
    bus.start()
    assert bus.wait_connected(5)
    state = UnitState.create("bodycam-r1", uid="r1", unit_kind="responder", callsign="Rescue 1", lat=30.32, lon=120.16)
    bus.publish(topics.unit("r1"), state.encode(), retain=True).wait_for_publish(5)
    yield inbox
    bus.stop()
    inbox.stop()


@pytest.fixture
def panel(running, broker, qtbot):
    bus = BusClient(BusSettings(broker.host, broker.port, "seat-under-test"), running.gateway.topics,
                    source="console@test")
    widget = MessagesPanel(bus, lambda: "commander")
    qtbot.addWidget(widget)
    widget.show()
    bus.start()
    qtbot.waitUntil(lambda: bus.state == "up", timeout=5000)
    yield widget
    bus.stop()


def test_an_order_from_the_panel_goes_queued_sent_delivered_read(running, responder, panel, qtbot):
    states = []
    panel.state_changed.connect(lambda message_id, state: states.append(state))
    qtbot.waitUntil(lambda: panel.choose_recipient("r1"), timeout=5000)
    evacuate = next(i for i in range(panel.template_picker.count())
                    if (panel.template_picker.itemData(i) or ("",))[0] == "evacuate")
    panel.template_picker.activated.emit(evacuate)
    assert panel.text.text() == "Evacuate block ?" and panel.text.selectedText() == "?"
    qtbot.keyClicks(panel.text, "7")
    qtbot.mouseClick(panel.send_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: states[-1:] == ["read"], timeout=5000)
    assert states == ["queued", "sent", "delivered", "read"]
    (sent,) = panel.messages.values()
    assert (sent.to, sent.text, sent.category, sent.template, sent.seat, sent.by) == (
        "r1", "Evacuate block 7", "order", "evacuate", "commander", "r1")
    row = panel.list.topLevelItem(0)
    assert row.text(3) == state_label("read") and row.text(4) == "MQTT" and row.text(1) == "Rescue 1"
    assert running.store.message(sent.id).state == "read"


def test_an_order_from_hq_is_highlighted_until_read_and_a_quick_reply_goes_to_hq(running, panel, qtbot):
    order = Message.create("hq-duty-officer", to="test-1", text="Send a drone over the north bank", category="order")
    running.gateway.message_desk.on_hq_order(order.encode())  # as the uplink hands it over
    qtbot.waitUntil(lambda: order.id in panel.messages, timeout=5000)
    assert [m.id for m in panel.unread_inbound()] == [order.id]
    row = panel.list.topLevelItem(0)
    assert row.font(2).bold() and row.text(1) == "from HQ"
    assert not panel.mark_read_button.isEnabled()
    panel.list.setCurrentItem(row)
    assert panel.mark_read_button.isEnabled()
    will_comply = panel.reply_buttons[quick_replies().index("Will comply")]
    qtbot.mouseClick(will_comply, Qt.LeftButton)
    qtbot.waitUntil(lambda: not panel.unread_inbound(), timeout=5000)
    assert not panel.list.topLevelItem(1).font(2).bold()
    assert wait_until(lambda: running.store.message(order.id).state == "read", 5)
    assert running.store.message(order.id).by == "commander"
    replies = [m for m in running.store.messages() if m.reply_to == order.id]
    assert [(m.to, m.text) for m in replies] == [("hq", "Will comply")]


def test_templates_and_states_are_labelled_for_people():
    assert [t[0] for t in templates()] == ["evacuate", "report_status", "return", "hold"]
    assert all(label != state for state in ("queued", "sent", "delivered", "read", "failed")
               for label in [state_label(state)])


def test_an_order_to_a_group_shows_who_has_read_it_and_who_only_has_it(running, broker, panel, qtbot):
    topics = running.gateway.topics
    buses, inboxes = [], []
    for uid, read_after_s in (("r1", 0.2), ("r2", 0.2), ("r3", 600.0)):  # Rescue 3 has it, has not read it
        bus = MqttBus(BusSettings(broker.host, broker.port, f"bodycam-{uid}"),
                      on_message=lambda *m, n=len(inboxes): inboxes[n].on_message(*m))
        inbox = ResponderInbox(lambda topic, payload, bus=bus: bus.publish(topic, payload, qos=1), topics, [uid],
                               read_after_s=read_after_s)
        inboxes.append(inbox)
        for pattern in inbox.topics_to_watch():
            bus.subscribe(pattern, qos=1)
        inbox.start()
        bus.start()
        assert bus.wait_connected(5)
        buses.append(bus)
    try:
        qtbot.waitUntil(lambda: panel.choose_recipient("group:responders"), timeout=5000)
        panel.text.setText("Move to the shelter on the north bank")
        qtbot.mouseClick(panel.send_button, Qt.LeftButton)
        expected = [["r1", "read"], ["r2", "read"], ["r3", "delivered"]]
        qtbot.waitUntil(lambda: [sorted(m.receipts) for m in panel.messages.values()] == [expected], timeout=8000)
        (sent,) = panel.messages.values()
        assert sent.state == "read"
        row = panel.list.topLevelItem(0)
        assert row.text(3) == f"{state_label('read')} · 2 read, 1 delivered only"
        assert "Read by: r1, r2" in row.toolTip(3) and "not yet read: r3" in row.toolTip(3)
        assert sorted(running.store.message(sent.id).receipts) == sorted(sent.receipts)  # kept by the gateway
    finally:
        for bus, inbox in zip(buses, inboxes):
            bus.stop()
            inbox.stop()
