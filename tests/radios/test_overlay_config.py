"""The [[map.overlays]] config sections: paths relative to the config file, clear errors."""

import dataclasses
from pathlib import Path

import pytest

from radios import config
from radios.config import ConfigError, load_config

EXAMPLE = Path(__file__).parents[2] / "resources" / "mcv.example.toml"


def write(folder: Path, text: str) -> Path:
    path = folder / "mcv.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_overlays_load_with_paths_relative_to_the_config(tmp_path):
    (tmp_path / "zones").mkdir()
    (tmp_path / "zones" / "flood.geojson").write_text("{}")
    (tmp_path / "routes.kml").write_text("<kml/>")
    loaded = load_config(write(tmp_path, '[[map.overlays]]\nid = "flood"\npath = "zones/flood.geojson"\n'
                                         'name = "Flood zones"\n\n[[map.overlays]]\nid = "routes"\n'
                                         'path = "routes.kml"\n'))
    first, second = loaded.map.overlays
    assert (first.id, first.path, first.name) == ("flood", tmp_path / "zones" / "flood.geojson", "Flood zones")
    assert (second.id, second.name) == ("routes", "")
    assert config.Config.defaults().map.overlays == ()


@pytest.mark.parametrize("text, key, line, words", [
    ('[[map.overlays]]\nid = "a"\npath = "missing.geojson"\n', "map.overlays[0].path", 3, "does not exist"),
    ('[[map.overlays]]\nid = "a"\n', "map.overlays[0].path", 1, "required key 'path'"),
    ('[[map.overlays]]\nid = "a/b"\npath = "x.geojson"\n', "map.overlays[0].id", 2, "letters, digits"),
    ('[[map.overlays]]\nid = "a"\npath = 3\n', "map.overlays[0].path", 3, "file path string"),
    ('[[map.overlays]]\nid = "a"\npath = "x.geojson"\ncolour = "red"\n', "map.overlays[0].colour", 4,
     "not a known key"),
    ('[[map.overlays]]\nid = "a"\npath = "x.geojson"\n[[map.overlays]]\nid = "a"\npath = "x.geojson"\n',
     "map.overlays[1].id", 5, "already used"),
    ('[[map.overlays]]\nid = "a"\npath = "x\\u0000.geojson"\n', "map.overlays[0].path", 3, "does not exist"),
    ("[map]\noverlays = 3\n", "map.overlays", 2, "list of tables"),
])
def test_bad_overlay_sections_name_the_key(tmp_path, text, key, line, words):
    (tmp_path / "x.geojson").write_text("{}")
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    error = caught.value
    assert (error.key, error.line) == (key, line) and words in str(error)


def test_example_documents_overlays():
    text = EXAMPLE.read_text(encoding="utf-8")
    for f in dataclasses.fields(config.OverlayConfig):
        assert f"\n# {f.name} = " in text
    assert "[[map.overlays]]" in text and "keep_out" in text and "keep_in" in text
    assert load_config(EXAMPLE).map.overlays == ()
