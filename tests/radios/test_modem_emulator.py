"""The SBD modem emulator, spoken to byte by byte over a real socat pty, in-process and as a process."""

import subprocess
import sys
import time
from pathlib import Path

import pytest
import serial
from support import reap, wait_for_line

sys.path.insert(0, str(Path(__file__).parent))  # pty_peer.py sits beside this file
from pty_peer import PtyPair  # noqa: E402

from radios.at_commands import sbd_checksum  # noqa: E402
from radios.modem_emulator import ModemEmulator  # noqa: E402


class Terminal:
    """The modem's user, typing commands and reading the reply lines up to a final result."""

    def __init__(self, device: Path) -> None:
        self.port = serial.serial_for_url(str(device), timeout=0.1)

    def ask(self, command: str | bytes, until=("OK", "ERROR", "READY"), timeout_s: float = 3.0) -> list[str]:
        raw = command if isinstance(command, bytes) else command.encode() + b"\r"
        self.port.write(raw)
        lines, buffer = [], b""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            buffer += self.port.read(64)
            while b"\n" in buffer:
                line, _, buffer = buffer.partition(b"\n")
                text = line.strip(b"\r").decode("ascii", "replace")
                if text:
                    lines.append(text)
                if text in until:
                    return lines
        raise AssertionError(f"no final reply to {command!r}: {lines}")

    def close(self) -> None:
        self.port.close()


@pytest.fixture
def terminal(tmp_path):
    with PtyPair(tmp_path) as cable:
        emulator = ModemEmulator(str(cable.far_end), signal=3).start()
        assert emulator.wait_open()
        term = Terminal(cable.device)
        try:
            yield term, emulator
        finally:
            term.close()
            emulator.stop()


def test_it_echoes_until_told_not_to_and_answers_signal_and_unknown_commands(terminal):
    term, emulator = terminal
    assert term.ask("AT") == ["AT", "OK"]
    assert term.ask("ATE0") == ["ATE0", "OK"]
    assert term.ask("AT+CSQ") == ["+CSQ:3", "OK"]
    assert term.ask("AT+FOO") == ["ERROR"]
    emulator.error_commands.add("AT+CSQ")
    assert term.ask("AT+CSQ") == ["ERROR"]
    assert emulator.commands == ["AT", "ATE0", "AT+CSQ", "AT+FOO", "AT+CSQ"]


def test_it_takes_a_message_checks_its_checksum_and_delivers_it_in_a_session(terminal):
    term, emulator = terminal
    term.ask("ATE0")
    message = bytes(range(256)) + b"tail"
    assert term.ask(f"AT+SBDWB={len(message)}") == ["READY"]
    assert term.ask(message + sbd_checksum(message)) == ["0", "OK"]
    assert term.ask("AT+SBDIX") == ["+SBDIX: 0, 1, 0, 0, 0, 0", "OK"]
    assert emulator.messages() == [message]
    assert term.ask("AT+SBDWB=3") == ["READY"]
    assert term.ask(b"abc\x00\x00") == ["2", "OK"]  # wrong checksum: not loaded
    assert term.ask("AT+SBDWB=341") == ["3", "OK"]
    assert term.ask("AT+SBDWB=x") == ["ERROR"]
    emulator.sbdix_status = 35
    assert term.ask("AT+SBDIX") == ["+SBDIX: 35, 1, 0, 0, 0, 0", "OK"]
    emulator.sbdix_status, emulator.signal = 0, 0
    assert term.ask("AT+SBDIX") == ["+SBDIX: 32, 1, 0, 0, 0, 0", "OK"]  # no signal is no service
    assert term.ask("AT+SBDD0") == ["0", "OK"]
    emulator.signal = 5
    assert term.ask("AT+SBDIX") == ["+SBDIX: 0, 1, 0, 0, 0, 0", "OK"]  # an empty buffer delivers nothing
    assert emulator.messages() == [message]


def test_bytes_that_stop_short_time_out_with_status_1(terminal):
    term, emulator = terminal
    term.ask("ATE0")
    emulator.binary_timeout_s = 0.3
    assert term.ask("AT+SBDWB=10") == ["READY"]
    assert term.ask(b"only5") == ["1", "OK"]
    emulator.mute = True
    term.port.write(b"AT\r")
    time.sleep(0.2)  # a mute modem: nothing may come back within a command's time
    assert term.port.read(64) == b""


def test_it_runs_as_a_process_on_a_pty_and_stops_on_sigterm(tmp_path):
    with PtyPair(tmp_path) as cable:
        process = subprocess.Popen([sys.executable, "-m", "radios.modem_emulator", str(cable.far_end), "--signal", "2"],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            wait_for_line(process.stdout, "answering on")
            term = Terminal(cable.device)
            try:
                assert term.ask("AT+CSQ") == ["AT+CSQ", "+CSQ:2", "OK"]
            finally:
                term.close()
            process.terminate()
            assert process.wait(5) == 0
        finally:
            reap(process)


def test_the_demo_modem_serves_a_pty_the_gateway_config_names(tmp_path):
    import tomllib

    from radios.modem_emulator import PtyModem

    modem = PtyModem(tmp_path, signal=4).start()
    try:
        link = tomllib.loads(modem.link_config())["links"][0]
        assert (link["type"], link["profile"], link["url"]) == ("modem", "sbd", str(modem.device))
        term = Terminal(modem.device)
        try:
            assert modem.emulator.wait_open()
            assert term.ask("AT+CSQ")[-2:] == ["+CSQ:4", "OK"]
        finally:
            term.close()
    finally:
        modem.stop()
    assert not modem.device.exists()
