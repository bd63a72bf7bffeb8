"""State without the spec (design.md): the spec is stored once per definition version and injected on load."""

from __future__ import annotations

import json
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG


class SpeclessWorkflowConverter(BpmnWorkflowConverter):
    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        if spec is None:
            raise ValueError("a spec must be given to restore a workflow stored without one")
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_config = dict(SPIFF_CONFIG)
_config[BpmnWorkflow] = SpeclessWorkflowConverter
_serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_config))
SERIALIZER_REGISTRY = _serializer.registry  # spec comparison (migration) converts specs with it


def dump_state(workflow: BpmnWorkflow, id_seq: int) -> str:
    """The stored state: the workflow without its spec, plus the task-id counter (see shims.task_ids)."""
    _serializer.registry._encoder_mode = True
    try:
        dct = _serializer.to_dict(workflow)
        return json.dumps({"id_seq": id_seq, "workflow": dct}, cls=_serializer._encoder_cls, ensure_ascii=False)
    finally:
        _serializer.registry._encoder_mode = False


def load_state(state_json: str, spec, subprocess_specs, script_engine) -> tuple[BpmnWorkflow, int]:
    envelope = json.loads(state_json)
    workflow = _serializer.registry.restore(envelope["workflow"], spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = script_engine
    return workflow, envelope["id_seq"]
