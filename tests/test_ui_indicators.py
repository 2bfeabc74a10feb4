"""指标 tiles: catalogue names and targets, live values from the real feed."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from test_ui_support import console_loop, live_console  # noqa: F401  (fixtures)
from console.indicators import DERIVED_IDS
from widgets.indicator_panel import HEADLINE_IDS, IndicatorPanel, format_value

pytestmark = pytest.mark.timeout(120)


def test_headline_ids_are_in_the_catalogue() -> None:
    from console import catalogue

    ids = {i.id for i in catalogue.indicators()}
    assert 8 <= len(HEADLINE_IDS) <= 12
    assert set(HEADLINE_IDS) <= ids, set(HEADLINE_IDS) - ids


def test_tiles_show_live_values(live_console: SimpleNamespace, qtbot: Any) -> None:
    from console import catalogue

    specs = {i.id: i for i in catalogue.indicators()}
    panel = IndicatorPanel(live_console.core, live_console.notifier)
    qtbot.addWidget(panel)
    panel.resize(560, 520)
    panel.show()
    qtbot.waitExposed(panel)

    assert list(panel.tiles) == list(HEADLINE_IDS)
    for ind_id, tile in panel.tiles.items():
        assert tile.title == specs[ind_id].name_zh
        assert tile.unit == specs[ind_id].unit
        assert tile.target == specs[ind_id].target_2025

    store = live_console.core.picture.indicators
    # The snapshot carries current values; the feed refreshes them every few seconds.
    qtbot.waitUntil(lambda: sum(t.value is not None for t in panel.tiles.values()) >= 8, timeout=20000)
    for ind_id, tile in panel.tiles.items():
        latest = store.latest(ind_id)
        if latest is None:
            continue
        if ind_id in DERIVED_IDS:
            # Closed-loop figures are computed locally from the alert store.
            qtbot.waitUntil(lambda: panel.derived is not None
                            and tile.value == panel.derived.as_values()[ind_id], timeout=5000)
        else:
            qtbot.waitUntil(lambda: tile.value == store.latest(ind_id).value, timeout=5000)
        assert tile.value_text() == format_value(tile.value, tile.unit)
        assert tile.state in ("ok", "warn", "alarm")
        if tile.target is not None:
            assert tile.progress() is not None and 0.0 <= tile.progress() <= 1.0

    # Values keep arriving: some tile gathers history for its sparkline.
    qtbot.waitUntil(lambda: any(len(t.history) >= 2 for t in panel.tiles.values()), timeout=30000)
    assert not panel.grab().isNull()
