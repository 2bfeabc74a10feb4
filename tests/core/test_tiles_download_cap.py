"""Tile downloads against a real HTTP server on loopback that misbehaves the way
broken or hostile tile servers do: a 3 MiB "tile" with its length announced, one sent
chunked with no length, one that never ends, and one that drips a byte at a time.
Each is refused once it passes the cap (2 MiB) or the deadline; memory never holds
more than the cap; good tiles around them still arrive."""

from __future__ import annotations

import asyncio
import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from PIL import Image

import console.tiles as ct
from offline_cache.tiles import MAX_TILE_BYTES, MBTilesStore


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (256, 256), (30, 120, 60)).save(buf, "PNG")
    return buf.getvalue()


PNG = _png()
HEAD = b"\x89PNG\r\n\x1a\n"
SERVER_STOPS_AFTER_S = 30.0
"""The endless and dripping handlers stop by themselves after this long."""


class _Tiles(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    sent: dict[str, int] = {}

    def log_message(self, *args: Any) -> None:
        pass

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        kind = self.path.split("/")[2]  # /t/<kind>/z/x/y.png
        start = time.monotonic()
        try:
            if kind == "ok":
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(PNG)))
                self.end_headers()
                self.wfile.write(PNG)
            elif kind == "announced":  # 3 MiB with an honest Content-Length
                body = HEAD + bytes(3 * 1024 * 1024)
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            elif kind in ("chunked", "endless"):  # no length: only the bytes tell
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self._chunk(HEAD)
                sent = 0
                block = bytes(64 * 1024)
                while time.monotonic() - start < SERVER_STOPS_AFTER_S:
                    if kind == "chunked" and sent >= 3 * 1024 * 1024:
                        break
                    self._chunk(block)
                    sent += len(block)
                    type(self).sent[kind] = sent
                self.wfile.write(b"0\r\n\r\n")
            elif kind == "drip":  # a byte every 0.2 s: never trips a read timeout
                self.send_response(200)
                self.send_header("Content-Length", str(len(PNG)))
                self.end_headers()
                for b in PNG:
                    if time.monotonic() - start > SERVER_STOPS_AFTER_S:
                        break
                    self.wfile.write(bytes([b]))
                    self.wfile.flush()
                    time.sleep(0.2)
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Tiles)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_get_tile_refuses_bodies_over_the_cap(server: str) -> None:
    with httpx.Client(timeout=httpx.Timeout(5.0), trust_env=False) as client:
        status, body = ct.get_tile(client, f"{server}/t/ok/1/0/0.png")
        assert status == 200 and body == PNG
        for kind in ("announced", "chunked"):
            with pytest.raises(ct.TileTooLargeError) as err:
                ct.get_tile(client, f"{server}/t/{kind}/1/0/0.png")
            assert "瓦片过大" in str(err.value)
        t0 = time.monotonic()
        with pytest.raises(ct.TileTooLargeError):
            ct.get_tile(client, f"{server}/t/endless/1/0/0.png")
        assert time.monotonic() - t0 < 10
        # The endless server was cut off near the cap, not read to its end.
        assert _Tiles.sent["endless"] < 8 * MAX_TILE_BYTES
        t0 = time.monotonic()
        with pytest.raises(ct.TileFetchError) as drip:
            ct.get_tile(client, f"{server}/t/drip/1/0/0.png", deadline_s=1.5)
        assert "未传完" in str(drip.value) and time.monotonic() - t0 < 5


def test_the_map_service_stores_no_oversize_tile(server: str, tmp_path: Path) -> None:
    store = MBTilesStore(tmp_path / "cache.mbtiles")
    for kind in ("endless", "announced"):
        service = ct.TileService(store, ct.TileSource(f"{server}/t/{kind}/{{z}}/{{x}}/{{y}}.png"))
        assert service.fetch_and_store(3, 1, 1) is None
        assert "TileTooLargeError" in service.last_error
        service._client.close()  # type: ignore[union-attr]
    good = ct.TileService(store, ct.TileSource(f"{server}/t/ok/{{z}}/{{x}}/{{y}}.png"))
    assert good.fetch_and_store(3, 1, 1) == PNG
    assert store.count() == 1
    good.close()


def test_prefetch_fails_oversize_tiles_once_and_keeps_the_rest(server: str, tmp_path: Path) -> None:
    store = MBTilesStore(tmp_path / "area.mbtiles")
    bbox = (114.30, 22.70, 114.40, 22.76)
    endless = ct.TileSource(f"{server}/t/endless/{{z}}/{{x}}/{{y}}.png")
    t0 = time.monotonic()
    state = asyncio.run(ct.prefetch(store, endless, bbox, 10, 10, concurrency=2))
    assert state.failed == state.total >= 1 and store.count() == 0
    assert all("TileTooLargeError" in e for e in state.errors)
    assert time.monotonic() - t0 < 20  # refused at once, no three retries of an endless body
    ok = ct.TileSource(f"{server}/t/ok/{{z}}/{{x}}/{{y}}.png")
    state = asyncio.run(ct.prefetch(store, ok, bbox, 10, 11))
    assert state.failed == 0 and store.count() == state.total
    store.close()
