"""One seat's SIP user agent: a baresip child process driven through ``ctrl_tcp``.

Why baresip and not a SIP stack of our own: SIP (RFC 3261 transactions, digest
authentication, re-INVITE for hold, REFER for transfer, RTP) is exactly what a
maintained user agent gets right and a home-made parser gets wrong. Debian ships
baresip 1.0 with the ``ctrl_tcp`` module: commands and events are JSON objects
framed as netstrings (``<len>:<json>,``) on a loopback TCP port. The console writes
a private config folder (the account, the codecs, the audio device, the control
port), starts ``baresip -f <folder>`` and talks to it; baresip's own console output
is discarded (its call status line is rewritten many times a second).

Audio: the workstation's sound card through ALSA when one is present; otherwise the
``aubridge`` null device on both sides, so that calls still set up and tear down
(signalling only) and :attr:`BaresipAgent.has_audio` is False (无音频设备).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import re
import shutil
import socket
from pathlib import Path
from typing import Any

from console.comms.settings import SipSettings
from console.events import Event

log = logging.getLogger(__name__)

MODULE_PATH = Path("/usr/lib/baresip/modules")
COMMAND_TIMEOUT_S = 3.0
START_TIMEOUT_S = 5.0
KILL_AFTER_S = 1.0
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class AgentError(RuntimeError):
    """The user agent could not be started or did not answer a command."""


def baresip_binary() -> str | None:
    """The ``baresip`` executable, or ``None`` when it is not installed."""
    return shutil.which("baresip")


def sound_card_present(dev: Path = Path("/dev/snd")) -> bool:
    """Whether the workstation has an ALSA playback device (and baresip its alsa module)."""
    return (MODULE_PATH / "alsa.so").exists() and any(dev.glob("pcmC*D*p")) if dev.is_dir() else False


def free_port() -> int:
    """A free TCP port on loopback (for baresip's control socket)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _is_loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


def write_config(folder: Path, settings: SipSettings, ctrl_port: int, audio: bool) -> None:
    """baresip's ``config``, ``accounts`` and ``contacts`` for this seat, mode 0600."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    device = "alsa,default" if audio else "aubridge,null"
    listen = "127.0.0.1:0" if _is_loopback(settings.host) else "0.0.0.0:0"
    config = [
        "poll_method epoll",
        f"sip_listen {listen}",
        f"module_path {MODULE_PATH}",
        "module g711.so",
        "module alsa.so" if audio else "module aubridge.so",
        "module ctrl_tcp.so",
        "module menu.so",
        "module account.so",
        f"audio_player {device}",
        f"audio_source {device}",
        f"audio_alert {device}",
        f"ctrl_tcp_listen 127.0.0.1:{ctrl_port}",
        "call_local_timeout 0",  # the console gives up unanswered calls itself
    ]
    display = settings.display.replace('"', "")
    params = [f'outbound="sip:{settings.server};transport=udp"', "regint=60", "answermode=manual"]
    if settings.password:
        params.append(f"auth_pass={settings.password}")
    name = f'"{display}" ' if display else ""
    account = f"{name}<{settings.aor};transport=udp>;" + ";".join(params)
    for fname, text in (("config", "\n".join(config)), ("accounts", account), ("contacts", "")):
        path = folder / fname
        path.write_text(text + "\n", encoding="utf-8")
        path.chmod(0o600)


def _quick_ack(sock: Any) -> None:
    if sock is not None and hasattr(socket, "TCP_QUICKACK"):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)


class BaresipAgent:
    """The child process and its control connection.

    ``events`` carries every event object baresip sends (``{"event": true, "type":
    "CALL_RINGING", ...}``); :meth:`command` sends one command and returns its
    ``(ok, data)``. :meth:`stop` ends the process (quit, then terminate, then kill).
    """

    def __init__(self, settings: SipSettings, folder: Path, binary: str | None = None) -> None:
        self.settings = settings
        self.folder = folder
        self.binary = binary or baresip_binary()
        self.has_audio = settings.audio == "auto" and sound_card_present()
        self.events: Event[[dict[str, Any]]] = Event("comms.agent_event")
        self.exited: Event[[int]] = Event("comms.agent_exited")
        self.process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._pending: dict[str, asyncio.Future[tuple[bool, str]]] = {}
        self._tokens = itertools.count(1)
        self._read_task: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    async def start(self) -> None:
        """Start baresip and connect to its control port; :class:`AgentError` on failure."""
        if self.binary is None:
            raise AgentError("baresip not installed")
        port = free_port()
        write_config(self.folder, self.settings, port, self.has_audio)
        # If the console dies without stopping it (a crash, SIGKILL), the telephone must not
        # live on registered as this seat: util-linux's setpriv makes the kernel end it.
        setpriv = shutil.which("setpriv")
        guard = [setpriv, "--pdeathsig", "KILL"] if setpriv else []
        self.process = await asyncio.create_subprocess_exec(
            *guard, self.binary, "-f", str(self.folder), stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, start_new_session=True)
        deadline = asyncio.get_running_loop().time() + START_TIMEOUT_S
        while True:
            try:
                self._reader, self._writer = await asyncio.open_connection("127.0.0.1", port)
                break
            except OSError:
                if self.process.returncode is not None or asyncio.get_running_loop().time() > deadline:
                    await self.stop()
                    raise AgentError("baresip control port did not open") from None
                await asyncio.sleep(0.05)
        self._read_task = asyncio.create_task(self._read_loop(), name="baresip-ctrl")

    async def _read_loop(self) -> None:
        assert self._reader is not None
        sock = self._writer.get_extra_info("socket") if self._writer is not None else None
        try:
            while True:
                # baresip writes small messages without TCP_NODELAY: with our delayed ACK,
                # Nagle holds its next event ~40 ms. Acknowledging at once removes the wait.
                _quick_ack(sock)
                head = await self._reader.readuntil(b":")
                size = int(head[:-1])
                body = await self._reader.readexactly(size + 1)  # the trailing comma
                try:
                    message = json.loads(body[:-1].decode("utf-8", "replace"))
                except json.JSONDecodeError:
                    log.warning("baresip sent a message that is not JSON")
                    continue
                self._dispatch(message)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError, asyncio.LimitOverrunError):
            pass
        finally:
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(AgentError("baresip control connection closed"))
            self._pending.clear()
            if not self._stopping:
                code = await self._wait_exit(1.0)
                self.exited.emit(code)

    def _dispatch(self, message: dict[str, Any]) -> None:
        if message.get("response"):
            fut = self._pending.pop(str(message.get("token")), None)
            if fut is not None and not fut.done():
                fut.set_result((bool(message.get("ok")), str(message.get("data") or "")))
        elif message.get("event"):
            self.events.emit(message)

    async def command(self, name: str, params: str = "") -> tuple[bool, str]:
        """Send one control command; ``(ok, data)``. :class:`AgentError` when no answer comes."""
        if self._writer is None or self._writer.is_closing():
            raise AgentError("baresip not running")
        token = str(next(self._tokens))
        fut: asyncio.Future[tuple[bool, str]] = asyncio.get_running_loop().create_future()
        self._pending[token] = fut
        body = json.dumps({"command": name, "params": params, "token": token}).encode("utf-8")
        self._writer.write(str(len(body)).encode() + b":" + body + b",")
        try:
            await self._writer.drain()
            return await asyncio.wait_for(fut, COMMAND_TIMEOUT_S)
        except (asyncio.TimeoutError, ConnectionError) as exc:
            raise AgentError(f"baresip did not answer {name}") from exc
        finally:
            self._pending.pop(token, None)

    async def registered(self) -> bool:
        """Whether baresip reports the seat's account registered (``reginfo`` says OK)."""
        ok, data = await self.command("reginfo")
        line = next((ln for ln in data.splitlines() if self.settings.aor in ln), "")
        return ok and " OK " in f" {_ANSI.sub('', line)} "

    async def _wait_exit(self, timeout: float) -> int:
        if self.process is None:
            return 0
        try:
            return await asyncio.wait_for(self.process.wait(), timeout)
        except asyncio.TimeoutError:
            return -1

    def kill_now(self) -> None:
        """End baresip at once without waiting (a window closing outside the event loop)."""
        self._stopping = True
        proc = self.process
        if proc is not None and proc.returncode is None:
            # SIGTERM lets baresip unregister; with the server gone it would wait for the
            # SIP timers (32 s), so it is killed a second later if still there.
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
            try:
                asyncio.get_running_loop().call_later(KILL_AFTER_S, self._kill_if_alive, proc)
            except RuntimeError:  # no loop running any more: no second chance
                self._kill_if_alive(proc)
        if self._writer is not None:
            self._writer.close()
        if self._read_task is not None:
            self._read_task.cancel()

    @staticmethod
    def _kill_if_alive(proc: asyncio.subprocess.Process) -> None:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()

    async def stop(self) -> None:
        """Quit baresip (unregistering), then terminate, then kill; closes the control port."""
        self._stopping = True
        if self._writer is not None and not self._writer.is_closing():
            with contextlib.suppress(AgentError, ConnectionError, RuntimeError):
                body = json.dumps({"command": "quit", "params": "", "token": "quit"}).encode()
                self._writer.write(str(len(body)).encode() + b":" + body + b",")
                await asyncio.wait_for(self._writer.drain(), 1.0)
        proc = self.process
        if proc is not None and proc.returncode is None:
            if await self._wait_exit(2.0) == -1:
                with contextlib.suppress(ProcessLookupError):
                    proc.terminate()
                if await self._wait_exit(2.0) == -1:
                    with contextlib.suppress(ProcessLookupError):
                        proc.kill()
                    await self._wait_exit(2.0)
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(Exception):
                await self._writer.wait_closed()
        if self._read_task is not None:
            self._read_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._read_task
        self._writer = self._reader = None
        self._read_task = None
