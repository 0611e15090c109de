"""UI language: Chinese source strings, English from resources/translations.

    install_language(app, "en") -> bool    # False when the .qm is missing
    current_language() -> "zh_CN" | "en"
    pick(zh, en) -> the text for the current language (for data that carries
                    both forms: flow titles, field labels, Problem messages)

Source strings in the code are zh_CN, so Chinese needs no translator at all;
switching to English loads teller_en.qm, and Qt sends every widget a
LanguageChange event so open windows re-label themselves.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTranslator

TRANSLATIONS = Path(__file__).resolve().parents[2] / "resources" / "translations"

_state: dict[str, object] = {"language": "zh_CN", "translator": None}


def current_language() -> str:
    return str(_state["language"])


def pick(zh: str, en: str | None) -> str:
    if current_language() == "en" and en:
        return en
    return zh


def install_language(app: QCoreApplication, language: str) -> bool:
    old = _state["translator"]
    if old is not None:
        app.removeTranslator(old)
        _state["translator"] = None
    _state["language"] = "zh_CN"
    if language != "en":
        return True
    translator = QTranslator(app)
    if not translator.load(str(TRANSLATIONS / "teller_en.qm")):
        return False
    app.installTranslator(translator)
    _state["translator"] = translator
    _state["language"] = "en"
    return True
