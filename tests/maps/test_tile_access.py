"""The side table of store and read times behind the cache's LRU eviction."""

from __future__ import annotations

import sqlite3

import pytest

from maps.tile_access import FLUSH_EVERY, TileAccessLog


@pytest.fixture
def db():
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
    yield db
    db.close()


def stored_rows(db: sqlite3.Connection) -> list[tuple]:
    return db.execute("SELECT * FROM mcv_tile_access ORDER BY tile_column").fetchall()


def test_reads_are_written_in_batches_and_order_eviction(db, clock) -> None:
    log = TileAccessLog(db, clock)
    log.create(adopt_existing=False)
    for column in range(3):
        clock.advance(1)
        log.stored((5, column, 0))
    clock.advance(1)
    log.read((5, 0, 0))
    assert stored_rows(db)[0][4] == 1001  # not written yet
    assert log.oldest(2) == [(5, 1, 0), (5, 2, 0)]  # asking flushes first
    assert stored_rows(db)[0][4] == 1004
    clock.advance(1)
    log.read((5, 1, 0))
    for column in range(10, 10 + FLUSH_EVERY - 2):
        log.read((5, column, 0))
    assert stored_rows(db)[1][4] == 1002
    log.read((5, 2, 0))  # the batch is full: written now
    assert [row[4] for row in stored_rows(db)] == [1004, 1005, 1005]


def test_adopting_tiles_of_other_tools_and_ages(db, clock) -> None:
    db.execute("INSERT INTO tiles VALUES (3, 1, 1, x'00')")
    log = TileAccessLog(db, clock)
    log.create(adopt_existing=True)
    log.create(adopt_existing=True)  # idempotent
    assert stored_rows(db) == [(3, 1, 1, 0.0, 0.0)]
    assert log.age_s((3, 1, 1)) is None
    log.stored((3, 2, 2))
    clock.advance(42)
    assert log.age_s((3, 2, 2)) == 42
    log.read((3, 2, 2))
    log.forget((3, 2, 2))
    log.flush()
    assert log.oldest(10) == [(3, 1, 1)]
