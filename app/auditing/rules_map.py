"""Which rule of rules.md is enforced where (issue 15 §8): derived from the deployed diagrams (an element whose
documentation cites the id, or a boundary timer's ``escalation`` property), from the maintained list of services
below, and from the test names that carry the id (test_C14_1_… proves C14.1). A rule none of these names is listed as
not yet enforced — honestly, on the same page."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.engine.xml import parse_xml
from app.extensions import db
from app.models import ProcessDefinition
from app.settings import PROJECT_ROOT

RULE_ID = re.compile(r"\b([CSM]\d+(?:\.\d+)*)\b")
TEST_NAME = re.compile(r"def (test_\w+)")
TEST_RULE = re.compile(r"(?:^|_)([CSM]\d+(?:_\d+)*)(?=_|$)")
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"

# The rule ids of rules.md (the company's notice 广气发〔2022〕4号), with a short title. Maintained with rules.md.
CATALOG: dict[str, str] = {
    "C4": "客服中心负责投诉受理与跟踪", "C5": "主营分公司调查处理（四不放过）", "C6": "纪检监审法务部查处违纪",
    "C7": "投诉分级：一般/重大", "C8": "投诉升级（内部→外部、一般→重大）", "C9": "有效/无效投诉认定",
    "C10": "争议提交监督委员会", "C11": "投诉渠道", "C12": "投诉受理登记要素", "C13": "调查核实与回避",
    "C14.1": "5 个工作日内处置并答复", "C14.2": "有效投诉月报报分管领导", "C14.3": "有效投诉责任追究",
    "C15.1": "1 日内填写信息处理表并经部门负责人签字", "C15.2": "超期督办，通知责任单位负责人",
    "C15.3": "二次回访与满意度", "M3": "客户分类 A1-A3、B1-B2", "M4": "A 类与 B1 客户配客户经理",
    "M5": "客户经理职责", "M5.4": "容缺受理、一次告知", "M5.5": "客户资料保密", "M6": "客户经理服务范围",
    "M7.1": "一对一代办服务", "M8.5": "报装时限承诺", "M8.8": "按季度报送满意度调查表", "M9": "客户走访",
    "M9.1": "A1/B1 每季、A2/A3 每半年走访", "M10": "回访", "M10.1": "A1/B1 每年 4 次、其他每年 2 次回访",
    "S3": "各单位职责", "S4": "首问负责制", "S5": "一窗受理", "S6": "服务承诺公开", "S7": "预约服务",
    "S14.1": "不能按约上门提前 2 小时告知", "S18": "获得用气", "S18.2": "A 类、B1 报装提前介入",
    "S18.3": "小微企业快速通道", "S18.4": "报装各环节时限", "S18.5": "报装各环节按时限跟踪",
    "S19.1": "抄表实抄率 ≥95%", "S19.3": "欠费先电话或上门催缴", "S21": "一户一档", "S21.3": "业务数据至少每周备份",
    "S21.4": "客户档案保密，查看留痕", "S22": "抢修 24 小时", "S22.4": "维修不能按时完成的，告知并改约",
    "S22.5": "疑似漏气优先", "S24.1": "调度中心、安装公司不得自行停气", "S24.2": "计划停气提前 48 小时公告",
    "S24.4": "停气超 24 小时书面报告住建局", "S24.5": "停气通知要素", "S24.6": "欠费停气与缴费后 6 小时内恢复",
    "S24.7": "隐患整改与停气", "S24.8": "停气事先报客服中心", "S27": "客服中心每半年检查分公司服务",
    "S28": "抽样回访", "S29": "满意度调查",
}  # fmt: skip

# Rules a service enforces rather than a diagram element (maintained by whoever adds the check; name the module).
SERVICES: dict[str, list[str]] = {
    "C8": ["app/complaints/intake.py（重复投诉合并、内部转外部升级）"],
    "C11": ["app/complaints/intake.py（受理渠道）", "forms/complaint/intake.json"],
    "C12": ["app/complaints/intake.py（受理要素）", "forms/complaint/intake.json"],
    "C13": ["app/complaints/rules.py（两名以上调查人、回避）", "app/org/access.py（被投诉人不得办理）"],
    "C14.2": ["app/complaints/report.py、notice.py（月报与通知作业）"],
    "M3": ["app/customers/fields.py（客户分类）"],
    "M4": ["app/customers/fields.py（A 类、B1 须有客户经理）"],
    "M5.5": ["app/customers/masking.py（脱敏）"],
    "S21": ["app/customers/records.py（一户一档）"],
    "S21.3": ["app/platform/backup.py、app/scheduler.py（每周备份作业）"],
    "S21.4": ["app/customers/masking.py（脱敏与查看日志）", "app/auditing/customer_access.py（访问日志页）"],
    "S24.1": ["app/supply/outages.py（申请单位、分公司辖区）"],
    "S24.2": ["app/supply/outages.py（提前 48 小时、避开高峰、不超过 24 小时，提交时检查）"],
    "S24.5": ["app/supply/outage_notice.py（停气公告四要素）"],
    "S24.8": ["app/supply/board.py（停气看板）", "app/supply/outage_list.py（停气公告与紧急停气上看板）"],
}


@dataclass
class RuleUse:
    rule: str
    title: str
    elements: list[tuple[str, str, str]] = field(default_factory=list)  # (process key, element id, element name)
    services: list[str] = field(default_factory=list)
    tests: list[str] = field(default_factory=list)

    @property
    def enforced(self) -> bool:
        return bool(self.elements or self.services)


def _covers(cited: str, rule: str) -> bool:
    """C13.2.5 cited in a diagram counts for C13; C14.1 does not count for C14.2."""
    return cited == rule or cited.startswith(rule + ".")


def _latest_xml() -> list[tuple[str, str]]:
    newest = (
        select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("v"))
        .group_by(ProcessDefinition.key)
        .subquery()
    )
    rows = db.session.execute(
        select(ProcessDefinition.key, ProcessDefinition.xml).join(
            newest, (ProcessDefinition.key == newest.c.key) & (ProcessDefinition.version == newest.c.v)
        )
    )
    return [(key, xml) for key, xml in rows]


def diagram_citations() -> list[tuple[str, str, str, str]]:
    """(rule id, process key, element id, element name) for every citation in the newest version of each process."""
    found = []
    for key, xml in _latest_xml():
        tree = parse_xml(xml.encode("utf-8"), f"{key}.bpmn")
        for doc in tree.iter(f"{{{BPMN_NS}}}documentation"):
            element = doc.getparent()
            for rule in RULE_ID.findall(doc.text or ""):
                found.append((rule, key, element.get("id", ""), element.get("name", "")))
        for prop in tree.iter("{http://spiffworkflow.org/bpmn/schema/1.0/core}property"):
            if prop.get("name") == "escalation":
                element = prop.getparent().getparent().getparent()
                found.append((prop.get("value", ""), key, element.get("id", ""), element.get("name", "")))
    return found


@functools.cache
def test_names() -> dict[str, list[str]]:
    """Rule id -> the tests whose names carry it (tests/**/test_*.py, read once per process)."""
    found: dict[str, list[str]] = {}
    for path in sorted((PROJECT_ROOT / "tests").rglob("test_*.py")):
        relative = path.relative_to(PROJECT_ROOT).as_posix()
        for name in TEST_NAME.findall(path.read_text(encoding="utf-8", errors="replace")):
            for match in TEST_RULE.findall(name.removeprefix("test")):
                found.setdefault(match.replace("_", "."), []).append(f"{relative}::{name}")
    return found


def uses() -> list[RuleUse]:
    citations = diagram_citations()
    tests = test_names()
    result = []
    for rule, title in CATALOG.items():
        use = RuleUse(rule, title, services=list(SERVICES.get(rule, [])))
        use.elements = sorted({(k, e, n) for cited, k, e, n in citations if _covers(cited, rule)})
        use.tests = sorted({t for cited, names in tests.items() if _covers(cited, rule) for t in names})
        result.append(use)
    return result


def elements_citing(rule: str) -> list[tuple[str, str]]:
    return sorted({(k, e) for cited, k, e, _n in diagram_citations() if _covers(cited, rule)})
