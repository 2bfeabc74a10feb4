"""Bad input and bad gateways: each becomes a dead letter or a status detail, never a crash.

One feed and one console run through every fault in turn (that keeps the test
short); after each, later valid envelopes must still arrive, and at the end the
console's alerts must equal the feed's (nothing accepted was lost).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Callable

import httpx

from console.feed_process import FeedProcess
from console.runtime import ConsoleConfig, ConsoleCore
from tests.support.asyncsupport import run, until


VALID_NOTICE = {"v": 1, "type": "notice", "ts": "2026-11-28T15:00:00+08:00",
                "payload": {"id": "n-fault", "severity": "info", "text": "故障注入后的正常消息"}}

HUGE = b'{"v": 1, "id": "1", "type": "notice", "payload": {"text": "' + b"x" * 5_000_000 + b'"}}'

BAD_MESSAGES: list[tuple[str, bytes, str]] = [
    ("malformed JSON", b'{"v": 1, "id": ', "Invalid JSON"),
    ("unknown type", json.dumps({**VALID_NOTICE, "id": "X", "type": "alert.delete"}).encode(), "'alert.delete'"),
    ("wrong field types", json.dumps({**VALID_NOTICE, "id": "X", "v": "one",
                                      "payload": {"id": 5, "text": ["x"]}}).encode(), "valid string"),
    ("missing fields", json.dumps({"v": 1, "id": "X", "type": "alert.upsert", "ts": VALID_NOTICE["ts"],
                                   "payload": {"id": "A-1"}}).encode(), "payload.rev: Field required"),
    ("5 MB message", HUGE, f"message too large: {len(HUGE)} bytes"),  # the real size, not the kept prefix
    ("invalid UTF-8", json.dumps({**VALID_NOTICE, "id": "X"}, ensure_ascii=False).encode().replace(
        "正常".encode(), b"\xff\xfe"), "invalid UTF-8"),
]


def test_faults_become_dead_letters_or_status_details(feed_factory: Callable[..., FeedProcess],
                                                      tmp_path: Path) -> None:
    feed = feed_factory(alerts_per_s=2, readings_per_s=20, extra_args=("--keepalive-s", "0.3"))
    url = feed.url or ""

    async def main() -> None:
        core = ConsoleCore(ConsoleConfig(backend_url=url, cache_dir=tmp_path / "cache",
                                         keepalive_timeout_s=1.5, max_backoff_s=0.5,
                                         fetch_catalogues=False))
        http = httpx.AsyncClient(base_url=url, timeout=30)
        details: list[str] = []
        conn_log = core.picture.set_connection

        def spy(**fields: Any) -> None:  # keep every status text the operator would have seen
            if fields.get("detail"):
                details.append(str(fields["detail"]))
            conn_log(**fields)

        core.picture.set_connection = spy  # type: ignore[method-assign]
        try:
            await core.start()
            assert await core.wait_live(30)
            assert core.source is not None and core.deadletters is not None
            source_task = next(t for t in core._tasks if t.get_name() == "live-source")

            # ---- bad messages: one dead letter each, the stream goes on
            for label, body, reason_part in BAD_MESSAGES:
                dead_before = core.deadletters.count()
                rejected_before = core.ingest.rejected
                injected = int((await http.post("/_sim/inject", content=body)).json()["id"])
                await until(lambda: int(core.source.last_event_id or 0) > injected, 20,
                            f"valid envelopes after the {label}")
                assert core.ingest.rejected == rejected_before + 1, label
                assert core.deadletters.count() == dead_before + 1, label
                reason = core.deadletters.recent(1)[0].reason
                assert reason_part.lower() in reason.lower(), (label, reason)
            assert core.picture.connection.state == "live"

            # ---- a stream cut in the middle of an event
            await http.post("/_sim/fault", json={"mode": "cut"})
            await until(lambda: core.picture.connection.state == "reconnecting", 20, "reconnecting after a cut")
            # ---- a feed answering 500
            await http.post("/_sim/fault", json={"mode": "http500"})
            await until(lambda: any("服务器返回 500" in d for d in details), 20, "500 in the status detail")
            # ---- a feed that hangs: the watchdog gives up and says so
            await http.post("/_sim/fault", json={"mode": "hang"})
            await until(lambda: any("秒未收到任何数据" in d for d in details), 20, "watchdog in the status detail")
            await http.post("/_sim/fault", json={"mode": "ok"})
            await until(lambda: core.picture.connection.state == "live", 20, "live again")

            # ---- nothing accepted was lost: the console's alerts equal the feed's
            await http.post("/_sim/burst", json={"alerts": 20, "over_s": 1})
            await asyncio.sleep(1.5)
            state = (await http.get("/_sim/state")).json()
            await until(lambda: int(core.source.last_event_id or 0) >= state["head"], 20, "caught up")
            feed_alerts = {aid: a["rev"] for aid, a in state["alerts"].items()}
            mine = {a.id: a.rev for a in core.picture.alerts.values()}
            assert {k: mine.get(k) for k in feed_alerts} == feed_alerts
            assert not source_task.done(), "the live source died"
            assert core.task_errors == []
            core.ingest.flush()
            assert core.journal is not None
            ids = [sid for _seq, sid, _body in core.journal.read_after(0)]
            assert len(ids) == len(set(ids)), "a stream id journaled twice"
            assert any("连接中断" in d for d in details)
        finally:
            await http.aclose()
            await core.stop()

    run(main())
