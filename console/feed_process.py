"""Run the embedded district feed as a subprocess (demo mode, tests, benches).

The core imports nothing of ``simulator``: the feed is started by module name
(``python -m simulator.server``) with the same interpreter.  A ``FeedProcess``
never outlives its owner: ``stop()`` terminates and waits, an ``atexit`` hook
kills whatever is still running, and the context manager stops it on errors too.
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from pathlib import Path
from types import TracebackType
from typing import IO, Sequence

_READY = "FEED READY "
_LIVE: "weakref.WeakSet[FeedProcess]" = weakref.WeakSet()
_PROJECT_ROOT = Path(__file__).resolve().parent.parent


class FeedError(RuntimeError):
    """The feed did not start (its output is in the message)."""


class FeedProcess:
    """The district feed on a free loopback port, as a child process.

    ``start()`` returns the base URL once the feed prints its READY line;
    ``restart()`` comes back on the same port with the same data dir, so a
    client can resume its stream with ``Last-Event-ID``.
    """

    def __init__(
        self,
        seed: int = 1,
        alerts_per_s: float = 0.5,
        readings_per_s: float = 20,
        data_dir: str | Path | None = None,
        port: int = 0,
        extra_args: Sequence[str] = (),
        startup_timeout_s: float = 30.0,
        sim_controls: bool | None = None,
    ) -> None:
        self.seed = seed
        self.alerts_per_s = alerts_per_s
        self.readings_per_s = readings_per_s
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="pingshan-feed-")
            data_dir = self._tmp.name
        self.data_dir = Path(data_dir)
        self.port = port
        self.extra_args = tuple(extra_args)
        # The test controls (/_sim, an anonymous test seat) are for test harnesses only:
        # asked for explicitly, or by a test run that sets PINGSHAN_SIM_CONTROLS=1.
        if sim_controls is None:
            sim_controls = os.environ.get("PINGSHAN_SIM_CONTROLS") == "1"
        self.sim_controls = sim_controls
        self.demo_users = True  # the demo seats (password = name); off for a feed given --users
        self.startup_timeout_s = startup_timeout_s
        self.url: str | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._drain: threading.Thread | None = None
        self._log: IO[bytes] | None = None

    # ------------------------------------------------------------------ life cycle

    @property
    def running(self) -> bool:
        """Whether the child process is alive."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def log_path(self) -> Path:
        """The feed's stderr (warnings, tracebacks) for diagnosing a failed run."""
        return self.data_dir / "feed.log"

    def start(self) -> str:
        """Start the feed and wait for its READY line; returns the base URL."""
        if self.running:
            assert self.url is not None
            return self.url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable, "-m", "simulator.server",
            "--host", "127.0.0.1", "--port", str(self.port), "--seed", str(self.seed),
            "--alerts-per-s", str(self.alerts_per_s), "--readings-per-s", str(self.readings_per_s),
            "--data-dir", str(self.data_dir), "--parent-pid", str(os.getpid()),
            *(["--demo-users"] if self.demo_users else []), *(["--sim-controls"] if self.sim_controls else []),
            *self.extra_args,
        ]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_PROJECT_ROOT), env.get("PYTHONPATH", "")) if p)
        env["PYTHONUNBUFFERED"] = "1"
        self._log = open(self.log_path, "ab")
        self._proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=self._log, stdin=subprocess.DEVNULL, text=True,
            encoding="utf-8", env=env, cwd=str(_PROJECT_ROOT),
        )
        _LIVE.add(self)
        url = self._wait_ready()
        self.url = url
        self.port = int(url.rsplit(":", 1)[1])
        return url

    def _wait_ready(self) -> str:
        assert self._proc is not None and self._proc.stdout is not None
        found: list[str] = []
        out = self._proc.stdout

        def read() -> None:
            # Keep draining stdout for the life of the child so it never blocks on a full pipe.
            for line in out:
                if not found and line.startswith(_READY):
                    found.append(line[len(_READY):].strip())

        self._drain = threading.Thread(target=read, name="feed-stdout", daemon=True)
        self._drain.start()
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if found:
                return found[0]
            if self._proc.poll() is not None:
                break
            time.sleep(0.02)
        self.kill()
        tail = self.log_path.read_text(encoding="utf-8", errors="replace")[-2000:] if self.log_path.exists() else ""
        raise FeedError(f"feed did not become ready (exit {self._proc.returncode}):\n{tail}")

    def stop(self, timeout_s: float = 10.0) -> None:
        """Terminate (SIGTERM) and wait; SIGKILL if it does not exit in time."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        self._finish()

    def kill(self) -> None:
        """SIGKILL, as a crash would (the data dir keeps what was committed)."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        self._finish()

    def _finish(self) -> None:
        if self._drain is not None:
            self._drain.join(timeout=2)
            self._drain = None
        if self._proc is not None and self._proc.stdout is not None:
            self._proc.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None
        _LIVE.discard(self)

    def restart(self) -> str:
        """Stop (if running) and start again on the same port with the same data dir."""
        self.stop()
        deadline = time.monotonic() + 10
        while True:
            try:
                return self.start()
            except FeedError:
                # The port may linger for a moment after a kill; retry briefly.
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def close(self) -> None:
        """Stop the feed and remove a temporary data dir it created."""
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> "FeedProcess":
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"FeedProcess(url={self.url!r}, pid={self.pid}, data_dir={str(self.data_dir)!r})"


@atexit.register
def _kill_leftovers() -> None:
    for feed in list(_LIVE):
        try:
            feed.kill()
        except Exception:  # best effort at interpreter exit
            pass
