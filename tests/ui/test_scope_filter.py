"""A street profile sees only its street's data: through the gateway's ``scope=`` and,
with an unscoped gateway, through the local filter alone (console/scope_filter.py)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from console.feed_process import FeedProcess
from console.models import envelope_adapter
from console.runtime import ConsoleConfig, ConsoleCore
from console.scope_filter import ScopedPicture, ScopeFilter, picture_for
from console.stores import OperatingPicture
from tests.support.asyncsupport import feed_state, run, until

STREET = "maluan"


def core_for(url: str, cache: Path, **kwargs: Any) -> ConsoleCore:
    return ConsoleCore(ConsoleConfig(backend_url=url, cache_dir=cache, max_backoff_s=1.0,
                                     keepalive_timeout_s=5.0, **kwargs))


def assert_only_street(picture: Any, street: str) -> None:
    mine = (street, None)
    assert all(a.street in mine for a in picture.alerts.values())
    assert all(d.street in mine for d in picture.devices.values())
    assert all(c.street in mine for c in picture.cameras.values())
    assert all(i.street in mine for i in picture.incidents.values())
    for task in picture.tasks.values():
        incident = picture.incidents.get(task.incident_id)
        assert incident is not None and incident.street in mine
    assert all(v.street in mine for v in picture.indicators.values())


def _seen_reading_devices(picture: Any) -> set[str]:
    """Every device a reading was kept for (the store's own index)."""
    return set(picture.readings._latest)  # noqa: SLF001


def test_street_profile_with_scoped_gateway_sees_only_its_street(feed_factory: Any, tmp_path: Path) -> None:
    feed: FeedProcess = feed_factory(seed=3, alerts_per_s=4, readings_per_s=40)

    async def main() -> None:
        core = core_for(feed.url or "", tmp_path / "cache", scope=STREET)
        try:
            await core.start()
            assert isinstance(core.picture, ScopedPicture)
            assert await core.wait_live(30)
            state = await feed_state(feed.url or "")
            await until(lambda: len(core.picture.alerts) >= 5 and len(core.picture.devices) > 0, 30, "street alerts")
            await until(lambda: core.ingest.accepted >= 30, 30, "live envelopes")
            assert_only_street(core.picture, STREET)
            assert _seen_reading_devices(core.picture) <= {d.id for d in core.picture.devices.values()}
            # The district has much more than this street.
            assert len(core.picture.devices) < state["counts"]["devices"]
            assert len(core.picture.cameras) < state["counts"]["cameras"]
            assert any(a.street == STREET for a in core.picture.alerts.values())
        finally:
            await core.stop()

    run(main(), timeout=120)


def test_local_filter_alone_holds_the_line_against_an_unscoped_feed(feed_factory: Any, tmp_path: Path) -> None:
    feed: FeedProcess = feed_factory(seed=3, alerts_per_s=4, readings_per_s=40)

    async def main() -> None:
        core = core_for(feed.url or "", tmp_path / "cache")  # the gateway is asked for the whole district
        core.picture = picture_for(STREET)  # ... but the stores admit only maluan's objects
        try:
            await core.start()
            assert await core.wait_live(30)
            await until(lambda: core.ingest.accepted >= 60, 40, "live envelopes")
            await until(lambda: core.picture.scope_filter.dropped["alert.upsert"] > 0, 40, "other streets' alerts dropped")
            state = await feed_state(feed.url or "")
            assert_only_street(core.picture, STREET)
            assert _seen_reading_devices(core.picture) <= {d.id for d in core.picture.devices.values()}
            dropped = core.picture.scope_filter.dropped
            assert dropped["device.upsert"] > 0 and dropped["camera.upsert"] > 0
            assert 0 < len(core.picture.devices) < state["counts"]["devices"]
            assert any(d.street == STREET for d in core.picture.devices.values())
        finally:
            await core.stop()

    run(main(), timeout=120)


def test_cache_of_a_district_console_restores_narrowed_for_a_street(feed_factory: Any, tmp_path: Path) -> None:
    """A workstation switched from the district profile to a street: the cached picture
    (snapshot tables and journal) comes back through the same filter."""
    feed: FeedProcess = feed_factory(seed=5, alerts_per_s=4, readings_per_s=20)
    cache = tmp_path / "cache"

    async def main() -> None:
        district = core_for(feed.url or "", cache)
        try:
            await district.start()
            assert await district.wait_live(30)
            await until(lambda: district.ingest.accepted >= 20, 30, "live envelopes")
            streets = {a.street for a in district.picture.alerts.values()}
            assert len(streets - {None}) > 1
        finally:
            await district.stop()
        street = ConsoleCore(ConsoleConfig(backend_url=None, cache_dir=cache, scope=STREET))
        try:
            await street.start()
            assert len(street.picture.alerts) > 0
            assert_only_street(street.picture, STREET)
            assert street.picture.scope_filter.dropped["alert.upsert"] > 0
        finally:
            await street.stop()

    run(main(), timeout=120)


def _env(kind: str, payload: dict[str, Any], street: str | None = None, eid: str = "1") -> Any:
    return envelope_adapter.validate_python({
        "v": 1, "id": eid, "type": kind, "ts": datetime(2026, 11, 28, 7, tzinfo=timezone.utc),
        "scope": {"street": street}, "payload": payload})


def _alert(aid: str, street: str | None, category: str = "fire") -> dict[str, Any]:
    now = datetime(2026, 11, 28, 7, tzinfo=timezone.utc)
    return {"id": aid, "rev": 1, "level": "red", "status": "new", "source": "grid_patrol", "category": category,
            "title": "t", "street": street, "created_at": now, "updated_at": now}


def test_filter_rules_without_a_feed() -> None:
    pic = picture_for(STREET)
    assert isinstance(pic, ScopedPicture)
    assert type(picture_for(None)) is OperatingPicture
    pic.apply(_env("alert.upsert", _alert("a1", "maluan"), "maluan"))
    pic.apply(_env("alert.upsert", _alert("a2", "biling"), "biling"))
    pic.apply(_env("alert.upsert", _alert("a3", "biling"), None))  # unscoped envelope, foreign payload
    pic.apply(_env("alert.upsert", _alert("a4", None), None))  # district-wide warning: everyone's
    assert sorted(a.id for a in pic.alerts.values()) == ["a1", "a4"]
    assert pic.scope_filter.dropped["alert.upsert"] == 2
    notice = _env("notice", {"id": "n1", "text": "全区通知"}, "biling")
    assert pic.apply(notice)

    dept = picture_for(None, ("waterlogging",))
    dept.apply(_env("alert.upsert", _alert("w1", "biling", "waterlogging")))
    dept.apply(_env("alert.upsert", _alert("f1", "biling", "fire")))
    assert [a.id for a in dept.alerts.values()] == ["w1"]
    assert ScopeFilter().active is False


def test_street_profile_opens_the_map_on_its_street(offline_console: Any, qtbot: Any) -> None:
    """The main window of a street profile: header names the sub-centre, map fits the street."""
    import json as _json

    from console.profiles import load_profiles
    from widgets.shell.deployment import apply_profile_to_window, street_bounds
    from widgets.shell.main_window import MainWindow

    from dataclasses import replace

    window = MainWindow(offline_console.core, offline_console.notifier)
    qtbot.addWidget(window)
    apply_profile_to_window(window, replace(load_profiles().get("kengzi"), panels=("map", "queue")))
    window.show()
    assert window.docks["map"].isVisible() and window.docks["queue"].isVisible()
    assert not window.docks["video"].isVisible() and not window.docks["indicators"].isVisible()
    assert window.header.subtitle.text() == "坑梓街道分中心"
    panel = window.map_panel
    qtbot.waitUntil(lambda: panel.is_ready, timeout=60000)
    extent = panel._street_extent  # noqa: SLF001
    qtbot.waitUntil(lambda: extent.applied, timeout=10000)
    box: list[Any] = []
    panel.view.page().runJavaScript("JSON.stringify(window.consoleMap.map().getCenter())", 0, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=5000)
    centre = _json.loads(box[0])
    south, west, north, east = street_bounds("kengzi")
    assert south <= centre["lat"] <= north and west <= centre["lng"] <= east
    window.close()
