"""SpiffWorkflow's parse errors in the owner's words: element, line, Chinese and English, the fix (issue 19 item 1).

The checks in app/engine/foreign.py find most of these first (all at once); this is what remains when SpiffWorkflow
stops on something they did not foresee. No raw engine text reaches an owner: an unknown message becomes a generic
one on the element, and the original is logged for the developers.
"""

from __future__ import annotations

import logging
import re

from app.engine.findings import KIND_ZH, Finding

log = logging.getLogger(__name__)

# (pattern on SpiffWorkflow's message, zh, en, fix); {kind} is the element's type, {name} its name, {0}… the groups
_KNOWN = [
    (
        r"Cannot resolve data(Input|Output)Association",
        "{label}的数据关联指向的对象无法运行（数据存储或缺失的数据对象）",
        "a data association of the {kind} points at something that cannot run (a data store or a missing data object)",
        "删除该数据关联，或连到同一流程中的数据对象",
    ),
    (
        r"Data Store with name (.*) has no implementation",
        "数据存储“{0}”在 GasFlow 中没有实现",
        "GasFlow cannot read or write data store {0!r}",
        "数据存储只能作说明：删除它与任务的连线",
    ),
    (
        r"Multiple outgoing flows are not supported",
        "{label}有多条出口流",
        "the {kind} has several outgoing flows; only gateways may split",
        "请在其后加排他网关（选一条）或并行网关（全部走） / add an exclusive or parallel gateway after it",
    ),
    (
        r"Unknown Time Specification",
        "计时器{label}没有设置时间",
        "the timer of the {kind} has no time set",
        "填写时长（如 P7D）、日期或周期（如 R6/P1D）",
    ),
    (
        r"Time Specification Error",
        "计时器{label}的时间无法识别",
        "the timer of the {kind} cannot be read",
        "填写 ISO-8601 时长（如 P7D）、日期或周期（如 R6/P1D）",
    ),
    (
        r"Service Task must have an operator",
        "服务任务{label}没有 GasFlow 的服务调用",
        "the service task has no GasFlow service operator",
        "改为脚本任务，调用平台函数",
    ),
    (
        r"Exactly one start event is required in a SubWorkflow Task; found (\d+)",
        "子流程{label}内有 {0} 个开始事件，须恰好一个",
        "the subprocess must have exactly one start event (found {0})",
        "展开子流程画出一个开始事件；若只是说明，改成普通任务",
    ),
    (
        r"SubWorkflow Must contain an End event",
        "子流程{label}内没有结束事件",
        "the subprocess has no end event",
        "在子流程内画出结束事件",
    ),
    (
        r'No "calledElement" attribute',
        "调用活动{label}没有填写被调用的流程",
        "the call activity calls no process",
        "填写 calledElement，并把被调用的流程放在同一文件中",
    ),
    (
        r"The process '(.*?)' was not found",
        "被调用的流程 {0} 不在本文件中",
        "called process {0} is not in this file",
        "把被调用的流程画在同一文件的另一个池中",
    ),
    (
        r"Non-default exclusive outgoing sequence flow without condition",
        "排他网关的出口流{label}没有条件",
        "an outgoing flow of an exclusive gateway has no condition",
        "为它写条件，或把它设为默认流",
    ),
    (r"No start event found", "流程没有开始事件", "the process has no start event", "画一个开始事件"),
    (
        r"Process (.*) is not executable",
        "流程 {0} 标为不可执行",
        "process {0} is not executable",
        "在建模工具中勾选“可执行”",
    ),
    (
        r"no support implemented for this task type",
        "{label}这种元素 GasFlow 不能运行",
        "GasFlow cannot run a {kind}",
        "改成用户任务、脚本任务或网关",
    ),
    (r"No Script Provided", "脚本任务{label}没有脚本", "the script task has no script", "填写脚本，或改成普通任务"),
    (
        r"Unsupported Catch Event",
        "中间捕获事件{label}没有类型",
        "a catch event without a definition",
        "设为计时器或消息事件，或删除",
    ),
    (
        r"When looking for a task spec, we found two items.*?\((.*?)\)",
        "{label}连到的元素 {0} 不存在或不在同一流程中",
        "the {kind} is connected to {0}, which is missing or in another process",
        "重新连线，或删除悬空的顺序流",
    ),
    (r"Duplicate process ID: (.*)", "流程 id {0} 重复", "duplicate process id {0}", "给每个流程不同的 id"),
    (
        r"(Message|Signal|Error|Escalation|Correlation) identifier is missing",
        "{0} 定义缺少 id",
        "a {0} has no id",
        "在建模工具中重新创建该定义",
    ),
]
_COMPILED = [(re.compile(pattern, re.S), zh, en, fix) for pattern, zh, en, fix in _KNOWN]


def finding(err: BaseException, tree, filename: str = "") -> Finding:
    """The Finding for an exception SpiffWorkflow raised while parsing ``tree``."""
    text = str(err)
    known = next(((m, zh, en, fix) for p, zh, en, fix in _COMPILED if (m := p.search(text))), None)
    groups = [g or "" for g in known[0].groups()] if known else []
    node = _node(err, tree, text, groups)
    element_id = node.get("id") if node is not None else ""
    kind = _local(node) if node is not None else (getattr(err, "tag", "") or "").removeprefix("bpmn:")
    name = (node.get("name") if node is not None else getattr(err, "name", "")) or ""
    line = node.sourceline if node is not None else None
    label = f"“{name or element_id}”（{KIND_ZH.get(kind, kind)}）" if element_id else ""
    if known:
        _, zh, en, fix = known
        values = {"label": label, "kind": kind or "element", "name": name}
        return Finding(element_id, name, line, zh.format(*groups, **values), en.format(*groups, **values), fix,
                       kind=kind)  # fmt: skip
    log.warning("untranslated SpiffWorkflow parse error in %s (%s): %s", filename, element_id, text)
    return Finding(element_id, name, line, f"流程引擎无法读取{label or '该流程'}",
                   f"the workflow engine cannot read this {kind or 'diagram'}",
                   "检查该元素的设置；若仍不清楚，把文件发给系统管理员", kind=kind)  # fmt: skip


def _node(err: BaseException, tree, text: str, groups: list[str]):
    """The element the error is about: the one SpiffWorkflow names, else one named in its text (an id, or the name of
    a data store: its drawn reference is what the owner sees)."""
    if tree is None:
        return None
    element_id = getattr(err, "id", "") or ""
    if element_id:
        found = tree.xpath("//*[@id=$id]", id=element_id)
        if found:
            return found[0]
    for name in groups:
        found = tree.xpath("//*[@name=$n][local-name()='dataStoreReference' or local-name()!='dataStore']", n=name)
        if found:
            return found[0]
    return _node_named_in(text, tree)


def _local(node) -> str:
    return node.tag.rsplit("}", 1)[-1] if isinstance(node.tag, str) else ""


def _node_named_in(text: str, tree):
    """SpiffWorkflow's errors from the parser's helpers name an element only inside their text."""
    for candidate in re.findall(r"[A-Za-z_][\w.-]*", text):
        found = tree.xpath("//*[@id=$id]", id=candidate)
        if found:
            return found[0]
    return None
