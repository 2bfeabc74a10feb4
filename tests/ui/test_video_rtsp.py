"""The wall on what cameras and GB/T 28181 platforms really hand out: RTSP from a real
RTSP server (GStreamer's gst-rtsp-server on loopback, fed the simulator's H.264 clip)
and HTTP-FLV.

RTSP over TCP only and over UDP only; a camera that wants a password with characters
that must be escaped (Basic and Digest), written the way installers write it; a server
that answers 401; a server that goes away mid-stream (信号中断, then live again when it
is back).  The RTSP server comes from Debian's packages through scripts/bootstrap.sh.
"""

from __future__ import annotations

import io
import os
import threading
import time
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import av  # noqa: E402
import pytest  # noqa: E402

from tests.support import rtspsupport  # noqa: E402
from console.models import Camera, CameraStreams, GeoPoint  # noqa: E402
from tests.support.rtspsupport import RtspServer  # noqa: E402
from simulator.video import encode_clip  # noqa: E402
from console.video_stream import STALL_AFTER_S  # noqa: E402
from widgets.video_wall import VideoTile  # noqa: E402

CST = timezone(timedelta(hours=8))
PASSWORD = "P@ss#1:/?%"
"""What an installer typed on the camera: every character a URL parser trips on."""

pytestmark = pytest.mark.timeout(180)


def _camera(url: str) -> Camera:
    return Camera(id="44031000001320888888", rev=1, name="RTSP 测试", kind="road",
                  location=GeoPoint(lon=114.35, lat=22.72), status="online",
                  streams=CameraStreams(main=url, sub=url), updated_at=datetime.now(CST))


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    why = rtspsupport.missing()
    if why:
        pytest.fail(f"no RTSP server on this machine: {why}")
    out = tmp_path_factory.mktemp("rtsp") / "clip.ts"
    encode_clip(_camera("x"), "sub", out)
    return out


def _tile(qtbot: Any, url: str) -> VideoTile:
    tile = VideoTile(0)
    qtbot.addWidget(tile)
    tile.resize(480, 270)
    tile.show()
    tile.assign(_camera(url))
    return tile


def _live(qtbot: Any, tile: VideoTile, frames: int = 25, timeout_ms: int = 20000) -> None:
    qtbot.waitUntil(lambda: tile.state == "live" and tile.frames_received >= frames, timeout=timeout_ms)
    assert tile.frame_size.width() == 640 and tile.frame_size.height() == 360


@pytest.mark.parametrize("protocols", ["tcp", "udp"])
def test_rtsp_over_tcp_only_and_udp_only(qtbot: Any, clip: Path, protocols: str) -> None:
    with RtspServer(clip, path="/Streaming/Channels/102", protocols=protocols) as server:
        tile = _tile(qtbot, server.url)
        _live(qtbot, tile)
        before, t0 = tile.frames_received, time.monotonic()
        qtbot.wait(2000)
        rate = (tile.frames_received - before) / (time.monotonic() - t0)
        assert rate > 15, rate  # the server paces 25 fps
        tile.shutdown()


@pytest.mark.parametrize("digest", [False, True], ids=["basic", "digest"])
def test_camera_password_with_characters_that_must_be_escaped(qtbot: Any, clip: Path, digest: bool) -> None:
    with RtspServer(clip, user="admin", password=PASSWORD, digest=digest) as server:
        # As typed into the platform, not encoded: the console must find the host itself.
        raw = f"rtsp://admin:{PASSWORD}@127.0.0.1:{server.port}/cam"
        tile = _tile(qtbot, raw)
        _live(qtbot, tile)
        assert "127.0.0.1" in tile.source_url and PASSWORD not in tile.source_url
        tile.shutdown()


def test_wrong_password_401_is_said_and_not_hammered(qtbot: Any, clip: Path) -> None:
    with RtspServer(clip, user="admin", password=PASSWORD, digest=True) as server:
        tile = _tile(qtbot, f"rtsp://admin:wrong@127.0.0.1:{server.port}/cam")
        qtbot.waitUntil(lambda: tile.state == "stalled" and "401" in tile.failure_reason, timeout=15000)
        assert "用户名或密码错误" in tile.failure_reason and tile.frames_received == 0
        # Cameras lock an account after a few failed logins: no reconnect storm.
        qtbot.wait(6000)
        assert tile.reconnects <= 1, tile.reconnects
        tile.shutdown()


def test_server_gone_mid_stream_then_back(qtbot: Any, clip: Path) -> None:
    server = RtspServer(clip).start()
    try:
        tile = _tile(qtbot, server.url)
        _live(qtbot, tile)
        server.stop()
        t0 = time.monotonic()
        qtbot.waitUntil(lambda: tile.state == "stalled", timeout=int((STALL_AFTER_S + 3) * 1000))
        assert time.monotonic() - t0 < STALL_AFTER_S + 3
        assert tile.badge_text == "信号中断" and tile.frame_size.isEmpty()
        server.start()  # same port
        qtbot.waitUntil(lambda: tile.state == "live", timeout=30000)
        assert tile.reconnects >= 1
        _live(qtbot, tile, frames=tile.frames_received + 25)
        tile.shutdown()
    finally:
        server.stop()


class _Sink(io.RawIOBase):
    """A write-only, unseekable file for PyAV: the HTTP response body."""

    def __init__(self, wfile: Any) -> None:
        self.wfile = wfile

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:  # type: ignore[override]
        self.wfile.write(bytes(b))
        return len(b)


@pytest.fixture
def flv_server(clip: Path) -> Iterator[str]:
    src = av.open(str(clip))
    template = src.streams.video[0]
    packets = [p for p in src.demux(template) if p.size]

    class Flv(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server API
            self.send_response(200)
            self.send_header("Content-Type", "video/x-flv")
            self.end_headers()
            out = av.open(_Sink(self.wfile), "w", format="flv")
            stream = out.add_stream_from_template(template)
            start = time.monotonic()
            try:
                for i in range(25 * 60):  # one minute at most, then it stops by itself
                    p = packets[i % len(packets)]
                    p.stream = stream
                    p.time_base = Fraction(1, 1000)
                    p.pts = p.dts = i * 40
                    out.mux(p)
                    time.sleep(max(0.0, start + (i + 1) * 0.04 - time.monotonic()))
            except (BrokenPipeError, ConnectionResetError, OSError):
                pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Flv)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        # The path a GB/T 28181 media gateway hands out for a device channel.
        yield f"http://127.0.0.1:{httpd.server_port}/rtp/44031000001320888888.live.flv"
    finally:
        httpd.shutdown()
        httpd.server_close()
        src.close()


def test_http_flv(qtbot: Any, flv_server: str) -> None:
    tile = _tile(qtbot, flv_server)
    _live(qtbot, tile)
    tile.shutdown()


@pytest.mark.parametrize("digest", [False, True], ids=["basic", "digest"])
def test_the_core_asks_the_camera_why(clip: Path, digest: bool) -> None:
    from console.stream_check import AUTH_RETRY_S, diagnose

    with RtspServer(clip, user="admin", password=PASSWORD, digest=digest) as server:
        base = f"127.0.0.1:{server.port}"
        assert diagnose(f"rtsp://admin:{PASSWORD}@{base}/cam") is None  # all is well
        wrong = diagnose(f"rtsp://admin:wrong@{base}/cam")
        assert wrong is not None and wrong.status == 401 and wrong.retry_after_s == AUTH_RETRY_S
        assert "用户名或密码错误" in wrong.reason
        anonymous = diagnose(f"rtsp://{base}/cam")
        assert anonymous is not None and "要求用户名和密码" in anonymous.reason
    with RtspServer(clip) as server:
        missing = diagnose(f"rtsp://127.0.0.1:{server.port}/Streaming/Channels/999")
        assert missing is not None and missing.status == 404 and "通道不存在" in missing.reason
    closed = diagnose(f"rtsp://admin:x@127.0.0.1:{rtspsupport.free_port()}/cam")
    assert closed is not None and "连接被拒绝" in closed.reason


def test_a_tile_says_why_a_closed_port_does_not_open(qtbot: Any, clip: Path) -> None:
    tile = _tile(qtbot, f"rtsp://127.0.0.1:{rtspsupport.free_port()}/cam")
    qtbot.waitUntil(lambda: "连接被拒绝" in tile.failure_reason, timeout=15000)
    assert tile.state in ("stalled", "connecting") and tile.badge_text in ("信号中断", "连接中")
    tile.shutdown()


def test_an_unparseable_url_is_refused_on_the_tile(qtbot: Any) -> None:
    tile = _tile(qtbot, "rtsp://admin:pw@192.168.1.64:99999/Streaming/Channels/101")
    assert tile.state == "invalid" and tile.badge_text == "地址错误"
    assert tile.url_problem is not None and "端口无效" in tile.url_problem
    qtbot.wait(1500)
    assert tile.reconnects == 0 and tile.source_url == ""  # nothing was dialled
    tile.shutdown()
