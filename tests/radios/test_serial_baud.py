"""A radio at the wrong baud rate: what a mis-clocked UART reads is counted as bad input, the link lives on.

A pty ignores the baud rate, so the test plays the mis-clocked receiver itself: it sends
what one reads when the radio talks 4800 baud into a port set to 9600 — bytes framed from
half-bits, mostly with the high bit set, and a line ending now and then where the sampled
bits happen to spell one. The link decodes with the gateway's own NMEA profile.
"""

import random
import sys
import threading
from pathlib import Path

import pytest
from support import wait_until

sys.path.insert(0, str(Path(__file__).parent))  # pty_peer.py sits beside this file
from pty_peer import PtyPair, gga  # noqa: E402

from radios.config import LinkConfig  # noqa: E402
from radios.input_guard import BadInputLog  # noqa: E402
from radios.nmea import NmeaError, NmeaProfile  # noqa: E402
from radios.serial_link import SerialLink  # noqa: E402

GARBLED_LINES = 40


def misclocked_bytes(lines: int, seed: int = 4800) -> bytes:
    """``lines`` lines of what a UART clocked twice too fast reads: high-bit garbage, ``\\n`` now and then."""
    rng = random.Random(seed)
    out = bytearray()
    for _ in range(lines):
        out += bytes(0x80 | rng.randrange(0x80) for _ in range(rng.randrange(20, 90)))
        out += b"\n"
    return bytes(out)


class NmeaProbe:
    """Decodes each line as the gateway does; True for a sentence it understood (reader thread)."""

    def __init__(self) -> None:
        self.profile = NmeaProfile("radio-1", "responder", "Radio 1", src="test")
        self.threads: set[str] = set()
        self._lock = threading.Lock()

    def on_line(self, link_id: str, line: bytes) -> bool:
        with self._lock:
            self.threads.add(threading.current_thread().name)
        try:
            self.profile.decode(line)
        except NmeaError:
            return False
        return True


@pytest.fixture
def cable(tmp_path):
    with PtyPair(tmp_path) as pair:
        yield pair


def test_wrong_baud_garbage_is_counted_degrades_the_link_and_it_recovers_at_the_right_baud(cable):
    probe = NmeaProbe()
    bad = BadInputLog()
    link = SerialLink(LinkConfig(id="radio-1", type="serial", url=str(cable.device), profile="nmea", baud=9600),
                      on_line=probe.on_line, bad_input=bad)
    link.start()
    try:
        assert wait_until(lambda: link.is_open, 5)
        assert cable.send(gga())
        assert wait_until(lambda: link.status().state == "up", 5)
        assert cable.send(misclocked_bytes(GARBLED_LINES))
        assert wait_until(lambda: link.status().errors == GARBLED_LINES, 5)
        assert wait_until(lambda: link.status().state == "degraded", 5)
        assert "check the baud rate (9600)" in link.status().detail  # says what to fix
        for _ in range(4 * GARBLED_LINES):  # the radio set to the port's baud again
            assert cable.send(gga())
        assert wait_until(lambda: link.status().state == "up", 5)
        assert link.is_open and probe.threads == {"serial-radio-1"}
    finally:
        link.stop()
    status = link.status()
    assert status.errors == GARBLED_LINES and status.messages_in == 1 + 4 * GARBLED_LINES
