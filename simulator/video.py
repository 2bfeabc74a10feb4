"""Camera video for the feed: real H.264 in MPEG-TS, encoded once, looped live.

Each camera gets a ~2 s clip per variant (main 1280×720, sub 640×360, 25 fps,
GOP 25) encoded with libx264 (ultrafast, zerolatency) the first time anyone asks
for it, and cached in ``DATA_DIR/video``.  The clip shows the camera's Chinese name
and GB/T 28181 code (drawn with PIL in a CJK font) and a moving marker so that
motion is visible.  Viewers get the clip's packets remuxed into MPEG-TS with
continuous timestamps across loops, paced at one frame per 40 ms: serving a viewer
costs a remux, never an encode.
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, AsyncIterator

import av
from PIL import Image, ImageDraw, ImageFont

from console.models import Camera

if TYPE_CHECKING:
    from simulator.world import District

VARIANTS: dict[str, tuple[int, int]] = {"main": (1280, 720), "sub": (640, 360)}
FPS = 25
CLIP_FRAMES = 50
GOP = 25
FRAME_S = 1.0 / FPS
TS_TICKS = 90_000  # MPEG-TS clock
TICKS_PER_FRAME = TS_TICKS // FPS

KIND_COLOURS = {
    "road": (38, 52, 70), "river": (24, 62, 82), "slope": (70, 58, 38),
    "park": (34, 72, 44), "forest_fire": (60, 70, 30), "public_building": (58, 44, 70),
}
_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


@lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    """A font file that draws Chinese: fontconfig first, then common paths, else None."""
    bundled = Path(__file__).resolve().parent.parent / "resources" / "fonts"
    if bundled.is_dir():
        for f in sorted(bundled.glob("*.tt[fc]")) + sorted(bundled.glob("*.otf")):
            return str(f)
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(["fc-match", "-f", "%{file}", "WenQuanYi Micro Hei:lang=zh-cn"],
                                 capture_output=True, text=True, timeout=5).stdout.strip()
            if out and os.path.exists(out):
                return out
        except (OSError, subprocess.SubprocessError):
            pass
    return next((p for p in _FONT_CANDIDATES if os.path.exists(p)), None)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = cjk_font_path()
    if path:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            pass
    return ImageFont.load_default()


def encode_clip(camera: Camera, variant: str, out_path: Path) -> float:
    """Encode the camera's clip into ``out_path`` (MPEG-TS); returns seconds spent."""
    t0 = time.perf_counter()
    w, h = VARIANTS[variant]
    scale = w / 1280
    base = Image.new("RGB", (w, h), KIND_COLOURS.get(camera.kind, (40, 40, 40)))
    draw = ImageDraw.Draw(base)
    # A horizon and some "buildings" so the picture is not a flat field.
    for i in range(12):
        x = int(i * w / 12)
        bh = int(h * (0.15 + 0.25 * ((i * 37) % 11) / 11))
        draw.rectangle([x + 4, h - bh - int(h * 0.2), x + int(w / 12) - 4, h - int(h * 0.2)], fill=(70, 80, 95))
    draw.rectangle([0, h - int(h * 0.2), w, h], fill=(50, 50, 55))
    big, small = _font(max(14, int(40 * scale))), _font(max(10, int(26 * scale)))
    draw.rectangle([0, 0, w, int(110 * scale)], fill=(0, 0, 0))
    draw.text((int(20 * scale), int(12 * scale)), camera.name, font=big, fill=(255, 255, 255))
    draw.text((int(20 * scale), int(64 * scale)), f"{camera.id}  {variant}  {w}×{h}", font=small, fill=(200, 220, 255))
    tmp = out_path.with_suffix(".part")
    with av.open(str(tmp), "w", format="mpegts") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height = w, h
        stream.pix_fmt = "yuv420p"
        stream.codec_context.gop_size = GOP
        stream.codec_context.options = {"preset": "ultrafast", "tune": "zerolatency", "g": str(GOP),
                                        "keyint_min": str(GOP), "bf": "0", "sc_threshold": "0"}
        radius = int(28 * scale)
        for n in range(CLIP_FRAMES):
            img = base.copy()
            d = ImageDraw.Draw(img)
            # A vehicle-like marker crossing the road, back to its start at the loop point.
            x = int((w + 2 * radius) * n / CLIP_FRAMES) - radius
            y = h - int(h * 0.1)
            d.rounded_rectangle([x - 2 * radius, y - radius, x + 2 * radius, y + radius // 2], radius=radius // 3,
                                fill=(230, 200, 40))
            d.rectangle([0, h - 6, int(w * (n + 1) / CLIP_FRAMES), h], fill=(255, 80, 80))
            frame = av.VideoFrame.from_image(img)
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


_CLIPS: dict[Path, Clip] = {}
_LOCKS: dict[Path, asyncio.Lock] = {}


def load_clip(path: Path) -> Clip:
    """Demux a cached clip once into memory."""
    inp = av.open(str(path))
    packets = [(bytes(p), bool(p.is_keyframe)) for p in inp.demux(inp.streams.video[0]) if p.size]
    return Clip(path=path, packets=packets, template=inp)


async def clip_for(district: "District", camera: Camera, variant: str) -> Clip:
    """The camera's clip, encoding it (in a worker thread) on first use."""
    vdir = Path(district.config.data_dir) / "video"
    vdir.mkdir(parents=True, exist_ok=True)
    path = vdir / f"{camera.id}_{variant}.ts"
    clip = _CLIPS.get(path)
    if clip is not None:
        return clip
    lock = _LOCKS.setdefault(path, asyncio.Lock())
    async with lock:
        clip = _CLIPS.get(path)
        if clip is None:
            if not path.exists():
                secs = await asyncio.to_thread(encode_clip, camera, variant, path)
                district.video_encode_s[f"{camera.id}/{variant}"] = round(secs, 3)
            clip = await asyncio.to_thread(load_clip, path)
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
    the camera going offline) ends the stream.
    """
    sink = _Sink()
    out = av.open(sink, "w", format="mpegts")
    tb = Fraction(1, TS_TICKS)
    try:
        stream = out.add_stream_from_template(clip.template.streams.video[0])
        stream.time_base = tb
        start = time.monotonic()
        n = 0
        while True:
            mode = district.camera_modes.get(camera_id, "ok")
            cam = district.cameras.get(camera_id)
            if mode == "drop" or cam is None or cam.status != "online":
                return
            if mode == "stall":
                await asyncio.sleep(0.2)
                start = time.monotonic() - n * FRAME_S  # resume pacing without a burst
                continue
            data, key = clip.packets[n % len(clip.packets)]
            pkt = av.Packet(data)
            pkt.stream = stream
            pkt.time_base = tb
            pkt.pts = pkt.dts = TS_TICKS + n * TICKS_PER_FRAME
            pkt.is_keyframe = key
            out.mux(pkt)
            chunk = sink.take()
            if chunk:
                yield chunk
            n += 1
            delay = start + n * FRAME_S - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
    finally:
        try:
            out.close()
        except Exception:  # the client is gone; nothing to flush to
            pass
