"""The console's side of video dispatch: ask the gateway to send a stream to HQ or stop, and mark the tiles sent.

``DispatchActions`` keeps the gateway's latest ``DispatchState`` (retained on ``dispatch``),
sends ``dispatch_request`` payloads on ``cmd/dispatch``, adds "Send to HQ" / "Stop sending
to HQ" to every tile's context menu and paints an ``HQ`` marker on the tiles that are
chosen for HQ (a tile's ``sending_to_hq``). Everything here runs on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QMenu

from radios.schema import DispatchRequest, DispatchState

SENDING_STATES = ("sending", "transcoding")
_MARK_SENDING = QColor(46, 140, 220)
_MARK_WAITING = QColor(214, 150, 30)


class DispatchActions(QObject):
    """Asks for streams to go to HQ and tells the tiles which ones do (GUI thread)."""

    state_changed = Signal(object)  # DispatchState
    answered = Signal(str)  # the gateway's refusal, for people ("" when it agreed)

    def __init__(self, bus, seat: Callable[[], str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bus = bus
        self._seat = seat
        self.state: DispatchState | None = None
        self._requests: set[str] = set()
        self._walls: list = []
        bus.dispatch_changed.connect(self._on_bus_dispatch_changed)
        if hasattr(bus, "command_answered"):
            bus.command_answered.connect(self._on_bus_command_answered)

    # -- what goes up ----------------------------------------------------------------

    def chosen(self) -> dict[str, dict]:
        """The streams chosen for HQ, each with its entry in the gateway's state."""
        return {entry["stream"]: entry for entry in (self.state.streams if self.state else [])}

    def is_chosen(self, stream_id: str) -> bool:
        return stream_id in self.chosen()

    def send(self, stream_id: str) -> None:
        self._ask(stream_id, "start")

    def stop(self, stream_id: str) -> None:
        self._ask(stream_id, "stop")

    def _ask(self, stream_id: str, action: str) -> None:
        request = DispatchRequest.create(self._bus.source, stream=stream_id, action=action, seat=self._seat())
        self._requests.add(self._bus.send_command("dispatch", request))

    # -- tiles -----------------------------------------------------------------------

    def install_on_wall(self, wall) -> None:
        """Give every tile of ``wall``, now and later, the menu actions and the marker."""
        self._walls.append(wall)
        self._hook_tiles(wall)
        wall.arranged.connect(lambda: self._hook_tiles(wall))

    def _hook_tiles(self, wall) -> None:
        chosen = self.chosen()
        for tile in wall.tiles.values():
            if not getattr(tile, "_dispatch_hooked", False):
                tile._dispatch_hooked = True
                tile.menu_extenders.append(lambda menu, stream_id=tile.stream_id: self._extend_menu(menu, stream_id))
                tile.overlays.append(lambda painter, area, tile=tile: self._paint_marker(tile, painter, area))
            self._mark(tile, chosen)

    def _extend_menu(self, menu: QMenu, stream_id: str) -> None:
        if self.is_chosen(stream_id):
            menu.addAction(self.tr("Stop sending to HQ"), lambda: self.stop(stream_id))
        else:
            menu.addAction(self.tr("Send to HQ"), lambda: self.send(stream_id))

    def _mark(self, tile, chosen: dict[str, dict]) -> None:
        sending = tile.stream_id in chosen
        if sending != tile.sending_to_hq:
            tile.sending_to_hq = sending
            tile.update()
        elif sending:
            tile.update()  # the marker's colour follows the state

    def _paint_marker(self, tile, painter: QPainter, area: QRect) -> None:
        """An ``HQ`` badge at the top right of the picture: blue while sent, amber while it waits or fails."""
        if not tile.sending_to_hq:
            return
        entry = self.chosen().get(tile.stream_id, {})
        text = self.tr("▲ HQ")
        metrics = painter.fontMetrics()
        badge = QRect(0, 0, metrics.horizontalAdvance(text) + 12, metrics.height() + 4)
        badge.moveTopRight(area.topRight() + QPoint(-6, 6))
        painter.save()
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(Qt.NoPen)
        painter.setBrush(_MARK_SENDING if entry.get("state") in SENDING_STATES else _MARK_WAITING)
        painter.drawRoundedRect(badge, 4, 4)
        painter.setPen(Qt.white)
        painter.drawText(badge, Qt.AlignCenter, text)
        painter.restore()

    # -- bus signals -----------------------------------------------------------------

    def _on_bus_dispatch_changed(self, state: DispatchState) -> None:
        self.state = state
        chosen = self.chosen()
        for wall in self._walls:
            for tile in wall.tiles.values():
                self._mark(tile, chosen)
        self.state_changed.emit(state)

    def _on_bus_command_answered(self, request_id: str, reply) -> None:
        if request_id not in self._requests:
            return
        self._requests.discard(request_id)
        if reply is None:
            self.answered.emit(self.tr("The gateway did not answer; check that it runs and the local bus is up."))
        else:
            self.answered.emit("" if reply.ok else reply.error)

