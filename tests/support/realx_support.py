"""A real X session for tests that type: Xvfb, a window manager, and xdotool key events.

Offscreen tests never see focus, default buttons, window-manager placement or real key
events (docs/pitfalls.md). ``x_session`` starts Xvfb on a free display (``-displayfd``: the
server picks the number), openbox on it, and hands the test an :class:`XSession` whose
``env`` runs a child process on that display (the xcb platform, not offscreen) and whose
``key``/``type`` methods send real key events with xdotool.

``xdotool type`` garbles CJK at normal speed: type ASCII only (user names, passwords).

Without Xvfb or xdotool the tests skip, except as root, where ``scripts/bootstrap.sh``
installs them (CI): there a missing tool is a failure, not a silent skip.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("Xvfb", "xdotool")
WINDOW_MANAGERS = ("openbox", "xfwm4", "fluxbox")


@dataclass
class XSession:
    """One Xvfb display with a window manager; ``env`` is for child processes."""

    display: str
    env: dict[str, str]
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def xdotool(self, *args: str, timeout: float = 20) -> str:
        """Run xdotool on this display; its standard output (stripped)."""
        done = subprocess.run(["xdotool", *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        return done.stdout.strip() if done.returncode == 0 else ""

    def key(self, *keys: str) -> None:
        """Press and release each key (X keysym names: ``Return``, ``Tab``, ``alt+u``)."""
        for k in keys:
            self.xdotool("key", "--clearmodifiers", "--delay", "80", k)
            time.sleep(0.15)

    def type(self, text: str) -> None:
        """Type ASCII ``text`` into the focused window."""
        assert text.isascii(), "xdotool garbles CJK: type ASCII only"
        self.xdotool("type", "--clearmodifiers", "--delay", "60", text)
        time.sleep(0.15)

    def windows(self, name: str) -> list[str]:
        """Visible windows whose title matches the regular expression ``name``."""
        return [w for w in self.xdotool("search", "--onlyvisible", "--name", name).split() if w]

    def active_window_name(self) -> str:
        return self.xdotool("getactivewindow", "getwindowname")

    def wait_window(self, name: str, timeout: float = 60, alive: Callable[[], bool] = lambda: True) -> str:
        """The first visible window titled like ``name``, activated; fails after ``timeout`` s
        or as soon as ``alive()`` is false (the program under test has ended)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.windows(name)
            if found:
                self.xdotool("windowactivate", "--sync", found[-1], timeout=10)
                time.sleep(0.3)
                return found[-1]
            assert alive(), f"the program ended while waiting for a window titled {name!r}"
            time.sleep(0.3)
        raise AssertionError(f"no window titled {name!r} within {timeout:.0f} s")


def missing_tools() -> list[str]:
    """The tools this harness needs that are not on PATH."""
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if not any(shutil.which(wm) for wm in WINDOW_MANAGERS):
        missing.append("openbox")
    return missing


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture
def x_session(tmp_path: Path) -> Iterator[XSession]:
    """Xvfb (1920×1080) + a window manager on a free display, stopped after the test."""
    missing = missing_tools()
    if missing:
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            pytest.fail(f"missing {', '.join(missing)}: scripts/bootstrap.sh installs them (run it as root)")
        pytest.skip(f"needs {', '.join(missing)} (Debian: xvfb xdotool openbox), and not root to install them")
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1920x1080x24", "-nolisten", "tcp", "-noreset"],
        pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=open(tmp_path / "xvfb.log", "wb"))
    os.close(write_fd)
    session: XSession | None = None
    try:
        with os.fdopen(read_fd, "rb") as pipe:
            number = pipe.readline().strip().decode()  # Xvfb writes it once it accepts clients
        assert number.isdigit(), f"Xvfb did not start: {(tmp_path / 'xvfb.log').read_text(errors='replace')[-800:]}"
        env = dict(os.environ)
        env.update(DISPLAY=f":{number}", QT_QPA_PLATFORM="xcb")
        env.pop("WAYLAND_DISPLAY", None)
        session = XSession(display=f":{number}", env=env, procs=[xvfb])
        wm = next(w for w in WINDOW_MANAGERS if shutil.which(w))
        session.procs.append(subprocess.Popen([wm], env=env, stdout=subprocess.DEVNULL,
                                              stderr=open(tmp_path / "wm.log", "wb")))
        deadline = time.monotonic() + 10
        while not session.xdotool("search", "--maxdepth", "1", "--class", ".") and time.monotonic() < deadline:
            time.sleep(0.1)  # the window manager's own windows: it is up
        yield session
    finally:
        for proc in reversed(session.procs if session else [xvfb]):
            _stop(proc)


# --------------------------------------------------------------------------- the program on the X session


LOGIN_TITLE = "^登录 · "
MAIN_TITLE = "值班台$"


class Console:
    """``pingshan-console`` running on the X session, its log read from the cache folder."""

    def __init__(self, x: XSession, args: list[str], tmp_path: Path) -> None:
        self.cache = tmp_path / "cache"
        self.err = open(tmp_path / "console.stderr", "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "widgets.shell.app", *args, "--cache", str(self.cache),
                                      "--idle-lock-min", "0"],
                                     cwd=ROOT, env=x.env, stdout=subprocess.DEVNULL, stderr=self.err)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log(self) -> str:
        try:
            return (self.cache / "console.log").read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def wait_log(self, text: str, count: int = 1, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while self.log().count(text) < count:
            assert self.alive(), f"the console ended (code {self.proc.returncode}) before {text!r}:\n{self.log()[-2000:]}"
            assert time.monotonic() < deadline, f"no {text!r} ×{count} within {timeout:.0f} s:\n{self.log()[-2000:]}"
            time.sleep(0.3)

    def stop(self) -> int:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(timeout=10)
        self.err.close()
        return code
