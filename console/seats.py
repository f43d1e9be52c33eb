"""The three seats and the dock layout each one starts with."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt

SEAT_NAMES = ("commander", "comms", "drone")
DOCK_NAMES = ("map", "video", "links", "events", "messages", "tasks", "uplink")


@dataclass(frozen=True)
class Seat:
    """A seat's default layout: docks per area (first one raised when tabbed) and docks hidden."""

    name: str
    left: tuple[str, ...]
    right: tuple[str, ...]
    bottom: tuple[str, ...]
    hidden: tuple[str, ...]
    left_share: float  # of the window's width

    @property
    def title(self) -> str:
        return seat_title(self.name)


SEATS = {
    "commander": Seat("commander", left=("map",), right=("video", "messages"), bottom=("events", "tasks", "links", "uplink"),
                      hidden=(), left_share=0.6),
    "comms": Seat("comms", left=("links",), right=("map",), bottom=("events", "messages", "uplink"),
                  hidden=("video", "tasks"), left_share=0.6),
    "drone": Seat("drone", left=("video",), right=("map",), bottom=("events",),
                  hidden=("links", "messages", "tasks", "uplink"), left_share=0.68),
}

AREAS = {"left": Qt.LeftDockWidgetArea, "right": Qt.RightDockWidgetArea, "bottom": Qt.BottomDockWidgetArea}


def seat_title(name: str) -> str:
    return {
        "commander": QCoreApplication.translate("Seats", "Commander"),
        "comms": QCoreApplication.translate("Seats", "Communications"),
        "drone": QCoreApplication.translate("Seats", "Drone"),
    }[name]
