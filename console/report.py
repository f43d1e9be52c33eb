"""The after-action report: a window of the store as self-contained HTML or PDF, in one language.

``AfterActionReport`` words ``ReportData`` (radios/report_data.py) with ``self.tr``, so the
shipped translation covers it; every piece of field text goes through ``html.escape``.
The HTML has inline CSS and an inline SVG plot of the tracks, and loads nothing. The PDF
is the same HTML laid out by ``QTextDocument`` on a ``QPdfWriter`` page; Qt's rich text
cannot draw SVG, so there the plot is rendered to an image first.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import tzinfo
from html import escape
from pathlib import Path

from PySide6.QtCore import (
    QBuffer, QByteArray, QCoreApplication, QIODevice, QMarginsF, QObject, QSizeF, QTranslator, QUrl,
)
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter, QTextDocument
from PySide6.QtSvg import QSvgRenderer

from console.event_log_model import category_label, severity_label
from console.i18n import LANGUAGES, TRANSLATIONS_DIR, choose_language
from radios.exports import EXIT_USAGE, UsageError, check_output, clean_text, local_and_utc, replace_on_success
from radios.report_data import ReportData, ack_delay_s, format_duration, gather, track_svg
from radios.schema import Alarm, Event, parse_ts
from radios.store import StoreError
from radios.store_reader import StoreReader, TimeError, TimeWindow

TRACKS_IMAGE = "mcv-report:tracks.png"  # where the PDF's QTextDocument finds the rendered plot
PLOT_SIZE = (640, 400)
PDF_DPI = 150
PDF_MARGIN_MM = 15
TIME_COLUMN_WIDTH = "22%"  # "2024-05-01 06:40:00" on one line in a table a page wide
CSS_DPI = 96  # HTML sizes (the plot's width) are in CSS pixels
_TABLE = '<table width="100%" cellspacing="0">'  # Qt's rich text takes the width from the attribute
STYLE = """
body { font-family: sans-serif; font-size: 10pt; color: #111; }
h1 { font-size: 18pt; margin-bottom: 2pt; }
h2 { font-size: 13pt; margin-top: 14pt; border-bottom: 1px solid #888; }
table { border-collapse: collapse; margin-top: 4pt; width: 100%; }
th { background-color: #e4e4e4; text-align: left; }
th, td { border: 1px solid #bbb; padding: 2pt 4pt; vertical-align: top; }
tr.warning td { background-color: #fff4d6; }
tr.alarm td { background-color: #fde0e0; }
.corrected { text-decoration: line-through; color: #777; }
.note { color: #555; font-style: italic; }
.time { white-space: nowrap; }
.utc { color: #555; font-size: 8pt; }
"""


class AfterActionReport(QObject):
    """Words one ``ReportData`` as HTML in the language installed on the application."""

    def __init__(self, data: ReportData, language: str = "en", tz: tzinfo | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data, self.language, self.tz = data, language, tz

    # -- the document ------------------------------------------------------------------

    def html(self, *, tracks_image: str | None = None) -> str:
        """The whole report; with ``tracks_image`` the plot is that image instead of inline SVG."""
        title = self.tr("After-action report: {vehicle}").format(vehicle=self.data.vehicle_name)
        body = [f"<h1>{_text(title)}</h1>",
                *self._summary(), *self._timeline(), *self._alarms(), *self._units(tracks_image),
                *self._link_outages(), *self._backhaul(), *self._messages(), *self._handovers()]
        return (f'<!DOCTYPE html>\n<html lang="{_text(self.language.replace("_", "-"))}"><head><meta charset="utf-8">'
                f"<title>{_text(title)}</title><style>{STYLE}</style></head>\n<body>\n"
                + "\n".join(body) + "\n</body></html>\n")

    def _summary(self) -> list[str]:
        d = self.data
        counts = d.severity_counts()
        acknowledged = sum(1 for a in d.alarms if a.acknowledged_at is not None)
        rows = [
            (self.tr("Vehicle"), f"{d.vehicle_name} ({d.vehicle_id})"),
            (self.tr("From"), self._when(d.window.start)),
            (self.tr("To"), self._when(d.window.end)),
            (self.tr("Log entries"), self.tr("{total} (warnings: {warnings}, alarms: {alarms})").format(
                total=len(d.events), warnings=counts["warning"], alarms=counts["alarm"])),
            (self.tr("Alarms raised"), self.tr("{raised} (acknowledged: {acknowledged})").format(
                raised=len(d.alarms), acknowledged=acknowledged)),
            (self.tr("Units seen"), str(len(d.tracks))),
            (self.tr("Track points"), str(d.track_points())),
            (self.tr("Link outages"), str(len(d.link_outages))),
            (self.tr("Messages"), str(len(d.messages))),
            (self.tr("Report made"), self._when(d.generated)),
        ]
        note = self.tr("Times are local ({zone}) and UTC.").format(zone=self._zone())
        return [self._heading("summary", self.tr("Summary")), _TABLE,
                *(f"<tr><th>{_text(k)}</th><td>{_text(v)}</td></tr>" for k, v in rows),
                "</table>", self._note(note)]

    def _timeline(self) -> list[str]:
        d = self.data
        out = [self._heading("timeline", self.tr("Timeline"))]
        if not d.events:
            return out + [self._note(self.tr("No log entries in this window."))]
        by_id = {e.id: e for e in d.events}
        corrected_by = d.corrected_by
        out += [_TABLE, self._header(self.tr("Time"), self.tr("Severity"), self.tr("Category"),
                                     self.tr("Seat / source"), self.tr("Unit"), self.tr("Text"))]
        for event in d.events:
            text = f'<span class="corrected">{_text(event.text)}</span>' if event.id in corrected_by \
                else _text(event.text)
            for note in self._correction_notes(event, by_id, corrected_by):
                text += f'<br><span class="note">{_text(note)}</span>'
            cells = [self._when_cell(event.ts), _text(severity_label(event.severity)),
                     _text(category_label(event.category)), _text(event.seat or event.src),
                     _text(event.unit or ""), text]
            out.append(f'<tr class="{event.severity}">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        return out + ["</table>"]

    def _correction_notes(self, event: Event, by_id: dict[str, Event], corrected_by: dict[str, Event]) -> list[str]:
        notes = []
        if event.id in corrected_by:
            notes.append(self.tr("Corrected by the entry of {time}").format(
                time=self._times(corrected_by[event.id].ts)[0]))
        if event.corrects:
            original = by_id.get(event.corrects)
            notes.append(self.tr("Corrects the entry of {time}").format(time=self._times(original.ts)[0])
                         if original else self.tr("Corrects an entry from before this window"))
        return notes

    def _alarms(self) -> list[str]:
        out = [self._heading("alarms", self.tr("Alarms"))]
        if not self.data.alarms:
            return out + [self._note(self.tr("No alarms in this window."))]
        out += [_TABLE, self._header(self.tr("Raised"), self.tr("Kind"), self.tr("Unit"), self.tr("Text"),
                                        self.tr("State"), self.tr("Acknowledged by"), self.tr("Acknowledged"),
                                        self.tr("Time to acknowledge"), time_columns=(0, 6))]
        for alarm in self.data.alarms:
            delay = ack_delay_s(alarm)
            cells = [self._when_cell(alarm.ts), *map(_text, (self._alarm_kind(alarm.alarm_kind), alarm.unit or "",
                     alarm.text, self._alarm_state(alarm), alarm.acknowledged_by or "")),
                     self._when_cell(alarm.acknowledged_at) if alarm.acknowledged_at else "",
                     _text(format_duration(delay)) if delay is not None else ""]
            row_class = "alarm" if alarm.state == "active" else ""
            out.append(f'<tr class="{row_class}">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        return out + ["</table>"]

    def _units(self, tracks_image: str | None) -> list[str]:
        d = self.data
        out = [self._heading("units", self.tr("Units and tracks"))]
        if not d.tracks:
            return out + [self._note(self.tr("No positions in this window."))]
        width, height = PLOT_SIZE
        out.append(f'<p><img src="{tracks_image}" width="{width}" height="{height}"></p>' if tracks_image
                   else f"<div>{track_svg(d.tracks, width, height)}</div>")
        out.append(self._note(self.tr("Hollow dot: first position; filled dot: last.")))
        out += [_TABLE, self._header(self.tr("Callsign"), self.tr("Kind"), self.tr("Unit id"),
                                        self.tr("Last seen"), self.tr("Last position"), self.tr("Track points"),
                                        time_columns=(3,))]
        for unit in d.units:
            cells = [*map(_text, (unit.callsign, self._unit_kind(unit.unit_kind), unit.uid)), self._when_cell(unit.ts),
                     _text(f"{unit.lat:.5f}, {unit.lon:.5f}"), str(len(d.tracks.get(unit.uid, ())))]
            out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        return out + ["</table>"]

    def _link_outages(self) -> list[str]:
        out = [self._heading("links", self.tr("Link outages"))]
        outages = self.data.link_outages
        if not outages:
            return out + [self._note(self.tr("No link outages in this window."))]
        out += [_TABLE, self._header(self.tr("Time"), self.tr("Severity"), self.tr("Text"))]
        for event in outages:
            cells = [self._when_cell(event.ts), _text(severity_label(event.severity)), _text(event.text)]
            out.append(f'<tr class="{event.severity}">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        return out + ["</table>"]

    def _backhaul(self) -> list[str]:
        d = self.data
        if not d.backhaul_events and not d.backlog:
            return []
        waiting = sum(d.backlog.values())
        by_priority = ", ".join(f"{self._priority(name)} {count}" for name, count in d.backlog.items())
        rows = [(self.tr("Backhaul outages"), str(d.backhaul_outages)),
                (self.tr("Waiting for HQ when the report was made"),
                 f"{waiting} ({by_priority})" if by_priority else str(waiting))]
        out = [self._heading("backhaul", self.tr("Backhaul")), _TABLE,
               *(f"<tr><th>{_text(k)}</th><td>{_text(v)}</td></tr>" for k, v in rows), "</table>"]
        if d.backhaul_events:
            out += [_TABLE, self._header(self.tr("Time"), self.tr("Text"))]
            for event in d.backhaul_events:
                out.append(f"<tr><td>{self._when_cell(event.ts)}</td><td>{_text(event.text)}</td></tr>")
            out.append("</table>")
        return out

    def _messages(self) -> list[str]:
        out = [self._heading("messages", self.tr("Messages"))]
        if not self.data.messages:
            return out + [self._note(self.tr("No messages in this window."))]
        out += [_TABLE, self._header(self.tr("Sent"), self.tr("From"), self.tr("To"), self.tr("Text"),
                                        self.tr("Delivery"))]
        for message in self.data.messages:
            cells = [self._when_cell(message["ts"]),
                     *map(_text, (message["src"], message["to_unit"], message["text"], message["state"]))]
            out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        return out + ["</table>"]

    def _handovers(self) -> list[str]:
        """Shifts and handovers, with the notes and what was open at each; no section in a window without any."""
        entries = self.data.duty_entries
        if not entries:
            return []
        out = [self._heading("handovers", self.tr("Shifts and handovers")), _TABLE,
               self._header(self.tr("Time"), self.tr("Seat"), self.tr("Entry, notes and what was still open"))]
        for event in entries:
            text = "<br>".join(_text(line) for line in event.text.splitlines())
            out.append(f"<tr><td>{self._when_cell(event.ts)}</td><td>{_text(event.seat or event.src)}</td>"
                       f"<td>{text}</td></tr>")
        return out + ["</table>"]

    # -- wording -----------------------------------------------------------------------

    def _header(self, *names: str, time_columns: tuple[int, ...] = (0,)) -> str:
        """A table's heading row, repeated on each page; time columns get room for a whole time."""
        cells = (f'<th width="{TIME_COLUMN_WIDTH}">' if i in time_columns else "<th>" for i in range(len(names)))
        return "<thead><tr>" + "".join(f"{cell}{_text(n)}</th>" for cell, n in zip(cells, names)) + "</tr></thead>"

    def _heading(self, section: str, title: str) -> str:
        return f'<h2 id="{section}">{_text(title)}</h2>'

    def _note(self, sentence: str) -> str:
        return f'<p class="note">{_text(sentence)}</p>'

    def _times(self, ts: str) -> tuple[str, str]:
        return local_and_utc(ts, self.tz)

    def _when(self, ts: str) -> str:
        local, utc = self._times(ts)
        return f"{local} ({utc})"

    def _when_cell(self, ts: str) -> str:
        """HTML for a table cell: local time over UTC."""
        local, utc = self._times(ts)
        return f'<span class="time">{_text(local)}</span><br><span class="time utc">{_text(utc)}</span>'

    def _zone(self) -> str:
        moment = parse_ts(self.data.window.start)
        offset = (moment.astimezone(self.tz) if self.tz else moment.astimezone()).strftime("%z")
        return f"UTC{offset[:3]}:{offset[3:]}"

    def _alarm_state(self, alarm: Alarm) -> str:
        return {"active": self.tr("Not acknowledged"), "acknowledged": self.tr("Acknowledged"),
                "cancelled": self.tr("Cancelled")}.get(alarm.state, alarm.state)

    def _alarm_kind(self, kind: str) -> str:
        return {"sos": self.tr("SOS"), "battery": self.tr("Battery"), "link_lost": self.tr("Link lost"),
                "geofence": self.tr("Geofence"), "other": self.tr("Other")}.get(kind, kind)

    def _unit_kind(self, kind: str) -> str:
        return {"vehicle": self.tr("Vehicle"), "responder": self.tr("Responder"), "drone": self.tr("Drone"),
                "tak": self.tr("TAK device"), "radio": self.tr("Radio")}.get(kind, kind)

    def _priority(self, name: str) -> str:
        return {"alarm": self.tr("alarms"), "order": self.tr("orders"), "event": self.tr("log entries"),
                "position": self.tr("positions"), "bulk": self.tr("other")}.get(name, name)


def _text(value: object) -> str:
    """Field or translated text, safe inside HTML elements and attributes."""
    return escape(clean_text(value))


# -- writing files ---------------------------------------------------------------------

def write_html(report: AfterActionReport, path: Path) -> None:
    with replace_on_success(path, encoding="utf-8") as out:
        out.write(report.html())


def write_pdf(report: AfterActionReport, path: Path) -> None:
    """Lay the report out on A4 pages (needs a QGuiApplication)."""
    buffer = QBuffer()
    buffer.open(QIODevice.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(PDF_DPI)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.A4), QPageLayout.Portrait,
                                     QMarginsF(*[PDF_MARGIN_MM] * 4), QPageLayout.Millimeter))
    writer.setCreator("mcv")
    document = QTextDocument()
    # Laid out in CSS pixels on the page's printable area; print_ then scales to the writer.
    body = writer.pageLayout().paintRect(QPageLayout.Inch)
    document.setPageSize(QSizeF(body.width() * CSS_DPI, body.height() * CSS_DPI))
    document.setDocumentMargin(0)
    width, height = PLOT_SIZE
    document.addResource(QTextDocument.ImageResource, QUrl(TRACKS_IMAGE),
                         _svg_image(track_svg(report.data.tracks, width, height), 2))
    document.setHtml(report.html(tracks_image=TRACKS_IMAGE))
    writer.setTitle(document.metaInformation(QTextDocument.DocumentTitle))
    document.print_(writer)
    del writer  # finishes the PDF into the buffer
    with replace_on_success(path, mode="wb") as out:
        out.write(bytes(buffer.data()))


def _svg_image(svg: str, scale: int) -> QImage:
    renderer = QSvgRenderer(QByteArray(svg.encode()))
    size = renderer.defaultSize() * scale
    image = QImage(size, QImage.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    image.setDevicePixelRatio(scale)
    return image


@contextmanager
def report_language(language: str) -> Iterator[None]:
    """Word everything in ``language`` while inside, whatever the application shows otherwise."""
    app = QCoreApplication.instance()
    translator = _SourceTexts() if language == "en" else QTranslator()
    if language != "en" and not translator.load(str(TRANSLATIONS_DIR / f"mcv_{language}.qm")):
        raise FileNotFoundError(f"the {language} translation is missing from {TRANSLATIONS_DIR}; reinstall mcv")
    app.installTranslator(translator)
    try:
        yield
    finally:
        app.removeTranslator(translator)


class _SourceTexts(QTranslator):
    """English: every string as written in the code, even where another language is installed."""

    def translate(self, context: str, source: str, disambiguation: str | None = None, n: int = -1) -> str:
        return source

    def isEmpty(self) -> bool:
        return False


# -- ``mcv report`` ----------------------------------------------------------------------

REPORT_FORMATS = (".html", ".htm", ".pdf")


def run_report(config, start: str, end: str, out: Path, language: str | None,
               tz: tzinfo | None = None) -> int:
    """``mcv report``: the window's report from the config's store; 0, or 2 with one message on stderr."""
    try:
        check_output(out)
        if out.suffix.lower() not in REPORT_FORMATS:
            raise UsageError(f"{out.name} is neither .html nor .pdf; name --out report.html or report.pdf")
        window = TimeWindow.parse(start, end)
        data = gather(StoreReader(config.store_path), window, config.vehicle.id, config.vehicle.name)
    except (TimeError, StoreError, UsageError) as exc:
        print(f"mcv report: {exc}", file=sys.stderr)
        return EXIT_USAGE
    language = choose_language(language)
    if language not in LANGUAGES:
        print(f"mcv report: no {language} translation; use --lang {' or '.join(LANGUAGES)}", file=sys.stderr)
        return EXIT_USAGE
    if QCoreApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # a report needs fonts, not a screen
        app = QGuiApplication([sys.argv[0]])  # noqa: F841 - lives until the report is written
    try:
        with report_language(language):
            report = AfterActionReport(data, language, tz)
            (write_pdf if out.suffix.lower() == ".pdf" else write_html)(report, out)
    except OSError as exc:
        print(f"mcv report: cannot write {out}: {exc.strerror or exc}; choose a folder you may write to",
              file=sys.stderr)
        return EXIT_USAGE
    print(f"mcv report: wrote {out}: {len(data.events)} log entries, {len(data.alarms)} alarm(s)")
    return 0
