"""Tests for radios/store.py: durable writes, dedup, history reads, migrations, crash safety."""

from __future__ import annotations

import dataclasses
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from radios import store as store_module
from radios.schema import Event, UnitState, format_ts
from radios.store import MIGRATIONS, Store, StoreError
from support import wait_until

REPO = Path(__file__).resolve().parents[2]
BURST = Path(__file__).with_name("store_burst.py")
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def at(seconds: float) -> str:
    return format_ts(T0 + timedelta(seconds=seconds))


def event(text: str = "link up", ts: str | None = None, **fields: object) -> Event:
    made = Event.create("test", category="link", text=text, **fields)
    return dataclasses.replace(made, ts=ts) if ts else made


def unit_state(uid: str = "u1", ts: str | None = None, lat: float = 48.1, **fields: object) -> UnitState:
    made = UnitState.create("test", uid=uid, unit_kind="drone", callsign="D1", lat=lat, lon=11.5, **fields)
    return dataclasses.replace(made, ts=ts) if ts else made


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "mcv.db"


@pytest.fixture
def store(db_path: Path):
    with Store(db_path) as opened:
        yield opened


@contextmanager
def writer_blocked(path: Path):
    """Hold the database's write lock so the writer stalls and writes pile up into one batch."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def stored_ids(path: Path, table: str) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {row[0] for row in conn.execute(f"SELECT id FROM {table}")}
    finally:
        conn.close()


# --- round trips and dedup ---------------------------------------------------------


def test_settle_listeners_hear_of_every_batch_once_its_receipts_are_settled_and_a_failing_one_stops_nothing(
        store: Store):
    receipts, heard = [], []
    store.on_settled(lambda: 1 / 0)  # a listener's bug is logged; the writer and the next listener carry on
    store.on_settled(lambda: heard.append([receipt.done() for receipt in receipts]))
    for n in range(3):
        receipts.append(store.add_event(event(f"note {n}")))
        assert receipts[-1].result(timeout=5) is True
        wait_until(lambda: len(heard) == n + 1)
    assert heard[-1] == [True, True, True]
    assert all(all(seen) for seen in heard)
    assert store.count("events") == 3


def test_event_round_trips(store: Store):
    sos = event("SOS from D1", severity="alarm", seat="commander", unit="u1", lat=48.1, lon=11.5)
    assert store.add_event(sos).result(timeout=5) is True
    assert store.events_since(None) == [sos]


def test_unit_state_round_trips_into_units_and_track(store: Store):
    first = unit_state(ts=at(0), alt=120.0, heading=90.0, speed=12.5, stream="cam1")
    second = unit_state(ts=at(1), lat=48.2)
    assert store.add_unit_state(first).result(timeout=5)
    assert store.add_unit_state(second).result(timeout=5)
    assert store.units() == [second]
    assert store.track("u1") == [first, second]


def test_a_late_report_does_not_move_a_unit_back(store: Store):
    store.add_unit_state(unit_state(ts=at(10), lat=48.2)).result(timeout=5)
    assert store.add_unit_state(unit_state(ts=at(5), lat=48.1)).result(timeout=5) is True
    assert store.units()[0].lat == 48.2
    assert len(store.track("u1")) == 2


def test_a_repeated_id_is_stored_once(store: Store):
    sos, state = event("SOS"), unit_state()
    assert store.add_event(sos).result(timeout=5) is True
    assert store.add_event(sos).result(timeout=5) is False
    assert store.add_unit_state(state).result(timeout=5) is True
    assert store.add_unit_state(state).result(timeout=5) is False
    assert (store.count("events"), store.count("positions"), store.count("units")) == (1, 1, 1)


def test_duplicates_within_one_batch_are_told_apart(store: Store, db_path: Path):
    old, new = event("stored before"), event("new")
    store.add_event(old).result(timeout=5)
    with writer_blocked(db_path):
        plug = store.add_event(event("plug"))
        time.sleep(0.1)  # the writer takes the plug alone and stalls on the lock
        futures = [store.add_event(e) for e in (new, old, new, event("also new"))]
    assert plug.result(timeout=10) is True
    assert [f.result(timeout=10) for f in futures] == [True, False, False, True]
    assert store.count("events") == 4


def test_messages_and_outbox(store: Store):
    assert store.add_message("m0000001", at(0), "commander", "u1", "hold position").result(timeout=5)
    assert store.add_message("m0000001", at(0), "commander", "u1", "hold position").result(timeout=5) is False
    assert store.count("messages") == 1
    puts = [store.outbox_put("o-late-low", 5, "t/a", b"a"), store.outbox_put("o-urgent", 0, "t/b", b"b"),
            store.outbox_put("o-later-low", 5, "t/c", b"c"), store.outbox_put("o-urgent", 0, "t/b", b"x")]
    assert [f.result(timeout=5) for f in puts] == [True, True, True, False]
    peeked = store.outbox_peek(10)
    assert [row[1] for row in peeked] == ["o-urgent", "o-late-low", "o-later-low"]
    assert peeked[0][3:5] == ("t/b", b"b")
    assert store.outbox_delete("o-urgent").result(timeout=5) is True
    assert store.outbox_delete("o-urgent").result(timeout=5) is False
    assert [row[1] for row in store.outbox_peek(1)] == ["o-late-low"]


def test_outbox_peek_after_counts_attempts_and_compaction(store: Store):
    for n in range(6):  # two units' positions at priority 3, interleaved, and one alarm
        store.outbox_put(f"pos-{n}", 3, f"unit/u{n % 2}", b"p")
    store.outbox_put("alarm-1", 0, "event", b"a").result(timeout=5)
    assert store.outbox_counts() == {0: 1, 3: 6}
    first = store.outbox_peek(2)
    assert [row[1] for row in first] == ["alarm-1", "pos-0"]
    after = (first[-1][2], first[-1][0])
    assert [row[1] for row in store.outbox_peek(2, after=after)] == ["pos-1", "pos-2"]
    assert store.outbox_mark_sent(["alarm-1", "pos-0"]).result(timeout=5) is True
    assert store.outbox_mark_sent(["gone"]).result(timeout=5) is False
    assert [row[6] for row in store.outbox_peek(3)] == [1, 1, 0]
    assert store.outbox_compact(3, keep=2).result(timeout=5) is True
    assert [row[1] for row in store.outbox_peek(10)] == ["alarm-1", "pos-2", "pos-3", "pos-4", "pos-5"]
    assert store.outbox_compact(3, keep=2).result(timeout=5) is False
    assert store.outbox_counts() == {0: 1, 3: 4}


def test_count_knows_only_its_tables(store: Store):
    with pytest.raises(ValueError, match="unknown table"):
        store.count("sqlite_master; DROP TABLE events")


# --- history reads -------------------------------------------------------------------


def test_events_come_oldest_first_and_limit_keeps_the_latest(store: Store):
    events = [event(f"entry {i}", ts=at(i)) for i in range(10)]
    futures = [store.add_event(e) for e in reversed(events)]
    assert all(f.result(timeout=5) for f in futures)
    assert store.events_since(None) == events
    assert store.events_since(None, limit=3) == events[-3:]
    assert store.events_since(at(7)) == events[7:]  # start is inclusive
    assert store.events_since("2024-05-01T14:00:07+02:00") == events[7:]  # any ISO 8601 spelling


def test_track_returns_the_range_oldest_first(store: Store):
    for i in range(10):
        store.add_unit_state(unit_state("u1", ts=at(i), lat=48.0 + i / 100))
        store.add_unit_state(unit_state("u2", ts=at(i)))
    store.add_unit_state(unit_state("u1", ts=at(10))).result(timeout=5)
    track = store.track("u1", at(3), at(6))
    assert [s.ts for s in track] == [at(3), at(4), at(5), at(6)]
    assert {s.uid for s in track} == {"u1"}
    assert [s.ts for s in store.track("u1", at(3), at(6), limit=2)] == [at(5), at(6)]
    assert len(store.track("u1")) == 11
    assert [s.uid for s in store.units()] == ["u1", "u2"]


# --- opening: migrations and refusals ----------------------------------------------


def test_migrates_a_version_0_database(db_path: Path):
    db_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.commit()
    conn.close()
    with Store(db_path) as store:
        assert store.count("events") == 0
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_a_failed_migration_leaves_the_database_untouched(db_path: Path, monkeypatch):
    def broken(db):
        db.execute("CREATE TABLE half_done (x)")
        db.execute("THIS IS NOT SQL")

    monkeypatch.setattr(store_module, "MIGRATIONS", [*MIGRATIONS, broken])
    with pytest.raises(StoreError, match=str(db_path)):
        Store(db_path)
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
    assert conn.execute("SELECT name FROM sqlite_master").fetchall() == []
    conn.close()
    monkeypatch.undo()
    Store(db_path).close()


def test_refuses_a_database_from_a_newer_mcv(db_path: Path):
    Store(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(StoreError, match=rf"newer mcv \(schema 99 > {len(MIGRATIONS)}\); upgrade mcv"):
        Store(db_path)


def test_refuses_a_file_that_is_not_a_database(db_path: Path):
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"not a database, just some text\n" * 200)
    with pytest.raises(StoreError, match="not a database") as caught:
        Store(db_path)
    assert str(db_path) in str(caught.value) and "move the file aside" in str(caught.value)


def test_refuses_a_folder_it_cannot_create(tmp_path: Path):
    (tmp_path / "file").write_text("in the way")
    with pytest.raises(StoreError, match="cannot create the folder"):
        Store(tmp_path / "file" / "mcv.db")


# --- closing and concurrency --------------------------------------------------------


def test_close_commits_what_is_queued_and_is_idempotent(db_path: Path):
    store = Store(db_path)
    futures = [store.add_event(event(f"entry {i}")) for i in range(500)]
    store.close()
    store.close()
    assert all(f.done() and f.result() for f in futures)
    with pytest.raises(StoreError, match="closed"):
        store.add_event(event())
    with pytest.raises(StoreError, match="closed"):
        store.events_since(None)
    assert len(stored_ids(db_path, "events")) == 500


def test_many_threads_write_and_read_at_once(store: Store):
    shared = event("reported by every seat")
    barrier = threading.Barrier(9)
    results: dict[int, list] = {}

    def seat(n: int) -> None:
        barrier.wait()
        futures = [store.add_event(event(f"seat {n} entry {i}")) for i in range(250)]
        futures.append(store.add_event(shared))
        results[n] = [f.result(timeout=10) for f in futures]

    def reader() -> None:
        barrier.wait()
        for _ in range(20):
            store.events_since(None, limit=50)

    threads = [threading.Thread(target=seat, args=(n,)) for n in range(8)] + [threading.Thread(target=reader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert all(all(r[:-1]) for r in results.values()) and len(results) == 8
    assert sum(r[-1] for r in results.values()) == 1  # exactly one seat stored the shared id
    assert store.count("events") == 8 * 250 + 1


def test_a_failed_write_fails_only_its_own_future(store: Store, db_path: Path):
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TRIGGER poison BEFORE INSERT ON events WHEN NEW.text = 'poison'"
                 " BEGIN SELECT RAISE(ABORT, 'poisoned row'); END")
    conn.commit()
    conn.close()
    with writer_blocked(db_path):
        store.add_event(event("plug"))
        time.sleep(0.1)
        good = [store.add_event(event(f"good {i}")) for i in range(5)]
        bad = store.add_event(event("poison"))
        good += [store.add_event(event(f"good {i}")) for i in range(5, 10)]
    with pytest.raises(sqlite3.IntegrityError, match="poisoned row"):
        bad.result(timeout=10)
    assert all(f.result(timeout=10) for f in good)
    assert store.add_event(event("after")).result(timeout=5)
    assert store.count("events") == 12


# --- crash safety --------------------------------------------------------------------


def burst_then_kill(path: Path, acknowledged: int) -> list[tuple[str, str]]:
    """Run store_burst.py until it has acknowledged enough writes, SIGKILL it, return every ack."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen([sys.executable, str(BURST), str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, text=True)
    try:
        lines = []
        while len(lines) < acknowledged and (line := proc.stdout.readline()):
            lines.append(line)
        assert len(lines) >= acknowledged, f"store_burst.py stopped early: {proc.stderr.read()}"
        assert proc.poll() is None, "store_burst.py was no longer writing when killed"
        proc.send_signal(signal.SIGKILL)
        lines += proc.stdout.read().splitlines(keepends=True)  # acks printed before the kill
    finally:
        proc.kill()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    return [tuple(line.split()) for line in lines if line.endswith("\n")]


def test_every_acknowledged_write_survives_sigkill(db_path: Path):
    acked: dict[str, set[str]] = {"event": set(), "unit": set()}
    for _ in range(3):
        for kind, payload_id in burst_then_kill(db_path, acknowledged=300):
            acked[kind].add(payload_id)
        conn = sqlite3.connect(db_path)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            conn.close()
        with Store(db_path) as reopened:
            assert reopened.count("events") >= len(acked["event"])
        assert acked["event"] <= stored_ids(db_path, "events")
        assert acked["unit"] <= stored_ids(db_path, "positions")
    assert len(acked["event"]) >= 3 * 250
