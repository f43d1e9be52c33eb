"""XYZ tile folders: reading, zoom limits, metadata.json, and paths that try to escape."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maps.tile_source import MAX_TILE_BYTES, TileError
from maps.xyz_folder import XyzFolderSource


def write_tile(root: Path, z: int, x: int, y: int, data: bytes, ext: str = "png") -> Path:
    path = root / str(z) / str(x) / f"{y}.{ext}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_reads_png_jpeg_and_webp(tmp_path: Path, samples) -> None:
    write_tile(tmp_path, 3, 1, 2, samples.png(1))
    write_tile(tmp_path, 4, 1, 2, samples.jpeg, "jpg")
    write_tile(tmp_path, 5, 1, 2, samples.webp, "webp")
    source = XyzFolderSource(tmp_path, attribution="© test")
    assert source.get(3, 1, 2) == samples.png(1)
    assert source.get(4, 1, 2) == samples.jpeg
    assert source.get(5, 1, 2) == samples.webp
    assert source.get(3, 2, 1) is None
    assert (source.min_zoom, source.max_zoom, source.attribution) == (3, 5, "© test")
    assert source.id == tmp_path.name and str(source.datum) == "WGS-84"
    source.close()


def test_metadata_json_from_mb_util_is_used(tmp_path: Path) -> None:
    (tmp_path / "metadata.json").write_text(json.dumps({"minzoom": "2", "maxzoom": 9, "attribution": "© OSM"}))
    source = XyzFolderSource(tmp_path)
    assert (source.min_zoom, source.max_zoom, source.attribution) == (2, 9, "© OSM")
    assert XyzFolderSource(tmp_path, min_zoom=4, attribution="").min_zoom == 4


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '{"minzoom": "²", "maxzoom": -3}', "x" * 70_000])
def test_hostile_metadata_json_is_ignored(tmp_path: Path, text: str) -> None:
    (tmp_path / "metadata.json").write_text(text)
    (tmp_path / "7").mkdir()
    source = XyzFolderSource(tmp_path)
    assert (source.min_zoom, source.max_zoom, source.attribution) == (7, 7, "")


def test_missing_root_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TileError, match=r"tile folder .*nope does not exist"):
        XyzFolderSource(tmp_path / "nope")


def test_hostile_files_are_counted_logged_once_and_skipped(tmp_path: Path, caplog, samples) -> None:
    write_tile(tmp_path, 1, 0, 0, b"<html>not a tile</html>")
    write_tile(tmp_path, 1, 0, 1, b"GIF89a....")
    write_tile(tmp_path, 1, 1, 0, samples.png() + b"\x00" * MAX_TILE_BYTES)
    caplog.set_level(logging.WARNING, logger="maps.xyz_folder")
    source = XyzFolderSource(tmp_path)
    assert [source.get(1, 0, 0), source.get(1, 0, 1), source.get(1, 1, 0)] == [None, None, None]
    assert source.rejected == 3
    assert len(caplog.records) == 1


def test_symlink_out_of_the_root_is_refused(tmp_path: Path, samples) -> None:
    root, outside = tmp_path / "tiles", tmp_path / "secret"
    outside.mkdir()
    (outside / "0.png").write_bytes(samples.png())
    (root / "2" / "1").mkdir(parents=True)
    (root / "2" / "1" / "0.png").symlink_to(outside / "0.png")
    (root / "3").symlink_to(outside, target_is_directory=True)
    source = XyzFolderSource(root)
    assert source.get(2, 1, 0) is None
    assert source.rejected == 1


def test_symlink_inside_the_root_is_followed(tmp_path: Path, samples) -> None:
    real = write_tile(tmp_path, 2, 1, 0, samples.png(3))
    (tmp_path / "2" / "1" / "1.png").symlink_to(real)
    assert XyzFolderSource(tmp_path).get(2, 1, 1) == samples.png(3)


@pytest.mark.parametrize(
    "key", [("..", 0, 0), (1, "../..", 0), (1, 0, "0.png/../../x"), (1, 0, 2), (-1, 0, 0), (1.0, 0, 0)]
)
def test_keys_that_are_not_tiles_are_refused(tmp_path: Path, key: tuple[object, object, object]) -> None:
    with pytest.raises(ValueError):
        XyzFolderSource(tmp_path).get(*key)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(-3, 30), st.integers(-(2**33), 2**33), st.integers(-(2**33), 2**33))
def test_any_integer_key_stays_inside_the_root(tmp_path: Path, z: int, x: int, y: int) -> None:
    source = XyzFolderSource(tmp_path)
    try:
        path = source.path_for(z, x, y)
    except ValueError:
        return
    assert path is None or path.is_relative_to(source.root)
