"""The gateway's alarm desk: every alarm is kept, shown on every seat until a person acknowledges it.

Any source raises an alarm by publishing an ``Alarm`` on ``sos`` (field devices over
MQTT, and the gateway's own links through ``raise_alarm``). The desk stores it, logs
it, and keeps its state retained on ``alarm/{id}``; after every reconnect it publishes
all open alarms again, so a broker restart or a seat opened later never loses one.
"""

from __future__ import annotations

import dataclasses
import logging

from radios.desk import GatewayDesk
from radios.schema import Alarm, AlarmAck, Event, PayloadError, decode, utc_now

log = logging.getLogger(__name__)

SRC = "gateway"
STORE_TIMEOUT_S = 10.0


class AlarmDesk(GatewayDesk):
    """Raises, keeps and settles alarms for the gateway; bus callbacks run on the bus thread."""

    def start(self) -> None:
        """Subscribe to raised alarms and answer acknowledgements (before the bus starts)."""
        self.bus.subscribe(self.topics.sos, qos=1)
        self.bus.serve(self.topics.command("alarm_ack"), self._answer_ack)

    def republish_open(self) -> None:
        """Retain every open alarm again: after a reconnect, the broker may have lost them."""
        for alarm in self.store.alarms("active"):
            self._show(alarm)

    def raise_alarm(self, alarm: Alarm) -> bool:
        """Keep, log and show one alarm (any thread); False if it was raised before."""
        if not self.store.add_alarm(alarm).result(timeout=STORE_TIMEOUT_S):
            return False
        log.warning("alarm %s from %s: %s", alarm.alarm_kind, alarm.src, alarm.text)
        self.record(Event.create(SRC, category="alarm", severity="alarm", unit=alarm.unit,
                                 lat=alarm.lat, lon=alarm.lon, text=f"{alarm.alarm_kind.upper()}: {alarm.text}"))
        self._show(alarm)
        return True

    def on_sos(self, payload: bytes) -> None:
        """Bus thread: an alarm raised by a field device or another seat."""
        try:
            alarm = decode(payload, Alarm)
        except PayloadError as exc:
            self.bad_input.reject(self.topics.sos, str(exc))
            return
        if alarm.state != "active":
            self.bad_input.reject(self.topics.sos, "only active alarms may be raised")
            return
        self.raise_alarm(alarm)

    def _answer_ack(self, raw: bytes) -> bytes:
        """Bus thread: a seat acknowledges an alarm; the answer is the alarm as it now stands."""
        try:
            ack = decode(raw, AlarmAck)
        except PayloadError as exc:
            self.bad_input.reject("cmd/alarm_ack", str(exc))
            return b"{}"
        open_alarm = next((a for a in self.store.alarms("active") if a.id == ack.alarm), None)
        if open_alarm is None:
            settled = next((a for a in self.store.alarms(None) if a.id == ack.alarm), None)
            return settled.encode() if settled else b"{}"
        settled = dataclasses.replace(open_alarm, state="acknowledged", acknowledged_by=ack.seat,
                                      acknowledged_at=utc_now())
        if not self.store.settle_alarm(settled).result(timeout=STORE_TIMEOUT_S):
            return self._answer_ack(raw)  # another seat acknowledged it first: answer with theirs
        self.record(Event.create(SRC, category="alarm", seat=ack.seat, unit=settled.unit,
                                 text=f"Alarm acknowledged: {settled.text}"))
        self._show(settled)
        return settled.encode()

    def _show(self, alarm: Alarm) -> None:
        self.bus.publish(self.topics.alarm(alarm.id), alarm.encode(), qos=1, retain=True)
