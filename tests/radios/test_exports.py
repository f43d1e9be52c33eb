"""Exports of a recorded scenario read back by the standard parsers: CSV, GPX, KML, GeoJSON; and ``mcv export``."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from report_scenario import (
    CHINESE, DRONE_POINTS, EVENTS_IN_WINDOW, FORMULA, HOSTILE, HOSTILE_CALLSIGN, RESPONDER_POINTS, WINDOW,
    record_scenario, write_scenario_config,
)

from console.cli import main
from radios.exports import (
    CSV_COLUMNS, REPLACEMENT, clean_text, write_events_csv, write_tracks_gpx, write_tracks_kml,
    write_units_geojson,
)
from radios.schema import UnitState
from radios.store import StoreError
from radios.store_reader import StoreReader, TimeError, TimeWindow, parse_when

GPX = "{http://www.topografix.com/GPX/1/1}"
KML = "{http://www.opengis.net/kml/2.2}"
GX = "{http://www.google.com/kml/ext/2.2}"
BEIJING = timezone(timedelta(hours=8))
CALLSIGNS = {"r1": "救援一组", "d1": clean_text(HOSTILE_CALLSIGN)}


@pytest.fixture
def scenario(tmp_path):
    return record_scenario(tmp_path)


@pytest.fixture
def reader(scenario):
    return StoreReader(scenario.store_path)


def window() -> TimeWindow:
    return TimeWindow.parse(*WINDOW)


def test_events_csv_opens_in_excel_with_chinese_intact(reader, scenario, tmp_path):
    out = tmp_path / "events.csv"
    assert write_events_csv(reader.events(window()), out, tz=BEIJING) == EVENTS_IN_WINDOW
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == EVENTS_IN_WINDOW
    by_id = {row["id"]: row for row in rows}
    chinese = by_id[scenario.chinese_id]
    assert chinese["text"] == CHINESE and chinese["seat/source"] == "commander"
    assert (chinese["local time"], chinese["UTC"]) == ("2024-05-01 14:05:00", "2024-05-01T06:05:00Z")
    assert by_id[scenario.correction_id]["corrects"] == scenario.chinese_id
    assert by_id["event-0008"]["unit"] == "r1" and by_id["event-0008"]["severity"] == "alarm"
    texts = [row["text"] for row in rows]
    assert "'" + FORMULA in texts, "a cell that starts a formula must be quoted"
    assert clean_text(HOSTILE) in texts
    assert not {"before the window", "after the window"} & set(texts)


def test_gpx_holds_one_track_per_unit_with_timed_points(reader, tmp_path):
    out = tmp_path / "tracks.gpx"
    assert write_tracks_gpx(reader.tracks(window()), out, name="Rescue 7 & <co>") == RESPONDER_POINTS + DRONE_POINTS
    root = ET.parse(out).getroot()
    assert root.tag == f"{GPX}gpx" and root.get("version") == "1.1"
    assert root.findtext(f"{GPX}metadata/{GPX}name") == "Rescue 7 & <co>"
    points = {trk.findtext(f"{GPX}name"): trk.findall(f"{GPX}trkseg/{GPX}trkpt") for trk in root.iter(f"{GPX}trk")}
    assert {name: len(p) for name, p in points.items()} == {CALLSIGNS["r1"]: RESPONDER_POINTS,
                                                             CALLSIGNS["d1"]: DRONE_POINTS}
    first = points[CALLSIGNS["r1"]][0]
    assert (first.get("lat"), first.get("lon")) == ("30.27", "120.15")
    assert first.findtext(f"{GPX}time") == "2024-05-01T06:00:00.000Z" and first.findtext(f"{GPX}ele") == "12"
    times = [p.findtext(f"{GPX}time") for p in points[CALLSIGNS["d1"]]]
    assert times == sorted(times) and all(times)


def test_kml_holds_one_timed_track_per_unit(reader, tmp_path):
    out = tmp_path / "tracks.kml"
    write_tracks_kml(reader.tracks(window()), out, name="Rescue 7")
    root = ET.parse(out).getroot()
    assert root.tag == f"{KML}kml"
    tracks = {}
    for placemark in root.iter(f"{KML}Placemark"):
        track = placemark.find(f"{GX}Track")
        whens, coords = track.findall(f"{KML}when"), track.findall(f"{GX}coord")
        assert len(whens) == len(coords)
        tracks[placemark.findtext(f"{KML}name")] = coords
    assert {name: len(c) for name, c in tracks.items()} == {CALLSIGNS["r1"]: RESPONDER_POINTS,
                                                           CALLSIGNS["d1"]: DRONE_POINTS}
    assert tracks[CALLSIGNS["d1"]][0].text == "120.153 30.275 80.5"  # lon lat alt


def test_units_geojson_places_each_unit_where_it_was_at_the_window_end(reader, tmp_path):
    out = tmp_path / "units.geojson"
    assert write_units_geojson(reader.latest_positions(window()), out) == 2
    collection = json.loads(out.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    features = {f["properties"]["uid"]: f for f in collection["features"]}
    assert features["r1"]["geometry"] == {"type": "Point", "coordinates": [120.1554, 30.2745, 21.0]}
    assert features["r1"]["properties"]["callsign"] == "救援一组"
    assert features["r1"]["properties"]["ts"] == "2024-05-01T06:45:00.000Z"
    assert features["d1"]["properties"]["kind"] == "drone"


@pytest.mark.parametrize("writer", [write_tracks_gpx, write_tracks_kml])
def test_xml_exports_stay_valid_xml_whatever_the_field_sends(writer, tmp_path):
    nasty = "".join(map(chr, range(32))) + "\x7f\ud800\ufffe\uffff</name><script>&amp;]]>"
    state = UnitState(id="position-0001", ts="2024-05-01T06:00:00Z", src="x", uid="u1", unit_kind="tak",
                      callsign=nasty, lat=1.0, lon=2.0)
    out = tmp_path / "nasty.xml"
    writer({"u1": [state]}, out, name=nasty)
    root = ET.parse(out).getroot()  # expat refuses anything XML 1.0 forbids
    names = [e.text for e in root.iter() if e.tag.endswith("}name")]
    expected = clean_text(nasty).replace("\r", "\n")  # XML parsers read a bare CR as a newline
    assert names == [expected, expected]
    # 29 C0 controls (all but tab, LF, CR), a lone surrogate, U+FFFE and U+FFFF
    assert expected.count(REPLACEMENT) == 29 + 3 and "</name><script>&amp;]]>" in expected


@settings(max_examples=60, deadline=None)
@given(st.text())
def test_any_callsign_round_trips_through_gpx(tmp_path_factory, text):
    state = UnitState(id="position-0001", ts="2024-05-01T06:00:00Z", src="x", uid="u1", unit_kind="tak",
                      callsign=text, lat=1.0, lon=2.0)
    out = tmp_path_factory.mktemp("gpx") / "t.gpx"
    write_tracks_gpx({"u1": [state]}, out)
    name = ET.parse(out).getroot().findtext(f"{GPX}trk/{GPX}name") or ""
    assert name == clean_text(text).replace("\r\n", "\n").replace("\r", "\n")


def test_a_failed_export_leaves_no_file(tmp_path):
    out = tmp_path / "events.csv"

    class Broken:
        def __iter__(self):
            raise RuntimeError("the disk went away")

    with pytest.raises(RuntimeError):
        write_events_csv(Broken(), out)
    assert list(tmp_path.iterdir()) == []


def test_times_read_as_a_person_writes_them():
    now = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)
    assert parse_when("now", now) == now
    assert parse_when("now-2h", now) == now - timedelta(hours=2)
    assert parse_when("NOW - 30m", now) == now - timedelta(minutes=30)
    assert parse_when("now+1d", now) == now + timedelta(days=1)
    assert parse_when("2024-05-01T06:00Z", now) == datetime(2024, 5, 1, 6, tzinfo=timezone.utc)
    assert parse_when("2024-05-01 14:00+08:00", now) == datetime(2024, 5, 1, 6, tzinfo=timezone.utc)
    naive = datetime(2024, 5, 1, 14, 0).astimezone()  # no zone: this PC's local time
    assert parse_when("2024-05-01T14:00", now) == naive
    for bad in ("yesterday", "now-2x", "2024-13-01", ""):
        with pytest.raises(TimeError, match="now-2h"):
            parse_when(bad, now)
    with pytest.raises(TimeError, match="earlier"):
        TimeWindow.parse("now", "now-1h", now)


def test_a_missing_store_is_one_clear_error(tmp_path):
    with pytest.raises(StoreError, match=r"no store at .*\[store\] path"):
        StoreReader(tmp_path / "nope.sqlite3")


def _mcv(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "console", *args], env=env, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)


def test_mcv_export_writes_every_format(scenario, tmp_path):
    config = write_scenario_config(tmp_path, scenario.store_path)
    for what, name, count in (("events", "e.csv", EVENTS_IN_WINDOW), ("tracks", "t.gpx", 16),
                              ("tracks", "t.kml", 16), ("units", "u.geojson", 2)):
        done = _mcv("export", what, "--config", str(config), "--from", WINDOW[0], "--to", WINDOW[1],
                    "--out", str(tmp_path / name))
        assert done.returncode == 0, done.stderr
        assert f"wrote {count} " in done.stdout and (tmp_path / name).stat().st_size > 0


def test_mcv_export_refuses_bad_arguments_in_one_line(scenario, tmp_path, capsys):
    config = str(write_scenario_config(tmp_path, scenario.store_path))
    common = ["--config", config, "--from", WINDOW[0]]
    cases = [
        (["events", *common, "--out", str(tmp_path / "e.kml")], "events can be exported as csv"),
        (["units", *common, "--format", "gpx", "--out", str(tmp_path / "u")], "units can be exported as geojson"),
        (["events", "--config", config, "--from", "last tuesday", "--out", str(tmp_path / "e.csv")], "now-2h"),
        (["events", *common, "--to", "2024-04-01T00:00Z", "--out", str(tmp_path / "e.csv")], "earlier"),
        (["events", *common, "--out", str(tmp_path / "missing" / "e.csv")], "does not exist"),
        (["events", "--config", str(tmp_path / "none.toml"), "--from", "now-1h", "--out", "e.csv"], "none.toml"),
        (["everything", *common, "--out", str(tmp_path / "e.csv")], "invalid choice"),
    ]
    for args, message in cases:
        assert _exit_code(["export", *args]) == 2, args
        assert message in capsys.readouterr().err, args
    scenario.store_path.rename(tmp_path / "gone.sqlite3")
    done = _mcv("export", "events", *common, "--out", str(tmp_path / "e.csv"))  # as a person runs it
    assert done.returncode == 2 and "no store at" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "e.csv").exists()


def _exit_code(argv: list[str]) -> int:
    """``mcv`` run in this process: its exit code, whether returned or raised by argparse."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code
