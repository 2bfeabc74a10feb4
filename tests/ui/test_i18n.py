"""Translations: the committed .qm matches the .ts, every UI string is translated,
and with the English translator the window speaks English."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget


ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
TS = ROOT / "resources" / "i18n" / "pingshan_en.ts"
QM = ROOT / "resources" / "i18n" / "pingshan_en.qm"
SOURCES = [*sorted(str(p.relative_to(ROOT)) for p in (ROOT / "widgets").rglob("*.py")), "console/texts.py"]
"""What scripts/build_translations.sh scans: the views, and the core's table of display-text codes."""

pytestmark = pytest.mark.timeout(120)


def _tool(name: str) -> str:
    for folder in (BIN, Path(sys.executable).parent):  # this checkout's venv, else the running one's
        path = folder / name
        if path.exists():
            return str(path)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} not found (PySide6 ships it in the venv)")
    return found


@pytest.mark.parametrize("ts", [TS, *sorted(TS.parent.glob("qt_gaps_*.ts"))], ids=lambda p: p.name)
def test_qm_is_compiled_from_the_ts(tmp_path: Path, ts: Path) -> None:
    out = tmp_path / ts.with_suffix(".qm").name
    subprocess.run([_tool("pyside6-lrelease"), str(ts), "-qm", str(out)], check=True, capture_output=True, timeout=60)
    assert out.read_bytes() == ts.with_suffix(".qm").read_bytes(), "run scripts/build_translations.sh and commit the .qm"


def test_every_ui_string_is_in_the_ts_and_translated(tmp_path: Path) -> None:
    ts = tmp_path / "check_en.ts"
    shutil.copy(TS, ts)
    subprocess.run(
        [_tool("pyside6-lupdate"), *SOURCES, "-source-language", "zh_CN", "-target-language", "en",
         "-locations", "none", "-no-obsolete", "-ts", str(ts)],
        cwd=ROOT, check=True, capture_output=True, timeout=60,
    )
    root = ET.parse(ts).getroot()
    untranslated = [
        f"{ctx.findtext('name')}: {msg.findtext('source')}"
        for ctx in root.iter("context")
        for msg in ctx.iter("message")
        if msg.find("translation").get("type") == "unfinished" or not (msg.findtext("translation") or "").strip()
    ]
    assert not untranslated, f"run scripts/build_translations.sh and translate: {untranslated}"
    assert sum(1 for _ in root.iter("message")) >= 80


def test_english_main_window(offline_console: SimpleNamespace, qtbot: Any, qapp: Any) -> None:
    from widgets import i18n
    from widgets.shell.main_window import MainWindow

    translator = i18n.install_translator(qapp, "en")
    assert translator is not None
    try:
        window = MainWindow(offline_console.core, offline_console.notifier)
        qtbot.addWidget(window)
        window.show()
        assert window.windowTitle() == "Pingshan City Operations Command Centre · Duty Console"
        titles = {d.windowTitle() for d in window.findChildren(QDockWidget)}
        assert titles == {"Map", "Video wall", "Alert queue", "Indicators", "Wartime command", "Cameras", "Duty"}
        headers = [window.alert_queue.model.headerData(c, Qt.Orientation.Horizontal) for c in range(3)]
        assert headers == ["Level", "Time", "Source"]
        # The core cannot reach its backend: the banner says so, in English.
        qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=20000)
        assert window.banner_text().startswith("Offline — data as of ")
        window.close()
    finally:
        i18n.install_translator(qapp, "zh_CN")
    assert qapp.translate("MainWindow", "地图") == "地图"


def test_qt_own_dialogs_speak_the_chosen_language(qapp: Any, qtbot: Any) -> None:
    """Issue 21: Yes/No, Close and Qt's file dialog were English in the Chinese console."""
    from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QLabel, QMessageBox

    from widgets import i18n

    def texts() -> tuple[list[str], str, set[str]]:
        box = QMessageBox(QMessageBox.Icon.Question, "t", "q",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        files = QFileDialog(None, "t")
        files.setOption(QFileDialog.Option.DontUseNativeDialog, True)  # Qt's own dialog, as on the duty PCs
        for w in (box, buttons, files):
            qtbot.addWidget(w)
        labels = {lbl.text() for lbl in files.findChildren(QLabel)}
        return ([box.button(b).text() for b in (QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No)],
                buttons.button(QDialogButtonBox.StandardButton.Close).text(), labels)

    i18n.install_translator(qapp, "zh_CN")
    yes_no, close, labels = texts()
    assert yes_no == ["是(&Y)", "否(&N)"] and close == "关闭"
    assert {"查找范围(&L)：", "文件类型(&T)："} <= labels  # the second from qt_gaps_zh_CN.ts
    assert not any(label.isascii() for label in labels), labels
    try:
        i18n.install_translator(qapp, "en")
        yes_no, close, labels = texts()
        assert yes_no == ["&Yes", "&No"] and close in ("&Close", "Close")
        assert "&Look in:" in labels
    finally:
        i18n.install_translator(qapp, "zh_CN")


def test_wartime_status_names_are_catalogued() -> None:
    """The wartime panels translate the core's status and kind names by lookup: each is named for lupdate."""
    from console.wartime import ACTION_ZH, RESOURCE_KIND_ZH, STEP_STATUS_ZH, TASK_STATUS_ZH
    from widgets.wartime.cells import CATALOGUED, LEVEL_ZH

    names = {*STEP_STATUS_ZH.values(), *TASK_STATUS_ZH.values(), *RESOURCE_KIND_ZH.values(),
             *ACTION_ZH.values(), *LEVEL_ZH.values()}
    assert names <= set(CATALOGUED["CommandPanel"])
    from console.wartime import INCIDENT_TRENDS

    labels = {label for trends in INCIDENT_TRENDS.values() for _id, label, _unit in trends}
    assert labels - {"PM2.5"} <= set(CATALOGUED["IncidentMetricsPanel"])


def test_map_kind_labels_are_the_core_kind_names(qapp: Any) -> None:
    """The map page words a device's or camera's kind code by its labels: in Chinese, exactly
    the core's names (the rows no longer carry them)."""
    from console.map_features import CAMERA_KIND_NAMES, DEVICE_KIND_NAMES
    from widgets.map.page import PAGE_LABELS, page_labels

    assert PAGE_LABELS["device_kinds"] == DEVICE_KIND_NAMES
    assert PAGE_LABELS["camera_kinds"] == CAMERA_KIND_NAMES
    assert page_labels()["device_kinds"] == DEVICE_KIND_NAMES
    assert page_labels()["camera_kinds"] == CAMERA_KIND_NAMES
