"""``--lang en`` on the map's web page: the text the page draws itself (title, legend, status
line, coordinates, ring labels) comes from Python in English; only data stays Chinese.

The widget walk of tests/ui/test_i18n_english.py cannot see inside the web page; this reads
the page's ``document.body.innerText``."""

from __future__ import annotations

import re
from typing import Any, Iterator

import pytest

from tests.support.mapsupport import _alert, _Core, _district_layers, _make_panel, run_js

pytestmark = pytest.mark.timeout(120)

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff5e]")


@pytest.fixture
def english(qapp: Any) -> Iterator[None]:
    from widgets import i18n

    assert i18n.install_translator(qapp, "en") is not None
    try:
        yield
    finally:
        i18n.install_translator(qapp, "zh_CN")


def _data(value: Any) -> Iterator[str]:
    """Every string in the layers (street, community and feature names are data)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _data(v)
    elif isinstance(value, list):
        for v in value:
            yield from _data(v)


def test_map_page_speaks_english(english: None, qtbot: Any) -> None:
    layers = _district_layers()
    core = _Core(layers)
    panel, _notifier = _make_panel(qtbot, core)
    core.picture.apply(_alert("A1"))
    panel.show_rings(114.35, 22.72)
    qtbot.waitUntil(lambda: bool(run_js(qtbot, panel, "window.consoleMap.ringCount()")), timeout=10000)
    text = run_js(qtbot, panel, "document.body.innerText") or ""
    assert "Pingshan District" in text and "Lon" in text
    data = sorted({s for s in _data(layers) if CJK.search(s)}, key=len, reverse=True)
    left = []
    for line in text.splitlines():
        for s in data:
            line = line.replace(s, " ")
        if CJK.search(line):
            left.append(line)
    assert not left, "Chinese on the English map page outside data:\n" + "\n".join(left)
