"""How this workstation runs: its profile, its wall, its detached panels.

The hooks ``widgets/shell/app.py`` calls, kept here so the entry point stays small:

- :func:`prepare` (before any QApplication): resolve ``--profile`` (or the baked-in
  default, or the remembered first-start choice) and validate ``--wall``; a broken
  profile or wall config never stops the console: it starts with the district
  profile (and no wall), says why on stderr and, once the window is up, in a
  message box (:func:`show_startup_notices`);
- :func:`choose_profile` (on the loop): ask the operator at first start
  (:mod:`widgets.shell.profile_dialog`), remember the answer, and set the gateway from the
  profile unless ``--backend``/``--demo`` said otherwise;
- :func:`core_options`: scope, department categories and CA file for ``ConsoleConfig``;
- :func:`attach` (after the main window exists): panels the profile shows, the wall
  controller for ``--wall``, the detach/re-dock menu.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import TYPE_CHECKING, Any

from console.profiles import (Profile, fallback_profile, load_profiles, production_install, remember_choice,
                              startup_profile)
from console.wall_config import WallConfigError, load_wall_config

if TYPE_CHECKING:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QWidget

    from console.runtime import ConsoleCore
    from widgets.bridge import PictureNotifier
    from widgets.shell.main_window import MainWindow

log = logging.getLogger(__name__)


def _interactive(args: argparse.Namespace) -> bool:
    """A person is in front of the screen (not a screenshot run, not headless)."""
    if getattr(args, "screenshot", None) is not None:
        return False
    return not os.environ.get("QT_QPA_PLATFORM", "").startswith(("offscreen", "minimal"))


def prepare(args: argparse.Namespace, argv: list[str]) -> int | None:
    """Resolve the profile and load the wall config. Never an exit code for a broken
    file: the console starts with the district profile (no wall) and the reasons go to
    ``args.startup_notices`` (stderr now, a message box once the window is up)."""
    args.profile_obj = None
    args.wall_config = None
    start = startup_profile(getattr(args, "profile", None), args.cache)
    notices = list(start.notices)
    profile = start.profile
    if profile is None and not _interactive(args):
        profile = fallback_profile(start.catalogue)
    args.profile_obj = profile
    args.profile_catalogue = start.catalogue
    if getattr(args, "wall", None) is not None:
        try:
            args.wall_config = load_wall_config(args.wall)
        except WallConfigError as exc:
            notices.append(f"大屏配置不可用，本次不启用大屏：{exc}")
    args.startup_notices = notices
    for notice in notices:
        log.warning("%s", notice)
        print(f"坪山值班台：{notice}", file=sys.stderr)
    if args.profile_obj is not None and "--lang" not in argv:
        args.lang = args.profile_obj.language
    return None


def show_startup_notices(window: Any, notices: list[str]) -> Any:
    """Tell the operator what was wrong with the configuration and what runs instead:
    a non-modal message box (shown, never exec(): the asyncio loop runs on this thread) and
    the status bar. Returns the box (None when there is nothing to say)."""
    if not notices:
        return None
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtWidgets import QMessageBox

    translate = QCoreApplication.translate
    box = QMessageBox(QMessageBox.Icon.Warning, translate("Deployment", "配置有误"),
                      translate("Deployment", "部分配置文件有误，值班台已按默认配置启动："), QMessageBox.StandardButton.Ok,
                      window)
    box.setObjectName("StartupNotices")
    box.setInformativeText("\n\n".join(notices))
    box.setWindowModality(Qt.WindowModality.NonModal)  # the console works while it is shown
    box.show()
    status = getattr(window, "status", None)
    if status is not None and hasattr(status, "show_message"):
        status.show_message(notices[-1], error=True, timeout_ms=120000)
    return box



def _apply_gateway(args: argparse.Namespace, profile: Profile) -> None:
    """The profile's gateway, unless the command line chose ``--backend`` or ``--demo``."""
    if profile.gateway and not args.backend and not getattr(args, "demo_requested", False):
        args.backend = list(profile.gateways)
        args.demo = False


async def choose_profile(args: argparse.Namespace) -> Profile:
    """The profile to run (asks at first start); sets the gateway from it."""
    profile: Profile | None = getattr(args, "profile_obj", None)
    if profile is None and not _interactive(args):
        profile = fallback_profile(load_profiles(args.cache))
    if profile is None:
        from widgets.shell.profile_dialog import ask_profile

        catalogue = getattr(args, "profile_catalogue", None) or load_profiles(args.cache)
        profile = await ask_profile(catalogue.ordered())
        if profile is None:
            profile = fallback_profile(catalogue)
            log.info("no profile chosen; running as %s this time", profile.name)
        else:
            try:
                remember_choice(args.cache, profile.name)
            except OSError:
                log.exception("profile choice not remembered")
            if profile.language != args.lang:
                from PySide6.QtWidgets import QApplication

                from widgets import i18n

                args.lang = profile.language
                i18n.install_translator(QApplication.instance(), profile.language)  # type: ignore[arg-type]
        args.profile_obj = profile
    _apply_gateway(args, profile)
    log.info("profile %s (%s), scope %s", profile.name, profile.title, profile.gateway_scope or profile.scope)
    return profile


def data_mode(args: argparse.Namespace) -> str:
    """Where this run's data comes from (``ConsoleConfig.data_mode``): ``demo`` when the embedded
    feed runs (asked for with ``--demo``, or a profile without a gateway on a non-production
    install), ``unconfigured`` when a production install has no gateway (the demo feed is then
    NOT started: never simulated silently), else ``live``."""
    if getattr(args, "drill", None) is not None:
        return "live"
    if args.demo and not getattr(args, "demo_requested", False) and production_install():
        args.demo = False
        return "unconfigured"
    return "demo" if args.demo else "live"


def core_options(args: argparse.Namespace) -> dict[str, Any]:
    """``ConsoleConfig`` fields the profile decides."""
    profile: Profile | None = getattr(args, "profile_obj", None)
    if profile is None:
        return {}
    options: dict[str, Any] = {"scope": profile.gateway_scope}
    if profile.scope == "department":
        options["categories"] = profile.categories
    if profile.ca_file is not None:
        options["verify"] = profile.verify
    return options


class Deployment:
    """What :func:`attach` set up on the window; closed with the window."""

    def __init__(self) -> None:
        self.wall: Any = None
        self.detach: Any = None
        self.notices: Any = None  # the startup message box, if there was anything to say
        self.data_mode: Any = None  # widgets.shell.data_mode.DataModeUi

    def close(self) -> None:
        if self.data_mode is not None:
            self.data_mode.close()
        if self.wall is not None:
            self.wall.close()
            self.wall = None


def attach(window: MainWindow, core: ConsoleCore, notifier: PictureNotifier, args: argparse.Namespace) -> Deployment:
    """Profile panels and title, detach/re-dock menu, and the wall for ``--wall``."""
    deployment = Deployment()
    deployment.notices = show_startup_notices(window, list(getattr(args, "startup_notices", [])))
    from widgets.shell.data_mode import attach_data_mode_ui  # 演示数据 / 未配置网关, on every screen (issue 19)

    deployment.data_mode = attach_data_mode_ui(window, getattr(args, "data_mode", "live"), args, ask=_interactive(args))
    profile: Profile | None = getattr(args, "profile_obj", None)
    if profile is not None:
        apply_profile_to_window(window, profile)
    try:
        from widgets.shell.detach import DetachMenu

        deployment.detach = DetachMenu(window)
    except Exception:
        log.exception("detach menu unavailable")
    config = getattr(args, "wall_config", None)
    if config is not None:
        from widgets.wall import WallController

        deployment.wall = WallController(config, core, notifier, window, parent=window)
        deployment.wall.placement_changed.connect(lambda placement: report_placement(window, placement))
        report_placement(window, deployment.wall.start())
        if deployment.detach is not None:
            deployment.detach.extra_actions.append(_wall_settings_action(window, deployment, args, core))
    window.closed.connect(deployment.close)
    return deployment


def placement_text(placement: Any) -> str:
    """Tell the operator which wall screens are missing and where their panels went."""
    from PySide6.QtCore import QCoreApplication

    translate = QCoreApplication.translate
    names = {"map": translate("WallController", "地图"), "video": translate("WallController", "视频墙"),
             "queue": translate("WallController", "告警队列"), "indicators": translate("WallController", "指标")}
    missing = [label for label, name in placement.home.items() if name is None]
    if not missing:
        return ""
    parts = [translate("WallController", "{panel} → {screen}").format(panel=names.get(p, p), screen=s)
             for p, s in placement.guests.items()]
    parts += [translate("WallController", "{panel} 无处显示").format(panel=names.get(p, p)) for p in placement.parked]
    return translate("WallController", "大屏 {screens} 未连接：{moves}").format(
        screens="、".join(missing), moves="；".join(parts))


def report_placement(window: Any, placement: Any) -> None:
    text = placement_text(placement)
    status = getattr(window, "status", None)
    if text and status is not None and hasattr(status, "show_message"):
        status.show_message(text, error=True, timeout_ms=60000)


def _wall_settings_action(window: QWidget, deployment: Deployment, args: argparse.Namespace,
                          core: ConsoleCore) -> QAction:
    """面板 → 大屏设置…: edit the wall config, save it (the --wall file) and apply it live.
    Wall settings are the administrator's (issue 10): other seats see the entry disabled."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtGui import QAction, QGuiApplication

    action = QAction(QCoreApplication.translate("WallSettingsDialog", "大屏设置…"), window)
    if not core.can("settings"):
        action.setEnabled(False)
        action.setToolTip(QCoreApplication.translate("WallSettingsDialog", "大屏设置仅限系统管理员席位"))

    def open_dialog() -> None:
        from widgets.wall.settings import WallSettingsDialog

        wall = deployment.wall
        if wall is None:
            return
        dialog = WallSettingsDialog(wall.config, [s.name() for s in QGuiApplication.screens()], window)

        def finished(_result: int) -> None:
            config = dialog.chosen()
            dialog.deleteLater()
            if config is None or deployment.wall is None:
                return
            save_config(window, args, config)
            deployment.wall.reconfigure(config)

        dialog.finished.connect(finished)
        dialog.open()  # never exec(): the asyncio loop runs on this thread

    action.triggered.connect(lambda _c=False: open_dialog())
    return action


def save_config(window: Any, args: argparse.Namespace, config: Any) -> bool:
    """Keep an edited wall config in its file; a failure is a status-bar message."""
    from console.wall_config import save_wall_config

    try:
        save_wall_config(args.wall, config)
    except (OSError, WallConfigError) as exc:
        log.warning("wall config not saved: %s", exc)
        show = getattr(window, "show_error", None)
        if callable(show):
            from PySide6.QtCore import QCoreApplication

            show(QCoreApplication.translate("WallSettingsDialog", "大屏配置未能保存到 {path}：{reason}").format(
                path=args.wall, reason=exc))
        return False
    return True


def street_bounds(street: str, margin: float = 0.012) -> tuple[float, float, float, float] | None:
    """(south, west, north, east) around a street's communities, from the catalogue."""
    from console.catalogue import streets

    found = next((s for s in streets() if s.id == street), None)
    if found is None:
        return None
    points = [(c.centre.lon, c.centre.lat) for c in found.communities] + [(found.centre.lon, found.centre.lat)]
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    return (min(lats) - margin, min(lons) - margin, max(lats) + margin, max(lons) + margin)


FIT_STREET_JS = """
(function () {
  var m = window.consoleMap && window.consoleMap.map && window.consoleMap.map();
  if (!m) { return false; }
  m.fire("dragstart");  /* counts as the operator's own view: layer updates keep it */
  m.fitBounds([[%f, %f], [%f, %f]]);
  return true;
})()
"""


class StreetMapExtent:
    """A street profile's map opens on its street (全区 still shows the whole district).

    Uses only the map panel's public ``page_ready`` signal and ``view``; a panel
    without them (map module missing) is left alone.
    """

    def __init__(self, map_panel: Any, street: str) -> None:
        self.applied = False
        self._panel = map_panel
        self._bounds = street_bounds(street)
        ready = getattr(map_panel, "page_ready", None)
        if self._bounds is None or ready is None or not hasattr(map_panel, "view"):
            return
        map_panel._street_extent = self  # kept alive with the panel
        ready.connect(self.apply)
        if getattr(map_panel, "is_ready", False):
            self.apply()

    def apply(self) -> None:
        if self._bounds is None:
            return
        self._panel.view.page().runJavaScript(FIT_STREET_JS % self._bounds, 0, self._on_applied)

    def _on_applied(self, ok: object) -> None:
        self.applied = bool(ok)


def apply_profile_to_window(window: Any, profile: Profile) -> None:
    """Hide the panels the profile does not show; name the centre in the header."""
    docks = getattr(window, "docks", {})
    for key, dock in docks.items():
        if key not in profile.panels:
            dock.hide()
    header = getattr(window, "header", None)
    if header is not None and profile.scope != "district":
        header.subtitle.setText(profile.title)
    if profile.street is not None:
        StreetMapExtent(getattr(window, "map_panel", None), profile.street)
    if profile.layout == "wall":
        from widgets.wall.window import WALL_FONT_PT

        font = window.font()
        font.setPointSize(WALL_FONT_PT)
        window.setFont(font)
