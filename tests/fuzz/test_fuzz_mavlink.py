"""MAVLink framing and the drone model: hostile frames are dropped as BAD_DATA, never an exception.

Frames with random payloads but a right CRC reach every decoder and the fold into a
drone's state (NaN attitudes, impossible positions, odd stream URIs).
"""

from __future__ import annotations

import struct

from fuzz_budget import budget, mutated, run_checked
from fuzz_targets import TARGETS, mavlink_fixup
from hypothesis import given
from hypothesis import strategies as st
from pymavlink.dialects.v20 import ardupilotmega as mavlink2

TARGET = TARGETS["mavlink"]
FOLDED = ["HEARTBEAT", "GLOBAL_POSITION_INT", "ATTITUDE", "SYS_STATUS", "BATTERY_STATUS", "GPS_RAW_INT",
          "VIDEO_STREAM_INFORMATION"]
MESSAGE_IDS = {cls.name: msgid for msgid, cls in mavlink2.mavlink_map.items()}


@st.composite
def frames_with_random_payloads(draw) -> bytes:
    """One to three MAVLink 2 frames of the messages the drone model reads, payload bytes at random, CRC right."""
    out = b""
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(FOLDED))
        msgid = MESSAGE_IDS[name]
        size = mavlink2.mavlink_map[msgid].unpacker.size
        body = draw(st.binary(min_size=max(0, size - 4), max_size=size))   # MAVLink 2 cuts trailing zeros
        header = struct.pack("<BBBBBBB", 0xFD, len(body), 0, 0, draw(st.integers(0, 255)),
                             draw(st.integers(0, 255)), draw(st.integers(0, 255)))
        out += header + msgid.to_bytes(3, "little") + body + b"\0\0"
    return mavlink_fixup(out)


@budget(100)
@given(st.binary(max_size=300))
def test_random_bytes_on_a_mavlink_port_are_refused(data):
    run_checked(TARGET, data)


@budget(150)
@given(mutated(TARGET))
def test_mutated_frames_are_refused_or_folded(data):
    run_checked(TARGET, data)


@budget(200)
@given(frames_with_random_payloads())
def test_frames_with_any_field_values_fold_into_a_drone_without_error(data):
    run_checked(TARGET, data)
