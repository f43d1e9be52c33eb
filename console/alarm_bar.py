"""The alarm bar: a flashing red strip on every seat while any alarm waits for a person."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from console.alarm_sound import AlarmSoundController
from console.event_log_model import local_time
from radios.schema import Alarm

FLASH_MS = 500
BELL_EVERY_FLASHES = 4  # the X bell every two seconds until someone acknowledges


def alarm_kind_label(kind: str) -> str:
    return {
        "sos": QApplication.translate("AlarmBar", "SOS"),
        "battery": QApplication.translate("AlarmBar", "BATTERY"),
        "link_lost": QApplication.translate("AlarmBar", "LINK LOST"),
        "geofence": QApplication.translate("AlarmBar", "GEOFENCE"),
        "other": QApplication.translate("AlarmBar", "ALARM"),
    }.get(kind, kind)


class AlarmBar(QFrame):
    """Shows the oldest open alarm, how many more wait, and takes this seat's acknowledgement.

    Open alarms come from the gateway's retained ``alarm/{id}`` topics, so a seat that
    opens late still sees every alarm nobody has acknowledged.
    """

    alarm_raised = Signal(object)  # Alarm, the first time this seat sees it open
    open_count_changed = Signal(int)  # the window shows the bar while this is above zero

    def __init__(self, bus, seat: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alarmBar")
        self._bus = bus
        self._seat = seat
        self.open_alarms: dict[str, Alarm] = {}
        self._flashes = 0
        self.text = QLabel(self)
        self.text.setObjectName("alarmText")
        self.text.setTextFormat(Qt.PlainText)
        # A long alarm must not widen the window past the screen: the label gives way, and
        # the whole text stays in its tooltip.
        self.text.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.more = QLabel(self)
        self.acknowledge = QPushButton(self.tr("Acknowledge"), self)
        self.acknowledge.setObjectName("alarmAcknowledge")
        self.acknowledge.setShortcut("Ctrl+Shift+A")
        self.acknowledge.setToolTip(self.tr("Acknowledge the oldest open alarm (Ctrl+Shift+A)"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.more)
        layout.addWidget(self.acknowledge)
        self._flash = QTimer(self, interval=FLASH_MS)
        self._flash.timeout.connect(self._on_flash_timeout)
        self.acknowledge.clicked.connect(self.acknowledge_oldest)
        bus.alarm_changed.connect(self._on_bus_alarm_changed)
        self.sound = AlarmSoundController(self)   # the tone while an alarm is open, Mute, "no sound" note
        self._refresh()

    def acknowledge_oldest(self) -> None:
        if self.open_alarms:
            self._bus.acknowledge_alarm(next(iter(self.open_alarms)), self._seat())

    def _on_bus_alarm_changed(self, alarm: Alarm) -> None:
        if alarm.state == "active":
            if alarm.id in self.open_alarms:
                return
            self.open_alarms[alarm.id] = alarm
            self.open_alarms = dict(sorted(self.open_alarms.items(), key=lambda item: item[1].ts))
            QApplication.alert(self.window())
            QApplication.beep()
            self.alarm_raised.emit(alarm)
        else:
            self.open_alarms.pop(alarm.id, None)
        self._refresh()

    def _refresh(self) -> None:
        self.open_count_changed.emit(len(self.open_alarms))
        if not self.open_alarms:
            self._flash.stop()
            return
        oldest = next(iter(self.open_alarms.values()))
        self.text.setText(self.tr("{kind} · {time} · {text}").format(
            kind=alarm_kind_label(oldest.alarm_kind), time=local_time(oldest.ts), text=oldest.text))
        self.text.setToolTip(self.text.text())
        others = len(self.open_alarms) - 1
        self.more.setText(self.tr("+{count} more").format(count=others) if others else "")
        if not self._flash.isActive():
            self._flash.start()

    def _on_flash_timeout(self) -> None:
        self._flashes += 1
        self.setProperty("flash", self._flashes % 2 == 0)
        self.style().unpolish(self)
        self.style().polish(self)
        if self._flashes % BELL_EVERY_FLASHES == 0:
            QApplication.beep()
