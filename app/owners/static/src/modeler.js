// The owners' modeler page: bpmn-js Modeler with the properties panel (GasFlow group), bpmnlint and token
// simulation; saves to the server, which checks the draft and answers every problem, pinned here on its element.
import BpmnModeler from "bpmn-js/lib/Modeler";
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from "bpmn-js-properties-panel";
import lintModule from "bpmn-js-bpmnlint";
import TokenSimulationModule from "bpmn-js-token-simulation";
import spiffworkflow from "./spiffworkflow.json";
import GasflowPropertiesProvider from "./gasflow-provider";
import translate from "./translate";
import { config as lintConfig, resolver as lintResolver } from "../build/gen/lint-config.js";

const started = performance.now();
const box = document.getElementById("modeler");
const canvasBox = document.getElementById("canvas");
const state = document.getElementById("save-state");
const list = document.getElementById("problems");
const count = document.getElementById("problem-count");
const editable = box.dataset.editable === "1";

async function fetchText(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.text();
}

function text(tag, content, cls) {
  const node = document.createElement(tag);
  node.textContent = content;
  if (cls) node.className = cls;
  return node;
}

let modeler;
let pinned = [];

function showProblems(problems) {
  const canvas = modeler.get("canvas");
  const overlays = modeler.get("overlays");
  const registry = modeler.get("elementRegistry");
  pinned.forEach(({ id, cls }) => canvas.removeMarker(id, cls));
  overlays.remove({ type: "gf-problem" });
  pinned = [];
  list.replaceChildren();
  const errors = problems.filter((p) => p.severity === "error").length;
  count.textContent = problems.length ? `${errors} 个错误，${problems.length - errors} 个提醒` : "没有问题";
  count.dataset.errors = String(errors);
  const perElement = {};
  problems.forEach((p) => {
    const item = text("li", "", p.severity);
    item.dataset.element = p.element_id || "";
    const kind = p.kind_zh ? `${p.kind_zh} ` : "";
    item.append(text("span", `${p.severity === "error" ? "错误" : "提醒"}：${kind}${p.name || p.element_id || "流程"}`
      + `${p.line ? `（第 ${p.line} 行）` : ""}：${p.message_zh}`));
    if (p.message_en && p.message_en !== p.message_zh) item.append(text("span", ` (${p.message_en})`, "en"));
    if (p.fix) item.append(text("span", ` 修改建议：${p.fix}`, "help"));
    const element = p.element_id && registry.get(p.element_id);
    if (element) {
      const go = text("button", "定位");
      go.type = "button";
      go.addEventListener("click", () => {
        canvas.scrollToElement(element);
        modeler.get("selection").select(element);
        modeler.get("canvas").focus();
      });
      item.append(go);
      (perElement[p.element_id] = perElement[p.element_id] || []).push(p);
    }
    list.append(item);
  });
  Object.entries(perElement).forEach(([id, found]) => {
    const worst = found.some((p) => p.severity === "error") ? "error" : "warning";
    const cls = `gf-problem-${worst}`;
    canvas.addMarker(id, cls);
    pinned.push({ id, cls });
    const badge = text("span", String(found.length), `gf-badge ${worst}`);
    badge.title = found.map((p) => `${p.message_zh}${p.line ? `（第 ${p.line} 行）` : ""}`).join("\n");
    badge.dataset.element = id;
    overlays.add(id, "gf-problem", { position: { top: -10, right: 10 }, html: badge });
  });
}

async function save() {
  state.textContent = "正在保存并检查…";
  const { xml } = await modeler.saveXML({ format: true });
  const response = await fetch(box.dataset.saveUrl, {
    method: "PUT", credentials: "same-origin", body: xml,
    headers: { "Content-Type": "application/xml", "X-CSRFToken": box.dataset.csrf },
  });
  const body = await response.json();
  if (!response.ok) {
    state.textContent = `保存失败：${body.detail || response.status}`;
    return;
  }
  showProblems(body.problems);
  state.textContent = `已保存 ${new Date().toLocaleTimeString("zh-CN")}`;
  box.dataset.saved = String(Number(box.dataset.saved || 0) + 1);
}

async function main() {
  const [xml, catalogText, draftText] = await Promise.all([
    fetchText(box.dataset.xmlUrl), fetchText(box.dataset.catalogUrl), fetchText(box.dataset.draftUrl),
  ]);
  const catalog = { ...JSON.parse(catalogText), formUrl: box.dataset.formUrl };
  modeler = new BpmnModeler({
    container: canvasBox,
    propertiesPanel: { parent: "#properties" },
    linting: { bpmnlint: { config: lintConfig, resolver: lintResolver }, active: true },
    gasflowCatalog: catalog,
    additionalModules: [
      BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, lintModule, TokenSimulationModule,
      { __init__: ["gasflowPropertiesProvider"], gasflowPropertiesProvider: ["type", GasflowPropertiesProvider] },
      { translate: ["value", translate] },
    ],
    moddleExtensions: { spiffworkflow },
  });
  window.gasflowModeler = modeler; // the browser tests read the saved XML through it
  await modeler.importXML(xml);
  modeler.get("canvas").zoom("fit-viewport");
  showProblems(JSON.parse(draftText).problems);
  const saveButton = document.getElementById("save");
  if (saveButton) saveButton.addEventListener("click", save);
  // Ctrl+S saves; caught before the canvas's own key bindings (a plain "s" there is the space tool).
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
      event.preventDefault();
      event.stopPropagation();
      if (editable) save();
    }
  }, true);
  const simulation = document.getElementById("toggle-simulation");
  simulation.addEventListener("click", () => {
    modeler.get("toggleMode").toggleMode();
    simulation.setAttribute("aria-pressed", simulation.getAttribute("aria-pressed") === "true" ? "false" : "true");
  });
  const lint = document.getElementById("toggle-lint");
  lint.addEventListener("click", () => {
    const linting = modeler.get("linting");
    linting.toggle();
    lint.setAttribute("aria-pressed", String(linting.isActive()));
  });
  const ms = Math.round(performance.now());
  box.dataset.readyMs = String(ms);
  box.dataset.ready = "1";
  console.info(`modeler ready ${ms} ms after navigation (${Math.round(performance.now() - started)} ms in script)`);
}

main().catch((err) => {
  state.textContent = `建模器加载失败：${err.message}`;
  box.dataset.ready = "error";
});
