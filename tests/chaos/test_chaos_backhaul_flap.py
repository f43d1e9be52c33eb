"""Chaos: the backhaul to HQ flaps, up ``UP_S`` and down ``DOWN_S``, round after round.

The gateway's uplink reaches an HQ mosquitto (persistent, as a real HQ) through a TCP
relay that plays the backhaul: ``cut()`` drops the connection and refuses new ones (a
lost cell or VSAT link; HQ stays up), ``restore()`` lets them through again. HQ's
consumer keeps a persistent QoS 1 session and drops copies by id. A body camera and a
seat publish QoS 1 on the vehicle broker throughout. *Acknowledged* is the vehicle
broker's PUBACK to the publisher; every acknowledged log entry must be in the store and
reach HQ once the backhaul is back (positions queued for HQ are thinned to the newest
per unit by design, docs/backhaul.md, so only the store is checked for them).

After every round: every acknowledged item is in the store and every acknowledged entry at
HQ, ``PRAGMA integrity_check`` is ok, the backhaul reports ``up`` within
``BACKHAUL_BACK_S`` of the restore, and the console seat's event loop p99 stays under
``CONSOLE_P99_MS``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the chaos helpers sit beside this file
sys.path.insert(0, str(Path(__file__).parents[1] / "radios"))  # the HQ peers live with the uplink tests
from chaos_faults import BackhaulRelay  # noqa: E402
from chaos_seat import ConsoleSeat, RoundCheck  # noqa: E402
from chaos_support import (  # noqa: E402
    GATEWAY_START_S, ROUNDS, BusWatch, FieldPeers, GatewayChild, StoreAudit, check_acknowledged, gateway_config,
)
from support import wait_until  # noqa: E402
from uplink_peers import HqBroker, HqConsumer  # noqa: E402

from radios.uplink import UPLINK_RECONNECT  # noqa: E402

pytestmark = [pytest.mark.chaos, pytest.mark.broker]

UP_S = 2.0
DOWN_S = 2.0
# The flaps come faster than the policy's stable spell, so its backoff reaches the cap:
# the next try is at most max_delay_s after the restore, plus a heartbeat and load.
BACKHAUL_BACK_S = UPLINK_RECONNECT.max_delay_s + 1.0 + 2.0
HQ_DRAIN_S = 30.0


def test_backhaul_flapping_loses_nothing_on_the_way_to_hq(broker, tmp_path):
    store = tmp_path / "mcv.sqlite3"
    audit = StoreAudit(store)
    hq = HqBroker(tmp_path / "hq").start()
    relay = BackhaulRelay(hq.port)
    uplink = f'\n[uplink]\nurl = "mqtt://127.0.0.1:{relay.port}"\n'
    gateway = GatewayChild(gateway_config(tmp_path, broker.url, store, uplink))
    try:
        with HqConsumer(hq, "mcv/v1/+/event") as consumer, BusWatch(broker.host, broker.port) as watch:
            gateway.start()
            assert watch.wait_gateway("online", 0, GATEWAY_START_S), gateway.log_text()
            assert watch.wait_backhaul("up", 0, 15), gateway.log_text()
            with ConsoleSeat(gateway.config, tmp_path, "comms") as seat, FieldPeers(broker.host, broker.port) as peers:
                for number in range(1, ROUNDS + 1):
                    check = RoundCheck("backhaul_flap", number)
                    started = time.monotonic()
                    time.sleep(UP_S)
                    cut = time.monotonic()
                    relay.cut()
                    check.require(watch.wait_backhaul("down", cut, DOWN_S + 5) is not None,
                                  "the backhaul did not report down after the cut")
                    time.sleep(max(0.0, DOWN_S - (time.monotonic() - cut)))
                    restored = time.monotonic()
                    relay.restore()
                    back = watch.wait_backhaul("up", restored, BACKHAUL_BACK_S + 5)
                    check.check_recovery("backhaul up after the restore", restored, back, BACKHAUL_BACK_S)
                    check_acknowledged(check, peers, audit)
                    _, entries = peers.acknowledged()
                    wait_until(lambda: entries <= set(consumer.delivered), HQ_DRAIN_S, interval_s=0.2)
                    at_hq = len(entries - set(consumer.delivered))
                    check.require(at_hq == 0, f"{at_hq} acknowledged log entries did not reach HQ")
                    check.finish(seat, started, audit, gateway)
    finally:
        gateway.stop()
        relay.close()
        hq.stop()
