"""Contingency plans (预案): one per incident type, steps with owners and time limits."""

from __future__ import annotations

from pathlib import Path

from console.models import Plan, PlanList, PlanStep

# (incident type, plan name, [(title, owner unit, due minutes, needs, issues a task)])
_PLANS: list[tuple[str, str, list[tuple[str, str, int, str, bool]]]] = [
    ("typhoon_waterlogging", "坪山区台风内涝应急预案", [
        ("发布台风预警，启动三防值守", "dept.emergency", 0, "气象台台风路径、预警信号", False),
        ("转移危险区域人员（临时工棚、低洼地、危房）", "dept.housing", 60, "转移名单、避难场所开放", True),
        ("低洼易涝点布设抽排设备", "dept.water", 45, "抽水泵、挡水板、沙袋", True),
        ("关闭涉水路段，设置绕行", "dept.transport", 30, "交通疏导警力、警示牌", True),
        ("排查边坡、在建工地、户外广告牌", "dept.planning", 90, "巡查队伍、无人机", True),
        ("开放应急避难场所并保障物资", "dept.emergency", 60, "帐篷、饮用水、食品", True),
        ("灾情统计与信息报送", "dept.emergency", 120, "各街道灾情报表", False),
    ]),
    ("rainstorm_flood", "坪山区暴雨洪涝应急预案", [
        ("发布暴雨预警，加密雨情水情监测", "dept.water", 0, "雨量站、水位站数据", False),
        ("坪山河、龙岗河沿线巡堤查险", "dept.water", 30, "巡堤人员、照明设备", True),
        ("预降水库、调度闸泵", "dept.water", 45, "闸站调度指令", True),
        ("积水路段抽排与交通管制", "team.flood", 30, "抽水泵、警戒带", True),
        ("地下空间、地下车库人员撤离", "dept.police", 30, "广播、警力", True),
        ("险情处置与群众转移", "team.rescue", 60, "冲锋舟、救生衣", True),
    ]),
    ("slope_failure", "坪山区地质灾害（边坡）应急预案", [
        ("核实险情，划定危险区", "dept.planning", 20, "地质专家、监测数据", False),
        ("疏散危险区内人员", "street.pingshan", 30, "转移名单、广播", True),
        ("设置警戒，封闭周边道路", "dept.police", 20, "警戒带、警力", True),
        ("应急监测（位移、裂缝、雨量）加密", "dept.planning", 60, "位移计、无人机", True),
        ("排水、覆盖、削坡减载等应急处置", "dept.housing", 180, "挖掘机、彩条布", True),
        ("评估稳定性，决定解除或升级", "dept.emergency", 240, "专家组意见", False),
    ]),
    ("fire", "坪山区火灾事故应急预案", [
        ("接警调派消防力量", "dept.fire", 0, "消防车、登高车", True),
        ("划定警戒区，疏散人员", "dept.police", 10, "警力、广播", True),
        ("医疗救护待命与伤员转运", "team.medical", 15, "救护车", True),
        ("保障消防供水（市政消火栓）", "dept.water", 20, "消火栓水压数据、供水车", True),
        ("森林火灾时组织扑救与隔离带", "team.forest_fire", 30, "风力灭火机、隔离带", True),
        ("火场清理与原因调查", "dept.fire", 240, "调查组", False),
    ]),
    ("hazmat_leak", "坪山区危险化学品泄漏事故应急预案", [
        ("核实泄漏物质与规模", "dept.emergency", 10, "企业应急预案、MSDS", False),
        ("危化品处置队堵漏洗消", "team.hazmat", 20, "防化服、堵漏器材、洗消设备", True),
        ("设置警戒区，下风向人员疏散", "dept.police", 20, "警戒带、广播、风向数据", True),
        ("大气与水体应急监测", "dept.ecology", 30, "便携式监测仪、采样设备", True),
        ("封堵雨污水口，防止污染入河", "dept.water", 30, "沙袋、围油栏", True),
        ("伤员救治与医疗保障", "team.medical", 20, "救护车、洗消帐篷", True),
        ("信息发布与舆情引导", "dept.emergency", 60, "新闻通稿", False),
    ]),
    ("public_health", "坪山区突发公共卫生事件应急预案", [
        ("核实疫情或事件信息，启动应急响应", "dept.health", 30, "流调信息", False),
        ("设置临时管控区域", "dept.police", 60, "警力、围挡", True),
        ("组织核酸检测或医学排查", "dept.health", 120, "采样点、医护人员", True),
        ("社区网格排查重点人员", "street.pingshan", 180, "网格员、排查名单", True),
        ("生活物资保障", "dept.emergency", 240, "物资仓库", True),
        ("信息发布与心理疏导", "dept.health", 240, "新闻通稿、热线", False),
    ]),
]


PLANS_DIR = Path(__file__).resolve().parent.parent / "resources" / "plans"
"""The district's plans as files (one per incident type); the console bundles the same files."""


def plan_list() -> PlanList:
    """All contingency plans as the wire model: ``resources/plans/*.json`` when present
    (the same files the console ships), otherwise the built-in table below."""
    files = sorted(PLANS_DIR.glob("*.json")) if PLANS_DIR.is_dir() else []
    if files:
        return PlanList(plans=tuple(Plan.model_validate_json(f.read_text(encoding="utf-8")) for f in files))
    plans = []
    for itype, name, steps in _PLANS:
        plans.append(Plan(
            id=f"plan.{itype}",
            name=name,
            incident_type=itype,  # type: ignore[arg-type]
            steps=tuple(
                PlanStep(id=f"plan.{itype}.{n + 1}", title=t, owner=o, due_minutes=m, needs=nd, issues_task=it)
                for n, (t, o, m, nd, it) in enumerate(steps)
            ),
        ))
    return PlanList(plans=tuple(plans))
