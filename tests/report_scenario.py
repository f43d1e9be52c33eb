"""A recorded incident written through the real ``Store``, for the report and export tests.

Two hours on 1 May 2024 (06:00 to 08:00 UTC): a Chinese situation entry and its
correction, a radio link and the backhaul going down and up, an SOS raised and
acknowledged, two units with tracks, a message, items waiting for HQ, and entries
carrying hostile text, plus entries just outside the window that must not show.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from radios.schema import Alarm, Event, UnitState
from radios.store import Store

VEHICLE_ID = "rescue-7"
VEHICLE_NAME = "Rescue 7 指挥车"
WINDOW = ("2024-05-01T06:00:00Z", "2024-05-01T08:00:00Z")
CHINESE = "洪水水位上涨，东门封闭"
CORRECTION = "更正：北门封闭，东门可通行"
HOSTILE = '</td></table><script>alert("x")</script> & <b>bold</b>\x01\x0b end'
FORMULA = '=HYPERLINK("http://example.invalid","click")'
HOSTILE_CALLSIGN = 'Drone <1> & "x"\x07'
RESPONDER_POINTS = 10
DRONE_POINTS = 6
EVENTS_IN_WINDOW = 11


@dataclass(frozen=True)
class Scenario:
    store_path: Path
    chinese_id: str
    correction_id: str
    alarm_id: str


def _event(n: int, ts: str, text: str, **fields) -> Event:
    fields.setdefault("src", "gateway")
    fields.setdefault("category", "system")
    return Event(id=f"event-{n:04d}", ts=ts, text=text, **fields)


def _position(uid: str, n: int, ts: str, callsign: str, kind: str, lat: float, lon: float,
              alt: float | None) -> UnitState:
    return UnitState(id=f"{uid}-pos-{n:04d}", ts=ts, src="gateway", uid=uid, unit_kind=kind, callsign=callsign,
                     lat=lat, lon=lon, alt=alt)


def record_scenario(folder: Path) -> Scenario:
    """Write the incident into a new store in ``folder`` and close it."""
    path = folder / "mcv.sqlite3"
    alarm = Alarm(id="alarm-sos-0001", ts="2024-05-01T06:40:00Z", src="tak-peer", alarm_kind="sos",
                  text="SOS 被困人员 3 名", unit="r1", lat=30.2741, lon=120.1551)
    events = [
        _event(1, "2024-05-01T05:59:59.000Z", "before the window"),
        _event(2, "2024-05-01T06:00:00.000Z", "Gateway 1.0 started"),
        _event(3, "2024-05-01T06:05:00.000Z", CHINESE, category="situation", seat="commander", src="console"),
        _event(4, "2024-05-01T06:10:00.000Z", "Link radio-1 down: no data for 30 s", category="link",
               severity="warning"),
        _event(5, "2024-05-01T06:12:00.000Z", "Link radio-1 up: NMEA again", category="link"),
        _event(6, "2024-05-01T06:20:00.000Z", "Backhaul to HQ down: timeout; reports are queued", category="link",
               severity="warning", src="gateway/uplink"),
        _event(7, "2024-05-01T06:35:00.000Z", "Backhaul to HQ restored after 15 min; 12 queued items are being sent",
               category="link", src="gateway/uplink"),
        _event(8, "2024-05-01T06:40:00.000Z", "SOS: SOS 被困人员 3 名", category="alarm", severity="alarm",
               unit="r1", lat=30.2741, lon=120.1551),
        _event(9, "2024-05-01T06:42:30.000Z", "Alarm acknowledged: SOS 被困人员 3 名", category="alarm",
               seat="commander", unit="r1"),
        _event(10, "2024-05-01T06:50:00.000Z", HOSTILE, category="note", seat="comms", src="console"),
        _event(11, "2024-05-01T06:55:00.000Z", CORRECTION, category="situation", seat="commander", src="console",
               corrects="event-0003"),
        _event(12, "2024-05-01T07:00:00.000Z", FORMULA, category="note", seat="comms", src="console"),
        _event(13, "2024-05-01T08:00:00.001Z", "after the window"),
    ]
    with Store(path) as store:
        receipts = [store.add_event(e) for e in events]
        receipts.append(store.add_unit_state(_position("r1", 0, "2024-05-01T05:30:00Z", "救援一组", "responder",
                                                       30.25, 120.15, None)))
        for n in range(RESPONDER_POINTS):
            receipts.append(store.add_unit_state(_position(
                "r1", n + 1, f"2024-05-01T06:{n * 5:02d}:00Z", "救援一组", "responder",
                30.2700 + n * 0.0005, 120.1500 + n * 0.0006, 12.0 + n)))
        for n in range(DRONE_POINTS):
            receipts.append(store.add_unit_state(_position(
                "d1", n, f"2024-05-01T07:{n * 2:02d}:30Z", HOSTILE_CALLSIGN, "drone",
                30.2750 - n * 0.0008, 120.1530 + n * 0.0002, 80.5)))
        receipts.append(store.add_alarm(alarm))
        receipts.append(store.add_message("msg-0001", "2024-05-01T06:44:00Z", "commander", "r1",
                                          "撤离到北门 / fall back to the north gate", "delivered"))
        receipts.append(store.outbox_put("outbox-0001", 3, "mcv/v1/rescue-7/unit/r1", b"{}"))
        receipts.append(store.outbox_put("outbox-0002", 0, "mcv/v1/rescue-7/alarm/a", b"{}"))
        for receipt in receipts:
            assert receipt.result(timeout=10)
        acknowledged = dataclasses.replace(alarm, state="acknowledged", acknowledged_by="commander",
                                           acknowledged_at="2024-05-01T06:42:30Z")
        assert store.settle_alarm(acknowledged).result(timeout=10)
    return Scenario(path, chinese_id="event-0003", correction_id="event-0011", alarm_id=alarm.id)


def write_scenario_config(folder: Path, store_path: Path) -> Path:
    """A config naming the scenario's vehicle and store (no broker: reports read the store)."""
    path = folder / "mcv.toml"
    path.write_text(f'[vehicle]\nid = "{VEHICLE_ID}"\nname = "{VEHICLE_NAME}"\n\n[store]\npath = "{store_path}"\n',
                    encoding="utf-8")
    return path
