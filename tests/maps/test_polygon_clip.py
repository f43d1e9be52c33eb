"""maps.polygon_clip, and the demo's GSHHG extractor that uses it on real-format records."""

from __future__ import annotations

import importlib.util
import json
import struct
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maps.mercator import bbox
from maps.polygon_clip import clip_line, clip_ring

BOX = bbox(0.0, 0.0, 10.0, 10.0)
EXTRACTOR = Path(__file__).resolve().parents[2] / "resources" / "demo_tiles" / "extract_shoreline.py"


def shoelace(ring):
    return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:] + ring[:1]))) / 2


def test_a_ring_inside_the_box_is_kept_as_it_is():
    ring = [(1.0, 1.0), (4.0, 1.0), (4.0, 4.0), (1.0, 4.0), (1.0, 1.0)]
    assert clip_ring(ring, BOX) == ring[:-1]


def test_a_ring_outside_the_box_leaves_nothing():
    assert clip_ring([(20.0, 20.0), (30.0, 20.0), (30.0, 30.0)], BOX) == []


def test_a_ring_around_the_box_becomes_the_box():
    clipped = clip_ring([(-5.0, -5.0), (15.0, -5.0), (15.0, 15.0), (-5.0, 15.0)], BOX)
    assert shoelace(clipped) == pytest.approx(100.0)
    assert set(clipped) == {(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)}


def test_a_concave_coastline_keeps_its_area_inside_the_box():
    # A U-shaped bay reaching into the box from the south: land on three sides of the water.
    ring = [(-5.0, -5.0), (3.0, -5.0), (3.0, 6.0), (7.0, 6.0), (7.0, -5.0), (15.0, -5.0), (15.0, 15.0), (-5.0, 15.0)]
    clipped = clip_ring(ring, BOX)
    assert shoelace(clipped) == pytest.approx(100.0 - 4.0 * 6.0)
    assert all(0.0 <= lon <= 10.0 and 0.0 <= lat <= 10.0 for lon, lat in clipped)


def test_a_line_is_split_into_the_runs_inside_the_box():
    line = [(-5.0, 5.0), (5.0, 5.0), (5.0, 15.0), (8.0, 15.0), (8.0, 5.0), (12.0, 5.0)]
    assert clip_line(line, BOX) == [[(0.0, 5.0), (5.0, 5.0), (5.0, 10.0)], [(8.0, 10.0), (8.0, 5.0), (10.0, 5.0)]]
    assert clip_line([(20.0, 20.0), (30.0, 30.0)], BOX) == []


coordinates = st.floats(min_value=-30.0, max_value=40.0, allow_nan=False)


@given(st.lists(st.tuples(coordinates, coordinates), min_size=3, max_size=40))
def test_any_ring_clips_to_a_ring_of_points_inside_the_box_or_to_nothing(ring):
    clipped = clip_ring(ring, BOX)
    assert all(-1e-9 <= lon <= 10.0 + 1e-9 and -1e-9 <= lat <= 10.0 + 1e-9 for lon, lat in clipped)
    assert clipped == [] or len(clipped) >= 3


@given(st.lists(st.tuples(coordinates, coordinates), min_size=2, max_size=40))
def test_any_line_clips_to_runs_inside_the_box(line):
    for run in clip_line(line, BOX):
        assert len(run) >= 2
        assert all(-1e-9 <= lon <= 10.0 + 1e-9 and -1e-9 <= lat <= 10.0 + 1e-9 for lon, lat in run)


def load_extractor():
    spec = importlib.util.spec_from_file_location("extract_shoreline", EXTRACTOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_gshhg(folder: Path, name: str, records) -> None:
    """Records in GSHHG's basemap layout: a meta line per record, float32 lon/lat pairs."""
    data, meta = b"", []
    for level, points in records:
        lats = [lat for _, lat in points]
        meta.append(f"{level} 1.0 {len(points)} {min(lats):.5f} {max(lats):.5f} {len(data)} {8 * len(points)} 0")
        data += struct.pack(f"<{2 * len(points)}f", *[v for point in points for v in point])
    (folder / f"{name}_f.dat").write_bytes(data)
    (folder / f"{name}meta_f.dat").write_text("\n".join(meta) + "\n")


def test_the_extractor_keeps_only_the_demo_area_from_gshhg_records(tmp_path):
    extractor = load_extractor()
    area = extractor.AREA
    inside_lon, inside_lat = (area.west + area.east) / 2, (area.south + area.north) / 2
    land = [(area.west - 1, area.south - 1), (inside_lon, area.south - 1), (inside_lon, area.north + 1),
            (area.west - 1, area.north + 1)]  # the western half of the area is land
    far = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)]  # somewhere else: dropped
    write_gshhg(tmp_path, "gshhs", [(1, land), (1, far)])
    write_gshhg(tmp_path, "rivers", [(-1, [(area.west - 1, inside_lat), (area.east + 1, inside_lat)])])
    collection = extractor.extract(tmp_path)
    kinds = [feature["properties"]["kind"] for feature in collection["features"]]
    assert kinds == ["land", "river"]
    ring = collection["features"][0]["geometry"]["coordinates"][0]
    assert {round(lon, 3) for lon, _ in ring} == {round(area.west, 3), round(inside_lon, 3)}
    json.dumps(collection)  # plain data, ready to write


def test_the_shipped_extract_lies_in_the_demo_area_and_has_land_and_water():
    extractor = load_extractor()
    collection = json.loads(extractor.OUT.read_text(encoding="utf-8"))
    assert "GSHHG" in collection["properties"]["source"]
    area = extractor.AREA
    (feature,) = [f for f in collection["features"] if f["properties"]["kind"] == "land"]
    ring = [tuple(point) for point in feature["geometry"]["coordinates"][0]]
    assert all(area.west - 1e-5 <= lon <= area.east + 1e-5 and area.south - 1e-5 <= lat <= area.north + 1e-5
               for lon, lat in ring)
    box_area = (area.east - area.west) * (area.north - area.south)
    assert 0.5 * box_area < shoelace(ring) < 0.98 * box_area  # mostly land, with the river cut out
