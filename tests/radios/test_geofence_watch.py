"""Geofence watch in a running gateway: real broker, units crossing into a keep-out zone, events and alarms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import Recorder, RunningGateway, wait_until, write_config

from radios.schema import Topics, UnitState

pytestmark = pytest.mark.broker

# A 200 m square near Gongchen Bridge; 0.001° of longitude is about 96 m here, of latitude 111 m.
WEST, SOUTH, EAST, NORTH = 120.160, 30.320, 120.162, 30.3218
ZONE = [[WEST, SOUTH], [EAST, SOUTH], [EAST, NORTH], [WEST, NORTH], [WEST, SOUTH]]
INSIDE = (30.321, 120.161)
OUTSIDE = (30.321, 120.158)  # about 190 m west of the zone


def overlay(folder: Path, rule: str = "keep_out") -> str:
    document = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ZONE]},
        "properties": {"name": "Flooded underpass", "kind": "risk_zone", "geofence": rule}}]}
    (folder / "zones.geojson").write_text(json.dumps(document))
    return '\n[[map.overlays]]\nid = "zones"\npath = "zones.geojson"\nname = "Flood zones"\n'


class OverlayGateway(RunningGateway):
    """A ``RunningGateway`` whose config carries extra sections (the overlays)."""

    def __init__(self, broker, folder: Path, extra: str) -> None:
        from radios.config import load_config
        from radios.gateway import Gateway
        from radios.store import Store

        self.config = load_config(write_config(folder, broker, extra))
        self.store = Store(self.config.store_path)
        self.gateway = Gateway(self.config, self.store)


def report(recorder: Recorder, uid: str, position: tuple[float, float], retain: bool = True) -> None:
    state = UnitState.create(f"bodycam-{uid}", uid=uid, unit_kind="responder", callsign=f"Rescue {uid}",
                             lat=position[0], lon=position[1])
    recorder.bus.publish(Topics("test-1").unit(uid), state.encode(), retain=retain).wait_for_publish(5)


def geofence_events(store):
    return [e for e in store.events_since(None) if e.category == "geofence" and e.unit]


def test_unit_entering_a_keep_out_zone_is_logged_and_raises_an_alarm(broker, tmp_path):
    with OverlayGateway(broker, tmp_path, overlay(tmp_path)) as running, Recorder(broker) as field:
        store = running.store
        assert wait_until(lambda: any("Watching 1 geofence" in e.text for e in store.events_since(None)))
        report(field, "r1", OUTSIDE)
        assert wait_until(lambda: store.count("units") == 1)
        assert geofence_events(store) == [] and store.alarms("active") == []
        report(field, "r1", INSIDE)
        assert wait_until(lambda: len(store.alarms("active")) == 1)
        [alarm] = store.alarms("active")
        assert alarm.alarm_kind == "geofence" and alarm.unit == "r1" and "Flooded underpass" in alarm.text
        [entered] = geofence_events(store)
        assert entered.severity == "warning" and "entered keep-out zone Flooded underpass" in entered.text
        assert wait_until(lambda: field.on("mcv/v1/test-1/alarm/" + alarm.id))  # every seat sees it
        report(field, "r1", INSIDE)  # still inside: nothing new
        report(field, "r1", OUTSIDE)
        assert wait_until(lambda: len(geofence_events(store)) == 2)
        left = geofence_events(store)[1]
        assert left.severity == "info" and "left" in left.text and len(store.alarms("active")) == 1


def test_retained_positions_seed_and_keep_in_breach_is_a_warning(broker, tmp_path):
    with Recorder(broker, client_id="early-field") as field:
        report(field, "r2", INSIDE)  # retained before the gateway starts: known, not a new entry
    with OverlayGateway(broker, tmp_path, overlay(tmp_path, "keep_in")) as running, Recorder(broker) as field:
        store = running.store
        assert wait_until(lambda: store.count("units") == 1)
        report(field, "r2", OUTSIDE)
        assert wait_until(lambda: len(geofence_events(store)) == 1)
        [left] = geofence_events(store)
        assert left.severity == "warning" and "left keep-in zone" in left.text
        assert store.alarms("active") == []  # keep-in breaches are logged, not alarms


def test_an_unreadable_overlay_is_logged_and_the_gateway_runs_on(broker, tmp_path):
    (tmp_path / "evil.kml").write_text('<!DOCTYPE kml [<!ENTITY x SYSTEM "file:///etc/passwd">]><kml>&x;</kml>')
    extra = '\n[[map.overlays]]\nid = "evil"\npath = "evil.kml"\n'
    with OverlayGateway(broker, tmp_path, extra) as running, Recorder(broker) as field:
        store = running.store
        assert wait_until(lambda: any("Overlay evil is not watched" in e.text for e in store.events_since(None)))
        report(field, "r3", INSIDE, retain=False)
        assert wait_until(lambda: store.count("units") == 1)
        assert geofence_events(store) == []


def test_the_demo_overlay_is_configured_and_rescue_1_walks_through_its_keep_out_zone(tmp_path):
    from console.demo_field import DEMO_OVERLAYS, demo_config_text
    from maps.geofence import GeofenceMonitor, zones_of
    from maps.overlays import load_overlay
    from radios.config import load_config
    from radios.field_sim import DEMO_CENTRE, RESPONDERS

    path = tmp_path / "mcv.toml"
    path.write_text(demo_config_text("mqtt://127.0.0.1:1883", tmp_path / "s.sqlite3"))
    [configured] = load_config(path).map.overlays
    assert configured.path == DEMO_OVERLAYS
    monitor = GeofenceMonitor(zones_of(load_overlay(DEMO_OVERLAYS)))
    crossings = {uid: [] for uid, _, _ in RESPONDERS}
    for second in range(300):  # a whole lap of every loop
        for uid, _, loop in RESPONDERS:
            lat, lon, _, _ = loop.position(DEMO_CENTRE, float(second))
            crossings[uid] += [(c.entered, second) for c in monitor.update(uid, lon, lat)]
    assert [entered for entered, _ in crossings["r1"][:2]] == [True, False]
    assert crossings["r1"][0][1] > 0  # Rescue 1 starts outside and walks in, seconds into the demo
    assert all(not found for uid, found in crossings.items() if uid != "r1")
