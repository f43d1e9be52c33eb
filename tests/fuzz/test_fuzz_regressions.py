"""Every input a fuzzer found that broke a parser, kept with the fix that made it a clear refusal."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from radios import payload
from radios.device_format import DeviceError, DeviceFormat, own_format
from radios.schema import Topics

NOW = datetime(2026, 11, 29, 10, 30, tzinfo=timezone.utc)
REGRESSIONS = Path(__file__).parent / "regressions"   # inputs too big to write out here, byte for byte


def test_an_integer_of_5000_digits_is_a_payload_error_not_a_value_error():
    # Python refuses to convert integers of over 4,300 digits with a bare ValueError.
    raw = b'{"kind":"unit","id":"abcdefgh","ts":"2026-11-29T10:30:00Z","src":"x","lat":' + b"1" * 5000 + b"}"
    with pytest.raises(payload.PayloadError, match="not UTF-8 JSON.*4300"):
        payload.decode(raw)


def test_a_lone_surrogate_escape_in_a_nested_field_is_refused_on_the_way_in():
    # Found by atheris (tools/fuzz/fuzz_payload.py) within seconds: json.loads turns "\ud800"
    # into a lone surrogate, the payload was accepted, and encoding it again raised
    # UnicodeEncodeError wherever the gateway stored or republished it.
    raw = (b'{"id":"05f0244f1495fa4","ts":"2026-11-29T15:40:54.738Z","src":"fuzz","task_kind":"search_area",'
           b'"title":"Search block 4","lat":30.27,"lon":120.15,"area":[[120.1,30.2],[120.2,30.2],[120.2,30.3]],'
           b'"units":["\\ud800"],"status":"open","seat":null,"updated":null,"updated_by":null,"revision":0,'
           b'"kind":"task"}')
    with pytest.raises(payload.PayloadError, match="lone UTF-16 surrogate"):
        payload.decode(raw)


@pytest.mark.parametrize("raw", [
    b'{"kind":"event","id":"abcdefgh","ts":"2026-11-29T10:30:00Z","src":"x","category":"c","text":"\\udfff"}',
    b'{"kind":"command_reply","id":"abcdefgh","ts":"2026-11-29T10:30:00Z","src":"x","request":"r","ok":true,'
    b'"item":{"\\ud83d":1}}',
])
def test_lone_surrogates_in_text_or_in_keys_are_refused(raw):
    with pytest.raises(payload.PayloadError, match="surrogate"):
        payload.decode(raw)


def test_a_surrogate_pair_escape_is_text_and_is_kept():
    raw = (b'{"kind":"event","id":"abcdefgh","ts":"2026-11-29T10:30:00Z","src":"x","category":"c",'
           b'"text":"\\ud83d\\ude92"}')
    event = payload.decode(raw)
    assert event.text == "\U0001f692"
    assert payload.decode(event.encode()) == event


def test_a_device_callsign_with_a_lone_surrogate_never_reaches_the_bus():
    # The same escape in a field device's JSON made a UnitState that could not be published.
    device = DeviceFormat(own_format(Topics("mcv-1")))
    with pytest.raises(DeviceError, match="lone UTF-16 surrogate"):
        device.decode("mcv/v1/mcv-1/device/medic-1/position", b'{"lat":30.27,"lon":120.15,"callsign":"\\ud800"}',
                      now=NOW)


@pytest.mark.parametrize("ts", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_time_that_leaves_the_calendar_in_utc_is_refused_on_the_way_in(ts):
    # Accepted by decode, then the store's writer thread raised OverflowError writing it as UTC.
    raw = ('{"kind":"event","id":"abcdefgh","ts":"%s","src":"x","category":"c","text":"t"}' % ts).encode()
    with pytest.raises(payload.PayloadError, match="outside the years 1 to 9999 in UTC"):
        payload.decode(raw)


def test_the_first_and_last_times_that_fit_are_kept():
    for ts in ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00-14:00", "9999-12-31T23:59:59+14:00"):
        assert payload.format_ts(payload.parse_ts(ts))


@pytest.mark.parametrize("start", ["now-99999999999d", "now-999999999999999999999h", "now+9999999d",
                                   "0001-01-01T00:00+14:00", "9999-12-31T23:59-14:00"])
def test_a_typed_time_past_the_calendar_is_a_time_error(start):
    # mcv report --from / mcv export --from printed an OverflowError or ValueError traceback.
    from radios.store_reader import TimeError, TimeWindow

    with pytest.raises(TimeError, match="outside the years 1 to 9999"):
        TimeWindow.parse(start, "now", NOW)


@pytest.mark.parametrize("metadata", [b"[" * 60000, b'{"minzoom": "' + b"1" * 5000 + b'"}'])
def test_a_tile_folder_with_a_hostile_metadata_file_still_opens(tmp_path, metadata):
    # A 60,000-deep JSON array raised RecursionError and a zoom of 5,000 digits ValueError
    # out of XyzFolderSource(); the file is now ignored (with a warning) like any unreadable one.
    from maps.xyz_folder import XyzFolderSource

    (tmp_path / "3").mkdir()
    (tmp_path / "metadata.json").write_bytes(metadata)
    source = XyzFolderSource(tmp_path)
    assert (source.min_zoom, source.max_zoom) == (3, 3)


@pytest.mark.parametrize("encoding", ["UTF-7", "GB2312", "GBK", "bogus", "rot13", "idna"])
def test_an_overlay_declaring_an_encoding_expat_cannot_read_is_an_overlay_error(encoding):
    # Found by atheris (tools/fuzz/fuzz_kml.py, encoding="UTF-7"): expat's ValueError
    # ("multi-byte encodings are not supported") and Python's LookupError escaped parse_kml.
    from maps.overlays import OverlayError, parse_gpx, parse_kml

    head = f'<?xml version="1.0" encoding="{encoding}"?>'.encode()
    with pytest.raises(OverlayError, match="save it as UTF-8"):
        parse_kml(head + b"<kml><Placemark><Point><coordinates>120.1,30.2</coordinates></Point></Placemark></kml>",
                  "shelters.kml")
    with pytest.raises(OverlayError, match="save it as UTF-8"):
        parse_gpx(head + b'<gpx><wpt lat="30.2" lon="120.1"/></gpx>', "route.gpx")


@pytest.mark.parametrize("encoding", ["bogus", "rot13"])
def test_a_cot_datagram_declaring_an_unknown_encoding_is_a_cot_error(encoding):
    # LookupError escaped cot.parse for a datagram any device on the mesh can send.
    from radios import cot

    with pytest.raises(cot.CotError, match="XML refused"):
        cot.parse(f'<?xml version="1.0" encoding="{encoding}"?><event/>'.encode())


def test_an_mbtiles_file_whose_schema_is_not_utf8_is_a_tile_error(tmp_path):
    # Found by atheris (tools/fuzz/fuzz_mbtiles.py): eight 0xFF bytes written over the schema
    # text in page 1 made sqlite3 raise UnicodeDecodeError, which escaped MbtilesStore().
    from maps.mbtiles import MbtilesStore
    from maps.tile_source import TileError

    damaged = tmp_path / "damaged.mbtiles"
    damaged.write_bytes((REGRESSIONS / "mbtiles_schema_not_utf8.mbtiles").read_bytes())
    with pytest.raises(TileError, match=r"damaged\.mbtiles is not an MBTiles file \('utf-8' codec"):
        MbtilesStore(damaged)


def test_a_geojson_number_of_5000_digits_is_an_overlay_error():
    # Found by hypothesis (test_fuzz_overlays.py, MCV_FUZZ_EXAMPLES=5000): ValueError escaped parse_geojson.
    from maps.overlays import OverlayError, parse_geojson

    data = b'{"type": "Point", "coordinates": [' + b"1" * 5000 + b", 30.2]}"
    with pytest.raises(OverlayError, match="number of thousands of digits"):
        parse_geojson(data, "zones.geojson")


def test_a_device_time_of_400_digits_is_a_device_error():
    # Found by hypothesis (test_fuzz_device_json.py, MCV_FUZZ_EXAMPLES=5000): ts / 1000 raised
    # OverflowError ("int too large to convert to float") before the guarded conversion.
    device = DeviceFormat(own_format(Topics("mcv-1")))
    with pytest.raises(DeviceError, match="is not a time"):
        device.decode("mcv/v1/mcv-1/device/medic-1/position",
                      b'{"lat": "30.27", "lon": "120.15", "ts": 1' + b"0" * 400 + b"}", now=NOW)


def test_a_geojson_coordinate_of_400_digits_is_an_overlay_error():
    # Found by hypothesis (test_fuzz_overlays.py, MCV_FUZZ_EXAMPLES=5000): float() of the
    # integer raised OverflowError out of parse_geojson.
    from maps.overlays import OverlayError, parse_geojson

    with pytest.raises(OverlayError, match="far too large for any place on the globe"):
        parse_geojson(b'{"type": "Point", "coordinates": [1' + b"0" * 400 + b', 30.27]}', "zones.geojson")


@pytest.mark.parametrize("field, number", [("alt", b"1" + b"0" * 400), ("revision", b"1" + b"0" * 30)])
def test_a_payload_number_past_64_bits_is_refused_on_the_way_in(field, number):
    # Found while fuzzing radios/payload.py: a unit with alt = 10**400 was accepted, then
    # float() in the CoT builder raised OverflowError; a task revision of 10**30 would have
    # stopped the store's writer ("Python int too large to convert to SQLite INTEGER").
    base = {"alt": b'{"kind":"unit","id":"abcdefgh","ts":"2026-11-29T10:30:00Z","src":"x","uid":"u1",'
                   b'"unit_kind":"radio","callsign":"c","lat":30,"lon":120,"alt":%s}',
            "revision": b'{"kind":"task","id":"abcdefgh","ts":"2026-11-29T10:30:00Z","src":"x",'
                        b'"task_kind":"checkpoint","title":"t","lat":30,"lon":120,"revision":%s}'}[field]
    with pytest.raises(payload.PayloadError, match=f"{field} is too large a number"):
        payload.decode(base % number)


def test_a_cot_stale_time_that_leaves_the_calendar_in_utc_is_a_cot_error():
    # Found by hypothesis (test_fuzz_cot.py, MCV_FUZZ_EXAMPLES=3000): any device on the mesh
    # could send this; astimezone() raised OverflowError out of cot.parse.
    from radios import cot

    data = (b'<event version="2.0" uid="ANDROID-1" type="a-f-G-U-C" how="m-g" time="2026-11-29T10:30:00.000Z" '
            b'start="2026-11-29T10:30:00.000Z" stale="0001-01-01T00:00:00+14:00"><point lat="30.27" lon="120.15" '
            b'hae="9999999.0" ce="9999999.0" le="9999999.0" /><detail><contact callsign="Engine 3" /></detail></event>')
    with pytest.raises(cot.CotError, match="stale '0001-01-01T00:00:00\\+14:00' is outside the years 1 to 9999"):
        cot.parse(data)
