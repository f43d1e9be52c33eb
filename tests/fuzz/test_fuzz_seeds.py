"""The samples every fuzz target starts from are valid: mutations begin from input the parser accepts."""

from __future__ import annotations


import pytest
from fuzz_targets import _NOW, TARGETS, check_mbtiles
from pymavlink.dialects.v20 import ardupilotmega as mavlink2

from maps.overlays import parse_geojson, parse_gpx, parse_kml
from radios import at_commands, cot, nmea, payload, sbd_codec
from radios.config import load_config
from radios.cot_stream import CotStreamSplitter
from radios.mavlink_link import new_parser, parse_frames
from radios.store_reader import TimeWindow


def _accept_at(line: bytes) -> None:
    text = line.decode()
    parsers = [at_commands.parse_csq, lambda v: at_commands.parse_csq(v, "cellular"), at_commands.parse_sbdix,
               at_commands.parse_sbdwb_status, at_commands.parse_creg]
    accepted = 0
    for parse in parsers:
        try:
            parse(line)
            accepted += 1
        except at_commands.AtReplyError:
            pass
    assert accepted or at_commands.is_final(text) or text == at_commands.READY


def _accept_stream(data: bytes) -> None:
    messages, problems = CotStreamSplitter().feed(data)
    assert messages and not problems
    for message in messages:
        cot.parse(message)


def _accept_mavlink(data: bytes) -> None:
    messages, left = parse_frames(new_parser(), data)
    assert messages and left == 0 and all(m.get_type() != "BAD_DATA" for m in messages)


def _accept_config(data: bytes, tmp_path) -> None:
    path = tmp_path / "mcv.toml"
    path.write_bytes(data)
    load_config(path)


ACCEPT = {
    "nmea": nmea.parse_sentence, "at_reply": _accept_at, "cot_xml": cot.parse, "cot_protobuf": cot.parse,
    "cot_stream": _accept_stream, "mavlink": _accept_mavlink, "payload": payload.decode,
    "device_json": lambda data: TARGETS["device_json"].run(data), "config": _accept_config,
    "geojson": parse_geojson, "kml": parse_kml, "gpx": parse_gpx, "sbd": sbd_codec.decode, "mbtiles": check_mbtiles,
    "xyz_metadata": lambda data: TARGETS["xyz_metadata"].run(data),
    "time_window": lambda data: TimeWindow.parse(*data.decode().split("\n"), now=_NOW),
}


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_every_seed_is_accepted_by_its_parser(name, tmp_path):
    assert set(ACCEPT) == set(TARGETS)
    seeds = TARGETS[name].seeds()
    assert seeds
    for seed in seeds:
        if name == "config":
            _accept_config(seed, tmp_path)
        else:
            ACCEPT[name](seed)


def test_the_device_seeds_map_onto_positions():
    from fuzz_targets import _DEVICE_FORMAT, _NOW

    for seed in TARGETS["device_json"].seeds():
        assert _DEVICE_FORMAT.decode("mcv/v1/mcv-1/device/medic-1/position", seed, now=_NOW).lat == 30.27


def test_the_mavlink_seeds_are_mavlink_2():
    assert all(seed[0] == mavlink2.PROTOCOL_MARKER_V2 for seed in TARGETS["mavlink"].seeds())
