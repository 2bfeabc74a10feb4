"""Small named blobs: layers' GeoJSON, contingency plans, window layout, preferences."""

from __future__ import annotations

from offline_cache._tx import transaction
from offline_cache.db import CacheDb, utc_now_iso


class BlobStore:
    """Table ``blobs(key, data, updated_at)``; ``put`` commits at once."""

    def __init__(self, cache: CacheDb) -> None:
        self.cache = cache
        self._conn = cache.conn

    def put(self, key: str, data: bytes | str) -> None:
        """Store (or replace) ``data`` under ``key``; text is stored as UTF-8."""
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        with transaction(self._conn):
            self._conn.execute(
                "INSERT INTO blobs (key, data, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
                (key, raw, utc_now_iso()))

    def get(self, key: str) -> bytes | None:
        """The bytes stored under ``key``, or None."""
        row = self._conn.execute("SELECT data FROM blobs WHERE key = ?", (key,)).fetchone()
        return bytes(row[0]) if row else None

    def delete(self, key: str) -> None:
        """Forget ``key`` (no error when absent)."""
        with transaction(self._conn):
            self._conn.execute("DELETE FROM blobs WHERE key = ?", (key,))

    def keys(self, prefix: str = "") -> list[str]:
        """Stored keys starting with ``prefix``, sorted."""
        rows = self._conn.execute("SELECT key FROM blobs WHERE key >= ? ORDER BY key", (prefix,)).fetchall()
        return [r[0] for r in rows if r[0].startswith(prefix)]
