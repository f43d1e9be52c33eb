"""SerialLink against real peers: pyserial's loopback and socat pty pairs that are unplugged and replugged."""

import socket
import sys
import threading
import time
from pathlib import Path

import pytest
from support import wait_until

sys.path.insert(0, str(Path(__file__).parent))  # pty_peer.py sits beside this file
from pty_peer import Feeder, PtyPair, gga  # noqa: E402

from radios.config import LinkConfig  # noqa: E402
from radios.input_guard import BadInputLog  # noqa: E402
from radios.link import LinkStatePolicy, LinkStatus  # noqa: E402
from radios.serial_link import MAX_LINE_BYTES, SerialLink  # noqa: E402

HOT_PLUG_LIMIT_S = 2.0


class Probe:
    """Collects what a link hands out (reader thread appends), with arrival times."""

    def __init__(self, accept=lambda line: line.startswith(b"$")) -> None:
        self.lines: list[bytes] = []
        self.states: list[tuple[float, LinkStatus]] = []
        self.threads: set[str] = set()
        self._accept = accept
        self._lock = threading.Lock()

    def on_line(self, link_id: str, line: bytes) -> bool:
        """Reader thread."""
        with self._lock:
            self.threads.add(threading.current_thread().name)
            self.lines.append(line)
        return self._accept(line)

    def on_status(self, status: LinkStatus) -> None:
        """Reader thread."""
        with self._lock:
            self.states.append((time.monotonic(), status))

    def state_at_or_after(self, name: str, since: float) -> float | None:
        with self._lock:
            return next((t for t, s in self.states if s.state == name and t >= since), None)


def make_link(url: str, probe: Probe, **config) -> SerialLink:
    link_config = LinkConfig(id="radio-1", type="serial", url=url, profile="nmea", **config)
    return SerialLink(link_config, on_line=probe.on_line, on_status=probe.on_status)


@pytest.fixture
def cable(tmp_path):
    with PtyPair(tmp_path) as pair:
        yield pair


def test_loopback_frames_lines_counts_and_calls_back_on_the_reader_thread():
    probe = Probe()
    link = make_link("loop://", probe)
    link.start()
    try:
        assert wait_until(lambda: link.is_open, 5)
        assert link.write(gga() + b"junk\r\n" + gga()[:20])  # the last sentence is cut in half
        assert link.write(gga()[20:])
        assert wait_until(lambda: len(probe.lines) == 3, 5)
        assert wait_until(lambda: link.status().state == "up", 5)
    finally:
        link.stop()
    status = link.status()
    assert probe.lines[0] == probe.lines[2] == gga().rstrip(b"\r\n")
    assert probe.threads == {"serial-radio-1"}
    assert (status.messages_in, status.errors, status.messages_out) == (2, 1, 2)
    assert status.bytes_in == status.bytes_out == len(gga() * 2) + 6
    assert status.last_seen is not None


def test_overlong_lines_and_binary_noise_are_counted_and_the_link_stays_up(cable):
    probe = Probe()
    bad = BadInputLog()
    link = SerialLink(LinkConfig(id="radio-1", type="serial", url=str(cable.device)),
                      on_line=probe.on_line, on_status=probe.on_status, bad_input=bad)
    link.start()
    try:
        assert wait_until(lambda: link.is_open, 5)
        assert cable.send(gga())
        assert cable.send(b"\x00\xff" * (MAX_LINE_BYTES // 2 + 10) + b"\n")
        assert cable.send(b"A" * (MAX_LINE_BYTES * 3))
        assert cable.send(b"\r\n" + gga())
        assert wait_until(lambda: link.status().messages_in == 2, 5)
    finally:
        link.stop()
    assert link.status().state == "up"
    assert bad.count("link/radio-1") == 2 and link.status().errors == 2
    assert all(len(line) <= MAX_LINE_BYTES for line in probe.lines)


def test_unplug_is_down_within_2_s_and_replug_is_up_within_2_s_while_data_flows(cable):
    probe = Probe()
    link = make_link(str(cable.device), probe)
    link.start()
    try:
        assert wait_until(lambda: link.is_open, 5)
        with Feeder(cable, gga()):
            assert wait_until(lambda: link.status().state == "up", 5)
            for _ in range(2):
                unplugged = time.monotonic()
                cable.unplug()
                assert wait_until(lambda: probe.state_at_or_after("down", unplugged), HOT_PLUG_LIMIT_S + 1)
                down_s = probe.state_at_or_after("down", unplugged) - unplugged
                time.sleep(0.3)  # stay unplugged across a few reopen attempts
                plugged = time.monotonic()
                cable.plug()
                assert wait_until(lambda: probe.state_at_or_after("up", plugged), HOT_PLUG_LIMIT_S + 1)
                up_s = probe.state_at_or_after("up", plugged) - plugged
                print(f"hot-plug: down after {down_s:.3f} s, up again after {up_s:.3f} s")
                assert down_s < HOT_PLUG_LIMIT_S and up_s < HOT_PLUG_LIMIT_S
    finally:
        link.stop()
    down = [s for _, s in probe.states if s.state == "down"]
    assert len(down) == 2 and "device gone" in down[0].detail


def test_a_missing_device_is_down_with_a_reason_and_up_once_it_appears(tmp_path):
    probe = Probe()
    cable = PtyPair(tmp_path)
    link = make_link(str(cable.device), probe)
    link.start()
    try:
        assert wait_until(lambda: link.status().state == "down", 5)
        assert "cannot open" in link.status().detail and str(cable.device) in link.status().detail
        time.sleep(0.5)  # several failed attempts: still one "down" report, no crash
        assert [s.state for _, s in probe.states] == ["down"]
        with cable, Feeder(cable, gga()):
            assert wait_until(lambda: link.status().state == "up", HOT_PLUG_LIMIT_S + 1)
    finally:
        link.stop()


def test_a_silent_device_is_degraded_and_recovers_when_it_talks(cable):
    probe = Probe()
    link = SerialLink(LinkConfig(id="radio-1", type="serial", url=str(cable.device)),
                      on_line=probe.on_line, on_status=probe.on_status, policy=LinkStatePolicy(quiet_s=0.5))
    link.start()
    try:
        assert wait_until(lambda: link.is_open, 5)
        assert cable.send(gga())
        assert wait_until(lambda: link.status().state == "up", 5)
        assert wait_until(lambda: link.status().state == "degraded", 5)
        assert "silent" in link.status().detail
        assert cable.send(gga())
        assert wait_until(lambda: link.status().state == "up", 5)
    finally:
        link.stop()


def test_a_serial_server_over_tcp_is_a_link_too_and_is_reopened_when_it_drops():
    probe = Probe()
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(5)
        link = make_link(f"socket://127.0.0.1:{server.getsockname()[1]}", probe)
        link.start()
        try:
            for _ in range(2):
                peer, _ = server.accept()
                with peer:
                    assert wait_until(lambda: link.is_open, 5)  # pyserial flushes input on open
                    peer.sendall(gga())
                    assert wait_until(lambda: link.status().state == "up", 5)
                assert wait_until(lambda: link.status().state == "down", HOT_PLUG_LIMIT_S)
        finally:
            link.stop()
    assert [s.state for _, s in probe.states] == ["up", "down", "connecting", "up", "down"]


def test_writing_to_a_link_whose_port_is_closed_is_refused(tmp_path):
    link = make_link(str(tmp_path / "nothing-here"), Probe())
    assert not link.write(b"AT\r")
    assert link.status().messages_out == 0


def test_stop_joins_promptly_even_while_the_device_is_missing(tmp_path):
    link = make_link(str(tmp_path / "nothing-here"), Probe())
    link.start()
    assert wait_until(lambda: link.status().state == "down", 5)
    started = time.monotonic()
    link.stop()
    assert time.monotonic() - started < 0.5
    assert not any(t.name == "serial-radio-1" for t in threading.enumerate())
