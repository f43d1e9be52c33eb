"""The NMEA 0183 profile: real sentences in, unit states out; hostile lines only ever rejected."""

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))  # pty_peer.py sits beside this file
from pty_peer import nmea  # noqa: E402

from radios.nmea import NmeaError, NmeaProfile, parse_sentence  # noqa: E402

GGA = "GPGGA,101500.00,3016.500,N,12010.250,E,2,09,0.9,12.5,M,7.0,M,,"
RMC = "GNRMC,101500.00,A,3016.500,N,12010.250,E,019.4,084.4,291126,,,A"
VTG = "GPVTG,054.7,T,034.4,M,005.5,N,010.2,K"


def line(body: str) -> bytes:
    return nmea(body).rstrip(b"\r\n")


def radio():
    return NmeaProfile("engine-3", "radio", "engine-3", src="gateway/radio-1")


def test_gga_gives_position_altitude_and_fix_quality():
    fix = parse_sentence(line(GGA))
    assert fix.lat == pytest.approx(30.275) and fix.lon == pytest.approx(120.170833, abs=1e-6)
    assert (fix.alt, fix.quality, fix.satellites) == (12.5, 2, 9)


def test_rmc_gives_position_speed_in_metres_per_second_and_course():
    fix = parse_sentence(line(RMC))
    assert fix.lat == pytest.approx(30.275)
    assert fix.speed == pytest.approx(19.4 * 1852 / 3600) and fix.course == pytest.approx(84.4)


def test_vtg_gives_speed_and_course_but_no_position():
    fix = parse_sentence(line(VTG))
    assert fix.lat is None and fix.speed == pytest.approx(10.2 / 3.6) and fix.course == pytest.approx(54.7)


@pytest.mark.parametrize("talker", ["GP", "GN", "GL", "GA", "BD"])
def test_any_talker_is_understood(talker):
    assert parse_sentence(line(talker + GGA[2:])).quality == 2


def test_sentences_without_a_fix_are_valid_but_give_nothing():
    assert parse_sentence(line("GPGGA,101500.00,,,,,0,00,,,M,,M,,")) is None
    assert parse_sentence(line("GPRMC,101500.00,V,,,,,,,291126,,,N")) is None
    assert parse_sentence(line("GPGSV,2,1,08,01,40,083,46,02,17,308,41,12,07,344,39,14,22,228,45")) is None


@pytest.mark.parametrize("raw, why", [
    (line(GGA)[:-2] + b"00", "checksum"),
    (b"$" + GGA.encode(), "checksum"),
    (line(GGA).lower(), "checksum"),
    (b"junk" + line(GGA), "not an NMEA sentence"),
    (line(GGA).replace(b"N", b"\xc3\x91"), "ASCII"),
    (line("GPGGA,101500.00,3016.500,X,12010.250,E,1,08,0.9,12.0,M,7.0,M,,"), "hemisphere"),
    (line("GPGGA,101500.00,9916.500,N,12010.250,E,1,08,0.9,12.0,M,7.0,M,,"), "outside the globe"),
    (line("GPRMC,101500.00,A,3016.500,N,12010.250,E,fast,084.4,291126,,,A"), "malformed"),
    (b"$GPGGA," + b"1," * 100 + b"*00", "over"),
])
def test_bad_sentences_are_rejected_with_a_reason(raw, why):
    with pytest.raises(NmeaError, match=why):
        parse_sentence(raw)


def test_the_profile_makes_a_unit_state_carrying_the_last_speed_and_course():
    profile = radio()
    assert profile.decode(line(VTG)) is None
    state = profile.decode(line(GGA))
    assert (state.uid, state.unit_kind, state.callsign) == ("engine-3", "radio", "engine-3")
    assert state.speed == pytest.approx(10.2 / 3.6) and state.heading == pytest.approx(54.7)
    assert state.alt == 12.5 and state.src == "gateway/radio-1"


def test_a_course_of_360_is_north():
    fix = parse_sentence(line("GPVTG,360.0,T,,M,001.0,N,001.9,K"))
    assert fix.course == 0.0


sentence_like = st.builds(
    lambda talker, kind, fields, tail: f"${talker}{kind},{fields}{tail}".encode("latin-1", "replace"),
    st.text("ABGLNP", min_size=2, max_size=2), st.sampled_from(["GGA", "RMC", "VTG", "GSV", "XYZ"]),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=90),
    st.sampled_from(["", "*", "*0", "*00", "*ZZ", "*7F"]),
)
fields_of_valid_sentences = st.builds(
    lambda kind, fields: line(f"GP{kind},{','.join(fields)}"),
    st.sampled_from(["GGA", "RMC", "VTG"]),
    st.lists(st.text(st.characters(min_codepoint=32, max_codepoint=126, blacklist_characters="*,$!"),
                     max_size=12), max_size=16),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=300), sentence_like, fields_of_valid_sentences,
                 st.text(max_size=200).map(lambda t: t.encode("utf-8"))))
def test_hostile_lines_are_only_ever_rejected(raw):
    profile = radio()
    try:
        state = profile.decode(raw)
    except NmeaError:
        return
    if state is not None:
        assert -90 <= state.lat <= 90 and -180 <= state.lon <= 180
        assert state.heading is None or 0 <= state.heading < 360
