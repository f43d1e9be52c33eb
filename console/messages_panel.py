"""The messages panel: orders and messages to units, groups or everyone, their delivery state, and HQ's orders.

The gateway stores and delivers; this panel only asks it to (``BusClient.send_message``)
and shows what every seat sees: each message's state retained on ``message/{id}``.
Orders from HQ stay highlighted until a person on some seat marks them read, which
sends the read receipt that goes back to HQ.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget,
)

from console.event_log_model import local_time
from radios.schema import Message, MessageReceipt, UnitState

EVERYONE = "all"
HQ = "hq"
GROUPS = ("group:responders",)  # what the body cameras subscribe to besides their own uid and "all"
STATE_RANK = {"queued": 0, "sent": 1, "failed": 2, "delivered": 3, "read": 4}  # as the gateway's store
UNREAD_BACKGROUND = QColor("#ffd27f")
COLUMNS = ("time", "who", "text", "state", "via")


def templates() -> list[tuple[str, str, str]]:
    """Common orders as (id, category, text); ``{x}`` is left for the sender to fill in."""
    return [
        ("evacuate", "order", QCoreApplication.translate("MessagesPanel", "Evacuate block {x}")),
        ("report_status", "order", QCoreApplication.translate("MessagesPanel", "Report status")),
        ("return", "order", QCoreApplication.translate("MessagesPanel", "Return to vehicle")),
        ("hold", "order", QCoreApplication.translate("MessagesPanel", "Hold position")),
    ]


def quick_replies() -> list[str]:
    """Answers to an inbound order, one click each."""
    return [QCoreApplication.translate("MessagesPanel", "Received"), QCoreApplication.translate("MessagesPanel", "Will comply"), QCoreApplication.translate("MessagesPanel", "Unable to comply")]


def state_label(state: str) -> str:
    """A delivery state with its mark, as the list shows it."""
    return {
        "queued": QCoreApplication.translate("MessagesPanel", "◷ queued"),
        "sent": QCoreApplication.translate("MessagesPanel", "✓ sent"),
        "delivered": QCoreApplication.translate("MessagesPanel", "✓✓ delivered"),
        "read": QCoreApplication.translate("MessagesPanel", "✓✓ read"),
        "failed": QCoreApplication.translate("MessagesPanel", "✗ failed"),
    }.get(state, state)


def via_label(via: str) -> str:
    return {"mqtt": "MQTT", "cot": "CoT", "radio": QCoreApplication.translate("MessagesPanel", "radio"), "hq": QCoreApplication.translate("MessagesPanel", "HQ")}.get(via, via)


class MessagesPanel(QWidget):
    """Composes and lists orders and messages for this seat; every seat shows the same states."""

    state_changed = Signal(str, str)  # message id, its new state as this seat shows it

    def __init__(self, bus, seat: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bus = bus
        self._seat = seat
        self.messages: dict[str, Message] = {}
        self._rows: dict[str, QTreeWidgetItem] = {}
        self._units: dict[str, UnitState] = {}
        self._template = ""
        self.list = QTreeWidget(self)
        self.list.setObjectName("messageList")
        self.list.setRootIsDecorated(False)
        self.list.setAlternatingRowColors(True)
        self.list.setHeaderLabels([self.tr("Time"), self.tr("To / from"), self.tr("Text"), self.tr("State"),
                                   self.tr("Via")])
        self.list.setColumnWidth(0, 70)
        self.list.setColumnWidth(1, 110)
        self.list.setColumnWidth(2, 260)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list, 1)
        layout.addLayout(self._build_inbound_row())
        layout.addLayout(self._build_compose_rows())
        self.list.itemSelectionChanged.connect(self._on_list_selection_changed)
        self.list.itemDoubleClicked.connect(lambda *_: self.mark_read())
        bus.units_changed.connect(self._on_bus_units_changed)
        bus.message_changed.connect(self._on_bus_message_changed)
        self._on_list_selection_changed()

    # -- building ----------------------------------------------------------------------

    def _build_inbound_row(self) -> QHBoxLayout:
        self.mark_read_button = QPushButton(self.tr("Mark read"), self)
        self.mark_read_button.setObjectName("messageMarkRead")
        self.mark_read_button.setToolTip(self.tr("Tell HQ a person has read this order"))
        self.mark_read_button.clicked.connect(self.mark_read)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Reply:"), self))
        self.reply_buttons: list[QPushButton] = []
        for text in quick_replies():
            button = QPushButton(text, self)
            button.clicked.connect(lambda checked=False, reply=text: self.reply(reply))
            row.addWidget(button)
            self.reply_buttons.append(button)
        row.addStretch(1)
        row.addWidget(self.mark_read_button)
        return row

    def _build_compose_rows(self) -> QVBoxLayout:
        self.recipient = QComboBox(self)
        self.recipient.setObjectName("messageRecipient")
        self.category = QComboBox(self)
        self.category.addItem(self.tr("Order"), "order")
        self.category.addItem(self.tr("Message"), "message")
        self.template_picker = QComboBox(self)
        self.template_picker.setObjectName("messageTemplate")
        self.template_picker.addItem(self.tr("Template…"), None)
        for template_id, category, text in templates():
            self.template_picker.addItem(text.replace("{x}", "…"), (template_id, category, text))
        self.text = QLineEdit(self)
        self.text.setObjectName("messageText")
        self.text.setPlaceholderText(self.tr("Order or message (Enter sends)"))
        self.send_button = QPushButton(self.tr("Send"), self)
        self.send_button.setObjectName("messageSend")
        self._fill_recipients()
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("To:"), self))
        top.addWidget(self.recipient, 1)
        top.addWidget(self.category)
        top.addWidget(self.template_picker)
        bottom = QHBoxLayout()
        bottom.addWidget(self.text, 1)
        bottom.addWidget(self.send_button)
        rows = QVBoxLayout()
        rows.addLayout(top)
        rows.addLayout(bottom)
        self.template_picker.activated.connect(self._on_template_picker_activated)
        self.text.returnPressed.connect(self.send)
        self.send_button.clicked.connect(self.send)
        return rows

    def _fill_recipients(self) -> None:
        chosen = self.recipient.currentData()
        self.recipient.clear()
        self.recipient.addItem(self.tr("Everyone"), EVERYONE)
        for group in GROUPS:
            self.recipient.addItem(self.tr("Group: {name}").format(name=group.removeprefix("group:")), group)
        self.recipient.addItem(self.tr("District HQ"), HQ)
        for unit in sorted(self._units.values(), key=lambda u: u.callsign):
            self.recipient.addItem(f"{unit.callsign} ({unit.uid})", unit.uid)
        index = self.recipient.findData(chosen)
        self.recipient.setCurrentIndex(max(index, 0))

    # -- actions -------------------------------------------------------------------------

    def choose_recipient(self, to: str) -> bool:
        """Select ``to`` (a uid, a group, ``all`` or ``hq``) in the picker; False if it is not offered."""
        index = self.recipient.findData(to)
        if index >= 0:
            self.recipient.setCurrentIndex(index)
        return index >= 0

    def send(self) -> Message | None:
        """Send what is composed to the chosen recipient; it shows as queued until the gateway answers."""
        text = self.text.text().strip()
        if not text:
            return None
        message = Message.create(self._bus.source, to=self.recipient.currentData(), text=text,
                                 category=self.category.currentData(), template=self._template or None,
                                 seat=self._seat())
        self.text.clear()
        self._forget_template()
        self._show(message)
        self._bus.send_message(message)
        return message

    def reply(self, text: str) -> Message | None:
        """Answer the selected order from HQ with ``text`` and mark it read."""
        inbound = self.selected_inbound()
        if inbound is None:
            return None
        message = Message.create(self._bus.source, to=HQ, text=text, category="message", reply_to=inbound.id,
                                 seat=self._seat())
        self._show(message)
        self._bus.send_message(message)
        self.mark_read()
        return message

    def mark_read(self) -> None:
        """Tell the gateway (and through it HQ) that a person on this seat read the selected order."""
        inbound = self.selected_inbound()
        if inbound is None or inbound.state == "read":
            return
        self._bus.send_receipt(MessageReceipt.create(self._bus.source, message=inbound.id, state="read",
                                                     by=self._seat()))

    def selected_inbound(self) -> Message | None:
        items = self.list.selectedItems()
        message = self.messages.get(items[0].data(0, Qt.UserRole)) if items else None
        return message if message is not None and _is_inbound(message) else None

    def unread_inbound(self) -> list[Message]:
        """Inbound orders nobody has read yet (highlighted in the list)."""
        return [m for m in self.messages.values() if _is_inbound(m) and m.state != "read"]

    # -- bus signals (GUI thread) ----------------------------------------------------------

    def _on_bus_units_changed(self, units: list) -> None:
        known = set(self._units)
        self._units.update((unit.uid, unit) for unit in units)
        if set(self._units) != known:
            self._fill_recipients()

    def _on_bus_message_changed(self, message: Message) -> None:
        shown = self.messages.get(message.id)
        if shown is not None and STATE_RANK.get(message.state, -1) < STATE_RANK.get(shown.state, -1):
            return  # a reply overtaken by the retained state: states only move forward
        self._show(message)

    def _on_list_selection_changed(self) -> None:
        inbound = self.selected_inbound()
        self.mark_read_button.setEnabled(inbound is not None and inbound.state != "read")
        for button in self.reply_buttons:
            button.setEnabled(inbound is not None)

    def _on_template_picker_activated(self, index: int) -> None:
        chosen = self.template_picker.itemData(index)
        self.template_picker.setCurrentIndex(0)
        if chosen is None:
            return
        template_id, category, text = chosen
        self._template = template_id
        self.category.setCurrentIndex(self.category.findData(category))
        before, gap, _ = text.partition("{x}")
        self.text.setText(text.replace("{x}", "?"))
        self.text.setFocus()
        if gap:  # select the gap so typing fills it in
            self.text.setSelection(len(before), 1)

    def _forget_template(self) -> None:
        self._template = ""

    # -- the list --------------------------------------------------------------------------

    def _show(self, message: Message) -> None:
        previous = self.messages.get(message.id)
        self.messages[message.id] = message
        row = self._rows.get(message.id)
        if row is None:
            row = QTreeWidgetItem()
            row.setData(0, Qt.UserRole, message.id)
            self.list.insertTopLevelItem(0, row)  # newest first
            self._rows[message.id] = row
        inbound = _is_inbound(message)
        who = self.tr("from {who}").format(who=via_label("hq")) if inbound else self._recipient_label(message.to)
        state = state_label(message.state)
        read = sorted(recipient for recipient, receipt in message.receipts if receipt == "read")
        delivered = sorted(recipient for recipient, receipt in message.receipts if receipt == "delivered")
        if not _is_unit(message.to) and message.receipts:  # a group or everyone: how many have it
            state = self.tr("{state} · {read} read, {delivered} delivered only").format(
                state=state, read=len(read), delivered=len(delivered))
        values = (local_time(message.ts), who, message.text, state, via_label(message.via))
        for column, value in enumerate(values):
            row.setText(column, value)
        row.setToolTip(2, message.text)
        tip = (self.tr("{state} by {who}").format(state=state_label(message.state), who=message.by)
               if message.by else state_label(message.state))
        if read:
            tip += "\n" + self.tr("Read by: {names}").format(names=", ".join(self._recipient_label(r) for r in read))
        if delivered:
            tip += "\n" + self.tr("Delivered to, not yet read: {names}").format(
                names=", ".join(self._recipient_label(r) for r in delivered))
        row.setToolTip(3, tip)
        highlight = inbound and message.state != "read"
        font = QFont(row.font(0))
        font.setBold(highlight)
        for column in range(len(COLUMNS)):
            row.setFont(column, font)
            row.setBackground(column, QBrush(UNREAD_BACKGROUND) if highlight else QBrush())
            if highlight:
                row.setForeground(column, QBrush(QColor("black")))
            else:
                row.setData(column, Qt.ForegroundRole, None)
        if previous is None or previous.state != message.state:
            self.state_changed.emit(message.id, message.state)
        self._on_list_selection_changed()

    def _recipient_label(self, to: str) -> str:
        if to == EVERYONE:
            return self.tr("Everyone")
        if to == HQ:
            return self.tr("District HQ")
        if to.startswith("group:"):
            return self.tr("Group: {name}").format(name=to.removeprefix("group:"))
        unit = self._units.get(to)
        return unit.callsign if unit else to


def _is_inbound(message: Message) -> bool:
    """Orders that came to the vehicle (from HQ) rather than from one of its seats."""
    return message.via == "hq"


def _is_unit(to: str) -> bool:
    """A message to one unit, rather than to a group, everyone or HQ."""
    return to not in (EVERYONE, HQ) and not to.startswith("group:")
