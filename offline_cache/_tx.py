"""One explicit transaction on the cache connection, whatever its isolation mode.

The cache connection runs in autocommit mode (``isolation_level=None``) so that
nothing is left in an implicit transaction holding the WAL; writes that belong
together say so with :func:`transaction`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``; rolled back if the block raises."""
    if not conn.in_transaction:
        conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise
    else:
        conn.commit()


@contextmanager
def synchronous(conn: sqlite3.Connection, level: str, restore: str) -> Iterator[sqlite3.Connection]:
    """Commit the block's transaction at ``PRAGMA synchronous = level``, then go back to
    ``restore`` whatever happens.  Inside a transaction already open it changes nothing:
    that transaction's owner decides how it commits."""
    if conn.in_transaction:
        yield conn
        return
    conn.execute(f"PRAGMA synchronous = {level}")
    try:
        yield conn
    finally:
        conn.execute(f"PRAGMA synchronous = {restore}")
