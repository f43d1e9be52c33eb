"""AtModem against the modem emulator on a real socat pty; its reply parsers against hostile input."""

import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import wait_until

sys.path.insert(0, str(Path(__file__).parent))  # pty_peer.py sits beside this file
from pty_peer import PtyPair  # noqa: E402

from radios.at_commands import (  # noqa: E402
    AtReplyError, error_text, is_final, parse_creg, parse_csq, parse_sbdix, parse_sbdwb_status, sbd_checksum,
    sbd_frame,
)
from radios.at_modem import AtModem, ModemSettings  # noqa: E402
from radios.config import LinkConfig  # noqa: E402
from radios.modem_emulator import ModemEmulator  # noqa: E402

FAST = ModemSettings(poll_s=0.2, command_timeout_s=1.5, sbdix_timeout_s=3.0, retries=1)


# -- the pure parsers ---------------------------------------------------------------------

def test_csq_reads_iridium_bars_and_cellular_rssi():
    assert parse_csq("+CSQ:5") == 5
    assert parse_csq("+CSQ: 0") == 0
    assert parse_csq("+CSQ: 23,99", "cellular") == 23
    assert parse_csq("+CSQ: 99,99", "cellular") is None
    for bad in ("+CSQ:6", "+CSQ:", "CSQ:3", "+CSQ: 32,0", "+CSQ:-1", "+CSQ:3x", "+CSQ:" + "9" * 200):
        with pytest.raises(AtReplyError):
            parse_csq(bad, "cellular" if "," in bad else "sbd")


def test_sbdix_reads_the_session_result():
    result = parse_sbdix("+SBDIX: 0, 12, 0, 0, 0, 0")
    assert (result.mo_status, result.momsn, result.sent) == (0, 12, True)
    assert parse_sbdix("+SBDIX:4,1,1,2,30,1").sent
    failed = parse_sbdix("+SBDIX: 32, 12, 2, 0, 0, 0")
    assert not failed.sent and failed.no_service and failed.describe() == "no network service"
    assert "status 5" in parse_sbdix("+SBDIX: 5, 0, 0, 0, 0, 0").describe()
    for bad in ("+SBDIX: 0, 12, 0, 0, 0", "+SBDIX: 0,70000,0,0,0,0", "+SBDIX: 0,1,3,0,0,0",
                "+SBDIX: 0,1,0,0,271,0", "+SBDIX: a,1,0,0,0,0", "+SBDIX 0,1,0,0,0,0", b"+SBDIX: \xff"):
        with pytest.raises(AtReplyError):
            parse_sbdix(bad)


def test_final_results_errors_registration_and_write_status():
    assert is_final("OK") and is_final("ERROR") and is_final("+CME ERROR: 30")
    assert not is_final("READY") and not is_final("+CSQ:5")
    assert error_text("+CME ERROR: SIM not inserted") == "SIM not inserted"
    assert error_text("OK") is None
    assert parse_creg("+CREG: 0,1") == 1 and parse_creg("+CREG: 5") == 5
    assert parse_sbdwb_status("2") == 2
    for parse, bad in ((parse_creg, "+CREG: 0,7"), (parse_creg, "+CREG:"), (parse_sbdwb_status, "4"),
                       (parse_sbdwb_status, "01")):
        with pytest.raises(AtReplyError):
            parse(bad)


def test_the_checksum_is_the_low_16_bits_of_the_byte_sum_big_endian():
    assert sbd_checksum(b"hello") == (532).to_bytes(2, "big")
    assert sbd_checksum(b"\xff" * 340) == ((255 * 340) & 0xFFFF).to_bytes(2, "big")
    assert sbd_frame(b"\x01\x02") == b"\x01\x02\x00\x03"
    for bad in (b"", b"x" * 341):
        with pytest.raises(ValueError):
            sbd_frame(bad)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200)), st.sampled_from(["sbd", "cellular"]))
def test_no_reply_crashes_a_parser(line, profile):
    for parse in (lambda: parse_csq(line, profile), lambda: parse_sbdix(line), lambda: parse_creg(line),
                  lambda: parse_sbdwb_status(line)):
        try:
            parse()
        except AtReplyError:
            pass
    if isinstance(line, str):
        try:
            is_final(line)
            error_text(line)
        except AtReplyError:
            pass


# -- the modem on a pty ---------------------------------------------------------------------

@pytest.fixture
def cable(tmp_path):
    with PtyPair(tmp_path) as pair:
        yield pair


def _modem(cable, settings=FAST, profile="sbd", statuses=None):
    config = LinkConfig(id="satcom", type="modem", url=str(cable.device), profile=profile, baud=19200)
    return AtModem(config, settings if profile == "sbd" else ModemSettings(**{**settings.__dict__, "profile": profile}),
                   on_status=(statuses.append if statuses is not None else None))


def test_a_message_goes_out_and_the_link_is_up_with_its_signal(cable):
    statuses = []
    with ModemEmulator(str(cable.far_end), signal=4) as emulator:
        modem = _modem(cable, statuses=statuses)
        modem.start()
        try:
            assert wait_until(lambda: modem.can_send, 5)
            status = modem.status()
            assert (status.state, status.signal, status.link_type) == ("up", 4, "modem")
            assert "signal 4/5" in status.detail
            started = time.monotonic()
            result = modem.send_sbd(b"\x00\x01binary\xff")
            took = time.monotonic() - started
            assert result.ok and result.session.momsn == 1, result
            assert emulator.messages() == [b"\x00\x01binary\xff"]
            assert took < 2.0
            assert "ATE0" in emulator.commands  # the power-up echo is turned off, and was skipped before
        finally:
            modem.stop()
    assert [s.state for s in statuses][-1] == "up"


def test_a_bad_checksum_reply_an_error_and_a_failed_session_are_clear_failures(cable):
    with ModemEmulator(str(cable.far_end)) as emulator:
        modem = _modem(cable)
        modem.start()
        try:
            assert wait_until(lambda: modem.can_send, 5)
            emulator.checksum_reply = 2
            result = modem.send_sbd(b"alarm")
            assert not result.ok and "checksum did not match" in result.detail
            assert emulator.commands.count("AT+SBDWB=5") == 2  # written again once, then given up
            emulator.checksum_reply = None
            emulator.error_commands.add("AT+SBDIX")
            result = modem.send_sbd(b"alarm")
            assert not result.ok and result.detail == "the modem answered ERROR to AT+SBDIX"
            emulator.error_commands.clear()
            emulator.sbdix_status = 18
            result = modem.send_sbd(b"alarm")
            assert not result.ok and result.session.mo_status == 18 and "lost" in result.detail
            assert emulator.messages() == []
            assert modem.send_sbd(b"x" * 341).ok is False
        finally:
            modem.stop()


def test_no_signal_degrades_the_link_and_a_session_then_reports_no_service(cable):
    with ModemEmulator(str(cable.far_end), signal=0) as emulator:
        modem = _modem(cable)
        modem.start()
        try:
            assert wait_until(lambda: modem.status().state == "degraded", 5)
            assert "no signal" in modem.status().detail and not modem.can_send
            result = modem.send_sbd(b"alarm")
            assert not result.ok and result.session.no_service
            emulator.signal = 9  # not a value Iridium can give
            assert wait_until(lambda: "reply makes no sense" in modem.status().detail, 5)
            assert modem.status().state == "degraded" and not modem.can_send
            emulator.signal = 3
            assert wait_until(lambda: modem.can_send and modem.status().state == "up", 5)
        finally:
            modem.stop()


def test_a_silent_modem_is_not_answering_and_recovers_when_it_answers_again(cable):
    with ModemEmulator(str(cable.far_end)) as emulator:
        emulator.mute = True
        modem = _modem(cable)
        modem.start()
        try:
            assert wait_until(lambda: "AT" in emulator.commands, 3)
            assert not modem.can_send
            assert modem.send_sbd(b"alarm").ok is False
            assert modem.status().state != "up"
            emulator.inject(b"\x00\xff\xfe garbage \x80\r\n" * 3)  # noise is counted, not fatal
            emulator.mute = False
            assert wait_until(lambda: modem.can_send, 5)
            assert modem.status().errors >= 1
        finally:
            modem.stop()


def test_a_cellular_modem_reports_rssi_and_registration(cable):
    with ModemEmulator(str(cable.far_end), profile="cellular", signal=23) as emulator:
        emulator.registration = 2
        modem = _modem(cable, profile="cellular")
        modem.start()
        try:
            assert wait_until(lambda: "no service" in modem.status().detail, 5)
            assert modem.registered is False
            assert modem.status().state == "degraded" and modem.signal == 23
            emulator.registration = 5
            assert wait_until(lambda: modem.status().state == "up", 5)
            assert "signal 23/31" in modem.status().detail
            assert modem.send_sbd(b"x").ok is False  # a cellular modem has no SBD
        finally:
            modem.stop()


def test_unplugging_the_modem_takes_the_link_down_and_replugging_brings_it_back(cable):
    emulator = ModemEmulator(str(cable.far_end)).start()
    modem = _modem(cable)
    modem.start()
    try:
        assert wait_until(lambda: modem.can_send, 5)
        cable.unplug()
        assert wait_until(lambda: modem.status().state == "down", 3)
        assert not modem.can_send
        cable.plug()
        assert wait_until(lambda: modem.can_send, 5)
        assert modem.send_sbd(b"back").ok
    finally:
        modem.stop()
        emulator.stop()
