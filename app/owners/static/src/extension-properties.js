// Reading and writing GasFlow's conventions: <spiffworkflow:properties><spiffworkflow:property name value/>,
// the script of a script task, a flow's condition and a timer's expression, each as one undoable command.
import { getBusinessObject, is } from "bpmn-js/lib/util/ModelUtil";

export function ownerOf(element) {
  const bo = getBusinessObject(element);
  return is(bo, "bpmn:Participant") ? bo.get("processRef") : bo;
}

function propertiesOf(bo) {
  const ext = bo && bo.get("extensionElements");
  return ext ? (ext.get("values") || []).find((v) => is(v, "spiffworkflow:Properties")) : undefined;
}

export function getProperty(element, name) {
  const props = propertiesOf(ownerOf(element));
  const found = props && (props.get("properties") || []).find((p) => p.get("name") === name);
  return found ? found.get("value") || "" : "";
}

export function setProperty(element, name, value, bpmnFactory, commandStack) {
  const bo = ownerOf(element);
  const commands = [];
  let ext = bo.get("extensionElements");
  if (!ext) {
    ext = bpmnFactory.create("bpmn:ExtensionElements", { values: [] });
    ext.$parent = bo;
    commands.push(update(element, bo, { extensionElements: ext }));
  }
  let props = propertiesOf(bo);
  if (!props) {
    props = bpmnFactory.create("spiffworkflow:Properties", { properties: [] });
    props.$parent = ext;
    commands.push(update(element, ext, { values: [...(ext.get("values") || []), props] }));
  }
  const list = props.get("properties") || [];
  const existing = list.find((p) => p.get("name") === name);
  if (!value) {
    if (existing) commands.push(update(element, props, { properties: list.filter((p) => p !== existing) }));
  } else if (existing) {
    commands.push(update(element, existing, { value }));
  } else {
    const prop = bpmnFactory.create("spiffworkflow:Property", { name, value });
    prop.$parent = props;
    commands.push(update(element, props, { properties: [...list, prop] }));
  }
  if (commands.length) commandStack.execute("properties-panel.multi-command-executor", commands);
}

function update(element, moddleElement, properties) {
  return { cmd: "element.updateModdleProperties", context: { element, moddleElement, properties } };
}

// A body held in a bpmn:FormalExpression (condition, timer) or a plain string attribute (script).
export function setExpression(element, owner, key, text, bpmnFactory, commandStack) {
  const value = text ? bpmnFactory.create("bpmn:FormalExpression", { body: text }) : undefined;
  if (value) value.$parent = owner;
  commandStack.execute("element.updateModdleProperties", { element, moddleElement: owner, properties: { [key]: value } });
}

export function timerDefinition(element) {
  const bo = getBusinessObject(element);
  return (bo.get("eventDefinitions") || []).find((d) => is(d, "bpmn:TimerEventDefinition"));
}
