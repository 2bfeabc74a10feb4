"""``pingshan-console``: the console's entry point (also ``python -m widgets.shell.app``).

Headless subcommands (``schema``, ``record``, …) go to ``console.cli`` before any
QApplication exists. Otherwise: Chromium flags, QtWebEngine import, QApplication,
CJK font, translator, theme, then one asyncio loop on Qt (qasync) that starts the
core (and, for ``--demo``, the embedded district feed), shows the main window and
waits until the window closes or the process is told to stop.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import re
import signal
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from console.shutdown import stop_core
from widgets.shell.qt_env import prepare_qt_environment

if TYPE_CHECKING:
    from console.drill.session import DrillSession
    from console.feed_process import FeedProcess
    from console.runtime import ConsoleCore
    from widgets.bridge import PictureNotifier
    from widgets.shell.main_window import MainWindow

log = logging.getLogger("pingshan.console")

DEMO_FEED_ARGS: dict[str, Any] = {"seed": 7, "alerts_per_s": 0.5, "readings_per_s": 20}
"""The embedded feed's pace for ``--demo``: a calm but living district."""



def default_cache_dir() -> Path:
    """``$PINGSHAN_CACHE_DIR``, else ``~/.local/share/pingshan-console``."""
    env = os.environ.get("PINGSHAN_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".local" / "share" / "pingshan-console"


def _size(text: str) -> tuple[int, int]:
    """``1366x768`` → (1366, 768)."""
    try:
        w, h = (int(x) for x in text.lower().replace("×", "x").split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"窗口尺寸应为 宽x高，例如 1366x768：{text}") from None
    if w < 320 or h < 240:
        raise argparse.ArgumentTypeError(f"窗口尺寸太小：{text}")
    return w, h


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The GUI's command line."""
    from console.cli import subcommands_epilog  # the headless subcommands main() dispatches

    p = argparse.ArgumentParser(
        prog="pingshan-console",
        description="坪山区城市运行指挥中心 · 值班台 (Pingshan command console)",
        epilog=subcommands_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from console.version import version_line

    p.add_argument("--version", action="version", version=version_line(), help="print the version and exit")
    p.add_argument("--backend", metavar="URL", action="append",
                   help="gateway base URL; repeat for the district's replicas, preferred first "
                        "(the console fails over between them); without it the embedded demo feed runs")
    p.add_argument("--demo", action="store_true", help="start the embedded district feed and use it")
    p.add_argument("--cache", metavar="DIR", type=Path, default=None, help="local cache folder")
    p.add_argument("--lang", choices=("zh_CN", "en"), default="zh_CN", help="UI language (default zh_CN)")
    p.add_argument("--screenshot", metavar="DIR", type=Path, default=None, help="save PNGs of the windows and exit")
    p.add_argument("--after", metavar="SECONDS", type=float, default=5.0, help="delay before --screenshot")
    p.add_argument("--size", metavar="WxH", type=_size, default=(1920, 1080),
                   help="window size for --screenshot (default 1920x1080; e.g. 1366x768, 1280x1024)")
    p.add_argument("--profile", metavar="NAME", default=None,
                   help="workstation profile: district, a street (maluan, …) or a department")
    p.add_argument("--wall", metavar="CONFIG", type=Path, default=None,
                   help="wall config (TOML/JSON): a full-screen window per screen")
    p.add_argument("--self-check", action="store_true",
                   help="offscreen check of window, cache, map, video; exit 0 or print what failed")
    p.add_argument("--drill", metavar="PACKAGE_OR_SCENARIO", type=Path, default=None,
                   help="drill mode: play a drill package (.drill) or scenario (.yaml); no network")
    p.add_argument("--drill-speed", metavar="X", type=float, default=1.0, help="drill clock speed 1-60 (default 1)")
    from widgets.shell import login_flow  # identity and transport options (issue 10)

    login_flow.add_arguments(p)
    args = p.parse_args(argv)
    if args.backend and args.demo:
        p.error("--backend and --demo exclude each other")
    if args.drill is not None and (args.backend or args.demo):
        p.error("--drill runs without a backend: leave out --backend and --demo")
    login_flow.check_arguments(p, args)
    args.demo_requested = args.demo
    if not args.backend and args.drill is None:
        args.demo = True
    args.cache = (args.cache or default_cache_dir()).expanduser().resolve()
    if args.drill is not None:
        # Drill data (and its log) live beside the live cache, never in it.
        args.cache = args.cache.with_name(args.cache.name + "-drills")
    return args


class OneLineFormatter(logging.Formatter):
    """Terminal log lines without tracebacks; the full story goes to ``console.log``."""

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info or record.exc_text or record.stack_info:
            record = logging.makeLogRecord(record.__dict__)
            exc = record.exc_info[1] if record.exc_info else None
            record.exc_info = record.exc_text = record.stack_info = None
            if exc is not None:
                record.msg = f"{record.getMessage()} ({type(exc).__name__}: {exc}; details in console.log)"
                record.args = None
        return super().format(record)


def setup_logging(cache_dir: Path) -> None:
    """Log to stderr (one line each) and to ``<cache>/console.log`` (with tracebacks):
    the operator never sees a traceback."""
    from logging.handlers import RotatingFileHandler

    root = logging.getLogger()
    if getattr(root, "_pingshan_configured", False):
        return
    root.setLevel(logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    err = logging.StreamHandler(sys.stderr)
    err.setFormatter(OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    err.setLevel(logging.WARNING)
    root.addHandler(err)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fh = RotatingFileHandler(cache_dir / "console.log", maxBytes=5_000_000, backupCount=3, encoding="utf-8")
        fh.setFormatter(fmt)
        root.addHandler(fh)
    except OSError:
        log.warning("cannot write a log file in %s", cache_dir)
    root._pingshan_configured = True  # type: ignore[attr-defined]


def window_file_name(widget: Any, taken: set[str]) -> str:
    """``MainWindow`` → ``main-window.png`` (unique within one screenshot run)."""
    name = widget.objectName() or type(widget).__name__
    stem = re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower().replace("_", "-") or "window"
    candidate, n = f"{stem}.png", 2
    while candidate in taken:
        candidate, n = f"{stem}-{n}.png", n + 1
    taken.add(candidate)
    return candidate


def save_screenshots(directory: Path) -> list[Path]:
    """Grab every visible top-level window into ``directory``; returns the files."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from widgets.grab import save_widget_png

    directory.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    paths: list[Path] = []
    for widget in QApplication.topLevelWidgets():
        if not widget.isVisible() or widget.windowType() in (Qt.WindowType.Popup, Qt.WindowType.ToolTip):
            continue
        path = directory / window_file_name(widget, taken)
        if save_widget_png(widget, path):
            paths.append(path)
        else:
            log.error("screenshot %s could not be written", path)
    return paths


class ConsoleApp:
    """One run of the GUI: the feed (demo), the core, the notifier and the window."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.feed: FeedProcess | None = None
        self.core: ConsoleCore | None = None
        self.notifier: PictureNotifier | None = None
        self.window: MainWindow | None = None
        self.session: Any = None  # console.auth.AuthSession once logged in (widgets.shell.login_flow)
        self.logged_out = False
        self.drill: DrillSession | None = None  # drill mode
        self.drill_ui: Any = None
        self.exit_code = 0
        self._stop = asyncio.Event()

    def request_stop(self) -> None:
        """Close the window (saving its layout) and end the run; safe to call twice."""
        if self.window is not None and self.window.isVisible():
            self.window.close()  # emits closed → _stop
        self._stop.set()

    def report_error(self, text: str) -> None:
        """Show an error in the status bar, if the window is up."""
        if self.window is not None:
            try:
                self.window.show_error(text)
            except Exception:
                log.exception("could not show error in the status bar")

    async def run(self) -> int:
        """Start everything, wait for the end, stop everything."""
        from console.runtime import ConsoleConfig, ConsoleCore
        from widgets.bridge import PictureNotifier
        from widgets.shell import deployment, login_flow
        from widgets.shell.main_window import MainWindow

        args = self.args

        try:
            await deployment.choose_profile(args)  # may set args.backend from the profile
            args.data_mode = deployment.data_mode(args)  # demo: labelled on every screen; unconfigured: no feed
            backends = login_flow.backend_list(args.backend)
            backend = backends[0] if backends else None
            if args.demo:
                from console.feed_process import FeedProcess

                self.feed = FeedProcess(data_dir=args.cache / "feed", **DEMO_FEED_ARGS)
                # start() blocks until the feed prints READY: keep the GUI thread free.
                backend = await asyncio.to_thread(self.feed.start)
                backends = [backend]
                log.info("demo feed at %s", backend)
            while True:  # one turn per login; a logout goes round again (issue 10)
                if args.drill is not None:
                    self.drill = _open_drill(args)  # drill mode (console/drill): its own cache, no network
                    if self.drill is None:
                        self.exit_code = 2
                        return self.exit_code
                    self.session = None
                    config = ConsoleConfig(**self.drill.console_config_fields())
                elif args.data_mode == "unconfigured":  # a production install with no gateway: cache only
                    self.session = None
                    config = ConsoleConfig(**{**deployment.core_options(args), "backend_url": None,
                                              "cache_dir": args.cache, "data_mode": "unconfigured"})
                else:
                    self.session = await login_flow.sign_in(args, backends)
                    if self.session is False:
                        self.exit_code = 1 if args.password_stdin else 0
                        break
                    # The profile decides scope and CA unless the login or --ca says otherwise.
                    fields = {k: v for k, v in login_flow.config_kwargs(backends, args, self.session).items()
                              if v is not None}
                    config = ConsoleConfig(**{**deployment.core_options(args), **fields,
                                              "data_mode": "demo" if args.demo else "live"})
                self.core = ConsoleCore(config)
                await self.core.start()
                self.notifier = PictureNotifier(self.core.picture)
                self.window = MainWindow(self.core, self.notifier)
                self.window.closed.connect(self._stop.set)
                login_flow.attach(self, self.session)
                if self.drill is None:
                    self.deployment = deployment.attach(self.window, self.core, self.notifier, args)
                if self.drill is not None:
                    from widgets.drill_bar import attach_drill_ui

                    self.drill_ui = attach_drill_ui(self.window, self.drill)
                if args.screenshot is not None:
                    # Screenshots are documentation: always the default layout at the asked
                    # size (1920×1080 unless --size), whatever an earlier run saved here.
                    self.window.resize(*args.size)
                    self.window.reset_layout()
                    self.window.show()
                else:
                    self.window.show_first()
                log.info("console window shown (backend %s)", backend)
                if args.screenshot is not None:
                    asyncio.get_running_loop().create_task(self._screenshot_after(args.screenshot, args.after))
                await self._stop.wait()
                if not self.logged_out:
                    break
                await login_flow.end_session(self, self.session)
                self.session = None
                # The ended session's window and notifier are garbage now: collect them here,
                # on the GUI thread, not later in a worker thread (a QObject with a timer
                # destroyed off its thread crashes Qt's next timer tick).
                gc.unfreeze()  # a snapshot's build froze what was alive then (console.bulk)
                gc.collect()
        finally:
            await self.shutdown()
        return self.exit_code

    async def _screenshot_after(self, directory: Path, seconds: float) -> None:
        try:
            await asyncio.sleep(seconds)
            paths = save_screenshots(directory)
            for path in paths:
                print(path, flush=True)
            self.exit_code = 0 if paths else 1
        except Exception:
            log.exception("screenshot failed")
            self.exit_code = 1
        self.request_stop()

    async def shutdown(self) -> None:
        """Window closed → core stopped (tasks cancelled, journal flushed) → feed stopped."""
        if self.window is not None and self.window.isVisible():
            self.window.close()
        if self.notifier is not None:
            try:
                self.notifier.stop()
            except Exception:
                log.exception("notifier did not stop")
        if self.core is not None:
            try:
                await stop_core(self.core)
            except Exception:
                log.exception("core did not stop cleanly")
        if self.session:
            try:
                self.session.logout()
                await self.session.aclose()
            except Exception:
                log.exception("session did not close")
            self.session = None
        if self.drill is not None:
            try:
                self.drill.close()
            except Exception:
                log.exception("drill did not close")
        if self.feed is not None:
            try:
                await asyncio.to_thread(self.feed.stop)
            except Exception:
                log.exception("demo feed did not stop")
            self.feed = None


def _open_drill(args: argparse.Namespace) -> DrillSession | None:
    """The drill session for ``--drill``; None (the Chinese reason on stderr) when the file is unusable."""
    from console.drill.package import PackageError
    from console.drill.scenario import ScenarioError
    from console.drill.session import DrillSession

    try:
        from widgets.pdf import render_pdf

        return DrillSession(args.drill, args.cache, speed=args.drill_speed, render_pdf=render_pdf)
    except (ScenarioError, PackageError) as exc:
        print(str(exc), file=sys.stderr)
        return None


def _install_error_hooks(console: ConsoleApp, loop: asyncio.AbstractEventLoop) -> None:
    """Log every uncaught error and tell the operator in the status bar, never as a traceback."""
    from PySide6.QtCore import QCoreApplication

    def message(exc: BaseException | None) -> str:
        detail = f"{type(exc).__name__}: {exc}" if exc is not None else ""
        return QCoreApplication.translate("ConsoleApp", "内部错误，已记录日志：{detail}").format(detail=detail)[:300]

    def excepthook(etype: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        log.error("uncaught exception\n%s", "".join(traceback.format_exception(etype, value, tb)))
        console.report_error(message(value))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        log.error(
            "uncaught exception in thread %s\n%s",
            getattr(args.thread, "name", "?"),
            "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)),
        )

    def loop_handler(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if isinstance(exc, asyncio.CancelledError):
            return
        log.error("asyncio: %s", context.get("message"), exc_info=exc)
        console.report_error(message(exc))

    sys.excepthook = excepthook
    threading.excepthook = thread_hook
    loop.set_exception_handler(loop_handler)


def _install_signal_handlers(console: ConsoleApp, loop: asyncio.AbstractEventLoop) -> Any:
    """SIGINT/SIGTERM close the window and stop the core cleanly.

    Python runs signal handlers between bytecodes; a small idle timer makes sure the
    interpreter gets a turn even when Qt is otherwise quiet.
    """
    from PySide6.QtCore import QTimer

    def on_signal(signum: int, _frame: Any) -> None:
        log.warning("signal %s: stopping", signum)
        loop.call_soon_threadsafe(console.request_stop)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    ticker = QTimer()
    ticker.setInterval(250)
    ticker.timeout.connect(lambda: None)
    ticker.start()
    return ticker


def run_gui(args: argparse.Namespace) -> int:
    """Create the QApplication and run the console on a qasync loop."""
    prepare_qt_environment()
    setup_logging(args.cache)
    try:
        import PySide6.QtWebEngineWidgets  # noqa: F401  (must precede the QApplication)
        from widgets.map.tile_scheme import register_tile_scheme  # pstile:// map tiles, before the QApplication

        register_tile_scheme()
    except ImportError:
        log.warning("QtWebEngine unavailable: the map panel will show a placeholder")
    import qasync
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from widgets import i18n, theme

    QApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts, True)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0] if sys.argv else "pingshan-console"])
    app.setApplicationName("pingshan-console")
    app.setOrganizationName("pingshan")
    app.setQuitOnLastWindowClosed(False)  # the run ends through ConsoleApp, after the core stopped
    family = theme.load_cjk_font(app)
    log.info("UI font: %s", family)
    i18n.install_translator(app, args.lang)
    theme.apply_theme(app)

    from widgets.collector import MainThreadCollector

    collector = MainThreadCollector(parent=app)  # cyclic garbage is collected here, never in a worker
    collector.start()
    console = ConsoleApp(args)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    _install_error_hooks(console, loop)
    ticker = _install_signal_handlers(console, loop)
    try:
        with loop:
            code = loop.run_until_complete(console.run())
    except Exception as exc:
        log.exception("console stopped on an error")
        print(f"坪山值班台未能运行：{type(exc).__name__}: {exc}（详见 {args.cache / 'console.log'}）", file=sys.stderr)
        code = 1
    finally:
        ticker.stop()
        collector.stop()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    return code


def _render_pdf(document: Any) -> bytes:
    """``widgets.pdf.render_pdf``, imported when a headless command first writes a PDF."""
    from widgets.pdf import render_pdf

    return render_pdf(document)


def main(argv: list[str] | None = None) -> int:
    """``pingshan-console``: headless subcommands, or the duty console's GUI."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--version"]:  # answered before anything heavy is imported (installers call it)
        from console.version import version_line

        print(version_line(), flush=True)
        return 0
    if argv and not argv[0].startswith("-"):
        from console import cli

        if argv[0] in cli.HEADLESS_COMMANDS:
            return int(cli.main_headless(argv, render_pdf=_render_pdf) or 0)
    args = parse_args(argv)
    if args.self_check:
        from widgets.shell.self_check import run_self_check

        return run_self_check(args)
    from widgets.shell.deployment import prepare

    failed = prepare(args, argv)
    if failed is not None:
        return failed
    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())
