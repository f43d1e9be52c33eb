"""What every desk of the gateway is built with: the bus, the store and the gateway's event log.

A desk (alarms, messages, tasks, duty) is the single writer of one kind of record: it
answers the seats' commands on the bus, stores the result and logs it as an event. The
gateway builds each desk with the same five parts, passed in here.
"""

from __future__ import annotations

from collections.abc import Callable

from radios.bus import MqttBus
from radios.input_guard import BadInputLog
from radios.schema import Event, Topics
from radios.store import Store


class GatewayDesk:
    """Holds a desk's parts; ``record`` stores an event and shows it to every seat (any thread)."""

    def __init__(self, bus: MqttBus, store: Store, topics: Topics, record: Callable[[Event], None],
                 bad_input: BadInputLog) -> None:
        self.bus = bus
        self.store = store
        self.topics = topics
        self.record = record
        self.bad_input = bad_input
