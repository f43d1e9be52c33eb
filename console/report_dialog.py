"""The Report… dialog: an after-action report of a time window, asked of the gateway and written on this seat.

A seat has no store: the dialog asks the gateway over the bus (``history_request`` with
``what`` ``report``, radios/report_wire.py), checks the reply, and words and writes it with
console/report.py in the chosen language. Everything here runs on the GUI thread except
the laying out and saving of the file, which runs on a short-lived writer thread (a full
PDF takes about 2 s); the bus thread's answer and the writer's end arrive through queued
signals.
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QDateTime, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox, QDateTimeEdit, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
    QPushButton, QVBoxLayout, QWidget,
)

from console.i18n import LANGUAGES
from console.report import TRACKS_IMAGE, AfterActionReport, report_language, write_html, write_pdf
from radios.config import default_data_dir
from radios.payload import PayloadError, format_ts
from radios.report_data import ReportData
from radios.report_wire import report_from_reply
from radios.schema import HistoryReply, HistoryRequest, decode

ERROR_STYLE = "color: #c62828;"
REPORT_TIMEOUT_S = 20.0  # the gateway reads a whole window from its store before it answers
DEFAULT_HOURS = 24
FORMATS = (("html", ".html"), ("pdf", ".pdf"))


def reports_folder() -> Path:
    """Where reports go unless the person chooses another folder."""
    return default_data_dir() / "reports"


def is_empty(data: ReportData) -> bool:
    """Nothing was recorded in the window: no entry, alarm, position or message."""
    return not (data.events or data.alarms or data.tracks or data.messages)


class ReportDialog(QDialog):
    """Choose a window, language, format and file; the gateway supplies the data, this seat writes the file."""

    written = Signal(str)  # the path of the report, once written
    _reply_arrived = Signal(str, object)  # request id, raw reply bytes or None: bus thread -> GUI thread
    _write_finished = Signal(str, str)  # path, why it could not be written ("" when written): writer thread -> GUI

    def __init__(self, bus, vehicle_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportDialog")
        self.setWindowTitle(self.tr("After-action report"))
        self._bus = bus
        self.vehicle_id = vehicle_id
        self._pending = ""
        self._pending_out: tuple[Path, str, str] | None = None
        self.last_written: Path | None = None
        self._left_out: dict[str, int] = {}
        now = QDateTime.currentDateTime()
        self.start = self._time_edit(now.addSecs(-DEFAULT_HOURS * 3600), "reportFrom")
        self.end = self._time_edit(now, "reportTo")
        self.language = QComboBox(self)
        self.language.setObjectName("reportLanguage")
        self.language.addItem("English", "en")
        self.language.addItem("中文（简体）", "zh_CN")
        console_language = QCoreApplication.instance().property("mcv_language") or "en"
        self.language.setCurrentIndex(max(0, self.language.findData(console_language if console_language in LANGUAGES
                                                                     else "en")))
        self.format = QComboBox(self)
        self.format.setObjectName("reportFormat")
        self.format.addItem(self.tr("HTML page"), "html")
        self.format.addItem(self.tr("PDF document"), "pdf")
        self.out = QLineEdit(str(self._default_path("html")), self)
        self.out.setObjectName("reportFile")
        choose = QPushButton(self.tr("Choose…"), self)
        choose.clicked.connect(self.choose_file)
        file_row = QHBoxLayout()
        file_row.addWidget(self.out, 1)
        file_row.addWidget(choose)
        self.status = QLabel(self)
        self.status.setObjectName("reportStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.PlainText)
        self.status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(self)
        self.make_button = self.buttons.addButton(self.tr("Make report"), QDialogButtonBox.AcceptRole)
        self.make_button.setObjectName("reportMake")
        self.open_folder_button = self.buttons.addButton(self.tr("Open folder"), QDialogButtonBox.ActionRole)
        self.open_folder_button.setObjectName("reportOpenFolder")
        self.open_folder_button.hide()
        self.buttons.addButton(QDialogButtonBox.Close)
        self.make_button.clicked.connect(self.make)
        self.open_folder_button.clicked.connect(self.open_folder)
        self.buttons.rejected.connect(self.reject)
        self.format.currentIndexChanged.connect(self._on_format_changed)
        self._reply_arrived.connect(self._on_bus_reply, Qt.QueuedConnection)
        self._write_finished.connect(self._on_writer_finished, Qt.QueuedConnection)
        form = QFormLayout()
        form.addRow(self.tr("From (local time)"), self.start)
        form.addRow(self.tr("To (local time)"), self.end)
        form.addRow(self.tr("Language"), self.language)
        form.addRow(self.tr("Format"), self.format)
        form.addRow(self.tr("File"), file_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)

    def _time_edit(self, moment: QDateTime, name: str) -> QDateTimeEdit:
        edit = QDateTimeEdit(moment, self)
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        return edit

    def _default_path(self, kind: str) -> Path:
        stamp = datetime.now().strftime("%Y%m%d-%H%M")
        return reports_folder() / f"report-{self.vehicle_id}-{stamp}{dict(FORMATS)[kind]}"

    def _on_format_changed(self) -> None:
        """Keep the file's ending in step with the chosen format."""
        path = Path(self.out.text().strip() or self._default_path(self.format.currentData()))
        self.out.setText(str(path.with_suffix(dict(FORMATS)[self.format.currentData()])))

    def choose_file(self) -> None:
        kind = self.format.currentData()
        pattern = self.tr("HTML page (*.html)") if kind == "html" else self.tr("PDF document (*.pdf)")
        reports_folder().mkdir(parents=True, exist_ok=True)
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save the report as"), self.out.text(), pattern)
        if path:
            self.out.setText(path)

    # -- asking the gateway --------------------------------------------------------------

    def make(self) -> str:
        """Check the choices and ask the gateway; returns the request's id, or "" when a choice is wrong."""
        start = self.start.dateTime().toSecsSinceEpoch()
        end = self.end.dateTime().toSecsSinceEpoch()
        if start >= end:
            return self._fail(self.tr("The report must start before it ends; set From earlier than To."))
        out = Path(self.out.text().strip()).expanduser()
        if not self.out.text().strip() or out.is_dir():
            return self._fail(self.tr("Choose a file name for the report, not a folder."))
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return self._fail(self.tr("Cannot create the folder {folder}: {reason}; choose a folder you may write "
                                      "to.").format(folder=str(out.parent), reason=exc.strerror or str(exc)))
        kind = "pdf" if out.suffix.lower() == ".pdf" else "html"
        request = HistoryRequest.create(self._bus.source, what="report",
                                        start=format_ts(datetime.fromtimestamp(start, timezone.utc)),
                                        end=format_ts(datetime.fromtimestamp(end, timezone.utc)))
        self._pending = request.id
        self._pending_out = (out, kind, self.language.currentData())
        self.make_button.setEnabled(False)
        self.open_folder_button.hide()
        self._show(self.tr("Asking the gateway for the report…"))
        self._bus.request_report(request, lambda raw: self._on_bus_answered(request.id, raw), REPORT_TIMEOUT_S)
        return request.id

    def _on_bus_answered(self, request_id: str, raw: bytes | None) -> None:
        """Bus thread: hand the gateway's answer (None after the timeout) to the GUI thread."""
        try:
            self._reply_arrived.emit(request_id, raw)
        except RuntimeError:
            pass  # the dialog was closed and deleted while the gateway worked

    def _on_bus_reply(self, request_id: str, raw: bytes | None) -> None:
        """GUI thread: turn the answer into a file, or say in one sentence why not."""
        if request_id != self._pending or self._pending_out is None:
            return  # an answer to an earlier click
        self._pending = ""
        self.make_button.setEnabled(True)
        out, kind, language = self._pending_out
        if raw is None:
            self._fail(self.tr("The gateway did not answer within {seconds} s; check that it runs and that this "
                               "seat is connected to the vehicle's broker, then try again.").format(
                seconds=int(REPORT_TIMEOUT_S)))
            return
        try:
            reply = decode(raw, HistoryReply)
            if not reply.ok:
                self._fail(self.tr("The gateway could not make the report: {error}").format(error=reply.error))
                return
            data, left_out = report_from_reply(reply)
        except PayloadError as exc:
            self._fail(self.tr("The gateway's answer cannot be read ({error}); check that the gateway runs the same "
                               "mcv version as this seat.").format(error=str(exc)))
            return
        if is_empty(data):
            self._fail(self.tr("Nothing was recorded between {start} and {end}; choose another window.").format(
                start=self.start.dateTime().toString("yyyy-MM-dd HH:mm"),
                end=self.end.dateTime().toString("yyyy-MM-dd HH:mm")))
            return
        self._write(data, left_out, out, kind, language)

    def _write(self, data: ReportData, left_out: dict[str, int], out: Path, kind: str, language: str) -> None:
        """Word the report here (translations are the application's), lay it out and save it on a writer thread."""
        with report_language(language):
            report = _WordedReport(AfterActionReport(data, language))
        self._left_out = left_out
        self.make_button.setEnabled(False)
        self._show(self.tr("Writing the report…"))
        writer = threading.Thread(target=self._run_writer, args=(write_pdf if kind == "pdf" else write_html,
                                                                 report, out), name="report-writer", daemon=True)
        writer.start()

    def _run_writer(self, write, report: _WordedReport, out: Path) -> None:
        """Writer thread: a PDF of a full window takes about 2 s to lay out; the window stays live meanwhile."""
        try:
            write(report, out)
            problem = ""
        except OSError as exc:
            problem = exc.strerror or str(exc)
        try:
            self._write_finished.emit(str(out), problem)
        except RuntimeError:
            pass  # the dialog was closed while the file was written

    def _on_writer_finished(self, path: str, problem: str) -> None:
        """GUI thread: say where the report is, or why it is not."""
        self.make_button.setEnabled(True)
        if problem:
            self._fail(self.tr("Cannot write {path}: {reason}; choose a folder you may write to.").format(
                path=path, reason=problem))
            return
        self.last_written = Path(path)
        message = self.tr("Report written to {path}.").format(path=path)
        if any(self._left_out.values()):
            message += " " + self.tr("The window held more than the bus carries at once; the report says what was "
                                     "left out.")
        self._show(message)
        self.open_folder_button.show()
        self.written.emit(path)

    def open_folder(self) -> None:
        if self.last_written is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.last_written.parent)))

    def _fail(self, sentence: str) -> str:
        self.make_button.setEnabled(True)
        self.status.setStyleSheet(ERROR_STYLE)
        self.status.setText(sentence)
        return ""

    def _show(self, sentence: str) -> None:
        self.status.setStyleSheet("")
        self.status.setText(sentence)


class _WordedReport:
    """A report's text fixed on the GUI thread, where the translation is installed, for the writer thread."""

    def __init__(self, report: AfterActionReport) -> None:
        self.data = report.data
        self._html = report.html()
        self._html_for_pdf = report.html(tracks_image=TRACKS_IMAGE)

    def html(self, *, tracks_image: str | None = None) -> str:
        return self._html_for_pdf if tracks_image == TRACKS_IMAGE else self._html
