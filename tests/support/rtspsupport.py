"""Start and stop the loopback RTSP server of ``tests/support/rtsp_server.py`` (gst-rtsp-server
under Debian's Python, installed by ``scripts/bootstrap.sh``) from a test."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

SYSTEM_PYTHON = "/usr/bin/python3"
"""Debian's Python: the one that has PyGObject (python3-gi) and GStreamer's typelibs."""

SERVER = Path(__file__).with_name("rtsp_server.py")


def missing() -> str | None:
    """Why the RTSP server cannot run here, or None when it can."""
    if not os.path.exists(SYSTEM_PYTHON):
        return f"{SYSTEM_PYTHON} not found"
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import gi; gi.require_version('GstRtspServer', '1.0'); "
         "from gi.repository import GstRtspServer"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        return ("gst-rtsp-server is not installed (scripts/bootstrap.sh installs "
                f"gir1.2-gst-rtsp-server-1.0): {probe.stderr.strip()[-300:]}")
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RtspServer:
    """One gst-rtsp-server process serving ``clip`` looped live at ``rtsp://127.0.0.1:<port><path>``.

    ``stop()`` kills it (a camera that goes away mid-stream); ``start()`` again brings
    it back on the same port.
    """

    def __init__(self, clip: Path, *, path: str = "/cam", port: int | None = None, user: str | None = None,
                 password: str | None = None, digest: bool = False, protocols: str = "both") -> None:
        self.clip = clip
        self.path = path
        self.port = port or free_port()
        self.user = user
        self.password = password
        self.digest = digest
        self.protocols = protocols
        self.proc: subprocess.Popen[str] | None = None
        self._log: Any = None

    @property
    def url(self) -> str:
        """The stream's URL without credentials."""
        return f"rtsp://127.0.0.1:{self.port}{self.path}"

    def start(self, timeout: float = 30.0) -> "RtspServer":
        cmd = [SYSTEM_PYTHON, str(SERVER), "--clip", str(self.clip), "--port", str(self.port),
               "--path", self.path, "--protocols", self.protocols]
        if self.user is not None:
            cmd += ["--user", self.user, "--password", self.password or ""]
            if self.digest:
                cmd.append("--digest")
        # A clean environment for Debian's Python: nothing of the venv's may leak in.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
        # GStreamer's warnings go to a file: a pipe nobody reads would block the server.
        self._log = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self._log, text=True, env=env)
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        lines: list[str] = []
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.5)
            if ready:
                line = self.proc.stdout.readline()
                if not line:
                    break
                lines.append(line)
                if line.startswith("READY"):
                    return self
            elif self.proc.poll() is not None:
                break
        self._log.seek(0)
        errors = self._log.read()
        self.stop()
        raise RuntimeError(f"RTSP server did not start: {''.join(lines)}{errors}"[-1500:])

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> "RtspServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
