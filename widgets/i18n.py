"""Translations through Qt's own system.

The UI's source strings are Chinese (zh_CN is the console's first language), so
zh_CN needs no catalogue of ours; ``--lang en`` installs ``resources/i18n/pingshan_en.qm``,
compiled from ``pingshan_en.ts`` by ``scripts/build_translations.sh``.

Qt's own strings (QMessageBox's Yes/No, QFileDialog, Close, a line edit's context
menu) are English at the source: for zh_CN, Qt's catalogue ``qt_zh_CN.qm`` (which
pulls in ``qtbase_zh_CN.qm``, ``qtmultimedia_zh_CN.qm`` …) is installed from PySide6's
``Qt/translations`` beside ours, then ``resources/i18n/qt_gaps_<lang>.qm`` for the few
strings Qt's catalogue leaves English (QFileDialog's "Look in", "Files of type").
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

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


def qt_translations_dir() -> Path:
    """Where Qt's own ``.qm`` catalogues are (PySide6's ``Qt/translations``, or a bundle's)."""
    return Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))


def install_qt_translator(app: QCoreApplication, lang: str) -> QTranslator | None:
    """Install Qt's own catalogue for ``lang`` (``qt_zh_CN.qm`` and what it includes).

    English needs none (Qt's source language). A missing catalogue is logged: Qt's
    dialogs then stay English, the console still starts.
    """
    if lang == "en":
        return None
    found: QTranslator | None = None
    translator = QTranslator(app)
    for name in (f"qt_{lang}", f"qtbase_{lang}"):  # the meta catalogue, else the base one alone
        if translator.load(name, str(qt_translations_dir())):
            app.installTranslator(translator)
            _installed.append(translator)
            found = translator
            break
    else:
        log.warning("Qt's translations for %s not found in %s; Qt's dialogs stay English", lang, qt_translations_dir())
    gaps = QTranslator(app)
    if gaps.load(str(I18N_DIR / f"qt_gaps_{lang}.qm")):
        app.installTranslator(gaps)  # installed last, so asked first
        _installed.append(gaps)
    return found


def install_translator(app: QCoreApplication, lang: str) -> QTranslator | None:
    """Install the translators for ``lang`` on ``app``; return the console's own.

    zh_CN returns None (the source strings are already Chinese) and installs only
    Qt's catalogue. An unknown language or a missing catalogue is logged and leaves
    the UI in Chinese rather than failing the start.
    """
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    if lang not in LANGUAGES:
        log.warning("unknown language %r, staying with zh_CN", lang)
        install_qt_translator(app, LANGUAGES[0])
        return None
    install_qt_translator(app, lang)
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
