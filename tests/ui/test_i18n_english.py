"""``--lang en``: the main window, the wartime window and the drill window show no Chinese
except data.

What counts as data (allowed to stay Chinese, because it is what the feed, the drill
scenario or the operator wrote, not the console's own words):
  * every string value in the operating picture's stores (alert titles and places, device,
    camera and unit names, incidents, tasks, the gateway's own notices), the layers and
    plans the gateway serves, and the district's catalogue (streets, communities);
  * the drill scenario's own text (its title, inject names) and what the test types in
    (the operator's name, the declaration's reason).
Each data string is cut out of a widget's text before the check, so a label "Alert: 碧岭
边坡位移" passes while "Alert: 边坡位移 已确认" does not. Everything else the operator can
read — labels, buttons, tabs, dock titles, group boxes, placeholders, menus, the status
bar, item models' headers and displayed cells — must be free of CJK characters.

Set ``I18N_SHOTS`` to a folder to keep the three screenshots (docs/screenshots/ has them);
otherwise they go to the test's tmp dir.
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterable, Iterator

import pytest
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QTabBar,
    QWidget,
)

from tests.support.qtsupport import run_task, stop_core

pytestmark = pytest.mark.timeout(240)

ROOT = Path(__file__).resolve().parents[2]
FIRE = ROOT / "resources" / "scenarios" / "forest_fire_maluan.yaml"
SHOTS_ENV = "I18N_SHOTS"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff5e]")
"""CJK ideographs and CJK/full-width punctuation (a stray "，" is untranslated text too)."""
TAG = re.compile(r"<[^>]+>")
MAX_ROWS = 40
"""Rows of each item model that are checked (what an operator sees without scrolling far)."""


# ---------------------------------------------------------------------------- data


def _strings(value: Any) -> Iterator[str]:
    """Every string inside a model, dict, list or dataclass."""
    if isinstance(value, str):
        yield value
    elif hasattr(value, "model_dump"):
        yield from _strings(value.model_dump())
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for v in value:
            yield from _strings(v)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            yield from _strings(getattr(value, name, None))


def _store_items(store: Any) -> Iterable[Any]:
    for attr in ("values", "all", "items"):
        fn = getattr(store, attr, None)
        if callable(fn):
            try:
                got = fn()
            except TypeError:
                continue
            return list(got.values()) if isinstance(got, dict) else list(got)
    return list(store) if hasattr(store, "__iter__") else []


def duty_roster(window: Any) -> Any:
    """The duty roster the 值班 dock shows (centres, seats, officers: the server's data), or None."""
    panel = getattr(getattr(window, "duty", None), "panel", None)
    roster = getattr(panel, "roster", None)
    return roster.model_dump(mode="json") if roster is not None else None


def data_strings(core: Any, *extra: Any) -> list[str]:
    """The data an operator may see in Chinese: the picture's stores, the gateway's layers
    and plans, the district catalogue, and ``extra`` (scenario, typed text); longest first."""
    found: set[str] = set()
    picture = core.picture
    for name in ("alerts", "devices", "cameras", "incidents", "tasks", "notices", "indicators"):
        store = getattr(picture, name, None)
        if store is not None:
            for item in _store_items(store):
                found.update(_strings(item))
    found.update(_strings(list(picture.units.values())))
    found.update(_strings(getattr(core, "layers", {})))
    found.update(_strings(getattr(core, "plans", None)))
    from console.wartime import bundled_plans

    found.update(_strings(list(bundled_plans().values())))  # the plans the console ships (step texts)
    from district.catalogue import catalogue

    cat = catalogue()
    found.update(cat.street_name.values())  # the camera tree says "马峦 Street"
    found.update(cat.community_name.values())
    found.update(u.name for u in cat.units if isinstance(getattr(u, "name", None), str))
    for value in extra:
        found.update(_strings(value))
    # Strip whole data strings and their words (a table cell shows a name, a label "街道 · 社区").
    pieces = {p for s in found for p in re.split(r"[\s/·、，,:：()（）]+", s)} | found
    return sorted((s for s in pieces if s and CJK.search(s)), key=len, reverse=True)


def without_data(text: str, data: list[str]) -> str:
    for s in data:
        if s in text:
            text = text.replace(s, " ")
    return text


# ---------------------------------------------------------------------------- what is on screen


def _model_texts(model: QAbstractItemModel) -> Iterator[tuple[str, str]]:
    try:
        cols = model.columnCount(QModelIndex())
    except TypeError:  # a list model keeps columnCount private in PySide6: one column
        cols = 1
    for c in range(cols):
        yield "header", str(model.headerData(c, Qt.Orientation.Horizontal) or "")
    for r in range(min(model.rowCount(QModelIndex()), MAX_ROWS)):
        for c in range(cols):
            value = model.data(model.index(r, c), Qt.ItemDataRole.DisplayRole)
            if isinstance(value, str):
                yield f"cell {r},{c}", value


def visible_texts(window: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) for everything an operator can read in the window."""
    yield "window title", window.windowTitle()
    for w in window.findChildren(QWidget):
        if not w.isVisible():
            continue
        where = f"{type(w).__name__} {w.objectName()!r}"
        if isinstance(w, QLabel):
            yield where, TAG.sub("", w.text())
        elif isinstance(w, QAbstractButton):
            yield where, w.text()
        elif isinstance(w, QGroupBox):
            yield where, w.title()
        elif isinstance(w, QDockWidget):
            yield where, w.windowTitle()
        elif isinstance(w, QTabBar):
            for i in range(w.count()):
                yield f"{where} tab {i}", w.tabText(i)
        elif isinstance(w, QComboBox):
            yield where, w.currentText()
        elif isinstance(w, QLineEdit):
            yield f"{where} placeholder", w.placeholderText()
        if isinstance(w, QAbstractItemView) and not isinstance(w, QHeaderView) and w.model() is not None:
            for part, text in _model_texts(w.model()):
                yield f"{where} {part}", text
    bar = getattr(window, "menuBar", None)
    if callable(bar):
        for action in bar().actions():
            yield "menu", action.text()
            menu = action.menu()
            if isinstance(menu, QMenu):
                for sub in menu.actions():
                    yield f"menu {action.text()}", sub.text()


def chinese_left(window: QWidget, data: list[str]) -> list[str]:
    """What the window shows in Chinese that is not data."""
    return sorted({f"{where}: {text!r}" for where, text in visible_texts(window)
                   if text and CJK.search(without_data(text, data))})


def save_shot(window: QWidget, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get(SHOTS_ENV) or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    assert window.grab().save(str(path), "PNG")
    return path


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture
def english(qapp: Any) -> Iterator[None]:
    from widgets import i18n

    assert i18n.install_translator(qapp, "en") is not None
    try:
        yield
    finally:
        i18n.install_translator(qapp, "zh_CN")


@pytest.fixture
def supervisor(feed: Any, console_loop: asyncio.AbstractEventLoop, qtbot: Any,  # noqa: F811
               tmp_path: Path) -> Iterator[SimpleNamespace]:
    from widgets.bridge import PictureNotifier
    from console.runtime import ConsoleConfig, ConsoleCore

    core = ConsoleCore(ConsoleConfig(backend_url=feed.url, cache_dir=tmp_path / "cache", operator="值班长甲",
                                     role="supervisor", max_backoff_s=0.5))
    run_task(console_loop, qtbot, core.start())
    console = SimpleNamespace(core=core, notifier=PictureNotifier(core.picture), loop=console_loop, feed=feed)
    try:
        yield console
    finally:
        stop_core(console, qtbot)


# ---------------------------------------------------------------------------- tests


def test_main_window_speaks_english(english: None, supervisor: SimpleNamespace, qtbot: Any,
                                                 tmp_path: Path) -> None:
    from widgets.shell.main_window import MainWindow

    core = supervisor.core
    window = MainWindow(core, supervisor.notifier)
    qtbot.addWidget(window)
    window.resize(1600, 1000)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: core.picture.connection.state == "live", timeout=30000)
    qtbot.waitUntil(lambda: len(_store_items(core.picture.alerts)) >= 3, timeout=30000)
    qtbot.waitUntil(lambda: "resources" in core.layers, timeout=30000)
    qtbot.wait(1500)  # the coalesced views catch up
    save_shot(window, "main-window-en.png", tmp_path)
    left = chinese_left(window, data_strings(core, "值班长甲", duty_roster(window)))
    window.close()
    assert not left, "Chinese outside data in the English main window:\n" + "\n".join(left)


def test_wartime_window_speaks_english(english: None, supervisor: SimpleNamespace, qtbot: Any,
                                       tmp_path: Path) -> None:
    from widgets.shell.main_window import MainWindow

    core = supervisor.core
    window = MainWindow(core, supervisor.notifier)
    qtbot.addWidget(window)
    window.resize(1600, 1000)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: core.picture.connection.state == "live", timeout=30000)
    qtbot.waitUntil(lambda: "resources" in core.layers, timeout=30000)
    mode = window.wartime_mode
    assert mode is not None
    mode.actions["declare"].trigger()
    dialog = mode.declare_dialog
    dialog.type_box.setCurrentIndex(dialog.type_box.findData("rainstorm_flood"))
    dialog.level_box.setCurrentIndex(dialog.level_box.findData(2))
    dialog.street_box.setCurrentIndex(dialog.street_box.findData("maluan"))
    reason = "小时雨量超 50 毫米，坪环社区多处积水"
    dialog.reason.setPlainText(reason)
    iid = dialog.submit()
    assert iid
    qtbot.waitUntil(lambda: mode.mode == "wartime", timeout=20000)
    qtbot.waitUntil(lambda: core.picture.incidents.get(iid) is not None, timeout=20000)
    qtbot.waitUntil(lambda: mode.command_panel.plan_table.rowCount() > 0, timeout=5000)
    qtbot.wait(1000)
    save_shot(window, "wartime-window-en.png", tmp_path)
    left = chinese_left(window, data_strings(core, "值班长甲", reason, duty_roster(window)))
    window.close()
    assert not left, "Chinese outside data in the English wartime window:\n" + "\n".join(left)


def test_drill_window_speaks_english(english: None, console_loop: asyncio.AbstractEventLoop,  # noqa: F811
                                     qtbot: Any, tmp_path: Path) -> None:
    import yaml

    from console.drill.session import DrillSession
    from widgets.bridge import PictureNotifier
    from console.runtime import ConsoleConfig, ConsoleCore
    from widgets.drill_bar import attach_drill_ui
    from widgets.shell.main_window import MainWindow

    session = DrillSession(FIRE, tmp_path / "drills", speed=1)
    core = ConsoleCore(ConsoleConfig(**session.console_config_fields()))
    run_task(console_loop, qtbot, core.start())
    console = SimpleNamespace(core=core, notifier=PictureNotifier(core.picture), loop=console_loop)
    window = MainWindow(core, console.notifier)
    qtbot.addWidget(window)
    attach_drill_ui(window, session)
    window.resize(1600, 1000)
    window.show()
    try:
        qtbot.waitUntil(lambda: core.picture.connection.state == "drill", timeout=10_000)
        qtbot.keyClick(window, Qt.Key.Key_N)  # the first inject: an alert on screen
        qtbot.waitUntil(lambda: session.engine.now_s >= 180, timeout=10_000)
        qtbot.wait(1500)
        save_shot(window, "drill-window-en.png", tmp_path)
        scenario = yaml.safe_load(FIRE.read_text(encoding="utf-8"))
        left = chinese_left(window, data_strings(core, scenario, getattr(session, "operator", ""), duty_roster(window)))
        assert not left, "Chinese outside data in the English drill window:\n" + "\n".join(left)
    finally:
        window.close()
        stop_core(console, qtbot)
        session.close()  # a drill marks text exports process-wide until it is closed


def test_painted_and_page_texts_speak_english(english: None) -> None:
    """What lupdate could not see before and no widget walk reads: the video tile's painted
    state texts, the indicator units, the map page's own words and the core's codes
    (the map page as drawn: tests/ui/map/test_map_page_english.py)."""
    from PySide6.QtCore import QCoreApplication

    from console.texts import CONTEXT, TEXTS
    from widgets.indicators.cards import UNITS, display_unit, with_unit
    from widgets.map.page import page_labels
    from widgets.video_wall.tile import BADGES, state_texts

    for state in BADGES:
        badge, card = state_texts(state)
        assert badge and not CJK.search(badge + card), (state, badge, card)
    for unit in UNITS:
        assert not CJK.search(display_unit(unit)), unit
    assert with_unit(6, "件") == "6 cases"
    assert with_unit(1200, "个") == "1,200 units"
    assert with_unit(3.5, "平方公里") == "3.5 km²"
    labels = list(_strings(page_labels()))
    assert labels and not [t for t in labels if CJK.search(t)]
    untranslated = [s for s in TEXTS.values() if CJK.search(QCoreApplication.translate(CONTEXT, s))]
    assert not untranslated, untranslated


def test_units_stay_chinese_in_chinese(qapp: Any) -> None:
    from widgets.indicators.cards import with_unit
    from widgets.map.page import page_labels

    assert with_unit(6, "件") == "6件"
    assert with_unit(50, "AQI") == "50 AQI"
    assert page_labels()["title"] == "坪山区 · 态势一张图"


def test_wartime_refusals_and_map_kinds_speak_english(english: None, offline_console: SimpleNamespace,
                                                       qtbot: Any) -> None:
    """Every refusal the wartime core raises is a catalogue code (never Chinese put together in
    place), worded in English, and a dialog shows it so; the map's device and camera kinds too."""
    import ast

    from PySide6.QtCore import QCoreApplication

    import console.wartime
    from console.map_features import CAMERA_KIND_NAMES, DEVICE_KIND_NAMES
    from console.texts import TEXTS, render, say
    from widgets.map.page import page_labels
    from widgets.wartime import DeclareDialog

    raised = []
    for path in Path(console.wartime.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "WartimeError":
                raised.append((path.name, node.lineno))
                first = node.args[0] if node.args else None
                assert isinstance(first, ast.Call) and getattr(first.func, "id", "") == "spoken", \
                    f"{path.name}:{node.lineno}: a WartimeError without a console.texts code"
    assert len(raised) > 40
    codes = [code for code in TEXTS if code.startswith("war_")]
    params = {"street": "maluan", "ids": "R-7", "error": "disk I/O error"}
    for code in codes:
        text = render(say(code, **params), QCoreApplication.translate)
        assert text and not CJK.search(text), (code, text)
    dialog = DeclareDialog(offline_console.core.wartime)
    qtbot.addWidget(dialog)
    dialog.reason.setPlainText("")
    assert dialog.submit() is None
    assert dialog.error.text() and not CJK.search(dialog.error.text()), dialog.error.text()
    labels = page_labels()
    assert set(labels["device_kinds"]) == set(DEVICE_KIND_NAMES)
    assert set(labels["camera_kinds"]) == set(CAMERA_KIND_NAMES)
    for name in [*labels["device_kinds"].values(), *labels["camera_kinds"].values()]:
        assert name and not CJK.search(name), name
