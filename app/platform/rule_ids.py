"""The rule ids of rules.md (S = 服务管理办法, M = 客户经理制度, C = 用户投诉管理办法; the number is the article) that
a boundary timer may name as its ``escalation``: the overview and reports count its firing as an escalation of that
rule. The summaries are ours, in Chinese, for the modeler's picker; ids without one show their measure's name."""

from __future__ import annotations

_SUMMARIES = {
    "C14.1": "投诉 5 个工作日内办结答复",
    "C14.2": "客服中心按月汇总有效投诉",
    "C15.1": "办结后 1 日内填报信息处理表并经部门负责人签字",
    "C15.2": "客服中心跟踪超期投诉，通知责任单位负责人并督办",
    "C15.3": "投诉二次回访",
    "S14.1": "上门服务不能按约须提前 2 小时告知",
    "S22.4": "维修将超时须电话告知并改约",
    "S22.5": "疑似漏气优先抢修",
    "S24.2": "计划停气提前 48 小时公告，通常不超过 24 小时",
    "S24.3": "泄漏或突发停气不间断抢修，直至修复",
    "S24.4": "停气或降压超过 24 小时须书面告知住建局并短信通知用户",
    "S24.6": "缴清欠费后 6 小时内恢复供气",
    "S24.7": "隐患消除后恢复供气",
    "S24.8": "停气须事前报客服中心，突发停气立即报热线",
    "M9.1": "客户经理按季度/半年走访客户",
    "M10.1": "业务办结后回访",
}
_IDS = ["C4", "C5", "C6", "C7", "C8", "C9", "C10", "C11", "C12", "C13", "C14.1", "C14.2", "C14.3", "C15.1", "C15.2", "C15.3", "M3", "M4", "M5", "M5.4", "M5.5", "M6", "M7.1", "M8.5", "M8.8", "M9", "M9.1", "M10", "M10.1", "S3", "S4", "S5", "S6", "S7", "S14.1", "S18", "S18.2", "S18.3", "S18.4", "S18.5", "S19.1", "S19.3", "S21", "S21.3", "S21.4", "S22", "S22.4", "S22.5", "S24.1", "S24.2", "S24.3", "S24.4", "S24.5", "S24.6", "S24.7", "S24.8", "S27", "S28", "S29"]  # fmt: skip
_MEASURES = {"S": "服务管理办法", "M": "客户经理制度", "C": "用户投诉管理办法"}

ESCALATION_RULES: dict[str, str] = {
    rule: _SUMMARIES.get(rule, f"{_MEASURES[rule[0]]}第 {rule[1:]} 条") for rule in _IDS
}
