"""Drafts of a process a process owner edits in the browser (issue 14 §2-3): the diagram and the forms edited with
it, stored server-side and checked on every save (platform/diagram_checks.py, every problem at once)."""

from __future__ import annotations

import json

from sqlalchemy import select

from app import clock
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.core.tx import writes
from app.engine.checks import check
from app.engine.definitions import NS
from app.engine.outline import outline
from app.extensions import db
from app.models import ProcessDefinition, ProcessDraft, User
from app.owners.access import require_owner
from app.platform import definitions, diagram_checks, forms

MAX_XML_BYTES = 2_000_000
EDITABLE = "editing"


def get(draft_id: int) -> ProcessDraft:
    draft = db.session.get(ProcessDraft, draft_id, populate_existing=True)
    if draft is None:
        raise NotFound(f"草稿 {draft_id} 不存在 (unknown draft)")
    return draft


def open_drafts(key: str | None = None) -> list[ProcessDraft]:
    query = select(ProcessDraft).where(ProcessDraft.status.in_(["editing", "submitted"]))
    if key:
        query = query.where(ProcessDraft.key == key)
    return list(db.session.scalars(query.order_by(ProcessDraft.updated_at.desc())))


def edited_forms(draft: ProcessDraft) -> dict[str, dict]:
    return json.loads(draft.forms_json or "{}")


def problems(draft: ProcessDraft) -> list[dict]:
    return json.loads(draft.problems_json or "[]")


def _key_and_name(xml: bytes) -> tuple[str, str]:
    report = check(xml)
    shape = outline(report.tree) if report.tree is not None else None
    if shape is None or not shape.key:
        raise Invalid("无法读取流程 id：请上传含一个 bpmn:process 的 BPMN 文件 (no process id in the file)")
    process = report.tree.xpath("/bpmn:definitions/bpmn:process[@id=$id]", namespaces=NS, id=shape.key)
    return shape.key, (process[0].get("name") if process else None) or shape.key


def _recheck(draft: ProcessDraft) -> list[dict]:
    found = diagram_checks.as_dicts(diagram_checks.check_diagram(draft.xml.encode("utf-8"), edited_forms(draft)))
    draft.problems_json = json.dumps(found, ensure_ascii=False)
    draft.error_count = sum(1 for p in found if p["severity"] == "error")
    return found


@writes
def start_from_version(key: str, number: int | None, user: User) -> ProcessDraft:
    """A draft from a stored version (default: the live one) with the forms that version pinned."""
    require_owner(user)
    row = definitions.version(key, number) if number else definitions.live(key)
    return _new(row.key, row.name, row.xml, definitions.pinned_forms(row), row.id, user)


@writes
def start_from_upload(content: bytes, user: User) -> ProcessDraft:
    """A draft from a file drawn elsewhere (Camunda Modeler, spiff-arena): kept as uploaded, checked like any draft."""
    require_owner(user)
    if not content or len(content) > MAX_XML_BYTES:
        raise Invalid("请选择不超过 2 MB 的 BPMN 文件 (a BPMN file up to 2 MB is required)")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid("文件不是 UTF-8 编码的 BPMN (the file must be UTF-8 BPMN XML)") from None
    key, name = _key_and_name(content)
    try:
        live = definitions.live(key)
    except NotFound:
        live = None
    pinned = definitions.pinned_forms(live) if live is not None else {}
    return _new(key, name, text, pinned, live.id if live is not None else None, user)


def _new(key: str, name: str, xml: str, pinned: dict, base_id: int | None, user: User) -> ProcessDraft:
    now = clock.now()
    draft = ProcessDraft(key=key, name=name, xml=xml, forms_json=json.dumps(pinned, ensure_ascii=False),
                         base_definition_id=base_id, author_id=user.id, status=EDITABLE, created_at=now,
                         updated_at=now, problems_json="[]", error_count=0)  # fmt: skip
    db.session.add(draft)
    db.session.flush()
    _recheck(draft)
    return draft


def _editable(draft: ProcessDraft, user: User) -> None:
    require_owner(user)
    if draft.status != EDITABLE:
        raise Conflict("草稿已提交评审或已结束，不能修改 (the draft is under review or closed)")
    if draft.author_id != user.id:
        raise Forbidden("只有草稿的作者可以修改它 (only the author edits a draft)")


@writes
def save(draft_id: int, xml: str, user: User) -> ProcessDraft:
    """Store the diagram as the modeler saved it and check it; the problems come back with the draft."""
    draft = get(draft_id)
    _editable(draft, user)
    if not isinstance(xml, str) or not xml.strip():
        raise Invalid("草稿内容为空 (empty diagram)")
    if len(xml.encode("utf-8")) > MAX_XML_BYTES:
        raise Invalid("草稿超过 2 MB (diagram too large)")
    key, name = _key_and_name(xml.encode("utf-8"))
    if key != draft.key:
        raise Invalid(f"流程 id 不能改变：应为 {draft.key} (the process id must stay {draft.key})")
    draft.xml, draft.name, draft.updated_at = xml, name, clock.now()
    _recheck(draft)
    return draft


@writes
def save_form(draft_id: int, form_key: str, schema: object, user: User) -> ProcessDraft:
    """A task form edited with the draft: published with the draft's version, never on its own (issue 14 §8)."""
    draft = get(draft_id)
    _editable(draft, user)
    if not form_key or not form_key.replace("_", "").isalnum() or len(form_key) > 64:
        raise Invalid("表单名只能含字母、数字和下划线 (formKey: letters, digits, underscores)", fields=["form_key"])
    reasons = forms.check_schema(schema)
    if reasons:
        raise Invalid(reasons[0], fields=["schema"])
    current = edited_forms(draft)
    current[form_key] = schema
    draft.forms_json = json.dumps(current, ensure_ascii=False)
    draft.updated_at = clock.now()
    _recheck(draft)
    return draft


def form_of(draft: ProcessDraft, form_key: str) -> dict | None:
    edited = edited_forms(draft)
    if form_key in edited:
        return edited[form_key]
    try:
        return forms.load_file(draft.key, form_key)
    except (NotFound, Invalid):
        return None


def form_keys(draft: ProcessDraft) -> list[str]:
    return sorted(set(edited_forms(draft)) | set(forms.keys_on_disk(draft.key)))


@writes
def discard(draft_id: int, user: User) -> None:
    draft = get(draft_id)
    _editable(draft, user)
    draft.status = "withdrawn"
    draft.updated_at = clock.now()


@writes
def recheck(draft_id: int) -> list[dict]:
    return _recheck(get(draft_id))


def base_of(draft: ProcessDraft) -> ProcessDefinition | None:
    return db.session.get(ProcessDefinition, draft.base_definition_id) if draft.base_definition_id else None
