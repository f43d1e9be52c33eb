"""The comms seat's link controls and raw traffic monitor against a real gateway, mosquitto and socat ptys."""

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from support import RunningGateway, wait_until

sys.path.insert(0, str(Path(__file__).parents[1] / "radios"))  # the pty peer of the radio tests
from pty_peer import Feeder, PtyPair, gga  # noqa: E402

from console.bus_client import BusClient  # noqa: E402
from console.links_panel import LinksPanel  # noqa: E402
from console.traffic_format import capture_path, frame_hex, frame_text, safe_name, save_capture  # noqa: E402
from radios.bus_settings import BusSettings  # noqa: E402
from radios.link_control import list_serial_ports  # noqa: E402
from radios.schema import Topics  # noqa: E402


@pytest.fixture
def cables(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with PtyPair(tmp_path / "a") as first, PtyPair(tmp_path / "b") as second:
        yield first, second


@pytest.fixture
def comms(broker, tmp_path, cables, qtbot):
    first, _ = cables
    links = (f'\n[[links]]\nid = "radio-1"\ntype = "serial"\nurl = "{first.device}"\nprofile = "nmea"\n'
             'unit = "engine-3"\nbaud = 4800\n')
    with RunningGateway(broker, tmp_path, links) as running:
        client = BusClient(BusSettings(broker.host, broker.port, "comms-seat"), Topics("test-1"), "console@comms")
        panel = LinksPanel(client)
        panel.monitor._data_dir = tmp_path / "data"
        qtbot.addWidget(panel)
        panel.resize(1100, 700)
        panel.show()
        client.start()
        try:
            qtbot.waitUntil(lambda: "radio-1" in panel.cards, timeout=5000)
            yield running.gateway, panel
        finally:
            client.stop()


def test_disable_and_enable_from_the_card(comms, qtbot, cables):
    gateway, panel = comms
    first, _ = cables
    card = panel.cards["radio-1"]
    with Feeder(first, gga()):
        qtbot.waitUntil(lambda: card.state_label.text() == "up", timeout=5000)
        assert card.controls.toggle.text() == "Disable"
        qtbot.mouseClick(card.controls.toggle, Qt.LeftButton)
        qtbot.waitUntil(lambda: card.state_label.text() == "disabled", timeout=5000)
        assert "radio-1" not in gateway.links
        assert card.controls.toggle.text() == "Enable" and not card.controls.reconnect.isEnabled()
        qtbot.waitUntil(lambda: panel.notice.text().startswith("Done: disable"), timeout=5000)
        qtbot.mouseClick(card.controls.toggle, Qt.LeftButton)
        qtbot.waitUntil(lambda: "radio-1" in gateway.links, timeout=5000)
        assert wait_until(lambda: gateway.links["radio-1"].status().state == "up", 5)
        gateway.publish_status()
        qtbot.waitUntil(lambda: card.state_label.text() == "up", timeout=5000)
    assert any("radio-1 disabled by console@comms" in e.text for e in gateway.store.events_since(None))


def test_the_port_picker_lists_the_gateways_ports_and_moves_the_link(comms, qtbot, cables):
    gateway, panel = comms
    _, second = cables
    picker = panel.cards["radio-1"].controls
    assert picker.port.isVisible() and picker.move.isVisible()
    devices = [port["device"] for port in list_serial_ports()]
    qtbot.waitUntil(lambda: [picker.port.itemText(i) for i in range(picker.port.count())] == devices, timeout=5000)
    picker.port.setEditText(str(second.device))  # a pty is not listed; the technician types it
    qtbot.mouseClick(picker.move, Qt.LeftButton)
    qtbot.waitUntil(lambda: gateway.links.get("radio-1") is not None
                    and gateway.links["radio-1"].config.url == str(second.device), timeout=5000)
    with Feeder(second, gga("3017.000", "12011.000")):
        assert wait_until(lambda: any(abs(p.lat - 30.2833) < 1e-3 for p in gateway.store.track("engine-3")), 5)


def test_the_monitor_shows_a_links_raw_frames_as_text_or_hex_filters_and_saves(comms, qtbot, cables, tmp_path):
    gateway, panel = comms
    first, _ = cables
    monitor = panel.monitor
    monitor.source.setCurrentIndex(monitor.source.findData("radio-1"))
    qtbot.waitUntil(lambda: gateway.link_control.tap.watching("radio-1"), timeout=5000)
    assert first.send(gga() + b"\x00\x07junk\xfe\r\n")

    def shown() -> str:
        gateway.link_control.tap.flush()
        monitor.refresh()
        return monitor.view.toPlainText()

    qtbot.waitUntil(lambda: "\\x00\\x07junk\\xfe" in shown(), timeout=5000)
    assert "$GPGGA" in shown()
    monitor.as_hex.setChecked(True)
    assert "00 07 6a 75 6e 6b fe" in monitor.view.toPlainText()
    monitor.as_hex.setChecked(False)
    monitor.filter.setText("junk")
    assert "$GPGGA" not in monitor.view.toPlainText() and "junk" in monitor.view.toPlainText()
    qtbot.mouseClick(monitor.save, Qt.LeftButton)
    saved = list((tmp_path / "data" / "traffic").glob("radio-1-*.txt"))
    assert len(saved) == 1 and "junk" in saved[0].read_text() and "$GPGGA" not in saved[0].read_text()
    assert str(saved[0]) in monitor.status.text()
    monitor.pause.click()
    assert first.send(b"later\r\n")
    gateway.link_control.tap.flush()
    monitor.filter.setText("")  # a change of filter while paused redraws what was kept, nothing newer
    monitor.pause.click()
    qtbot.waitUntil(lambda: "later" in shown(), timeout=5000)


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/shadow", "..", ".", "", "a\0b", "C:\\Windows\\x",
                                  "名前", "x" * 500, "radio 1/../../..", "~root"])
def test_hostile_names_never_leave_the_traffic_folder(tmp_path, name):
    path = save_capture(tmp_path, name, ["line"])
    assert path.parent == (tmp_path / "traffic").resolve()
    assert path.read_text() == "line\n"
    assert safe_name(name) and len(safe_name(name)) <= 64


def test_a_second_save_in_the_same_second_never_overwrites(tmp_path):
    first = save_capture(tmp_path, "radio-1", ["one"])
    second = save_capture(tmp_path, "radio-1", ["two"])
    assert first != second and first.read_text() == "one\n" and second.read_text() == "two\n"
    assert capture_path(tmp_path, "radio-1").parent == first.parent


@pytest.mark.parametrize("data, text", [
    (b"$GPGGA,1*00", "$GPGGA,1*00"), (b"\x00\xff\r\n", "\\x00\\xff\\x0d\\x0a"), (b"a\\b", "a\\\\b"), (b"", ""),
])
def test_frames_as_text_show_every_byte(data, text):
    assert frame_text(data) == text


def test_frames_as_hex_have_offsets_and_the_printable_bytes():
    rows = frame_hex(bytes(range(0x41, 0x41 + 20))).splitlines()
    assert rows[0].startswith("0000  41 42 43") and rows[0].endswith("ABCDEFGHIJKLMNOP")
    assert rows[1].startswith("0010  51 52 53 54") and rows[1].endswith("QRST")
