"""The district catalogue (resources/catalogue) as loaded by console.catalogue."""

from __future__ import annotations

from console import catalogue
from console.models import DeviceKind, StreetId
from simulator.geo import point_in_ring

PLAN_TARGETS = {  # 表1 坪山区智慧城市和数字政府建设“十四五”主要指标: 2021 status → 2025 target
    "政务云存储": (548, 1708), "数据中心机柜数": (155, 455), "政务光纤网络": (690, 1000),
    "5G 通讯基站数量": (2600, 5000), "物联感知设备接入数量": (8000, 100000),
    "重点公共场所免费 WI-FI 覆盖率": (95, 100), "“零跑动”事项覆盖率": (100, 100), "一窗综合受理率": (97.26, 98),
    "高频服务事项“跨省通办”比例": (91.62, 95), "全流程网办率": (95.67, 97), "网上申办业务办理率": (85.38, 90),
    "“一件事一次办”数": (149, 250), "电子证照用证率": (98.79, 99), "电子印章覆盖率": (60, 90),
    "政务微信日活用户数": (6150, 8000), "电子归档率": (None, 90), "政务服务“好差评”": (97, 99),
    "政务数据开放数": (124, 280), "政务数据共享数": (306, 460),
}
ECOLOGY_TARGETS = {  # 生态环境保护规划 附件1, monitorable 2025 targets
    "good_air_days_rate": 97.5, "pm25_annual": 18, "surface_water_iii_rate": 80, "surface_water_worse_v_rate": 0,
    "night_noise_compliance": 75, "sewage_collection_rate": 85, "forest_cover": 42, "hazardous_waste_disposal": 100,
}
LIVE = {"events_today", "ack_within_limit_rate", "closure_rate", "overdue_count", "mean_ack_min", "mean_resolve_min",
        "device_online_rate", "camera_online_rate", "rainfall_mm_1h", "river_level_m", "aqi_now"}


def test_six_streets_and_23_communities() -> None:
    streets = catalogue.streets()
    assert [s.id for s in streets] == list(StreetId.__args__)  # type: ignore[attr-defined]
    assert [s.name_zh for s in streets] == ["坪山", "马峦", "碧岭", "石井", "坑梓", "龙田"]
    comms = catalogue.communities()
    assert len(comms) == 23
    assert len({c.id for _, c in comms}) == 23
    names = {s.id: {c.name_zh for c in s.communities} for s in streets}
    assert {"坪环", "江岭", "沙坣"} <= names["maluan"] and {"秀新", "金沙", "沙田"} <= names["kengzi"]
    outline = catalogue.district().outline  # the real one (tests/feed/test_district_outline.py)
    for s in streets:
        assert s.name_zh in names[s.id]  # the namesake community
        assert point_in_ring((s.centre.lon, s.centre.lat), outline), s.id
        for c in s.communities:
            assert point_in_ring((c.centre.lon, c.centre.lat), outline), c.id
            assert abs(c.centre.lat - s.centre.lat) < 0.03 and abs(c.centre.lon - s.centre.lon) < 0.03
    by = catalogue.by_id(streets)
    assert by["shijing"].centre.lon > by["pingshan"].centre.lon > by["biling"].centre.lon
    assert by["longtian"].centre.lat > by["pingshan"].centre.lat > by["maluan"].centre.lat
    assert catalogue.district().admin_code == "440310"
    assert 300 < len(outline) and 22.62 < min(lat for _lon, lat in outline) < 22.63


def test_all_19_plan_indicators_with_their_targets() -> None:
    plan = [i for i in catalogue.indicators() if i.plan == "smart_city_2025"]
    assert len(plan) == 19
    got = {i.name_zh: (i.baseline_2021, i.target_2025) for i in plan}
    assert got == {k: (None if b is None else float(b), float(t)) for k, (b, t) in PLAN_TARGETS.items()}


def test_ecology_and_live_indicators() -> None:
    inds = catalogue.by_id(catalogue.indicators())
    for iid, target in ECOLOGY_TARGETS.items():
        assert inds[iid].target_2025 == target and inds[iid].theme == "ecology"
    assert inds["pm25_annual"].direction == "lower" and inds["pm25_annual"].unit == "µg/m³"
    assert LIVE <= set(inds)
    for ind in inds.values():
        assert ind.direction in ("higher", "lower")
        assert ind.theme in catalogue.THEME_NAMES_ZH
        assert ind.period_s > 0
        if ind.warn is not None and ind.alarm is not None and ind.warn != ind.alarm:
            # The alarm is beyond the warning in the worse direction.
            assert (ind.alarm < ind.warn) if ind.direction == "higher" else (ind.alarm > ind.warn)


def test_categories_and_units_agree() -> None:
    cats = catalogue.by_id(catalogue.categories())
    units = catalogue.by_id(catalogue.units())
    assert {"waterlogging", "river_level", "slope", "fire", "smoke", "air_quality", "noise", "manhole", "hydrant",
            "illegal_construction", "road_damage", "garbage", "illegal_parking", "street_vendor", "crowd", "hazmat",
            "public_security", "environment_complaint", "early_warning"} <= set(cats)
    assert cats["waterlogging"].name_zh == "内涝积水"
    for c in cats.values():
        assert 0 < c.ack_limit_min <= 120 and c.resolve_limit_min in (1440, 4320)
        assert c.units and all(u in units for u in c.units)
        for u in c.units:
            assert units[u].accepts(c.id)
    levels = [u.level for u in units.values()]
    assert levels.count("street") == 6 and levels.count("community") == 23
    assert any(u.level == "team" for u in units.values())
    for u in units.values():
        assert u.parent is None or u.parent in units
        if u.level == "district":
            assert u.categories  # a department never silently accepts everything
    assert units["street.maluan"].accepts("fire") and not units["dept.ecology"].accepts("fire")


def test_device_kinds_map_to_categories() -> None:
    from simulator.world_data import DEVICE_KINDS

    cats = catalogue.by_id(catalogue.categories())
    assert set(DEVICE_KINDS) == set(DeviceKind.__args__)  # type: ignore[attr-defined]
    for kind, meta in DEVICE_KINDS.items():
        assert meta[8] in cats, kind
