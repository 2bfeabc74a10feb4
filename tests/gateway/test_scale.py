"""The plan's scale (issue 15), in the core and on the wire: many devices and cameras from
the feed, a paged snapshot that gives exactly the single document's state (feed and
gateway), the plain request answered as before, the stores' grid giving what measuring
every object gives, the directory's search right at 10,000 cameras.

Speed lives in bench/bench_scale.py; nothing here is timed.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest

from console.feed_process import FeedProcess
from console.gateway import GatewayClient
from console.models import Camera, CameraStreams, Device, GeoPoint, Snapshot, SnapshotPage
from console.nearby import distance_m, nearby
from console.stores import LocatedStore
from console.video_wall_model import nearest_cameras
from simulator import geo
from simulator.world import District, FeedConfig

CST = timezone(timedelta(hours=8))
V1_KEYS = {"v", "cursor", "generated_at", "scope", "alerts", "devices", "cameras", "indicators", "incidents",
           "tasks", "units"}
"""The fields of a wire-contract v1 snapshot before paging: what an old console knows."""


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def fetch(url: str, scope: str | None = None, page_size: int | None = 1000,
                token: str | None = None) -> tuple[Snapshot, int]:
    client = GatewayClient(url, token=token)
    try:
        snap = await client.snapshot(scope, page_size=page_size)
        return snap, client.snapshot_pages
    finally:
        await client.aclose()


def state(snap: Snapshot) -> dict[str, Any]:
    """Everything a console keeps of a snapshot (not when it was generated)."""
    return snap.model_dump(mode="json", exclude={"generated_at", "next", "node"})


# ---------------------------------------------------------------------- the feed's district


def own_ids(tmp_path: Path) -> set[str]:
    """The codes of the district's own 36 cameras."""
    return {f"44031000001320{k:06d}" for k in range(1, 37)}



def test_the_feed_makes_n_devices_and_cameras_over_the_six_streets(tmp_path: Path) -> None:
    config = FeedConfig(data_dir=tmp_path / "a", devices=2500, cameras=1200, backlog=20)
    d = District(config)
    try:
        assert len(d.devices) == 2500 and len(d.cameras) == 1200
        streets = set(d.street_name)
        assert {c.street for c in d.cameras.values()} == streets and len(streets) == 6
        assert {x.street for x in d.devices.values()} == streets
        codes = [c.id for c in d.cameras.values()]
        assert len(set(codes)) == len(codes)
        assert all(len(code) == 20 and code.isdigit() and code.startswith("440310") for code in codes)
        extra = [c for c in d.cameras.values() if c.id not in own_ids(tmp_path)]
        assert len({c.name for c in extra}) == len(extra) == 1200 - 36  # their names tell them apart
        # Every position inside its community (so inside the district outline).
        for obj in [*d.cameras.values(), *list(d.devices.values())[::10]]:
            if obj.kind == "river_level":
                continue  # river gauges sit on the rivers, as the district's own always did
            cell = geo.community_cell(obj.community)
            assert geo.point_in_cell((obj.location.lon, obj.location.lat), cell), obj.id
        # The district's own 36 cameras are what they were without the option.
        own = District(FeedConfig(data_dir=tmp_path / "own", backlog=0))
        try:
            for cid, cam in own.cameras.items():
                assert d.cameras[cid].model_dump(exclude={"updated_at"}) == cam.model_dump(exclude={"updated_at"})
        finally:
            own.store.close()
        first = {c.id: (c.name, c.location) for c in d.cameras.values()}
    finally:
        d.store.close()
    # Same seed, same district; and a restart on the same data dir keeps it.
    again = District(FeedConfig(data_dir=tmp_path / "b", devices=2500, cameras=1200, backlog=20))
    try:
        assert {c.id: (c.name, c.location) for c in again.cameras.values()} == first
    finally:
        again.store.close()
    reloaded = District(config)
    try:
        assert len(reloaded.devices) == 2500 and len(reloaded.cameras) == 1200
    finally:
        reloaded.store.close()


# ---------------------------------------------------------------------- paged snapshot: the feed


@pytest.fixture(scope="module")
def big_feed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A feed with 2,500 devices and 1,300 cameras, its traffic paused (a fixed target)."""
    proc = FeedProcess(seed=4, alerts_per_s=0, readings_per_s=0, data_dir=tmp_path_factory.mktemp("big-feed"),
                       extra_args=["--devices", "2500", "--cameras", "1300"], startup_timeout_s=120)
    proc.start()
    try:
        assert httpx.post(proc.url + "/_sim/pause", json={"paused": True}).status_code == 200
        yield proc
    finally:
        proc.close()


def test_a_paged_snapshot_gives_the_single_documents_state_on_the_feed(big_feed: FeedProcess) -> None:
    url = str(big_feed.url)
    plain_raw = httpx.get(url + "/api/v1/snapshot", timeout=60)
    assert plain_raw.status_code == 200
    # The plain request is wire contract v1 as an old console knows it: no new field.
    assert set(plain_raw.json()) == V1_KEYS
    plain = Snapshot.model_validate_json(plain_raw.content)
    assert len(plain.devices) == 2500 and len(plain.cameras) == 1300

    paged, pages = run(fetch(url, page_size=1000))
    assert pages == math.ceil((2500 + 1300) / 1000)
    assert state(paged) == state(plain)
    assert paged.next is None

    # A console that does not ask for pages gets the one document.
    whole, pages = run(fetch(url, page_size=None))
    assert pages == 1 and state(whole) == state(plain)

    # A street seat's scope pages the same way.
    street_plain = Snapshot.model_validate_json(httpx.get(url + "/api/v1/snapshot", params={"scope": "maluan"}).content)
    street_paged, _ = run(fetch(url, scope="maluan", page_size=1000))
    assert state(street_paged) == state(street_plain)
    assert {d.street for d in street_paged.devices} == {"maluan"}


def test_snapshot_pages_on_the_wire(big_feed: FeedProcess) -> None:
    url = str(big_feed.url) + "/api/v1/snapshot"
    first = httpx.get(url, params={"page_size": "1000"}).json()
    assert len(first["devices"]) == 1000 and first["cameras"] == [] and first["next"]
    Snapshot.model_validate(first)
    seen = [d["id"] for d in first["devices"]]
    token, bodies = first["next"], []
    while token:
        r = httpx.get(url, params={"page_size": "1000", "page": token})
        assert r.status_code == 200
        bodies.append(r.json())
        page = SnapshotPage.model_validate_json(r.content)
        seen += [d.id for d in page.devices] + [c.id for c in page.cameras]
        token = page.next
    assert "next" not in bodies[-1]  # the last page says so by leaving it out
    assert len(seen) == len(set(seen)) == 2500 + 1300
    # A page size out of range is brought within it; tokens that are not ones are refused.
    small = httpx.get(url, params={"page_size": "5"}).json()
    assert len(small["devices"]) == 1000
    assert httpx.get(url, params={"page": "nonsense"}).status_code == 422
    assert httpx.get(url, params={"page": "1000:device:no-such-device"}).status_code == 409


# ---------------------------------------------------------------------- paged snapshot: order changes


def _device(i: int, lon: float = 114.35, lat: float = 22.72) -> Device:
    return Device(id=f"dev-{i:05d}", rev=1, kind="smoke", name=f"烟感 {i}", street="pingshan",
                  community="liuhe", location=GeoPoint(lon=lon, lat=lat), status="online", metric="smoke_obscuration",
                  unit="%obs/m", updated_at=datetime(2026, 11, 28, 15, 0, tzinfo=CST))


def test_a_client_starts_again_when_the_order_changes_under_its_pages() -> None:
    from fastapi import FastAPI
    from fastapi.responses import Response

    from district.identity import TokenBook
    from gateway.web import Gate, add_stream_routes

    devices = {f"dev-{i:05d}": _device(i) for i in range(3500)}
    asked: list[str] = []

    def snapshot(scope: str | None) -> Snapshot:
        return Snapshot(cursor="7", generated_at=datetime(2026, 11, 28, 15, 0, tzinfo=CST),
                        devices=tuple(devices.values()))

    async def precheck() -> Response | None:
        return None

    async def no_events(*_a: Any) -> Any:
        yield b""

    app = FastAPI()
    add_stream_routes(app, Gate(TokenBook()), precheck=precheck, streets=lambda: {"pingshan": "坪山"},
                      snapshot=snapshot, events=no_events, event_id="n")

    @app.middleware("http")
    async def reorder_once(request: Any, call_next: Any) -> Any:
        page = request.query_params.get("page")
        asked.append(page or "first")
        if page and len(asked) == 2:
            # The state changes between the first and the second page: a device before
            # the token's place goes (a gateway that drops objects would do this).
            devices.pop("dev-00003")
        return await call_next(request)

    async def main() -> tuple[Snapshot, int]:
        client = GatewayClient("http://gw.test")
        await client._http.aclose()
        client._http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw.test")
        try:
            return await client.snapshot(page_size=1000), client.snapshot_pages
        finally:
            await client.aclose()

    snap, pages = run(main())
    assert "first" in asked[2:]  # it started again
    assert [d.id for d in snap.devices] == list(devices)  # nothing lost, nothing twice
    assert pages == 4


def test_page_tokens_name_the_object_before_their_page() -> None:
    from gateway.web import PageMoved, snapshot_page

    snap = Snapshot(cursor="1", generated_at=datetime(2026, 11, 28, 15, 0, tzinfo=CST),
                    devices=tuple(_device(i) for i in range(1500)))
    first = snapshot_page(snap, 1000, None)
    assert isinstance(first, Snapshot) and first.next == "1000:device:dev-00999"
    rest = snapshot_page(snap, 1000, first.next)
    assert isinstance(rest, SnapshotPage) and len(rest.devices) == 500 and rest.next is None
    moved = snap.model_copy(update={"devices": snap.devices[1:]})
    with pytest.raises(PageMoved):
        snapshot_page(moved, 1000, first.next)
    for bad in ("x", "0:device:dev-00000", "-3:device:a", "abc:device:dev-00001"):
        with pytest.raises(ValueError):
            snapshot_page(snap, 1000, bad)


# ---------------------------------------------------------------------- paged snapshot: the gateway


def test_a_paged_snapshot_gives_the_single_documents_state_on_the_gateway(tmp_path: Path) -> None:
    from tests.support.natsupport import ROOT, GatewayProcess, NatsNode

    node = NatsNode(tmp_path, "scale").start()
    gw = GatewayProcess([node.url], tmp_path, name="gw")
    try:
        node.wait_jetstream()
        r = subprocess.run([sys.executable, "-m", "simulator.produce", "--nats", node.url, "--seed", "6",
                            "--backlog", "40", "--devices", "1800", "--cameras", "1100"],
                           capture_output=True, text=True, timeout=300, cwd=ROOT)
        assert r.returncode == 0, r.stderr[-3000:]
        gw.start(timeout_s=120)
        url = str(gw.url)
        tok = httpx.post(url + "/api/v1/auth/token", data={"username": "duty", "password": "duty"}).json()
        token = tok["access_token"]
        raw = httpx.get(url + "/api/v1/snapshot", headers={"Authorization": f"Bearer {token}"}, timeout=60)
        assert raw.status_code == 200 and set(raw.json()) == V1_KEYS
        plain = Snapshot.model_validate_json(raw.content)
        assert len(plain.devices) == 1800 and len(plain.cameras) == 1100  # the producer's --cameras
        paged, pages = run(fetch(url, page_size=1000, token=token))
        assert pages == 3
        assert state(paged) == state(plain)
    finally:
        gw.stop()
        node.stop()


# ---------------------------------------------------------------------- the stores' grid


def _camera(i: int, lon: float, lat: float, status: str = "online", rev: int = 1) -> Camera:
    code = f"44031000001320{i:06d}"
    return Camera(id=code, rev=rev, name=f"摄像机 {i}", kind="road", street="pingshan", community="liuhe",
                  location=GeoPoint(lon=lon, lat=lat), status=status,  # type: ignore[arg-type]
                  streams=CameraStreams(main=f"http://x/{code}/main.ts", sub=f"http://x/{code}/sub.ts"),
                  updated_at=datetime(2026, 11, 28, 15, 0, tzinfo=CST))


def _brute(cams: list[Any], lon: float, lat: float, radius: float | None, limit: int | None,
           accept: Callable[[Any], bool] | None = None) -> list[tuple[float, str]]:
    found = sorted((distance_m(lon, lat, c.location.lon, c.location.lat), c.id) for c in cams
                   if accept is None or accept(c))
    found = [(d, i) for d, i in found if radius is None or d <= radius]
    return found if limit is None else found[:limit]


def test_the_grid_finds_what_measuring_every_camera_finds() -> None:
    rng = random.Random(15)
    store: LocatedStore[Camera] = LocatedStore()
    spots = [(rng.uniform(114.28, 114.42), rng.uniform(22.68, 22.79)) for _ in range(4000)]
    # Ties: several cameras on one pole, and points on cell edges (multiples of 0.005°).
    spots += [spots[7]] * 5 + [(114.35, 22.72), (114.355, 22.725), (114.355, 22.72)] * 3
    store.replace_all([_camera(i, lon, lat, "online" if rng.random() > 0.2 else "offline")
                       for i, (lon, lat) in enumerate(spots)])
    # Changes after the snapshot: moved, changed state, gone, new.
    for i in rng.sample(range(len(spots)), 200):
        cam = store.get(_camera(i, 0, 0).id)
        assert cam is not None
        store.apply(_camera(i, rng.uniform(114.28, 114.42), rng.uniform(22.68, 22.79),
                            "offline" if cam.status == "online" else "online", rev=cam.rev + 1))
    store.nearest(114.35, 22.72, 1)  # the grid is refiled after the snapshot: later changes follow it
    for i in rng.sample(range(len(spots)), 100):
        cam = store.get(_camera(i, 0, 0).id)
        assert cam is not None
        store.apply(cam.model_copy(update={"rev": cam.rev + 1,
                                           "location": GeoPoint(lon=rng.uniform(114.28, 114.42),
                                                                lat=rng.uniform(22.68, 22.79))}))
    for i in rng.sample(range(len(spots)), 50):
        store.remove(_camera(i, 0, 0).id)
    for i in range(len(spots), len(spots) + 30):
        store.apply(_camera(i, rng.uniform(114.28, 114.42), rng.uniform(22.68, 22.79)))
    cams = store.values()
    online = lambda c: c.status == "online"  # noqa: E731
    points = [(rng.uniform(114.26, 114.44), rng.uniform(22.66, 22.81)) for _ in range(150)]
    points += [spots[7], (114.35, 22.72), (114.355, 22.725), (113.9, 22.5)]  # on a pole, on edges, far away
    for lon, lat in points:
        for radius, limit in ((None, 1), (None, 4), (150.0, None), (1500.0, 4), (3000.0, 200), (50.0, 3),
                              (100_000.0, 10)):
            got = [(d, c.id) for d, c in store.nearest(lon, lat, radius, limit)]
            assert got == _brute(cams, lon, lat, radius, limit), (lon, lat, radius, limit)
            got = [(d, c.id) for d, c in store.nearest(lon, lat, radius, limit, online)]
            assert got == _brute(cams, lon, lat, radius, limit, online)
        # The alarm linkage's lookup: the store (its grid) or a plain list, the same answer.
        assert nearest_cameras(store, lon, lat, 1500.0, 4) == nearest_cameras(cams, lon, lat, 1500.0, 4)
        assert nearest_cameras(store, lon, lat, 800.0, 9, online_only=False) == \
            nearest_cameras(cams, lon, lat, 800.0, 9, online_only=False)


def test_nearby_reads_the_grids_and_lists_what_a_full_scan_lists() -> None:
    from console.stores import OperatingPicture

    rng = random.Random(3)
    picture = OperatingPicture()
    picture.cameras.replace_all([_camera(i, rng.uniform(114.3, 114.4), rng.uniform(22.69, 22.77))
                                 for i in range(1500)])
    picture.devices.replace_all([_device(i, rng.uniform(114.3, 114.4), rng.uniform(22.69, 22.77))
                                 for i in range(6000)])

    class Plain:  # the same picture without grids: every object measured
        cameras = {c.id: c for c in picture.cameras.values()}
        devices = {d.id: d for d in picture.devices.values()}

    layers = {lid: doc for lid, (_i, doc) in geo.layers().items()}
    for _ in range(30):
        lon, lat = rng.uniform(114.3, 114.4), rng.uniform(22.69, 22.77)
        for radius, limit in ((3000, 200), (500, 200), (1000, 20)):
            got = nearby(picture, layers, lon, lat, radius, limit)
            want = nearby(Plain(), layers, lon, lat, radius, limit)
            assert [(t.kind, t.id, t.distance_m) for t in got] == [(t.kind, t.id, t.distance_m) for t in want]


def test_wartime_nearest_cameras_online_first_from_the_grid() -> None:
    from console.stores import OperatingPicture
    from console.wartime import distance_m as war_distance
    from console.wartime.metrics import IncidentMetrics

    rng = random.Random(8)
    picture = OperatingPicture()
    picture.cameras.replace_all([_camera(i, rng.uniform(114.3, 114.4), rng.uniform(22.69, 22.77),
                                         "online" if i % 3 else "offline") for i in range(3000)])
    cams = picture.cameras.values()

    class Inc:
        def __init__(self, lon: float, lat: float) -> None:
            self.location = GeoPoint(lon=lon, lat=lat)

    class Incidents:  # the one incident the metrics part asks for
        inc: Inc | None = None

        def incident(self, _id: str) -> Inc | None:
            return self.inc

    incidents = Incidents()
    war = IncidentMetrics(type("Core", (), {"picture": picture})(), incidents,  # type: ignore[arg-type]
                          None, None, None, now=lambda: None)  # type: ignore[arg-type]
    for _ in range(40):
        inc = Inc(rng.uniform(114.3, 114.4), rng.uniform(22.69, 22.77))
        incidents.inc = inc
        want = sorted(cams, key=lambda c: (c.status != "online", war_distance(inc.location, c.location), c.id))
        assert war.nearest_cameras("I-1", 4) == [c.id for c in want[:4]]
    # Fewer online cameras than asked: the nearest offline ones follow.
    few = OperatingPicture()
    few.cameras.replace_all([_camera(1, 114.35, 22.72), _camera(2, 114.36, 22.72, "offline"),
                             _camera(3, 114.351, 22.72, "offline")])
    war.core = type("Core", (), {"picture": few})()
    incidents.inc = Inc(114.35, 22.72)
    assert war.nearest_cameras("I-1", 3) == [_camera(1, 0, 0).id, _camera(3, 0, 0).id, _camera(2, 0, 0).id]


# ---------------------------------------------------------------------- the directory at 10,000 cameras


def test_the_directory_searches_ten_thousand_cameras_right(qtbot: Any, tmp_path: Path) -> None:
    from widgets.bridge import PictureNotifier
    from console.stores import OperatingPicture
    from console.video_wall_model import matches
    from widgets.video_wall.directory import BRANCH_ROLE, CAMERA_ROLE, CameraDirectory

    d = District(FeedConfig(data_dir=tmp_path / "feed", cameras=10_000, backlog=0))
    try:
        cams = list(d.cameras.values())
    finally:
        d.store.close()

    class Core:
        picture = OperatingPicture()
        preferences = None
        layers: dict[str, Any] = {}

    Core.picture.cameras.replace_all(cams)
    Core.picture.drain_changes()
    notifier = PictureNotifier(Core.picture, interval_ms=50)
    directory = CameraDirectory(Core(), notifier)
    qtbot.addWidget(directory)
    directory.resize(420, 600)
    assert len(directory.camera_ids()) == 10_000

    rng = random.Random(2)
    queries = ["马峦", "坪环社区", "交叉口东北角", "公交站", "4403100000132000", "0001", "00099", cams[4321].id,
               cams[77].name, "maluan", "mljd", "PINGSHAN", "不存在的摄像机", "  六和  "]
    for cam in rng.sample(cams, 25):
        i = rng.randrange(len(cam.name) - 3)
        queries.append(cam.name[i:i + rng.choice((2, 3, 4))])
        queries.append(cam.id[-rng.choice((4, 5, 6)):])
    for q in queries:
        directory.search.setText(q)
        directory.rebuild()
        want = sorted(c.id for c in cams if matches(c, q))
        assert sorted(directory.camera_ids()) == want, q
        assert f"列出 {len(want)} 路" in directory.summary.text()
    # Pinyin finds the Chinese names: 马峦 by maluan, by its initials too.
    directory.search.setText("maluan")
    directory.rebuild()
    found = directory.camera_ids()
    assert found and all("马峦" in Core.picture.cameras.get(i).name for i in found)  # type: ignore[union-attr]

    # The whole district: kind branches get their rows when opened, from the store.
    directory.search.setText("")
    directory.rebuild()
    model = directory.model
    street = model.index(0, 0)
    community = model.index(0, 0, street)
    kind = model.index(0, 0, community)
    assert kind.data(BRANCH_ROLE).startswith("k:") and model.rowCount(kind) == 0 and model.hasChildren(kind)
    directory.tree.expand(kind)
    assert model.rowCount(kind) > 0
    opened = [model.index(r, 0, kind).data(CAMERA_ROLE) for r in range(model.rowCount(kind))]
    assert opened == [i for i in directory.camera_ids() if i in set(opened)]  # in tree order
    # A listed camera goes offline: its row and its branches say so, in place.
    target = next(c for c in cams if c.status == "online")
    row_before = directory.index_of(target.id)
    Core.picture.cameras.apply(target.model_copy(update={"rev": target.rev + 1, "status": "offline"}))
    qtbot.waitUntil(lambda: str(directory.index_of(target.id).data()).endswith("（离线）"), timeout=3000)
    assert directory.index_of(target.id) == row_before  # updated in place, not rebuilt
    street_row = directory.index_of(target.id).parent().parent().parent()
    online = sum(1 for c in Core.picture.cameras.values() if c.street == target.street and c.status == "online")
    assert f"（{online}/" in str(street_row.data())
    # A camera moved to another community is listed there (the tree is rebuilt).
    other = next(c for c in cams if c.community != target.community and c.street != target.street)
    moved = Core.picture.cameras.get(target.id)
    assert moved is not None
    Core.picture.cameras.apply(moved.model_copy(update={"rev": moved.rev + 1, "street": other.street,
                                                        "community": other.community}))
    qtbot.waitUntil(lambda: directory.index_of(target.id).parent().parent().data(BRANCH_ROLE) ==
                    f"c:{other.street}/{other.community}", timeout=3000)
    notifier.stop()


def test_the_v1_snapshot_fields_are_all_but_next() -> None:
    from gateway.web import ADDITIONS

    assert set(Snapshot.model_fields) - set(ADDITIONS) == V1_KEYS
    assert json.loads(Snapshot(cursor="1", generated_at=datetime(2026, 1, 1, tzinfo=CST)).model_dump_json(
        exclude=set(ADDITIONS))).keys() == V1_KEYS
