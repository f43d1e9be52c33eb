"""What the gateway retains on the bus, retained again each time it (re)connects to the broker.

A seat learns the scene from retained messages: units on ``unit/{uid}``, drones'
telemetry on ``drone/{uid}``, the video catalogue on ``video/{stream}``. A broker that
restarts without persistence (mosquitto's default) forgets them all, and a seat that
connects afterwards would see nothing that has not moved since. So on every connection
the gateway publishes again what it alone publishes: the latest state of each unit its
own links reported (``src`` ``gateway`` or ``gateway/<link>``, read from the store), and
what the drone fleet and the TAK bridge last retained (announced videos, telemetry).
Units that seats or other clients publish are theirs to restore; the gateway leaves them
alone, so an older stored state never overwrites a newer one on the broker. The
configured streams' catalogue, the links' and the backhaul's states are published by the
gateway's own reconnect handler.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Protocol

from radios.schema import Topics
from radios.store import Store

log = logging.getLogger(__name__)

Publish = Callable[..., object]   # MqttBus.publish(topic, payload, qos=, retain=)


class RetainedSource(Protocol):
    def retained(self) -> list[tuple[str, bytes]]:
        """(topic, payload) pairs this part of the gateway last retained (any thread)."""


def republish_retained(publish: Publish, topics: Topics, store: Store, src: str,
                       sources: Iterable[RetainedSource]) -> int:
    """Publish again, retained, the gateway's own units and its sources' retained payloads; how many.

    Called on the bus thread when the connection comes up. The same payloads (same ids)
    go out again, so a seat or HQ that already has them drops them as duplicates.
    """
    count = 0
    for unit in store.units():
        if unit.src == src or unit.src.startswith(f"{src}/"):
            publish(topics.unit(unit.uid), unit.encode(), qos=1, retain=True)
            count += 1
    for source in sources:
        for topic, payload in source.retained():
            publish(topic, payload, qos=1, retain=True)
            count += 1
    log.info("retained again on the bus: %d units, drone states and video entries", count)
    return count
