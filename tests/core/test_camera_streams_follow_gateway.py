"""Camera streams follow the gateway in use (issue 18, "the demo's second start has dead video").

The demo feed listens on a random port; its cameras' stream URLs carry that port. A
console that kept those URLs in its cache played dead streams on every later start.
Streams on a gateway's own origin are stored relative (``gateway:/video/…``) and rebased
to the gateway in use; streams on other hosts (real cameras, RTSP) stay as they are.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import httpx

from console.camera_url import GatewayOrigins, url_problem
from console.feed_process import FeedProcess
from console.models import Camera, CameraStreams, CameraUpsert, GeoPoint, Snapshot
from console.runtime import ConsoleConfig, ConsoleCore
from console.stores import OperatingPicture
from tests.support.asyncsupport import run, until

NOW = datetime(2024, 6, 1, 8, 0, tzinfo=timezone.utc)
A = "http://127.0.0.1:41001"
B = "https://gw-b.pingshan.example:8443"


def _camera(n: int, main: str, sub: str, low: str | None = None, rev: int = 1) -> Camera:
    return Camera(id=f"cam-{n}", rev=rev, name=f"摄像机{n}", kind="road", location=GeoPoint(lon=114.35, lat=22.7),
                  status="online", streams=CameraStreams(main=main, sub=sub, low=low), updated_at=NOW)


def _upsert(camera: Camera, seq: int) -> CameraUpsert:
    return CameraUpsert(v=1, id=str(seq), type="camera.upsert", ts=NOW, payload=camera)


def test_gateway_origins_rebase_only_the_gateways_own_streams() -> None:
    origins = GatewayOrigins.of(B, former=[A])
    # The gateway's own origin, written with or without the default port, case aside.
    assert origins.rebase(f"{A}/video/1/sub.ts") == f"{B}/video/1/sub.ts"
    assert origins.rebase("HTTP://127.0.0.1:41001/video/1/sub.ts?x=1") == f"{B}/video/1/sub.ts?x=1"
    assert origins.rebase("gateway:/video/1/sub.ts") == f"{B}/video/1/sub.ts"
    assert origins.relative(f"{B}/video/1/sub.ts") == "gateway:/video/1/sub.ts"
    assert origins.relative("https://GW-B.pingshan.example:8443/v") == "gateway:/v"
    # Other hosts, other ports, credentials, RTSP and recordings are never touched.
    for url in ("rtsp://admin:P@ss#1@10.1.2.3/Streaming/Channels/101", "http://127.0.0.1:41002/video/1/sub.ts",
                "http://user:pw@127.0.0.1:41001/video/1/sub.ts", "/data/clips/1.mp4", "https://cam.example/live.m3u8"):
        assert origins.rebase(url) == url
        assert origins.relative(url) == url
    # Without a gateway a relative stream stays relative and says why it cannot play.
    offline = GatewayOrigins.of(None, former=[A])
    assert offline.rebase("gateway:/video/1/sub.ts") == "gateway:/video/1/sub.ts"
    assert "网关" in (url_problem("gateway:/video/1/sub.ts") or "")


def test_failover_moves_the_streams_and_reports_the_cameras_changed() -> None:
    picture = OperatingPicture()
    picture.cameras.follow(GatewayOrigins.of(A))
    camera_ip = "rtsp://admin:pw@10.1.2.3:554/Streaming/Channels/102"
    picture.apply(_upsert(_camera(1, f"{A}/video/1/main.ts", f"{A}/video/1/sub.ts", f"{A}/video/1/low.ts"), 1))
    picture.apply(_upsert(_camera(2, camera_ip, camera_ip), 2))
    picture.drain_changes()
    # The snapshot tables get the origin-free form.
    body = picture.state_bodies()["cameras"][0][1]
    assert "gateway:/video/1/sub.ts" in body and A not in body

    picture.cameras.follow(GatewayOrigins.of(B, former=[A]))
    moved = picture.cameras.get("cam-1")
    assert moved is not None and moved.streams.sub == f"{B}/video/1/sub.ts"
    assert moved.streams.main == f"{B}/video/1/main.ts" and moved.streams.low == f"{B}/video/1/low.ts"
    real = picture.cameras.get("cam-2")
    assert real is not None and real.streams.sub == camera_ip
    assert picture.drain_changes().cameras == {"cam-1"}  # the wall re-tunes the tile
    # A late upsert from the old gateway (same rev) changes nothing; a newer one lands on B.
    assert not picture.apply(_upsert(_camera(1, f"{A}/video/1/main.ts", f"{A}/video/1/sub.ts"), 3))
    picture.apply(_upsert(_camera(1, f"{A}/video/1/main.ts", f"{A}/video/1/sub.ts", rev=2), 4))
    assert picture.cameras.get("cam-1").streams.sub == f"{B}/video/1/sub.ts"  # type: ignore[union-attr]
    # A snapshot from B restores the same picture (no spurious change).
    picture.drain_changes()
    snap = Snapshot(cursor="9", generated_at=NOW, cameras=(
        _camera(1, f"{B}/video/1/main.ts", f"{B}/video/1/sub.ts", rev=2), _camera(2, camera_ip, camera_ip)))
    picture.load_snapshot(snap)
    assert picture.drain_changes().cameras == set()


def _ports_of(core: ConsoleCore) -> set[str]:
    return {url.split("/video/")[0] for c in core.picture.cameras.values()
            for url in (c.streams.main, c.streams.sub, c.streams.low or c.streams.sub)}


def test_second_start_on_a_new_port_plays_the_new_port_before_any_snapshot(
        feed_factory: Callable[..., FeedProcess], tmp_path: Path) -> None:
    first = feed_factory(alerts_per_s=0.5, readings_per_s=5)
    cache = tmp_path / "cache"

    def config(url: str | None) -> ConsoleConfig:
        return ConsoleConfig(backend_url=url, cache_dir=cache, max_backoff_s=0.5, fetch_catalogues=False)

    async def first_run() -> None:
        core = ConsoleCore(config(first.url))
        try:
            await core.start()
            assert await core.wait_live(30)
            await until(lambda: len(core.picture.cameras) >= 36, 30, "the cameras")
            assert _ports_of(core) == {first.url}
        finally:
            await core.stop()

    run(first_run())
    first.stop()
    second = feed_factory(alerts_per_s=0.5, readings_per_s=5, data_dir=first.data_dir)  # run.sh: same feed folder
    assert second.url != first.url

    async def second_run() -> None:
        core = ConsoleCore(config(second.url))
        try:
            await core.start()
            # Nothing has been received yet: this is the picture restored from the cache.
            assert core.source is not None and core.source.connections == 0
            assert len(core.picture.cameras) >= 36
            assert _ports_of(core) == {second.url}
            online = sorted(c.id for c in core.picture.cameras.values() if c.status == "online")[0]
            cam = core.picture.cameras.get(online)
            assert cam is not None
            async with httpx.AsyncClient(timeout=10) as http:
                async with http.stream("GET", cam.streams.sub) as resp:
                    assert resp.status_code == 200
                    async for chunk in resp.aiter_bytes():
                        assert chunk[:1] == b"\x47"  # an MPEG-TS sync byte: the stream plays
                        break
            # The snapshot that follows changes no camera's streams.
            assert await core.wait_live(30)
            assert _ports_of(core) == {second.url}
        finally:
            await core.stop()

    run(second_run())

    # Offline (no gateway named) the cached streams say why they cannot play.
    async def offline_run() -> None:
        core = ConsoleCore(config(None))
        try:
            await core.start()
            cam: Any = core.picture.cameras.values()[0]
            assert cam.streams.sub.startswith("gateway:/video/")
            assert "网关" in (url_problem(cam.streams.sub) or "")
        finally:
            await core.stop()

    run(offline_run())
