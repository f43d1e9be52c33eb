"""Orders and messages through a real broker and gateway: stored, delivered, receipted, shown to every seat."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import Recorder, RunningGateway, wait_until

from radios.field_inbox import ResponderInbox
from radios.schema import Message, MessageReceipt, PayloadError, Topics, decode
from radios.store import Store

TOPICS = Topics("test-1")


def order(text="Evacuate block 7", to="r1", **fields):
    return Message.create("console@seat1", to=to, text=text, category="order", seat="commander", **fields)


def receipt(message_id, state, by="r1"):
    return MessageReceipt.create(f"bodycam-{by}", message=message_id, state=state, by=by)


def states_on(recorder, topic):
    return [decode(raw, Message).state for raw in recorder.on(topic)]


def test_a_seats_order_is_stored_delivered_and_its_receipts_retained_for_every_seat(broker, tmp_path):
    sent = order(template="evacuate")
    with RunningGateway(broker, tmp_path) as running:
        topics = running.gateway.topics
        with Recorder(broker, topics.message("r1"), "device-r1") as device:
            reply = device.bus.request_sync(topics.command("message"), sent.encode(), 5)
            answered = decode(reply, Message)
            assert (answered.id, answered.state, answered.template) == (sent.id, "sent", "evacuate")
            assert wait_until(lambda: device.on(topics.message("r1")), 5)
            delivered = decode(device.on(topics.message("r1"))[0], Message)
            assert (delivered.id, delivered.text, delivered.category) == (sent.id, "Evacuate block 7", "order")
            for state in ("delivered", "read", "delivered"):  # a late "delivered" must not undo "read"
                device.bus.publish(topics.message_receipts, receipt(sent.id, state).encode()).wait_for_publish(5)
        assert wait_until(lambda: running.store.message(sent.id).state == "read", 5)
        with Recorder(broker, f"{topics.root}/message/+", "late-seat") as late:
            assert wait_until(lambda: states_on(late, topics.message_state(sent.id)) == ["read"], 5)
            assert decode(late.on(topics.message_state(sent.id))[0], Message).by == "r1"
        assert [m.id for m in running.store.messages()] == [sent.id]
        logged = [e for e in running.store.events_since(None) if e.category == "order"]
        assert len(logged) == 1 and logged[0].seat == "commander" and "Evacuate block 7" in logged[0].text


def test_a_resent_order_is_kept_once_and_answered_with_its_state(broker, tmp_path):
    sent = order("Hold position", to="group:responders")
    with RunningGateway(broker, tmp_path) as running:
        topics = running.gateway.topics
        with Recorder(broker, f"{topics.root}/msg/#", "devices") as devices:
            first = decode(devices.bus.request_sync(topics.command("message"), sent.encode(), 5), Message)
            second = decode(devices.bus.request_sync(topics.command("message"), sent.encode(), 5), Message)
            assert first.state == second.state == "sent"
            assert wait_until(lambda: devices.on(topics.message("group:responders")), 5)
            assert len(devices.on(topics.message("group:responders"))) == 1
        assert running.store.count("messages") == 1


def test_hostile_messages_and_receipts_are_counted_and_dropped(broker, tmp_path):
    with RunningGateway(broker, tmp_path) as running:
        topics = running.gateway.topics
        bad = running.gateway.bad_input
        good = order("Report status")
        with Recorder(broker, "none", "hostile") as peer:
            for raw in (b"\xff\xfe", b"[1,2]", b'{"kind":"message"}', order(via="cot").encode(),
                        json.dumps({**order().to_dict(), "to": "a/b"}).encode(),
                        json.dumps({**order().to_dict(), "to": "receipt"}).encode()):
                assert peer.bus.request_sync(topics.command("message"), raw, 5) == b"{}"
            assert decode(peer.bus.request_sync(topics.command("message"), good.encode(), 5), Message).state == "sent"
            for raw in (b"not json", receipt(good.id, "read").encode().replace(b'"read"', b'"lost"'),
                        receipt("no-such-message", "read").encode(),
                        json.dumps({**receipt(good.id, "read").to_dict(), "extra": 1}).encode()):
                peer.bus.publish(topics.message_receipts, raw).wait_for_publish(5)
            peer.bus.publish(topics.message_receipts, receipt(good.id, "delivered").encode()).wait_for_publish(5)
        assert wait_until(lambda: running.store.message(good.id).state == "delivered", 5)
        assert wait_until(lambda: bad.count(topics.message_receipts) == 4, 5)
        assert bad.count("cmd/message") == 6
        assert running.store.count("messages") == 1


def test_message_state_only_moves_forward_and_old_rows_stay_readable(tmp_path):
    with Store(tmp_path / "s.sqlite3") as store:
        assert store.add_message("legacy01", "2026-11-29T10:00:00.000Z", "seat", "u1", "old row").result(timeout=5)
        m = order()
        assert store.add_message_payload(m).result(timeout=5)
        assert not store.add_message_payload(m).result(timeout=5)
        steps = [("sent", True), ("queued", False), ("failed", True), ("sent", False), ("read", True),
                 ("delivered", False), ("failed", False), ("read", False)]
        for state, moves in steps:
            assert store.message_state(m.id, state, "r1").result(timeout=5) is moves, state
        assert store.message_state("legacy01", "read").result(timeout=5) is False
        assert store.message_state("nobody00", "read").result(timeout=5) is False
        kept = store.message(m.id)
        assert (kept.state, kept.by, kept.text) == ("read", "r1", m.text) and kept.updated
        assert [x.id for x in store.messages()] == [m.id]
        assert store.message("legacy01") is None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=300),
                 st.dictionaries(st.sampled_from(["kind", "id", "ts", "src", "to", "text", "state", "via", "message",
                                                  "by", "category", "reply_to", "x"]),
                                 st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=70),
                                           st.sampled_from(["message", "message_receipt", "read", "all", "hq"])),
                                 max_size=12).map(lambda d: json.dumps(d).encode())))
def test_decoding_any_bytes_as_a_message_or_receipt_gives_a_payload_or_a_payload_error(raw):
    for kind in (Message, MessageReceipt):
        try:
            item = decode(raw, kind)
        except PayloadError:
            continue
        assert decode(item.encode(), kind) == item


def test_the_simulated_inbox_answers_its_devices_and_counts_garbage():
    published = []
    inbox = ResponderInbox(lambda topic, payload: published.append((topic, payload)), TOPICS, ["r1", "r2"],
                           read_after_s=0.05)
    inbox.start()
    try:
        assert inbox.on_message(TOPICS.message("r1"), order(to="r1").encode())
        assert inbox.on_message(TOPICS.message("all"), order(to="all").encode())
        assert not inbox.on_message(TOPICS.message("r9"), order(to="r9").encode())
        assert not inbox.on_message(TOPICS.message("r1"), order(to="r2").encode())  # topic and payload disagree
        assert not inbox.on_message(TOPICS.message("r1"), b"\x00garbage")
        assert not inbox.on_message(TOPICS.message_receipts, receipt("m1234567", "read").encode())
        assert wait_until(lambda: len(published) == 6, 5)
    finally:
        inbox.stop()
    receipts = [decode(payload, MessageReceipt) for _, payload in published]
    assert {topic for topic, _ in published} == {TOPICS.message_receipts}
    assert sorted((r.by, r.state) for r in receipts) == sorted(
        [("r1", "delivered"), ("r1", "read")] * 2 + [("r2", "delivered"), ("r2", "read")])
    assert inbox.bad_input.count() == 2


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["r1", "all", "group:responders", "receipt", "r9"]), st.binary(max_size=200))
def test_the_simulated_inbox_drops_hostile_bytes_without_answering(to, raw):
    published = []
    inbox = ResponderInbox(lambda topic, payload: published.append(topic), TOPICS, ["r1"], read_after_s=0)
    inbox.on_message(f"{TOPICS.root}/msg/{to}", raw)
    inbox.on_message("elsewhere/msg/r1", raw)
    assert published == []  # nothing is sent before start(); hostile input schedules nothing
    assert inbox._due == [] or decode(raw, Message).to == to


def test_the_demo_responders_answer_a_group_order_delivered_then_read(broker, tmp_path):
    from radios.bus import BusSettings, MqttBus
    from radios.field_sim import SimulatedResponders

    with RunningGateway(broker, tmp_path) as running:
        topics = running.gateway.topics
        field_bus = MqttBus(BusSettings(broker.host, broker.port, "demo-field"),
                            on_message=lambda *message: field.on_bus_message(*message))
        field = SimulatedResponders(field_bus, topics, period_s=60, sos_after_s=3600)
        field.inbox.read_after_s = 0.2
        field.start()  # subscribes before the bus connects: "connected" then means subscribed too
        field_bus.start()
        try:
            assert field_bus.wait_connected(5)
            sent = running.gateway.message_desk.send(order("Return to vehicle", to="group:responders"))
            assert sent.state == "sent"
            assert wait_until(lambda: running.store.message(sent.id).state == "read", 5)
        finally:
            field.stop()
            field_bus.stop()
