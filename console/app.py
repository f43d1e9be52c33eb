"""The console's composition root: builds the application, the bus client and the window."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path
from dataclasses import dataclass

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from console.bus_client import BusClient
from console.i18n import install_translator
from console.loop_latency import probe_from_environment
from console.main_window import MainWindow
from console.quit_signals import quit_on_signals
from console.seats import SEAT_NAMES
from console.theme import apply_theme, theme_named
from console.video_renderer import TileRenderer, open_renderer
from radios.bus_settings import BusSettings
from radios.config import Config
from radios.schema import Topics

ICON = Path(__file__).resolve().parents[1] / "resources" / "icons" / "mcv.svg"


@dataclass
class Console:
    """The parts of one running console seat, for the caller to show, run and stop."""

    app: QApplication
    bus: BusClient
    window: MainWindow
    renderer: TileRenderer | None = None  # closed here when this console opened it itself

    def stop(self) -> None:
        self.window.video_wall.stop()
        self.bus.stop()
        if self.renderer is not None:
            self.renderer.close()
            self.renderer = None


def application(argv: list[str] | None = None) -> QApplication:
    """The one QApplication of this process, named so QSettings has a home."""
    app = QApplication.instance() or QApplication(argv or ["mcv"])
    app.setOrganizationName("mcv")
    app.setApplicationName("console")
    app.setApplicationDisplayName("mcv")
    app.setDesktopFileName("mcv")  # matches installer/mcv.desktop, so the window gets its icon and name
    app.setWindowIcon(QIcon(str(ICON)))
    return app


def build_console(config: Config, seat: str | None = None, lang: str | None = None,
                  renderer: TileRenderer | None = None) -> Console:
    """Wire a console for ``config``; nothing connects until ``bus.start()``.

    ``renderer`` draws the video tiles; consoles sharing a process share one (the caller
    closes it). Without one, the console opens ``config.video``'s and closes it on ``stop``.
    """
    app = application()
    install_translator(app, lang)
    settings = QSettings()
    saved_seat = settings.value("seat")
    seat = seat or (saved_seat if saved_seat in SEAT_NAMES else "commander")
    apply_theme(app, theme_named(str(settings.value("theme", config.console.theme))))
    if config.broker.url is None:
        raise ValueError("the console needs [broker] url")
    client_id = f"mcv-console-{config.vehicle.id}-{uuid.uuid4().hex[:8]}"
    bus = BusClient(BusSettings.from_broker(config.broker, client_id), Topics(config.vehicle.id),
                    source=f"console@{socket.gethostname()}")
    owned = None if renderer is not None else open_renderer(config.video)
    window = MainWindow(config, bus, seat, settings, make_tile=(renderer or owned).make_tile)
    geometry = settings.value("geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)
    return Console(app, bus, window, owned)


def run_console(config: Config, seat: str | None = None, lang: str | None = None) -> int:
    """Show a console seat and run the event loop until the window closes."""
    console = build_console(config, seat, lang)
    quit_on_signals(console.app)
    latency = probe_from_environment(console.app)  # opt-in: only with MCV_LOOP_LATENCY_FILE set
    console.window.show()
    QTimer.singleShot(0, console.bus.start)
    try:
        return console.app.exec()
    finally:
        if latency is not None:
            latency.stop()
        console.stop()
