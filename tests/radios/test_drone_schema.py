"""The drone telemetry payload: round trip, topic, and hostile values rejected with a reason."""

import json

import pytest

from radios.schema import PAYLOAD_KINDS, DroneTelemetry, PayloadError, Topics, decode, utc_now


def telemetry(**fields):
    values = dict(uid="drone-3", sysid=3, armed=True, mode="AUTO", alt_rel=60.0, battery_voltage=15.8,
                  battery_percent=72.0, gps_fix=3, satellites=14, link_quality=98.5, stream_uri="rtsp://10.0.0.3/live",
                  last_heartbeat=utc_now())
    values.update(fields)
    return DroneTelemetry.create("gateway", **values)


def test_round_trip_and_kind():
    sent = telemetry(yaw=359.5, roll=-12.0)
    assert decode(sent.encode()) == sent
    assert decode(sent.encode(), DroneTelemetry) == sent
    assert PAYLOAD_KINDS["drone"] is DroneTelemetry
    assert json.loads(sent.encode())["kind"] == "drone"


def test_only_uid_and_sysid_are_required():
    bare = DroneTelemetry.create("gateway", uid="drone-9", sysid=9)
    assert decode(bare.encode()).battery_percent is None and not bare.lost


def test_drone_topic():
    assert Topics("mcv-1").drone("drone-3") == "mcv/v1/mcv-1/drone/drone-3"
    with pytest.raises(PayloadError, match="may not contain"):
        Topics("mcv-1").drone("drone/3")


@pytest.mark.parametrize("fields, reason", [
    ({"sysid": 0}, "system id"),
    ({"sysid": 256}, "system id"),
    ({"battery_percent": 101.0}, "battery_percent"),
    ({"link_quality": -1.0}, "link_quality"),
    ({"yaw": 360.0}, "yaw"),
    ({"gps_fix": 9}, "gps_fix"),
    ({"armed": "yes"}, "armed must be"),
    ({"sysid": True}, "true/false"),
    ({"last_heartbeat": "yesterday"}, "ISO 8601"),
    ({"uid": "a/b"}, "may not contain"),
])
def test_hostile_values_are_rejected(fields, reason):
    with pytest.raises(PayloadError, match=reason):
        telemetry(**fields)


def test_hostile_json_is_rejected():
    raw = json.loads(telemetry().encode())
    raw["battery_percent"] = float("nan")
    with pytest.raises(PayloadError, match="not a number"):
        decode(json.dumps(raw).encode())
    raw["battery_percent"], raw["extra"] = 50, 1
    with pytest.raises(PayloadError, match="unknown fields"):
        decode(json.dumps(raw).encode())
