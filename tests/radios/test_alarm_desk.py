"""The gateway's alarm desk against a real broker: raised, kept, shown to late seats, acknowledged once."""

from support import Recorder, RunningGateway, wait_until

from radios.broker import LocalBroker
from radios.schema import Alarm, AlarmAck, decode


def sos(text="SOS from Rescue 2", **fields):
    return Alarm.create("bodycam-r2", alarm_kind="sos", text=text, unit="r2", lat=30.32, lon=120.16, **fields)


def test_a_raised_alarm_is_stored_logged_and_retained_for_seats_that_open_later(broker, tmp_path):
    alarm = sos()
    with RunningGateway(broker, tmp_path) as running:
        topics = running.gateway.topics
        with Recorder(broker, "none") as device:
            device.bus.publish(topics.sos, alarm.encode()).wait_for_publish(5)
            device.bus.publish(topics.sos, alarm.encode()).wait_for_publish(5)  # a resend: same id
        assert wait_until(lambda: [a.id for a in running.store.alarms()] == [alarm.id], 5)
        assert wait_until(lambda: any(e.severity == "alarm" and "SOS from Rescue 2" in e.text
                                      for e in running.store.events_since(None)), 5)
        with Recorder(broker, topics.all_alarms, "late-seat") as late:
            assert wait_until(lambda: late.on(topics.alarm(alarm.id)), 5)
            assert decode(late.on(topics.alarm(alarm.id))[-1], Alarm).state == "active"
        assert len([e for e in running.store.events_since(None) if e.severity == "alarm"]) == 1


def test_acknowledgement_is_stored_logged_and_only_the_first_counts(broker, tmp_path):
    alarm = sos()
    with RunningGateway(broker, tmp_path) as running:
        topics = running.gateway.topics
        running.gateway.alarm_desk.raise_alarm(alarm)
        with Recorder(broker, topics.all_alarms, "seats") as seats:
            first = seats.bus.request_sync(topics.command("alarm_ack"),
                                           AlarmAck.create("c1", alarm=alarm.id, seat="commander").encode(), 5)
            second = seats.bus.request_sync(topics.command("alarm_ack"),
                                            AlarmAck.create("c2", alarm=alarm.id, seat="comms").encode(), 5)
            assert decode(first, Alarm).acknowledged_by == "commander"
            assert decode(second, Alarm).acknowledged_by == "commander"
            assert wait_until(lambda: decode(seats.on(topics.alarm(alarm.id))[-1], Alarm).state == "acknowledged", 5)
        assert running.store.alarms() == []
        assert running.store.alarms("acknowledged")[0].acknowledged_by == "commander"
        acks = [e for e in running.store.events_since(None) if e.text.startswith("Alarm acknowledged")]
        assert len(acks) == 1 and acks[0].seat == "commander"


def test_open_alarms_are_shown_again_after_the_broker_restarts(tmp_path):
    broker = LocalBroker().start()
    alarm = sos()
    try:
        with RunningGateway(broker, tmp_path) as running:
            running.gateway.alarm_desk.raise_alarm(alarm)
            port = broker.port
            broker.stop()  # a broker without persistence forgets its retained messages
            broker = LocalBroker(port=port).start()
            assert running.gateway.bus.wait_connected(1) or wait_until(lambda: running.gateway.bus.is_connected, 15)
            with Recorder(broker, running.gateway.topics.all_alarms, "after-restart") as seat:
                assert wait_until(lambda: seat.on(running.gateway.topics.alarm(alarm.id)), 10)
    finally:
        broker.stop()


def test_bad_alarms_are_counted_and_dropped(broker, tmp_path):
    with RunningGateway(broker, tmp_path) as running:
        topics = running.gateway.topics
        with Recorder(broker, "none") as device:
            device.bus.publish(topics.sos, b"<sos/>").wait_for_publish(5)
            device.bus.publish(topics.sos, sos(state="acknowledged").encode()).wait_for_publish(5)
            good = sos("SOS after garbage")
            device.bus.publish(topics.sos, good.encode()).wait_for_publish(5)
        assert wait_until(lambda: [a.id for a in running.store.alarms()] == [good.id], 5)
        assert running.gateway.bad_input.count(topics.sos) == 2
