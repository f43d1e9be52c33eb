"""The Report… dialog against a real broker and gateway: the seat asks, the gateway answers, the seat writes."""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser

import pytest
from PySide6.QtCore import QDateTime, Qt
from report_scenario import WINDOW, record_scenario
from support import RunningGateway, write_config

import console.report_dialog as report_dialog
from console.app import build_console
from console.bus_client import BusClient
from console.report_dialog import ReportDialog, reports_folder
from radios.bus import BusSettings, MqttBus
from radios.config import load_config
from radios.schema import HistoryReply, Topics

SECTIONS = ["summary", "timeline", "alarms", "units", "links", "backhaul", "messages"]


class Sections(HTMLParser):
    """The ids of the report's sections (its ``h2`` headings), and its text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids, self.text = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "h2":
            self.ids.append(dict(attrs).get("id"))

    def handle_data(self, data):
        self.text.append(data)


def _local(ts: str) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()))


@pytest.fixture
def seat(broker, tmp_path, qtbot):
    """A bus client on a seat, connected to the broker (a gateway may or may not answer)."""
    bus = BusClient(BusSettings(broker.host, broker.port, "report-seat"), Topics("test-1"), source="console@test")
    bus.start()
    qtbot.waitUntil(lambda: bus.state == "up", timeout=5000)
    yield bus
    bus.stop()


def _dialog(qtbot, bus, start: str, end: str, out) -> ReportDialog:
    dialog = ReportDialog(bus, "test-1")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.start.setDateTime(_local(start))
    dialog.end.setDateTime(_local(end))
    dialog.out.setText(str(out))
    return dialog


def test_the_dialog_proposes_the_last_day_in_the_consoles_language_in_the_data_folder(seat, qtbot):
    dialog = ReportDialog(seat, "test-1")
    qtbot.addWidget(dialog)
    span = dialog.start.dateTime().secsTo(dialog.end.dateTime())
    assert abs(span - 24 * 3600) <= 60 and dialog.language.currentData() == "en"
    assert re.fullmatch(r"report-test-1-\d{8}-\d{4}\.html", dialog.out.text().rsplit("/", 1)[-1])
    assert dialog.out.text().startswith(str(reports_folder()))
    dialog.format.setCurrentIndex(dialog.format.findData("pdf"))
    assert dialog.out.text().endswith(".pdf")


def test_a_report_from_the_gateway_is_written_as_html_and_pdf(seat, broker, tmp_path, qtbot):
    record_scenario(tmp_path)
    with RunningGateway(broker, tmp_path):
        html = tmp_path / "out" / "incident.html"
        dialog = _dialog(qtbot, seat, *WINDOW, html)
        with qtbot.waitSignal(dialog.written, timeout=15000):
            qtbot.mouseClick(dialog.make_button, Qt.LeftButton)
        page = Sections(html.read_text(encoding="utf-8"))
        assert page.ids == SECTIONS
        assert "After-action report: Test vehicle" in page.text and "救援一组" in "".join(page.text)
        assert str(html) in dialog.status.text() and dialog.open_folder_button.isVisible()
        assert "left out" not in dialog.status.text()

        pdf = tmp_path / "out" / "incident.pdf"
        dialog.out.setText(str(pdf))
        dialog.language.setCurrentIndex(dialog.language.findData("zh_CN"))
        with qtbot.waitSignal(dialog.written, timeout=15000):
            qtbot.mouseClick(dialog.make_button, Qt.LeftButton)
        content = pdf.read_bytes()
        assert content.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page(?![s\w])", content)) >= 2


def test_each_failure_is_one_sentence_in_the_dialog(seat, broker, tmp_path, qtbot, monkeypatch):
    record_scenario(tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with RunningGateway(broker, tmp_path):
        dialog = _dialog(qtbot, seat, "2020-01-01T00:00:00Z", "2020-01-02T00:00:00Z", tmp_path / "empty.html")
        qtbot.mouseClick(dialog.make_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: "Nothing was recorded" in dialog.status.text(), timeout=15000)
        assert not (tmp_path / "empty.html").exists() and dialog.make_button.isEnabled()

        dialog.start.setDateTime(_local(WINDOW[1]))
        dialog.end.setDateTime(_local(WINDOW[0]))
        assert dialog.make() == "" and "start before it ends" in dialog.status.text()

        dialog.start.setDateTime(_local(WINDOW[0]))
        dialog.end.setDateTime(_local(WINDOW[1]))
        dialog.out.setText(str(blocker / "r.html"))
        assert dialog.make() == "" and "Cannot create the folder" in dialog.status.text()

        dialog.out.setText(str(tmp_path))
        assert dialog.make() == "" and "not a folder" in dialog.status.text()

        dialog.out.setText("/proc/mcv-report.html")  # no one, root included, may create files there
        qtbot.mouseClick(dialog.make_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: "Cannot write /proc/mcv-report.html" in dialog.status.text(), timeout=15000)
        assert dialog.make_button.isEnabled() and not dialog.open_folder_button.isVisible()

    impostor = MqttBus(BusSettings(broker.host, broker.port, "report-impostor"), on_message=lambda *_: None)
    impostor.serve(Topics("test-1").command("history"), lambda raw: HistoryReply.create(
        "gateway", request="r", ok=True, items=[{"vehicle_id": "<script>"}]).encode())
    impostor.start()
    try:
        assert impostor.wait_connected(5)
        dialog.out.setText(str(tmp_path / "spoiled.html"))
        qtbot.mouseClick(dialog.make_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: "cannot be read" in dialog.status.text(), timeout=10000)
        assert "same mcv version" in dialog.status.text() and not (tmp_path / "spoiled.html").exists()
    finally:
        impostor.stop()

    monkeypatch.setattr(report_dialog, "REPORT_TIMEOUT_S", 0.5)  # no gateway any more: nobody answers
    dialog.out.setText(str(tmp_path / "late.html"))
    assert dialog.make()
    assert not dialog.make_button.isEnabled()
    qtbot.waitUntil(lambda: "did not answer" in dialog.status.text(), timeout=10000)
    assert dialog.make_button.isEnabled() and not (tmp_path / "late.html").exists()


def test_the_duty_menu_opens_the_dialog_for_this_vehicle(broker, tmp_path, qtbot):
    console = build_console(load_config(write_config(tmp_path, broker)), "commander", "en")
    qtbot.addWidget(console.window)
    try:
        (duty,) = [a.menu() for a in console.window.menuBar().actions() if a.text() == "&Duty"]
        (item,) = [a for a in duty.actions() if a.text() == "After-action report…"]
        item.trigger()
        dialogs = console.window.findChildren(ReportDialog)
        assert len(dialogs) == 1 and dialogs[0].isVisible() and "report-test-1-" in dialogs[0].out.text()
        dialogs[0].close()
    finally:
        console.stop()
