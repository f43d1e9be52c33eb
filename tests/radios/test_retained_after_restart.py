"""After the broker restarts without persistence, a late seat still finds what the gateway retains.

A real mosquitto is stopped and started again on the same port while a gateway runs with
a MAVLink link (a pymavlink fake drone that announces its video, then falls silent) and a
CoT link (pytak sends an ATAK contact with ``__video``). A seat that subscribes only after
the restart must find the drone's and the TAK device's catalogue entries, their units,
the drone's telemetry and the links' states; a unit a seat published is not the
gateway's to restore.
"""

import sys
from pathlib import Path

from support import Recorder, RunningGateway, wait_until

sys.path.insert(0, str(Path(__file__).parent))  # the peers sit beside this file
from mavlink_peer import free_udp_port  # noqa: E402
from tak_peer import ATAK_SA, LOOPBACK, free_port, pytak_send  # noqa: E402

from radios.broker import LocalBroker  # noqa: E402
from radios.fake_drone import FakeDrone  # noqa: E402
from radios.schema import DroneTelemetry, StreamAnnouncement, UnitState, decode  # noqa: E402

TAK_UID = "ANDROID-359975090666199"


def test_announced_streams_units_and_links_are_retained_again_after_a_broker_restart(tmp_path):
    drone_port, cot_port = free_udp_port(), free_port()
    extra = (f'\n[[links]]\nid = "drones"\ntype = "mavlink"\nurl = "udpin:127.0.0.1:{drone_port}"\n'
             f'\n[[links]]\nid = "tak"\ntype = "cot"\nurl = "udp://{LOOPBACK}:{cot_port}?peer={LOOPBACK}:9"\n')
    broker = LocalBroker().start()
    try:
        with RunningGateway(broker, tmp_path, extra) as running:
            topics = running.gateway.topics
            drone = FakeDrone(drone_port, sysid=1, video_uri="rtsp://127.0.0.1:8554/drone-1").start()
            try:
                assert wait_until(lambda: 1 in running.gateway.drones.states()
                                  and running.gateway.drones.states()[1].stream_uri, 15)
                assert wait_until(lambda: any(topic == topics.video("drone-1")
                                              for topic, _ in running.gateway.drones.retained()), 5)
            finally:
                drone.stop()
            pytak_send(f"udp+wo://{LOOPBACK}:{cot_port}", [ATAK_SA])
            assert wait_until(lambda: running.gateway.tak.retained(), 10)
            with Recorder(broker, "none", "seat-publisher") as seat:
                seat_unit = UnitState.create("seat-commander", uid="medic-7", unit_kind="responder", callsign="Medic 7",
                                             lat=30.3, lon=120.2)
                seat.bus.publish(topics.unit("medic-7"), seat_unit.encode(), qos=1, retain=True).wait_for_publish(5)
            assert wait_until(lambda: any(u.uid == "medic-7" for u in running.store.units()), 5)
            with Recorder(broker, f"{topics.root}/#", "before-restart") as before:
                assert wait_until(lambda: before.on(topics.unit(TAK_UID)) and before.on(topics.unit("drone-1")), 10)

            port = broker.port
            broker.stop()   # mosquitto without persistence: every retained message is gone
            broker = LocalBroker(port=port).start()
            assert wait_until(lambda: running.gateway.bus.is_connected, 15)

            with Recorder(broker, f"{topics.root}/#", "late-seat") as late:
                wanted = [topics.video("drone-1"), topics.video(TAK_UID), topics.unit("drone-1"),
                          topics.unit(TAK_UID), topics.drone("drone-1"), topics.link("drones"), topics.link("tak")]
                assert wait_until(lambda: all(late.on(topic) for topic in wanted), 10), \
                    [topic for topic in wanted if not late.on(topic)]
                drone_video = decode(late.on(topics.video("drone-1"))[-1], StreamAnnouncement)
                tak_video = decode(late.on(topics.video(TAK_UID))[-1], StreamAnnouncement)
                assert (drone_video.url, drone_video.unit, drone_video.source) == \
                       ("rtsp://127.0.0.1:8554/drone-1", "drone-1", "mavlink")
                assert (tak_video.url, tak_video.unit) == ("rtsp://192.168.10.40:8554/alpha", TAK_UID)
                assert decode(late.on(topics.unit(TAK_UID))[-1], UnitState).callsign == "ALPHA-1"
                assert decode(late.on(topics.drone("drone-1"))[-1], DroneTelemetry).stream_uri
                assert not late.on(topics.unit("medic-7"))   # the seat's own unit is for the seat to restore
    finally:
        broker.stop()
