"""The Simplified Chinese translation covers every UI string, keeps placeholders, and ships compiled."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "resources" / "translations" / "mcv_zh_CN.ts"
QM = ROOT / "console" / "translations" / "mcv_zh_CN.qm"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
REFRESH = "run tools/update_translations.sh and translate what it marks unfinished"


def _tool(name: str) -> str:
    """A Qt Linguist tool from this venv, else from PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed; install PySide6 into the venv that runs the tests")
    return found


def _messages(ts: Path) -> dict[tuple[str, str], tuple[str, str | None]]:
    """(context, source) -> (translation, translation type) for every message in ``ts``."""
    found = {}
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name")
        for message in context.iter("message"):
            translation = message.find("translation")
            found[(name, message.findtext("source"))] = (translation.text or "", translation.get("type"))
    return found


def test_ts_has_every_string_in_the_code_translated(tmp_path):
    copy = tmp_path / TS.name
    shutil.copy(TS, copy)
    sources = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "console").glob("*.py"))
    subprocess.run([_tool("pyside6-lupdate"), "-silent", *sources, "-ts", str(copy)],
                   cwd=ROOT, check=True, timeout=60)
    refreshed = _messages(copy)
    untranslated = sorted(key for key, (_, kind) in refreshed.items() if kind == "unfinished")
    gone = sorted(key for key, (_, kind) in refreshed.items() if kind in ("vanished", "obsolete"))
    assert not untranslated, f"not translated yet: {untranslated}; {REFRESH}"
    assert not gone, f"no longer in the code: {gone}; {REFRESH}"
    assert refreshed == _messages(TS), f"lupdate would change the .ts; {REFRESH}"


def test_translations_keep_placeholders_and_mnemonics():
    for (context, source), (translation, _) in _messages(TS).items():
        assert translation, f"{context}: {source!r} has an empty translation"
        assert sorted(PLACEHOLDER.findall(translation)) == sorted(PLACEHOLDER.findall(source)), \
            f"{context}: {translation!r} changes the placeholders of {source!r}"
        assert ("&" in source.replace("&&", "")) == ("&" in translation.replace("&&", "")), \
            f"{context}: {translation!r} must keep an accelerator exactly when {source!r} has one"


def test_committed_qm_is_compiled_from_the_ts(tmp_path):
    fresh = tmp_path / QM.name
    subprocess.run([_tool("pyside6-lrelease"), "-silent", str(TS), "-qm", str(fresh)], check=True, timeout=60)
    assert fresh.read_bytes() == QM.read_bytes(), f"{QM.relative_to(ROOT)} is stale; run tools/update_translations.sh"


@pytest.fixture
def chinese(qapp):
    translator = QTranslator()
    assert translator.load(str(QM)), f"cannot load {QM}"
    qapp.installTranslator(translator)
    yield
    qapp.removeTranslator(translator)


@pytest.mark.parametrize(("context", "source", "expected"), [
    ("MainWindow", "&View", "视图(&V)"),
    ("MainWindow", "Event log", "事件日志"),
    ("Seats", "Commander", "指挥员"),
    ("Seats", "Communications", "通信保障"),
    ("Seats", "Drone", "无人机"),
    ("MainWindow", "Links", "链路"),
    ("StatusBar", "Backhaul: DOWN · {backlog} queued", "回传：中断 · {backlog} 条待发"),
])
def test_translator_returns_chinese(chinese, context, source, expected):
    assert QCoreApplication.translate(context, source) == expected
