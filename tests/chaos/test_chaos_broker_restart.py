"""Chaos: the vehicle broker is restarted under the gateway and a seat, round after round.

The broker runs as on the vehicle (persistent sessions and queues, installer/mosquitto/
mcv-vehicle.conf), is stopped cleanly (SIGTERM, as ``systemctl restart`` does), stays down
``DOWN_S`` and starts again on the same port, once the links have been up ``STABLE_S``. A body camera and a seat publish QoS 1
throughout. *Acknowledged* is the broker's PUBACK to the publisher: what the broker
acknowledged before the restart it keeps in the gateway's persistent sessions, and the
gateway must store it; what it did not acknowledge the publisher still holds.

After every round: every acknowledged position and entry is in the store, ``PRAGMA
integrity_check`` is ok, the gateway's bus (``local-bus``) and its field link report
``up`` again within ``MQTT_BACK_S`` of the broker listening again, and the console
seat's event loop p99 stays under ``CONSOLE_P99_MS``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the chaos helpers sit beside this file
from chaos_faults import VehicleBroker  # noqa: E402
from chaos_seat import ConsoleSeat, RoundCheck  # noqa: E402
from chaos_support import (  # noqa: E402
    FIELD_LINK, GATEWAY_START_S, ROUNDS, BusWatch, FieldPeers, GatewayChild, StoreAudit, check_acknowledged,
    gateway_config,
)
from support import wait_until  # noqa: E402

from radios.reconnect_policy import BACKOFF_FACTOR, FIRST_DELAY_S, STABLE_AFTER_S  # noqa: E402

pytestmark = [pytest.mark.chaos, pytest.mark.broker]

BUS_LINK = "local-bus"
DOWN_S = 1.0
# ReconnectPolicy retries after 0.5, 1 and 2 s: a broker down for DOWN_S is found again by
# the third try at the latest, plus a heartbeat (1 s) to retain the state, plus load. That
# holds for a connection that had been stable: the policy forgives earlier failures only
# after STABLE_AFTER_S up (restarts closer together back off further, by design), so each
# round waits that long before it restarts the broker.
MQTT_BACK_S = FIRST_DELAY_S * BACKOFF_FACTOR ** 2 + 1.0 + 2.0
STABLE_S = STABLE_AFTER_S + 1.0


def test_broker_restart_loses_nothing_acknowledged_and_links_come_back(tmp_path):
    store = tmp_path / "mcv.sqlite3"
    audit = StoreAudit(store)
    with VehicleBroker(tmp_path / "broker") as broker, BusWatch(broker.host, broker.port) as watch:
        gateway = GatewayChild(gateway_config(tmp_path, broker.url, store))
        gateway.start()
        try:
            assert watch.wait_gateway("online", 0, GATEWAY_START_S), gateway.log_text()
            assert watch.wait_link(FIELD_LINK, ("up",), 0, 10), gateway.log_text()
            stable_from = time.monotonic()
            with ConsoleSeat(gateway.config, tmp_path) as seat, FieldPeers(broker.host, broker.port) as peers:
                for number in range(1, ROUNDS + 1):
                    check = RoundCheck("broker_restart", number)
                    started = time.monotonic()
                    sent_before = peers.sent()
                    assert wait_until(lambda: peers.sent() > sent_before + 10, 10), "the field peers stopped"
                    time.sleep(max(0.0, stable_from + STABLE_S - time.monotonic()))
                    broker.restart(DOWN_S)
                    listening = time.monotonic()
                    bus_back = watch.wait_link(BUS_LINK, ("up",), listening, MQTT_BACK_S + 5)
                    field_back = watch.wait_link(FIELD_LINK, ("up",), listening, MQTT_BACK_S + 5)
                    check.check_recovery("local bus and field link up", listening,
                                         max(bus_back, field_back) if bus_back and field_back else None, MQTT_BACK_S)
                    stable_from = time.monotonic()
                    check.require(gateway.alive(), "the gateway ended")
                    check_acknowledged(check, peers, audit)
                    check.finish(seat, started, audit, gateway)
        finally:
            gateway.stop()
