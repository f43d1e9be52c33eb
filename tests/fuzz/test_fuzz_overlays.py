"""Overlay files from other agencies (GeoJSON, KML, GPX): features on the globe or ``OverlayError``."""

from __future__ import annotations

from fuzz_budget import budget, json_mutated, mutated, run_checked, xml_mutated
from fuzz_targets import TARGETS
from hypothesis import given
from hypothesis import strategies as st

GEOJSON, KML, GPX = TARGETS["geojson"], TARGETS["kml"], TARGETS["gpx"]


@budget(100)
@given(st.binary(max_size=300), st.sampled_from([GEOJSON, KML, GPX]))
def test_random_bytes_as_an_overlay_are_refused(data, target):
    run_checked(target, data)


@budget(150)
@given(json_mutated(GEOJSON))
def test_geojson_with_hostile_values_is_read_or_refused(data):
    run_checked(GEOJSON, data)


@budget(100)
@given(mutated(GEOJSON))
def test_mutated_geojson_is_read_or_refused(data):
    run_checked(GEOJSON, data)


@budget(150)
@given(xml_mutated(KML) | mutated(KML))
def test_hostile_kml_is_read_or_refused(data):
    run_checked(KML, data)


@budget(120)
@given(xml_mutated(GPX) | mutated(GPX))
def test_hostile_gpx_is_read_or_refused(data):
    run_checked(GPX, data)
