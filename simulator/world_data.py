"""The synthetic district's tables and message builders: device and camera kinds, the alert
sources' weights and texts, road names, the PM2.5 AQI and the CAP XML of a simulated warning.

Shared by the feed (:mod:`simulator.world`), its fleet (:mod:`simulator.fleet`), the drills'
district (:mod:`simulator.drill_world`) and the load producer (:mod:`simulator.produce`).
"""

from __future__ import annotations

from datetime import datetime
from xml.sax.saxutils import escape

from simulator import geo

# kind → (Chinese name, metric, unit, baseline, noise, warn, alarm, direction, category, weight)
DEVICE_KINDS: dict[str, tuple[str, str, str, float, float, float, float, str, str, int]] = {
    "river_level": ("河道水位", "water_level_m", "m", 2.0, 0.05, 3.5, 4.2, "higher", "river_level", 30),
    "waterlogging": ("内涝积水", "water_depth_cm", "cm", 1.0, 0.6, 15.0, 27.0, "higher", "waterlogging", 50),
    "rain_gauge": ("雨量", "rain_mm_1h", "mm", 2.0, 1.0, 30.0, 50.0, "higher", "waterlogging", 25),
    "slope_displacement": ("边坡位移", "displacement_mm", "mm", 5.0, 0.3, 20.0, 40.0, "higher", "slope", 40),
    "air_quality": ("空气质量", "pm25", "µg/m³", 18.0, 2.0, 75.0, 115.0, "higher", "air_quality", 30),
    "noise": ("噪声", "noise_db", "dB(A)", 55.0, 2.5, 65.0, 75.0, "higher", "noise", 30),
    "smoke": ("烟感", "smoke_obscuration", "%obs/m", 0.3, 0.1, 5.0, 10.0, "higher", "smoke", 45),
    "hydrant_pressure": ("消火栓水压", "pressure_mpa", "MPa", 0.35, 0.01, 0.15, 0.10, "lower", "hydrant", 30),
    "manhole_cover": ("井盖", "tilt_deg", "°", 0.5, 0.2, 5.0, 15.0, "higher", "manhole", 30),
}

CAMERA_KINDS = ("road", "river", "slope", "park", "forest_fire", "public_building")
CAMERA_SPOTS = {
    "road": ["{road}与{road2}交叉口", "{road}公交站", "{road}人行天桥"],
    "river": ["坪山河桥下", "龙岗河截污闸", "汤坑水河口", "坪山河碧岭段堤岸"],
    "slope": ["高边坡监测点", "山体护坡", "在建工地边坡"],
    "park": ["社区公园入口", "文体广场", "郊野公园步道"],
    "forest_fire": ["马峦山林区瞭望点", "森林防火通道", "聚龙山林地"],
    "public_building": ["社区党群服务中心", "学校门口", "地铁站出入口"],
}

SOURCE_WEIGHTS = {
    "hotline_12345": 34,
    "app_pingshan": 20,
    "grid_patrol": 26,
    "video_ai": 15,
    "iot_threshold": 3,
    "early_warning": 2,
}

# category → title templates (title, description); fields: road, cm, st, n
TEMPLATES: dict[str, list[tuple[str, str]]] = {
    "waterlogging": [("{road}{cm}段路面积水", "{road}靠近{cm}社区路段积水约{n}厘米，车辆通行缓慢，请尽快处置。"),
                     ("{cm}社区地下车库入口积水", "{cm}社区地下车库入口积水，约{n}厘米，有车辆被困风险。")],
    "river_level": [("坪山河{cm}段水位超警戒", "坪山河{cm}社区段水位接近警戒线，请加强巡堤。")],
    "slope": [("{cm}社区边坡出现裂缝", "网格员巡查发现{cm}社区后山边坡出现长约{n}米裂缝，有落石。")],
    "fire": [("{cm}社区厂房冒烟起火", "群众报警：{road}附近{cm}社区一厂房冒出浓烟，疑似起火。"),
             ("{cm}山林发现烟点", "视频识别{cm}社区周边山林出现烟点，疑似山火。")],
    "smoke": [("{cm}社区住宅烟感报警", "{cm}社区某住宅楼烟感探测器报警，请核实。")],
    "air_quality": [("{cm}社区空气质量超标", "{cm}社区微站 PM2.5 浓度超标，疑似周边工地扬尘。")],
    "noise": [("{road}夜间施工噪声扰民", "居民反映{road}{cm}社区段工地夜间施工，噪声扰民。"),
              ("{cm}社区商铺音响噪声", "{cm}社区商铺外放音响声音过大，影响居民休息。")],
    "manhole": [("{road}井盖缺失", "{road}{cm}社区段一处井盖缺失，存在安全隐患。"),
                ("{road}井盖松动异响", "{road}靠近{cm}社区井盖松动，车辆经过有异响。")],
    "hydrant": [("{cm}社区消火栓水压不足", "{cm}社区市政消火栓水压低于规定值。")],
    "illegal_construction": [("{cm}社区疑似违建", "{cm}社区村民楼顶疑似加建钢结构房，约{n}平方米。")],
    "road_damage": [("{road}路面坑洼", "{road}{cm}社区段路面出现坑洼，直径约{n}0 厘米。"),
                    ("{road}人行道破损", "{road}人行道砖块破损翘起，行人易绊倒。")],
    "garbage": [("{cm}社区垃圾堆放", "{cm}社区{road}旁有建筑垃圾和生活垃圾堆放，气味明显。")],
    "illegal_parking": [("{road}违章停车", "{road}{cm}社区段车辆违停占用消防通道。")],
    "street_vendor": [("{road}占道经营", "{road}{cm}社区段流动摊贩占道经营，影响通行。")],
    "crowd": [("{cm}社区人员聚集", "视频识别{cm}社区{road}附近人员聚集约{n}0 人。")],
    "hazmat": [("{cm}社区疑似化学品气味", "群众反映{cm}社区工业区有刺激性气味，疑似危化品泄漏。")],
    "public_security": [("{cm}社区治安纠纷", "{cm}社区{road}附近发生纠纷，请派员处置。")],
    "environment_complaint": [("{cm}社区餐饮油烟扰民", "居民投诉{cm}社区餐饮店油烟直排。")],
    "water_pollution": [("坪山河{cm}段水体发黑", "巡查发现坪山河{cm}社区段水体发黑发臭，疑似偷排。")],
    "construction_dust": [("{road}工地扬尘", "视频识别{road}{cm}社区段工地未覆盖裸土，扬尘明显。")],
    "early_warning": [("坪山区暴雨{lv}预警", "深圳市气象台发布暴雨{lv}预警信号，坪山区未来 3 小时降雨量将达 50 毫米以上。"),
                      ("坪山区台风{lv}预警", "台风影响坪山区，阵风 8–10 级，请做好防御。")],
}
ROAD_NAMES = [name for _, name, _ in geo.ROADS] + ["锦龙大道", "比亚迪路", "青松路", "兰竹路", "新和路", "碧沙路",
                                                  "坪环路", "振环路", "汤坑路", "秀沙路", "龙勤路", "同富路"]

CAMERA_KIND_WEIGHTS = {"road": 40, "river": 10, "slope": 8, "park": 12, "forest_fire": 10, "public_building": 20}
CAMERA_SIDES = ("东北角", "东南角", "西北角", "西南角", "北侧", "南侧", "东侧", "西侧")


def aqi_pm25(c: float) -> float:
    """Individual AQI for PM2.5 (HJ 633-2012 breakpoints, 24 h)."""
    bps = [(0, 35, 0, 50), (35, 75, 50, 100), (75, 115, 100, 150), (115, 150, 150, 200),
           (150, 250, 200, 300), (250, 350, 300, 400), (350, 500, 400, 500)]
    for lo, hi, alo, ahi in bps:
        if c <= hi:
            return alo + (ahi - alo) * (max(c, lo) - lo) / (hi - lo)
    return 500.0


def cap_xml(seq: int, headline: str, desc: str, level: str, sent: datetime) -> str:
    """A CAP 1.2 alert; the Chinese colour goes into the severity and a parameter."""
    severity = {"red": "Extreme", "orange": "Severe", "yellow": "Moderate", "blue": "Minor"}[level]
    headline, desc = escape(headline), escape(desc)
    stamp = sent.isoformat(timespec="seconds")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
        f"<identifier>SZMB-PS-{seq:07d}</identifier><sender>simulated-szmb@pingshan-feed.invalid</sender>"
        f"<sent>{stamp}</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>"
        "<info><language>zh-CN</language><category>Met</category>"
        f"<event>{headline}</event><urgency>Expected</urgency><severity>{severity}</severity>"
        "<certainty>Likely</certainty>"
        f"<headline>{headline}</headline><description>{desc}</description>"
        f"<parameter><valueName>warningColour</valueName><value>{level}</value></parameter>"
        "<area><areaDesc>深圳市坪山区</areaDesc><geocode><valueName>GB2260</valueName><value>440310</value></geocode></area>"
        "</info></alert>"
    )
