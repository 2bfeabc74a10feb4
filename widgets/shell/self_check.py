"""``pingshan-console --self-check``: does this installation work?  Exit 0, or say what failed.

Runs offscreen (no display needed, so an installer can run it), in a throw-away
cache, and checks, each with a bounded wait:

1. 本地缓存 — a picture (alerts, a camera) is saved to a fresh cache through the
   core's own ingest, and a second core restores it from the cache alone;
2. 主窗口 — the main window opens with the restored alerts in the queue (the time
   from process start to this point is the cold start to a usable window);
3. 地图 — the Leaflet page loads from the bundled assets and draws cached tiles
   through the product's own offline path: tiles drawn by the bundled demo feed's
   renderer are put into the seat's MBTiles cache (``<cache>/tiles.mbtiles``) before
   the core opens it, and the page asks for them through the ``pstile://`` scheme
   handler (:func:`cached_tile_url`), with no tile source configured;
4. 视频 — the video wall plays the bundled clip (``resources/selfcheck/clip.mp4``)
   through QtMultimedia's FFmpeg backend;
5. 网关 — with ``--backend`` (repeatable): each gateway's ``/readyz``; a street sub-centre's
   node also reports its link to the district (已连接 / 断开（本街道自主处置）).

Prints ``OK <check> …`` / ``FAIL <check> …`` lines and ``TIMING name=seconds`` lines.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from console.runtime import ConsoleCore
    from widgets.shell.main_window import MainWindow

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
CLIP = RESOURCES / "selfcheck" / "clip.mp4"
TILE_ZOOM = 13
STEP_TIMEOUT_S = 60.0
_IMPORTED_AT = time.monotonic()


def process_age_s() -> float:
    """Seconds since this process started (Linux: from /proc; elsewhere since import)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        start_ticks = int(fields[19])  # field 22, starttime, in clock ticks after boot
        with open("/proc/uptime", encoding="ascii") as fh:
            uptime = float(fh.read().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return time.monotonic() - _IMPORTED_AT


class Report:
    """Collects check results and prints them as they come."""

    def __init__(self) -> None:
        self.failed: list[str] = []
        self.timings: dict[str, float] = {}

    def ok(self, name: str, detail: str = "") -> None:
        print(f"OK   {name} {detail}".rstrip(), flush=True)

    def fail(self, name: str, detail: str) -> None:
        self.failed.append(name)
        print(f"FAIL {name} {detail}", flush=True)

    def time(self, name: str) -> float:
        value = round(process_age_s(), 2)
        self.timings[name] = value
        if os.environ.get("PINGSHAN_SELF_CHECK_TIMINGS") == "1":  # packaging/build.sh reads these
            print(f"TIMING {name}={value:.2f}", flush=True)
        return value


async def _until(cond: Callable[[], bool], timeout_s: float = STEP_TIMEOUT_S) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while loop.time() < deadline:
        try:
            if cond():
                return True
        except Exception:  # noqa: BLE001 - a condition that cannot be evaluated yet
            pass
        await asyncio.sleep(0.05)
    return bool(cond())


def seed_snapshot() -> Any:
    """A small picture: three alerts and one camera whose stream is the bundled clip."""
    from PySide6.QtCore import QUrl

    from console.models import Snapshot

    now = datetime.now(timezone.utc)
    clip = QUrl.fromLocalFile(str(CLIP)).toString()
    alerts = [
        {"id": f"SC-{n}", "rev": 1, "level": level, "status": "new", "source": "grid_patrol",
         "category": "waterlogging", "title": f"自检告警 {n}", "street": "maluan",
         "location": {"lon": 114.39 + n / 100, "lat": 22.70}, "created_at": now - timedelta(minutes=n),
         "updated_at": now - timedelta(minutes=n)}
        for n, level in enumerate(("red", "orange", "yellow"), start=1)
    ]
    camera = {"id": "44031000001320009999", "rev": 1, "name": "自检视频", "kind": "road", "street": "maluan",
              "location": {"lon": 114.39, "lat": 22.70}, "status": "online",
              "streams": {"main": clip, "sub": clip}, "updated_at": now}
    return Snapshot.model_validate({"cursor": "0", "generated_at": now, "alerts": alerts, "cameras": [camera]})


def prepare_cached_tiles(cache_dir: Path) -> int:
    """Put the district's zoom-13 tiles (drawn by the bundled demo feed's renderer) into the
    seat's MBTiles tile cache ``<cache>/tiles.mbtiles``, pinned; returns how many.

    Call before the core starts: it opens that file as ``core.tiles``.
    """
    from console.catalogue import district
    from console.tiles import TILE_CACHE_FILE, tiles_in_area
    from offline_cache.tiles import MBTilesStore
    from simulator.tiles import render_tile

    lons = [p[0] for p in district().outline]
    lats = [p[1] for p in district().outline]
    bbox = (min(lons) - 0.08, min(lats) - 0.06, max(lons) + 0.08, max(lats) + 0.06)
    store = MBTilesStore(cache_dir / TILE_CACHE_FILE)
    try:
        n = store.put_many(((z, x, y, render_tile(z, x, y))
                            for z, x, y in tiles_in_area(bbox, TILE_ZOOM, TILE_ZOOM)), pinned=True)
        store.refresh_extent_metadata()
        return n
    finally:
        store.close()


def cached_tile_url(panel: Any) -> str:
    """The tile URL template of the map's own tile cache: ``pstile://<map>/{z}/{x}/{y}.png``,
    answered by the scheme handler from ``core.tiles`` (the MBTiles cache)."""
    url = getattr(panel, "tile_url", None)
    if not url:
        raise RuntimeError("地图没有可用的瓦片缓存（tiles.mbtiles）")
    return str(url)


ADD_TILES_JS = """
(function () {
  var m = window.consoleMap && window.consoleMap.map();
  if (!m) { return false; }
  window.__selfCheckTiles = {loaded: 0, errors: 0, done: false};
  var layer = L.tileLayer(%(url)s, {minNativeZoom: %(z)d, maxNativeZoom: %(z)d, minZoom: 1, maxZoom: 19});
  layer.on('tileload', function () { window.__selfCheckTiles.loaded += 1; });
  layer.on('tileerror', function () { window.__selfCheckTiles.errors += 1; });
  layer.on('load', function () { window.__selfCheckTiles.done = true; });
  layer.addTo(m);
  layer.bringToBack();
  return true;
})()
"""


def _distinct_colours(image: Any, step: int = 16) -> int:
    seen = set()
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            seen.add(image.pixel(x, y))
    return len(seen)


async def _check(args: argparse.Namespace, report: Report, cache_dir: Path) -> None:
    from console.runtime import ConsoleConfig, ConsoleCore
    from widgets.bridge import PictureNotifier
    from widgets.shell.main_window import MainWindow

    # 1. The cache: save a picture, restore it in a second core with no network.
    try:
        seeding = ConsoleCore(ConsoleConfig(backend_url=None, cache_dir=cache_dir, fetch_catalogues=False))
        await seeding.start()
        seeding.ingest.accept_snapshot(seed_snapshot())
        await seeding.stop()
    except Exception as exc:  # noqa: BLE001
        report.fail("cache", f"本地缓存无法写入：{type(exc).__name__}: {exc}")
        return
    tiles_prepared = 0
    try:
        tiles_prepared = prepare_cached_tiles(cache_dir)  # before the core opens tiles.mbtiles
    except Exception as exc:  # noqa: BLE001 - the map check says what failed; the others go on
        report.fail("map", f"无法准备缓存瓦片：{type(exc).__name__}: {exc}")
    core = ConsoleCore(ConsoleConfig(backend_url=None, cache_dir=cache_dir, operator="自检"))
    await core.start()
    window = None
    notifier = None
    try:
        alerts = len(core.picture.alerts)
        if alerts == 3 and len(core.picture.cameras) == 1:
            report.ok("cache", f"从本地缓存恢复 {alerts} 条告警、1 路视频")
        else:
            report.fail("cache", f"本地缓存恢复不完整：告警 {alerts}/3，视频 {len(core.picture.cameras)}/1")

        # 2. The main window, usable: shown, with the cached alerts in the queue.
        notifier = PictureNotifier(core.picture)
        window = MainWindow(core, notifier)
        window.resize(1600, 900)
        window.show()
        usable = await _until(lambda: window.isVisible() and window.windowHandle() is not None
                              and window.windowHandle().isExposed()
                              and window.alert_queue.model.rowCount() >= 3, 30)
        report.time("window_usable_s")
        if usable:
            report.ok("window", f"主窗口已打开，告警队列 {window.alert_queue.model.rowCount()} 行")
        else:
            report.fail("window", "主窗口未能显示缓存中的告警")

        # 3. The map from cached tiles.
        if tiles_prepared:
            await _check_map(window, report, core)

        # 4. The bundled clip on the video wall.
        wall = window.video_wall
        tiles = getattr(wall, "tiles", None)
        if not tiles:
            report.fail("video", "视频墙模块未能加载（QtMultimedia 缺失？）")
        elif await _until(lambda: any(t.frames_received > 0 for t in tiles), 30):
            tile = next(t for t in tiles if t.frames_received > 0)
            size = tile.frame_size
            report.ok("video", f"内置视频片段已解码 {tile.frames_received} 帧（{size.width()}×{size.height()}）")
            report.time("video_playing_s")
        else:
            states = ", ".join(f"{t.camera_id}:{t.state}" for t in tiles)
            report.fail("video", f"内置视频片段未能播放（{states}）")
        # 5. The gateways this seat is given (a street node also says how its link to the district is).
        for url in getattr(args, "backend", None) or ():
            from console.gateway import GatewayError
            from console.readiness import readiness

            try:
                report.ok("gateway", f"{url} {await readiness(url, getattr(args, 'verify', True))}")
            except GatewayError as exc:
                report.fail("gateway", f"{url} 无法连接：{exc}")
        if getattr(args, "screenshot", None) is not None:
            from widgets.grab import save_widget_png

            args.screenshot.mkdir(parents=True, exist_ok=True)
            save_widget_png(window, args.screenshot / "self-check.png")
    finally:
        if window is not None:
            window.close()
        if notifier is not None:
            notifier.stop()
        from console.shutdown import stop_core

        await stop_core(core)


async def _check_map(window: MainWindow, report: Report, core: ConsoleCore) -> None:
    panel = window.map_panel
    if not hasattr(panel, "view"):
        report.fail("map", "地图模块未能加载（QtWebEngine 缺失？）")
        return
    if not await _until(lambda: panel.is_ready, 60):
        report.fail("map", f"地图页面未能加载（load_ok={panel.load_ok}）")
        return
    try:
        url = cached_tile_url(panel)
    except Exception as exc:  # noqa: BLE001
        report.fail("map", f"无法使用瓦片缓存：{type(exc).__name__}: {exc}")
        return
    service = core.tiles
    hits_before = service.hits
    import json

    page = panel.view.page()
    results: dict[str, Any] = {}
    page.runJavaScript(ADD_TILES_JS % {"url": json.dumps(url), "z": TILE_ZOOM}, 0,
                       lambda value: results.__setitem__("added", value))
    if not await _until(lambda: "added" in results, 20) or not results["added"]:
        report.fail("map", "无法在地图上加载瓦片图层")
        return

    def poll() -> bool:
        page.runJavaScript("JSON.stringify(window.__selfCheckTiles)", 0,
                           lambda value: results.__setitem__("tiles", value))
        state = json.loads(results.get("tiles") or "{}")
        return bool(state.get("done")) and state.get("loaded", 0) > 0

    loaded = await _until(poll, 30)
    state = json.loads(results.get("tiles") or "{}")
    if not loaded:
        report.fail("map", f"缓存瓦片未能显示（{state}）")
        return
    await asyncio.sleep(0.5)  # one more frame for the compositor
    colours = _distinct_colours(panel.view.grab().toImage())
    if colours < 8:
        report.fail("map", f"地图画面几乎是空白（{colours} 种颜色）")
        return
    if service.hits <= hits_before or service.fetched:
        report.fail("map", f"瓦片不是来自 MBTiles 缓存（命中 {service.hits - hits_before}，下载 {service.fetched}）")
        return
    report.ok("map", f"地图已从 MBTiles 缓存经 pstile:// 绘制 {state.get('loaded')} 块瓦片"
                     f"（命中 {service.hits - hits_before}，{colours} 种颜色）")
    report.time("map_ready_s")


QUIET_LOGGING_RULES = "*.debug=false;*.info=false;*.warning=false;qt.*=false"
"""Qt's own categories off during the self-check: its output is one line per check."""


def check_profile(args: argparse.Namespace, report: Report) -> None:
    """The profile this installation starts with (``--profile``, else the installer's baked-in
    default, else the first-start choice) must exist and be valid; a production install
    without a gateway is reported (it starts and says 未配置网关) but does not fail."""
    from console.profiles import production_install, startup_profile

    start = startup_profile(getattr(args, "profile", None), args.cache)
    if start.failed:
        report.fail("profile", start.failed)
        return
    profile = start.profile
    if profile is None:
        report.ok("profile", "未指定配置：首次启动时由值班员选择")
        return
    if profile.gateway:
        where = "网关 " + "、".join(profile.gateways)
    elif production_install():
        where = "网关未配置：启动后请在“网关设置”中填写（不会使用演示数据）"
    else:
        where = "无网关：使用内置演示数据源（界面标明“演示数据”）"
    report.ok("profile", f"{profile.title}（{profile.name}），{where}")


class QuietStderr:
    """Send this process's stderr (fd 2, inherited by QtWebEngine's helper processes, where
    Chromium and FFmpeg write their warnings) to a file while the checks run; kept and named
    only when a check failed. ``PINGSHAN_SELF_CHECK_VERBOSE=1`` leaves stderr alone."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "self-check-stderr.log"
        self._saved: int | None = None

    def __enter__(self) -> QuietStderr:
        if os.environ.get("PINGSHAN_SELF_CHECK_VERBOSE") == "1":
            return self
        try:
            sys.stderr.flush()
            self._saved = os.dup(2)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(fd, 2)
            os.close(fd)
        except OSError:
            self._saved = None
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._saved is not None:
            sys.stderr.flush()
            os.dup2(self._saved, 2)
            os.close(self._saved)
            self._saved = None


def quiet_environment() -> None:
    """Qt logging categories off, Chromium to fatal errors only (before QtWebEngine loads)."""
    if os.environ.get("PINGSHAN_SELF_CHECK_VERBOSE") == "1":
        return
    os.environ["QT_LOGGING_RULES"] = QUIET_LOGGING_RULES
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "").split()
    if not any(f.startswith("--log-level") for f in flags):
        flags.append("--log-level=3")
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = " ".join(flags)
    os.environ.pop("QT_FFMPEG_DEBUG", None)


def run_self_check(args: argparse.Namespace) -> int:
    """The ``--self-check`` entry: offscreen, bounded, one line per check; 0 when all passed."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from widgets.shell.qt_env import prepare_qt_environment

    quiet_environment()
    prepare_qt_environment()
    log_dir = Path(tempfile.mkdtemp(prefix="pingshan-selfcheck-log-"))
    quiet = QuietStderr(log_dir)
    with quiet:
        code = _run_checks(args)
    if code != 0 and quiet.path.is_file() and quiet.path.stat().st_size:
        print(f"详细输出：{quiet.path}", flush=True)  # the warnings, for whoever investigates
    else:
        shutil.rmtree(log_dir, ignore_errors=True)
    return code


def _run_checks(args: argparse.Namespace) -> int:
    cache_dir = Path(tempfile.mkdtemp(prefix="pingshan-selfcheck-"))
    report = Report()
    code = 1
    try:
        check_profile(args, report)
        try:
            import PySide6.QtWebEngineWidgets  # noqa: F401  (must precede the QApplication)
            from widgets.map.tile_scheme import register_tile_scheme  # pstile:// map tiles, as run_gui does

            register_tile_scheme()
        except ImportError as exc:
            report.fail("webengine", f"QtWebEngine 无法加载：{exc}")
        import qasync
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication

        from widgets import i18n, theme

        QApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts, True)
        existing = QApplication.instance()
        app = existing if isinstance(existing, QApplication) else QApplication(
            [sys.argv[0] if sys.argv else "pingshan-console"])
        app.setQuitOnLastWindowClosed(False)  # the check ends by itself, after the core stopped
        family = theme.load_cjk_font(app)  # type: ignore[arg-type]
        if family:
            report.ok("font", f"中文字体 {family}")
        else:
            report.fail("font", "没有可用的中文字体")
        i18n.install_translator(app, args.lang)  # type: ignore[arg-type]
        theme.apply_theme(app)  # type: ignore[arg-type]
        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        with loop:
            loop.run_until_complete(asyncio.wait_for(_check(args, report, cache_dir), 240))
        code = 0 if not report.failed else 1
    except Exception as exc:  # noqa: BLE001 - the self-check reports, it never shows a traceback
        report.fail("self-check", f"{type(exc).__name__}: {exc}")
        code = 1
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    print("SELF-CHECK " + ("PASSED" if code == 0 else "FAILED: " + ", ".join(report.failed)), flush=True)
    return code
