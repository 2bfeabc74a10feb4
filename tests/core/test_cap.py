"""CAP 1.2 parsing, checking, mapping to the console Alert, and the Update/Cancel ledger."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from console.cap import (
    CapError,
    CapLedger,
    cap_to_alert,
    console_alert_id,
    main_cap,
    parse_cap,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "cap"
RECEIVED = datetime(2026, 11, 28, 15, 0, 5, tzinfo=timezone(timedelta(hours=8)))


def load(name: str) -> bytes:
    return (DATA / name).read_bytes()


def red_with(old: str, new: str) -> str:
    """The valid red rainstorm warning with one piece of text replaced."""
    text = load("rainstorm_red.xml").decode("utf-8")
    assert old in text, old
    return text.replace(old, new, 1)


# --------------------------------------------------------------------------- valid


def test_rainstorm_red_parses_with_both_languages() -> None:
    cap = parse_cap(load("rainstorm_red.xml"))
    assert cap.identifier == "SZMB-2026-1128-RS-001"
    assert cap.sent == datetime(2026, 11, 28, 7, 0, tzinfo=timezone.utc)
    assert (cap.status, cap.msg_type, cap.scope) == ("Actual", "Alert", "Public")
    assert [i.language for i in cap.infos] == ["zh-CN", "en-US"]
    zh, en = cap.infos
    assert zh.sender_name == "深圳市气象台"
    assert en.headline == "Red rainstorm warning for Pingshan District"
    assert zh.categories == ("Met",)
    assert zh.event_codes[0].value == "11B03"
    assert zh.parameters[0].value_name == "warningColour"
    assert zh.areas[0].geocodes[0].value == "440310"
    assert zh.expires is not None and zh.expires.utcoffset() == timedelta(hours=8)


def test_language_defaults_to_en_us() -> None:
    cap = parse_cap(red_with("<language>en-US</language>", ""))
    assert cap.infos[1].language == "en-US"


def test_alert_mapping_takes_chinese_info_and_most_severe_level() -> None:
    # English block listed first and more severe: title still Chinese, level the worst.
    text = load("rainstorm_red.xml").decode("utf-8")
    zh_start, en_start = text.index("<info>"), text.rindex("<info>")
    end = text.index("</alert>")
    zh_block = text[zh_start:en_start].replace("<severity>Extreme</severity>", "<severity>Minor</severity>")
    swapped = text[:zh_start] + text[en_start:end] + zh_block + text[end:]
    cap = parse_cap(swapped)
    assert [i.language for i in cap.infos] == ["en-US", "zh-CN"]
    alert = cap_to_alert(cap, received_at=RECEIVED)
    assert alert.title == "深圳市气象台发布坪山区暴雨红色预警信号"
    assert alert.level == "red"  # en-US block is Extreme


def test_cap_to_alert_fields() -> None:
    raw = load("rainstorm_red.xml")
    alert = cap_to_alert(parse_cap(raw), received_at=RECEIVED)
    assert alert.source == "early_warning" and alert.category == "early_warning"
    assert alert.level == "red" and alert.status == "new" and alert.rev == 1
    assert alert.id == console_alert_id("demo-szmb@cap.invalid", "SZMB-2026-1128-RS-001")
    assert alert.id == cap_to_alert(parse_cap(raw), received_at=RECEIVED + timedelta(hours=1)).id
    assert alert.cap == raw.decode("utf-8")
    assert "防御指引" in alert.description
    assert alert.street is None  # 440310 is the whole district, not a street
    assert alert.location is not None
    assert alert.location.lon == pytest.approx(114.35) and alert.location.lat == pytest.approx(22.735)
    assert alert.created_at == parse_cap(raw).sent


def test_exercise_is_marked_in_title() -> None:
    alert = cap_to_alert(parse_cap(red_with("<status>Actual</status>", "<status>Exercise</status>")),
                         received_at=RECEIVED)
    assert alert.title.startswith("【演练】")


def test_typhoon_circle_street_and_colour() -> None:
    cap = parse_cap(load("typhoon_orange.xml"))
    info = cap.infos[0]
    assert info.colour == "orange"
    alert = cap_to_alert(cap, received_at=RECEIVED)
    assert alert.level == "orange"
    assert alert.street == "maluan"  # geocode 马峦街道 matched the catalogue
    assert (alert.location.lon, alert.location.lat) == (114.35, 22.70)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("severity", "colour"),
    [("Extreme", "red"), ("Severe", "orange"), ("Moderate", "yellow"), ("Minor", "blue"), ("Unknown", "blue")],
)
def test_severity_colour(severity: str, colour: str) -> None:
    text = load("rainstorm_red.xml").decode("utf-8")
    text = text.replace("<severity>Extreme</severity>", f"<severity>{severity}</severity>")
    cap = parse_cap(text)
    assert {i.colour for i in cap.infos} == {colour}
    assert cap_to_alert(cap, received_at=RECEIVED).level == colour


# --------------------------------------------------------------------------- geometry


def test_polygon_geojson_is_lon_lat() -> None:
    area = parse_cap(load("rainstorm_red.xml")).infos[0].areas[0]
    geom = area.geometry()
    assert geom is not None and geom["type"] == "Polygon"
    ring = geom["coordinates"][0]
    assert ring[0] == [114.28, 22.69]  # CAP wrote "22.69,114.28"
    assert ring[0] == ring[-1] and len(ring) == 5
    for lon, lat in ring:
        assert 114 < lon < 115 and 22 < lat < 23


def test_circle_is_point_with_radius_and_64_gon() -> None:
    area = parse_cap(load("typhoon_orange.xml")).infos[0].areas[0]
    feats = area.features(circle_polygons=True)
    point, poly = feats
    assert point["geometry"] == {"type": "Point", "coordinates": [114.35, 22.70]}
    assert point["properties"]["radius_m"] == 8000.0
    ring = poly["geometry"]["coordinates"][0]
    assert len(ring) == 65 and ring[0] == ring[-1]
    # every vertex ~8 km from the centre (haversine), and [lon, lat] order
    for lon, lat in ring:
        dlat, dlon = math.radians(lat - 22.70), math.radians(lon - 114.35)
        a = math.sin(dlat / 2) ** 2 + math.cos(math.radians(22.70)) * math.cos(math.radians(lat)) * math.sin(dlon / 2) ** 2
        assert 2 * 6_371_008.8 * math.asin(math.sqrt(a)) == pytest.approx(8000, rel=1e-3)


def test_geocode_only_area_has_no_geometry_but_keeps_codes() -> None:
    text = red_with(
        "<polygon>22.69,114.28 22.69,114.42 22.78,114.42 22.78,114.28 22.69,114.28</polygon>", "")
    area = parse_cap(text).infos[0].areas[0]
    assert area.geometry() is None and area.features() == []
    assert [(g.value_name, g.value) for g in area.geocodes] == [("GB2260", "440310")]


# --------------------------------------------------------------------------- invalid


@pytest.mark.parametrize(
    ("name", "element", "reason"),
    [
        ("invalid_missing_identifier.xml", "<identifier>", "缺少"),
        ("invalid_naive_time.xml", "<sent>", "时区偏移"),
        ("invalid_z_time.xml", "<sent>", "-00:00"),
        ("invalid_severity.xml", "<info[1]/severity>", "Red"),
        ("invalid_polygon_open.xml", "<info[1]/area[1]/polygon>", "未闭合"),
        ("invalid_update_no_references.xml", "<references>", "Update"),
    ],
)
def test_invalid_files_name_the_element(name: str, element: str, reason: str) -> None:
    with pytest.raises(CapError) as err:
        parse_cap(load(name))
    assert str(err.value).startswith(element + ": ")
    assert reason in str(err.value)


def test_naive_time_message_exact() -> None:
    with pytest.raises(CapError, match=r"^<sent>: 时间必须带时区偏移 \(2026-11-28T15:00:00\)$"):
        parse_cap(load("invalid_naive_time.xml"))


@pytest.mark.parametrize(
    ("old", "new", "element"),
    [
        ('xmlns="urn:oasis:names:tc:emergency:cap:1.2"', 'xmlns="urn:oasis:names:tc:emergency:cap:1.1"', "<alert>"),
        ("<status>Actual</status>", "<status>Real</status>", "<status>"),
        ("<msgType>Alert</msgType>", "<msgType>Notice</msgType>", "<msgType>"),
        ("<scope>Public</scope>", "<scope>Restricted</scope>", "<restriction>"),
        ("<scope>Public</scope>", "<scope>Private</scope>", "<addresses>"),
        ("<scope>Public</scope>", "<scope>Public</scope><scope>Public</scope>", "<scope>"),
        ("<category>Met</category>", "<category>Weather</category>", "<info[1]/category>"),
        ("<category>Met</category>", "", "<info[1]/category>"),
        ("<event>暴雨</event>", "", "<info[1]/event>"),
        ("<urgency>Immediate</urgency>", "<urgency>Now</urgency>", "<info[1]/urgency>"),
        ("<certainty>Observed</certainty>", "<certainty>Sure</certainty>", "<info[1]/certainty>"),
        ("<areaDesc>深圳市坪山区</areaDesc>", "", "<info[1]/area[1]/areaDesc>"),
        ("<expires>2026-11-28T21:00:00+08:00</expires>", "<expires>tomorrow</expires>", "<info[1]/expires>"),
        ("<identifier>SZMB-2026-1128-RS-001</identifier>", "<identifier>SZMB 1</identifier>", "<identifier>"),
        ("<msgType>Alert</msgType>", "<msgType>Cancel</msgType>", "<references>"),
        ("<scope>Public</scope>", "<scope>Public</scope><references>a,b</references>", "<references>"),
        ("22.69,114.28 22.69,114.42 22.78,114.42 22.78,114.28 22.69,114.28",
         "22.69,114.28 22.69,114.42 22.69,114.28", "<info[1]/area[1]/polygon>"),
        ("22.69,114.28 22.69,114.42 22.78,114.42 22.78,114.28 22.69,114.28",
         "114.28,22.69 114.42,22.69 114.42,22.78 114.28,22.69", "<info[1]/area[1]/polygon>"),
        ("<areaDesc>深圳市坪山区</areaDesc>", "<areaDesc>x</areaDesc><circle>22.7,114.3</circle>",
         "<info[1]/area[1]/circle>"),
        # An empty <valueName/> is a valid xs:string (accepted); a missing one is not.
        ("<parameter><valueName>warningColour</valueName>", "<parameter>",
         "<info[1]/parameter[1]/valueName>"),
    ],
)
def test_violations_name_the_element(old: str, new: str, element: str) -> None:
    with pytest.raises(CapError) as err:
        parse_cap(red_with(old, new))
    assert str(err.value).startswith(element + ": "), str(err.value)


def test_not_xml_and_doctype_refused() -> None:
    with pytest.raises(CapError, match="^<alert>: XML"):
        parse_cap(b"<alert")
    with pytest.raises(CapError, match="DOCTYPE"):
        parse_cap('<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><alert/>')


def test_utc_as_minus_zero_accepted() -> None:
    cap = parse_cap(red_with("2026-11-28T15:00:00+08:00</sent>", "2026-11-28T07:00:00-00:00</sent>"))
    assert cap.sent == datetime(2026, 11, 28, 7, 0, tzinfo=timezone.utc)


# --------------------------------------------------------------------------- ledger


def test_update_supersedes_and_cancel_closes() -> None:
    ledger = CapLedger()
    first = ledger.apply(parse_cap(load("rainstorm_red.xml")), received_at=RECEIVED)
    assert first.action == "created" and first.alert is not None and first.alert.level == "red"
    alert_id = first.alert.id

    upd = ledger.apply(parse_cap(load("rainstorm_update.xml")), received_at=RECEIVED + timedelta(hours=2))
    assert upd.action == "updated" and upd.problems == ()
    assert upd.alert is not None
    assert upd.alert.id == alert_id and upd.alert.rev == 2
    assert upd.alert.level == "orange"
    assert upd.alert.title == "坪山区暴雨红色预警信号降级为橙色"
    assert upd.alert.created_at == first.alert.created_at
    assert "RS-002" in (upd.alert.cap or "")
    assert len(ledger) == 1

    # The Cancel references both the original and the Update: one alert, closed once.
    can = ledger.apply(parse_cap(load("rainstorm_cancel.xml")), received_at=RECEIVED + timedelta(hours=5))
    assert can.action == "cancelled" and can.problems == ()
    assert can.alert is not None and can.alert.id == alert_id
    assert can.alert.rev == 3 and can.alert.status == "closed"
    assert can.alert.timeline[-1].text == "预警已解除"
    assert can.alert.title == upd.alert.title  # content kept
    assert ledger.get(alert_id) == can.alert
    assert len(ledger) == 1


def test_update_referencing_an_update_reaches_the_same_alert() -> None:
    ledger = CapLedger()
    ledger.apply(parse_cap(load("rainstorm_red.xml")), received_at=RECEIVED)
    ledger.apply(parse_cap(load("rainstorm_update.xml")), received_at=RECEIVED)
    text = load("rainstorm_update.xml").decode("utf-8")
    text = text.replace("RS-002</identifier>", "RS-009</identifier>").replace(
        "SZMB-2026-1128-RS-001,2026-11-28T15:00:00+08:00", "SZMB-2026-1128-RS-002,2026-11-28T17:00:00+08:00")
    res = ledger.apply(parse_cap(text), received_at=RECEIVED)
    assert res.action == "updated" and res.alert is not None and res.alert.rev == 3
    assert len(ledger) == 1


def test_unknown_references_are_reported_not_raised() -> None:
    ledger = CapLedger()
    can = ledger.apply(parse_cap(load("rainstorm_cancel.xml")), received_at=RECEIVED)
    assert can.action == "ignored" and can.alert is None
    assert any("SZMB-2026-1128-RS-001" in p for p in can.problems)
    upd = ledger.apply(parse_cap(load("rainstorm_update.xml")), received_at=RECEIVED)
    assert upd.action == "created" and upd.problems and upd.alert is not None
    assert len(ledger) == 1


def test_duplicate_message_ignored() -> None:
    ledger = CapLedger()
    cap = parse_cap(load("typhoon_orange.xml"))
    ledger.apply(cap, received_at=RECEIVED)
    again = ledger.apply(cap, received_at=RECEIVED)
    assert again.action == "ignored" and again.alert is not None and again.alert.rev == 1


# --------------------------------------------------------------------------- CLI


def test_main_cap_prints_json_lines_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main_cap([str(DATA / "rainstorm_red.xml"), str(DATA / "invalid_severity.xml")])
    out, err = capsys.readouterr()
    assert rc == 1
    lines = out.strip().splitlines()
    assert len(lines) == 1
    obj = json.loads(lines[0])
    assert obj["alert"]["level"] == "red" and obj["alert"]["source"] == "early_warning"
    assert [(i["language"], i["severity"], i["colour"]) for i in obj["infos"]] == [
        ("zh-CN", "Extreme", "red"), ("en-US", "Extreme", "red")]
    assert err.strip() == f"{DATA / 'invalid_severity.xml'}: <info[1]/severity>: " \
        "取值必须是 Extreme|Severe|Moderate|Minor|Unknown 之一 (Red)"
    assert main_cap([str(DATA / "typhoon_orange.xml"), str(DATA / "rainstorm_cancel.xml")]) == 0


def test_declared_legacy_encoding_and_bad_bytes() -> None:
    text = load("typhoon_orange.xml").decode("utf-8").replace('encoding="UTF-8"', 'encoding="GB18030"')
    cap = parse_cap(text.encode("gb18030"))
    assert cap.infos[0].event == "台风"
    assert cap.xml == text
    with pytest.raises(CapError, match=r"^<alert>: 无法按 UTF-8 解码"):
        parse_cap(load("typhoon_orange.xml").replace("台风".encode(), b"\xff\xfe", 1))


def test_update_after_cancel_reopens_and_says_so() -> None:
    ledger = CapLedger()
    ledger.apply(parse_cap(load("rainstorm_red.xml")), received_at=RECEIVED)
    cancel = load("rainstorm_cancel.xml").decode("utf-8").replace(
        " demo-szmb@cap.invalid,SZMB-2026-1128-RS-002,2026-11-28T17:00:00+08:00", "")
    assert ledger.apply(parse_cap(cancel), received_at=RECEIVED).alert.status == "closed"  # type: ignore[union-attr]
    res = ledger.apply(parse_cap(load("rainstorm_update.xml")), received_at=RECEIVED)
    assert res.action == "updated" and res.alert is not None
    assert res.alert.status == "new" and res.alert.rev == 3 and res.problems


# --------------------------------------------------------------------------- real messages of others

# Public CAP 1.2 messages of other countries' services, written by others (sources in
# tests/data/cap/SOURCES.md): the schema accepts every one, and so must we.
REAL = DATA / "real"
REAL_SAMPLES = {
    "ca_eccc_naad_weather_statement.xml": ("cap-pac@canada.ca", "Minor", 2),
    "au_bom_thunderstorm.xml": ("CAP.Message@bom.gov.au", "Unknown", 1),
    "is_imo_wind.xml": ("IMO-Icelandic_Met_Office", "Moderate", 2),
    "tw_wra_reservoir.xml": ("ddmt01@wra.gov.tw", "Moderate", 1),
    "ph_pagasa_tropical_cyclone.xml": ("PAGASA-DOST", "Minor", 1),
    "mx_smn_tropical_cyclone_update.xml": ("smn.cna.gob.mx", "Unknown", 1),
    "us_oasis_amber_example.xml": ("KARO@CLETS.DOJ.CA.GOV", "Severe", 2),
}


def rfs_alert() -> str:
    """The NSW Rural Fire Service CAP alert as its feed embeds it in an EDXL-DE envelope."""
    text = (REAL / "au_nsw_rfs_edxlde.xml").read_text(encoding="utf-8")
    return text[text.index("<cap:alert"):text.index("</cap:alert>") + len("</cap:alert>")]


def real_messages() -> list[tuple[str, str]]:
    out = [(name, (REAL / name).read_text(encoding="utf-8")) for name in REAL_SAMPLES]
    return out + [("au_nsw_rfs (EDXL-DE)", rfs_alert())]


def test_every_real_sample_is_schema_valid() -> None:
    from console.cap import cap_schema

    for name, text in real_messages():
        assert list(cap_schema().iter_errors(text)) == [], name


@pytest.mark.parametrize("name", sorted(REAL_SAMPLES))
def test_real_messages_of_others_are_accepted(name: str) -> None:
    sender, severity, n_info = REAL_SAMPLES[name]
    raw = (REAL / name).read_bytes()
    cap = parse_cap(raw)
    assert cap.sender == sender and len(cap.infos) == n_info
    assert cap.infos[0].severity == severity
    alert = cap_to_alert(cap, received_at=RECEIVED)
    assert alert.source == "early_warning" and alert.title


def test_real_samples_details() -> None:
    naad = parse_cap((REAL / "ca_eccc_naad_weather_statement.xml").read_bytes())
    # <restriction />, <addresses />, <references />, <incidents />, <instruction />, <contact />
    assert naad.restriction is None and naad.references == () and naad.incidents is None
    assert naad.infos[0].instruction is None and naad.infos[0].contact is None
    assert [i.language for i in naad.infos] == ["en-CA", "fr-CA"]
    assert len(naad.infos[0].areas[0].polygons[0]) == 13
    pagasa = parse_cap((REAL / "ph_pagasa_tropical_cyclone.xml").read_bytes())
    assert pagasa.status == "Test" and pagasa.infos[0].language == "en-US"  # no <language>: the default
    assert cap_to_alert(pagasa, received_at=RECEIVED).title.startswith("【测试】")
    smn = parse_cap((REAL / "mx_smn_tropical_cyclone_update.xml").read_bytes())
    assert smn.msg_type == "Update" and smn.references[0].identifier == "avisossmn-ciclontropical-4061"
    assert len(smn.infos[0].areas[0].polygons[0]) == 29  # a polygon written over many lines
    bom = parse_cap((REAL / "au_bom_thunderstorm.xml").read_bytes())  # prefixed cap: namespace
    assert bom.infos[0].areas[0].geocodes[0].value == "AU-NSW"
    wra = parse_cap((REAL / "tw_wra_reservoir.xml").read_bytes())
    assert wra.info_for("zh") is not None and wra.infos[0].event == "水庫洩洪"


def test_empty_parameter_value_from_a_real_feed_is_accepted() -> None:
    cap = parse_cap(rfs_alert())
    params = {p.value_name: p.value for p in cap.infos[0].parameters}
    assert params["AllocatedResources"] == "" and params["Evacuation"] == ""
    assert cap.infos[0].areas[0].circles[0].radius_km == 0.0


def test_empty_value_and_value_name_in_our_message() -> None:
    text = load("rainstorm_red.xml").decode("utf-8")
    start = text.index("<parameter>")
    end = text.index("</parameter>", start) + len("</parameter>")
    cap = parse_cap(text[:start] + "<parameter><valueName/><value/></parameter>" + text[end:])
    assert (cap.infos[0].parameters[0].value_name, cap.infos[0].parameters[0].value) == ("", "")


def _empty_allowed_elements(text: str) -> list[int]:
    """Indexes (document order) of CAP elements whose schema type accepts ''."""
    import xml.etree.ElementTree as ET

    from console.cap.schema import _model

    root = ET.fromstring(text)
    parents = {child: parent for parent in root.iter() for child in parent}
    out = []
    for n, node in enumerate(root.iter()):
        if node is root or not node.tag.startswith("{urn:oasis:names:tc:emergency:cap:1.2}"):
            continue
        decl = _model(parents[node].tag.rpartition("}")[2]).get(node.tag.rpartition("}")[2])
        if decl is not None and decl.type.is_simple() and decl.type.is_valid(""):
            out.append(n)
    return out


def test_whatever_the_schema_lets_be_empty_may_be_empty() -> None:
    """Empty, one at a time, every element the schema types as possibly empty, in every
    real sample: the schema still accepts the message, and so do we — except the few
    rules the specification states in words (an empty identifier or sender names no
    message; an Update needs its references)."""
    import xml.etree.ElementTree as ET

    from console.cap import cap_schema

    checked = 0
    for name, text in real_messages():
        for index in _empty_allowed_elements(text):
            root = ET.fromstring(text)
            node = list(root.iter())[index]
            local = node.tag.rpartition("}")[2]
            node.text = ""
            for child in list(node):
                node.remove(child)
            mutated = ET.tostring(root, encoding="unicode")
            assert list(cap_schema().iter_errors(mutated)) == [], (name, local)
            if local in ("identifier", "sender") or (local == "references" and "<msgType>Update" in text):
                with pytest.raises(CapError, match=f"^<{local}>: "):
                    parse_cap(mutated)
            else:
                parse_cap(mutated)
            checked += 1
    assert checked > 200


@pytest.mark.parametrize(
    ("old", "new", "element", "reason"),
    [
        ("<status>Actual</status>", "<status/>", "<status>", "为空"),
        ("<severity>Extreme</severity>", "<severity> Extreme </severity>", "<info[1]/severity>", "之一"),
        ("<language>zh-CN</language>", "<language/>", "<info[1]/language>", "为空"),
        ("<language>zh-CN</language>", "<language>中文</language>", "<info[1]/language>", "语言代码"),
        ("<expires>2026-11-28T21:00:00+08:00</expires>", "<expires/>", "<info[1]/expires>", "为空"),
        ("<status>Actual</status>\n  <msgType>Alert</msgType>", "<msgType>Alert</msgType><status>Actual</status>",
         "<msgType>", "顺序"),
        ("<scope>Public</scope>", "<scope>Public</scope><colour>red</colour>", "<colour>", "不是 <alert>"),
        ("<event>暴雨</event>", "<event>暴雨</event><x:ext xmlns:x='urn:example'/>", "<info[1]/ext>",
         "其他命名空间"),
        ("<areaDesc>深圳市坪山区</areaDesc>",
         "<areaDesc>深圳市坪山区</areaDesc><altitude>high</altitude>", "<info[1]/area[1]/altitude>", "数值"),
    ],
)
def test_schema_violations_in_chinese(old: str, new: str, element: str, reason: str) -> None:
    with pytest.raises(CapError) as err:
        parse_cap(red_with(old, new))
    assert str(err.value).startswith(element + ": "), str(err.value)
    assert reason in str(err.value)


def test_resource_checked_by_the_schema() -> None:
    resource = "<resource><resourceDesc>图</resourceDesc><uri>http://example.invalid/a.png</uri></resource>"
    text = load("rainstorm_red.xml").decode("utf-8")
    at = text.index("<area>")
    with pytest.raises(CapError, match=r"^<info\[1\]/resource\[1\]/mimeType>: 缺少必需元素"):
        parse_cap(text[:at] + resource + text[at:])
    ok = resource.replace("</resourceDesc>", "</resourceDesc><mimeType>image/png</mimeType>")
    parse_cap(text[:at] + ok + text[at:])
    with pytest.raises(CapError, match=r"^<info\[1\]/resource\[1\]/size>: 必须是整数"):
        parse_cap(text[:at] + ok.replace("</mimeType>", "</mimeType><size>1.5</size>") + text[at:])


def test_other_envelopes_and_versions_refused() -> None:
    with pytest.raises(CapError, match="^<alert>: 命名空间必须是"):
        parse_cap((REAL / "us_usgs_earthquake_cap11.xml").read_bytes())  # CAP 1.1
    with pytest.raises(CapError, match="^<EDXLDistribution>: 根元素必须是"):
        parse_cap((REAL / "au_nsw_rfs_edxlde.xml").read_bytes())


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_a_byte_order_mark(codec: str) -> None:
    text = (REAL / "tw_wra_reservoir.xml").read_text(encoding="utf-8").replace(
        'encoding="utf-8"', f'encoding="{codec.split("-")[0].upper()}-{codec.split("-")[1][:2]}"')
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(codec, b"")
    raw = bom + text.encode(codec)
    assert raw[:2] in (b"\xff\xfe", b"\xfe\xff")
    cap = parse_cap(raw)
    assert cap.infos[0].event == "水庫洩洪" and cap.xml == text


def test_utf16_without_bom_read_from_its_first_characters() -> None:
    text = load("rainstorm_red.xml").decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    assert parse_cap(text.encode("utf-16-le")).identifier == "SZMB-2026-1128-RS-001"
    assert parse_cap(text.encode("utf-16-be")).identifier == "SZMB-2026-1128-RS-001"


def test_utf16_declared_but_bytes_are_8_bit_refused() -> None:
    text = load("rainstorm_red.xml").decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    with pytest.raises(CapError, match="^<alert>: 无法按 UTF-16 解码"):
        parse_cap(text.encode("utf-8"))


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE alert SYSTEM "http://example.invalid/cap.dtd">',
        '<!DOCTYPE alert [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
        '<!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    ],
)
def test_doctype_entities_and_external_references_refused(prolog: str) -> None:
    text = load("rainstorm_red.xml").decode("utf-8")
    decl_end = text.index("?>") + 2
    with pytest.raises(CapError, match="^<alert>: CAP 消息不允许包含 DOCTYPE/ENTITY 声明"):
        parse_cap(text[:decl_end] + prolog + text[decl_end:])
