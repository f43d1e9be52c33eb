"""Benchmark: durable event writes per second through ``Store`` against raw ``sqlite3``.

Run by hand: ``.venv/bin/python tests/bench/bench_store.py``. Both sides write the same
rows into the same table shape with the same pragmas (WAL, ``synchronous=FULL``) in temp
dirs: the store by submitting every event and waiting for every future, raw sqlite3 by
one ``executemany`` in one transaction. The best of a few rounds of each is kept to tame
noise. The last line printed is one JSON object with the figures.

Each side starts after a full garbage collection. The store side also pays for the
collector walking the 20,000 futures the caller holds (11 GC-tracked objects each), so the
rounds are repeated with the collector paused to show what the store itself costs.
"""

from __future__ import annotations

import gc
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from radios.schema import Event  # noqa: E402
from radios.store import _INSERT_EVENT, Store  # noqa: E402

N = 20_000
ROUNDS = 5
GOAL = 0.5


def make_events(n: int) -> list[Event]:
    return [Event.create("bench", category="link", text=f"report {i}", severity="info",
                         unit="u1", lat=48.1, lon=11.5) for i in range(n)]


def store_per_s(events: list[Event], folder: Path) -> float:
    with Store(folder / "store.db") as store:
        start = time.perf_counter()
        receipts = [store.add_event(event) for event in events]
        assert all(receipt.result() for receipt in receipts)
        elapsed = time.perf_counter() - start
    return len(events) / elapsed


def raw_per_s(events: list[Event], folder: Path) -> float:
    path = folder / "raw.db"
    Store(path).close()  # the same table shape as the store's, empty
    rows = [(e.id, e.ts, e.src, e.category, e.severity, e.seat, e.unit, e.text, e.lat, e.lon, e.corrects)
            for e in events]
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(_INSERT_EVENT, rows)
        conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
    finally:
        conn.close()
    return len(rows) / elapsed


def timed(measure, events: list[Event], collector: bool) -> float:
    with tempfile.TemporaryDirectory(prefix="mcv-bench-") as tmp:
        gc.collect()
        if not collector:
            gc.disable()
        try:
            return measure(events, Path(tmp))
        finally:
            gc.enable()


def best_of_rounds(collector: bool) -> tuple[float, float]:
    best_store = best_raw = 0.0
    for round_number in range(1, ROUNDS + 1):
        events = make_events(N)
        raw = timed(raw_per_s, events, collector)
        stored = timed(store_per_s, events, collector)
        best_store, best_raw = max(best_store, stored), max(best_raw, raw)
        print(f"gc {'on ' if collector else 'off'} round {round_number}: store {stored:,.0f}/s  "
              f"raw {raw:,.0f}/s  ratio {stored / raw:.2f}")
    return best_store, best_raw


def main() -> None:
    store, raw = best_of_rounds(collector=True)
    store_gc_off, raw_gc_off = best_of_rounds(collector=False)
    ratio, ratio_gc_off = store / raw, store_gc_off / raw_gc_off
    print(f"best: store {store:,.0f} events/s, raw sqlite3 {raw:,.0f} events/s, ratio {ratio:.2f} "
          f"(goal {GOAL}); with the collector paused {ratio_gc_off:.2f}")
    print(json.dumps({"bench": "store", "n": N, "store_per_s": round(store), "raw_per_s": round(raw),
                      "ratio": round(ratio, 3), "goal": GOAL, "store_per_s_gc_off": round(store_gc_off),
                      "raw_per_s_gc_off": round(raw_gc_off), "ratio_gc_off": round(ratio_gc_off, 3)}))


if __name__ == "__main__":
    main()
