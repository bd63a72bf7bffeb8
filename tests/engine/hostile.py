"""Hostile diagrams for the isolation and red-team tests (issue 13): each a small process with one user task after
the dangerous part, so a case that survives has something to show."""

from __future__ import annotations

from xml.sax.saxutils import escape

_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Defs_{key}" targetNamespace="http://gasflow.example/test">
  <bpmn:process id="{key}" name="{name}" isExecutable="true">
    <bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="startableBy" value="staff"/></spiffworkflow:properties></bpmn:extensionElements>
    <bpmn:laneSet id="LaneSet_{key}"><bpmn:lane id="Lane_csc" name="客服中心">{refs}</bpmn:lane></bpmn:laneSet>
"""
_TAIL = """    <bpmn:userTask id="Task_after" name="后续处理"><bpmn:incoming>Flow_to_task</bpmn:incoming><bpmn:outgoing>Flow_end</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="End"><bpmn:incoming>Flow_end</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_end" sourceRef="Task_after" targetRef="End" />
  </bpmn:process>
</bpmn:definitions>
"""


def _doc(key: str, body: str, nodes: list[str], name: str | None = None) -> bytes:
    refs = "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in [*nodes, "Task_after", "End"])
    return (_HEAD.format(key=key, name=name or key, refs=refs) + body + _TAIL).encode("utf-8")


def script_then_task(key: str, script: str) -> bytes:
    """Start → Script_x (the script) → Task_after → End."""
    body = f"""    <bpmn:startEvent id="Start_x"><bpmn:outgoing>Flow_start</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="Script_x" name="危险脚本"><bpmn:incoming>Flow_start</bpmn:incoming><bpmn:outgoing>Flow_to_task</bpmn:outgoing><bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="Flow_start" sourceRef="Start_x" targetRef="Script_x" />
    <bpmn:sequenceFlow id="Flow_to_task" sourceRef="Script_x" targetRef="Task_after" />
"""
    return _doc(key, body, ["Start_x", "Script_x"])


def multi_instance(key: str, cardinality: str) -> bytes:
    """Start → Script_mi (a script task run ``cardinality`` times in parallel) → Task_after → End."""
    body = f"""    <bpmn:startEvent id="Start_x"><bpmn:outgoing>Flow_start</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="Script_mi" name="多实例"><bpmn:incoming>Flow_start</bpmn:incoming><bpmn:outgoing>Flow_to_task</bpmn:outgoing>
      <bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>{escape(cardinality)}</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>
      <bpmn:script>done = True</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="Flow_start" sourceRef="Start_x" targetRef="Script_mi" />
    <bpmn:sequenceFlow id="Flow_to_task" sourceRef="Script_mi" targetRef="Task_after" />
"""
    return _doc(key, body, ["Start_x", "Script_mi"])


def self_loop(key: str, condition: str = "again == True") -> bytes:
    """Start → Event_step (a none event: no script, no wait) → Gateway_loop: ``condition`` leads back, otherwise on."""
    body = f"""    <bpmn:startEvent id="Start_x"><bpmn:outgoing>Flow_start</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateThrowEvent id="Event_step" name="空转"><bpmn:incoming>Flow_start</bpmn:incoming><bpmn:incoming>Flow_again</bpmn:incoming><bpmn:outgoing>Flow_check</bpmn:outgoing></bpmn:intermediateThrowEvent>
    <bpmn:exclusiveGateway id="Gateway_loop" name="再来一次？" default="Flow_to_task"><bpmn:incoming>Flow_check</bpmn:incoming><bpmn:outgoing>Flow_again</bpmn:outgoing><bpmn:outgoing>Flow_to_task</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="Flow_start" sourceRef="Start_x" targetRef="Event_step" />
    <bpmn:sequenceFlow id="Flow_check" sourceRef="Event_step" targetRef="Gateway_loop" />
    <bpmn:sequenceFlow id="Flow_again" sourceRef="Gateway_loop" targetRef="Event_step"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{escape(condition)}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Flow_to_task" sourceRef="Gateway_loop" targetRef="Task_after" />
"""
    return _doc(key, body, ["Start_x", "Event_step", "Gateway_loop"])


def timer_then_script(key: str, script: str, duration: str = '"PT1H"') -> bytes:
    """Start → Task_first → timer (``duration``) → Script_x → Task_after → End: the script runs when the timer fires."""
    body = f"""    <bpmn:startEvent id="Start_x"><bpmn:outgoing>Flow_start</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="Timer_wait" name="等待"><bpmn:incoming>Flow_start</bpmn:incoming><bpmn:outgoing>Flow_fired</bpmn:outgoing>
      <bpmn:timerEventDefinition id="TimerDef_wait"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">{escape(duration)}</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:scriptTask id="Script_x" name="定时脚本"><bpmn:incoming>Flow_fired</bpmn:incoming><bpmn:outgoing>Flow_to_task</bpmn:outgoing><bpmn:script>{escape(script)}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="Flow_start" sourceRef="Start_x" targetRef="Timer_wait" />
    <bpmn:sequenceFlow id="Flow_fired" sourceRef="Timer_wait" targetRef="Script_x" />
    <bpmn:sequenceFlow id="Flow_to_task" sourceRef="Script_x" targetRef="Task_after" />
"""
    return _doc(key, body, ["Start_x", "Timer_wait", "Script_x"])
