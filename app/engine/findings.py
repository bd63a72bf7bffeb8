"""The shape of one diagram problem, shared by every check (issue 14 §3, issue 19 item 1)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace

ERROR, WARNING = "error", "warning"

# The BPMN element kinds an owner sees in the modeler, in the words of its palette.
KIND_ZH = {
    "task": "任务（无类型）", "userTask": "用户任务", "manualTask": "手工任务", "scriptTask": "脚本任务",
    "serviceTask": "服务任务", "sendTask": "发送任务", "receiveTask": "接收任务", "businessRuleTask": "业务规则任务",
    "subProcess": "子流程", "transaction": "事务子流程", "adHocSubProcess": "自由子流程", "callActivity": "调用活动",
    "startEvent": "开始事件", "endEvent": "结束事件", "intermediateCatchEvent": "中间捕获事件",
    "intermediateThrowEvent": "中间抛出事件", "boundaryEvent": "边界事件", "exclusiveGateway": "排他网关",
    "parallelGateway": "并行网关", "inclusiveGateway": "包容网关", "eventBasedGateway": "事件网关",
    "complexGateway": "复杂网关", "sequenceFlow": "顺序流", "lane": "泳道", "process": "流程", "participant": "池",
    "dataStoreReference": "数据存储", "dataObjectReference": "数据对象", "textAnnotation": "文本注释",
    "group": "分组", "timerEventDefinition": "计时器",
}  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """One problem, in the shape every check returns (and the modeler pins to the element)."""

    element_id: str
    name: str
    line: int | None
    message_zh: str
    message_en: str
    fix: str = ""
    severity: str = ERROR
    kind: str = ""  # the element's BPMN type (userTask, lane …); filled in by checks.check from the id

    def as_dict(self) -> dict:
        return asdict(self) | {"kind_zh": KIND_ZH.get(self.kind, self.kind)}

    def with_kind(self, kind: str) -> Finding:
        return self if self.kind or not kind else replace(self, kind=kind)


_BILINGUAL = re.compile(r"^(?P<zh>.*?)\s*\((?P<en>[^()]*)\)\s*(?P<rest>.*)$", re.S)


def split_message(message: str) -> tuple[str, str]:
    """ "中文 (English) detail" -> ("中文 detail", "English detail"); a message in one language is used for both."""
    match = _BILINGUAL.match(message or "")
    if not match:
        return message, message
    rest = match["rest"]
    rest = rest if not rest or rest[0] in ":：;；,，" else " " + rest
    return match["zh"] + rest, match["en"] + rest
