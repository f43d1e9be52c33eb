"""The after-action report of a recorded scenario: HTML parsed for its sections, the PDF's pages and text."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import unicodedata
import xml.etree.ElementTree as ET
from datetime import timedelta, timezone
from html.parser import HTMLParser

import pytest
from report_scenario import HOSTILE, HOSTILE_CALLSIGN, VEHICLE_ID, VEHICLE_NAME, WINDOW, record_scenario, \
    write_scenario_config

from console.cli import main
from console.report import AfterActionReport, report_language, write_html, write_pdf
from radios.exports import clean_text
from radios.report_data import MAX_PLOT_POINTS, ReportData, ack_delay_s, format_duration, gather, track_svg
from radios.schema import UnitState
from radios.store_reader import StoreReader, TimeWindow

BEIJING = timezone(timedelta(hours=8))
SECTIONS = ["summary", "timeline", "alarms", "units", "links", "backhaul", "messages"]
SVG = "{http://www.w3.org/2000/svg}"


class Outline(HTMLParser):
    """What a reader of the HTML meets: section ids and headings, tags, text, and any outside resource."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.sections, self.headings, self.tags, self.text = [], [], [], []
        self.external, self.rows, self._heading = [], 0, False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        self.rows += tag == "tr"
        if tag == "h2":
            self.sections.append(attrs.get("id"))
            self._heading = True
        for name in ("src", "href"):
            if attrs.get(name):
                self.external.append(attrs[name])

    def handle_endtag(self, tag):
        self._heading = self._heading and tag != "h2"

    def handle_data(self, data):
        self.text.append(data)
        if self._heading:
            self.headings.append(data)


@pytest.fixture
def data(tmp_path) -> ReportData:
    scenario = record_scenario(tmp_path)
    return gather(StoreReader(scenario.store_path), TimeWindow.parse(*WINDOW), VEHICLE_ID, VEHICLE_NAME)


def test_html_has_every_section_and_shows_hostile_text_as_text(qapp, data):
    with report_language("en"):
        html = AfterActionReport(data, "en", BEIJING).html()
    page = Outline(html)
    assert page.sections == SECTIONS
    assert page.headings == ["Summary", "Timeline", "Alarms", "Units and tracks", "Link outages", "Backhaul",
                             "Messages"]
    assert "script" not in page.tags and page.external == [], "nothing injected, nothing loaded"
    text = "".join(page.text)
    assert clean_text(HOSTILE) in text and clean_text(HOSTILE_CALLSIGN) in text
    assert f"{VEHICLE_NAME} ({VEHICLE_ID})" in text
    assert "2024-05-01 14:05:00" in text and "2024-05-01T06:05:00Z" in text  # local (UTC+8) and UTC
    assert "Corrected by the entry of 2024-05-01 14:55:00" in text
    assert "Corrects the entry of 2024-05-01 14:05:00" in text
    assert "2 min 30 s" in text and "commander" in text  # the SOS, acknowledged by a seat after 150 s
    assert "before the window" not in text and "after the window" not in text
    assert "Waiting for HQ when the report was made" in text and "alarms 1, positions 1" in text
    assert html.count('<span class="corrected">') == 1


def test_report_speaks_the_chosen_language_and_only_while_asked(qapp, data):
    with report_language("zh_CN"):
        chinese = AfterActionReport(data, "zh_CN", BEIJING).html()
    with report_language("en"):
        english = AfterActionReport(data, "en", BEIJING).html()
    assert '<html lang="zh-CN">' in chinese and '<html lang="en">' in english
    assert "态势" in chinese and "Situation" not in chinese  # the category of the Chinese entry
    assert "Situation" in english and "态势" not in english
    assert Outline(chinese).sections == SECTIONS


def test_an_empty_window_still_makes_a_whole_report(qapp, tmp_path):
    empty = ReportData(VEHICLE_ID, VEHICLE_NAME, TimeWindow.parse(*WINDOW))
    with report_language("en"):
        report = AfterActionReport(empty, "en", BEIJING)
        page = Outline(report.html())
        write_pdf(report, tmp_path / "empty.pdf")
    assert page.sections == [s for s in SECTIONS if s != "backhaul"]  # no backhaul figures: no section
    assert "No log entries in this window." in "".join(page.text)
    assert _pages(tmp_path / "empty.pdf") == 1


def test_pdf_has_pages_and_the_vehicle_in_its_text(qapp, data, tmp_path):
    out = tmp_path / "report.pdf"
    with report_language("en"):
        write_pdf(AfterActionReport(data, "en", BEIJING), out)
    assert out.read_bytes().startswith(b"%PDF-")
    assert _pages(out) >= 1
    text = _pdf_text(out)
    assert "Rescue 7" in text and VEHICLE_ID in text and "指挥" in text
    assert "Timeline" in text and "Link outages" in text and "救援一组" in text
    assert not list(tmp_path.glob("*.part"))


def test_html_file_is_self_contained_utf8(qapp, data, tmp_path):
    out = tmp_path / "report.html"
    with report_language("en"):
        write_html(AfterActionReport(data, "en"), out)
    html = out.read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in html and "<style>" in html and "<svg" in html
    assert not re.search(r"""(src|href)\s*=|url\(|@import""", html)


def test_track_plot_draws_every_unit_and_escapes_callsigns(data):
    root = ET.fromstring(track_svg(data.tracks, 640, 400))
    lines = root.findall(f"{SVG}polyline")
    assert sorted(len(line.get("points").split()) for line in lines) == [6, 10]
    labels = [t.text for t in root.findall(f"{SVG}text")]
    assert clean_text(HOSTILE_CALLSIGN) in labels and "救援一组" in labels and labels[-1] == "100 m"
    for line in lines:
        for point in line.get("points").split():
            x, y = map(float, point.split(","))
            assert 0 <= x <= 640 and 0 <= y <= 400


def test_track_plot_thins_long_tracks_and_keeps_their_ends():
    states = [UnitState(id=f"position-{n:06d}", ts="2024-05-01T06:00:00Z", src="x", uid="u1", unit_kind="drone",
                        callsign="D", lat=30 + n * 1e-5, lon=120.0) for n in range(3001)]
    line = ET.fromstring(track_svg({"u1": states})).find(f"{SVG}polyline").get("points").split()
    assert len(line) <= MAX_PLOT_POINTS + 1
    assert ET.fromstring(track_svg({})).find(f"{SVG}polyline") is None


def test_time_to_acknowledge(data):
    (alarm,) = data.alarms
    assert ack_delay_s(alarm) == 150 and alarm.acknowledged_by == "commander"
    assert [format_duration(s) for s in (42, 185, 7620)] == ["42 s", "3 min 05 s", "2 h 07 min"]
    assert data.backhaul_outages == 1 and len(data.link_outages) == 2


def _pages(pdf) -> int:
    """Page count from the PDF's own page objects (no tool needed)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))


def _pdf_text(pdf) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext is not installed: install poppler-utils (installer/setup.sh --dev)")
    text = subprocess.run([tool, "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    # Noto CJK draws 一 and the radical ⼀ with one glyph, and Qt's PDF names that glyph by the
    # radical; NFKC folds Kangxi radicals back (not 车/⻋, hence only 指挥 is checked).
    return unicodedata.normalize("NFKC", text)


def _mcv(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "console", *args], env=env, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


def test_mcv_report_writes_html_and_pdf(tmp_path):
    config = str(write_scenario_config(tmp_path, record_scenario(tmp_path).store_path))
    for name, lang in (("r.html", "en"), ("r.pdf", "zh_CN")):
        done = _mcv("report", "--config", config, "--from", WINDOW[0], "--to", WINDOW[1],
                    "--out", str(tmp_path / name), "--lang", lang)
        assert done.returncode == 0, done.stderr
        assert "11 log entries" in done.stdout
    assert Outline((tmp_path / "r.html").read_text(encoding="utf-8")).sections == SECTIONS
    assert _pages(tmp_path / "r.pdf") >= 1 and "rescue-7" in _pdf_text(tmp_path / "r.pdf")


def test_mcv_report_refuses_bad_arguments_in_one_line(tmp_path, capsys):
    config = str(write_scenario_config(tmp_path, record_scenario(tmp_path).store_path))
    cases = [
        (["--from", WINDOW[0], "--out", str(tmp_path / "r.txt")], "neither .html nor .pdf"),
        (["--from", "soon", "--out", str(tmp_path / "r.html")], "now-2h"),
        (["--from", "now", "--to", "now-1h", "--out", str(tmp_path / "r.html")], "earlier"),
        (["--from", WINDOW[0], "--out", str(tmp_path)], "is a folder"),
        (["--from", WINDOW[0], "--out", str(tmp_path / "r.pdf"), "--lang", "fr"], "invalid choice"),
        (["--out", str(tmp_path / "r.pdf")], "--from"),
    ]
    for args, message in cases:
        try:
            code = main(["report", "--config", config, *args])
        except SystemExit as exc:  # argparse's own refusals
            code = exc.code
        assert code == 2, args
        assert message in capsys.readouterr().err, args
    done = _mcv("report", "--config", config, "--from", "soon", "--out", str(tmp_path / "r.pdf"))
    assert done.returncode == 2 and "mcv report: " in done.stderr and "Traceback" not in done.stderr
    assert not list(tmp_path.glob("r.*"))
