"""Playback of the URL forms a media gateway hands out, and of local files: each one
decoded by the wall's player into a live tile.

Served from loopback by this test: MPEG-TS over HTTP (the district feed), HLS (an
.m3u8 playlist over the clip), MJPEG (multipart/x-mixed-replace), and a local file by
path and by file:// URL.
"""

from __future__ import annotations

import io
import os
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from console.models import Camera, CameraStreams, GeoPoint  # noqa: E402
from simulator.video import encode_clip  # noqa: E402
from widgets.video_wall import VideoTile  # noqa: E402
from widgets.video_wall.tile import source_url  # noqa: E402

CST = timezone(timedelta(hours=8))


def _camera(url: str) -> Camera:
    return Camera(id="44031000001320999999", rev=1, name="回放测试", kind="road",
                  location=GeoPoint(lon=114.35, lat=22.72), status="online",
                  streams=CameraStreams(main=url, sub=url), updated_at=datetime.now(CST))


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clip") / "clip.ts"
    encode_clip(_camera("x"), "sub", out)
    return out


class _MjpegHandler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self.send_response(200)
        self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
        self.end_headers()
        n = 0
        try:
            while n < 2000:
                img = Image.new("RGB", (320, 180), ((n * 7) % 255, 80, 120))
                buf = io.BytesIO()
                img.save(buf, "JPEG")
                data = buf.getvalue()
                self.wfile.write(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: "
                                 + str(len(data)).encode() + b"\r\n\r\n" + data + b"\r\n")
                n += 1
                time.sleep(0.04)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture(scope="module")
def servers(clip: Path) -> Iterator[dict[str, str]]:
    (clip.parent / "index.m3u8").write_text(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
        + "".join("#EXTINF:2.0,\nclip.ts\n" for _ in range(30)) + "#EXT-X-ENDLIST\n")

    class Files(SimpleHTTPRequestHandler):
        def __init__(self, *a: Any, **kw: Any) -> None:
            super().__init__(*a, directory=str(clip.parent), **kw)

        def log_message(self, *args: Any) -> None:
            pass

    made = [ThreadingHTTPServer(("127.0.0.1", 0), Files), ThreadingHTTPServer(("127.0.0.1", 0), _MjpegHandler)]
    for srv in made:
        srv.daemon_threads = True
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield {"hls": f"http://127.0.0.1:{made[0].server_port}/index.m3u8",
               "mjpeg": f"http://127.0.0.1:{made[1].server_port}/stream.mjpg"}
    finally:
        for srv in made:
            srv.shutdown()
            srv.server_close()


def _plays(qtbot: Any, url: str, width: int) -> VideoTile:
    tile = VideoTile(0)
    qtbot.addWidget(tile)
    tile.resize(480, 270)
    tile.show()
    tile.assign(_camera(url))
    qtbot.waitUntil(lambda: tile.state == "live" and tile.frames_received >= 10, timeout=20000)
    assert tile.frame_size.width() == width
    return tile


def test_local_file_by_path_and_by_url_loops(qtbot: Any, clip: Path) -> None:
    assert source_url(str(clip)).isLocalFile()
    assert source_url(clip.as_uri()).toLocalFile() == str(clip)
    tile = _plays(qtbot, str(clip), 640)
    # The clip is 2 s long: it loops instead of being taken for a lost signal.
    qtbot.waitUntil(lambda: tile.frames_received >= 75, timeout=15000)
    assert tile.state == "live" and tile.reconnects == 0
    _plays(qtbot, clip.as_uri(), 640)


def test_hls_playlist(qtbot: Any, servers: dict[str, str]) -> None:
    _plays(qtbot, servers["hls"], 640)


def test_mjpeg_over_http(qtbot: Any, servers: dict[str, str]) -> None:
    _plays(qtbot, servers["mjpeg"], 320)
