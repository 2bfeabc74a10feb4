"""Camera video for the feed: real H.264 in MPEG-TS, encoded once, looped live.

Each camera gets a ~2 s clip per variant (main 1280×720, sub 640×360, 25 fps,
GOP 25; and a third, ``low`` 320×180 all-intra stream served at a reduced rate for
large walls) encoded with libx264 (ultrafast, zerolatency) the first time anyone asks
for it, and cached in ``DATA_DIR/video``.  The picture is a window onto a larger
synthetic scene: a ``camera.ptz`` command (pan/tilt/zoom stored in ``District.ptz``)
moves the window, and the stream switches to a clip of the new view (encoded once
per position) at its next frame.  The clip shows the camera's Chinese name
and GB/T 28181 code (drawn with PIL in a CJK font) and a moving marker so that
motion is visible.  Viewers get the clip's packets remuxed into MPEG-TS with
continuous timestamps across loops, paced at one frame per 40 ms: serving a viewer
costs a remux, never an encode.
"""

from __future__ import annotations

import asyncio
import io
import os
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, AsyncIterator

import av
from PIL import Image, ImageDraw

from console.models import Camera

if TYPE_CHECKING:
    from simulator.world import District

VARIANTS: dict[str, tuple[int, int]] = {"main": (1280, 720), "sub": (640, 360), "low": (320, 180)}
FPS = 25
LOW_STEP = 2
"""The ``low`` stream sends every 2nd frame (12.5 fps); all-intra, so any subset decodes.
At 5 fps FFmpeg probed the stream for ~4.4 s before the first picture (measured)."""
CLIP_FRAMES = 50
GOP = 25
FRAME_S = 1.0 / FPS
TS_TICKS = 90_000  # MPEG-TS clock
TICKS_PER_FRAME = TS_TICKS // FPS

KIND_COLOURS = {
    "road": (38, 52, 70), "river": (24, 62, 82), "slope": (70, 58, 38),
    "park": (34, 72, 44), "forest_fire": (60, 70, 30), "public_building": (58, 44, 70),
}
from simulator.fonts import _FONT_CANDIDATES, _font, cjk_font_path  # noqa: E402,F401 (moved: no av for tiles)


PtzKey = tuple[int, int, int]
"""Pan and tilt in whole degrees, zoom in tenths: one clip per distinct position."""

HOME: PtzKey = (0, 0, 10)


def ptz_key(pos: dict[str, float] | None) -> PtzKey:
    if not pos:
        return HOME
    return (int(round(pos.get("pan", 0.0))), int(round(pos.get("tilt", 0.0))),
            int(round(pos.get("zoom", 1.0) * 10)))


def _scene(camera: Camera, sw: int, sh: int) -> Image.Image:
    """The camera's wide scene (twice the picture size): sky, numbered buildings, a road."""
    rng_seed = sum(ord(ch) for ch in camera.id)
    base = Image.new("RGB", (sw, sh), KIND_COLOURS.get(camera.kind, (40, 40, 40)))
    draw = ImageDraw.Draw(base)
    road_top = int(sh * 0.66)
    label = _font(max(10, sh // 18))
    for i in range(24):
        x0 = int(i * sw / 24)
        bh = int(sh * (0.12 + 0.3 * (((i + rng_seed) * 37) % 11) / 11))
        shade = 60 + ((i * 53 + rng_seed) % 70)
        draw.rectangle([x0 + 4, road_top - bh, x0 + int(sw / 24) - 4, road_top],
                       fill=(shade, shade + 10, shade + 25))
        # Numbered facades make a pan or a zoom obvious in the picture.
        draw.text((x0 + 8, road_top - bh + 4), f"{i + 1:02d}", font=label, fill=(255, 230, 120))
    draw.rectangle([0, road_top, sw, sh], fill=(50, 50, 55))
    for k in range(0, sw, max(8, sw // 16)):
        draw.rectangle([k, road_top + (sh - road_top) // 2 - 2, k + sw // 40, road_top + (sh - road_top) // 2 + 2],
                       fill=(220, 220, 220))
    return base


def _view_box(key: PtzKey, sw: int, sh: int, w: int, h: int) -> tuple[int, int, int, int]:
    """The part of the scene the camera sees at ``key``: zoom 1 sees half the scene's width."""
    pan, tilt, zoom10 = key
    zoom = max(1.0, zoom10 / 10)
    cw, ch = int(w / zoom), int(h / zoom)
    cx = sw / 2 + (pan / 180) * (sw - cw) / 2
    cy = sh / 2 - (tilt / 90) * (sh - ch) / 2
    x0 = int(min(max(0, cx - cw / 2), sw - cw))
    y0 = int(min(max(0, cy - ch / 2), sh - ch))
    return x0, y0, x0 + cw, y0 + ch


def encode_clip(camera: Camera, variant: str, out_path: Path, ptz: PtzKey = HOME) -> float:
    """Encode the camera's clip at a PTZ position into ``out_path`` (MPEG-TS); returns seconds spent."""
    t0 = time.perf_counter()
    w, h = VARIANTS[variant]
    scale = w / 1280
    sw, sh = 2 * w, 2 * h
    scene = _scene(camera, sw, sh)
    box = _view_box(ptz, sw, sh, w, h)
    big, small = _font(max(10, int(40 * scale))), _font(max(8, int(26 * scale)))
    osd_h = int(110 * scale)
    gop = 1 if variant == "low" else GOP
    tmp = out_path.with_suffix(".part")
    with av.open(str(tmp), "w", format="mpegts") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height = w, h
        stream.pix_fmt = "yuv420p"
        stream.codec_context.gop_size = gop
        stream.codec_context.options = {"preset": "ultrafast", "tune": "zerolatency", "g": str(gop),
                                        "keyint_min": str(gop), "bf": "0", "sc_threshold": "0"}
        radius = int(28 * scale * 2)
        road_y = int(sh * 0.72)
        for n in range(CLIP_FRAMES):
            img = scene.copy()
            d = ImageDraw.Draw(img)
            # A vehicle-like marker crossing the road, back to its start at the loop point.
            x = int((sw + 2 * radius) * n / CLIP_FRAMES) - radius
            d.rounded_rectangle([x - 2 * radius, road_y - radius, x + 2 * radius, road_y + radius // 2],
                                radius=radius // 3, fill=(230, 200, 40))
            view = img.crop(box).resize((w, h), Image.Resampling.BILINEAR)
            v = ImageDraw.Draw(view)
            # The camera's own OSD, fixed in the picture whatever the view.
            v.rectangle([0, 0, w, osd_h], fill=(0, 0, 0))
            v.text((int(20 * scale), int(12 * scale)), camera.name, font=big, fill=(255, 255, 255))
            pan, tilt, zoom10 = ptz
            v.text((int(20 * scale), int(64 * scale)),
                   f"{camera.id}  {variant}  {w}×{h}  P{pan:+d}° T{tilt:+d}° Z{zoom10 / 10:.1f}×",
                   font=small, fill=(200, 220, 255))
            v.rectangle([0, h - 6, int(w * (n + 1) / CLIP_FRAMES), h], fill=(255, 80, 80))
            frame = av.VideoFrame.from_image(view)
            frame.pts = n
            for pkt in stream.encode(frame):
                out.mux(pkt)
        for pkt in stream.encode():
            out.mux(pkt)
    os.replace(tmp, out_path)  # atomic: a killed feed never leaves a half clip in the cache
    return time.perf_counter() - t0


@dataclass
class Clip:
    """A looped clip: its packets (annex-B H.264, in-band SPS/PPS) and a template stream."""

    path: Path
    packets: list[tuple[bytes, bool]]
    template: av.container.InputContainer
    variant: str = "sub"
    ptz: PtzKey = HOME


_CLIPS: dict[Path, Clip] = {}
_LOCKS: dict[Path, asyncio.Lock] = {}


def load_clip(path: Path, variant: str = "sub", ptz: PtzKey = HOME) -> Clip:
    """Demux a cached clip once into memory."""
    inp = av.open(str(path))
    packets = [(bytes(p), bool(p.is_keyframe)) for p in inp.demux(inp.streams.video[0]) if p.size]
    return Clip(path=path, packets=packets, template=inp, variant=variant, ptz=ptz)


async def clip_for(district: "District", camera: Camera, variant: str, ptz: PtzKey | None = None) -> Clip:
    """The camera's clip at its current (or the given) PTZ position, encoded in a worker
    thread on first use."""
    key = ptz_key(district.ptz.get(camera.id)) if ptz is None else ptz
    vdir = Path(district.config.data_dir) / "video"
    vdir.mkdir(parents=True, exist_ok=True)
    suffix = "" if key == HOME else f"_p{key[0]}_t{key[1]}_z{key[2]}"
    path = vdir / f"{camera.id}_{variant}{suffix}.ts"
    clip = _CLIPS.get(path)
    if clip is not None:
        return clip
    lock = _LOCKS.setdefault(path, asyncio.Lock())
    async with lock:
        clip = _CLIPS.get(path)
        if clip is None:
            if not path.exists():
                secs = await asyncio.to_thread(encode_clip, camera, variant, path, key)
                district.video_encode_s[f"{camera.id}/{variant}{suffix}"] = round(secs, 3)
            clip = await asyncio.to_thread(load_clip, path, variant, key)
            _CLIPS[path] = clip
    return clip


class _Sink(io.RawIOBase):
    """Collects what the muxer writes so it can be sent to the client."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        self.chunks.append(bytes(b))
        return len(b)

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


async def live_ts(district: "District", camera_id: str, clip: Clip) -> AsyncIterator[bytes]:
    """The live MPEG-TS body: the clip looped with continuous timestamps, in real time.

    Camera mode ``stall`` keeps the connection open and sends nothing; ``drop`` (or
    the camera going offline) ends the stream.  When the camera's PTZ position changes
    the stream goes on with the clip of the new view from its first (key) frame, once
    that clip is ready.  The ``low`` variant sends every :data:`LOW_STEP`-th frame.
    """
    sink = _Sink()
    out = av.open(sink, "w", format="mpegts")
    tb = Fraction(1, TS_TICKS)
    try:
        stream = out.add_stream_from_template(clip.template.streams.video[0])
        stream.time_base = tb
        start = time.monotonic()
        n = 0
        k = 0  # index into the current clip
        step = LOW_STEP if clip.variant == "low" else 1
        pending: asyncio.Task[Clip] | None = None
        while True:
            mode = district.camera_modes.get(camera_id, "ok")
            cam = district.cameras.get(camera_id)
            if mode == "drop" or cam is None or cam.status != "online":
                return
            if mode == "stall":
                await asyncio.sleep(0.2)
                start = time.monotonic() - n * step * FRAME_S  # resume pacing without a burst
                continue
            want = ptz_key(district.ptz.get(camera_id))
            if want != clip.ptz and cam is not None:
                if pending is None:
                    pending = asyncio.ensure_future(clip_for(district, cam, clip.variant, want))
                    # A viewer that leaves lets the encode finish for the next one; its
                    # outcome is read so that a failure is never an unretrieved exception.
                    pending.add_done_callback(lambda t: t.cancelled() or t.exception())
                elif pending.done():
                    try:
                        new_clip = pending.result()
                    except Exception:  # an encode failure keeps the old view
                        new_clip = clip
                    pending = None
                    if new_clip.ptz == want:
                        clip, k = new_clip, 0
            data, key = clip.packets[k % len(clip.packets)]
            k += step
            pkt = av.Packet(data)
            pkt.stream = stream
            pkt.time_base = tb
            pkt.pts = pkt.dts = TS_TICKS + n * step * TICKS_PER_FRAME
            pkt.is_keyframe = key
            out.mux(pkt)
            chunk = sink.take()
            if chunk:
                yield chunk
            n += 1
            delay = start + n * step * FRAME_S - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
    finally:
        try:
            out.close()
        except Exception:  # the client is gone; nothing to flush to
            pass
