"""The map view offscreen: tiles from a real MBTiles file, parents for holes, pan and zoom, units and datums."""

import dataclasses
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QWheelEvent
from PySide6.QtWidgets import QApplication

from console.map_view import PAN_STEP_PX, WHEEL_ZOOM_STEP, MapView
from console.unit_markers import KIND_COLOURS
from maps.datum import wgs84_to_gcj02
from maps.mbtiles import MbtilesStore
from maps.mercator import lonlat_to_tile, lonlat_to_world
from maps.tile_source import TileKey
from radios.config import MapSourceConfig
from radios.schema import UnitState

GONGSHU = (120.1630, 30.3195)  # lon, lat
RED, GREEN, BLUE, YELLOW = QColor(220, 30, 30), QColor(30, 200, 60), QColor(40, 60, 230), QColor(240, 220, 20)


def solid_png(colour: QColor) -> bytes:
    image = QImage(256, 256, QImage.Format_RGB32)
    image.fill(colour)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.WriteOnly)
    assert image.save(buffer, "PNG")
    return bytes(data.data())


def make_mbtiles(path: Path, tiles: dict[TileKey, QColor], **metadata) -> Path:
    with MbtilesStore(path, writable=True) as store:
        store.put_many((key, solid_png(colour)) for key, colour in tiles.items())
        store.set_metadata({"name": "test", "format": "png", **metadata})
    return path


@pytest.fixture
def open_view(qtbot):
    """Builds shown 256 x 256 map views; stops every tile worker after the test."""
    views: list[MapView] = []

    def build(source: MapSourceConfig | None, size=(256, 256), stale_after_s=120) -> MapView:
        view = MapView(source, stale_after_s)
        qtbot.addWidget(view)
        view.resize(*size)
        view.show()
        views.append(view)
        if source is not None and view.source_state == "opening":
            qtbot.waitUntil(lambda: view.source_state == "ready", timeout=5000)
        return view

    yield build
    for view in views:
        view.stop()


def mbtiles_source(path: Path, datum: str = "WGS-84") -> MapSourceConfig:
    return MapSourceConfig(id="test", kind="mbtiles", path=path, datum=datum, attribution="test tiles")


def pixel(view: MapView, x: int, y: int) -> QColor:
    return view.grab().toImage().pixelColor(x, y)


def same_colour(a: QColor, b: QColor, tolerance: int = 12) -> bool:
    return all(abs(p - q) <= tolerance for p, q in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


def test_map_view_paints_the_tiles_of_an_mbtiles_file(tmp_path, open_view, qtbot):
    quads = {TileKey(3, 3, 3): RED, TileKey(3, 4, 3): GREEN, TileKey(3, 3, 4): BLUE, TileKey(3, 4, 4): YELLOW}
    view = open_view(mbtiles_source(make_mbtiles(tmp_path / "quads.mbtiles", quads)))
    view.centre_on(0.0, 0.0, 3)  # the four tiles meet in the middle of the view
    samples = {(64, 64): RED, (192, 64): GREEN, (64, 160): BLUE, (192, 160): YELLOW}
    qtbot.waitUntil(lambda: all(same_colour(pixel(view, *at), c) for at, c in samples.items()), timeout=5000)
    assert len(view.cache) == 4


def test_map_view_draws_a_missing_tile_from_its_parent(tmp_path, open_view, qtbot):
    tiles = {TileKey(2, 1, 1): RED, TileKey(2, 2, 1): GREEN, TileKey(3, 4, 3): BLUE}
    path = make_mbtiles(tmp_path / "parents.mbtiles", tiles, minzoom=2, maxzoom=3)
    view = open_view(mbtiles_source(path))
    view.centre_on(0.0, 0.0, 3)
    # 3/3/3 exists only as the bottom-right quarter of 2/1/1; 3/4/3 has its own tile, which wins over 2/2/1.
    qtbot.waitUntil(lambda: same_colour(pixel(view, 64, 64), RED) and same_colour(pixel(view, 192, 64), BLUE),
                    timeout=5000)
    assert TileKey(3, 3, 3) not in view.cache and TileKey(2, 1, 1) in view.cache


def test_map_view_pans_by_keys_and_drag_and_zooms_by_keys_and_wheel(open_view, qtbot):
    view = open_view(None)
    view.centre_on(*GONGSHU, 15)
    port = view.viewport
    x0, y0 = port.centre_x, port.centre_y
    qtbot.keyClick(view, Qt.Key_Right)  # the view moves east: the map slides left
    assert port.centre_x == pytest.approx(x0 + PAN_STEP_PX / port.scale)
    qtbot.keyClick(view, Qt.Key_Up)
    assert port.centre_y == pytest.approx(y0 - PAN_STEP_PX / port.scale)
    before = view.position_to_screen(*GONGSHU)
    qtbot.mousePress(view, Qt.LeftButton, pos=QPoint(100, 100))
    qtbot.mouseMove(view, QPoint(130, 90))
    qtbot.mouseRelease(view, Qt.LeftButton, pos=QPoint(130, 90))
    after = view.position_to_screen(*GONGSHU)
    assert (after.x() - before.x(), after.y() - before.y()) == pytest.approx((30, -10))
    qtbot.keyClick(view, Qt.Key_Plus)
    assert port.zoom == pytest.approx(16)
    qtbot.keyClick(view, Qt.Key_Minus)
    assert port.zoom == pytest.approx(15)
    under = view.screen_to_position(QPointF(200, 60))
    wheel = QWheelEvent(QPointF(200, 60), view.mapToGlobal(QPointF(200, 60)), QPoint(0, 0), QPoint(0, 240),
                        Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(view, wheel)
    assert port.zoom == pytest.approx(15 + 2 * WHEEL_ZOOM_STEP)
    assert view.position_to_screen(*under).toTuple() == pytest.approx((200, 60), abs=1e-6)


def test_map_view_draws_a_unit_at_its_position(open_view):
    view = open_view(None)
    view.centre_on(*GONGSHU, 16)
    unit = UnitState.create("test", uid="r1", unit_kind="responder", callsign="Rescue 1",
                            lon=GONGSHU[0] + 0.0005, lat=GONGSHU[1] - 0.0003)
    view.update_units([unit])
    at = view.unit_screen_pos("r1")
    assert at.toTuple() == pytest.approx(view.viewport.lonlat_to_screen(unit.lon, unit.lat))
    assert at.toTuple() == pytest.approx(view.position_to_screen(unit.lon, unit.lat).toTuple())
    assert 128 < at.x() < 256 and 128 < at.y() < 256  # east and south of the centre
    assert same_colour(pixel(view, round(at.x()), round(at.y())), KIND_COLOURS["responder"], 30)


def test_map_view_fades_a_stale_unit(open_view):
    view = open_view(None, stale_after_s=60)
    view.centre_on(*GONGSHU, 16)
    fresh = UnitState.create("test", uid="d1", unit_kind="drone", callsign="Drone 1", lon=GONGSHU[0], lat=GONGSHU[1])
    view.update_units([fresh])
    assert same_colour(pixel(view, 128, 128), KIND_COLOURS["drone"], 30)
    view.update_units([dataclasses.replace(fresh, ts="2020-01-01T00:00:00+00:00")])
    assert not same_colour(pixel(view, 128, 128), KIND_COLOURS["drone"], 30)


def test_a_gcj02_source_shifts_markers_by_the_datum_offset(tmp_path, open_view):
    path = make_mbtiles(tmp_path / "gcj.mbtiles", {TileKey(3, 6, 3): RED})
    wgs = open_view(None)
    gcj = open_view(mbtiles_source(path, datum="GCJ-02"))
    for view in (wgs, gcj):
        view.centre_on(*GONGSHU, 16)
        view.viewport.centre_on(*GONGSHU, 16)  # the same map coordinates on screen, whatever the datum
        view.update_units([UnitState.create("test", uid="v1", unit_kind="vehicle", callsign="Command 1",
                                            lon=GONGSHU[0], lat=GONGSHU[1])])
    plain, shifted = wgs.unit_screen_pos("v1"), gcj.unit_screen_pos("v1")
    assert plain.toTuple() == pytest.approx((128, 128))
    assert shifted.toTuple() == pytest.approx(gcj.viewport.lonlat_to_screen(*wgs84_to_gcj02(*GONGSHU)))
    dx, dy = shifted.x() - plain.x(), shifted.y() - plain.y()
    metres = (dx * dx + dy * dy) ** 0.5 * gcj.viewport.metres_per_pixel()
    assert 300 < metres < 800  # GCJ-02 moves Hangzhou by several hundred metres
    assert dx > 0 and dy > 0  # east and south, as the published offset does here


def test_map_view_without_a_source_says_so_and_draws_units_on_a_grid(open_view, tmp_path):
    view = open_view(None)
    assert view.source_state == "none" and "No map source configured" in view.notice
    view.update_units([UnitState.create("test", uid="t1", unit_kind="tak", callsign="TAK 1",
                                        lon=GONGSHU[0], lat=GONGSHU[1])])
    at = view.unit_screen_pos("t1")
    assert 0 <= at.x() <= 256 and 0 <= at.y() <= 256  # the view fitted itself to the first units
    missing = open_view(mbtiles_source(tmp_path / "nowhere.mbtiles"))
    assert missing.source_state == "failed" and "nowhere.mbtiles" in missing.notice and "missing" in missing.notice


def test_a_broken_file_is_reported_in_the_view(tmp_path, open_view, qtbot):
    path = tmp_path / "broken.mbtiles"
    path.write_bytes(b"this is not sqlite" * 100)
    view = MapView(mbtiles_source(path), 120)
    qtbot.addWidget(view)
    try:
        qtbot.waitUntil(lambda: view.source_state == "failed", timeout=5000)
        assert "cannot be used" in view.notice and "broken.mbtiles" in view.notice
    finally:
        view.stop()


def test_the_tile_worker_thread_ends_when_the_view_stops(tmp_path, open_view):
    view = open_view(mbtiles_source(make_mbtiles(tmp_path / "one.mbtiles", {TileKey(0, 0, 0): RED})))
    assert any(t.name == "map-tiles" for t in threading.enumerate())
    view.stop()
    assert not any(t.name == "map-tiles" for t in threading.enumerate())
    view.stop()  # twice is harmless


def test_demo_tiles_are_made_quickly_from_the_real_shoreline_and_the_demo_config_points_at_them(tmp_path):
    import time

    from console.demo_field import demo_config_text, make_demo_tiles
    from radios.config import load_config

    started = time.monotonic()
    path = make_demo_tiles(tmp_path, say=pytest.fail)
    assert time.monotonic() - started < 8.0  # 2-3 s of rendering plus a Python start, on a busy machine
    with MbtilesStore(path) as store:
        assert (store.min_zoom, store.max_zoom) == (11, 16)
        assert "GSHHG" in store.attribution and "no streets" in store.attribution
        assert store.count() > 500

        def colour_at(lon: float, lat: float, z: int) -> QColor:
            key = lonlat_to_tile(lon, lat, z)
            image = QImage.fromData(store.get(key.z, key.x, key.y))
            px, py = lonlat_to_world(lon, lat, z)
            return image.pixelColor(int(px) - key.x * 256, int(py) - key.y * 256)

        river, gongshu = colour_at(120.2725, 30.2875, 14), colour_at(120.1625, 30.3195, 16)
        assert river.blue() > river.red() + 40, river.name()  # the Qiantang River is water
        assert abs(gongshu.blue() - gongshu.red()) < 20, gongshu.name()  # the district is land
    assert make_demo_tiles(tmp_path, say=pytest.fail) == path  # made once per run folder
    config_path = tmp_path / "mcv.toml"
    config_path.write_text(demo_config_text("mqtt://127.0.0.1:1883", tmp_path / "mcv.sqlite3", path))
    (source,) = load_config(config_path).map.sources
    assert (source.kind, source.path) == ("mbtiles", path)


def test_far_out_the_view_draws_the_grid_not_thousands_of_tiles(tmp_path, open_view, qtbot):
    path = make_mbtiles(tmp_path / "deep.mbtiles", {TileKey(12, 3415, 1685): RED}, minzoom=12, maxzoom=16)
    view = open_view(mbtiles_source(path))
    view.centre_on(*GONGSHU, 3)
    view.grab()
    assert len(view.cache) == 0
    view.centre_on(*GONGSHU, 12)
    qtbot.waitUntil(lambda: TileKey(12, 3415, 1685) in view.cache, timeout=5000)


def test_the_cursor_position_is_shown_in_wgs84(open_view, qtbot):
    view = open_view(None)
    view.centre_on(*GONGSHU, 16)
    qtbot.mouseMove(view, QPoint(128, 128))
    assert view.screen_to_position(QPointF(128, 128)) == pytest.approx(GONGSHU, abs=1e-9)
    top_left = view.grab().toImage().pixelColor(10, 10)
    assert top_left.lightness() < 100  # the dark box of the coordinate read-out
