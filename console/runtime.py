"""The console's core at run time: cache, picture, ingest, commands and the network tasks.

``ConsoleCore`` is what the GUI and the headless tools share.  It runs on any
asyncio loop — plain ``asyncio.run`` for ``record`` and tests, qasync under Qt —
and imports no Qt at all.  ``start()`` first restores the operating picture from
the local cache (so the operator sees the last known state at once, even with
the network down), then starts the live source, the outbox sender, the journal
flush ticker and the catalogue fetch as referenced background tasks.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Coroutine

from console.alert_query import ARCHIVE_HITS_SHOWN, AlertFilter
from console.archive_search import ArchiveSearch
from console.camera_url import GatewayOrigins
from console.commands import Commands
from console.events import Event
from console.gateway import GatewayClient, error_text
from console.ingest import Ingest
from console.models import Alert, LayerInfo, Notice, Plan, PlanList
from console.outbox_sender import OutboxSender
from console.reports import ReportFolder
from console.scope_filter import picture_for
from console.source import LiveSource
from console.texts import DisplayText, detail_fields, render, say
from console.transport import cleartext_warning
from district.roles import has_permission
from offline_cache.archive import AlertArchive
from offline_cache.blobs import BlobStore
from offline_cache.db import CACHE_FILE, open_cache
from offline_cache.deadletters import DeadLetters
from offline_cache.journal import Journal
from offline_cache.outbox import Outbox
from offline_cache.snapshots import SnapshotTables

log = logging.getLogger(__name__)

IMPORTED_CAPS_KEY = "cap/imported"
"""BlobStore key: the XML of every CAP file imported at this console, in import order."""
LAYER_INDEX_KEY = "catalogue:layers"
LAYER_KEY = "catalogue:layer:{}"
PLANS_KEY = "catalogue:plans"
STREAM_ORIGIN_KEY = "runtime:stream-origin"  # which backend + scope the cached cursor belongs to
GATEWAYS_USED_KEY = "runtime:gateways-used"
"""BlobStore key: the gateways this cache was fed by, newest first (their streams are rebased)."""
GATEWAYS_REMEMBERED = 32
COUNTS_EVERY_S = 1.0


@dataclass
class ConsoleConfig:
    """How one console runs: which gateway, which cache, which scope and operator.

    ``backend_url=None`` runs from the cache alone (no network tasks). ``backend_urls``
    are further gateways of the same district (replicas of one stream), tried in order
    when the one in use stops answering.
    """

    backend_url: str | None
    cache_dir: Path | str
    scope: str | None = None
    operator: str = "值班员"
    username: str = ""  # the logged-in account (the handover names the person by it); "" without login
    verify: bool | str | Path = True
    token: str | None = field(default=None, repr=False)  # memory only: never in a repr or a log line
    role: str = "operator"  # the seat's role: viewer | operator | supervisor | administrator
    keepalive_timeout_s: float = 30.0
    max_backoff_s: float = 30.0
    flush_interval_s: float = 0.1
    flush_rows: int = 500
    checkpoint_rows: int = 5_000  # Ingest brings the saved snapshot forward this often
    fetch_catalogues: bool = True
    drill: Any = None  # a console.drill.session.DrillSession: drill mode, no network (issue 8)
    categories: tuple[str, ...] = ()  # a department profile's alert categories (local filter)
    backend_urls: tuple[str, ...] = ()  # further gateways of the district, after backend_url
    anchor_period_s: float = 60.0  # the audit chain's head goes to the gateway this often (console.audit_anchor)
    data_mode: str = "live"  # live: a gateway; demo: the embedded feed (simulated); unconfigured: no gateway set (issue 19)

    def __post_init__(self) -> None:
        self.cache_dir = Path(self.cache_dir)
        self.backend_urls = tuple(u for u in self.backend_urls if u and u != self.backend_url)

    @property
    def gateways(self) -> tuple[str, ...]:
        """Every gateway this console may use, preferred first (none without ``backend_url``)."""
        return (self.backend_url, *self.backend_urls) if self.backend_url else ()


class ConsoleCore:
    """The operating picture and everything that keeps it current.

    Attributes available after ``start()``: ``picture`` (also before), ``ingest``,
    ``commands``, ``preferences`` (a BlobStore), ``layers`` (layer id → GeoJSON),
    ``layer_infos``, ``plans`` (plan id → Plan); ``layers_loaded`` / ``plans_loaded``
    (``core.layers_loaded``, ``core.plans_loaded``) are emitted with the dict after
    each (re)load.
    """

    def __init__(self, config: ConsoleConfig) -> None:
        self.config = config
        # A street or department console filters locally too (console/scope_filter.py).
        self.picture = picture_for(config.scope, tuple(config.categories))
        self.layers: dict[str, dict[str, Any]] = {}
        self.layer_infos: dict[str, LayerInfo] = {}
        self.plans: dict[str, Plan] = {}
        self.layers_loaded: Event[[dict[str, dict[str, Any]]]] = Event("core.layers_loaded")
        self.plans_loaded: Event[[dict[str, Plan]]] = Event("core.plans_loaded")
        self.ready = asyncio.Event()
        self.restored = 0  # envelopes replayed from the journal at start
        self.cache: Any = None
        self.journal: Journal | None = None
        self.snapshots: SnapshotTables | None = None
        self.outbox: Outbox | None = None
        self.deadletters: DeadLetters | None = None
        self.preferences: BlobStore | None = None
        self.archive: AlertArchive | None = None
        self.archive_search: ArchiveSearch | None = None  # the archive searched off the GUI thread
        self.ingest: Ingest = None  # type: ignore[assignment]  # set by start()
        self.commands: Commands = None  # type: ignore[assignment]  # set by start()
        self.auditor: Any = None  # console.audit.Auditor, set by start()
        self.exports: Any = None  # console.handover.DutyExports, set by start()
        # Every report the console writes goes to <cache>/reports under a new name (console/reports.py).
        self.reports = ReportFolder(Path(config.cache_dir) / "reports")
        self.cap_ledger: Any = None  # console.cap.CapLedger of imported CAP files
        self.wartime: Any = None  # console.wartime.Wartime, set by start()
        self.tiles: Any = None  # console.tiles.TileService: the map's MBTiles cache and tile source
        self.gateway: GatewayClient | None = None
        self.source: LiveSource | None = None
        self.sender: OutboxSender | None = None
        self.anchors: Any = None  # console.audit_anchor.AnchorSender, with a gateway
        self.task_errors: list[str] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._catalogues_task: asyncio.Task[Any] | None = None
        self._catalogues_loaded = False
        self._started = False
        self._stopped = False

    # ------------------------------------------------------------------ life cycle

    async def start(self) -> None:
        """Open the cache, restore the picture, then start the background tasks."""
        if self._started:
            return
        self._started = True
        cfg = self.config
        cache_dir = Path(cfg.cache_dir)
        cache_dir.mkdir(parents=True, exist_ok=True)
        self.cache = open_cache(cache_dir / CACHE_FILE)
        self.journal = Journal(self.cache)
        self.snapshots = SnapshotTables(self.cache)
        self.outbox = Outbox(self.cache)
        self.deadletters = DeadLetters(self.cache)
        self.preferences = BlobStore(self.cache)
        self.archive = AlertArchive(self.cache)  # closed alerts a day old leave memory for it (issue 18)
        self.archive_search = ArchiveSearch(self.cache.path)
        self.ingest = Ingest(self.picture, self.journal, self.deadletters, self.snapshots,
                             checkpoint_rows=cfg.checkpoint_rows, archive=self.archive)
        self._open_tiles(cache_dir)
        from console.alert_query import names_from_catalogue
        from console.audit import Auditor
        from console.cap import CapLedger
        from console.handover import DutyExports
        from console.workflow import Limits
        from offline_cache.audit_log import AuditLog

        self.auditor = Auditor(AuditLog(self.cache), cfg.operator)
        self.commands = Commands(self.picture, self.outbox, cfg.operator, auditor=self.auditor)
        self.exports = DutyExports(self.picture, self.auditor, names_from_catalogue(self.picture.units),
                                   Limits.from_catalogue(), cfg.operator, reports=self.reports,
                                   username=cfg.username, role=cfg.role)
        self.cap_ledger = CapLedger()
        self.ingest.snapshot_applied.connect(self._reapply_imported_caps)
        self.ingest.command_echoed.connect(self.commands.on_echo)  # echoed command ids confirm pending commands
        notice = getattr(self.cache, "notice", None)
        if notice:
            self._notice(str(notice), "warning")
        moved = getattr(self.cache, "moved_to", None)
        if moved is not None:
            # The new chain starts by saying where the old one went (audit verify names it too).
            self.auditor.record("cache.set_aside", Path(moved).name, reason=str(notice or ""))

        self._follow_gateways()
        try:
            self.restored = int(self.ingest.restore() or 0)
        except Exception:  # noqa: BLE001 - a bad cache must not keep the console from starting
            log.exception("restore from cache failed")
            self._notice(say("cache_restore_failed"), "warning")
        try:
            self.commands.restore_pending()
        except Exception:  # noqa: BLE001
            log.exception("restoring pending commands failed")
        self._load_imported_caps()
        self._load_cached_catalogues()
        try:
            from console.wartime import Wartime  # wartime command: rebuilt from stores, outbox and audit

            self.wartime = Wartime(self)
            self.exports.wartime = self.wartime  # the handover lists the shift's responses
        except Exception:  # noqa: BLE001 - peacetime work must go on without it
            log.exception("wartime state could not be rebuilt")
            self._notice(say("wartime_restore_failed"), "warning")
        self._update_counts(force=True)
        origin = self._stream_origin()
        self.picture.set_connection(
            state="connecting" if cfg.backend_url else "offline",
            backend=cfg.backend_url or "",
            data_mode=cfg.data_mode,
            transport_warning=cleartext_warning(cfg.backend_url),
            **detail_fields(say("connecting") if cfg.backend_url else say("no_gateway")),
        )
        self.ready.set()

        if cfg.backend_url:
            self.gateway = GatewayClient(cfg.gateways, verify=cfg.verify, token=cfg.token,
                                         keepalive_timeout_s=cfg.keepalive_timeout_s)
            self.gateway.switched.connect(self._on_gateway_switched)
            resume = self._resume_cursor() if self._load_origin() == origin else None
            self.source = LiveSource(self.gateway, self.ingest, self.picture, cfg.scope,
                                     resume_from=resume, max_delay_s=cfg.max_backoff_s,
                                     clock=self.picture.clock)
            self.sender = OutboxSender(self.gateway, self.outbox, self.commands, max_delay_s=cfg.max_backoff_s)
            self.source.opened.connect(self._on_source_opened)
            self._save_origin(origin)
            self._spawn(self.source.run(), "live-source")
            self._spawn(self.sender.run(), "outbox-sender")
            from console.audit_anchor import AnchorSender

            self.anchors = AnchorSender(self.gateway, self.auditor.audit_log, period_s=cfg.anchor_period_s)
            self.commands.submitted.connect(self.anchors.wake)  # each command's audit record, anchored
            self._spawn(self.anchors.run(), "audit-anchors")
        elif cfg.drill is not None:
            cfg.drill.attach(self)  # the drill source and its local arbiter replace the network
        self._spawn(self._flush_ticker(), "journal-flush")

    async def stop(self) -> None:
        """Cancel the tasks, flush the journal, close the network and the cache."""
        if self._stopped or not self._started:
            return
        self._stopped = True
        if self.archive_search is not None:
            self.archive_search.stop()
        if self.anchors is not None:
            await self.anchors.final()  # shutdown or logout: the token is still valid here
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        try:
            self.ingest.flush()
        except Exception:  # noqa: BLE001
            log.exception("final journal flush failed")
        if self.gateway is not None:
            try:
                await self.gateway.aclose()
            except Exception:  # noqa: BLE001
                log.exception("closing the gateway client failed")
        if self.tiles is not None:
            try:
                self.tiles.close()
            except Exception:  # noqa: BLE001
                log.exception("closing the tile cache failed")
        self._close_cache()

    def _open_tiles(self, cache_dir: Path) -> None:
        """The map's tile cache (``tiles.mbtiles``) and source; a bad file must not stop the console."""
        from console.tiles import tile_service_for

        try:
            if self.config.drill is not None:
                # A drill never fetches tiles: no source, not even a tile_source.json left in its folder.
                self.tiles = tile_service_for(cache_dir, None, offline_only=True)
            else:
                self.tiles = tile_service_for(cache_dir, self.config.backend_url)
        except Exception:  # noqa: BLE001
            log.exception("tile cache unusable: the map draws without base tiles")
            self.tiles = None

    async def wait_live(self, timeout: float) -> bool:
        """Wait until the stream is live; False on timeout (tests and benches)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.picture.connection.state == "live":
                return True
            await asyncio.sleep(0.05)
        return self.picture.connection.state == "live"

    # ------------------------------------------------------------------ operator services

    def can(self, permission: str) -> bool:
        """Whether this seat's role holds ``permission`` (command, export, reveal)."""
        return has_permission(self.config.role, permission)

    async def search_archive(self, flt: AlertFilter, limit: int = ARCHIVE_HITS_SHOWN) -> list[Alert] | None:
        """Closed alerts that aged out of memory matching the queue's search words (issue 18), on a
        worker thread (console.archive_search); ``None`` when a newer search stopped this one."""
        if self.archive_search is None or not flt.text.strip():
            return []
        return await self.archive_search.find(flt, limit)

    async def reveal_phone(self, alert_id: str) -> str:
        """The reporter's whole number, asked of the gateway and audited (console/reveal.py)."""
        from console.reveal import reveal_phone

        return await reveal_phone(alert_id, known=self.picture.alerts.get(alert_id) is not None,
                                  allowed=self.can("reveal"), gateway=self.gateway, auditor=self.auditor,
                                  role=self.config.role)

    def import_cap(self, path: str | Path) -> Any:
        """Read one CAP 1.2 file and put its warning into the queue; returns the LedgerResult.

        Raises ``console.cap.CapError`` (names the element and the reason) or
        ``OSError``. Update and Cancel messages follow their ``references``. The
        import is audited. An imported warning is local to this console: its XML is
        kept in the cache, so it survives a restart, and it is put back after every
        gateway snapshot (which does not carry it).
        """
        from datetime import datetime, timezone

        from console.cap import parse_cap

        data = Path(path).read_bytes()
        cap = parse_cap(data)
        result = self.cap_ledger.apply(cap, received_at=datetime.now(timezone.utc))
        if result.alert is not None and result.action != "ignored":
            self.picture.alerts.apply(result.alert)
            self._remember_imported_cap(cap.xml)
        if self.auditor is not None:
            self.auditor.record("cap.import", str(path), result=result.action,
                                alert_id=result.alert.id if result.alert else None)
        return result

    def _remember_imported_cap(self, xml: str) -> None:
        """Keep the decoded XML (parse_cap read the file's own encoding) for restarts."""
        assert self.preferences is not None
        kept = self._imported_caps()
        kept.append(xml)
        self.preferences.put(IMPORTED_CAPS_KEY, json.dumps(kept, ensure_ascii=False))

    def _imported_caps(self) -> list[str]:
        raw = self.preferences.get(IMPORTED_CAPS_KEY) if self.preferences is not None else None
        try:
            return [str(x) for x in json.loads(raw)] if raw else []
        except ValueError:
            log.warning("imported CAP list unreadable; starting empty")
            return []

    def _load_imported_caps(self) -> None:
        """Rebuild the CAP ledger from the imported files kept in the cache, in import order."""
        from datetime import datetime, timezone

        from console.cap import CapError, parse_cap

        for xml in self._imported_caps():
            try:
                self.cap_ledger.apply(parse_cap(xml), received_at=datetime.now(timezone.utc))
            except CapError:
                log.warning("a kept CAP import no longer parses; skipped")
        self._reapply_imported_caps()

    def _reapply_imported_caps(self) -> None:
        for alert in self.cap_ledger.values():
            self.picture.alerts.apply(alert)

    # ------------------------------------------------------------------ wiring

    def _follow_gateways(self) -> None:
        """Camera streams on a gateway's own origin follow the gateway in use: those this
        cache was fed by before (a demo feed's earlier random ports, replicas) included."""
        assert self.preferences is not None
        try:
            used = [str(u) for u in json.loads(self.preferences.get(GATEWAYS_USED_KEY) or b"[]")]
        except ValueError:
            used = []
        gateways = list(self.config.gateways)
        self.picture.cameras.follow(GatewayOrigins.of(self.config.backend_url, former=[*gateways, *used]))
        if gateways:
            kept = list(dict.fromkeys([*gateways, *used]))[:GATEWAYS_REMEMBERED]
            self.preferences.put(GATEWAYS_USED_KEY, json.dumps(kept))

    def _on_gateway_switched(self, old: str, new: str) -> None:
        """A failover: the cameras' gateway streams and the plain-HTTP warning follow the gateway now in use."""
        cameras = self.picture.cameras
        cameras.follow(GatewayOrigins.of(new, former=[old, *self.config.gateways, *cameras.origins.former]))
        self.picture.set_connection(transport_warning=cleartext_warning(new))

    def _on_source_opened(self) -> None:
        if self.sender is not None:
            self.sender.wake()  # commands that waited while offline go out now
        if self.config.fetch_catalogues and not self._catalogues_loaded and (
                self._catalogues_task is None or self._catalogues_task.done()):
            self._catalogues_task = self._spawn(self._fetch_catalogues(), "catalogues")

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Start a task we keep a reference to; its failure is logged and shown."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        log.error("task %s failed", task.get_name(), exc_info=exc)
        message = say("task_failed", name=task.get_name(), error=f"{type(exc).__name__}: {str(exc)[:80]}")
        text = render(message)
        self.task_errors.append(text)
        try:
            self.picture.set_connection(**detail_fields(message))
        except Exception:  # noqa: BLE001
            log.exception("could not show the task failure")
        self._notice(message, "critical")

    def _notice(self, text: str | DisplayText, severity: str = "info") -> None:
        """Tell the operator: a notice whose ``text`` is the source language, and the code
        (when given one) kept beside it for the views to translate."""
        try:
            notice = Notice(id=f"console-{time.time_ns()}", severity=severity, text=render(text))
            self.picture.notices.add(notice, text if isinstance(text, DisplayText) else None)
        except Exception:  # noqa: BLE001
            log.exception("could not add a notice")

    # ------------------------------------------------------------------ cursor

    def _stream_origin(self) -> str:
        origin: dict[str, Any] = {"backend": (self.config.backend_url or "").rstrip("/"), "scope": self.config.scope}
        if self.config.backend_urls:  # replicas of one stream: the cursor is good on each of them
            origin["backend"] = sorted(u.rstrip("/") for u in self.config.gateways)
        return json.dumps(origin)

    def _load_origin(self) -> str | None:
        assert self.preferences is not None
        raw = self.preferences.get(STREAM_ORIGIN_KEY)
        return raw.decode("utf-8") if raw else None

    def _save_origin(self, origin: str) -> None:
        assert self.preferences is not None
        self.preferences.put(STREAM_ORIGIN_KEY, origin)

    def _resume_cursor(self) -> str | None:
        """Where the stream resumes: the newer of the last journaled id and the snapshot cursor.

        Ids are opaque strings, so "newer" is decided by journal sequence: the
        snapshot records the journal seq it was taken at.  Without a snapshot there
        is no base state to resume onto, so the console takes one.
        """
        assert self.snapshots is not None and self.journal is not None
        saved = self.snapshots.meta()  # the cursor and seq only, not the saved state
        if saved is None:
            return None
        cursor, journal_seq, _saved_at = saved
        last = self.journal.last_stream_id()
        if last is None or self.journal.max_seq() <= journal_seq:
            return cursor
        return last

    # ------------------------------------------------------------------ periodic work

    async def _flush_ticker(self) -> None:
        """Commit the journal every ``flush_interval_s`` (or sooner with ``flush_rows`` buffered)."""
        assert self.journal is not None
        interval = self.config.flush_interval_s
        step = min(interval, 0.05)  # also notices flush_rows buffered rows within 50 ms
        last_flush = last_counts = time.monotonic()
        while True:
            await asyncio.sleep(step)
            now = time.monotonic()
            try:
                if now - last_flush >= interval or self.journal.pending() >= self.config.flush_rows:
                    last_flush = now
                    self.ingest.flush()  # Ingest also brings the saved snapshot forward (checkpoint)
                if now - last_counts >= COUNTS_EVERY_S:
                    last_counts = now
                    self._update_counts()
            except Exception:  # noqa: BLE001 - a failed flush is retried next tick
                log.exception("journal flush failed")

    def _update_counts(self, force: bool = False) -> None:
        """Dead-letter and unsent-command counts for the status bar, when they changed."""
        if self.deadletters is None or self.outbox is None:
            return
        try:
            dead = self.deadletters.count()
            unsent = int(self.outbox.counts().get("pending", 0))
        except Exception:  # noqa: BLE001
            log.exception("counting the cache failed")
            return
        conn = self.picture.connection
        if force or getattr(conn, "dead_letters", None) != dead or getattr(conn, "outbox_unsent", None) != unsent:
            self.picture.set_connection(dead_letters=dead, outbox_unsent=unsent)

    # ------------------------------------------------------------------ catalogues

    def _load_cached_catalogues(self) -> None:
        """Layers and plans from the cache, so the map draws with no network."""
        assert self.preferences is not None
        try:
            index = self.preferences.get(LAYER_INDEX_KEY)
            if index:
                layers: dict[str, dict[str, Any]] = {}
                for info_doc in json.loads(index):
                    info = LayerInfo.model_validate(info_doc)
                    blob = self.preferences.get(LAYER_KEY.format(info.id))
                    if blob:
                        layers[info.id] = json.loads(blob)
                        self.layer_infos[info.id] = info
                self._publish_layers(layers)
            plans = self.preferences.get(PLANS_KEY)
            if plans:
                self._publish_plans(PlanList.model_validate_json(plans))
        except Exception:  # noqa: BLE001 - a stale cache entry is refetched when online
            log.exception("cached layers/plans unreadable")

    async def _fetch_catalogues(self) -> None:
        """GET layers (each as GeoJSON) and plans; store them in the BlobStore."""
        assert self.gateway is not None and self.preferences is not None
        try:
            listing = await self.gateway.layers()
            layers: dict[str, dict[str, Any]] = {}
            for info in listing.layers:
                doc = await self.gateway.layer(info.id)
                self.preferences.put(LAYER_KEY.format(info.id), json.dumps(doc, ensure_ascii=False))
                layers[info.id] = doc
                self.layer_infos[info.id] = info
            index = [i.model_dump(mode="json") for i in listing.layers]
            self.preferences.put(LAYER_INDEX_KEY, json.dumps(index, ensure_ascii=False))
            self._publish_layers(layers)
            plans = await self.gateway.plans()
            self.preferences.put(PLANS_KEY, plans.model_dump_json())
            self._publish_plans(plans)
            self._catalogues_loaded = True
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - retried at the next reconnect
            log.warning("fetching layers/plans failed: %s", exc)
            self._notice(say("catalogues_failed", reason=error_text(exc)), "warning")

    def _publish_layers(self, layers: dict[str, dict[str, Any]]) -> None:
        # Mutate in place: views may hold a reference to core.layers.
        self.layers.clear()
        self.layers.update(layers)
        self.layers_loaded.emit(self.layers)

    def _publish_plans(self, plans: PlanList) -> None:
        self.plans.clear()
        self.plans.update({p.id: p for p in plans.plans})
        self.plans_loaded.emit(self.plans)

    # ------------------------------------------------------------------ shutdown

    def _close_cache(self) -> None:
        cache = self.cache
        if cache is None:
            return
        close = getattr(cache, "close", None)
        try:
            close() if callable(close) else cache.db.close()
        except Exception:  # noqa: BLE001
            log.exception("closing the cache failed")
