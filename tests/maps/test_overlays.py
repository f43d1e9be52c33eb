"""Overlay files: GeoJSON, KML and GPX read into features; hostile and malformed files refused clearly."""

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maps import overlays
from maps.overlays import OverlayError, load_overlay, parse_geojson, parse_gpx, parse_kml

DEMO = Path(__file__).parents[2] / "resources" / "demo_overlays" / "gongshu_demo.geojson"

SQUARE = [[120.0, 30.0], [120.01, 30.0], [120.01, 30.01], [120.0, 30.01], [120.0, 30.0]]
HOLE = [[120.004, 30.004], [120.006, 30.004], [120.006, 30.006], [120.004, 30.004]]


def collection(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def feature(geometry, **properties) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def test_geojson_points_lines_polygons_multi_and_style():
    data = collection(
        feature({"type": "Point", "coordinates": [120.16, 30.32, 5]}, name="School shelter", kind="shelter"),
        feature({"type": "LineString", "coordinates": SQUARE[:3]}, name="Route A", kind="route",
                style={"stroke": "#00f", "stroke-width": 4}),
        feature({"type": "Polygon", "coordinates": [SQUARE, HOLE]}, name="Flood", kind="risk_zone",
                geofence="keep_out", fill="#1F78B4", **{"fill-opacity": 0.5}),
        feature({"type": "MultiPoint", "coordinates": [[120.1, 30.1], [120.2, 30.2]]}, name="Hydrants"),
        feature(None, name="nowhere"),
    )
    found = parse_geojson(data, "test.geojson")
    assert [(f.name, f.geometry) for f in found] == [
        ("School shelter", "point"), ("Route A", "line"), ("Flood", "polygon"), ("Hydrants", "point"), ("Hydrants", "point")]
    shelter, route, flood = found[:3]
    assert shelter.rings == (((120.16, 30.32),),) and shelter.kind == "shelter" and shelter.geofence is None
    assert route.style.stroke == "#0000ff" and route.style.width == 4
    assert flood.geofence == "keep_out" and len(flood.rings) == 2 and flood.rings[1][0] == flood.rings[1][-1]
    assert flood.style.fill == "#1f78b4" and flood.style.fill_opacity == 0.5


def test_bare_geometry_and_single_feature():
    assert parse_geojson(json.dumps({"type": "Polygon", "coordinates": [SQUARE]}).encode())[0].geometry == "polygon"
    one = feature({"type": "Point", "coordinates": [1, 2]}, name="x", geofence="keep_out")
    assert parse_geojson(json.dumps(one).encode())[0].geofence is None  # only polygons are geofences


@pytest.mark.parametrize("text, reason", [
    (b"\xff\xfe", "not UTF-8"),
    (b"{", "not valid JSON"),
    (b"[]", "not a GeoJSON object"),
    (b'{"type": "Point", "coordinates": [NaN, 1]}', "NaN"),
    (b'{"type": "Point", "coordinates": [1, Infinity]}', "Infinity"),
    (b'{"type": "Point", "coordinates": [200, 1]}', "off the globe"),
    (b'{"type": "Point", "coordinates": [1, 95]}', "off the globe"),
    (b'{"type": "Point", "coordinates": [1e400, 1]}', "finite"),
    (b'{"type": "Point", "coordinates": ["1", 1]}', "not a number"),
    (b'{"type": "Point", "coordinates": [true, 1]}', "not a number"),
    (b'{"type": "Point", "coordinates": [1]}', "position"),
    (b'{"type": "Circle", "coordinates": [1, 1]}', "not supported"),
    (b'{"type": "LineString", "coordinates": [[1, 1]]}', "two positions"),
    (b'{"type": "Polygon", "coordinates": [[[1, 1], [2, 2], [1, 1]]]}', "three distinct"),
    (b'{"type": "Polygon", "coordinates": []}', "without rings"),
    (b'{"type": "FeatureCollection", "features": 3}', "'features' list"),
    (b'{"type": "FeatureCollection", "features": [1]}', "not a GeoJSON Feature"),
    (b'{"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 1]}, "properties": {"fill": "red"}}',
     "colour"),
    (b'{"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 1]}, "properties": {"geofence": "x"}}',
     "geofence"),
    (b'{"type": "GeometryCollection", "geometries": [{"type": "GeometryCollection", "geometries": []}]}', "nested"),
])
def test_malformed_geojson_is_refused_with_the_reason(text, reason):
    with pytest.raises(OverlayError) as caught:
        parse_geojson(text, "bad.geojson")
    assert "bad.geojson" in str(caught.value) and reason in str(caught.value)


def test_deep_nesting_huge_arrays_and_huge_files_are_refused(monkeypatch):
    with pytest.raises(OverlayError, match="nested too deeply"):
        parse_geojson(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(OverlayError, match="position"):
        parse_geojson(json.dumps({"type": "Point", "coordinates": [[[[[1, 2]]]]]}).encode())
    monkeypatch.setattr(overlays, "MAX_POINTS", 1000)  # the same check as at 500,000, a hundredth of the time
    many = [[120 + i * 1e-6, 30.0] for i in range(1001)]
    with pytest.raises(OverlayError, match="more than 1000 positions"):
        parse_geojson(json.dumps({"type": "LineString", "coordinates": many}).encode())
    kml = "<kml><Placemark><LineString><coordinates>" + " ".join("1,2" for _ in range(1001)) + "</coordinates>"
    with pytest.raises(OverlayError, match="more than 1000 positions"):
        parse_kml((kml + "</LineString></Placemark></kml>").encode())
    monkeypatch.setattr(overlays, "MAX_FILE_BYTES", 100)
    with pytest.raises(OverlayError, match="larger than"):
        parse_geojson(b" " * 101)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes_never_escape_as_anything_but_overlay_error(data):
    for parse in (parse_geojson, parse_kml, parse_gpx):
        try:
            parse(data)
        except OverlayError:
            pass


json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["type", "coordinates", "features", "geometry", "properties", "geometries", "name",
                         "style", "fill", "stroke"]), children, max_size=4),
    max_leaves=20)
geometry_types = st.sampled_from(["Point", "LineString", "Polygon", "MultiPoint", "MultiLineString",
                                  "MultiPolygon", "GeometryCollection", "Feature", "FeatureCollection"])


@settings(max_examples=200, deadline=None)
@given(geometry_types, json_values, json_values)
def test_structured_garbage_gives_features_or_overlay_error(kind, coordinates, extra):
    document = {"type": kind, "coordinates": coordinates, "features": extra, "geometry": extra, "geometries": extra}
    try:
        found = parse_geojson(json.dumps(document).encode())
    except OverlayError:
        return
    for item in found:
        for ring in item.rings:
            for lon, lat in ring:
                assert -180 <= lon <= 180 and -90 <= lat <= 90


KML = b"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
  <Style id="flood"><LineStyle><color>ff0000ff</color><width>3</width></LineStyle>
    <PolyStyle><color>80ff0000</color></PolyStyle></Style>
  <StyleMap id="flood-map"><Pair><key>normal</key><styleUrl>#flood</styleUrl></Pair></StyleMap>
  <Folder>
    <Placemark><name>Shelter</name><Point><coordinates>120.16,30.32,0</coordinates></Point></Placemark>
    <Placemark><name>Underpass</name><styleUrl>#flood-map</styleUrl>
      <ExtendedData><Data name="geofence"><value>keep_out</value></Data><Data name="kind"><value>risk_zone</value></Data></ExtendedData>
      <Polygon><outerBoundaryIs><LinearRing><coordinates>
        120.0,30.0 120.01,30.0 120.01,30.01 120.0,30.01 120.0,30.0
      </coordinates></LinearRing></outerBoundaryIs>
      <innerBoundaryIs><LinearRing><coordinates>120.004,30.004 120.006,30.004 120.006,30.006</coordinates></LinearRing></innerBoundaryIs>
      </Polygon></Placemark>
    <Placemark><name>Both</name><MultiGeometry>
      <LineString><coordinates>120,30 120.1,30.1</coordinates></LineString>
      <Point><coordinates>120.2,30.2</coordinates></Point></MultiGeometry></Placemark>
  </Folder></Document></kml>"""


def test_kml_placemarks_with_styles_holes_and_data():
    found = parse_kml(KML, "zones.kml")
    assert [(f.name, f.geometry) for f in found] == [
        ("Shelter", "point"), ("Underpass", "polygon"), ("Both", "line"), ("Both", "point")]
    zone = found[1]
    assert zone.geofence == "keep_out" and zone.kind == "risk_zone" and len(zone.rings) == 2
    assert zone.style.stroke == "#ff0000" and zone.style.width == 3  # aabbggrr: ff0000ff is red
    assert zone.style.fill == "#0000ff" and zone.style.fill_opacity == pytest.approx(128 / 255)


@pytest.mark.parametrize("text, reason", [
    (b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
     b"<kml><Placemark><name>&xxe;</name></Placemark></kml>", "DTD"),
    (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
     b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><kml><name>&lol3;</name></kml>', "DTD"),
    (b'<!DOCTYPE kml SYSTEM "http://127.0.0.1:9/evil.dtd"><kml/>', "DTD"),
    (b"<kml><Placemark>", "well-formed"),
    (b"<html/>", "not <kml>"),
    (b"<kml><Placemark><Point><coordinates>a,b</coordinates></Point></Placemark></kml>", "not numbers"),
    (b"<kml><Placemark><Point><coordinates>1</coordinates></Point></Placemark></kml>", "lon,lat"),
    (b"<kml><Placemark><Point><coordinates>nan,1</coordinates></Point></Placemark></kml>", "finite"),
    (b"<kml><Placemark><Point><coordinates>1,91</coordinates></Point></Placemark></kml>", "off the globe"),
    (b"<kml><Placemark><Point><coordinates> </coordinates></Point></Placemark></kml>", "no coordinates"),
    (b"<kml><Style id='a'><LineStyle><color>red</color></LineStyle></Style></kml>", "aabbggrr"),
    (b"<kml><Style id='a'><LineStyle><width>inf</width></LineStyle></Style></kml>", "width"),
])
def test_hostile_and_malformed_kml_is_refused(text, reason):
    with pytest.raises(OverlayError) as caught:
        parse_kml(text, "evil.kml")
    assert "evil.kml" in str(caught.value) and reason in str(caught.value)


def test_deeply_nested_kml_is_refused_or_read_without_crashing():
    deep = b"<kml>" + b"<Folder>" * 50_000 + b"</Folder>" * 50_000 + b"</kml>"
    try:
        assert parse_kml(deep) == ()
    except OverlayError as error:
        assert "nested" in str(error) or "XML" in str(error)


def test_gpx_waypoints_routes_and_tracks():
    gpx = b"""<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">
      <wpt lat="30.32" lon="120.16"><name>Muster point</name></wpt>
      <rte><name>Evacuation</name><rtept lat="30.32" lon="120.16"/><rtept lat="30.33" lon="120.17"/></rte>
      <trk><name>Patrol</name><trkseg><trkpt lat="30.1" lon="120.1"/><trkpt lat="30.2" lon="120.2"/></trkseg></trk>
    </gpx>"""
    found = parse_gpx(gpx, "walk.gpx")
    assert [(f.name, f.kind, f.geometry) for f in found] == [
        ("Muster point", "waypoint", "point"), ("Evacuation", "route", "line"), ("Patrol", "track", "line")]
    with pytest.raises(OverlayError, match="numeric lat"):
        parse_gpx(b'<gpx><wpt lat="x" lon="1"/></gpx>', "bad.gpx")


def test_load_overlay_by_extension(tmp_path):
    (tmp_path / "zones.kml").write_bytes(KML)
    loaded = load_overlay(tmp_path / "zones.kml", "z", "Zones")
    assert loaded.id == "z" and loaded.name == "Zones" and len(loaded.features) == 4
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(OverlayError, match="not a known overlay format"):
        load_overlay(tmp_path / "notes.txt")
    with pytest.raises(OverlayError, match="cannot be read"):
        load_overlay(tmp_path / "missing.geojson")


def test_demo_overlay_is_labelled_and_has_a_keep_out_zone():
    loaded = load_overlay(DEMO)
    kinds = [f.kind for f in loaded.features]
    assert kinds.count("shelter") == 2 and "route" in kinds
    assert [f.name for f in loaded.features if f.geofence == "keep_out"]
    assert "demo" in DEMO.read_text(encoding="utf-8").lower()
