"""Orders from HQ over a real backhaul: two mosquittos, and a socat hop between them that is cut and restored.

HQ publishes an order while the vehicle's uplink is cut; once the link is back the
order arrives once (HQ's persistent session held it), is stored and shown to every
seat, and the commander's read receipt reaches HQ's acks topic.
"""

import sys
from pathlib import Path

from support import Recorder, wait_until, write_config

sys.path.insert(0, str(Path(__file__).parent))  # uplink_peers.py sits beside this file
from uplink_peers import HqConsumer  # noqa: E402

from radios.bus import BusSettings, MqttBus  # noqa: E402
from radios.config import load_config  # noqa: E402
from radios.gateway import Gateway  # noqa: E402
from radios.schema import Message, MessageReceipt, decode  # noqa: E402
from radios.store import Store  # noqa: E402


def hq_order(text="Move the vehicle to the Gongchen Bridge staging area"):
    return Message.create("hq-duty-officer", to="test-1", text=text, category="order", via="hq")


def test_an_order_sent_during_an_outage_arrives_once_and_its_read_receipt_reaches_hq(broker, hq, backhaul, tmp_path):
    config = load_config(write_config(tmp_path, broker, f'\n[uplink]\nurl = "mqtt://127.0.0.1:{backhaul.port}"\n'))
    store = Store(config.store_path)
    gateway = Gateway(config, store)
    topics = gateway.topics
    order = hq_order()
    hq_desk = MqttBus(BusSettings(hq.host, hq.port, "hq-orders-desk", persistent_session=True),
                      on_message=lambda *message: None)
    with HqConsumer(hq, f"{topics.root}/#", "hq-consumer") as consumer, \
            Recorder(broker, f"{topics.root}/message/+", "seat") as seat:
        hq_desk.start()
        gateway.start()
        try:
            assert hq_desk.wait_connected(5)
            assert wait_until(lambda: gateway.uplink.is_up, 5)
            backhaul.cut()
            assert wait_until(lambda: not gateway.uplink.is_up, 5)
            for _ in range(2):  # HQ sends it, and sends it again: the same id
                hq_desk.publish(topics.hq_orders, order.encode(), qos=1).wait_for_publish(5)
            assert store.message(order.id) is None
            backhaul.restore()
            assert wait_until(lambda: store.message(order.id) is not None, 10)
            kept = store.message(order.id)
            assert (kept.via, kept.state, kept.category, kept.text) == ("hq", "delivered", "order", order.text)
            assert wait_until(lambda: seat.on(topics.message_state(order.id)), 5)
            assert decode(seat.on(topics.message_state(order.id))[-1], Message).via == "hq"
            read = MessageReceipt.create("console@seat1", message=order.id, state="read", by="commander")
            seat.bus.publish(topics.message_receipts, read.encode()).wait_for_publish(5)
            assert wait_until(lambda: any(t == topics.hq_acks for t, _ in consumer.raw), 10)
            acks = [decode(p, MessageReceipt) for t, p in consumer.raw if t == topics.hq_acks]
            assert [(a.message, a.state, a.by) for a in acks] == [(order.id, "read", "commander")]
            assert wait_until(lambda: decode(seat.on(topics.message_state(order.id))[-1], Message).state == "read", 5)
        finally:
            gateway.stop()
            hq_desk.stop()
    assert [m.id for m in store.messages()] == [order.id]
    texts = [e.text for e in store.events_since(None)]
    assert sum(t.startswith("Order from HQ:") for t in texts) == 1
    assert sum(t.startswith("Order from HQ read by commander") for t in texts) == 1
    store.close()


def test_a_seats_order_goes_to_hq_at_order_priority_and_bad_orders_from_hq_are_counted(broker, hq, backhaul,
                                                                                         tmp_path):
    config = load_config(write_config(tmp_path, broker, f'\n[uplink]\nurl = "mqtt://127.0.0.1:{backhaul.port}"\n'))
    store = Store(config.store_path)
    gateway = Gateway(config, store)
    topics = gateway.topics
    mine = Message.create("console@seat1", to="r1", text="Report status", category="order", seat="commander")
    hq_desk = MqttBus(BusSettings(hq.host, hq.port, "hq-orders-desk-2"), on_message=lambda *message: None)
    with HqConsumer(hq, f"{topics.root}/message/+", "hq-consumer-2") as consumer, \
            Recorder(broker, "none", "seat-2") as seat:
        hq_desk.start()
        gateway.start()
        try:
            assert hq_desk.wait_connected(5) and wait_until(lambda: gateway.uplink.is_up, 5)
            for raw in (b"\x00\x01", b'{"kind":"alarm"}', b"[]"):
                hq_desk.publish(topics.hq_orders, raw, qos=1).wait_for_publish(5)
            assert wait_until(lambda: gateway.bad_input.count(topics.hq_orders) == 3, 5)
            assert gateway.uplink.is_up  # garbage from HQ does not take the backhaul down
            assert decode(seat.bus.request_sync(topics.command("message"), mine.encode(), 5), Message).state == "sent"
            assert wait_until(lambda: mine.id in consumer.delivered, 5)
            assert (topics.message_state(mine.id), mine.id) in [(t, decode(p, Message).id) for t, p in consumer.raw]
        finally:
            gateway.stop()
            hq_desk.stop()
            store.close()
