"""The demo's fake TAK team against a real gateway's CoT link on loopback UDP and a real mosquitto."""

import socket

from support import Recorder, RunningGateway, wait_until

from radios.broker import free_port
from radios.cot import parse
from radios.fake_drone import DEMO_CENTRE
from radios.fake_tak import PARTNER_TEAM, FakeTakPeer
from radios.schema import UnitState, decode
from radios.tak_bridge import unit_uid


def test_the_team_walks_near_the_centre_and_each_event_is_a_contact():
    peer = FakeTakPeer(9, send_every_s=1.0)
    try:
        first, later = peer.events(0.0), peer.events(30.0)
    finally:
        peer.stop()
    for raw, moved in zip(first, later):
        event, after = parse(raw), parse(moved)
        assert event.is_contact and event.callsign.startswith("SAR-")
        assert abs(event.lat - DEMO_CENTRE[0]) < 0.01 and abs(event.lon - DEMO_CENTRE[1]) < 0.01
        assert (event.lat, event.lon) != (after.lat, after.lon) and 0 <= after.course < 360


def test_the_team_appears_as_tak_units_and_hears_our_sa(broker, tmp_path):
    link_port = free_port(kind=socket.SOCK_DGRAM)
    peer = FakeTakPeer(link_port, send_every_s=0.3)
    extra = (f'\n[[links]]\nid = "tak"\ntype = "cot"\n'
             f'url = "udp://127.0.0.1:{link_port}?peer=127.0.0.1:{peer.listen_port}&send_every=0.2"\n')
    try:
        with RunningGateway(broker, tmp_path, extra) as running:
            topics = running.gateway.topics
            assert wait_until(lambda: running.gateway.links["tak"].is_open, 5)
            with Recorder(broker, f"{topics.root}/unit/+", client_id="tak-seat") as seat:
                peer.start()
                uids = [unit_uid(contact.uid) for contact in PARTNER_TEAM]
                assert wait_until(lambda: all(seat.on(topics.unit(uid)) for uid in uids), 10)
                units = [decode(seat.on(topics.unit(uid))[-1], UnitState) for uid in uids]
                ours = UnitState.create("bodycam-r1", uid="r1", unit_kind="responder", callsign="Rescue 1",
                                        lat=DEMO_CENTRE[0], lon=DEMO_CENTRE[1])
                seat.bus.publish(topics.unit("r1"), ours.encode(), qos=1, retain=True)
                assert wait_until(lambda: peer.heard > 0, 5)   # our responder went out to the team as CoT
    finally:
        peer.stop()
    assert {(u.unit_kind, u.callsign) for u in units} == {("tak", c.callsign) for c in PARTNER_TEAM}
