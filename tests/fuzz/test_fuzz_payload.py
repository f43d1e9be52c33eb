"""Bus payloads of every registered kind, bent field by field: a payload or ``PayloadError``, never else.

A payload that decodes must also encode again and decode to itself, since the gateway
stores and republishes what it accepts.
"""

from __future__ import annotations

from fuzz_budget import budget, json_mutated, mutated, run_checked
from fuzz_targets import TARGETS
from hypothesis import given
from hypothesis import strategies as st

TARGET = TARGETS["payload"]


@budget(100)
@given(st.binary(max_size=300))
def test_random_bytes_from_the_bus_are_refused(data):
    run_checked(TARGET, data)


@budget(150)
@given(mutated(TARGET))
def test_mutated_payloads_are_refused_or_read(data):
    run_checked(TARGET, data)


@budget(250)
@given(json_mutated(TARGET))
def test_payloads_with_hostile_values_in_any_field_are_refused_or_read(data):
    run_checked(TARGET, data)
