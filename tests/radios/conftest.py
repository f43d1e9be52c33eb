"""Fixtures shared by the uplink tests: district HQ's mosquitto, and a backhaul to it that a test cuts."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # uplink_peers.py sits beside this file

from uplink_peers import HqBroker, SocatBackhaul  # noqa: E402


@pytest.fixture
def hq(tmp_path) -> Iterator[HqBroker]:
    """HQ's broker (persistent, as a real HQ's), stopped after the test."""
    broker = HqBroker(tmp_path / "hq").start()
    yield broker
    broker.stop()


@pytest.fixture
def backhaul(hq) -> Iterator[SocatBackhaul]:
    """The vehicle's way to ``hq``, up at the start; whatever state a test leaves it in, cut after."""
    link = SocatBackhaul(hq.port)
    link.restore()
    yield link
    link.cut()
