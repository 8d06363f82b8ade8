"""HikyuuTDX's languages: Chinese by default, English on request, through Qt's translation machinery.

Every user-facing string of the GUI is written in English inside ``tr("...")`` (one translation context,
``HikyuuTDX``) and translated in ``zh_CN.ts``, a Qt Linguist file (edit it with Qt Linguist or any text
editor; it lives in ``gui/translations/``; ``scripts/update_translations.py`` adds the strings new code
introduces). The ``.ts`` file is read directly by ``TsTranslator``, a ``QTranslator`` whose ``translate``
looks the string up, so no compiled ``.qm`` file and no Qt build tool are needed. Qt's own dialogs (file
chooser, message boxes) use Qt's shipped ``qtbase_zh_CN.qm`` when it is installed.

The language: ``HikyuuTDX --lang en|zh_CN``, else ``$HIKYUU_LANG``, else Chinese.
"""

from __future__ import annotations

import logging
import os
import xml.etree.ElementTree as ET
from pathlib import Path

from PyQt5.QtCore import QCoreApplication, QLibraryInfo, QLocale, QObject, QTranslator

log = logging.getLogger(__name__)

CONTEXT = "HikyuuTDX"
LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"
TS_DIR = Path(__file__).resolve().parent / "translations"


def tr(text: str) -> str:
    """``text`` in the interface language (the English source when no translation is installed)."""
    return QCoreApplication.translate(CONTEXT, text)


def read_ts(path: Path) -> dict[tuple[str, str], str]:
    """``{(context, source): translation}`` of a Qt Linguist ``.ts`` file; unfinished ones left out."""
    out: dict[tuple[str, str], str] = {}
    for ctx in ET.parse(path).getroot().iter("context"):
        name = ctx.findtext("name") or ""
        for msg in ctx.iter("message"):
            source, tr_el = msg.findtext("source"), msg.find("translation")
            if source is None or tr_el is None or not (tr_el.text or "") or tr_el.get("type") == "unfinished":
                continue
            out[(name, source)] = tr_el.text or ""
    return out


class TsTranslator(QTranslator):
    """A ``QTranslator`` answering from a ``.ts`` file read at start (see the module docstring)."""

    def __init__(self, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.table = read_ts(path)

    def translate(self, context: str | None, source: str | None, disambiguation: str | None = None,  # type: ignore[override]
                  n: int = -1) -> str | None:
        return self.table.get((context or "", source or ""))

    def isEmpty(self) -> bool:  # noqa: N802 - Qt's name
        return not self.table


def choose_language(requested: str | None = None) -> str:
    """``requested``, else ``$HIKYUU_LANG``, else Chinese; an unknown name falls back to Chinese (logged)."""
    lang = requested or os.environ.get("HIKYUU_LANG") or DEFAULT_LANGUAGE
    lang = {"zh": "zh_CN", "cn": "zh_CN", "en_US": "en", "english": "en"}.get(lang, lang)
    if lang not in LANGUAGES:
        log.warning("unknown language %r; valid: %s (using %s)", lang, ", ".join(LANGUAGES), DEFAULT_LANGUAGE)
        lang = DEFAULT_LANGUAGE
    return lang


def install_translators(app: QCoreApplication, language: str) -> list[QTranslator]:
    """Install the translators of ``language`` on ``app``; keep the returned list alive with the app."""
    if language == "en":
        QLocale.setDefault(QLocale(QLocale.English))
        return []
    QLocale.setDefault(QLocale(QLocale.Chinese, QLocale.China))
    ours = TsTranslator(TS_DIR / f"{language}.ts", app)
    app.installTranslator(ours)
    installed: list[QTranslator] = [ours]
    qt = QTranslator(app)
    if qt.load(f"qtbase_{language}", QLibraryInfo.location(QLibraryInfo.TranslationsPath)):
        app.installTranslator(qt)
        installed.append(qt)
    return installed


__all__ = ["CONTEXT", "DEFAULT_LANGUAGE", "LANGUAGES", "TsTranslator", "choose_language", "install_translators",
           "read_ts", "tr"]
