"""The process environment Qt needs, set before QtWebEngine loads."""

from __future__ import annotations

import os


def prepare_qt_environment() -> None:
    """Chromium flags QtWebEngine needs here; must run before QtWebEngine loads."""
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "").split()
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--no-sandbox" not in flags:
        flags.append("--no-sandbox")  # Chromium refuses to sandbox as root
    if os.environ.get("QT_QPA_PLATFORM", "").startswith("offscreen") and "--disable-gpu" not in flags:
        flags.append("--disable-gpu")  # no GPU headless: software rendering works
    if flags:
        os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = " ".join(flags)
