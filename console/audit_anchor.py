"""Anchoring the audit chain outside the cache file, and checking a cache against the anchors.

A hash chain in a file its user can write proves little on its own: whoever can write
the file can rewrite a record and recompute every hash after it with the public
``record_hash()``, cut the newest records, or put back an older copy of the file. So the
console hands its chain head (sequence number and hash) to the server it works with
(``POST /api/v1/audit/anchors``), which keeps it per seat with the time it received it
(:mod:`district.anchors`).

:class:`AnchorSender` does that beside the outbox, never in its way: after each command
the operator submits (the command's audit record is written at submit), every
``period_s`` while the console runs, and once more when the core stops (shutdown or
logout: the token is still valid then). A head already anchored is not sent again.
Failures are only logged: the next wake or period tries again.

:func:`check_against` is the verdict of ``pingshan-console audit verify --against URL``:
every anchored (seq, hash) of the seat must be in the local chain with that hash. A
rewrite-and-rehash shows as a hash mismatch at an anchored seq; a cut chain or an older
copy of the file as anchored seqs the chain does not reach.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, Sequence

from console.models import AnchoredHead
from offline_cache.audit_log import AuditLog, VerifyResult

log = logging.getLogger(__name__)

ANCHOR_PERIOD_S = 60.0
"""How often a live console anchors its head (when it moved)."""
SETTLE_S = 0.2
"""After a wake, wait this long so that a burst of commands is anchored once."""
FINAL_TIMEOUT_S = 3.0
"""What the last anchor at stop may take."""


class AnchorSender:
    """Sends the audit chain's head to the gateway: on :meth:`wake`, every ``period_s``, at :meth:`final`."""

    def __init__(self, gateway: Any, audit_log: AuditLog, *, period_s: float = ANCHOR_PERIOD_S,
                 settle_s: float = SETTLE_S) -> None:
        self.gateway = gateway
        self.audit_log = audit_log
        self.period_s = period_s
        self.settle_s = settle_s
        self.anchored: tuple[int, str] | None = None  # the last head the server took
        self.sent = 0  # anchors the server took (200 or 201)
        self.last_error: str | None = None
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()

    def wake(self) -> None:
        """Anchor the head soon (a command was just submitted, so a new audit record exists)."""
        self._wake.set()

    async def run(self) -> None:
        """Anchor until cancelled; never raises anything but CancelledError."""
        while True:
            await self.send_head()
            try:
                async with asyncio.timeout(self.period_s):
                    await self._wake.wait()
                await asyncio.sleep(self.settle_s)
            except TimeoutError:
                pass
            self._wake.clear()

    async def send_head(self) -> bool:
        """Anchor the current head unless the server has it already; True when it has it now."""
        async with self._lock:
            try:
                head = self.audit_log.head()
            except Exception:  # noqa: BLE001 - a cache closed under us (stop), or unreadable
                log.warning("audit head not readable", exc_info=True)
                return False
            if head is None or head == self.anchored:
                return True
            try:
                status, body = await self.gateway.post_anchor(*head)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - network trouble: the next round tries again
                return self._failed(f"{type(exc).__name__}: {exc}")
            if status in (200, 201):
                self.anchored = head
                self.sent += 1
                self.last_error = None
                return True
            return self._failed(f"HTTP {status}: {body[:200].decode('utf-8', 'replace')}")

    def _failed(self, reason: str) -> bool:
        if reason != self.last_error:
            log.warning("audit head not anchored: %s", reason)
        self.last_error = reason
        return False

    async def final(self, timeout_s: float = FINAL_TIMEOUT_S) -> bool:
        """The last anchor (shutdown, logout), bounded so that stopping never hangs on it."""
        try:
            async with asyncio.timeout(timeout_s):
                return await self.send_head()
        except TimeoutError:
            self._failed(f"no answer within {timeout_s:g} s at stop")
            return False


# --------------------------------------------------------------------------- the check


@dataclass(frozen=True)
class AnchorProblem:
    """One anchored head the local chain does not hold."""

    anchor: AnchoredHead
    kind: str  # "mismatch" | "missing"
    local_hash: str | None = None


@dataclass(frozen=True)
class AnchorCheck:
    """Outcome of :func:`check_against`."""

    chain: VerifyResult
    anchors: int
    local_head: int = 0  # the newest seq in the file, whether the chain holds or not
    problems: tuple[AnchorProblem, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.problems


def _when(head: AnchoredHead) -> str:
    return head.received_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def check_against(audit_log: AuditLog, anchors: Sequence[AnchoredHead]) -> AnchorCheck:
    """Check the chain in ``audit_log`` itself, then against every anchored head of its seat."""
    chain = audit_log.verify()
    wanted = sorted({a.seq for a in anchors})
    local: dict[int, str] = {}
    conn = audit_log.db.conn
    for start in range(0, len(wanted), 500):
        part = wanted[start:start + 500]
        marks = ",".join("?" * len(part))
        for seq, digest in conn.execute(f"SELECT seq, hash FROM audit WHERE seq IN ({marks})", part):
            local[int(seq)] = str(digest)
    problems: list[AnchorProblem] = []
    for anchor in sorted(anchors, key=lambda a: (a.seq, a.received_at)):
        have = local.get(anchor.seq)
        if have is None:
            problems.append(AnchorProblem(anchor, "missing"))
        elif have != anchor.hash:
            problems.append(AnchorProblem(anchor, "mismatch", have))
    head = audit_log.head()
    return AnchorCheck(chain, len(anchors), head[0] if head else 0, tuple(problems))


def format_check(check: AnchorCheck, where: str) -> list[str]:
    """The Chinese verdict lines; the first says it all, the rest name each problem (at most 10)."""
    chain = check.chain
    if check.ok:
        if check.anchors == 0:
            return [f"审计链完整：{chain.checked} 条记录；网关 {where} 尚无本席位的锚点，未能核对末尾记录"]
        return [f"审计链完整，与网关锚点相符：{chain.checked} 条记录，{check.anchors} 个锚点均在链中"
                f"（网关 {where}）"]
    lines: list[str] = []
    if not chain.ok:
        lines.append(f"审计链断裂：第 {chain.first_broken_seq} 条记录未通过校验：{chain.reason}")
    if check.problems:
        first = check.problems[0]
        head = check.local_head
        what = "的哈希与锚点不同" if first.kind == "mismatch" else "不在本地链中"
        lines.append(f"与网关锚点不符：第 {first.anchor.seq} 条{what}"
                     f"（{len(check.problems)}/{check.anchors} 个锚点不符；网关 {where}）")
        for p in check.problems[:10]:
            if p.kind == "mismatch":
                lines.append(f"  第 {p.anchor.seq} 条：本地哈希 {str(p.local_hash)[:16]}… 与网关于 {_when(p.anchor)} "
                             f"收到的锚点 {p.anchor.hash[:16]}… 不同（记录被改写并重新计算了哈希）")
            else:
                lines.append(f"  第 {p.anchor.seq} 条：网关于 {_when(p.anchor)} 锚定了该条，本地链只到第 {head} 条"
                             "（末尾记录被删除，或换入了较旧的缓存文件）")
        if len(check.problems) > 10:
            lines.append(f"  ……另有 {len(check.problems) - 10} 个锚点不符")
    return lines
