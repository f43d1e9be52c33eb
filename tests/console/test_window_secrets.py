"""No secret on screen: each seat's window, opened with a config full of passwords, shows none of
them in its title, in any widget's text, tooltip or status tip, nor after its broker login failed.

The broker is a real mosquitto that wants a password the console does not have, so the
console's own words about the refused login are on screen when the texts are read.
"""

from __future__ import annotations

import secrets
import subprocess

import pytest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QWidget
from support import open_seat

from console.seats import SEAT_NAMES
from radios.broker import LocalBroker
from radios.config import load_config

pytestmark = pytest.mark.broker


def shown_texts(window: QWidget) -> dict[str, str]:
    """Everything a person (or a screenshot) could read off the window and its children."""
    texts = {"window title": window.windowTitle(), "application": QApplication.applicationDisplayName()}
    for number, widget in enumerate([window, *window.findChildren(QWidget)]):
        name = f"{type(widget).__name__}#{number}"
        texts[f"{name} title"] = widget.windowTitle()
        texts[f"{name} tooltip"] = widget.toolTip()
        texts[f"{name} status tip"] = widget.statusTip()
        if isinstance(widget, (QLabel, QAbstractButton, QLineEdit)):
            texts[f"{name} text"] = widget.text()
    return texts


@pytest.mark.parametrize("seat", SEAT_NAMES)
def test_no_seat_shows_a_configured_secret(tmp_path, qtbot, seat):
    named = {"broker password": secrets.token_urlsafe(18), "HQ password": secrets.token_urlsafe(18),
             "camera password": secrets.token_urlsafe(18)}
    for name in ("broker", "hq"):
        path = tmp_path / f"{name}.password"
        path.write_text(named[f"{'broker' if name == 'broker' else 'HQ'} password"] + "\n")
        path.chmod(0o600)
    plain = tmp_path / "passwd"
    plain.write_text("someone-else:not-the-console\n")
    subprocess.run(["mosquitto_passwd", "-U", str(plain)], check=True, capture_output=True, timeout=10)
    camera = named["camera password"]
    with LocalBroker(extra_config=f"allow_anonymous false\npassword_file {plain}\n") as broker:
        config_path = tmp_path / "mcv.toml"
        config_path.write_text(
            '[vehicle]\nid = "t-1"\nname = "Vehicle 7"\n'
            f'[broker]\nurl = "{broker.url}"\nusername = "console"\npassword_file = "broker.password"\n'
            '[uplink]\nurl = "mqtts://hq.example.org"\nusername = "t-1"\npassword_file = "hq.password"\n'
            f'[[streams]]\nid = "mast-1"\nname = "Mast"\nkind = "mast"\n'
            f'url = "rtsp://admin:{camera}@127.0.0.1:1/main"\nsub_url = "rtsp://admin:{camera}@127.0.0.1:1/sub"\n')
        console = open_seat(load_config(config_path), seat, qtbot)
        try:
            qtbot.waitUntil(lambda: console.bus.state == "down", timeout=10_000)  # the broker refused the login
            qtbot.wait(500)  # the status bar and the wall take the news on their next tick
            texts = shown_texts(console.window)
        finally:
            console.stop()
    assert "Vehicle 7" in texts["window title"]
    found = [f"{place}: {name}" for place, text in texts.items() for name, secret in named.items() if secret in text]
    assert not found, "secrets on screen:\n" + "\n".join(found)
