// The GasFlow group of the properties panel: our diagram conventions edited with pickers (docs/architecture.md,
// "Diagram conventions"). Choices come from the server (catalog: forms, fields, units, bound lanes, rule ids).
import { SelectEntry, TextAreaEntry, TextFieldEntry, isSelectEntryEdited, isTextAreaEntryEdited,
  isTextFieldEntryEdited } from "@bpmn-io/properties-panel";
import { h } from "@bpmn-io/properties-panel/preact";
import { useService } from "bpmn-js-properties-panel";
import { getBusinessObject, is } from "bpmn-js/lib/util/ModelUtil";
import { getProperty, setProperty, setExpression, timerDefinition } from "./extension-properties";

const LOW_PRIORITY = 400;

function options(list, current, blank = "（无）") {
  const result = [{ value: "", label: blank }, ...list];
  if (current && !list.some((o) => o.value === current)) result.push({ value: current, label: current + "（当前值）" });
  return result;
}

function PropertySelect({ element, id, name, label, description, choices }) {
  const bpmnFactory = useService("bpmnFactory");
  const commandStack = useService("commandStack");
  const debounce = useService("debounceInput");
  return h(SelectEntry, {
    element, id, label, description, debounce,
    getValue: () => getProperty(element, name),
    setValue: (value) => setProperty(element, name, value, bpmnFactory, commandStack),
    getOptions: () => options(choices(), getProperty(element, name)),
  });
}

function PropertyText({ element, id, name, label, description, check }) {
  const bpmnFactory = useService("bpmnFactory");
  const commandStack = useService("commandStack");
  const debounce = useService("debounceInput");
  return h(TextFieldEntry, {
    element, id, label, description, debounce, validate: check,
    getValue: () => getProperty(element, name),
    setValue: (value) => setProperty(element, name, (value || "").trim(), bpmnFactory, commandStack),
  });
}

const positiveInteger = (v) => (!v || /^[1-9][0-9]*$/.test(v.trim()) ? null : "请输入正整数");
const positiveNumber = (v) => (!v || (/^[0-9]*\.?[0-9]+$/.test(v.trim()) && Number(v) > 0) ? null : "请输入正数");

function Code({ element, id, label, description, get, set }) {
  const debounce = useService("debounceInput");
  return h("div", { class: "gf-code" }, h(TextAreaEntry, { element, id, label, description, debounce, rows: 4,
    monospace: true, getValue: get, setValue: set }));
}

function ScriptCode({ element }) {
  const modeling = useService("modeling");
  const bo = getBusinessObject(element);
  return h(Code, { element, id: "gf-script", label: "脚本（Python，沙箱运行）",
    description: "可调用 add_working_days、add_hours、now 等；保存时服务器编译检查",
    get: () => bo.get("script") || "", set: (v) => modeling.updateProperties(element, { script: v || undefined,
      scriptFormat: bo.get("scriptFormat") || "python" }) });
}

function ConditionCode({ element }) {
  const bpmnFactory = useService("bpmnFactory");
  const commandStack = useService("commandStack");
  const bo = getBusinessObject(element);
  return h(Code, { element, id: "gf-condition", label: "条件（Python 表达式）",
    description: "例如 decision == \"approve\"",
    get: () => (bo.get("conditionExpression") && bo.get("conditionExpression").get("body")) || "",
    set: (v) => setExpression(element, bo, "conditionExpression", v, bpmnFactory, commandStack) });
}

const TIMER_KINDS = [
  { value: "timeDuration", label: "时长（如 'PT24H'）" },
  { value: "timeDate", label: "时刻（如 answer_due 或 '2026-12-01T09:00:00+08:00'）" },
  { value: "timeCycle", label: "周期（如 'R3/P1D'）" },
];

function timerKind(def) {
  return TIMER_KINDS.map((k) => k.value).find((k) => def.get(k)) || "timeDuration";
}

function TimerKind({ element }) {
  const bpmnFactory = useService("bpmnFactory");
  const commandStack = useService("commandStack");
  const def = timerDefinition(element);
  return h(SelectEntry, { element, id: "gf-timer-kind", label: "计时器类型", getOptions: () => TIMER_KINDS,
    getValue: () => timerKind(def),
    setValue: (kind) => {
      const old = timerKind(def);
      const body = def.get(old) ? def.get(old).get("body") : "";
      commandStack.execute("element.updateModdleProperties", { element, moddleElement: def,
        properties: { [old]: undefined } });
      setExpression(element, def, kind, body || "'PT1H'", bpmnFactory, commandStack);
    } });
}

function TimerCode({ element }) {
  const bpmnFactory = useService("bpmnFactory");
  const commandStack = useService("commandStack");
  const def = timerDefinition(element);
  return h(Code, { element, id: "gf-timer", label: "计时器表达式",
    description: "ISO 文本须加引号，如 'PT24H'；也可写数据字段名或 add_working_days(...)",
    get: () => { const e = def.get(timerKind(def)); return (e && e.get("body")) || ""; },
    set: (v) => setExpression(element, def, timerKind(def), v, bpmnFactory, commandStack) });
}

function FormLink({ element, catalog }) {
  const key = getProperty(element, "formKey");
  if (!key) return null;
  const href = catalog.formUrl.replace("FORMKEY", encodeURIComponent(key));
  return h("div", { class: "bio-properties-panel-entry" },
    h("a", { href, id: "gf-form-link" }, `预览 / 编辑表单 ${key}`));
}

function LaneSelect({ element, catalog }) {
  const modeling = useService("modeling");
  const debounce = useService("debounceInput");
  const choices = () => [
    ...catalog.bound_lanes.map((l) => ({ value: l.name, label: `${l.name}（${l.help}）` })),
    ...catalog.units.map((u) => ({ value: u.name, label: `${u.name}（${u.people} 人）` })),
  ];
  return h(SelectEntry, { element, id: "gf-lane", label: "办理单位 / 角色", debounce,
    description: "泳道里的任务由该单位或该角色的人员认领",
    getValue: () => getBusinessObject(element).get("name") || "",
    setValue: (value) => modeling.updateProperties(element, { name: value }),
    getOptions: () => options(choices(), getBusinessObject(element).get("name"), "请选择") });
}

function MessageVariable({ element }) {
  const bpmnFactory = useService("bpmnFactory");
  const commandStack = useService("commandStack");
  const debounce = useService("debounceInput");
  const def = (getBusinessObject(element).get("eventDefinitions") || []).find((d) => is(d, "bpmn:MessageEventDefinition"));
  const current = () => {
    const ext = def && def.get("extensionElements");
    const v = ext && (ext.get("values") || []).find((x) => is(x, "spiffworkflow:MessageVariable"));
    return v ? v.get("value") || "" : "";
  };
  return h(TextFieldEntry, { element, id: "gf-message-variable", label: "消息数据存入字段", debounce,
    getValue: current,
    setValue: (value) => {
      let ext = def.get("extensionElements");
      const commands = [];
      if (!ext) {
        ext = bpmnFactory.create("bpmn:ExtensionElements", { values: [] });
        ext.$parent = def;
        commands.push({ cmd: "element.updateModdleProperties", context: { element, moddleElement: def, properties: { extensionElements: ext } } });
      }
      const others = (ext.get("values") || []).filter((x) => !is(x, "spiffworkflow:MessageVariable"));
      const values = value ? [...others, bpmnFactory.create("spiffworkflow:MessageVariable", { value })] : others;
      commands.push({ cmd: "element.updateModdleProperties", context: { element, moddleElement: ext, properties: { values } } });
      commandStack.execute("properties-panel.multi-command-executor", commands);
    } });
}

function entries(element, catalog) {
  const fields = () => catalog.fields.map((f) => ({ value: f.name, label: `${f.title}（${f.name}）` }));
  const list = [];
  const add = (id, component, isEdited = isTextFieldEntryEdited) => list.push({ id, element, component, isEdited });
  if (is(element, "bpmn:UserTask") || is(element, "bpmn:ManualTask")) {
    const forms = () => catalog.forms.map((f) => ({ value: f.key, label: `${f.title}（${f.key}）` }));
    add("gf-formKey", (p) => h(PropertySelect, { ...p, id: "gf-formKey", name: "formKey", label: "表单", choices: forms }), isSelectEntryEdited);
    add("gf-form-link", (p) => h(FormLink, { ...p, catalog }));
    add("gf-slaWorkingDays", (p) => h(PropertyText, { ...p, id: "gf-slaWorkingDays", name: "slaWorkingDays",
      label: "时限（工作日）", description: "按节假日日历计算，例如 5（C14.1）", check: positiveInteger }));
    add("gf-slaHours", (p) => h(PropertyText, { ...p, id: "gf-slaHours", name: "slaHours", label: "时限（小时）",
      description: "自然小时，例如 6（S24.6）", check: positiveNumber }));
    add("gf-slaFrom", (p) => h(PropertySelect, { ...p, id: "gf-slaFrom", name: "slaFrom", label: "起算字段",
      description: "默认从任务创建时起算", choices: fields }), isSelectEntryEdited);
    add("gf-dueField", (p) => h(PropertySelect, { ...p, id: "gf-dueField", name: "dueField", label: "到期字段",
      description: "由流程脚本算好的到期时间", choices: fields }), isSelectEntryEdited);
    add("gf-assigneeField", (p) => h(PropertySelect, { ...p, id: "gf-assigneeField", name: "assigneeField",
      label: "指派给（字段中的用户）", choices: fields }), isSelectEntryEdited);
    add("gf-notFor", (p) => h(PropertySelect, { ...p, id: "gf-notFor", name: "notFor", label: "回避（字段中的用户不能办理）",
      description: "C13.2.5：被投诉人不能办理", choices: fields }), isSelectEntryEdited);
  }
  if (is(element, "bpmn:Lane")) add("gf-lane", (p) => h(LaneSelect, { ...p, catalog }), isSelectEntryEdited);
  if (is(element, "bpmn:ScriptTask")) add("gf-script", ScriptCode, isTextAreaEntryEdited);
  if (is(element, "bpmn:SequenceFlow")) {
    const source = element.source && element.source.businessObject;
    if (source && (is(source, "bpmn:ExclusiveGateway") || is(source, "bpmn:InclusiveGateway") || getBusinessObject(element).get("conditionExpression")))
      add("gf-condition", ConditionCode, isTextAreaEntryEdited);
  }
  if (timerDefinition(element)) {
    add("gf-timer-kind", TimerKind, isSelectEntryEdited);
    add("gf-timer", TimerCode, isTextAreaEntryEdited);
    if (is(element, "bpmn:BoundaryEvent")) {
      const rules = () => catalog.rules.map((r) => ({ value: r.id, label: `${r.id} ${r.text}` }));
      add("gf-escalation", (p) => h(PropertySelect, { ...p, id: "gf-escalation", name: "escalation",
        label: "升级规则（触发即记为升级）", choices: rules }), isSelectEntryEdited);
    }
  }
  const bo = getBusinessObject(element);
  if ((bo.get("eventDefinitions") || []).some((d) => is(d, "bpmn:MessageEventDefinition")) && !is(element, "bpmn:StartEvent"))
    add("gf-message-variable", MessageVariable);
  if (is(element, "bpmn:Process") || (is(element, "bpmn:Participant") && bo.get("processRef"))) {
    const keys = () => catalog.fields.map((f) => f.name);
    add("gf-correlationKeys", (p) => h(PropertyText, { ...p, id: "gf-correlationKeys", name: "correlationKeys",
      label: "关联键（逗号分隔的字段）", description: "消息按这些字段找到案件",
      check: (v) => { const bad = (v || "").split(",").map((s) => s.trim()).filter((s) => s && !keys().includes(s.split(".")[0]));
        return bad.length ? `不是表单字段：${bad.join("、")}` : null; } }));
    const forms = () => catalog.forms.map((f) => ({ value: f.key, label: `${f.title}（${f.key}）` }));
    add("gf-startFormKey", (p) => h(PropertySelect, { ...p, id: "gf-startFormKey", name: "startFormKey", label: "发起表单", choices: forms }), isSelectEntryEdited);
  }
  return list;
}

export default function GasflowPropertiesProvider(propertiesPanel, config) {
  const catalog = config || { forms: [], fields: [], units: [], bound_lanes: [], rules: [], formUrl: "#" };
  this.getGroups = function (element) {
    return function (groups) {
      const list = entries(element, catalog);
      if (list.length) groups.splice(1, 0, { id: "gasflow", label: "GasFlow 约定", entries: list, shouldOpen: true });
      return groups;
    };
  };
  propertiesPanel.registerProvider(LOW_PRIORITY, this);
}
GasflowPropertiesProvider.$inject = ["propertiesPanel", "config.gasflowCatalog"];
