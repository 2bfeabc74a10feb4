"""The shell: the main window, what frames it, and the ``pingshan-console`` entry point.

Modules:

- ``app`` — ``pingshan-console`` (``python -m widgets.shell.app``): headless
  subcommands, else the QApplication, the qasync loop and one :class:`ConsoleApp` run;
- ``qt_env`` — the environment Qt needs before QtWebEngine loads (Chromium flags);
- ``main_window`` — :class:`MainWindow`: the panels as docks, menus, cross-panel routes;
- ``header`` — the header strip (district, mode pill, operator, clock);
- ``status_bar`` — connection state, data age, messages;
- ``reports_menu`` — 打开报告… and the recent reports in the 文件 menu;
- ``shortcut_help`` — 帮助 → 快捷键, read from the window's own actions;
- ``login_flow``, ``login_dialog``, ``lock_screen``, ``session_ui`` — sign-in, the
  logout loop, the lock screen and the session controls (issue 10);
- ``deployment``, ``profile_dialog``, ``detach`` — workstation profiles, the wall
  and detached panels hooked onto the window (issue 19);
- ``self_check`` — ``--self-check``: an offscreen run of window, cache, map and video.

The package names :class:`MainWindow` and :func:`main` but imports them on first use
(PEP 562): the entry point runs as ``python -m widgets.shell.app``, which must not be
imported already by its package, and the panels the window holds import small
pieces of the shell, which must not pull in the whole window first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from widgets.shell.app import main
    from widgets.shell.main_window import MainWindow

__all__ = ["MainWindow", "main"]


def __getattr__(name: str) -> Any:
    if name == "MainWindow":
        from widgets.shell.main_window import MainWindow

        return MainWindow
    if name == "main":
        from widgets.shell.app import main

        return main
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
