"""Chaos: the gateway is SIGKILLed mid-ingest and started again, round after round.

A body camera publishes positions and a seat publishes log entries, 20 a second each,
QoS 1, on the vehicle broker throughout; the gateway takes them through its field-device
link and its bus session (both persistent sessions). *Acknowledged* here is the broker's
PUBACK to the publisher: after it the device forgets the item, so the broker (the
gateway's queued session while it is dead) and then the gateway's store must keep it.

After every round: every acknowledged position and entry is in the store, ``PRAGMA
integrity_check`` is ok, the gateway is ``online`` and the field link ``up`` again within
``GATEWAY_BACK_S`` of the kill, and the console seat's event loop p99 stays under
``CONSOLE_P99_MS``.

The gateway's bus acknowledges a QoS 1 message to the broker only once the store has
committed it (radios/bus.py), so what it took in the last moment before a kill is sent
again by the broker after the restart. Items published in the ``IN_FLIGHT_S`` before a
kill are counted apart in each round (``excused_missing``) while the restarted gateway
catches up; at the end every acknowledged item must be in the store.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # chaos_support.py sits beside this file
from chaos_seat import ConsoleSeat, RoundCheck  # noqa: E402
from chaos_support import (  # noqa: E402
    FIELD_LINK, GATEWAY_START_S, ROUNDS, BusWatch, FieldPeers, GatewayChild, StoreAudit, check_acknowledged,
    gateway_config,
)
from support import wait_until  # noqa: E402

pytestmark = [pytest.mark.chaos, pytest.mark.broker]

INGEST_S = 1.0  # publishing before the kill: the kill lands mid-ingest
DEAD_S = 0.5    # publishing while the gateway is dead: the broker queues for its sessions
GATEWAY_BACK_S = 20.0  # a child Python importing the gateway (PyAV too) on a loaded two-core machine
IN_FLIGHT_S = 1.0  # taken by the gateway but maybe not committed when the kill lands (a loaded machine is slow)


def test_gateway_sigkill_mid_ingest_loses_nothing_acknowledged(broker, tmp_path):
    store = tmp_path / "mcv.sqlite3"
    gateway = GatewayChild(gateway_config(tmp_path, broker.url, store))
    audit = StoreAudit(store)
    in_flight: list[tuple[float, float]] = []  # publish spans just before each kill
    with BusWatch(broker.host, broker.port) as watch:
        gateway.start()
        try:
            assert watch.wait_gateway("online", 0, GATEWAY_START_S), gateway.log_text()
            assert watch.wait_link(FIELD_LINK, ("up", "connecting"), 0, 10), gateway.log_text()
            with ConsoleSeat(gateway.config, tmp_path) as seat, FieldPeers(broker.host, broker.port) as peers:
                for number in range(1, ROUNDS + 1):
                    check = RoundCheck("gateway_sigkill", number)
                    started = time.monotonic()
                    sent_before = peers.sent()
                    assert wait_until(lambda: peers.sent() > sent_before + 10, 10), "the field peers stopped"
                    time.sleep(INGEST_S)  # let ingest run; the kill must land while items are in flight
                    killed = time.monotonic()
                    in_flight.append((killed - IN_FLIGHT_S, killed))
                    gateway.kill()
                    time.sleep(DEAD_S)
                    gateway.start()
                    back = watch.wait_gateway("online", killed, GATEWAY_BACK_S)
                    link_back = watch.wait_link(FIELD_LINK, ("up",), killed, GATEWAY_BACK_S)
                    check.check_recovery("gateway online and field link up", killed,
                                         max(back, link_back) if back and link_back else None, GATEWAY_BACK_S)
                    check_acknowledged(check, peers, audit, excused=in_flight)
                    check.finish(seat, started, audit, gateway)
                peers.pause()
                final = RoundCheck("gateway_sigkill", 0)
                check_acknowledged(final, peers, audit, excused=in_flight)
                final.report()
                assert not final.problems, final.problems
        finally:
            gateway.stop()
    assert gateway.starts == ROUNDS + 1
    assert not final.excused_missing, f"{final.excused_missing} items acknowledged just before a kill were lost"
