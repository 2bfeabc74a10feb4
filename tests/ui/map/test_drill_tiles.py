"""A drill's base map: the package's tiles (or tiles drawn for a plain scenario) go into the
drill's own MBTiles cache and the map draws them through pstile:// with no network."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path
from typing import Any, Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")

from PySide6.QtWebEngineWidgets import QWebEngineView  # noqa: E402,F401  (before QApplication)

from tests.support.mapsupport import _make_panel, run_js  # noqa: E402
from tests.support.qtsupport import run_task  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
SLOPE = ROOT / "resources" / "scenarios" / "slope_tiantou.yaml"


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every IP connection from this process fails (and is recorded); local socketpairs still work."""
    attempts: list[Any] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            attempts.append(address)
            raise OSError("network blocked by the test")
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            attempts.append(address)
            return 111
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield attempts


def _package(tmp_path: Path) -> Path:
    from console.drill.package import pack_scenario

    return pack_scenario(SLOPE, tmp_path / "slope.drill", clips=0)


def test_a_scenario_drill_draws_its_tiles_into_its_own_cache_with_no_source(tmp_path: Path) -> None:
    from console.drill.session import DrillSession
    from console.drill.tiles import scenario_tile_list
    from console.runtime import ConsoleConfig, ConsoleCore
    from console.tiles import lonlat_to_tile

    session = DrillSession(SLOPE, tmp_path / "drills")
    try:
        info = session.tiles
        assert info is not None and info.origin == "rendered"
        assert info.path == session.console_dir / "tiles.mbtiles"
        assert info.tiles == len(scenario_tile_list(session.scenario)) > 20
        # A tile_source.json left in the drill's folder is ignored: a drill never fetches tiles.
        (session.console_dir / "tile_source.json").write_text(
            '{"url": "http://127.0.0.1:9/{z}/{x}/{y}.png"}', encoding="utf-8")
        core = ConsoleCore(ConsoleConfig(**session.console_config_fields()))
        core._open_tiles(session.console_dir)
        try:
            assert core.tiles.source is None and not core.tiles.may_fetch()
            assert core.tiles.store.count() == info.tiles
            # the district at 13, the scenario's area (田头) at 15, pinned against the size cap
            assert core.tiles.cached(13, *lonlat_to_tile(114.35, 22.72, 13))[:4] == b"\x89PNG"
            assert core.tiles.cached(15, *lonlat_to_tile(114.41, 22.727, 15))[:4] == b"\x89PNG"
            assert core.tiles.store.pinned_bytes() == core.tiles.store.total_bytes() > 0
            assert core.tiles.store.metadata()["maxzoom"] == "15"
        finally:
            core.tiles.close()
    finally:
        session.close()


def test_a_scenario_drill_in_a_window_gets_clips_of_its_own_cameras(tmp_path: Path) -> None:
    from console.drill.session import SCENARIO_CLIPS, DrillSession

    session = DrillSession(SLOPE, tmp_path / "drills")
    try:
        assert 0 < len(session.clip_paths) <= SCENARIO_CLIPS
        for cid, path in session.clip_paths.items():
            assert path.read_bytes()[:1] == b"\x47"  # an MPEG-TS packet: real H.264 from the feed's encoder
            cam = session.engine.world.cameras[cid]
            assert cam.streams.sub == path.resolve().as_uri() == cam.streams.main
    finally:
        session.close()
    headless = DrillSession(SLOPE, tmp_path / "drills", base_map=False)  # no window: no clips to make
    try:
        assert headless.clip_paths == {}
    finally:
        headless.close()


def test_a_package_drill_copies_the_package_tiles(tmp_path: Path) -> None:
    from console.drill.session import DrillSession

    pkg = _package(tmp_path)
    session = DrillSession(pkg, tmp_path / "drills")
    try:
        assert session.package is not None
        assert session.tiles.origin == "package" and session.tiles.tiles == session.package.tile_count() > 0
        # ``drill pack`` packs the same tiles a plain scenario's drill draws at start
        from console.drill.tiles import scenario_tile_list

        assert session.tiles.tiles == len(scenario_tile_list(session.scenario))
    finally:
        session.close()


@pytest.mark.parametrize("kind", ["scenario", "package"])
def test_drill_map_draws_tiles_from_the_drill_cache_with_sockets_blocked(
        kind: str, console_loop: asyncio.AbstractEventLoop, qtbot: Any, tmp_path: Path,  # noqa: F811
        no_network: list[Any]) -> None:
    from console.drill.session import DrillSession
    from console.runtime import ConsoleConfig, ConsoleCore
    from console.shutdown import stop_core

    path = SLOPE if kind == "scenario" else _package(tmp_path)
    session = DrillSession(path, tmp_path / "drills", speed=1)
    core = ConsoleCore(ConsoleConfig(**session.console_config_fields()))
    run_task(console_loop, qtbot, core.start())
    try:
        qtbot.waitUntil(lambda: core.picture.connection.state == "drill", timeout=10_000)
        from PySide6.QtWebEngineCore import QWebEngineProfile

        from widgets.map.tile_scheme import tile_handler

        shared = tile_handler(QWebEngineProfile.defaultProfile())
        cache_before, source_before = shared.served_from_cache, shared.served_from_source
        panel, _n = _make_panel(qtbot, core)
        assert panel._tile_handler is shared
        assert run_js(qtbot, panel, "consoleMap.hasBaseTiles()") is True
        qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.tileStats().loaded") >= 4, timeout=20_000)
        assert core.tiles.hits >= 4 and core.tiles.fetched == 0
        # The handler is one per web profile, shared with earlier maps: count this map's answers.
        assert panel._tile_handler.served_from_cache - cache_before >= 4
        assert panel._tile_handler.served_from_source == source_before
        # cached tiles only: the panel says so
        assert panel.offline_map
        assert run_js(qtbot, panel, "consoleMap.modeText()") == "离线地图"
        assert run_js(qtbot, panel, "window.consoleMapErrors.length") == 0
        assert no_network == []
        qtbot.waitUntil(lambda: run_js(qtbot, panel, "consoleMap.tilesIdle()") is True, timeout=20_000)
        shots = Path(os.environ.get("MAP_SHOTS") or tmp_path)  # keep the picture with MAP_SHOTS=<dir>
        shots.mkdir(parents=True, exist_ok=True)
        panel.grab().save(str(shots / f"drill-map-{kind}.png"))
    finally:
        run_task(console_loop, qtbot, stop_core(core))
        session.close()
