"""Chaos: a serial NMEA radio is unplugged and plugged in again, round after round.

The radio is a socat pty pair (tests/radios/pty_peer.py): stopping socat makes the device
vanish as a pulled USB adapter does. It talks 20 GGA sentences a second, each at its own
latitude. NMEA has no acknowledgement, so here *delivered* means: written while the link
was ``up`` (after the gateway reported it up again) and before the cable was pulled; the
test stops talking before each unplug, so every delivered line was in the pty for the
gateway to read, and it must be in the store.

After every round: every delivered line is in the store, ``PRAGMA integrity_check`` is
ok, the link reports ``down`` after the unplug and ``up`` within ``SERIAL_BACK_S`` of the
replug (issue #5), and the console seat's event loop p99 stays under ``CONSOLE_P99_MS``.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the chaos helpers sit beside this file
sys.path.insert(0, str(Path(__file__).parents[1] / "radios"))  # the pty cable lives with the radio tests
from chaos_seat import ConsoleSeat, RoundCheck  # noqa: E402
from chaos_support import GATEWAY_START_S, ROUNDS, BusWatch, GatewayChild, StoreAudit, gateway_config  # noqa: E402
from pty_peer import PtyPair, nmea  # noqa: E402
from support import wait_until  # noqa: E402

pytestmark = [pytest.mark.chaos, pytest.mark.broker]

LINK, UNIT = "radio-7", "engine-7"
SERIAL_BACK_S = 2.0  # issue #5: a replugged radio is up within 2 s
TALK_S = 1.0
RATE_HZ = 20.0


class TalkingRadio:
    """The radio's side of the cable on its own thread ("chaos-radio"): one GGA per tick, each
    at a latitude of its own; ``counting`` marks the lines that count as delivered."""

    def __init__(self, cable: PtyPair) -> None:
        self.cable = cable
        self.counting = False
        self.delivered: list[float] = []
        self._n = 0
        self._talk = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="chaos-radio", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(1.0 / RATE_HZ):
            if not self._talk.is_set():
                continue
            self._n += 1
            minutes = f"{16.5 + self._n * 1e-4:07.4f}"
            counting = self.counting  # read before writing: a line written while counting is delivered
            if self.cable.send(nmea(f"GPGGA,101500.00,30{minutes},N,12010.250,E,1,08,0.9,12.0,M,7.0,M,,")) \
                    and counting:
                self.delivered.append(round(30 + float(minutes) / 60, 7))

    def talk(self) -> None:
        self._talk.set()

    def hush(self) -> None:
        """Stop talking; returns after the line being written, if any, is out."""
        self._talk.clear()
        time.sleep(2.0 / RATE_HZ)

    def __enter__(self) -> TalkingRadio:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)


def test_serial_unplug_and_replug_comes_back_within_two_seconds(broker, tmp_path):
    (tmp_path / "cable").mkdir()
    store = tmp_path / "mcv.sqlite3"
    audit = StoreAudit(store)
    cable = PtyPair(tmp_path / "cable")
    cable.plug()
    link = (f'\n[[links]]\nid = "{LINK}"\ntype = "serial"\nurl = "{cable.device}"\nprofile = "nmea"\n'
            f'unit = "{UNIT}"\nbaud = 9600\n')
    gateway = GatewayChild(gateway_config(tmp_path, broker.url, store, link))
    try:
        with BusWatch(broker.host, broker.port) as watch, TalkingRadio(cable) as radio:
            gateway.start()
            assert watch.wait_gateway("online", 0, GATEWAY_START_S), gateway.log_text()
            radio.talk()
            assert watch.wait_link(LINK, ("up",), 0, 10), gateway.log_text()
            radio.counting = True
            with ConsoleSeat(gateway.config, tmp_path, "comms") as seat:
                for number in range(1, ROUNDS + 1):
                    check = RoundCheck("serial_unplug", number)
                    started = time.monotonic()
                    time.sleep(TALK_S)
                    radio.hush()
                    radio.counting = False
                    wanted = set(radio.delivered)
                    wait_until(lambda: wanted <= audit.position_lats(UNIT), 10, interval_s=0.2)
                    missing = wanted - audit.position_lats(UNIT)
                    check.acknowledged, check.missing = len(wanted), len(missing)
                    check.require(not missing, f"{len(missing)} delivered lines are not in the store")
                    pulled = time.monotonic()
                    cable.unplug()
                    check.require(watch.wait_link(LINK, ("down",), pulled, 5) is not None,
                                  "the link did not report down after the unplug")
                    replugged = time.monotonic()
                    cable.plug()
                    radio.talk()
                    back = watch.wait_link(LINK, ("up",), replugged, SERIAL_BACK_S + 5)
                    check.check_recovery("serial link up after the replug", replugged, back, SERIAL_BACK_S)
                    radio.counting = True
                    check.finish(seat, started, audit, gateway)
    finally:
        gateway.stop()
        cable.unplug()
