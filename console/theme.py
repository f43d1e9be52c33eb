"""The night (default) and day themes: a palette plus a few style rules for alarms and banners."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("night", "day")


@dataclass(frozen=True)
class Theme:
    """Colours of one theme; ``alarm`` and ``warning`` stay loud in both."""

    name: str
    window: str
    base: str
    alternate: str
    text: str
    muted: str
    accent: str
    warning: str
    alarm: str
    ok: str


NIGHT = Theme("night", window="#14181d", base="#0d1014", alternate="#181d23", text="#d7dde4",
              muted="#7d8792", accent="#3d8bd9", warning="#e0a030", alarm="#e5484d", ok="#3fb950")
DAY = Theme("day", window="#eef0f3", base="#ffffff", alternate="#f5f6f8", text="#1b1f24",
            muted="#5b6470", accent="#1f6fc5", warning="#a86400", alarm="#c4161c", ok="#1a7f37")


def theme_named(name: str) -> Theme:
    return DAY if name == "day" else NIGHT


def apply_theme(app: QApplication, theme: Theme) -> None:
    """Set the application palette and style sheet for ``theme``.

    Each setter re-polishes every live widget, so each is called only when it changes
    something: a second console in the same process (``mcv demo --seats 3``) then costs
    nothing, and no widget is asked to restyle itself in the middle of being torn down.
    """
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    palette = QPalette()
    roles = {
        QPalette.Window: theme.window, QPalette.WindowText: theme.text, QPalette.Base: theme.base,
        QPalette.AlternateBase: theme.alternate, QPalette.Text: theme.text, QPalette.Button: theme.alternate,
        QPalette.ButtonText: theme.text, QPalette.Highlight: theme.accent, QPalette.HighlightedText: "#ffffff",
        QPalette.ToolTipBase: theme.base, QPalette.ToolTipText: theme.text, QPalette.PlaceholderText: theme.muted,
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    palette.setColor(QPalette.Disabled, QPalette.Text, QColor(theme.muted))
    palette.setColor(QPalette.Disabled, QPalette.ButtonText, QColor(theme.muted))
    if app.palette() != palette:
        app.setPalette(palette)
    sheet = (
        f"QLabel[role='empty'] {{ color: {theme.muted}; font-size: 11pt; padding: 12px; }}"
        f"QLabel[state='up'] {{ color: {theme.ok}; }}"
        f"QLabel[state='down'] {{ color: {theme.alarm}; font-weight: bold; }}"
        f"QLabel[state='connecting'] {{ color: {theme.warning}; }}"
        f"QLabel[state='unknown'] {{ color: {theme.muted}; }}"
        f"QDockWidget::title {{ background: {theme.alternate}; padding: 4px; }}"
        f"QFrame#alarmBar {{ background: {theme.alarm}; }}"
        f"QFrame#alarmBar[flash='true'] {{ background: #7a0d10; }}"
        "QFrame#alarmBar QLabel { color: #ffffff; font-size: 14pt; font-weight: bold; }"
        f"QFrame#backhaulBanner {{ background: {theme.warning}; }}"
        "QFrame#backhaulBanner QLabel { color: #000000; font-weight: bold; }"
    )
    if app.styleSheet() != sheet:
        app.setStyleSheet(sheet)
