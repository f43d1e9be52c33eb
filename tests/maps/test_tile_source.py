"""Tile keys, tile-data checks and the TileSource protocol."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maps.http_source import HttpSourceConfig, HttpTileSource
from maps.mbtiles import MbtilesStore
from maps.tile_source import MAX_TILE_BYTES, MAX_ZOOM, TileKey, TileSource, is_tile_image, tile_format, tile_key
from maps.xyz_folder import XyzFolderSource


def test_valid_keys() -> None:
    assert tile_key(0, 0, 0) == TileKey(0, 0, 0)
    assert tile_key(3, 7, 7) == (3, 7, 7)
    assert tile_key(MAX_ZOOM, 2**MAX_ZOOM - 1, 0).z == MAX_ZOOM


@pytest.mark.parametrize(
    "key",
    [(True, 0, 0), (1, False, 0), (1.0, 0, 0), ("1", "0", "0"), (1, 0, "../../etc/passwd"), (None, 0, 0),
     (-1, 0, 0), (MAX_ZOOM + 1, 0, 0), (2, 4, 0), (2, 0, 4), (2, -1, 0), (2, 0, -1)],
)
def test_bad_keys_are_refused(key: tuple[object, object, object]) -> None:
    with pytest.raises(ValueError, match="tile"):
        tile_key(*key)


@settings(max_examples=100, deadline=None)
@given(st.integers(-5, 40), st.integers(-(2**41), 2**41), st.integers(-(2**41), 2**41))
def test_any_integer_key_is_valid_exactly_when_the_tile_exists(z: int, x: int, y: int) -> None:
    exists = 0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z
    if exists:
        assert tile_key(z, x, y) == (z, x, y)
    else:
        with pytest.raises(ValueError):
            tile_key(z, x, y)


def test_formats_by_magic(samples) -> None:
    assert tile_format(samples.png()) == "png"
    assert tile_format(samples.jpeg) == "jpg"
    assert tile_format(samples.webp) == "webp"
    for hostile in (b"", b"<html>busy</html>", b"RIFF\x00\x00\x00\x00WAVE", b"\x89PN", b"GIF89a"):
        assert tile_format(hostile) is None
        assert not is_tile_image(hostile)


def test_oversized_or_non_bytes_data_is_not_a_tile(samples) -> None:
    assert is_tile_image(samples.png())
    assert not is_tile_image(samples.png() + b"\x00" * MAX_TILE_BYTES)
    assert not is_tile_image(samples.png().decode("latin-1"))
    assert not is_tile_image(None)


def test_every_source_satisfies_the_protocol(tmp_path) -> None:
    store = MbtilesStore(tmp_path / "a.mbtiles", writable=True)
    folder = XyzFolderSource(tmp_path)
    http = HttpTileSource(HttpSourceConfig("osm", "http://127.0.0.1:9/{z}/{x}/{y}.png"))
    try:
        for source in (store, folder, http):
            assert isinstance(source, TileSource)
    finally:
        for source in (store, folder, http):
            source.close()
