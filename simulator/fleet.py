"""The district's inventory beyond its own devices and cameras (issue 15's scale): more of each
kind from generators of their own, so that the district's own stay what they were for the seed.

:func:`fleet_devices` and :func:`fleet_cameras` read a district through :class:`Inventory`
(what :class:`simulator.world.District` offers); :func:`random_point_in` and
:func:`camera_streams` are the placement and stream URLs every generator of the feed shares.
"""

from __future__ import annotations

import random
from datetime import datetime
from typing import Mapping, Protocol

from console.models import Camera, CameraStreams, Device, GeoPoint, Thresholds
from simulator import geo
from simulator.world_data import CAMERA_KIND_WEIGHTS, CAMERA_SIDES, CAMERA_SPOTS, DEVICE_KINDS, ROAD_NAMES


class FleetConfig(Protocol):
    """The part of :class:`simulator.world.FeedConfig` the fleet reads."""

    @property
    def seed(self) -> int: ...

    @property
    def public_url(self) -> str: ...


class Inventory(Protocol):
    """What the fleet generators read of a district (:class:`simulator.world.District`)."""

    @property
    def config(self) -> FleetConfig: ...

    @property
    def devices(self) -> Mapping[str, Device]: ...

    @property
    def cameras(self) -> Mapping[str, Camera]: ...

    @property
    def community_street(self) -> Mapping[str, str]: ...

    @property
    def community_name(self) -> Mapping[str, str]: ...

    @property
    def street_name(self) -> Mapping[str, str]: ...

    def now(self) -> datetime: ...


def random_point_in(community: str, rng: random.Random) -> GeoPoint:
    """A point inside the community's cell.  Takes one draw from ``rng`` whatever the
    cell's shape, so that the rest of the district does not depend on the geometry."""
    cell = geo.community_cell(community)
    pick = random.Random(rng.getrandbits(64))
    pts = [p for ring in cell for p in ring]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    for _ in range(200):
        p = (round(pick.uniform(min(xs), max(xs)), 6), round(pick.uniform(min(ys), max(ys)), 6))
        if geo.point_in_cell(p, cell):  # the rounded point: still inside after rounding
            return GeoPoint(lon=p[0], lat=p[1])
    lon, lat = geo.interior_point(cell)
    return GeoPoint(lon=round(lon, 6), lat=round(lat, 6))


def camera_streams(public_url: str, code: str) -> CameraStreams:
    """A camera's three streams on the feed reached at ``public_url``."""
    base = public_url.rstrip("/")
    return CameraStreams(main=f"{base}/video/{code}/main.ts", sub=f"{base}/video/{code}/sub.ts",
                         low=f"{base}/video/{code}/low.ts")


def fleet_devices(district: Inventory, n: int) -> list[Device]:
    """``n`` devices: the district's own (by id), then more of each kind in its proportion.

    The same seed gives the same fleet (the producer's ``--devices`` and the feed's);
    fewer than the district's own gives the first ``n`` of them.
    """
    own = sorted(district.devices.values(), key=lambda d: d.id)
    if n <= len(own):
        return own[:n]
    rng = random.Random(f"{district.config.seed}:fleet")
    communities = sorted(district.community_street)
    kinds = [k for k, meta in DEVICE_KINDS.items() for _ in range(meta[9])]
    next_no = {k: meta[9] for k, meta in DEVICE_KINDS.items()}
    now = district.now()
    out = list(own)
    for i in range(n - len(own)):
        kind = kinds[i % len(kinds)]
        name_zh, metric, unit, _base, _noise, warn, alarm, _dir, _cat, _w = DEVICE_KINDS[kind]
        next_no[kind] += 1
        k = next_no[kind]
        cm = rng.choice(communities)
        st = district.community_street[cm]
        out.append(Device(id=f"{kind}-{k:03d}", rev=1, kind=kind, street=st, community=cm,  # type: ignore[arg-type]
                          name=f"{district.street_name[st]}街道{district.community_name[cm]}社区{name_zh}监测点{k}号",
                          location=random_point_in(cm, rng), status="online", metric=metric, unit=unit,
                          thresholds=Thresholds(warn=warn, alarm=alarm), updated_at=now))
    return out


def fleet_cameras(district: Inventory, n: int) -> list[Camera]:
    """``n`` cameras: the district's own (by code), then more over every community.

    Each has the next 20-digit GB/T 28181 code after the district's own, a name that says
    street, community, spot and corner, and a position inside its community. Same seed,
    same cameras.
    """
    own = sorted(district.cameras.values(), key=lambda c: c.id)
    if n <= len(own):
        return own[:n]
    rng = random.Random(f"{district.config.seed}:cameras")
    communities = sorted(district.community_street)
    kinds = list(CAMERA_KIND_WEIGHTS)
    weights = list(CAMERA_KIND_WEIGHTS.values())
    now = district.now()
    out = list(own)
    for k in range(len(own) + 1, n + 1):
        kind = rng.choices(kinds, weights)[0]
        cm = rng.choice(communities)
        st = district.community_street[cm]
        spot = rng.choice(CAMERA_SPOTS[kind]).format(road=rng.choice(ROAD_NAMES), road2=rng.choice(ROAD_NAMES))
        code = f"44031000001320{k:06d}"
        out.append(Camera(
            id=code, rev=1, name=f"{district.street_name[st]}街道{district.community_name[cm]}社区-{spot}"
                                 f"{rng.choice(CAMERA_SIDES)}{k}号",
            kind=kind, street=st, community=cm, location=random_point_in(cm, rng),  # type: ignore[arg-type]
            status="online" if rng.random() > 0.05 else "offline", ptz=kind in ("road", "river", "forest_fire"),
            streams=camera_streams(district.config.public_url, code), updated_at=now,
        ))
    return out
