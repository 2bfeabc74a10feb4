"""The feed's third stream and PTZ: a ``camera.ptz`` step from the console's PTZ control
goes through the outbox to the feed, and the camera's picture visibly moves."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
import pytest

from console.feed_process import FeedProcess
from console.models import Snapshot
from console.ptz import PtzControl, PtzError
from console.runtime import ConsoleConfig, ConsoleCore
from tests.support.asyncsupport import run, until


@pytest.fixture(scope="module")
def ptz_feed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    proc = FeedProcess(seed=4, alerts_per_s=0, readings_per_s=1, data_dir=tmp_path_factory.mktemp("ptz-feed"))
    try:
        proc.start()
        yield proc
    finally:
        proc.close()


def _snapshot(url: str) -> Snapshot:
    return Snapshot.model_validate_json(httpx.get(url + "/api/v1/snapshot", timeout=30).content)


def _frames(url: str, seconds: float) -> tuple[list[np.ndarray], float]:
    """Decode a live stream for ``seconds`` after its first frame; (frames as RGB, first-frame wait)."""
    out: list[np.ndarray] = []
    t0 = time.monotonic()
    first = None
    with av.open(url, timeout=15) as container:
        for frame in container.decode(video=0):
            now = time.monotonic()
            if first is None:
                first = now
            out.append(frame.to_ndarray(format="rgb24"))
            if now - first >= seconds:
                break
    return out, (first or t0) - t0


def _scene_band(img: np.ndarray) -> np.ndarray:
    """The picture below the camera's OSD and above the road (static within a clip)."""
    h = img.shape[0]
    return img[int(h * 0.2): int(h * 0.6)].astype(np.int16)


def test_low_stream_is_small_all_intra_and_reduced_rate(ptz_feed: FeedProcess) -> None:
    cam = next(c for c in _snapshot(ptz_feed.url).cameras if c.status == "online")
    assert cam.streams.low and cam.streams.low.endswith("/low.ts")
    # Count frames as they arrive (after the probe), over ~4 s.
    with av.open(cam.streams.low, timeout=15) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (320, 180)
        n, keys, t0 = 0, 0, None
        for packet in container.demux(stream):
            if not packet.size:
                continue
            if t0 is None:
                t0 = time.monotonic()
            n += 1
            keys += bool(packet.is_keyframe)
            if time.monotonic() - t0 >= 4.0:
                break
    rate = n / (time.monotonic() - t0)
    print(f"low stream: {rate:.1f} packets/s, {keys}/{n} key frames")
    assert keys == n, "all-intra: every frame decodes on its own"
    assert 6 < rate < 25


def test_ptz_step_through_the_outbox_moves_the_picture(ptz_feed: FeedProcess, tmp_path: Path) -> None:
    cam = next(c for c in _snapshot(ptz_feed.url).cameras if c.ptz and c.status == "online")
    before, _ = _frames(cam.streams.sub, 0.5)

    # A running stream, decoded in the background, must switch view by itself.
    live: list[np.ndarray] = []
    stop = threading.Event()

    def watch() -> None:
        with av.open(cam.streams.sub, timeout=15) as container:
            for frame in container.decode(video=0):
                live.append(_scene_band(frame.to_ndarray(format="rgb24")))
                if stop.is_set():
                    return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()

    async def scenario() -> None:
        core = ConsoleCore(ConsoleConfig(backend_url=ptz_feed.url, cache_dir=tmp_path / "cache"))
        await core.start()
        try:
            await until(lambda: core.picture.cameras.get(cam.id) is not None, 20, "the camera in the picture")
            ptz = PtzControl(core.commands)
            camera = core.picture.cameras.get(cam.id)
            with pytest.raises(PtzError):
                PtzControl(core.commands).step(camera, "spin")
            cmd = None
            for _ in range(4):  # four steps right: pan +60°
                cmd = ptz.step(camera, "right")
            ptz.step(camera, "zoom_in")
            assert cmd is not None

            async def moved() -> bool:
                async with httpx.AsyncClient() as client:
                    state = (await client.get(ptz_feed.url + "/_sim/state")).json()
                return state.get("ptz", {}).get(cam.id, {}).get("pan") == 60.0 and \
                    state["ptz"][cam.id].get("zoom") == 2.0

            deadline = time.monotonic() + 20
            while not await moved():
                assert time.monotonic() < deadline, "the feed never received the PTZ commands"
                await asyncio.sleep(0.1)
            await until(lambda: core.outbox.counts().get("pending", 0) == 0, 10, "outbox drained")
        finally:
            await core.stop()

    run(scenario(), timeout=90)
    time.sleep(3.0)  # the running stream switches once the new view's clip is encoded
    stop.set()
    watcher.join(timeout=10)

    after, _ = _frames(cam.streams.sub, 0.5)
    old, new = _scene_band(before[0]), _scene_band(after[0])
    change = float(np.abs(old - new).mean())
    # Within one view the scene band is still (only the marker and progress bar move).
    still = float(np.abs(_scene_band(before[0]) - _scene_band(before[-1])).mean())
    print(f"scene change after PTZ {change:.1f} (within a view {still:.1f})")
    assert still < 3 and change > 10
    # The open stream moved too: its last frames show the new view.
    assert live, "the running stream delivered frames"
    assert float(np.abs(live[0] - live[-1]).mean()) > 10
