"""Tile sources against a real loopback WMTS server that wants an auth header; the
seat's tile_source.json; the size cap of the service; GCJ-02 overlays on the map."""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import parse_qs, urlparse

import pytest

from console import tiles as ct
from offline_cache.tiles import MBTilesStore

TOKEN = "Bearer district-spatial-platform"


class _Wmts(BaseHTTPRequestHandler):
    """KVP GetTile: ?SERVICE=WMTS&REQUEST=GetTile&TILEMATRIX=z&TILEROW=y&TILECOL=x."""

    requests: list[tuple[str, str | None]] = []

    def do_GET(self) -> None:  # noqa: N802
        q = {k.upper(): v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
        _Wmts.requests.append((self.path, self.headers.get("Authorization")))
        if self.headers.get("Authorization") != TOKEN:
            self.send_response(401)
            self.end_headers()
            return
        z, row, col = int(q["TILEMATRIX"]), int(q["TILEROW"]), int(q["TILECOL"])
        body = b"\x89PNG\r\n\x1a\n" + f"{z}/{col}/{row}".encode() + b"\0" * 2000
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def wmts() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Wmts)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Wmts.requests = []
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/wmts?SERVICE=WMTS&REQUEST=GetTile&LAYER=base"
    finally:
        server.shutdown()
        server.server_close()


def test_wmts_with_auth_header_through_the_service_and_prefetch(wmts: str, tmp_path: Path) -> None:
    source = ct.TileSource(wmts, kind="wmts", headers={"Authorization": TOKEN})
    service = ct.TileService(MBTilesStore(tmp_path / "a.mbtiles"), source)
    data = service.fetch_and_store(14, 13382, 7140)
    assert data is not None and b"14/13382/7140" in data
    assert service.store.get(14, 13382, 7140) == data and service.online is True
    assert _Wmts.requests[-1][1] == TOKEN and "TILEROW=7140&TILECOL=13382" in _Wmts.requests[-1][0]
    # Without the header the platform refuses: nothing stored, the map goes "offline".
    bad = ct.TileService(MBTilesStore(tmp_path / "b.mbtiles"), ct.TileSource(wmts, kind="wmts"))
    changes: list[bool] = []
    bad.online_changed.connect(changes.append)
    assert bad.fetch_and_store(14, 13382, 7141) is None
    assert bad.online is False and changes == [False] and "401" in bad.last_error
    assert bad.may_fetch() is False  # backing off: no request storm
    bbox = (114.34, 22.71, 114.36, 22.73)
    result = asyncio.run(ct.prefetch(service.store, source, bbox, 13, 15))
    assert result.finished and result.failed == 0
    assert service.store.count() >= ct.count_tiles(bbox, 13, 15)
    service.close()
    bad.close()


def test_size_cap_evicts_least_recently_used(wmts: str, tmp_path: Path) -> None:
    source = ct.TileSource(wmts, kind="wmts", headers={"Authorization": TOKEN})
    service = ct.TileService(MBTilesStore(tmp_path / "cap.mbtiles"), source, cap_bytes=20_000)
    for x in range(30):
        assert service.fetch_and_store(16, 53500 + x, 28560) is not None
    service.cached(16, 53500, 28560)  # the first one is in use again
    dropped = service.enforce_cap()
    assert dropped > 0
    assert service.store.total_bytes() <= 20_000
    assert service.store.has(16, 53500, 28560), "recently used tiles survive"
    assert not service.store.has(16, 53501, 28560), "the least recently used went first"
    service.close()


def test_the_seats_tile_source_file(tmp_path: Path) -> None:
    from console.tiles import main_tiles

    service = ct.tile_service_for(tmp_path, "http://127.0.0.1:8700/")
    assert service.source is not None and service.source.url == "http://127.0.0.1:8700/tiles/{z}/{x}/{y}.png"
    service.close()
    assert main_tiles(["source", "--cache", str(tmp_path), "--url", "https://gis.example/t/{z}/{x}/{y}.png",
                       "--header", "Authorization: Bearer x", "--gcj02"]) == 0
    assert (tmp_path / "tile_source.json").stat().st_mode & 0o777 == 0o600
    service = ct.tile_service_for(tmp_path, "http://127.0.0.1:8700")
    assert service.source is not None and service.source.gcj02 and service.overlay_gcj02
    assert service.source.headers == {"Authorization": "Bearer x"}
    service.close()
    assert main_tiles(["source", "--cache", str(tmp_path), "--clear"]) == 0
    assert not (tmp_path / "tile_source.json").exists()
    assert json.loads(json.dumps(ct.TileSource("http://h/{z}/{x}/{y}").to_json()))["kind"] == "xyz"


def test_info_is_read_only_and_a_damaged_cache_is_set_aside(tmp_path: Path) -> None:
    import sqlite3

    from console.tiles import main_tiles

    foreign = tmp_path / "foreign.mbtiles"
    conn = sqlite3.connect(foreign)
    conn.executescript("CREATE TABLE metadata (name TEXT, value TEXT); "
                       "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB); "
                       "INSERT INTO metadata VALUES ('name', 'other'), ('format', 'png');")
    conn.execute("INSERT INTO tiles VALUES (1, 0, 0, ?)", (b"\x89PNG" + b"0" * 96,))
    conn.commit()
    conn.close()
    before = foreign.read_bytes()
    assert main_tiles(["info", str(foreign)]) == 0
    assert foreign.read_bytes() == before, "tiles info must not write to the file"
    junk = tmp_path / "junk.mbtiles"
    junk.write_bytes(b"garbage" * 500)
    assert main_tiles(["info", str(junk)]) == 1
    cache = tmp_path / "seat"
    cache.mkdir()
    (cache / "tiles.mbtiles").write_bytes(b"garbage" * 500)
    service = ct.tile_service_for(cache, None)
    assert service.store.count() == 0
    assert list(cache.glob("tiles.mbtiles.corrupt-*")), "the damaged file is kept aside"
    service.close()
