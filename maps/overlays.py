"""Overlay files (GeoJSON, KML 2.2, GPX) read into one small frozen model of named features.

An overlay is what a person draws over the tiles: shelters, risk zones, routes. Files
come from other agencies and from e-mail, so they are untrusted: each is refused with
an ``OverlayError`` naming the file and the reason when it is too big, too deeply
nested, holds too many points, positions off the globe or ``NaN``, or (KML, GPX) a DTD
or entity of any kind — that closes external entities (XXE) and billion laughs alike.
Geometry is WGS-84 ``(lon, lat)`` in degrees, GeoJSON order; ``Multi*`` geometries and
KML ``MultiGeometry`` become one feature per part. A polygon's feature property
``geofence`` (``keep_out`` or ``keep_in``) makes it a geofence (maps/geofence.py).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_FEATURES = 20_000
MAX_POINTS = 500_000  # positions in the whole file
MAX_TEXT_CHARS = 200  # a name or kind longer than this is cut
GEOFENCE_RULES = ("keep_out", "keep_in")
GEOMETRY_TYPES = ("point", "line", "polygon")

_HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_KML_COLOUR = re.compile(r"[0-9a-fA-F]{8}")
_GEOJSON_TYPES = ("Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon")


class OverlayError(ValueError):
    """An overlay file that cannot be used; the message names the file and the reason."""

    def __init__(self, source: str, reason: str) -> None:
        self.source, self.reason = source, reason
        super().__init__(f"overlay {source}: {reason}")


@dataclass(frozen=True)
class Style:
    """How a feature is drawn: colours as ``#rrggbb``, fill opacity 0..1, line width in pixels."""

    stroke: str = "#d0342c"
    fill: str | None = None
    fill_opacity: float = 0.3
    width: float = 2.0


@dataclass(frozen=True)
class Feature:
    """One point, line or polygon with its name, kind and style.

    ``rings`` holds the positions: a point has one ring of one position, a line one ring,
    a polygon its outer ring first and then its holes (rings are closed: first == last).
    """

    name: str
    kind: str  # free text from the file: "shelter", "risk_zone", "route", ... or ""
    geometry: str  # one of GEOMETRY_TYPES
    rings: tuple[tuple[tuple[float, float], ...], ...]
    style: Style = field(default_factory=Style)
    geofence: str | None = None  # one of GEOFENCE_RULES, polygons only


@dataclass(frozen=True)
class Overlay:
    """A named layer of features read from one file."""

    id: str
    name: str
    source: str
    features: tuple[Feature, ...]


def load_overlay(path: Path, overlay_id: str | None = None, name: str | None = None) -> Overlay:
    """Read ``path`` by its extension (.geojson/.json, .kml, .gpx); raise ``OverlayError`` if unusable."""
    path = Path(path)
    source = str(path)
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise OverlayError(source, f"the file cannot be read ({error.strerror or error})") from None
    suffix = path.suffix.lower()
    parsers = {".geojson": parse_geojson, ".json": parse_geojson, ".kml": parse_kml, ".gpx": parse_gpx}
    if suffix not in parsers:
        raise OverlayError(source, f"'{suffix or path.name}' is not a known overlay format; "
                                   "use .geojson, .json, .kml or .gpx")
    features = parsers[suffix](data, source)
    return Overlay(overlay_id or path.stem, name or path.stem, source, features)


class _Budget:
    """Counts features and positions of one file against the limits."""

    def __init__(self, source: str) -> None:
        self.source, self.points, self.features = source, 0, 0

    def fail(self, reason: str) -> OverlayError:
        return OverlayError(self.source, reason)

    def take_points(self, count: int) -> None:
        self.points += count
        if self.points > MAX_POINTS:
            raise self.fail(f"more than {MAX_POINTS} positions; split the file or simplify its shapes")

    def take_feature(self) -> None:
        self.features += 1
        if self.features > MAX_FEATURES:
            raise self.fail(f"more than {MAX_FEATURES} features; split the file")


def _check_size(data: bytes, source: str) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise OverlayError(source, f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")


def _position(lon: object, lat: object, budget: _Budget) -> tuple[float, float]:
    for value in (lon, lat):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise budget.fail(f"a coordinate is {value!r}, not a number")
    try:
        lon, lat = float(lon), float(lat)
    except OverflowError:  # an integer of 309+ digits: no float holds it
        raise budget.fail("a coordinate is an integer far too large for any place on the globe") from None
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise budget.fail("a coordinate is not a finite number (NaN or infinity)")
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise budget.fail(f"position lon {lon}, lat {lat} is off the globe (is the order lon, lat?)")
    return lon, lat


def _ring(positions: list[tuple[float, float]], closed: bool, budget: _Budget) -> tuple[tuple[float, float], ...]:
    """A line (at least two positions) or a closed polygon ring (at least three distinct corners)."""
    if closed:
        if positions and positions[0] != positions[-1]:
            positions = positions + [positions[0]]
        if len(set(positions)) < 3:
            raise budget.fail("a polygon ring has fewer than three distinct corners")
    elif len(positions) < 2:
        raise budget.fail("a line has fewer than two positions")
    return tuple(positions)


def _text(value: object) -> str:
    return value.strip()[:MAX_TEXT_CHARS] if isinstance(value, str) else ""


def _colour(value: object, what: str, budget: _Budget) -> str:
    if not isinstance(value, str) or not _HEX_COLOUR.fullmatch(value):
        raise budget.fail(f"{what} {str(value)[:40]!r} is not a colour like '#1f78b4'")
    if len(value) == 4:
        value = "#" + "".join(c * 2 for c in value[1:])
    return value.lower()


def _number(value: object, what: str, low: float, high: float, budget: _Budget) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise budget.fail(f"{what} {str(value)[:40]!r} is not a number from {low:g} to {high:g}")
    return float(value)


def _geofence(value: object, geometry: str, budget: _Budget) -> str | None:
    if value in (None, ""):
        return None
    if value not in GEOFENCE_RULES:
        raise budget.fail(f"geofence {str(value)[:40]!r} is not one of {', '.join(GEOFENCE_RULES)}")
    return value if geometry == "polygon" else None


# -- GeoJSON (RFC 7946) ----------------------------------------------------------------

def parse_geojson(data: bytes, source: str = "<geojson>") -> tuple[Feature, ...]:
    """Features of a GeoJSON FeatureCollection, Feature or bare geometry; ``OverlayError`` if unusable."""
    _check_size(data, source)

    def refuse_constant(name: str) -> float:
        raise OverlayError(source, f"the file contains {name}, which is not a number")

    try:
        document = json.loads(data.decode("utf-8-sig"), parse_constant=refuse_constant)
    except UnicodeDecodeError:
        raise OverlayError(source, "the file is not UTF-8 text") from None
    except RecursionError:
        raise OverlayError(source, "the JSON is nested too deeply") from None
    except json.JSONDecodeError as error:
        raise OverlayError(source, f"this is not valid JSON ({error.msg} at line {error.lineno})") from None
    except OverlayError:
        raise
    except ValueError:  # Python reads no integer of over 4,300 digits
        raise OverlayError(source, "the file holds a number of thousands of digits; "
                                   "write coordinates as decimal degrees") from None
    budget = _Budget(source)
    if not isinstance(document, dict):
        raise budget.fail("the file is not a GeoJSON object")
    kind = document.get("type")
    if kind == "FeatureCollection":
        items = document.get("features")
        if not isinstance(items, list):
            raise budget.fail("a FeatureCollection without a 'features' list")
    elif kind == "Feature":
        items = [document]
    else:
        items = [{"type": "Feature", "geometry": document, "properties": {}}]
    features: list[Feature] = []
    for item in items:
        budget.take_feature()
        features.extend(_geojson_feature(item, budget))
    return tuple(features)


def _geojson_feature(item: object, budget: _Budget) -> list[Feature]:
    if not isinstance(item, dict) or item.get("type") != "Feature":
        raise budget.fail("an entry of 'features' is not a GeoJSON Feature")
    properties = item.get("properties") or {}
    if not isinstance(properties, dict):
        raise budget.fail("a feature's 'properties' is not an object")
    geometry = item.get("geometry")
    if geometry is None:
        return []  # allowed by RFC 7946: a feature with no location draws nothing
    parts = _geojson_geometry(geometry, budget, nested=False)
    style = _geojson_style(properties, budget)
    name, kind = _text(properties.get("name")), _text(properties.get("kind"))
    return [Feature(name, kind, geometry_type, rings, style, _geofence(properties.get("geofence"), geometry_type, budget))
            for geometry_type, rings in parts]


def _geojson_geometry(geometry: object, budget: _Budget, nested: bool) -> list[tuple[str, tuple]]:
    """(geometry type, rings) for each simple part of a geometry."""
    if not isinstance(geometry, dict):
        raise budget.fail("a geometry is not an object")
    kind = geometry.get("type")
    if kind == "GeometryCollection":
        members = geometry.get("geometries")
        if nested or not isinstance(members, list):
            raise budget.fail("a GeometryCollection is nested or has no 'geometries' list")
        return [part for member in members for part in _geojson_geometry(member, budget, nested=True)]
    coordinates = geometry.get("coordinates")
    if not isinstance(kind, str) or kind not in _GEOJSON_TYPES:
        raise budget.fail(f"geometry type {str(kind)[:40]!r} is not supported")
    if kind.startswith("Multi"):
        if not isinstance(coordinates, list):
            raise budget.fail(f"a {kind} without a coordinates list")
        simple = kind[len("Multi"):]
        return [part for member in coordinates
                for part in _geojson_geometry({"type": simple, "coordinates": member}, budget, nested=True)]
    if kind == "Point":
        return [("point", ((_geojson_position(coordinates, budget),),))]
    if kind == "LineString":
        return [("line", (_ring(_geojson_positions(coordinates, budget), False, budget),))]
    if not isinstance(coordinates, list) or not coordinates:
        raise budget.fail("a Polygon without rings")
    return [("polygon", tuple(_ring(_geojson_positions(ring, budget), True, budget) for ring in coordinates))]


def _geojson_positions(values: object, budget: _Budget) -> list[tuple[float, float]]:
    if not isinstance(values, list):
        raise budget.fail("coordinates are not a list of positions")
    budget.take_points(len(values))
    return [_geojson_position(value, budget) for value in values]


def _geojson_position(value: object, budget: _Budget) -> tuple[float, float]:
    if not isinstance(value, list) or not 2 <= len(value) <= 3:
        raise budget.fail("a position is not [lon, lat] or [lon, lat, altitude]")
    return _position(value[0], value[1], budget)


def _geojson_style(properties: dict, budget: _Budget) -> Style:
    """Style from ``properties.style`` or simplestyle keys (``stroke``, ``fill``, ``fill-opacity``, ``stroke-width``)."""
    given = properties.get("style", properties)
    if not isinstance(given, dict):
        raise budget.fail("a feature's 'style' is not an object")
    style = Style()
    stroke = given.get("stroke", given.get("marker-color"))
    if stroke is not None:
        style = Style(_colour(stroke, "stroke", budget), style.fill, style.fill_opacity, style.width)
    if given.get("fill") is not None:
        style = Style(style.stroke, _colour(given["fill"], "fill", budget), style.fill_opacity, style.width)
    if given.get("fill-opacity") is not None:
        opacity = _number(given["fill-opacity"], "fill-opacity", 0.0, 1.0, budget)
        style = Style(style.stroke, style.fill, opacity, style.width)
    if given.get("stroke-width") is not None:
        width = _number(given["stroke-width"], "stroke-width", 0.0, 50.0, budget)
        style = Style(style.stroke, style.fill, style.fill_opacity, width)
    return style


# -- KML 2.2 and GPX 1.1 ---------------------------------------------------------------

def _parse_xml(data: bytes, source: str) -> Element:
    _check_size(data, source)
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as error:
        raise OverlayError(source, f"the file declares a DTD or entities ({type(error).__name__}); "
                                   "overlays may not, as that is how hostile files read local files") from None
    except ParseError as error:
        raise OverlayError(source, f"this is not well-formed XML ({error})") from None
    except RecursionError:
        raise OverlayError(source, "the XML is nested too deeply") from None
    except (ValueError, LookupError) as error:  # encoding="GBK", "UTF-7", "bogus": expat reads none of them
        raise OverlayError(source, f"the file declares an XML encoding that cannot be read ({error}); "
                                   "save it as UTF-8") from None
    for element in root.iter():  # namespaces differ between KML 2.1, 2.2 and GPX 1.0, 1.1
        if isinstance(element.tag, str):
            element.tag = element.tag.rpartition("}")[2]
    return root


def parse_kml(data: bytes, source: str = "<kml>") -> tuple[Feature, ...]:
    """Features of every Placemark (Point, LineString, Polygon, MultiGeometry) with its style and data."""
    root = _parse_xml(data, source)
    if root.tag != "kml":
        raise OverlayError(source, f"the root element is <{root.tag[:40]}>, not <kml>")
    budget = _Budget(source)
    styles = _kml_styles(root, budget)
    features: list[Feature] = []
    for placemark in root.iter("Placemark"):
        budget.take_feature()
        name = _text(placemark.findtext("name"))
        data_items = {d.get("name"): _text(d.findtext("value")) for d in placemark.iter("Data")}
        inline = placemark.find("Style")
        style = _kml_style(inline, budget) if inline is not None else styles.get(
            (placemark.findtext("styleUrl") or "").strip().lstrip("#"), Style())
        for geometry_type, rings in _kml_geometries(placemark, budget):
            geofence = _geofence(data_items.get("geofence"), geometry_type, budget)
            features.append(Feature(name, data_items.get("kind", ""), geometry_type, rings, style, geofence))
    return tuple(features)


def _kml_styles(root: Element, budget: _Budget) -> dict[str, Style]:
    styles = {element.get("id", ""): _kml_style(element, budget) for element in root.iter("Style")}
    for style_map in root.iter("StyleMap"):  # the "normal" look of a highlight pair
        for pair in style_map.iter("Pair"):
            if (pair.findtext("key") or "").strip() == "normal":
                target = (pair.findtext("styleUrl") or "").strip().lstrip("#")
                if target in styles:
                    styles[style_map.get("id", "")] = styles[target]
    return styles


def _kml_style(element: Element, budget: _Budget) -> Style:
    style = Style()
    line_colour = element.findtext("LineStyle/color") or element.findtext("IconStyle/color")
    if line_colour:
        stroke, _ = _kml_colour(line_colour, budget)
        style = Style(stroke, style.fill, style.fill_opacity, style.width)
    width = element.findtext("LineStyle/width")
    if width:
        try:
            value = float(width)
        except ValueError:
            value = math.nan
        style = Style(style.stroke, style.fill, style.fill_opacity, _number(value, "LineStyle width", 0, 50, budget))
    fill_colour = element.findtext("PolyStyle/color")
    if fill_colour:
        fill, opacity = _kml_colour(fill_colour, budget)
        style = Style(style.stroke, fill, opacity, style.width)
    return style


def _kml_colour(text: str, budget: _Budget) -> tuple[str, float]:
    """KML writes colours as ``aabbggrr``; returns (``#rrggbb``, alpha 0..1)."""
    text = text.strip()
    if not _KML_COLOUR.fullmatch(text):
        raise budget.fail(f"KML colour {text[:40]!r} is not eight hex digits (aabbggrr)")
    return f"#{text[6:8]}{text[4:6]}{text[2:4]}".lower(), int(text[0:2], 16) / 255.0


def _kml_geometries(placemark: Element, budget: _Budget) -> list[tuple[str, tuple]]:
    parts: list[tuple[str, tuple]] = []
    for element in placemark.iter():
        if element.tag == "Point":
            parts.append(("point", ((_kml_coordinates(element.findtext("coordinates"), budget)[0],),)))
        elif element.tag == "LineString":
            parts.append(("line", (_ring(_kml_coordinates(element.findtext("coordinates"), budget), False, budget),)))
        elif element.tag == "Polygon":
            outer = element.findtext("outerBoundaryIs/LinearRing/coordinates")
            holes = [ring.findtext("coordinates") for ring in element.findall("innerBoundaryIs/LinearRing")]
            parts.append(("polygon", tuple(_ring(_kml_coordinates(text, budget), True, budget)
                                           for text in [outer, *holes])))
    return parts


def _kml_coordinates(text: str | None, budget: _Budget) -> list[tuple[float, float]]:
    """``lon,lat[,alt]`` tuples separated by white space."""
    tuples = (text or "").split()
    if not tuples:
        raise budget.fail("a KML geometry has no coordinates")
    budget.take_points(len(tuples))
    positions = []
    for item in tuples:
        numbers = item.split(",")
        if not 2 <= len(numbers) <= 3:
            raise budget.fail(f"KML coordinates {item[:40]!r} are not lon,lat[,alt]")
        try:
            lon, lat = float(numbers[0]), float(numbers[1])
        except ValueError:
            raise budget.fail(f"KML coordinates {item[:40]!r} are not numbers") from None
        positions.append(_position(lon, lat, budget))
    return positions


def parse_gpx(data: bytes, source: str = "<gpx>") -> tuple[Feature, ...]:
    """Waypoints as points, routes and track segments as lines."""
    root = _parse_xml(data, source)
    if root.tag != "gpx":
        raise OverlayError(source, f"the root element is <{root.tag[:40]}>, not <gpx>")
    budget = _Budget(source)
    features: list[Feature] = []
    for waypoint in root.findall("wpt"):
        budget.take_feature()
        budget.take_points(1)
        features.append(Feature(_text(waypoint.findtext("name")), "waypoint", "point",
                                ((_gpx_position(waypoint, budget),),)))
    lines = [(route, "route", route.findall("rtept")) for route in root.findall("rte")]
    lines += [(track, "track", segment.findall("trkpt")) for track in root.findall("trk")
              for segment in track.findall("trkseg")]
    for owner, kind, points in lines:
        budget.take_feature()
        budget.take_points(len(points))
        positions = [_gpx_position(point, budget) for point in points]
        features.append(Feature(_text(owner.findtext("name")), kind, "line", (_ring(positions, False, budget),)))
    return tuple(features)


def _gpx_position(element: Element, budget: _Budget) -> tuple[float, float]:
    try:
        lon, lat = float(element.get("lon", "")), float(element.get("lat", ""))
    except ValueError:
        raise budget.fail(f"a <{element.tag}> has no numeric lat and lon") from None
    return _position(lon, lat, budget)
