"""MqttBus against a real mosquitto: publish, request/response, reconnect after a broker restart."""

import threading

from support import Recorder, wait_until

from radios.broker import LocalBroker
from radios.bus import BusSettings, MqttBus


def make_bus(broker, client_id, on_message=None, states=None):
    return MqttBus(BusSettings(broker.host, broker.port, client_id),
                   on_message=on_message or (lambda *a: None),
                   on_state=(lambda s, d: states.append(s)) if states is not None else None)


def test_publish_reaches_a_subscriber(broker):
    with Recorder(broker, "t/#") as recorder:
        bus = make_bus(broker, "pub")
        bus.start()
        try:
            assert bus.wait_connected(5)
            bus.publish("t/x", "水位".encode()).wait_for_publish(5)
            assert wait_until(lambda: recorder.on("t/x") == ["水位".encode()], 5)
        finally:
            bus.stop()


def test_publishing_from_many_threads_loses_nothing(broker):
    with Recorder(broker, "t/#") as recorder:
        bus = make_bus(broker, "pub")
        bus.start()
        assert bus.wait_connected(5)

        def burst(n):
            for i in range(200):
                bus.publish(f"t/{n}", str(i).encode())

        threads = [threading.Thread(target=burst, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        try:
            assert wait_until(lambda: len(recorder.messages) == 800, 10)
            for n in range(4):
                assert recorder.on(f"t/{n}") == [str(i).encode() for i in range(200)]
        finally:
            bus.stop()


def test_a_subscription_without_its_own_hears_everyone_else_even_after_a_reconnect():
    broker = LocalBroker().start()
    received = []
    bus = make_bus(broker, "gateway", on_message=lambda topic, payload, retained: received.append(payload))
    bus.subscribe("u/#", own=False)
    bus.subscribe("e/#")
    bus.start()
    try:
        assert bus.wait_connected(5)
        bus.subscribe("late/#", own=False)  # subscribed while connected, as the TAK bridge does for a new contact
        for round_ in range(2):  # the No Local option is sent again when the bus resubscribes
            assert bus.wait_connected(5)
            bus.publish("late/own", f"late own {round_}".encode()).wait_for_publish(5)
            bus.publish("u/own", f"own {round_}".encode()).wait_for_publish(5)
            bus.publish("e/own", f"event {round_}".encode()).wait_for_publish(5)
            with Recorder(broker, "none") as seat:
                seat.bus.publish("u/seat", f"seat {round_}".encode()).wait_for_publish(5)
            assert wait_until(lambda: f"seat {round_}".encode() in received and f"event {round_}".encode()
                              in received, 5)
            assert f"own {round_}".encode() not in received and f"late own {round_}".encode() not in received
            if round_ == 0:
                port = broker.port
                broker.stop()
                assert wait_until(lambda: not bus.is_connected, 5)
                broker = LocalBroker(port=port).start()
    finally:
        bus.stop()
        broker.stop()


def test_request_gets_the_servers_reply(broker):
    server = make_bus(broker, "server")
    server.serve("svc/echo", lambda raw: raw.upper())
    client = make_bus(broker, "client")
    server.start()
    client.start()
    try:
        assert server.wait_connected(5) and client.wait_connected(5)
        assert wait_until(lambda: client.request_sync("svc/echo", b"ping", 2.0) == b"PING", 10)
    finally:
        client.stop()
        server.stop()


def test_a_request_naming_a_response_topic_outside_the_reply_tree_gets_no_answer(broker):
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    server = make_bus(broker, "server")
    server.serve("cmd/echo", lambda request: b"answer:" + request)
    server.start()
    asker = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="asker", protocol=mqtt.MQTTv5)
    try:
        assert server.wait_connected(5)
        with Recorder(broker, "#") as watcher:
            asker.connect(broker.host, broker.port)
            asker.loop_start()
            for topic in ("mcv/v1/cmd-1/alarm/forged", "mcv/reply/asker"):
                props = Properties(PacketTypes.PUBLISH)
                props.ResponseTopic, props.CorrelationData = topic, b"1"
                asker.publish("cmd/echo", topic.encode(), qos=1, properties=props).wait_for_publish(5)
            assert wait_until(lambda: watcher.on("mcv/reply/asker") == [b"answer:mcv/reply/asker"], 5)
            assert watcher.on("mcv/v1/cmd-1/alarm/forged") == []
    finally:
        asker.loop_stop()
        asker.disconnect()
        server.stop()


def test_request_without_a_server_times_out_with_none(broker):
    client = make_bus(broker, "client")
    client.start()
    try:
        assert client.wait_connected(5)
        assert client.request_sync("svc/nobody", b"ping", 0.3) is None
    finally:
        client.stop()


def test_reconnects_and_resubscribes_after_the_broker_restarts():
    broker = LocalBroker().start()
    received, states = [], []
    bus = make_bus(broker, "sub", on_message=lambda topic, payload, retained: received.append(payload), states=states)
    bus.subscribe("t/#")
    bus.start()
    try:
        assert bus.wait_connected(5)
        port = broker.port
        broker.stop()
        assert wait_until(lambda: not bus.is_connected, 5)
        assert "down" in states
        broker = LocalBroker(port=port).start()
        assert wait_until(lambda: bus.is_connected, 10)
        with Recorder(broker, "none") as other:
            other.bus.publish("t/again", b"back").wait_for_publish(5)
        assert wait_until(lambda: b"back" in received, 5)
    finally:
        bus.stop()
        broker.stop()


def test_unreachable_broker_reports_down_and_stays_stoppable():
    states = []
    bus = MqttBus(BusSettings("127.0.0.1", 9, "nobody"), on_message=lambda *a: None,
                  on_state=lambda s, d: states.append((s, d)))
    bus.start()
    assert wait_until(lambda: any(s == "down" for s, _ in states), 5)
    bus.stop()
    assert not bus.is_connected
    assert any("cannot reach broker" in d for _, d in states)


def test_settings_repr_hides_the_password():
    settings = BusSettings("h", 1, "c", username="u", password="hunter2")
    assert "hunter2" not in repr(settings)


def test_a_full_outgoing_queue_is_counted_and_logged_not_silent(caplog):
    from radios.bus import MAX_QUEUED_MESSAGES

    bus = MqttBus(BusSettings("127.0.0.1", 9, "full"), on_message=lambda *a: None)  # never connects
    try:
        for i in range(MAX_QUEUED_MESSAGES + 3):
            bus.publish("t/x", b"x")
        assert bus.dropped == 3
        assert "outgoing queue full" in caplog.text
    finally:
        bus.stop()
