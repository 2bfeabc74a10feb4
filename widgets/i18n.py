"""Translations through Qt's own system.

The UI's source strings are Chinese (zh_CN is the console's first language), so
zh_CN needs no translator; ``--lang en`` installs ``resources/i18n/pingshan_en.qm``,
compiled from ``pingshan_en.ts`` by ``scripts/build_translations.sh``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

from widgets.theme import RESOURCES_DIR

log = logging.getLogger(__name__)

I18N_DIR: Path = RESOURCES_DIR / "i18n"
"""Where the ``.ts`` sources and the compiled ``.qm`` files live."""

LANGUAGES: tuple[str, ...] = ("zh_CN", "en")
"""Languages the console offers; the first is the source language."""

# Translators must outlive their installation; Qt does not take ownership.
_installed: list[QTranslator] = []


def qm_path(lang: str) -> Path:
    """The compiled catalogue for a language (``en`` → ``pingshan_en.qm``)."""
    return I18N_DIR / f"pingshan_{lang}.qm"


def install_translator(app: QCoreApplication, lang: str) -> QTranslator | None:
    """Install the translator for ``lang`` on ``app`` and return it.

    zh_CN returns None (the source strings are already Chinese). An unknown
    language or a missing catalogue is logged and leaves the UI in Chinese rather
    than failing the start.
    """
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    if lang not in LANGUAGES:
        log.warning("unknown language %r, staying with zh_CN", lang)
        return None
    if lang == LANGUAGES[0]:
        QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
        return None
    translator = QTranslator(app)
    path = qm_path(lang)
    if not translator.load(str(path)):
        log.warning("translation catalogue %s could not be loaded; UI stays Chinese", path)
        return None
    app.installTranslator(translator)
    _installed.append(translator)
    QLocale.setDefault(QLocale(lang))
    return translator
