"""Satellite SBD messages: an alarm or event, or ``SbdFormatError``; mutations get their CRC made right."""

from __future__ import annotations

import struct
import zlib

from fuzz_budget import budget, mutated, run_checked
from fuzz_targets import TARGETS
from hypothesis import given
from hypothesis import strategies as st

TARGET = TARGETS["sbd"]


@st.composite
def crafted(draw) -> bytes:
    """A version-1 header with any kind, flags and codes, any body, and a right CRC."""
    header = struct.pack(">BBBBB", 1, draw(st.integers(0, 3)), draw(st.integers(0, 255)),
                         draw(st.integers(0, 255)), draw(st.integers(0, 255)))
    body = draw(st.binary(max_size=331))
    message = header + body
    return message + struct.pack(">I", zlib.crc32(message))


@budget(100)
@given(st.binary(max_size=400))
def test_random_bytes_from_the_satellite_are_refused(data):
    run_checked(TARGET, data)


@budget(150)
@given(mutated(TARGET))
def test_mutated_messages_are_refused_or_read(data):
    run_checked(TARGET, data)


@budget(150)
@given(crafted())
def test_messages_with_any_header_and_body_are_refused_or_read(data):
    run_checked(TARGET, data)
