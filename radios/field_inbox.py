"""Simulated responders' message inbox: answers orders as a field device does, delivered then read.

A device that takes messages subscribes to ``msg/{uid}``, its group's ``msg/group:{name}``
and ``msg/all``, reports ``delivered`` on ``msg/receipt`` when one arrives and ``read``
when its wearer has looked at it. The demo and the tests use this to play the devices.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable, Sequence

from radios.input_guard import BadInputLog
from radios.schema import Message, MessageReceipt, PayloadError, Topics, decode

log = logging.getLogger(__name__)

READ_AFTER_S = 3.0  # how long a simulated wearer takes to look at a message
DEFAULT_GROUP = "responders"

Publish = Callable[[str, bytes], object]


class ResponderInbox:
    """Receipts for a set of simulated devices, sent from its own thread ("field-inbox").

    ``publish(topic, payload)`` sends a receipt (QoS 1); ``on_message`` is called on
    the bus thread of whoever subscribed to ``topics_to_watch()``.
    """

    def __init__(self, publish: Publish, topics: Topics, uids: Sequence[str], group: str = DEFAULT_GROUP,
                 read_after_s: float = READ_AFTER_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.publish = publish
        self.topics = topics
        self.uids = tuple(uids)
        self.group = group
        self.read_after_s = read_after_s
        self.bad_input = BadInputLog(log)
        self._clock = clock
        self._due: list[tuple[float, int, str, bytes]] = []  # (when, tiebreak, topic, payload)
        self._order = itertools.count()
        self._wakeup = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def topics_to_watch(self) -> list[str]:
        """What a device of this inbox subscribes to."""
        return ([self.topics.message(uid) for uid in self.uids]
                + [self.topics.message(f"group:{self.group}"), self.topics.message("all")])

    def start(self) -> None:
        if self._thread is None:
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="field-inbox", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._wakeup:
            self._stopping = True
            self._wakeup.notify()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(5)

    def on_message(self, topic: str, payload: bytes, retained: bool = False) -> bool:
        """Bus thread: a message for some of these devices; True if it was theirs and well formed."""
        prefix = f"{self.topics.root}/msg/"
        if not topic.startswith(prefix) or topic == self.topics.message_receipts:
            return False
        try:
            message = decode(payload, Message)
        except PayloadError as exc:
            self.bad_input.reject(topic, str(exc))
            return False
        to = topic[len(prefix):]
        if to != message.to:
            self.bad_input.reject(topic, f"a message to {message.to!r} on the topic of {to!r}")
            return False
        readers = self.uids if to in ("all", f"group:{self.group}") else [u for u in self.uids if u == to]
        now = self._clock()
        for uid in readers:
            self._schedule(now, message.id, "delivered", uid)
            self._schedule(now + self.read_after_s, message.id, "read", uid)
        return bool(readers)

    def _schedule(self, when: float, message_id: str, state: str, uid: str) -> None:
        receipt = MessageReceipt.create(f"bodycam-{uid}", message=message_id, state=state, by=uid)
        with self._wakeup:
            heapq.heappush(self._due, (when, next(self._order), self.topics.message_receipts, receipt.encode()))
            self._wakeup.notify()

    def _run(self) -> None:
        """Body of "field-inbox": send each receipt when it is due."""
        while True:
            with self._wakeup:
                while not self._stopping and (not self._due or self._due[0][0] > self._clock()):
                    self._wakeup.wait(None if not self._due else max(0.0, self._due[0][0] - self._clock()))
                if self._stopping:
                    return
                _, _, topic, payload = heapq.heappop(self._due)
            self.publish(topic, payload)
