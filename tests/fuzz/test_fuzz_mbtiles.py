"""MBTiles files from elsewhere: tiles, or ``TileError`` naming the file; never a crash or a hang.

Byte mutations mostly meet SQLite's own checks; the SQL-level strategy builds files that
SQLite accepts but that hold hostile rows: odd types, impossible addresses, views.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from fuzz_budget import HOSTILE_NUMBERS, HOSTILE_TEXT, budget, mutated, run_checked
from fuzz_seeds import PNG_1PX
from fuzz_targets import TARGETS
from hypothesis import given
from hypothesis import strategies as st

TARGET = TARGETS["mbtiles"]

cells = (st.sampled_from([n for n in HOSTILE_NUMBERS if not isinstance(n, int) or abs(n) < 2**63])
         | st.sampled_from(HOSTILE_TEXT) | st.none() | st.binary(max_size=16) | st.just(PNG_1PX)
         | st.integers(-(2**63), 2**63 - 1) | st.integers(-2, 30))
metadata_names = st.sampled_from(["name", "format", "minzoom", "maxzoom", "bounds", "center", "mcv_datum",
                                  "attribution", "json"]) | st.text(max_size=8) | st.integers(-(2**63), 2**63 - 1)


@st.composite
def hostile_files(draw) -> bytes:
    """An SQLite file shaped like MBTiles whose metadata and tile rows hold any values (and maybe views)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hostile.mbtiles"
        db = sqlite3.connect(path)
        tiles_as_view = draw(st.booleans())
        db.execute("CREATE TABLE metadata (name, value)")
        db.execute(f"CREATE TABLE {'raw' if tiles_as_view else 'tiles'} "
                   "(zoom_level, tile_column, tile_row, tile_data)")
        if tiles_as_view:
            db.execute("CREATE VIEW tiles AS SELECT * FROM raw")
        db.executemany("INSERT INTO metadata VALUES (?, ?)",
                       draw(st.lists(st.tuples(metadata_names, cells), max_size=8)))
        db.executemany(f"INSERT INTO {'raw' if tiles_as_view else 'tiles'} VALUES (?, ?, ?, ?)",
                       draw(st.lists(st.tuples(cells, cells, cells, cells), max_size=8)))
        db.commit()
        db.close()
        return path.read_bytes()


@budget(40)
@given(st.binary(max_size=200))
def test_random_bytes_as_an_mbtiles_file_are_refused(data):
    run_checked(TARGET, data)


@budget(80)
@given(mutated(TARGET))
def test_a_mutated_mbtiles_file_is_read_or_refused(data):
    run_checked(TARGET, data)


@budget(80)
@given(hostile_files())
def test_mbtiles_files_with_hostile_rows_are_read_or_refused(data):
    run_checked(TARGET, data)
