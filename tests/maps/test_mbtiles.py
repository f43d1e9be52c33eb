"""MBTiles files: the TMS row flip, metadata, hostile and damaged files, the LRU cap."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maps.datum import Datum
from maps.mbtiles import MbtilesStore
from maps.mercator import BBox, tile_bounds
from maps.tile_source import TileError, TileKey


def raw_rows(path: Path) -> set[tuple[int, int, int]]:
    with sqlite3.connect(path) as db:
        return set(db.execute("SELECT zoom_level, tile_column, tile_row FROM tiles"))


def test_put_and_get_round_trip_with_the_tms_row_flip(tmp_path: Path, samples) -> None:
    path = tmp_path / "t.mbtiles"
    with MbtilesStore(path, writable=True) as store:
        store.put(3, 1, 2, samples.png(1))
        store.put(0, 0, 0, samples.jpeg)
        assert store.get(3, 1, 2) == samples.png(1)
        assert store.get(0, 0, 0) == samples.jpeg
        assert store.get(3, 1, 5) is None
        assert store.has(3, 1, 2) and not store.has(3, 2, 1)
    assert raw_rows(path) == {(3, 1, 8 - 1 - 2), (0, 0, 0)}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 24).flatmap(lambda z: st.tuples(st.just(z), st.integers(0, 2**z - 1), st.integers(0, 2**z - 1))))
def test_any_key_round_trips_and_is_stored_tms(tmp_path: Path, samples, key: tuple[int, int, int]) -> None:
    path = tmp_path / "h.mbtiles"
    z, x, y = key
    with MbtilesStore(path, writable=True) as store:
        store.put(z, x, y, samples.png(x % 7))
        assert store.get(z, x, y) == samples.png(x % 7)
        assert list(store.keys()) == [TileKey(z, x, y)]
        store.delete(z, x, y)
    assert raw_rows(path) == set()


def test_metadata_and_info(tmp_path: Path, samples) -> None:
    path = tmp_path / "info.mbtiles"
    with MbtilesStore(path, writable=True) as store:
        store.set_metadata({"name": "Gongshu", "format": "png", "bounds": (120.1, 30.2, 120.3, 30.4),
                            "center": [120.2, 30.3, 12], "minzoom": 10, "maxzoom": 11, "attribution": "© OSM"})
        store.put_many([(TileKey(10, 853, 421), samples.png(1)), (TileKey(11, 1706, 843), samples.png(2))])
    with MbtilesStore(path) as store:
        info = store.info()
        assert store.metadata()["bounds"] == "120.1,30.2,120.3,30.4"
        assert (store.min_zoom, store.max_zoom, store.attribution, store.id) == (10, 11, "© OSM", "info")
    assert info["format"] == "png" and info["name"] == "Gongshu"
    assert info["bounds"] == [120.1, 30.2, 120.3, 30.4] and info["center"] == [120.2, 30.3, 12]
    assert info["zooms"] == [10, 11] and info["tile_count"] == 2
    assert info["tile_bytes"] == len(samples.png(1)) + len(samples.png(2))
    assert info["file_bytes"] == path.stat().st_size and info["datum"] == "WGS-84"


def test_datum_is_kept_in_metadata(tmp_path: Path) -> None:
    path = tmp_path / "gcj.mbtiles"
    with MbtilesStore(path, writable=True) as store:
        store.set_metadata({"mcv_datum": "GCJ-02"})
        assert store.datum is Datum.GCJ02
    with MbtilesStore(path) as store:
        assert store.datum is Datum.GCJ02
    with MbtilesStore(path, datum=Datum.WGS84) as store:
        assert store.datum is Datum.WGS84


def test_zooms_come_from_tiles_when_metadata_lacks_them(tmp_path: Path, samples) -> None:
    with MbtilesStore(tmp_path / "z.mbtiles", writable=True) as store:
        assert (store.min_zoom, store.max_zoom) == (0, 0)
        store.put(5, 1, 1, samples.png())
        store.put(7, 1, 1, samples.png())
        assert (store.min_zoom, store.max_zoom) == (5, 7)
        store.set_metadata({"minzoom": "x", "maxzoom": "²"})  # hostile values fall back to the tiles
        assert (store.min_zoom, store.max_zoom) == (5, 7)


def test_count_and_keys_by_box(tmp_path: Path, samples) -> None:
    with MbtilesStore(tmp_path / "k.mbtiles", writable=True) as store:
        store.put_many((TileKey(4, x, y), samples.png(x)) for x in range(16) for y in range(16))
        box = tile_bounds(4, 3, 5)
        inner = BBox(box.west + 0.1, box.south + 0.1, box.east - 0.1, box.north - 0.1)
        assert list(store.keys(inner, 4, 4)) == [TileKey(4, 3, 5)]
        assert store.count(inner, 0, 10) == 1
        assert store.count() == 256 == len(list(store.keys()))


def test_read_only_store_refuses_writes(tmp_path: Path, samples) -> None:
    path = tmp_path / "ro.mbtiles"
    MbtilesStore(path, writable=True).close()
    with MbtilesStore(path) as store, pytest.raises(TileError, match="read-only"):
        store.put(0, 0, 0, samples.png())


def test_close_leaves_one_self_contained_file(tmp_path: Path, samples) -> None:
    path = tmp_path / "wal.mbtiles"
    store = MbtilesStore(path, writable=True)
    store.put(1, 0, 0, samples.png())
    store.close()
    store.close()  # twice is harmless
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wal.mbtiles"]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        tiles_columns = [row[1] for row in db.execute("PRAGMA table_info(tiles)")]
    assert tiles_columns == ["zoom_level", "tile_column", "tile_row", "tile_data"]


# -- hostile and damaged files ---------------------------------------------------------


def test_hostile_tile_data_is_counted_logged_once_and_not_returned(tmp_path: Path, caplog, samples) -> None:
    path = tmp_path / "hostile.mbtiles"
    with MbtilesStore(path, writable=True) as store:
        store.put(1, 0, 0, samples.png())
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO tiles VALUES (1, 1, 1, ?)", (b"<html>captive portal</html>",))
        db.execute("INSERT INTO tiles VALUES (1, 1, 0, 'text, not a blob')")
        db.execute("INSERT INTO tiles VALUES (99, -4, 'x', ?)", (samples.png(),))  # not a tile address
    caplog.set_level(logging.WARNING, logger="maps.mbtiles")
    with MbtilesStore(path) as store:
        assert store.get(1, 1, 0) is None and store.get(1, 1, 1) is None
        assert store.get(1, 0, 0) == samples.png()
        assert store.rejected == 2
        assert sorted(store.keys()) == [TileKey(1, 0, 0), TileKey(1, 1, 0), TileKey(1, 1, 1)]
    assert len([r for r in caplog.records if "not a PNG" in r.message]) == 1


def test_put_refuses_hostile_data(tmp_path: Path, samples) -> None:
    with MbtilesStore(tmp_path / "p.mbtiles", writable=True) as store:
        for data in (b"", b"<html>", "text"):
            with pytest.raises(TileError, match="not a PNG"):
                store.put(0, 0, 0, data)  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            store.put(1, 2, 0, samples.png())
        assert store.count() == 0


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(TileError, match=r"nowhere\.mbtiles does not exist"):
        MbtilesStore(tmp_path / "nowhere.mbtiles")


@pytest.mark.parametrize("writable", [False, True])
def test_a_file_that_is_not_sqlite_is_refused_and_untouched(tmp_path: Path, writable: bool) -> None:
    path = tmp_path / "photo.mbtiles"
    path.write_bytes(b"\xff\xd8\xff" + os.urandom(5000))
    before = path.read_bytes()
    with pytest.raises(TileError, match=r"photo\.mbtiles is not an MBTiles file"):
        MbtilesStore(path, writable=writable)
    assert path.read_bytes() == before


@pytest.mark.parametrize("writable", [False, True])
def test_another_programs_database_is_refused(tmp_path: Path, writable: bool) -> None:
    path = tmp_path / "events.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE events (id INTEGER)")
    with pytest.raises(TileError, match=r"events\.db is not an MBTiles file \(it has no tiles table\)"):
        MbtilesStore(path, writable=writable)
    with sqlite3.connect(path) as db:
        assert [r[0] for r in db.execute("SELECT name FROM sqlite_master")] == ["events"]


def test_a_truncated_file_gives_a_clear_error(tmp_path: Path, samples) -> None:
    path = tmp_path / "cut.mbtiles"
    with MbtilesStore(path, writable=True) as store:
        store.put_many((TileKey(8, x, y), samples.png(x, size=40)) for x in range(30) for y in range(10))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(TileError, match=r"cut\.mbtiles"):
        with MbtilesStore(path) as store:
            store.info()


def test_vector_tiles_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "vector.mbtiles"
    with MbtilesStore(path, writable=True) as store:
        store.set_metadata({"format": "pbf"})
    with pytest.raises(TileError, match="vector tiles"):
        MbtilesStore(path)


def test_deduplicated_layout_is_readable_but_not_writable(tmp_path: Path, samples) -> None:
    path = tmp_path / "dedup.mbtiles"
    with sqlite3.connect(path) as db:
        db.executescript("""
            CREATE TABLE map (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_id TEXT);
            CREATE TABLE images (tile_data BLOB, tile_id TEXT);
            CREATE TABLE metadata (name TEXT, value TEXT);
            CREATE VIEW tiles AS SELECT map.zoom_level, map.tile_column, map.tile_row, images.tile_data
                FROM map JOIN images ON images.tile_id = map.tile_id;
        """)
        db.execute("INSERT INTO map VALUES (2, 1, 0, 'a')")
        db.execute("INSERT INTO images VALUES (?, 'a')", (samples.png(),))
    with MbtilesStore(path) as store:
        assert store.get(2, 1, 3) == samples.png()
    with pytest.raises(TileError, match="view"):
        MbtilesStore(path, writable=True)


def test_unopenable_path_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(TileError, match="cannot open MBTiles file"):
        MbtilesStore(tmp_path / "no-such-dir" / "x.mbtiles", writable=True)


# -- the cache cap -------------------------------------------------------------------


def test_cap_evicts_least_recently_read_tiles(tmp_path: Path, clock, samples) -> None:
    tile = samples.png(0)
    cap = len(tile) * 10
    path = tmp_path / "cache.mbtiles"
    with MbtilesStore(path, writable=True, max_bytes=cap, clock=clock) as store:
        for x in range(10):
            clock.advance(1)
            store.put(4, x, 0, tile)
        assert store.tile_bytes == cap and store.count() == 10
        clock.advance(1)
        assert store.get(4, 0, 0) == tile  # the oldest written, but now the most recently read
        clock.advance(1)
        store.put(4, 0, 1, tile)  # over the cap: evict down to 90 %
        assert store.tile_bytes <= cap * 0.9
        assert store.has(4, 0, 0) and store.has(4, 0, 1)
        assert not store.has(4, 1, 0) and not store.has(4, 2, 0)
        assert store.tile_bytes == sum(len(store.get(*k) or b"") for k in store.keys())
    with sqlite3.connect(path) as db:  # the bookkeeping stays in its side table
        assert db.execute("SELECT COUNT(*) FROM mcv_tile_access").fetchone()[0] == 9


def test_cap_counts_tiles_written_by_other_tools_as_oldest(tmp_path: Path, clock, samples) -> None:
    tile = samples.png(0)
    path = tmp_path / "old.mbtiles"
    with MbtilesStore(path, writable=True) as store:
        store.put_many((TileKey(3, x, 0), tile) for x in range(4))
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE mcv_tile_access")  # as if another tool had written the file
    with MbtilesStore(path, writable=True, max_bytes=len(tile) * 5, clock=clock) as store:
        assert store.tile_bytes == 4 * len(tile)
        store.put(3, 7, 7, tile)
        store.put(3, 6, 6, tile)
        assert store.has(3, 7, 7) and store.has(3, 6, 6) and store.count() <= 4
        assert store.age_s(3, 7, 7) == 0 and store.age_s(3, 1, 0) is None


def test_cap_needs_a_writable_store(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="writable"):
        MbtilesStore(tmp_path / "x.mbtiles", max_bytes=100)


# -- the row flip checked by an independent tool ---------------------------------------


def _mb_util() -> str | None:
    found = shutil.which("mb-util") or shutil.which("mb-util", path=str(Path(sys.executable).parent))
    return found


@pytest.mark.skipif(_mb_util() is None, reason="mb-util (PyPI mbutil) is not installed")
def test_row_flip_agrees_with_mb_util(tmp_path: Path, samples) -> None:
    tool = _mb_util()
    assert tool is not None
    ours = tmp_path / "ours.mbtiles"
    keys = [TileKey(0, 0, 0), TileKey(2, 1, 0), TileKey(3, 5, 1), TileKey(12, 3415, 1686)]
    with MbtilesStore(ours, writable=True) as store:
        store.set_metadata({"name": "flip", "format": "png"})
        for i, key in enumerate(keys):
            store.put(*key, samples.png(i))
    exported = tmp_path / "xyz"
    subprocess.run([tool, "--silent", str(ours), str(exported)], check=True, capture_output=True, timeout=60)
    for i, key in enumerate(keys):  # mb-util's default scheme is xyz: {z}/{x}/{y}.png
        assert (exported / str(key.z) / str(key.x) / f"{key.y}.png").read_bytes() == samples.png(i)
    theirs = tmp_path / "theirs.mbtiles"
    subprocess.run([tool, "--silent", str(exported), str(theirs)], check=True, capture_output=True, timeout=60)
    with MbtilesStore(theirs) as store:
        assert sorted(store.keys()) == sorted(keys)
        assert all(store.get(*key) == samples.png(i) for i, key in enumerate(keys))
