"""NMEA 0183 sentences, hostile and near-valid: a ``Fix``, None or ``NmeaError``, never anything else."""

from __future__ import annotations

from fuzz_budget import HOSTILE_TEXT, budget, mutated, run_checked
from fuzz_targets import TARGETS, nmea_fixup
from hypothesis import given
from hypothesis import strategies as st

TARGET = TARGETS["nmea"]

field_values = (st.sampled_from(["", "A", "V", "N", "S", "E", "W", "M", "T", "K", "-", ".", "9" * 30, "nan", "inf",
                                 "-0", "1e308", "99999.999", "4807.038", "01131.000", "360.1", "-1", "0x1F"])
                | st.sampled_from(HOSTILE_TEXT).filter(lambda t: t.isascii() and len(t) < 40)
                | st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=12))


@st.composite
def fields_changed(draw) -> bytes:
    """A valid sentence with some comma-separated fields replaced, its checksum made right again."""
    sentence = draw(st.sampled_from(TARGET.seeds())).decode()
    body, _, _ = sentence[1:].rpartition("*")
    fields = body.split(",")
    for _ in range(draw(st.integers(1, 4))):
        fields[draw(st.integers(0, len(fields) - 1))] = draw(field_values)
    if draw(st.booleans()):
        fields = fields[:draw(st.integers(1, len(fields)))]
    return nmea_fixup(("$" + ",".join(fields) + "*00").encode("ascii", "replace"))


@budget(150)
@given(st.binary(max_size=200))
def test_random_bytes_are_refused_or_read(data):
    run_checked(TARGET, data)


@budget(250)
@given(mutated(TARGET))
def test_mutated_sentences_are_refused_or_read(data):
    run_checked(TARGET, data)


@budget(250)
@given(fields_changed())
def test_sentences_with_hostile_fields_and_good_checksums_are_refused_or_read(data):
    run_checked(TARGET, data)
