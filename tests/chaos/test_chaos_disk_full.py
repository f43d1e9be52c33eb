"""Chaos: the disk of the data folder fills up under the gateway and frees again, round after round.

The store lives on a filesystem of its own (``SmallDisk``: a tmpfs as root, else a file-size
limit on the gateway child); "full" leaves no free byte for ``FULL_S`` while a body camera
and a seat publish QoS 1 on the vehicle broker. *Acknowledged* is the broker's PUBACK to
the publisher: the gateway has taken the item from the broker, and must keep it until the
store has room again, then store it.

After every round: the gateway is alive; a position sent after the space came back is
stored within ``RESUME_S`` (writing resumes); every acknowledged position and entry sent
outside the full spells is in the store; ``PRAGMA integrity_check`` is ok; the gateway's
heartbeat still says ``online``; the console seat's event loop p99 stays under
``CONSOLE_P99_MS``. By the end the gateway's log must have said the disk was full: not
in every round, since SQLite writes into the space its WAL file already has after a
checkpoint, so a short full spell may fail no write at all (each round notes whether).

What was acknowledged *during* a full spell is counted in each round's report as
``excused_missing`` while it is not stored yet; after the last round every acknowledged
item must be in the store within ``RESUME_S``: the store holds writes that meet a full
disk and stores them when space returns (radios/store.py).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the chaos helpers sit beside this file
from chaos_faults import SmallDisk  # noqa: E402
from chaos_seat import ConsoleSeat, RoundCheck  # noqa: E402
from chaos_support import (  # noqa: E402
    GATEWAY_START_S, ROUNDS, BusWatch, FieldPeers, GatewayChild, StoreAudit, check_acknowledged, gateway_config,
)
from support import wait_until  # noqa: E402

pytestmark = [pytest.mark.chaos, pytest.mark.broker]

INGEST_S = 1.0
FULL_S = 2.0
RESUME_S = 15.0
DISK_MB = 64
# A full disk is SQLITE_FULL; the RLIMIT_FSIZE fallback's EFBIG reaches SQLite as an I/O error.
FULL_WORDS = ("disk is full", "No space left", "File too large", "disk I/O error")


def full_said(gateway: GatewayChild) -> int:
    """How many lines of the gateway's log say the disk is full."""
    return sum(any(word in line for word in FULL_WORDS) for line in gateway.log_text().splitlines())


def first_stored_after(peers: FieldPeers, audit: StoreAudit, since: float) -> float | None:
    """When the first position acknowledged after ``since`` was seen in the store; None if not within RESUME_S."""
    def stored() -> bool:
        positions, _ = peers.acknowledged([(since, float("inf"))])
        return bool(positions & audit.position_ts(FieldPeers.DEVICE))

    return time.monotonic() if wait_until(stored, RESUME_S, interval_s=0.05) else None


@pytest.fixture
def disk(tmp_path):
    """The data folder's own small disk; MCV_CHAOS_DISK=rlimit tries the fallback where tmpfs would do."""
    small = SmallDisk(tmp_path / "data", DISK_MB, mount=os.environ.get("MCV_CHAOS_DISK") != "rlimit")
    yield small
    small.close()


def test_full_disk_is_survived_and_writing_resumes_with_nothing_lost(broker, tmp_path, disk):
    store = disk.folder / "mcv.sqlite3"
    audit = StoreAudit(store)
    gateway = GatewayChild(gateway_config(tmp_path, broker.url, store))
    lost_while_full, full_spells, said_before = 0, [], 0  # the spells the disk was full, and what they lost
    try:
        with BusWatch(broker.host, broker.port) as watch:
            gateway.start()
            assert watch.wait_gateway("online", 0, GATEWAY_START_S), gateway.log_text()
            with ConsoleSeat(gateway.config, tmp_path) as seat, FieldPeers(broker.host, broker.port) as peers:
                for number in range(1, ROUNDS + 1):
                    check = RoundCheck(f"disk_full_{disk.method}", number)
                    started = time.monotonic()
                    time.sleep(INGEST_S)
                    filled = time.monotonic()
                    disk.fill(gateway.process.pid)
                    time.sleep(FULL_S)
                    check.require(gateway.alive(), "the gateway ended on a full disk")
                    check.notes["log_said_full"] = full_said(gateway) > said_before
                    said_before = full_said(gateway)
                    freed = time.monotonic()
                    disk.free()
                    full_spells.append((filled - 0.5, freed + 0.5))  # and what was in flight at either end
                    check.check_recovery("a position sent after the space returned stored", freed,
                                         first_stored_after(peers, audit, freed), RESUME_S)
                    check_acknowledged(check, peers, audit, timeout_s=RESUME_S, excused=full_spells)
                    check.require(watch.wait_gateway("online", freed, 5) is not None, "the heartbeat stopped")
                    check.finish(seat, started, audit, gateway)
                peers.pause()
                final = RoundCheck(f"disk_full_{disk.method}", 0)  # the held items too, once the gateway caught up
                check_acknowledged(final, peers, audit, timeout_s=RESUME_S, excused=full_spells)
                final.check_store(audit)
                final.require(said_before > 0, "the gateway's log never said the disk was full")
                final.report()
                assert not final.problems, final.problems
                lost_while_full = final.excused_missing
    finally:
        gateway.stop()
    assert not lost_while_full, f"{lost_while_full} items acknowledged while the disk was full were not stored"
