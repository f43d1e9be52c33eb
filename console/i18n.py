"""Languages: English in the code, Simplified Chinese from the shipped translation."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLocale, QTranslator
from PySide6.QtWidgets import QApplication

LANGUAGES = ("en", "zh_CN")
TRANSLATIONS_DIR = Path(__file__).parent / "translations"


def choose_language(requested: str | None) -> str:
    """``requested`` if given, else the system locale's language when we ship it, else English."""
    if requested:
        return requested
    return "zh_CN" if QLocale.system().name().startswith("zh") else "en"


def install_translator(app: QApplication, requested: str | None) -> str:
    """Load the chosen language into ``app`` once; returns the language in use."""
    language = choose_language(requested)
    if language == "en" or app.property("mcv_language") == language:
        return language
    translator = QTranslator(app)
    if not translator.load(str(TRANSLATIONS_DIR / f"mcv_{language}.qm")):
        raise FileNotFoundError(f"the {language} translation is missing from {TRANSLATIONS_DIR}; reinstall mcv")
    app.installTranslator(translator)
    app.setProperty("mcv_language", language)
    return language
