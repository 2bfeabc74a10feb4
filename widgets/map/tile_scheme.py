"""``pstile://`` — base-map tiles from the local MBTiles cache into the web view.

No local port is opened: Chromium asks this QWebEngineUrlSchemeHandler for
``pstile://<map>/<z>/<x>/<y>.png``.  A cached tile is answered at once from the
:class:`console.tiles.TileService`; a missing one is fetched from the configured
source on a worker thread (never on the GUI thread) and answered when it arrives,
or refused when the service is offline — Leaflet then simply leaves that square
empty while every cached square keeps drawing.

The scheme must be registered before the QApplication exists
(:func:`register_tile_scheme`, called by ``widgets/shell/app.py`` and the tests' conftest).
"""

from __future__ import annotations

import functools
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QBuffer, QByteArray, QObject, Signal, Slot
from PySide6.QtWebEngineCore import (
    QWebEngineProfile,
    QWebEngineUrlRequestJob,
    QWebEngineUrlScheme,
    QWebEngineUrlSchemeHandler,
)

from console.tiles import TileService

log = logging.getLogger(__name__)

SCHEME = b"pstile"
_PATH = re.compile(r"^/(\d{1,2})/(\d{1,7})/(\d{1,7})\.(?:png|jpg|jpeg|webp)$")
_MIME = {b"\x89PNG": b"image/png", b"\xff\xd8\xff": b"image/jpeg", b"RIFF": b"image/webp"}


def register_tile_scheme() -> None:
    """Declare ``pstile:`` to QtWebEngine; must run before the QApplication exists (idempotent)."""
    if QWebEngineUrlScheme.schemeByName(SCHEME).name() == QByteArray(SCHEME):
        return
    scheme = QWebEngineUrlScheme(SCHEME)
    scheme.setSyntax(QWebEngineUrlScheme.Syntax.Host)
    scheme.setFlags(QWebEngineUrlScheme.Flag.SecureScheme
                    | QWebEngineUrlScheme.Flag.LocalScheme
                    | QWebEngineUrlScheme.Flag.LocalAccessAllowed
                    | QWebEngineUrlScheme.Flag.CorsEnabled)
    QWebEngineUrlScheme.registerScheme(scheme)


def _mime(data: bytes) -> bytes:
    for magic, mime in _MIME.items():
        if data.startswith(magic):
            return mime
    return b"application/octet-stream"


class TileSchemeHandler(QWebEngineUrlSchemeHandler):
    """Answers ``pstile://`` requests from the tile services of the open maps (one per host key)."""

    _fetched = Signal(int, object)
    online_changed = Signal(str, bool)
    """(map key, online) — emitted on the GUI thread when a service's state changes."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._services: dict[str, TileService] = {}
        self._unlisten: dict[str, Callable[[], None]] = {}
        self._jobs: dict[int, QWebEngineUrlRequestJob] = {}
        self._next_job = 0
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="tile-fetch")
        self._fetched.connect(self._on_fetched)
        self.served_from_cache = 0
        self.served_from_source = 0
        self.refused = 0

    def add_service(self, key: str, service: TileService) -> str:
        """Serve ``pstile://<key>/…`` from ``service``; returns the URL template for Leaflet."""
        self._services[key] = service
        # The service's tiles.online_changed event (from a fetch thread) becomes our signal.
        self._unlisten[key] = service.online_changed.connect(functools.partial(self._on_online_changed, key))
        return f"{SCHEME.decode()}://{key}/{{z}}/{{x}}/{{y}}.png"

    def _on_online_changed(self, key: str, online: bool) -> None:
        self.online_changed.emit(key, bool(online))  # from a fetch thread: queued to the GUI thread

    def remove_service(self, key: str) -> None:
        """Stop serving a closed map."""
        self._services.pop(key, None)
        unlisten = self._unlisten.pop(key, None)
        if unlisten is not None:
            unlisten()

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:  # noqa: N802 - Qt override
        url = job.requestUrl()
        match = _PATH.match(url.path())
        service = self._services.get(url.host())
        if match is None or service is None:
            self.refused += 1
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        z, x, y = (int(v) for v in match.groups())
        if not (0 <= x < (1 << z) and 0 <= y < (1 << z)):
            job.fail(QWebEngineUrlRequestJob.Error.UrlInvalid)
            return
        try:
            data = service.cached(z, x, y)
        except Exception:  # noqa: BLE001 - a broken cache file must not crash the page
            log.exception("tile cache read failed")
            data = None
        if data is not None:
            self.served_from_cache += 1
            self._reply(job, data)
            return
        if not service.may_fetch():
            self.refused += 1
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        self._next_job += 1
        ticket = self._next_job
        self._jobs[ticket] = job
        # Chromium deletes a job whose request it cancelled (page closed, tile scrolled away);
        # the wrapper cannot tell, so forget the ticket when the job goes, never reply to it.
        job.destroyed.connect(functools.partial(self._forget, ticket))
        future = self._pool.submit(service.fetch_and_store, z, x, y)
        future.add_done_callback(functools.partial(self._on_future_done, ticket))

    def _on_future_done(self, ticket: int, future: Any) -> None:
        """On the worker thread: hand the bytes (or None) to the GUI thread."""
        self._fetched.emit(ticket, None if future.cancelled() or future.exception() else future.result())

    def _forget(self, ticket: int, *_args: object) -> None:
        self._jobs.pop(ticket, None)

    @Slot(int, object)
    def _on_fetched(self, ticket: int, data: Any) -> None:
        job = self._jobs.pop(ticket, None)
        if job is None or not shiboken6.isValid(job):
            return  # the page no longer wants it (scrolled away, closed)
        if data is None:
            self.refused += 1
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        self.served_from_source += 1
        self._reply(job, data)

    @staticmethod
    def _reply(job: QWebEngineUrlRequestJob, data: bytes) -> None:
        buf = QBuffer(job)  # owned by the job: freed with it
        buf.setData(QByteArray(data))
        job.reply(_mime(data), buf)

    def shutdown(self) -> None:
        """Stop the fetch threads (pending fetches finish; their answers are dropped)."""
        self._pool.shutdown(wait=False, cancel_futures=True)


_HANDLERS: list[TileSchemeHandler] = []
"""Keeps the Python side of every installed handler alive (and findable)."""


def tile_handler(profile: QWebEngineProfile) -> TileSchemeHandler:
    """The one ``pstile:`` handler of a web engine profile (installed on first use)."""
    installed = profile.urlSchemeHandler(SCHEME)
    for handler in _HANDLERS:
        if shiboken6.isValid(handler) and handler is installed:
            return handler
    if installed is not None:
        profile.removeUrlSchemeHandler(installed)
    handler = TileSchemeHandler(profile)
    profile.installUrlSchemeHandler(SCHEME, handler)
    _HANDLERS.append(handler)
    return handler
