"""The duty dialog: start or end a shift or hand over, with notes and what is still open.

On opening it asks the gateway's duty desk what is still open (active alarms, tasks
neither done nor cancelled, orders not delivered: ``radios.handover``) and lists it.
Record sends the ``DutyEntry``; the gateway appends it to the incident log with the
notes and that list, and answers with the list as it stood. Everything here runs on
the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QTreeWidget,
    QTreeWidgetItem, QVBoxLayout, QWidget,
)

from console.alarm_bar import alarm_kind_label
from console.event_log_model import local_time
from console.messages_panel import state_label
from console.task_layer import task_kind_label, task_status_label
from radios.handover import HandoverSummary
from radios.schema import DUTY_ACTIONS, MAX_TASK_TITLE_CHARS, MAX_TEXT_CHARS, DutyEntry, PayloadError

ERROR_STYLE = "color: #c62828;"
RECORDED_ACTIONS = tuple(a for a in DUTY_ACTIONS if a != "summary")


def duty_action_label(action: str) -> str:
    return {
        "shift_start": QCoreApplication.translate("HandoverDialog", "Start of shift"),
        "handover": QCoreApplication.translate("HandoverDialog", "Handover"),
        "shift_end": QCoreApplication.translate("HandoverDialog", "End of shift"),
    }.get(action, action)


class HandoverDialog(QDialog):
    """One duty log entry for this seat; the open items come from the gateway."""

    recorded = Signal(str)  # the log entry's id, once the gateway has logged it

    def __init__(self, bus, seat: str, action: str = "handover", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("handoverDialog")
        self.setWindowTitle(self.tr("Duty log"))
        self._bus = bus
        self.seat = seat
        self.summary: HandoverSummary | None = None
        self._summary_request = ""
        self._record_request = ""
        self.action = QComboBox(self)
        self.action.setObjectName("dutyAction")
        for name in RECORDED_ACTIONS:
            self.action.addItem(duty_action_label(name), name)
        self.action.setCurrentIndex(max(0, self.action.findData(action)))
        self.person = QLineEdit(self)
        self.person.setObjectName("dutyPerson")
        self.person.setMaxLength(MAX_TASK_TITLE_CHARS)
        self.person.setPlaceholderText(self.tr("Name of the person on duty"))
        self.next_person = QLineEdit(self)
        self.next_person.setObjectName("dutyNextPerson")
        self.next_person.setMaxLength(MAX_TASK_TITLE_CHARS)
        self.next_person.setPlaceholderText(self.tr("Who takes over"))
        self.notes = QPlainTextEdit(self)
        self.notes.setObjectName("dutyNotes")
        self.notes.setPlaceholderText(self.tr("Handover notes: the situation, what to watch, what was promised"))
        self.open_items = QTreeWidget(self)
        self.open_items.setObjectName("dutyOpenItems")
        self.open_items.setHeaderLabels([self.tr("Still open"), self.tr("State"), self.tr("Since")])
        self.open_items.setColumnWidth(0, 340)
        self.status = QLabel(self)
        self.status.setObjectName("dutyStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.PlainText)
        self.refresh_button = QPushButton(self.tr("Refresh"), self)
        self.buttons = QDialogButtonBox(self)
        self.record_button = self.buttons.addButton(self.tr("Record in the log"), QDialogButtonBox.AcceptRole)
        self.record_button.setObjectName("dutyRecord")
        self.buttons.addButton(self.refresh_button, QDialogButtonBox.ActionRole)
        self.buttons.addButton(QDialogButtonBox.Close)
        form = QFormLayout()
        form.addRow(self.tr("Entry"), self.action)
        form.addRow(self.tr("On duty"), self.person)
        form.addRow(self.tr("Taking over"), self.next_person)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(self.tr("Notes"), self))
        layout.addWidget(self.notes, 1)
        layout.addWidget(self.open_items, 2)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.action.currentIndexChanged.connect(self._on_action_changed)
        self.refresh_button.clicked.connect(self.refresh)
        self.buttons.accepted.connect(self.record)
        self.buttons.rejected.connect(self.reject)
        bus.command_answered.connect(self._on_bus_command_answered)
        self._on_action_changed()
        self.resize(640, 560)
        self.refresh()

    # -- actions -----------------------------------------------------------------------

    def refresh(self) -> None:
        """Ask the gateway what is still open."""
        entry = DutyEntry.create(self._bus.source, action="summary", seat=self.seat)
        self._summary_request = self._bus.send_command("duty", entry)
        self._say(self.tr("Asking the gateway what is still open…"))

    def record(self) -> str | None:
        """Send this entry to the gateway to be logged; the request id, or None if the notes are too long."""
        notes = self.notes.toPlainText().strip()
        if len(notes) > MAX_TEXT_CHARS // 2:
            self._say(self.tr("The notes are too long for one log entry; keep them under 2,000 characters."), True)
            return None
        try:
            entry = DutyEntry.create(self._bus.source, action=self.action.currentData(), seat=self.seat,
                                     person=self.person.text().strip(), next_person=self.next_person.text().strip(),
                                     notes=notes)
        except PayloadError as exc:
            self._say(self.tr("This entry cannot be sent: {reason}").format(reason=str(exc)), True)
            return None
        self._record_request = self._bus.send_command("duty", entry)
        self.record_button.setEnabled(False)
        self._say(self.tr("Recording…"))
        return self._record_request

    # -- the list ----------------------------------------------------------------------

    def show_summary(self, summary: HandoverSummary) -> None:
        """List what is open, a branch per kind with its count."""
        self.summary = summary
        self.open_items.clear()
        counts = summary.counts
        branches = (
            (self.tr("Alarms not acknowledged: {count}"), counts["alarms"],
             [(f"{alarm_kind_label(a.alarm_kind)} · {a.text}", self.tr("active"), a.ts) for a in summary.alarms]),
            (self.tr("Tasks not done: {count}"), counts["tasks"],
             [(f"{task_kind_label(t.task_kind)} · {t.title}" + (f" · {', '.join(t.units)}" if t.units else ""),
               task_status_label(t.status), t.ts) for t in summary.tasks]),
            (self.tr("Orders not delivered: {count}"), counts["orders"],
             [(self.tr("to {to}: {text}").format(to=m.to, text=m.text), state_label(m.state), m.ts)
              for m in summary.orders]),
        )
        for title, count, rows in branches:
            branch = QTreeWidgetItem(self.open_items, [title.format(count=count)])
            font = branch.font(0)
            font.setBold(True)
            branch.setFont(0, font)
            for text, state, ts in rows:
                QTreeWidgetItem(branch, [text, state, local_time(ts)]).setToolTip(0, text)
            if count > len(rows):
                QTreeWidgetItem(branch, [self.tr("… and {more} more").format(more=count - len(rows))])
            branch.setExpanded(True)

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet(ERROR_STYLE if error else "")
        self.status.setText(text)

    # -- signals (GUI thread) ------------------------------------------------------------

    def _on_action_changed(self) -> None:
        self.next_person.setEnabled(self.action.currentData() == "handover")

    def _on_bus_command_answered(self, request_id: str, reply) -> None:
        if request_id not in (self._summary_request, self._record_request) or not request_id:
            return
        recording = request_id == self._record_request
        if recording:
            self.record_button.setEnabled(True)
        if reply is None or not reply.ok:
            reason = reply.error if reply is not None else self.tr("no answer")
            self._say(self.tr("The gateway could not do it ({reason}); try again.").format(reason=reason), True)
            return
        try:
            self.show_summary(HandoverSummary.from_dict(reply.item))
        except PayloadError:
            self._say(self.tr("The gateway's answer could not be read; try again."), True)
            return
        if recording:
            self._record_request = ""
            self._say(self.tr("Recorded in the incident log with what is still open."))
            self.recorded.emit(str((reply.item or {}).get("event") or ""))
        else:
            self._say(self.tr("Nothing is open.") if self.summary.is_clear else "")
