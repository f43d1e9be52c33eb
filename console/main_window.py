"""The console's main window: the docks arranged per seat, a seat switcher and the status bar."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QMessageBox, QWidget

from console.alarm_bar import AlarmBar
from console.backhaul_banner import install_backhaul_banner
from console.dispatch_actions import DispatchActions
from console.drone_hud import install_drone_hud
from console.event_log_panel import EventLogPanel
from console.links_panel import LinksPanel
from console.map_panel import MapPanel
from console.overlay_layer import install_overlays
from console.messages_panel import MessagesPanel
from console.handover_dialog import HandoverDialog
from console.tasks_panel import TasksPanel
from console.uplink_panel import UplinkPanel
from console.seats import AREAS, DOCK_NAMES, SEAT_NAMES, SEATS
from console.status_bar import StatusBar
from console.theme import apply_theme, theme_named
from console.video_wall import VideoWallPanel, announced_settings
from radios.config import Config

LAYOUT_VERSION = 1


class MainWindow(QMainWindow):
    """Composes the panels; the seat decides which docks show and where."""

    seat_changed = Signal(str)

    def __init__(self, config: Config, bus, seat: str, settings: QSettings, parent: QWidget | None = None,
                 make_tile=None) -> None:
        super().__init__(parent)
        self.config = config
        self.settings = settings
        self.seat = ""
        self.setObjectName("mcvMainWindow")
        self.setDockNestingEnabled(True)
        self.event_log = EventLogPanel(bus, seat, self)
        self.links = LinksPanel(bus, self)
        self.units = MapPanel(bus, config.map.sources, config.console.stale_after_s, self)
        self.overlays = install_overlays(self.units.map_view, config.map.overlays, bus)
        self.video_wall = VideoWallPanel(config.streams, self, make_tile)  # make_tile: the renderer's tiles
        self.messages = MessagesPanel(bus, lambda: self.seat, self)
        self.tasks = TasksPanel(bus, lambda: self.seat, self.units.map_view, self)
        self.drone_hud = install_drone_hud(bus, self.video_wall)
        self.dispatch = DispatchActions(bus, lambda: self.seat, self)  # video to HQ: tile menus and markers
        self.dispatch.install_on_wall(self.video_wall)
        self.uplink = UplinkPanel(self.dispatch, lambda: [(sid, tile.stream.name) for sid, tile
                                                          in self.video_wall.tiles.items()], self)
        panels = {
            "map": (self.tr("Map"), self.units),
            "video": (self.tr("Video"), self.video_wall),
            "links": (self.tr("Links"), self.links),
            "events": (self.tr("Event log"), self.event_log),
            "messages": (self.tr("Messages"), self.messages),
            "tasks": (self.tr("Tasks"), self.tasks),
            "uplink": (self.tr("Video to HQ"), self.uplink),
        }
        self.docks: dict[str, QDockWidget] = {}
        for name in DOCK_NAMES:
            title, widget = panels[name]
            dock = QDockWidget(title, self)
            dock.setObjectName(f"dock_{name}")
            dock.setWidget(widget)
            dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable
                             | QDockWidget.DockWidgetClosable)
            self.docks[name] = dock
        self.setStatusBar(StatusBar(bus, self))
        self.alarm_bar = AlarmBar(bus, lambda: self.seat, self)
        self.units.open_video_requested.connect(self.video_wall.focus_stream)
        self.video_wall.snapshot_saved.connect(self._on_wall_snapshot_saved)
        self._bus = bus
        bus.stream_announced.connect(self._on_bus_stream_announced)
        bus.gateway_changed.connect(self._on_bus_gateway_changed)
        self.alarm_bar.alarm_raised.connect(self._on_alarm_raised)
        self._build_actions()
        self.backhaul_banner = install_backhaul_banner(self, bus)  # a row below the alarms
        self.resize(1440, 900)
        self.apply_seat(seat)

    # -- seats -----------------------------------------------------------------------

    def apply_seat(self, name: str) -> None:
        """Save the current seat's layout, then show ``name``'s saved or default layout."""
        if self.seat:
            self.settings.setValue(f"seats/{self.seat}/state", self.saveState(LAYOUT_VERSION))
        self.seat = name
        self.event_log.seat = name
        self._arrange_default(name)
        saved = self.settings.value(f"seats/{name}/state")
        if isinstance(saved, QByteArray) and not saved.isEmpty():
            self.restoreState(saved, LAYOUT_VERSION)
            self.alarm_toolbar.setVisible(bool(self.alarm_bar.open_alarms))  # a saved layout never hides an alarm
        self.settings.setValue("seat", name)
        self.seat_actions[name].setChecked(True)
        self.setWindowTitle(self.tr("mcv — {vehicle} — {seat} seat").format(
            vehicle=self.config.vehicle.name, seat=SEATS[name].title))
        if name == "drone":
            self.video_wall.focus_kind("drone")
        self.seat_changed.emit(name)

    def _on_bus_stream_announced(self, announcement) -> None:
        """GUI thread: a stream this seat has no config entry for gets a tile; the first drone stream, the HUD.
        Every stream's REC dot follows what the gateway says it records: only configured streams are
        recorded, so a drone's or TAK device's entry under the same id does not speak for it."""
        added = self.video_wall.add_stream(announced_settings(announcement))
        if announcement.source == "config":
            self.video_wall.set_recording(announcement.stream, announcement.recording)
        if not added:
            return
        if self.drone_hud is None or self.drone_hud.tile not in self.video_wall.tiles.values():  # its tile gave way
            self.drone_hud = install_drone_hud(self._bus, self.video_wall)
        if self.seat == "drone" and announcement.stream_kind == "drone":
            self.video_wall.focus_kind("drone")

    def _on_bus_gateway_changed(self, status) -> None:
        """GUI thread: a gateway gone offline records nothing, whatever its catalogue said last: no REC dots."""
        if status.state == "offline":
            for stream_id in self.video_wall.tiles:
                self.video_wall.set_recording(stream_id, False)

    def _on_wall_snapshot_saved(self, stream: str, path: str) -> None:
        """A snapshot is evidence: its metadata goes in the log, and from there to HQ."""
        self.event_log.publish("snapshot", self.tr("Snapshot of {stream} saved as {path}").format(
            stream=stream, path=path))

    def _on_alarm_raised(self, alarm) -> None:
        """Centre the map on a new alarm and open its video, except on the drone seat: its focus stays on the drone."""
        self.units.interactions.show_alarm(alarm, open_video=self.seat != "drone")

    def reset_layout(self) -> None:
        self.settings.remove(f"seats/{self.seat}/state")
        self._arrange_default(self.seat)

    def _arrange_default(self, name: str) -> None:
        seat = SEATS[name]
        for dock in self.docks.values():
            self.removeDockWidget(dock)
        for area_name in ("left", "right", "bottom"):
            names = getattr(seat, area_name)
            if not names:
                continue
            first = self.docks[names[0]]
            self.addDockWidget(AREAS[area_name], first)
            first.show()
            for other in names[1:]:
                self.addDockWidget(AREAS[area_name], self.docks[other])
                self.docks[other].show()
                if area_name == "bottom":
                    self.tabifyDockWidget(first, self.docks[other])
            first.raise_()
        for hidden in seat.hidden:
            self.addDockWidget(Qt.RightDockWidgetArea, self.docks[hidden])
            self.docks[hidden].hide()
        width = max(self.width(), 800)
        self.resizeDocks([self.docks[seat.left[0]], self.docks[seat.right[0]]],
                         [int(width * seat.left_share), int(width * (1 - seat.left_share))], Qt.Horizontal)
        self.resizeDocks([self.docks[seat.left[0]], self.docks[seat.bottom[0]]],
                         [int(self.height() * 0.7), int(self.height() * 0.3)], Qt.Vertical)
        if len(seat.right) > 1:  # the first dock on the right is the one the seat came for
            self.resizeDocks([self.docks[name] for name in seat.right[:2]],
                             [int(self.height() * 0.45), int(self.height() * 0.25)], Qt.Vertical)

    # -- actions ---------------------------------------------------------------------

    def _build_actions(self) -> None:
        toolbar = self.addToolBar(self.tr("Seats"))
        toolbar.setObjectName("seatToolbar")
        toolbar.setMovable(False)
        group = QActionGroup(self)
        self.seat_actions: dict[str, QAction] = {}
        for number, name in enumerate(SEAT_NAMES, start=1):
            action = QAction(SEATS[name].title, self, checkable=True)
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.triggered.connect(lambda checked, seat=name: self.apply_seat(seat))
            group.addAction(action)
            toolbar.addAction(action)
            self.seat_actions[name] = action
        self.addToolBarBreak()  # the alarm gets a row of its own, the full width of the window
        self.alarm_toolbar = alarms = self.addToolBar(self.tr("Alarms"))
        alarms.setObjectName("alarmToolbar")
        alarms.setMovable(False)
        alarms.addWidget(self.alarm_bar)
        alarms.toggleViewAction().setVisible(False)  # nobody may hide the alarms; they hide when settled
        alarms.setVisible(False)
        self.alarm_bar.open_count_changed.connect(lambda count: alarms.setVisible(count > 0))
        view_menu = self.menuBar().addMenu(self.tr("&View"))
        for action in self.seat_actions.values():
            view_menu.addAction(action)
        view_menu.addSeparator()
        self._add_action(view_menu, self.tr("Reset seat layout"), "Ctrl+Shift+R", self.reset_layout)
        self._add_action(view_menu, self.tr("Switch day/night theme"), "Ctrl+T", self.toggle_theme)
        self._add_action(view_menu, self.tr("Full screen"), "F11", self.toggle_full_screen)
        self._add_action(view_menu, self.tr("New log entry"), "Ctrl+L", self.event_log.entry.setFocus)
        view_menu.addSeparator()
        self._add_action(view_menu, self.tr("Quit"), "Ctrl+Q", self.close)
        duty_menu = self.menuBar().addMenu(self.tr("&Duty"))
        duty_menu.addAction(self.tr("Start of shift…"), lambda: self.open_duty_dialog("shift_start"))
        self._add_action(duty_menu, self.tr("Handover…"), "Ctrl+Shift+H", lambda: self.open_duty_dialog("handover"))
        duty_menu.addAction(self.tr("End of shift…"), lambda: self.open_duty_dialog("shift_end"))
        duty_menu.addSeparator()
        duty_menu.addAction(self.tr("After-action report…"), self.open_report_dialog)
        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        self._add_action(help_menu, self.tr("Keyboard shortcuts"), "F1", self.show_shortcuts)

    def open_duty_dialog(self, action: str = "handover") -> HandoverDialog:
        """The duty log dialog for this seat: shift start, handover or shift end, with what is still open."""
        dialog = HandoverDialog(self._bus, self.seat, action, self)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def open_report_dialog(self):
        """The after-action report of a window (console/report_dialog.py), asked of the gateway, written here."""
        from console.report_dialog import ReportDialog  # Qt SVG and the report load when first asked for

        dialog = ReportDialog(self._bus, self.config.vehicle.id, self)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def _add_action(self, menu, text: str, shortcut: str, slot) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)
        return action

    def shortcut_rows(self) -> list[tuple[str, str]]:
        """Every action that has a shortcut, as (keys, what it does), for the Help dialog."""
        rows = []
        for action in self.findChildren(QAction):
            if not action.shortcut().isEmpty() and action.text():
                rows.append((action.shortcut().toString(QKeySequence.NativeText), action.text()))
        return sorted(set(rows))

    def show_shortcuts(self) -> None:
        text = "\n".join(f"{keys}\t{what}" for keys, what in self.shortcut_rows())
        QMessageBox.information(self, self.tr("Keyboard shortcuts"), text)

    def toggle_theme(self) -> None:
        name = "day" if self.settings.value("theme", self.config.console.theme) == "night" else "night"
        self.settings.setValue("theme", name)
        apply_theme(QApplication.instance(), theme_named(name))

    def toggle_full_screen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def closeEvent(self, event) -> None:
        self.settings.setValue(f"seats/{self.seat}/state", self.saveState(LAYOUT_VERSION))
        self.settings.setValue("geometry", self.saveGeometry())
        self.units.stop()
        super().closeEvent(event)
