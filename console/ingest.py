"""Ingest: validate → journal → store, for every source (live, replay, drill).

A message that is not a valid v1 envelope goes to the dead letters with its reason
and is counted; the stream goes on.  A valid one is appended to the journal
(committed in batches by ``flush``) and applied to the picture.  ``restore`` rebuilds
the picture after a restart from the snapshot tables plus the journal tail.

What Ingest announces (``console.events.Event``): ``envelope_accepted(envelope,
body)`` for every accepted envelope (``record`` writes them out), ``command_echoed
(command_id)`` when an upsert echoes an operator command (``Commands.on_echo``), and
``snapshot_applied()`` after a gateway snapshot replaced the picture (the runtime
puts imported CAP warnings back).
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from datetime import datetime
from typing import Any

from console.bulk import collector_paused
from console.events import Event
from console.models import (
    AlertUpsert,
    CameraUpsert,
    DeviceUpsert,
    Envelope,
    IncidentUpsert,
    InvalidEnvelope,
    Snapshot,
    TaskUpsert,
    envelope_adapter,
    parse_envelope,
)
from console.stores import OperatingPicture
from console.texts import DisplayText, say, spoken
from offline_cache.archive import AlertArchive, ArchivedAlert
from offline_cache.deadletters import DeadLetters
from offline_cache.journal import Journal
from offline_cache.snapshots import SnapshotTables

log = logging.getLogger(__name__)

CHECKPOINT_ROWS = 5_000
"""Journal rows after which the saved snapshot is brought forward (incrementally), so a
restart replays at most about this many envelopes after the snapshot."""

JOURNAL_KEEP_ROWS = 500_000
"""Rows kept in the journal behind the last checkpoint (for replays and diagnosis);
older ones are pruned a chunk at a time."""

HISTORY_REFILL_ROWS = 20_000
"""How far back before the snapshot a restart refills reading and indicator history."""

_HISTORY_TYPES = ("reading.batch", "indicator.values")

_TYPE_KIND = {
    "alert.upsert": "alerts",
    "device.upsert": "devices",
    "camera.upsert": "cameras",
    "incident.upsert": "incidents",
    "task.upsert": "tasks",
}

_UPSERTS = (AlertUpsert, DeviceUpsert, CameraUpsert, IncidentUpsert, TaskUpsert)
"""The envelopes of revisioned objects (the kinds of ``_TYPE_KIND``)."""

RECENT_IDS = 20_000
"""Stream ids remembered to drop an event sent twice."""

AGE_OUT_EVERY_S = 600.0
"""Stream time between two passes that move closed alerts out of the picture into the
archive (``AlertStore.age_out``): a pass reads every alert once, and a day's keep needs no
finer step than ten minutes."""

FRESHNESS_EVERY_S = 0.2
"""Longest delay before ``connection.data_as_of`` / ``last_message_at`` follow the stream."""


class Ingest:
    """The single entry of data into the console."""

    def __init__(
        self,
        picture: OperatingPicture,
        journal: Journal,
        deadletters: DeadLetters,
        snapshots: SnapshotTables,
        origin: str = "live",
        checkpoint_rows: int = CHECKPOINT_ROWS,
        journal_keep_rows: int = JOURNAL_KEEP_ROWS,
        archive: AlertArchive | None = None,
    ) -> None:
        self.picture = picture
        self.journal = journal
        self.deadletters = deadletters
        self.snapshots = snapshots
        self.origin = origin
        self.archive = archive
        """Where closed alerts go when they age out of the picture (None: they stay)."""
        self.archived = 0
        self._aged_mark: datetime | None = None
        self.accepted = 0
        self.rejected = 0
        self.envelope_accepted: Event[[Envelope, str]] = Event("ingest.envelope_accepted")
        """(envelope, body JSON) for every accepted envelope, after it is journaled and applied."""
        self.command_echoed: Event[[str]] = Event("ingest.command_echoed")
        """The command id an accepted upsert echoes (``last_command_id``): it is confirmed."""
        self.snapshot_applied: Event[[]] = Event("ingest.snapshot_applied")
        """A gateway snapshot replaced the picture: local-only objects (imported CAP
        warnings) are put back by their owner."""
        self._latest_ts: datetime | None = None
        self.checkpoint_rows = checkpoint_rows
        self.journal_keep_rows = journal_keep_rows
        self.checkpoints = 0
        # Objects changed since the saved snapshot was last brought forward.
        self._dirty: dict[str, set[str]] = {kind: set() for kind in _TYPE_KIND.values()}
        self._indicators_dirty = False
        self._checkpoint_seq = 0
        # Checkpoints only extend a snapshot this session restored or saved: on a cache
        # not restored into the picture, dirty ids alone would not describe the state.
        self._has_snapshot = False
        self._freshness_mark = -FRESHNESS_EVERY_S  # the first envelope is published at once
        # Stream ids accepted lately: a gateway (or a proxy) that sends an event twice
        # must not journal or apply it twice.  Bounded: ids are resumable cursors, a
        # repeat from far back is answered by the gateway's reset, not by this window.
        self._recent_ids: set[str] = set()
        self._recent_order: deque[str] = deque()
        self.duplicates = 0
        # A gateway snapshot was applied but could not be saved: the saved tables no
        # longer match the stream position, so a source that held for the disk takes
        # a fresh snapshot before it resumes (LiveSource._hold).
        self.snapshot_unsaved = False
        picture.set_connection(dead_letters=deadletters.count())

    def hold_reason(self) -> DisplayText | None:
        """Why sources must stop consuming now, or None.

        While the journal refuses rows (disk full, write error, backlog), taking more
        would either grow memory without bound or, if anything were dropped, move the
        resume cursor past an envelope that was never journaled.  Sources therefore
        hold, show this text, and go on once a flush succeeded (issue 18).
        """
        journal = self.journal
        if not journal.refusing():
            return None
        n = journal.pending()
        if journal.last_error is None:
            return say("journal_backlog_hold", n=n)
        if journal.disk_full:
            return say("disk_full_hold", n=n)
        return say("journal_failed_hold", n=n, error=journal.last_error[:60])

    def accept(self, raw: bytes | str, stream_id: str | None = None) -> Envelope | None:
        """Validate and take one raw message; return the envelope, or None if rejected."""
        try:
            envelope = parse_envelope(raw)
        except InvalidEnvelope as exc:
            self._reject(exc.reason, raw)
            return None
        if stream_id and stream_id != envelope.id:
            self._reject(f"SSE id 与消息 id 不一致（{stream_id} ≠ {envelope.id}）", raw)
            return None
        if stream_id and stream_id in self._recent_ids:
            self.duplicates += 1
            log.info("stream id %s received again: ignored (%d repeats so far)", stream_id, self.duplicates)
            return None
        body = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        if envelope.type != "reset":
            self.journal.append(envelope.id, envelope.type, envelope.ts.isoformat(), body)
        if stream_id:
            # Only once it is journaled: a message whose append failed is fetched again by
            # the source (LiveSource._accept) and must then be taken, not called a repeat.
            self._remember(stream_id)
        if envelope.type != "reset":
            self.picture.apply(envelope)
            self._note_dirty(envelope)
        self.accepted += 1
        self._latest_ts = envelope.ts
        mono = time.monotonic()
        if mono - self._freshness_mark >= FRESHNESS_EVERY_S:
            # The status bar's "data as of" needs no more than a few updates a second;
            # per message this bookkeeping would cost a quarter of the ingest time.
            self._freshness_mark = mono
            self._publish_freshness()
        command_id = getattr(envelope.payload, "last_command_id", None)
        # The envelope is journaled and applied already: a failing handler is logged
        # by the event and never stops the stream.
        if command_id:
            self.command_echoed.emit(command_id)
        self.envelope_accepted.emit(envelope, body)
        return envelope

    def _remember(self, stream_id: str) -> None:
        self._recent_ids.add(stream_id)
        self._recent_order.append(stream_id)
        if len(self._recent_order) > RECENT_IDS:
            self._recent_ids.discard(self._recent_order.popleft())

    def reject(self, reason: str, raw: bytes | str, origin: str | None = None) -> None:
        """Dead-letter a message the source already knows is bad (e.g. cut for size)."""
        self._reject(reason, raw, origin)

    def _reject(self, reason: str, raw: bytes | str, origin: str | None = None) -> None:
        self.rejected += 1
        try:
            self.deadletters.add(reason, raw, self.origin if origin is None else f"{self.origin}:{origin}")
        except Exception:  # noqa: BLE001 - even a failing disk must not stop the stream
            log.exception("dead letter not stored: %s", reason)
        self.picture.set_connection(dead_letters=self.picture.connection.dead_letters + 1)
        log.warning("dead letter (%s): %s", self.origin, reason)

    def _publish_freshness(self) -> None:
        if self._latest_ts is not None:
            self.picture.set_connection(last_message_at=self.picture.clock.wall(), data_as_of=self._latest_ts)

    def flush(self) -> int:
        """Commit the buffered journal rows; surface a disk problem in the connection state
        and bring ``data_as_of`` up to the newest accepted envelope."""
        return self._flush(checkpoint=True)

    def _flush(self, checkpoint: bool) -> int:
        n = self.journal.flush()
        warning = self.journal.last_error  # nothing is ever dropped: sources hold instead
        self.picture.set_connection(journal_warning=warning)
        if self._latest_ts is not None and self.picture.connection.data_as_of != self._latest_ts:
            self._publish_freshness()
        if checkpoint and warning is None:
            self._age_out()
        if (checkpoint and self._has_snapshot and warning is None and self.journal.pending() == 0
                and self.journal.max_seq() - self._checkpoint_seq >= self.checkpoint_rows):
            self._checkpoint_changes()
        return n

    def _age_out(self, at: datetime | None = None) -> None:
        """Move closed alerts a day old out of the picture into the archive, at most once per
        ``AGE_OUT_EVERY_S`` of stream time; the next checkpoint drops them from the snapshot.
        ``at`` (a snapshot's time) forces a pass then."""
        now = at or self._latest_ts
        if self.archive is None or now is None:
            return
        if at is None and self._aged_mark is not None and (now - self._aged_mark).total_seconds() < AGE_OUT_EVERY_S:
            return
        self._aged_mark = now
        old = self.picture.alerts.age_out(now)
        if not old:
            return
        from console.alert_query import names_from_catalogue, search_text

        names = names_from_catalogue(self.picture.units)
        try:
            self.archived += self.archive.put(
                ArchivedAlert(a.id, a.rev, a.created_at.timestamp(), a.level, a.status, a.street, a.category,
                              search_text(a, names), a.model_dump_json()) for a in old)
        except Exception:  # noqa: BLE001 - not archived: they stay in memory, tried again next pass
            log.exception("closed alerts not archived; kept in memory")
            for a in old:
                self.picture.alerts.apply(a)
            return
        if self._has_snapshot:
            self._dirty["alerts"].update(a.id for a in old)

    def _note_dirty(self, envelope: Envelope) -> None:
        if not self._has_snapshot:
            return  # nothing to bring forward: the first save writes the whole picture
        if isinstance(envelope, _UPSERTS):
            self._dirty[_TYPE_KIND[envelope.type]].add(envelope.payload.id)
        elif envelope.type == "indicator.values":
            self._indicators_dirty = True

    def _checkpoint_changes(self) -> None:
        """Bring the saved snapshot up to the journal's end with only what changed,
        then prune journal rows far behind it.  Called right after a complete flush,
        so the picture, the journal end and the cursor agree."""
        cursor = self.journal.last_stream_id()
        if cursor is None:
            return
        seq = self.journal.max_seq()
        upserts: dict[str, list[tuple[str, str]]] = {}
        removals: dict[str, list[str]] = {}
        for kind, ids in self._dirty.items():
            store = getattr(self.picture, kind)
            for item_id in ids:
                item = store.get(item_id)
                if item is None:
                    removals.setdefault(kind, []).append(item_id)
                else:
                    upserts.setdefault(kind, []).append((item_id, store.body_of(item)))
        if self._indicators_dirty:
            upserts["indicators"] = self.picture.state_bodies_of("indicators")
        try:
            self.snapshots.update(upserts, cursor, seq, removals)
        except Exception as exc:  # noqa: BLE001 - the journal still has everything; try next time
            log.exception("checkpoint failed")
            self.picture.set_connection(journal_warning=spoken("snapshot_update_failed", error=str(exc)[:60]))
            return
        for ids in self._dirty.values():
            ids.clear()
        self._indicators_dirty = False
        self._checkpoint_seq = seq
        self.checkpoints += 1
        if seq - self.journal_keep_rows > 0:
            self.journal.prune(seq - self.journal_keep_rows, limit=10_000)  # a short delete per checkpoint

    def _mark_saved(self) -> None:
        for ids in self._dirty.values():
            ids.clear()
        self._indicators_dirty = False
        self._checkpoint_seq = self.journal.max_seq()
        self._has_snapshot = True

    def accept_snapshot(self, snapshot: Snapshot) -> None:
        """Replace the picture with a gateway snapshot and save it at the current journal position.

        When the saved snapshot already mirrors the picture (restored or saved in this
        session), only the objects the new snapshot changed or removed are written: a
        reconnect with 100,000 mostly unchanged alerts then costs a comparison per
        alert instead of a JSON dump and a row each.
        """
        with collector_paused(keep=True):  # console.bulk: 100,000 devices, kept in the stores
            self._accept_snapshot(snapshot)
        self.snapshot_applied.emit()  # the snapshot is applied and saved whatever a handler does

    def _accept_snapshot(self, snapshot: Snapshot) -> None:
        incremental = self._has_snapshot
        before: dict[str, dict[str, Any]] = {}
        if incremental:
            for kind in _TYPE_KIND.values():
                before[kind] = {item.id: item for item in getattr(self.picture, kind).values()}
            before["units"] = dict(self.picture.units)
        self.picture.load_snapshot(snapshot)
        # A gateway keeps closed alerts longer than the picture does: those past the keep
        # go straight back to the archive, not into memory until the next pass.
        self._age_out(at=max(snapshot.generated_at, self._latest_ts or snapshot.generated_at))
        self._flush(checkpoint=False)  # the journal end is the position this snapshot is saved at
        try:
            if incremental:
                upserts, removals = self._snapshot_changes(before)
                self.snapshots.update(upserts, snapshot.cursor, self.journal.max_seq(), removals)
            else:
                self.snapshots.save(self.picture.state_bodies(), snapshot.cursor, self.journal.max_seq())
        except Exception as exc:  # noqa: BLE001 - the live picture is right even if the disk is not
            log.exception("snapshot not saved")
            self.picture.set_connection(journal_warning=spoken("snapshot_save_failed", error=str(exc)))
            self._has_snapshot = False  # the tables no longer mirror the picture: next time in full
            self.snapshot_unsaved = True
        else:
            self._mark_saved()
            self.snapshot_unsaved = False

    def _snapshot_changes(self, before: dict[str, dict[str, Any]]
                          ) -> tuple[dict[str, list[tuple[str, str]]], dict[str, list[str]]]:
        """Rows to write and delete so that the saved tables equal the picture again."""
        upserts: dict[str, list[tuple[str, str]]] = {}
        removals: dict[str, list[str]] = {}
        for kind in _TYPE_KIND.values():
            old = before[kind]
            dirty = self._dirty[kind]
            store = getattr(self.picture, kind)
            rows = [(item.id, store.body_of(item)) for item in store.values()
                    if item.id in dirty or (prev := old.get(item.id)) is None or prev.rev != item.rev]
            if rows:
                upserts[kind] = rows
            gone = [i for i in (old.keys() | dirty) if i not in store]
            if gone:
                removals[kind] = gone
        upserts["units"] = self.picture.state_bodies_of("units")
        removals["units"] = [i for i in before["units"] if i not in self.picture.units]
        upserts["indicators"] = self.picture.state_bodies_of("indicators")
        return upserts, removals

    def checkpoint(self, cursor: str | None = None) -> None:
        """Save the whole current picture as the snapshot (shortens the replay at restart).

        ``cursor`` defaults to the last journaled stream id.  ``flush`` already brings
        the snapshot forward incrementally every ``checkpoint_rows`` rows.
        """
        self.flush()
        cursor = cursor if cursor is not None else self.journal.last_stream_id()
        if cursor is None:
            return
        self.snapshots.save(self.picture.state_bodies(), cursor, self.journal.max_seq())
        self._mark_saved()

    def restore(self) -> int:
        """Rebuild the picture from the snapshot tables and the journal tail; return rows replayed."""
        saved = self.snapshots.load()
        after = 0
        if saved is not None:
            after = saved.journal_seq
            try:
                snapshot = _saved_snapshot(saved.state, saved.cursor, saved.saved_at)
            except Exception:  # noqa: BLE001 - an unreadable snapshot: replay the whole journal
                log.exception("saved snapshot unreadable; replaying the whole journal")
                after = 0
            else:
                # Readings and indicator values are history, not snapshot state: refill
                # the rings from the journal rows just before the snapshot first.
                for _seq, _sid, body in self.journal.read_types(
                        _HISTORY_TYPES, max(after - HISTORY_REFILL_ROWS, 0), after):
                    try:
                        self.picture.apply(envelope_adapter.validate_json(body))
                    except Exception:  # noqa: BLE001 - history is best effort
                        log.warning("journal row %s unreadable, skipped", _seq)
                self.picture.load_snapshot(snapshot)
                self._checkpoint_seq = after
                self._has_snapshot = True
        replayed = 0
        latest_ts = None
        for _seq, _sid, body in self.journal.read_after(after):
            try:
                envelope = envelope_adapter.validate_json(body)
            except Exception:  # noqa: BLE001 - a damaged row is skipped, not fatal
                log.warning("journal row %s unreadable, skipped", _seq)
                continue
            self.picture.apply(envelope)
            self._note_dirty(envelope)
            latest_ts = envelope.ts
            replayed += 1
        if latest_ts is not None:
            self.picture.set_connection(data_as_of=latest_ts)
        return replayed


def _saved_snapshot(state: dict[str, list[str]], cursor: str, saved_at: str) -> Snapshot:
    """Rebuild a Snapshot from the saved JSON bodies with one validation pass.

    The bodies are spliced into one JSON document rather than parsed one by one:
    pydantic then validates 100,000 alerts in one call, several times faster than
    ``json.loads`` plus ``model_validate`` per object.
    """
    parts = [f'"cursor": {json.dumps(cursor)}', f'"generated_at": {json.dumps(saved_at)}']
    for kind in (*_TYPE_KIND.values(), "units", "indicators"):
        bodies = state.get(kind)
        if bodies:
            parts.append(f'"{kind}": [' + ",".join(bodies) + "]")
    with collector_paused(keep=True):  # console.bulk: a snapshot of 100,000 devices, kept
        return Snapshot.model_validate_json("{" + ", ".join(parts) + "}")
