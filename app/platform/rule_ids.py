"""The rule ids a boundary timer may name as its ``escalation`` (rules.md, "Deadlines and cadences"): what the
overview and reports count as an escalation of that rule. The summaries are ours, in Chinese, for the picker."""

from __future__ import annotations

ESCALATION_RULES: dict[str, str] = {
    "C14.1": "投诉 5 个工作日内办结答复",
    "C15.1": "办结后 1 日内填报信息处理表并经部门负责人签字",
    "C15.2": "客服中心跟踪超期投诉，通知责任单位负责人并督办",
    "C15.3": "投诉二次回访",
    "C14.2": "客服中心按月汇总有效投诉",
    "S24.2": "计划停气提前 48 小时公告，通常不超过 24 小时",
    "S24.4": "停气或降压超过 24 小时须书面告知住建局并短信通知用户",
    "S24.6": "缴清欠费后 6 小时内恢复供气",
    "S24.7": "隐患消除后恢复供气",
    "S24.8": "停气须事前报客服中心，突发停气立即报热线",
    "S14.1": "上门服务不能按约须提前 2 小时告知",
}
