"""Test isolation for the whole suite: private config/data folders, and no thread or process left behind."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # shared helpers in tests/support.py

from support import broker_fixture  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

LEFTOVER_GRACE_S = 3.0

broker = broker_fixture()


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path_factory, monkeypatch):
    """Every test gets empty config, data and cache folders, for platformdirs and QSettings alike."""
    home = tmp_path_factory.mktemp("home")
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        folder = home / name.lower()
        folder.mkdir()
        monkeypatch.setenv(name, str(folder))
    monkeypatch.setenv("MCV_AUDIO_OUTPUT", "dummy")   # alarm tones play through libvlc, never the speakers
    if "PySide6" in sys.modules:
        from PySide6.QtCore import QSettings

        QSettings.setPath(QSettings.NativeFormat, QSettings.UserScope, str(home / "xdg_config_home"))
        QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(home / "xdg_config_home"))
    yield home


def _children() -> set[int]:
    """Live (non-zombie) child processes of this test process, from /proc."""
    me = str(os.getpid())
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, ppid = fields[0], fields[1]
        if ppid == me and state != "Z":
            found.add(int(entry.name))
    return found


@pytest.fixture(autouse=True)
def no_leftovers(request):
    """Fail a test that leaves a thread running or a child process alive."""
    threads_before = set(threading.enumerate())
    children_before = _children()
    yield
    deadline = time.monotonic() + LEFTOVER_GRACE_S
    while True:
        threads = [t for t in threading.enumerate() if t not in threads_before and t.is_alive()]
        children = _children() - children_before
        if not threads and not children or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    problems = []
    if threads:
        problems.append("threads still running: " + ", ".join(sorted(t.name for t in threads)))
    if children:
        problems.append(f"child processes still alive: {sorted(children)}")
    if problems:
        pytest.fail(f"{request.node.nodeid} left " + "; ".join(problems), pytrace=False)
