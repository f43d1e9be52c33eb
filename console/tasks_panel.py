"""The tasks panel: create a task, pick its place on the map, assign units and move its status on.

The gateway's task desk is the only writer: this panel sends ``TaskUpdate`` requests
(``BusClient.send_command("task", …)``) and shows what every seat sees, the tasks
retained on ``task/{id}``. A refused change shows the gateway's reason under the form.
The panel puts its ``TaskLayer`` and ``TaskPlacePicker`` on the map view it is given.
Everything here runs on the GUI thread.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton, QTreeWidget,
    QTreeWidgetItem, QVBoxLayout, QWidget,
)

from console.event_log_model import local_time
from console.task_layer import TaskLayer, TaskPlacePicker, task_kind_label, task_status_label
from radios.schema import (
    MAX_TASK_TITLE_CHARS, TASK_CLOSED_STATES, TASK_KINDS, TASK_STATES, Task, TaskUpdate, UnitState, new_id,
)

ERROR_STYLE = "color: #c62828;"
CLOSED_FOREGROUND = QColor("#8a8a8a")


class TasksPanel(QWidget):
    """Lists every task and edits one: new, or the one selected in the list."""

    task_shown = Signal(str)  # task id, each time the list shows a new revision of it

    def __init__(self, bus, seat: Callable[[], str], map_view, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bus = bus
        self._seat = seat
        self.map_view = map_view
        self.tasks: dict[str, Task] = {}
        self._rows: dict[str, QTreeWidgetItem] = {}
        self._units: dict[str, UnitState] = {}
        self._pending: set[str] = set()  # ids of this panel's requests the gateway has not answered
        self.editing: str | None = None  # the task being edited; None for a new one
        self.place: list | None = None  # picked [[lon, lat], ...] not yet sent
        self.layer = TaskLayer(map_view)
        self.picker = TaskPlacePicker(self.layer)
        self.list = QTreeWidget(self)
        self.list.setObjectName("taskList")
        self.list.setRootIsDecorated(False)
        self.list.setAlternatingRowColors(True)
        self.list.setHeaderLabels([self.tr("Task"), self.tr("Kind"), self.tr("Status"), self.tr("Units"),
                                   self.tr("Changed")])
        self.list.setColumnWidth(0, 180)
        self.list.setColumnWidth(1, 120)
        self.list.setColumnWidth(2, 90)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list, 3)
        layout.addLayout(self._build_form(), 2)
        self.list.itemSelectionChanged.connect(self._on_list_selection_changed)
        self.picker.picked.connect(self._on_picker_picked)
        self.picker.cancelled.connect(self._on_picker_cancelled)
        self.picker.task_clicked.connect(self.select)
        bus.task_changed.connect(self._on_bus_task_changed)
        bus.units_changed.connect(self._on_bus_units_changed)
        bus.command_answered.connect(self._on_bus_command_answered)
        self.new_task()

    def _build_form(self) -> QVBoxLayout:
        self.heading = QLabel(self)
        self.heading.setObjectName("taskHeading")
        self.kind = QComboBox(self)
        self.kind.setObjectName("taskKind")
        for kind in TASK_KINDS:
            self.kind.addItem(task_kind_label(kind), kind)
        self.title = QLineEdit(self)
        self.title.setObjectName("taskTitle")
        self.title.setMaxLength(MAX_TASK_TITLE_CHARS)
        self.title.setPlaceholderText(self.tr("e.g. North bank, Block 7 school, Bridge east end"))
        self.place_label = QLabel(self)
        self.pick_button = QPushButton(self.tr("Pick on map"), self)
        self.pick_button.setObjectName("taskPick")
        self.pick_button.setCheckable(True)
        place_row = QHBoxLayout()
        place_row.addWidget(self.place_label, 1)
        place_row.addWidget(self.pick_button)
        self.units = QListWidget(self)
        self.units.setObjectName("taskUnits")
        self.units.setMaximumHeight(110)
        self.status = QComboBox(self)
        self.status.setObjectName("taskStatus")
        for status in TASK_STATES:
            self.status.addItem(task_status_label(status), status)
        form = QFormLayout()
        form.addRow(self.tr("Kind"), self.kind)
        form.addRow(self.tr("Title"), self.title)
        form.addRow(self.tr("Place"), place_row)
        form.addRow(self.tr("Units"), self.units)
        form.addRow(self.tr("Status"), self.status)
        self.new_button = QPushButton(self.tr("New task"), self)
        self.new_button.setObjectName("taskNew")
        self.save_button = QPushButton(self.tr("Save"), self)
        self.save_button.setObjectName("taskSave")
        self.save_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        self.feedback = QLabel(self)
        self.feedback.setObjectName("taskFeedback")
        self.feedback.setWordWrap(True)
        self.feedback.setTextFormat(Qt.PlainText)
        column = QVBoxLayout()
        column.addWidget(self.heading)
        column.addLayout(form)
        column.addLayout(buttons)
        column.addWidget(self.feedback)
        column.addStretch(1)
        self.pick_button.toggled.connect(self._on_pick_button_toggled)
        self.new_button.clicked.connect(self.new_task)
        self.save_button.clicked.connect(self.save)
        self.title.returnPressed.connect(self.save)
        return column

    # -- actions -----------------------------------------------------------------------

    def new_task(self) -> None:
        """Clear the form for a new task."""
        self.list.clearSelection()
        self._edit(None)

    def select(self, task_id: str) -> None:
        """Edit a known task: it is selected in the list and on the map, and the map centres on it."""
        row = self._rows.get(task_id)
        if row is not None:
            self.list.setCurrentItem(row)

    def pick_place(self) -> None:
        """Start taking the place from the map for the kind in the form."""
        self.pick_button.setChecked(True)

    def use_place(self, place: list) -> None:
        """Take ``place`` ([[lon, lat], ...]) as the task's place, as a pick on the map does."""
        self.place = [list(corner) for corner in place]
        self._show_place()

    def save(self) -> str | None:
        """Send the form to the gateway: a new task, or what changed in the edited one; the request id."""
        update = self._update_from_form()
        if update is None:
            return None
        self._pending.add(update.id)
        self._say(self.tr("Sending…"))
        return self._bus.send_command("task", update)

    def _update_from_form(self) -> TaskUpdate | None:
        title = self.title.text().strip()
        units = self.checked_units()
        status = self.status.currentData()
        kind = self.kind.currentData()
        place = self._place_fields(kind)
        fields: dict = {}
        if self.editing is None:
            if not title:
                self._say(self.tr("Give the task a title."), error=True)
                return None
            if self.place is None:
                self._say(self.tr("Pick the task's place on the map first."), error=True)
                return None
            # "open" is the form's default: left out, the gateway makes a task with units "assigned".
            fields = {"task_kind": kind, "title": title, "units": units, **place,
                      **({"status": status} if status != "open" else {})}
            task_id = new_id()
        else:
            task = self.tasks[self.editing]
            task_id = task.id
            if title and title != task.title:
                fields["title"] = title
            if set(units) != set(task.units):
                fields["units"] = units
            if status != task.status:
                fields["status"] = status
            if self.place is not None:
                fields.update(place)
            if not fields:
                self._say(self.tr("Nothing to save: nothing was changed."))
                return None
        try:
            return TaskUpdate.create(self._bus.source, task=task_id, seat=self._seat(), **fields)
        except ValueError as exc:  # PayloadError: e.g. a corner off the globe
            self._say(self.tr("This task cannot be sent: {reason}").format(reason=str(exc)), error=True)
            return None

    def _place_fields(self, kind: str) -> dict:
        if self.place is None:
            return {}
        if kind == "search_area":
            return {"area": self.place}
        lon, lat = self.place[0]
        return {"lat": lat, "lon": lon}

    def checked_units(self) -> list[str]:
        return [self.units.item(i).data(Qt.UserRole) for i in range(self.units.count())
                if self.units.item(i).checkState() == Qt.Checked]

    def set_units_checked(self, uids: list[str]) -> None:
        for i in range(self.units.count()):
            item = self.units.item(i)
            item.setCheckState(Qt.Checked if item.data(Qt.UserRole) in uids else Qt.Unchecked)

    # -- form state --------------------------------------------------------------------

    def _edit(self, task: Task | None) -> None:
        self.picker.cancel()
        self.editing = task.id if task else None
        self.place = None
        self.layer.selected = self.editing
        self.kind.setEnabled(task is None)  # a task keeps its kind; cancel it and make another
        if task is None:
            self.heading.setText(self.tr("New task"))
            self.title.clear()
            self.status.setCurrentIndex(self.status.findData("open"))
            self.set_units_checked([])
        else:
            self.heading.setText(self.tr("Task: {title}").format(title=task.title))
            self.kind.setCurrentIndex(self.kind.findData(task.task_kind))
            self.title.setText(task.title)
            self.status.setCurrentIndex(self.status.findData(task.status))
            self._fill_units(task.units)
            self.set_units_checked(task.units)
        self._show_place()
        self.feedback.clear()
        self.map_view.update()

    def _show_place(self) -> None:
        if self.place is not None:
            corners = len(self.place)
            self.place_label.setText(self.tr("{count} corners picked").format(count=corners) if corners > 1
                                     else f"{self.place[0][1]:.5f}, {self.place[0][0]:.5f}")
        elif self.editing is not None:
            task = self.tasks[self.editing]
            self.place_label.setText(f"{task.lat:.5f}, {task.lon:.5f}")
        else:
            self.place_label.setText(self.tr("not picked yet"))

    def _say(self, text: str, error: bool = False) -> None:
        self.feedback.setStyleSheet(ERROR_STYLE if error else "")
        self.feedback.setText(text)

    def _fill_units(self, keep: list[str] = ()) -> None:
        """The unit check list: every unit the bus has shown, plus assigned ones that went quiet."""
        checked = set(self.checked_units()) | set(keep)
        self.units.clear()
        uids = sorted(set(self._units) | checked, key=lambda uid: (self._units[uid].callsign if uid in self._units
                                                                   else uid))
        for uid in uids:
            unit = self._units.get(uid)
            item = QListWidgetItem(f"{unit.callsign} ({uid})" if unit else uid, self.units)
            item.setData(Qt.UserRole, uid)
            item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if uid in checked else Qt.Unchecked)

    # -- signals (GUI thread) ------------------------------------------------------------

    def _on_list_selection_changed(self) -> None:
        items = self.list.selectedItems()
        task = self.tasks.get(items[0].data(0, Qt.UserRole)) if items else None
        if task is None:
            if self.editing is not None:
                self._edit(None)
            return
        self._edit(task)
        self.map_view.centre_on(task.lon, task.lat)

    def _on_pick_button_toggled(self, on: bool) -> None:
        self.pick_button.setText(self.tr("Stop picking") if on else self.tr("Pick on map"))
        if on:
            self.picker.start(self.kind.currentData())
            self._say(self.picker.hint())
            self.map_view.setFocus()
        elif self.picker.active:
            self.picker.cancel()

    def _on_picker_picked(self, place: list) -> None:
        self.pick_button.setChecked(False)
        self.use_place(place)
        self._say(self.tr("Place picked; Save sends it."))

    def _on_picker_cancelled(self) -> None:
        self.pick_button.setChecked(False)
        self.feedback.clear()

    def _on_bus_task_changed(self, task: Task) -> None:
        shown = self.tasks.get(task.id)
        if shown is not None and task.revision < shown.revision:
            return  # a late copy of an older revision
        self.tasks[task.id] = task
        self.layer.set_task(task)
        row = self._rows.get(task.id)
        if row is None:
            row = QTreeWidgetItem()
            row.setData(0, Qt.UserRole, task.id)
            self.list.insertTopLevelItem(0, row)  # newest first
            self._rows[task.id] = row
        values = (task.title, task_kind_label(task.task_kind), task_status_label(task.status),
                  ", ".join(self._unit_name(uid) for uid in task.units), local_time(task.updated or task.ts))
        for column, value in enumerate(values):
            row.setText(column, value)
        row.setToolTip(0, task.title)
        for column in range(len(values)):  # closed tasks stay listed, greyed
            row.setData(column, Qt.ForegroundRole, CLOSED_FOREGROUND if task.status in TASK_CLOSED_STATES else None)
        row.setToolTip(4, self.tr("by the {seat} seat").format(seat=task.updated_by or task.seat or "?"))
        if self.editing == task.id and (shown is None or shown.revision != task.revision):
            self._edit(task)
        self.task_shown.emit(task.id)

    def _on_bus_units_changed(self, units: list) -> None:
        known = set(self._units)
        self._units.update((unit.uid, unit) for unit in units)
        if set(self._units) != known:
            self._fill_units()

    def _on_bus_command_answered(self, request_id: str, reply) -> None:
        if request_id not in self._pending:
            return
        self._pending.discard(request_id)
        if reply is None:
            self._say(self.tr("The gateway did not answer; the task was not saved. Try again."), error=True)
        elif not reply.ok:
            self._say(self.tr("The gateway refused the change: {reason}").format(reason=reply.error), error=True)
        else:
            try:
                task = Task.from_dict(reply.item or {})
            except (ValueError, TypeError):
                self._say(self.tr("Saved."))
                return
            self._on_bus_task_changed(task)
            self.select(task.id)
            self._say(self.tr("Saved: {title} is {status}.").format(title=task.title,
                                                                    status=task_status_label(task.status)))

    def _unit_name(self, uid: str) -> str:
        unit = self._units.get(uid)
        return unit.callsign if unit else uid
