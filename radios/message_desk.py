"""The gateway's message desk: orders and messages to units, their delivery state, and orders from HQ.

A seat sends a ``Message`` on ``cmd/message``; the desk stores it (``queued``), logs
it, publishes it to the recipient's ``msg/{to}`` at QoS 1 (``sent``) and answers the
seat with the stored message. Devices, and seats for orders from HQ, report on
``msg/receipt`` that a message was ``delivered`` or ``read``; the state only moves
forward and is retained on ``message/{id}`` so every seat sees it. With an uplink,
every message also goes to HQ through the outbox at ``PRIORITY_ORDER``.

Orders from HQ arrive through the uplink's persistent session (``hq/orders``), so
they wait at HQ through an outage; each is stored, logged and shown to every seat,
and once a person reads it a receipt goes back to HQ on ``hq/acks`` (through the
outbox, so an outage delays it but never loses it).
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, timedelta, timezone
from typing import Callable

import paho.mqtt.client as mqtt

from radios.bus import MqttBus
from radios.desk import GatewayDesk
from radios.input_guard import BadInputLog
from radios.outbox_policy import PRIORITY_ORDER
from radios.schema import (
    Event, Message, MessageReceipt, PayloadError, Topics, decode, format_ts, utc_now,
)
from radios.store import Store

log = logging.getLogger(__name__)

SRC = "gateway"
STORE_TIMEOUT_S = 10.0
REPUBLISH_HOURS = 24  # after a reconnect, the states of this many hours' messages are retained again
HQ = "hq"  # the recipient of replies to HQ: they go only through the outbox


class MessageDesk(GatewayDesk):
    """Sends, tracks and settles messages for the gateway; bus callbacks run on the bus thread.

    ``uplink`` is the gateway's ``UplinkWorker`` or None; the gateway sets it after
    building both, since the worker calls ``on_hq_order`` back.
    """

    def __init__(self, bus: MqttBus, store: Store, topics: Topics, record: Callable[[Event], None],
                 bad_input: BadInputLog) -> None:
        super().__init__(bus, store, topics, record, bad_input)
        self.uplink = None
        # Recipients another link carries and reports sent itself (TAK contacts, TakBridge.carries):
        # for them "sent" means written to that link, not handed to the broker.
        self.relayed: Callable[[str], bool] = lambda to: False

    def start(self) -> None:
        """Subscribe to receipts and answer seats' messages (before the bus starts)."""
        self.bus.subscribe(self.topics.message_receipts, qos=1)
        self.bus.serve(self.topics.command("message"), self._answer_send)

    def republish_recent(self) -> None:
        """Retain recent messages' states again: after a reconnect, the broker may have lost them."""
        since = format_ts(datetime.now(timezone.utc) - timedelta(hours=REPUBLISH_HOURS))
        for message in self.store.messages(since):
            self._show(message)

    # -- from seats --------------------------------------------------------------------

    def send(self, message: Message) -> Message:
        """Store, log, deliver and show one message (any thread); the message as it now stands."""
        message = dataclasses.replace(message, state="queued", by=None, updated=None)
        if not self.store.add_message_payload(message).result(timeout=STORE_TIMEOUT_S):
            return self.store.message(message.id) or message  # a resend: answer with what we have
        self.record(Event.create(SRC, category=message.category, seat=message.seat,
                                 unit=message.to if _is_unit(message.to) else None,
                                 text=f"{message.category.capitalize()} to {message.to}: {message.text}"))
        self._show(message)
        if self.uplink is not None:
            self.uplink.enqueue_payload(self.topics.message_state(message.id), message, PRIORITY_ORDER)
        if message.to == HQ:
            return message  # only the outbox reaches HQ; it stays queued there until it is sent
        info = self.bus.publish(self.topics.message(message.to), dataclasses.replace(message, state="sent").encode(),
                                qos=1)
        if info.rc == mqtt.MQTT_ERR_NO_CONN:
            return message  # paho holds it and sends it on reconnect; it stays queued
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            log.warning("message %s to %s could not be handed to the broker: %s", message.id, message.to,
                        mqtt.error_string(info.rc))
        if info.rc == mqtt.MQTT_ERR_SUCCESS and self.relayed(message.to):
            return self.store.message(message.id) or message   # its link says when it is sent
        return self._advance(message.id, "sent" if info.rc == mqtt.MQTT_ERR_SUCCESS else "failed", SRC) or message

    def carried(self, id: str, state: str, by: str) -> Message | None:
        """Any thread: the link that carries a relayed message wrote it (``sent``) or could not (``failed``)."""
        return self._advance(id, state, by)

    def _answer_send(self, raw: bytes) -> bytes:
        """Bus thread: a seat sends an order or message; the answer is the message as stored."""
        try:
            message = decode(raw, Message)
        except PayloadError as exc:
            self.bad_input.reject("cmd/message", str(exc))
            return b"{}"
        if message.via != "mqtt":
            self.bad_input.reject("cmd/message", f"via {message.via!r} is not available from a seat yet")
            return b"{}"
        return self.send(message).encode()

    # -- receipts from devices and seats -----------------------------------------------

    def on_receipt(self, payload: bytes) -> None:
        """Bus thread: a device or seat reports a message delivered or read."""
        try:
            receipt = decode(payload, MessageReceipt)
        except PayloadError as exc:
            self.bad_input.reject(self.topics.message_receipts, str(exc))
            return
        message = self.store.message(receipt.message)
        if message is None:
            self.bad_input.reject(self.topics.message_receipts, f"no message {receipt.message!r}")
            return
        # Each recipient's own state first, so a group's list of who has it is complete.
        noted = self.store.message_receipt(message.id, receipt.by, receipt.state).result(timeout=STORE_TIMEOUT_S)
        moved = self._advance(message.id, receipt.state, receipt.by)
        if moved is None and noted:
            self._show(self.store.message(message.id) or message)  # the state stands; who has it changed
        if moved is None or moved.via != "hq" or receipt.state != "read":
            return
        self.record(Event.create(SRC, category="order", seat=receipt.by,
                                 text=f"Order from HQ read by {receipt.by}: {message.text}"))
        if self.uplink is not None:
            ack = MessageReceipt.create(SRC, message=message.id, state="read", by=receipt.by)
            self.uplink.enqueue_payload(self.topics.hq_acks, ack, PRIORITY_ORDER)

    # -- from HQ -----------------------------------------------------------------------

    def on_hq_order(self, payload: bytes) -> None:
        """Uplink thread: an order from HQ; stored before paho acknowledges it to HQ."""
        try:
            order = decode(payload, Message)
        except PayloadError as exc:
            self.bad_input.reject(self.topics.hq_orders, str(exc))
            return
        order = dataclasses.replace(order, via="hq", state="delivered", by=None, updated=utc_now())
        try:
            fresh = self.store.add_message_payload(order).result(timeout=STORE_TIMEOUT_S)
            if fresh:
                log.info("order from HQ %s: %s", order.id, order.text[:80])
                self.record(Event.create(SRC, category=order.category, severity="warning",
                                         text=f"{order.category.capitalize()} from HQ: {order.text}"))
            self._show(self.store.message(order.id) or order)
        except Exception:  # raising would end the uplink's thread; a failing disk is logged loudly instead
            log.exception("order from HQ %s could not be kept: %s", order.id, order.text[:80])

    # -- helpers -----------------------------------------------------------------------

    def _advance(self, id: str, state: str, by: str) -> Message | None:
        """Move a message's state forward and show it; None if it did not move."""
        if not self.store.message_state(id, state, by).result(timeout=STORE_TIMEOUT_S):
            return None
        message = self.store.message(id)
        if message is not None:
            self._show(message)
        return message

    def _show(self, message: Message) -> None:
        self.bus.publish(self.topics.message_state(message.id), message.encode(), qos=1, retain=True)


def _is_unit(to: str) -> bool:
    return to not in ("all", HQ) and not to.startswith("group:")
