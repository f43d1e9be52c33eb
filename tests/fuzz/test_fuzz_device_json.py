"""Field devices' own JSON on MQTT: a position or ``DeviceError``, and an accepted one survives the bus."""

from __future__ import annotations

from fuzz_budget import budget, json_mutated, mutated, run_checked
from fuzz_targets import TARGETS
from hypothesis import given
from hypothesis import strategies as st

TARGET = TARGETS["device_json"]


@budget(100)
@given(st.binary(max_size=300))
def test_random_bytes_from_a_device_are_refused(data):
    run_checked(TARGET, data)


@budget(150)
@given(mutated(TARGET))
def test_mutated_device_messages_are_refused_or_read(data):
    run_checked(TARGET, data)


@budget(200)
@given(json_mutated(TARGET))
def test_device_messages_with_hostile_values_are_refused_or_read(data):
    run_checked(TARGET, data)
