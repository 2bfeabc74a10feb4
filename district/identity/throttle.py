"""Login throttling per user name and per client address (:class:`LoginThrottle`)."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Strikes:
    """One throttled key's record: recent failure times, lockouts so far, lock end, last failure."""

    failures: list[float] = field(default_factory=list)
    lockouts: int = 0
    locked_until: float = 0.0
    last_failure: float = 0.0

    def as_json(self) -> bytes:
        return json.dumps({"failures": self.failures, "lockouts": self.lockouts,
                           "locked_until": self.locked_until, "last_failure": self.last_failure}).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> "Strikes":
        doc = json.loads(raw)
        return cls([float(t) for t in doc.get("failures", ())][-10_000:], int(doc.get("lockouts", 0)),
                   float(doc.get("locked_until", 0.0)), float(doc.get("last_failure", 0.0)))


class LoginThrottle:
    """Slows password guessing, per user name and per client address.

    After ``max_failures`` failures within ``window_s`` (``address_max_failures`` for an
    address, which many seats may share), the key is locked for ``first_delay_s``; every
    further failure while the key is remembered locks it again for twice as long, up to
    ``max_delay_s``. A key is forgotten after ``window_s`` without failures once its lock
    has ended (that is how an address counter decays); a successful login forgets the
    user's key at once. At most ``max_keys`` keys are tracked, the least recently touched
    forgotten first.

    The server asks :meth:`check` before touching the password (a positive answer is the
    number of seconds to wait: answer 429 with ``Retry-After: ceil(wait)``), then reports
    :meth:`failed` or :meth:`succeeded`. The HTTP route calls the ``a``-prefixed forms,
    which a throttle shared by several servers overrides (``gateway.throttle``: the same
    arithmetic, :meth:`strike` and :meth:`wait_of`, over a key-value store).
    """

    def __init__(self, *, max_failures: int = 5, address_max_failures: int = 20, window_s: float = 300.0,
                 first_delay_s: float = 1.0, max_delay_s: float = 900.0, max_keys: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if max_failures < 1 or address_max_failures < 1 or max_keys < 2:
            raise ValueError("max_failures, address_max_failures ≥ 1 and max_keys ≥ 2")
        self.max_failures = max_failures
        self.address_max_failures = address_max_failures
        self.window_s = window_s
        self.first_delay_s = first_delay_s
        self.max_delay_s = max_delay_s
        self.max_keys = max_keys
        self.clock = clock
        self._keys: OrderedDict[tuple[str, str], Strikes] = OrderedDict()
        self._lock = threading.Lock()

    # -- the arithmetic, on one key's record (shared by every store)

    def expired(self, strikes: Strikes, now: float) -> bool:
        """Forgotten: ``window_s`` without failures and no lock in force."""
        return now - max(strikes.last_failure, strikes.locked_until) > self.window_s

    def wait_of(self, strikes: Strikes | None, now: float) -> float:
        if strikes is None or self.expired(strikes, now):
            return 0.0
        return max(0.0, strikes.locked_until - now)

    def strike(self, kind: str, strikes: Strikes | None, now: float) -> Strikes:
        """The record after one more failure (``kind`` is ``user`` or ``addr``)."""
        limit = self.max_failures if kind == "user" else self.address_max_failures
        if strikes is None or self.expired(strikes, now):
            strikes = Strikes()
        strikes.failures = [t for t in strikes.failures if t > now - self.window_s][-(limit - 1):] + [now]
        strikes.last_failure = now
        if strikes.lockouts or len(strikes.failures) >= limit:
            delay = min(self.first_delay_s * 2.0 ** min(strikes.lockouts, 64), self.max_delay_s)
            strikes.locked_until = now + delay
            strikes.lockouts += 1
        return strikes

    def keep_s(self) -> float:
        """How long a record can matter after its last change (a shared store's per-key TTL)."""
        return self.window_s + self.max_delay_s

    @staticmethod
    def keys_of(username: str, address: str) -> tuple[tuple[str, str], tuple[str, str]]:
        # A caller chooses the user name: cap its length so a key costs little memory.
        return ("user", username[:128]), ("addr", address[:64])

    # -- this process's own store

    def check(self, username: str, address: str) -> float:
        """Seconds the caller must wait before this attempt may be checked; 0.0 = go ahead."""
        now = self.clock()
        with self._lock:
            return max(self.wait_of(self._live(key, now), now) for key in self.keys_of(username, address))

    def failed(self, username: str, address: str) -> None:
        """Record a failed attempt (wrong password or unknown user)."""
        now = self.clock()
        with self._lock:
            for key in self.keys_of(username, address):
                self._keys[key] = self.strike(key[0], self._live(key, now), now)
                self._keys.move_to_end(key)
            while len(self._keys) > self.max_keys:
                self._keys.popitem(last=False)

    def succeeded(self, username: str, address: str) -> None:
        """A login succeeded: the user's failures are forgiven (the address's decay with time)."""
        with self._lock:
            self._keys.pop(self.keys_of(username, address)[0], None)

    async def acheck(self, username: str, address: str) -> float:
        return self.check(username, address)

    async def afailed(self, username: str, address: str) -> None:
        self.failed(username, address)

    async def asucceeded(self, username: str, address: str) -> None:
        self.succeeded(username, address)

    def __len__(self) -> int:
        """How many keys (user names and addresses) are tracked."""
        return len(self._keys)

    def _live(self, key: tuple[str, str], now: float) -> Strikes | None:
        strikes = self._keys.get(key)
        if strikes is not None and self.expired(strikes, now):
            del self._keys[key]
            return None
        return strikes
