"""Overlays painted offscreen: polygon fill where the zone is, clear in its hole, shelters, toggling, errors."""

import dataclasses
import json
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QPointF, Qt, Signal
from PySide6.QtGui import QColor

from console.map_view import MapView
from console.overlay_layer import OverlayListWidget, install_overlays
from radios.config import OverlayConfig
from radios.schema import UnitState

CENTRE = (120.1610, 30.3215)  # lon, lat: Gongchen Bridge
D = 0.001  # about 100 m


def box(half: float, lon=CENTRE[0], lat=CENTRE[1]):
    return [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half],
            [lon - half, lat - half]]


def write_overlay(folder: Path) -> Path:
    document = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [box(D), box(D / 4)]},
         "properties": {"name": "Flooded underpass", "kind": "risk_zone", "geofence": "keep_out",
                        "stroke": "#0000ff", "fill": "#0000ff", "fill-opacity": 0.6}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [CENTRE[0] + 3 * D, CENTRE[1]]},
         "properties": {"name": "Shelter A", "kind": "shelter"}},
        {"type": "Feature", "geometry": {"type": "LineString",
                                         "coordinates": [[CENTRE[0] - 3 * D, CENTRE[1] - 2 * D],
                                                         [CENTRE[0] + 3 * D, CENTRE[1] - 2 * D]]},
         "properties": {"name": "Route", "kind": "route", "stroke": "#ff0000", "stroke-width": 6}},
    ]}
    path = folder / "zones.geojson"
    path.write_text(json.dumps(document))
    return path


@pytest.fixture
def view(qtbot):
    shown = MapView(None, 120)
    qtbot.addWidget(shown)
    shown.resize(500, 400)
    shown.show()
    shown.notice = ""  # the "no map source" notice would sit where the zone is
    shown.centre_on(*CENTRE, zoom=16)
    yield shown
    shown.stop()


def pixel(view: MapView, lon: float, lat: float) -> QColor:
    image = view.grab().toImage()
    at = view.position_to_screen(lon, lat)
    return image.pixelColor(round(at.x()), round(at.y()))


def bluish(colour: QColor) -> bool:
    return colour.blue() - colour.red() > 80 and colour.blue() - colour.green() > 80


def test_zone_fill_shelter_and_route_are_painted_where_they_are(view, tmp_path):
    layer = install_overlays(view, (OverlayConfig("zones", write_overlay(tmp_path), "Zones"),))
    assert layer is not None and view.layers[0] is layer
    inside_ring = (CENTRE[0] + D * 0.6, CENTRE[1] + D * 0.6)
    assert bluish(pixel(view, *inside_ring))
    assert not bluish(pixel(view, *CENTRE))  # the hole stays clear
    assert not bluish(pixel(view, CENTRE[0] + D * 1.8, CENTRE[1]))  # outside the zone
    route = pixel(view, CENTRE[0], CENTRE[1] - 2 * D)
    assert route.red() > 180 and route.green() < 80
    shelter = pixel(view, CENTRE[0] + 3 * D, CENTRE[1])
    assert shelter.green() > shelter.red() + 40  # the green house


def test_toggling_a_layer_in_the_list_hides_it(view, tmp_path, qtbot):
    layer = install_overlays(view, (OverlayConfig("zones", write_overlay(tmp_path), "Zones"),))
    listing = view.findChild(OverlayListWidget, "overlayList")
    assert listing is layer.list_widget and listing.count() == 1 and listing.isVisible()
    assert view.width() - 20 < listing.geometry().right() < view.width() and listing.geometry().top() < 20
    view.resize(300, 400)  # narrow: the list keeps to the right half
    assert 150 <= listing.geometry().left() and listing.geometry().right() < 300
    view.resize(500, 400)
    item = listing.item(0)
    assert "Zones" in item.text() and item.checkState() == Qt.Checked
    item.setCheckState(Qt.Unchecked)
    assert layer.hidden == {"zones"}
    assert not bluish(pixel(view, CENTRE[0] + D * 0.6, CENTRE[1] + D * 0.6))
    item.setCheckState(Qt.Checked)
    assert bluish(pixel(view, CENTRE[0] + D * 0.6, CENTRE[1] + D * 0.6))


def test_a_hostile_overlay_is_listed_with_its_reason_and_nothing_else_breaks(view, tmp_path):
    evil = tmp_path / "evil.kml"
    evil.write_text('<!DOCTYPE kml [<!ENTITY x SYSTEM "file:///etc/passwd">]><kml>&x;</kml>')
    layer = install_overlays(view, (OverlayConfig("evil", evil), OverlayConfig("zones", write_overlay(tmp_path))))
    assert list(layer.failures) == ["evil"] and "DTD" in layer.failures["evil"]
    texts = [layer.list_widget.item(i).text() for i in range(layer.list_widget.count())]
    assert any("evil" in text for text in texts)
    assert "DTD" in layer.list_widget.item(1).toolTip()
    assert bluish(pixel(view, CENTRE[0] + D * 0.6, CENTRE[1] + D * 0.6))


def test_nothing_is_installed_without_overlays(view):
    assert install_overlays(view, ()) is None
    assert view.findChild(OverlayListWidget) is None


def test_panned_away_nothing_is_painted_and_far_zoom_has_no_labels(view, tmp_path):
    install_overlays(view, (OverlayConfig("zones", write_overlay(tmp_path), "Zones"),))
    view.centre_on(CENTRE[0] + 1.0, CENTRE[1], zoom=16)
    image = view.grab().toImage()
    assert not any(bluish(image.pixelColor(x, y)) for x in range(0, 500, 25) for y in range(0, 400, 25))
    view.centre_on(*CENTRE, zoom=10)
    view.grab()  # paints at a zoom where the zone is a few pixels, without labels
    assert QPointF(view.position_to_screen(*CENTRE)) is not None


class FakeBusClient(QObject):
    """Stands in for the bus client's one signal the layer uses (emitted on the GUI thread, as the real one)."""

    units_changed = Signal(list)


def test_a_unit_inside_a_geofence_zone_turns_its_edge_red(view, tmp_path):
    bus = FakeBusClient()
    layer = install_overlays(view, (OverlayConfig("zones", write_overlay(tmp_path), "Zones"),), bus)
    edge = (CENTRE[0] - D, CENTRE[1] - D * 0.6)  # clear of the zone's name

    def reddest_near_edge() -> int:
        image, at = view.grab().toImage(), view.position_to_screen(*edge)
        colours = [image.pixelColor(round(at.x()) + dx, round(at.y())) for dx in range(-2, 3)]
        return max(c.red() - c.blue() for c in colours)

    assert reddest_near_edge() < 50
    inside = UnitState.create("t", uid="r1", unit_kind="responder", callsign="Rescue 1",
                              lon=CENTRE[0] + D * 0.6, lat=CENTRE[1] + D * 0.6)
    bus.units_changed.emit([inside])
    assert layer.occupants["zones/0"] == {"r1"}
    assert reddest_near_edge() > 150
    bus.units_changed.emit([dataclasses.replace(inside, lon=CENTRE[0] + 5 * D)])
    assert layer.occupants["zones/0"] == set()
