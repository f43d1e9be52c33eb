"""An XYZ tile folder's ``metadata.json`` from elsewhere: used when sound, ignored with a warning when not."""

from __future__ import annotations

import logging

from fuzz_budget import budget, json_mutated, mutated, run_checked
from fuzz_targets import TARGETS
from hypothesis import given
from hypothesis import strategies as st

TARGET = TARGETS["xyz_metadata"]


@budget(100)
@given(st.binary(max_size=200) | mutated(TARGET) | json_mutated(TARGET))
def test_any_metadata_file_opens_the_folder(data):
    logging.getLogger("maps.xyz_folder").disabled = True   # one warning per example is expected, not news
    try:
        run_checked(TARGET, data)
    finally:
        logging.getLogger("maps.xyz_folder").disabled = False
